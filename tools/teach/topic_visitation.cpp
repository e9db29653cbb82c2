// Topic 3: the discounted visitation d = eta / sum(eta), sampled by restarts and solved exactly.
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>

#include "pgtruth/finite/solver.hpp"
#include "pgtruth/sampling/visitation_sampler.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

namespace {

/// max_s' |eta(s') - start(s') - gamma sum_{s,a} eta(s) pi(a|s) P(s'|s,a)| over non-terminal s',
/// relative to max(eta): the flow-balance equation checked term by term from the outcomes.
double balance_residual(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, const Eigen::VectorXd& eta) {
  Eigen::VectorXd inflow = mdp.start();
  for (Index s = 0; s < mdp.num_states(); ++s)
    for (Index a = 0; a < mdp.num_actions(); ++a)
      for (const Outcome& o : mdp.outcomes_of(s, a)) inflow(o.next) += mdp.gamma() * eta(s) * pi(s, a) * o.probability;
  double worst = 0.0;
  for (Index s = 0; s < mdp.num_states(); ++s)
    if (!mdp.is_terminal(s)) worst = std::max(worst, std::abs(eta(s) - inflow(s)));
  return worst / eta.cwiseAbs().maxCoeff();
}

}  // namespace

Page visitation(const TeachOptions& options) {
  constexpr long draws = 200000, chunks = 100;
  const std::string file = "slippery-gridworld.json";
  const FiniteProblem problem = finite_case(options, file);
  const FiniteMdp& mdp = problem.mdp;
  const FiniteSolution solution = solve(mdp, problem.policy, finite_solve_options(options));

  Eigen::VectorXd counts = Eigen::VectorXd::Zero(mdp.num_states());
  for (long c = 0; c < chunks; ++c) {
    Rng rng(options.seed, static_cast<std::uint64_t>(c));
    for (long i = 0; i < draws / chunks; ++i) counts(sample_visitation_state(mdp, solution.policy, rng)) += 1.0;
  }
  const Eigen::VectorXd frequency = counts / static_cast<double>(draws);

  // Pearson's chi-squared goodness of fit over the states with d > 0.
  double chi2 = 0.0;
  int cells = 0;
  std::vector<std::vector<std::string>> rows;
  nlohmann::json table = nlohmann::json::array();
  std::vector<double> labels_x;
  for (Index s = 0; s < mdp.num_states(); ++s) {
    const double d = solution.visitation(s);
    const double se = std::sqrt(d * (1.0 - d) / draws);
    if (d > 0.0) chi2 += (counts(s) - draws * d) * (counts(s) - draws * d) / (draws * d), ++cells;
    const double z = se > 0.0 ? (frequency(s) - d) / se : 0.0;
    rows.push_back({mdp.state_names()[static_cast<std::size_t>(s)], cell(solution.occupancy(s)), cell(d),
                    cell(frequency(s)), cell(se, 2), cell(z, 2)});
    table.push_back({{"state", mdp.state_names()[static_cast<std::size_t>(s)]},
                     {"occupancy", solution.occupancy(s)},
                     {"visitation", d},
                     {"sampled", frequency(s)},
                     {"standard_error", se},
                     {"z", z}});
  }
  const double p_value =
      cells > 1 ? boost::math::cdf(boost::math::complement(boost::math::chi_squared(cells - 1), chi2)) : 1.0;
  const double residual = balance_residual(mdp, solution.policy, solution.occupancy);

  Page page("visitation", "The discounted visitation", options);
  page.data.update(nlohmann::json{{"case", file},
               {"draws", draws},
               {"chi_squared", chi2},
               {"degrees_of_freedom", cells - 1},
               {"p_value", p_value},
               {"balance_residual", residual},
               {"expected_length", solution.expected_length}});
  page.data["tables"]["states"] = table;
  page.markdown =
      "The policy gradient theorem weighs each state by the discounted occupancy "
      "η(s) = Σ_t γ^t Pr(s_t = s), which solves the balance (flow) equation "
      "η(s') = start(s') + γ Σ_{s,a} η(s) π(a|s) P(s'|s,a) (Sutton & Barto 2018, §13.2 and eq. 9.2). "
      "Normalised, d = η / Σ η is a distribution, and it can be sampled without knowing P: follow the "
      "policy and, before each step, stop with probability 1 − γ and keep the current state (restarting "
      "if the episode ends first).\n\n"
      "On the " + problem.name + " (`cases/" + file + "`, γ = " + cell(mdp.gamma()) + ", uniform policy), " +
      std::to_string(draws) + " restart draws against the exact d from one sparse solve. The balance "
      "equation, checked term by term from the transition table, holds to a relative " + cell(residual, 2) +
      "; Pearson's χ² = " + cell(chi2) + " on " + std::to_string(cells - 1) + " degrees of freedom "
      "(p = " + cell(p_value, 2) + ") says the samples follow d.\n\n" +
      markdown_table({"state", "occupancy η", "visitation d", "sampled", "std. error", "z"}, rows);
  std::vector<std::string> names(mdp.state_names().begin(), mdp.state_names().end());
  page.add_figure({{"file", "visitation"},
                   {"kind", "bars"},
                   {"title", "Discounted visitation of the slippery gridworld"},
                   {"ylabel", "probability"},
                   {"xlabel", "state (cell row * 4 + column)"},
                   {"categories", names},
                   {"series",
                    {{{"label", "exact d = η / Σ η"}, {"y", to_json(solution.visitation)}},
                     {{"label", "restart sampler"},
                      {"y", to_json(frequency)},
                      {"yerr", to_json((solution.visitation.array() * (1.0 - solution.visitation.array()) / draws)
                                           .sqrt()
                                           .matrix() *
                                       2.0)}}}}},
                  "Exact visitation and sampled frequencies (error bars: two standard errors). The start "
                  "cell carries the most weight, as discounting favours early steps; the terminal cell has none.");
  return page;
}

}  // namespace pgtruth::teach
