// Topic 5: Todorov's (2025) equivalence of stochastic and deterministic policy gradients.
#include "pgtruth/equivalence.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

namespace {

/// The identities of one report as a table, and as JSON.
void add_report(Page& page, const std::string& key, const std::string& heading, const EquivalenceReport& report) {
  std::vector<std::vector<std::string>> rows;
  nlohmann::json table = nlohmann::json::array();
  for (const Identity& id : report.identities) {
    const char* verdict = !id.holds() ? "FAILS" : id.by_construction ? "holds (by construction)" : "holds";
    rows.push_back({id.name, id.source, cell(id.deviation, 2), cell(id.scale, 3), verdict});
    table.push_back({{"identity", id.name},
                     {"source", id.source},
                     {"deviation", id.deviation},
                     {"scale", id.scale},
                     {"holds", id.holds()},
                     {"by_construction", id.by_construction}});
  }
  page.data["tables"][key] = table;
  page.markdown += "## " + heading + "\n\n" +
                   markdown_table({"identity", "source", "largest deviation", "scale", ""}, rows);
  for (const std::string& note : report.notes) page.markdown += "* " + note + "\n";
  page.markdown += "\n";
}

}  // namespace

Page stochastic_vs_deterministic(const TeachOptions& options) {
  const std::string lqg_file = "three-state-stochastic.json", finite_file = "slippery-gridworld.json";
  Page page("stochastic-vs-deterministic", "Stochastic and deterministic policy gradients are the same", options);
  page.data.update(nlohmann::json{{"lqg_case", lqg_file},
               {"finite_case", finite_file}});
  page.markdown =
      "Todorov (2025, *Equivalence of stochastic and deterministic policy gradients*, arXiv:2505.23244) "
      "shows that with Gaussian control noise and quadratic control cost, a stochastic policy "
      "u = −Kx + d, d ~ N(0, Σ), and the deterministic policy u = −Kx whose noise is moved into the "
      "dynamics have the same state values up to the constant tr(RΣ)/(1 − γ), the same policy gradient "
      "and the same natural gradient, while their action values differ (§3). For any finite MDP, the "
      "deterministic MDP whose control is the vector of action probabilities (eq. 47) has the same "
      "transitions, values and gradient (Theorem 1).\n\n"
      "Each side of every identity below is computed separately by pgtruth's exact solvers (Stein "
      "equations for LQG, a sparse Bellman solve for the finite MDP); the deviation is the largest "
      "absolute difference, at rounding level when the identity holds.\n\n";
  const LqgProblem lqg = lqg_case(options, lqg_file);
  add_report(page, "lqg", "LQG: " + lqg.name + " (`cases/" + lqg_file + "`)",
             lqg_equivalence(solve_both_formulations(lqg, lqg_solve_options(options))));
  const FiniteProblem finite = finite_case(options, finite_file);
  add_report(page, "finite", "Theorem 1: " + finite.name + " (`cases/" + finite_file + "`)",
             finite_equivalence(finite, solve_both_formulations(finite, finite_solve_options(options))));
  page.markdown +=
      "The practical reading (Todorov 2025, §5): since the state values and gradients agree, a critic "
      "can approximate v rather than q, whichever form of the policy is used.\n\n";
  add_todorov_learning_rule(page, options);
  return page;
}

}  // namespace pgtruth::teach
