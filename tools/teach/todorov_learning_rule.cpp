// The learning-rule side of Todorov (2025), §3.4: the variance per sample of the K_S and K_D
// estimators (eqs. 42-43) and their baselined forms (eq. 44) on the shipped LQG cases, beside
// reinforce-rtg and dpg, each tested against the exact gradient as its mean.
#include <algorithm>

#include "pgtruth/lqg/solver.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

void add_todorov_learning_rule(Page& page, const TeachOptions& options) {
  const long draws = 4000;
  const std::vector<std::string> files = {"scalar-lqr-stochastic.json",        "scalar-lqr-deterministic.json",
                                          "double-integrator-stochastic.json", "double-integrator-deterministic.json",
                                          "three-state-stochastic.json",       "three-state-deterministic.json"};
  const std::vector<Estimator> estimators = {Estimator::reinforce_rtg,      Estimator::dpg,
                                             Estimator::todorov_ks,         Estimator::todorov_kd,
                                             Estimator::todorov_ks_baseline, Estimator::todorov_kd_baseline};
  page.markdown +=
      "## The learning rule (§3.4): K_S, K_D and their baselines\n\n"
      "Todorov turns the equivalence into estimators that need v only: ∇J = E_{x~ρ}[∇_θ ℓ(x, μ) + "
      "∇_θ μ γ E_u K(x, u)] (eq. 42) with K_S = Σ⁻¹(u − μ) v(f(x, u)) or K_D = ∇_u v(f(x, u)) "
      "(eq. 43), and the baselined K̃_S = Σ⁻¹(u − μ)(v(f(x, u)) − v̂(f(x, μ))), K̃_D = ∇_u v(f(x, u)) − "
      "∇_μμ v̂ (u − μ) (eq. 44). Here v is the exact value of the file's formulation and v̂ = v; the "
      "estimates are summed along episodes that end with probability 1 − γ after each step, so x₀ "
      "counts at weight 1 in ρ. Every estimator's mean is the exact gradient (the verdict column "
      "tests it; undecided means the episodes were too few for `pgtruth check` to decide); only the "
      "variance differs. The variance per sample is the trace of the covariance "
      "of one episode's estimate over " +
      std::to_string(draws) +
      " episodes; relative efficiency is reinforce-rtg's variance over the estimator's.\n\n";
  nlohmann::json table = nlohmann::json::array(), series = nlohmann::json::array();
  std::vector<std::vector<double>> relative(estimators.size());
  std::vector<double> ks_variance;  // todorov-ks on each file
  std::vector<std::string> categories;
  std::vector<std::vector<std::string>> rows;
  for (const std::string& file : files) {
    const LqgProblem problem = lqg_case(options, file);
    LqgSolveOptions no_optimum = lqg_solve_options(options);
    no_optimum.compute_optimal = false;
    const LqgSolution solution = solve(problem, no_optimum);
    const bool stochastic = problem.formulation == Formulation::stochastic;
    const std::string label = problem.name + (stochastic ? " (S)" : " (D)");
    categories.push_back(label);
    double reference = 0;
    for (std::size_t k = 0; k < estimators.size(); ++k) {
      const Estimator e = estimators[k];
      const CheckResult r = check_estimator(problem, solution, e, check_options(options, draws));
      const double variance = r.variance_per_episode;
      const Verdict verdict = r.verdict;
      if (k == 0) reference = variance;
      if (e == Estimator::todorov_ks) ks_variance.push_back(variance);
      relative[k].push_back(variance / reference);
      rows.push_back({"`" + file + "`", estimator_name(e), cell(variance), cell(reference / variance, 3),
                      verdict_name(verdict)});
      table.push_back({{"case", file},
                       {"estimator", estimator_name(e)},
                       {"variance_per_sample", variance},
                       {"relative_efficiency", reference / variance},
                       {"verdict", verdict_name(verdict)}});
    }
  }
  for (std::size_t k = 0; k < estimators.size(); ++k)
    series.push_back({{"label", estimator_name(estimators[k])}, {"y", relative[k]}});
  page.data["tables"]["learning_rule"] = table;
  page.markdown += markdown_table({"case", "estimator", "variance / sample", "rel. efficiency", "verdict"}, rows);
  // What the table shows, in figures read from it (no ordering is assumed).
  std::string ranges;
  for (std::size_t k = 1; k < estimators.size(); ++k) {
    const auto [lo, hi] = std::minmax_element(relative[k].begin(), relative[k].end());
    ranges += std::string(k == 1 ? "" : ", ") + estimator_name(estimators[k]) + " " + cell(1.0 / *hi, 3) + " to " +
              cell(1.0 / *lo, 3);
  }
  std::string s_over_d;  // K_S's variance in the stochastic formulation over the deterministic one
  for (std::size_t c = 0; c + 1 < files.size(); c += 2)
    s_over_d += std::string(c == 0 ? "" : ", ") + cell(ks_variance[c] / ks_variance[c + 1], 3);
  page.markdown +=
      "Measured relative efficiencies over the six files: " + ranges +
      ". K_S weighs v(x') by the zero-mean Σ⁻¹(u − μ): its mean is that of K_D (Stein's lemma, eq. 27), "
      "but v's constant and its spread over x' enter its variance. In the stochastic formulation v_S "
      "exceeds v_D by tr(RΣ)/(1 − γ) (eq. 40); K_S's variance there over its variance in the "
      "deterministic file is " + s_over_d + " on the three systems. The baseline v̂(f(x, μ)) "
      "cancels v's constant and the part of v(x') that does not move with u − μ. K_D and K̃_D do not "
      "see v's constant at all; for quadratic v̂ the Hessian term of K̃_D (equal to the Gauss-Newton "
      "form 2BᵀP̂B) removes the part of ∇v(x') that is linear in u − μ, which leaves the spread of the "
      "states, shared with dpg, and that of the process noise w in x', which dpg (the exact ∇_u Q_D, "
      "no sampled next state) does not carry.\n\n";
  page.add_figure({{"file", "todorov-learning-rule"},
                   {"kind", "bars"},
                   {"title", "Variance per sample relative to reinforce-rtg (same mean: the exact gradient)"},
                   {"ylabel", "variance / variance of reinforce-rtg (log scale)"},
                   {"logy", true},
                   {"categories", categories},
                   {"series", series}},
                  "The variance of one episode's estimate of each estimator, over that of reinforce-rtg, on "
                  "every shipped LQG case (log scale). Every one has the exact gradient as its mean (the "
                  "verdicts above); only the spread differs.");
}

}  // namespace pgtruth::teach
