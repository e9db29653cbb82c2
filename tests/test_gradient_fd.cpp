// The adjoint gradient against central finite differences of J, on every shipped case and
// on a direct policy (whose entries are free, so J is extended off the simplex).
#include <doctest/doctest.h>

#include "pgtruth/finite/solver.hpp"
#include "gradient_check.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

/// Checks the gradient of p at its theta; relative tolerance 1e-7 (step 1e-5: truncation
/// error ~1e-10 |J'''|, rounding ~1e-11 |J|, both far below).
void check_against_finite_differences(FiniteProblem p) {
  FiniteSolveOptions options;
  options.compute_fisher = false;
  const FiniteSolution sol = solve(p.mdp, p.policy, options);
  const auto J = [&](const Eigen::VectorXd& theta) {
    FinitePolicy policy = p.policy;
    policy.theta = theta;
    return solve(p.mdp, policy, options).J;
  };
  const GradientCheck check = check_gradient(J, p.policy.theta, sol.gradient);
  CAPTURE(check.worst);
  CAPTURE(check.max_abs_error);
  CHECK(check.max_relative_error < 1e-7);
}

}  // namespace

TEST_CASE("gradient = central finite differences of J, on every shipped case") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    check_against_finite_differences(test::load_case(name));
  }
}

TEST_CASE("gradient = finite differences away from the shipped theta (random thetas)") {
  std::mt19937_64 rng(20261123);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    FiniteProblem p = test::load_case(name);
    for (int trial = 0; trial < 3; ++trial) {
      for (Eigen::Index i = 0; i < p.policy.theta.size(); ++i) p.policy.theta(i) = normal(rng);
      check_against_finite_differences(p);
    }
  }
}

TEST_CASE("direct policy: the gradient is eta(s) q(s,a), and matches finite differences of the free entries") {
  const FiniteProblem p = test::parse_finite(R"({
    "problem": "finite", "gamma": 0.8, "states": ["x", "y", "end"], "actions": ["a", "b"],
    "start": [0.3, 0.7, 0], "terminal": ["end"],
    "transitions": [
      {"state": "x", "action": "a", "reward": 1, "next": {"y": 0.5, "x": 0.5}},
      {"state": "x", "action": "b", "reward": 0, "next": {"end": 1}},
      {"state": "y", "action": "a", "next": [{"state": "x", "p": 0.25, "reward": 4}, {"state": "end", "p": 0.75}]},
      {"state": "y", "action": "b", "reward": -1, "next": {"y": 1}}],
    "policy": {"type": "direct", "theta": [[0.6, 0.4], [0.3, 0.7]]}})");
  check_against_finite_differences(p);
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CHECK(!sol.fisher);  // softmax only (spec §1)
  // eta and q by value iteration here (Sutton et al. 2000, Theorem 1 for the direct parameters).
  const test::IterativeEvaluation it = test::evaluate_by_iteration(p, test::reference_policy(p));
  for (Eigen::Index s = 0; s < 2; ++s)
    for (Eigen::Index a = 0; a < 2; ++a)
      CHECK(sol.gradient(s * 2 + a) == doctest::Approx(it.occupancy(s) * it.q(s, a)).epsilon(1e-11));
}
