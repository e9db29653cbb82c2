// Topic 7: the short corridor with switched actions (Sutton & Barto 2018, Example 13.1).
#include <cmath>

#include "pgtruth/finite/solver.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

namespace {

/// J when every state goes right with probability p: the engine's solve of a direct policy.
double corridor_J(const FiniteProblem& problem, double p) {
  const FiniteMdp& mdp = problem.mdp;
  FinitePolicy policy;
  policy.kind = PolicyKind::direct;
  policy.theta.resize(expected_num_parameters(mdp, PolicyKind::direct, 0));
  const Index right = std::find(mdp.action_names().begin(), mdp.action_names().end(), "right") - mdp.action_names().begin();
  for (Index k = 0; k < policy.theta.size(); ++k) policy.theta(k) = (k % 2 == right) ? p : 1.0 - p;
  FiniteSolveOptions options;
  options.compute_fisher = false;
  return solve(mdp, policy, options).J;
}

/// J(p) = (2p − 4) / (p (1 − p)) (ibid., from the three Bellman equations; maximised at 2 − √2).
double closed_form_J(double p) { return (2.0 * p - 4.0) / (p * (1.0 - p)); }

}  // namespace

Page corridor(const TeachOptions& options) {
  const std::string file = "short-corridor.json";
  const FiniteProblem problem = finite_case(options, file);

  std::vector<double> p_grid, J_grid;
  double deviation = 0.0;
  for (int i = 1; i <= 99; ++i) {
    const double p = i / 100.0;
    p_grid.push_back(p);
    J_grid.push_back(corridor_J(problem, p));
    deviation = std::max(deviation, std::abs(J_grid.back() - closed_form_J(p)) / std::abs(closed_form_J(p)));
  }
  // Golden-section search on the engine's J (unimodal on (0, 1)).
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double lo = 0.01, hi = 0.99;
  double x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo);
  double f1 = corridor_J(problem, x1), f2 = corridor_J(problem, x2);
  while (hi - lo > 1e-10) {
    if (f1 < f2) lo = x1, x1 = x2, f1 = f2, x2 = lo + ratio * (hi - lo), f2 = corridor_J(problem, x2);
    else hi = x2, x2 = x1, f2 = f1, x1 = hi - ratio * (hi - lo), f1 = corridor_J(problem, x1);
  }
  const double p_star = (lo + hi) / 2.0, J_star = corridor_J(problem, p_star);
  const double p_exact = 2.0 - std::sqrt(2.0), J_exact = -(6.0 + 4.0 * std::sqrt(2.0));

  Page page("corridor", "The short corridor: why stochastic policies can be best", options);
  page.data.update(nlohmann::json{{"case", file},
               {"p", p_grid},
               {"J", J_grid},
               {"max_relative_deviation_from_closed_form", deviation},
               {"optimum", {{"p", p_star}, {"J", J_star}}},
               {"closed_form", {{"p", p_exact}, {"J", J_exact}}},
               {"published", {{"p", 0.59}, {"J", -11.6}}}});
  page.markdown =
      "Sutton & Barto (2018, *Reinforcement Learning: An Introduction*, 2nd ed., Example 13.1, p. 323): "
      "three non-terminal cells and a goal, reward −1 per step; in the second cell the actions are "
      "switched. The features cannot tell the cells apart, so the policy is one number, the probability "
      "p of going right everywhere. A deterministic policy never reaches the goal (J = −∞); the best "
      "stochastic one does.\n\n"
      "pgtruth solves the Bellman system for each p (`cases/" + file + "` with a direct policy); it "
      "matches the closed form J(p) = (2p − 4) / (p(1 − p)) to a relative " + cell(deviation, 2) +
      " over the curve, and a golden-section search on the solver's J finds the optimum:\n\n" +
      markdown_table({"", "pgtruth", "closed form", "published (Sutton & Barto)"},
                     {{"best p", cell(p_star, 8), "2 − √2 = " + cell(p_exact, 8), "≈ 0.59"},
                      {"best J", cell(J_star, 8), "−(6 + 4√2) = " + cell(J_exact, 8), "≈ −11.6"}});
  page.data["tables"]["optimum"] = {{"engine", {{"p", p_star}, {"J", J_star}}},
                                    {"closed_form", {{"p", p_exact}, {"J", J_exact}}},
                                    {"published", {{"p", 0.59}, {"J", -11.6}}}};
  page.add_figure({{"file", "corridor"},
                   {"kind", "lines"},
                   {"title", "Short corridor: J as a function of p(right)"},
                   {"xlabel", "probability of going right, p"},
                   {"ylabel", "J(p)"},
                   {"ylim", {-100, 0}},
                   {"series", {{{"label", "J(p), pgtruth"}, {"x", p_grid}, {"y", J_grid}}}},
                   {"points", {{{"x", p_star}, {"y", J_star}, {"label", "optimum p = " + cell(p_star, 4) + ", J = " + cell(J_star, 5)}},
                               {{"x", 0.59}, {"y", -11.6}, {"label", "published: p ≈ 0.59, J ≈ −11.6"}}}}},
                  "J(p) from the exact solver; the optimum found by golden-section search and the values "
                  "published by Sutton & Barto are marked. J falls to −∞ at both ends, where the "
                  "policy becomes deterministic and can loop forever.");
  return page;
}

}  // namespace pgtruth::teach
