// The iterative (multigrid-preconditioned BiCGSTAB) path of the finite solver gives the direct
// path's answers, with its residuals certified, on the shipped cases, on a 10^4-state gridworld
// under a skewed policy, and the answers of value iteration on a 2 x 10^4-state Garnet MDP; and
// the same answers, to the last bit, on one thread and on two.
#include <doctest/doctest.h>

#include <random>

#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

namespace {

using pgtruth::FiniteSolveOptions;
using pgtruth::LinearSolver;

double relative_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

void check_agreement(const pgtruth::FiniteProblem& p) {
  FiniteSolveOptions direct, iterative;
  direct.linear_solver = LinearSolver::direct;
  iterative.linear_solver = LinearSolver::iterative;
  direct.compute_fisher = iterative.compute_fisher = false;
  const pgtruth::FiniteSolution a = pgtruth::solve(p.mdp, p.policy, direct);
  const pgtruth::FiniteSolution b = pgtruth::solve(p.mdp, p.policy, iterative);
  CHECK(a.summary.iterations == 0);
  CHECK(b.summary.method.find("BiCGSTAB") != std::string::npos);
  // Certified: backward error <= 1e-13; forward error <= condition x backward error.
  CHECK(b.summary.bellman_residual <= 1e-13);
  CHECK(b.summary.flow_residual <= 1e-13);
  const double tolerance = 1e-13 * (1.0 + a.summary.condition) * 10.0;
  CHECK(relative_difference(b.v, a.v) <= tolerance);
  CHECK(relative_difference(b.occupancy, a.occupancy) <= tolerance);
  CHECK(relative_difference(b.gradient, a.gradient) <= tolerance);
  CHECK(b.J == doctest::Approx(a.J).epsilon(tolerance));
  // The iterative path reports |gamma P| / (1 - |gamma P|) >= the exact condition when gamma < 1.
  if (p.mdp.gamma() < 1.0) {
    CHECK(b.summary.condition_is_bound);
    CHECK(b.summary.condition >= a.summary.condition * (1.0 - 1e-12));
  } else {
    CHECK(!b.summary.condition_is_bound);
    CHECK(b.summary.condition == doctest::Approx(a.summary.condition).epsilon(1e-9));
  }
}

/// p under a policy with random logits (normal, sd 1, drawn from `seed`): on a gridworld its
/// chain drifts, so M is far from symmetric.
pgtruth::FiniteProblem with_random_logits(pgtruth::FiniteProblem p, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (Eigen::Index i = 0; i < p.policy.theta.size(); ++i) p.policy.theta(i) = normal(rng);
  return p;
}

}  // namespace

TEST_CASE("iterative solve: the same answers as the sparse LU on every shipped finite case") {
  for (const char* name : {"short-corridor.json", "two-state.json", "slippery-gridworld.json",
                                  "machine-maintenance.json", "garnet-1000.json", "gridworld-100x100.json"}) {
    CAPTURE(name);
    check_agreement(pgtruth::test::load_case(name));
  }
}

TEST_CASE("iterative solve: the same answers as the sparse LU on a gridworld under a skewed policy") {
  check_agreement(with_random_logits(pgtruth::test::load_case("gridworld-100x100.json"), 11));
}

TEST_CASE("iterative solve: the answers of value iteration on a 2 x 10^4-state Garnet MDP") {
  // Aggregation finds no structure in a random graph: the preconditioner is Gauss-Seidel alone.
  const pgtruth::FiniteProblem p = pgtruth::test::parse_finite(R"({
    "problem": "finite", "gamma": 0.9,
    "generator": {"type": "garnet", "states": 20000, "actions": 3, "branching": 4, "seed": 5},
    "policy": {"type": "softmax", "features": "tabular", "theta": 0}})");
  FiniteSolveOptions options;
  options.linear_solver = LinearSolver::iterative;
  options.compute_fisher = false;
  const pgtruth::FiniteSolution s = pgtruth::solve(p.mdp, p.policy, options);
  CHECK(s.summary.method.find("1 levels") != std::string::npos);
  // Value iteration stops when a sweep changes v by <= 1e-15 |v|; it is then within
  // gamma / (1 - gamma) of that, 1e-14 relative. The occupancy is propagated to 1e-18 mass.
  const pgtruth::test::IterativeEvaluation reference = pgtruth::test::evaluate_by_iteration(p, s.policy);
  CHECK(relative_difference(s.v, reference.v) <= 1e-12);
  CHECK(relative_difference(s.occupancy, reference.occupancy) <= 1e-12);
  CHECK(s.J == doctest::Approx(reference.J).epsilon(1e-12));
}

TEST_CASE("iterative solve: the same bits on one thread as on two") {
  // 150 x 150 cells (M has over 10^5 nonzeros); on two threads the two solves run at once.
  const pgtruth::FiniteProblem p = with_random_logits(pgtruth::test::parse_finite(R"({
    "problem": "finite", "gamma": 0.99,
    "generator": {"type": "gridworld", "width": 150, "height": 150, "slip": 0.1, "step_reward": -1},
    "policy": {"type": "softmax", "features": "tabular", "theta": 0}})"), 12);
  FiniteSolveOptions options;
  options.linear_solver = LinearSolver::iterative;
  options.compute_fisher = false;
  options.threads = 1;
  const pgtruth::FiniteSolution one = pgtruth::solve(p.mdp, p.policy, options);
  options.threads = 2;
  const pgtruth::FiniteSolution two = pgtruth::solve(p.mdp, p.policy, options);
  CHECK(one.summary.nonzeros >= 100000);
  CHECK(one.summary.iterations == two.summary.iterations);
  CHECK(one.v == two.v);
  CHECK(one.occupancy == two.occupancy);
  CHECK(one.gradient == two.gradient);
}

TEST_CASE("iterative solve: chosen automatically above FiniteSolveOptions::iterative_above unknowns") {
  const pgtruth::FiniteProblem p = pgtruth::test::load_case("gridworld-100x100.json");
  FiniteSolveOptions options;
  options.compute_fisher = false;
  CHECK(pgtruth::solve(p.mdp, p.policy, options).summary.iterations > 0);  // 10^4 > 5000
  options.iterative_above = 100000;
  CHECK(pgtruth::solve(p.mdp, p.policy, options).summary.iterations == 0);
  options.iterative_tolerance = 1.0;  // looser than max_residual: rejected
  CHECK_THROWS_AS(pgtruth::solve(p.mdp, p.policy, options), std::invalid_argument);
}
