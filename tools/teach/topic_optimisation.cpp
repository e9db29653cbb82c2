// Topic 6: exact gradient ascent, natural gradient ascent and policy iteration.
#include <cmath>

#include "pgtruth/finite/solver.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

namespace {

/// J(theta_k), k = 0..iterations, of theta_{k+1} = theta_k + step * direction(theta_k), where the
/// direction is the exact gradient or the natural gradient F^+ grad J (Kakade 2002).
std::vector<double> ascend(const FiniteProblem& problem, bool natural, double step, int iterations) {
  FinitePolicy policy = problem.policy;
  std::vector<double> J;
  FiniteSolveOptions solve_options;
  solve_options.compute_fisher = natural;
  for (int k = 0;; ++k) {
    const FiniteSolution s = solve(problem.mdp, policy, solve_options);
    J.push_back(s.J);
    if (k == iterations) break;
    policy.theta += step * (natural ? *s.natural_gradient : s.gradient);
  }
  return J;
}

/// Policy iteration (Howard 1960) over deterministic policies, from the problem's own policy:
/// evaluate, then act greedily on q (ties to the lowest action), until the policy repeats.
/// Returns J of each evaluated policy.
std::vector<double> policy_iteration(const FiniteProblem& problem) {
  const FiniteMdp& mdp = problem.mdp;
  const Index A = mdp.num_actions();
  FiniteSolution s = solve(mdp, problem.policy);
  std::vector<double> J = {s.J};
  FinitePolicy greedy;
  greedy.kind = PolicyKind::direct;
  for (int round = 0; round < 100; ++round) {
    Eigen::VectorXd theta(expected_num_parameters(mdp, PolicyKind::direct, 0));
    theta.setZero();
    Index k = 0;
    for (Index st = 0; st < mdp.num_states(); ++st) {
      if (mdp.is_terminal(st)) continue;
      // Keep the current action unless another is better by more than rounding (Howard's rule;
      // it also stops the loop from cycling between tied actions).
      Index best = 0;
      if (round > 0) best = [&] { Index a = 0; greedy.theta.segment(k * A, A).maxCoeff(&a); return a; }();
      else s.q.row(st).maxCoeff(&best);
      for (Index a = 0; a < A; ++a)
        if (s.q(st, a) > s.q(st, best) + 1e-12 * (1.0 + std::abs(s.q(st, best)))) best = a;
      theta(k * A + best) = 1.0;
      ++k;
    }
    if (round > 0 && theta == greedy.theta) break;
    greedy.theta = theta;
    s = solve(mdp, greedy);
    J.push_back(s.J);
  }
  return J;
}

std::vector<double> iterations_axis(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

}  // namespace

Page optimisation(const TeachOptions& options) {
  constexpr int iterations = 100;
  struct Run {
    std::string file, label;
    double gradient_step, natural_step;
    std::string reference_label;
    double reference;  // NaN: policy iteration's value
  };
  const double aliased_optimum = -(6.0 + 4.0 * std::sqrt(2.0));  // Sutton & Barto 2018, Example 13.1
  const std::vector<Run> runs = {
      {"slippery-gridworld.json", "gridworld", 1.0, 0.2, "optimal J (policy iteration)", std::nan("")},
      {"short-corridor.json", "corridor", 0.05, 0.05, "best J of the aliased policy class, −(6 + 4√2)",
       aliased_optimum},
  };

  Page page("optimisation", "Optimising with exact gradients", options);
  page.data.update(nlohmann::json{{"iterations", iterations}});
  page.markdown =
      "With exact gradients, optimisation is deterministic and its behaviour can be seen without "
      "sampling noise. Gradient ascent follows ∇J; natural gradient ascent follows F⁺∇J, which for "
      "tabular softmax policies is the advantage scaled by 1/(1 − γ) and ignores how the policy is "
      "parameterised (Kakade 2001, *A natural policy gradient*, NeurIPS 14); policy iteration (Howard 1960) "
      "jumps to the greedy policy of the current q and reaches the optimum in a few steps, but only when "
      "the policy class can represent it.\n\n";

  std::vector<std::vector<std::string>> rows;
  for (const Run& run : runs) {
    const FiniteProblem problem = finite_case(options, run.file);
    const std::vector<double> gradient = ascend(problem, false, run.gradient_step, iterations);
    const std::vector<double> natural = ascend(problem, true, run.natural_step, iterations);
    const std::vector<double> pi = policy_iteration(problem);  // over the full state, even on the corridor
    const double reference = std::isnan(run.reference) ? pi.back() : run.reference;
    const auto at = [](const std::vector<double>& J, std::size_t k) { return cell(J[std::min(k, J.size() - 1)], 6); };
    rows.push_back({run.label, "gradient ascent, step " + cell(run.gradient_step), at(gradient, 0), at(gradient, 1),
                    at(gradient, 10), at(gradient, iterations)});
    rows.push_back({run.label, "natural gradient ascent, step " + cell(run.natural_step), at(natural, 0),
                    at(natural, 1), at(natural, 10), at(natural, iterations)});
    rows.push_back({run.label, "policy iteration (" + std::to_string(pi.size() - 1) + (pi.size() == 2 ? " improvement)" : " improvements)"),
                    at(pi, 0), at(pi, 1), at(pi, 10), at(pi, iterations)});
    page.data["tables"][run.label] = {{"case", run.file},
                                      {"gradient_ascent", gradient},
                                      {"natural_gradient_ascent", natural},
                                      {"policy_iteration", pi},
                                      {"gradient_step", run.gradient_step},
                                      {"natural_step", run.natural_step},
                                      {"reference", reference},
                                      {"reference_label", run.reference_label}};
  }
  page.markdown += markdown_table({"problem", "method", "J at 0", "J at 1", "J at 10", "J at " + std::to_string(iterations)},
                                  rows);
  page.markdown +=
      "On the gridworld, policy iteration reaches the optimum in a handful of improvements; natural "
      "gradient ascent approaches it much faster than plain gradient ascent, whose steps shrink where "
      "the softmax saturates. On the corridor the three states look alike to the policy (one shared "
      "probability of going right), so the best this class can do is −(6 + 4√2) ≈ −11.657 "
      "(Sutton & Barto 2018, Example 13.1); both gradient methods converge to it. Policy iteration "
      "there works on the full state, with a separate action per state, and finds J = −3: the "
      "price of aliasing.\n\n";
  for (const Run& run : runs) {
    const nlohmann::json& t = page.data["tables"][run.label];
    const std::vector<double> g = t["gradient_ascent"], n = t["natural_gradient_ascent"], pi = t["policy_iteration"];
    nlohmann::json hlines = {{{"y", t["reference"]}, {"label", run.reference_label}}};
    if (run.label == "corridor") hlines.push_back({{"y", pi.back()}, {"label", "optimal J with a tabular policy"}});
    page.add_figure({{"file", "optimisation-" + run.label},
                     {"kind", "lines"},
                     {"title", "J by iteration: " + run.label},
                     {"xlabel", "iteration"},
                     {"ylabel", "J"},
                     {"series",
                      {{{"label", "gradient ascent"}, {"x", iterations_axis(g.size())}, {"y", g}},
                       {{"label", "natural gradient ascent"}, {"x", iterations_axis(n.size())}, {"y", n}},
                       {{"label", "policy iteration"}, {"x", iterations_axis(pi.size())}, {"y", pi}, {"style", "markers"}}}},
                     {"hlines", hlines}},
                    "J against iteration on the " + run.label + ", exact at every step.");
  }
  return page;
}

}  // namespace pgtruth::teach
