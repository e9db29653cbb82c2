// Topic 2: the valid weights of the score function, sum_t gamma^t psi_t W_t, and their variances.
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/finite/solver.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

Page valid_weights(const TeachOptions& options) {
  struct Weight {
    Estimator estimator;
    const char* weight;
  };
  const std::vector<Weight> weights = {
      {Estimator::reinforce, "full return Σ_k γ^k r_k (no γ^t)"},
      {Estimator::reinforce_rtg, "reward-to-go G_t"},
      {Estimator::baseline_value, "G_t − v(s_t)"},
      {Estimator::baseline_optimal, "G_t − b*(s_t), the variance-minimising baseline"},
      {Estimator::qvalue, "q(s_t, a_t)"},
      {Estimator::advantage, "A(s_t, a_t) = q − v"},
      {Estimator::gae, "A_t^GAE(γ, λ = 0.95)"},
  };
  const std::vector<std::pair<std::string, std::string>> cases = {{"short-corridor.json", "corridor"},
                                                                  {"slippery-gridworld.json", "gridworld"}};
  constexpr long episodes = 50000;

  Page page("valid-weights", "The valid weights of the score function", options);
  page.data.update(nlohmann::json{{"episodes", episodes}});
  page.markdown =
      "The policy gradient theorem (Sutton et al. 2000) can be sampled as Σ_t γ^t ψ_t W_t with "
      "ψ_t = ∇log π(a_t|s_t) and many choices of the weight W_t: they all have the same mean, the "
      "exact gradient, and very different variances (Schulman et al. 2016, *High-dimensional continuous "
      "control using generalized advantage estimation*, §2, lists them). Each row below ran " +
      std::to_string(episodes) +
      " episodes; the p-value tests the sampled mean against the exact gradient (`pgtruth check`'s "
      "calibrated test: Student's t per coordinate and along fixed directions), and the relative efficiency is the variance of the full-return estimator divided by the "
      "row's.\n\n";

  nlohmann::json series = nlohmann::json::array();
  std::vector<std::string> labels;
  for (const Weight& w : weights) labels.push_back(estimator_name(w.estimator));
  for (const auto& [file, label] : cases) {
    const FiniteProblem problem = finite_case(options, file);
    const FiniteSolution solution = solve(problem.mdp, problem.policy, finite_solve_options(options));
    CheckOptions check = check_options(options, episodes);
    std::vector<std::vector<std::string>> rows;
    nlohmann::json table = nlohmann::json::array();
    std::vector<double> relative;
    double reference = 0.0;
    for (const Weight& w : weights) {
      const CheckResult r = check_estimator(problem, solution, w.estimator, check);
      if (w.estimator == Estimator::reinforce) reference = r.variance_per_episode;
      const double efficiency = reference / r.variance_per_episode;
      relative.push_back(r.variance_per_episode / reference);
      rows.push_back({std::string("`") + estimator_name(w.estimator) + "`", w.weight, cell(r.variance_per_episode),
                      cell(efficiency, 3), cell(r.test.p_value, 2), verdict_name(r.verdict)});
      table.push_back({{"estimator", estimator_name(w.estimator)},
                       {"variance_per_episode", r.variance_per_episode},
                       {"relative_efficiency", efficiency},
                       {"p_value", r.test.p_value},
                       {"alpha", r.alpha},
                       {"verdict", verdict_name(r.verdict)},
                       {"mean", to_json(r.test.mean)},
                       {"truth", to_json(r.truth)}});
    }
    page.data["tables"][label] = table;
    page.markdown += "## " + problem.name + " (`cases/" + file + "`, γ = " + cell(problem.mdp.gamma()) + ")\n\n" +
                     markdown_table({"estimator", "weight W_t", "variance / episode", "rel. efficiency", "p-value",
                                     "verdict"},
                                    rows);
    series.push_back({{"label", label}, {"y", relative}});
  }
  page.markdown +=
      "On the corridor at p(right) = 1/2 both actions have the same |ψ|², so the optimal baseline "
      "E[|ψ|² q]/E[|ψ|²] is v itself and the two baseline rows coincide. The advantage, with its exact "
      "critic, removes almost all of the variance; GAE sits between the reward-to-go and the advantage.\n\n";
  page.add_figure({{"file", "valid-weights"},
                   {"kind", "bars"},
                   {"title", "Variance per episode relative to the full-return estimator"},
                   {"ylabel", "variance / variance of reinforce (log scale)"},
                   {"logy", true},
                   {"categories", labels},
                   {"series", series}},
                  "Each weight's variance relative to the full return, on both problems (log scale). "
                  "Dropping rewards earned before the action (reward-to-go) and subtracting a state "
                  "baseline never change the mean but cut the variance; the exact critics q and A cut it most.");
  return page;
}

}  // namespace pgtruth::teach
