// The iterative (BiCGSTAB) path of the finite solver gives the direct path's answers, with its
// residuals certified, on the shipped cases and on a 10^4-state generated gridworld.
#include <doctest/doctest.h>

#include "pgtruth/finite_solver.hpp"
#include "support.hpp"

namespace {

using pgtruth::FiniteSolveOptions;
using pgtruth::LinearSolver;

double relative_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

void check_agreement(const std::string& name) {
  CAPTURE(name);
  const pgtruth::FiniteProblem p = pgtruth::test::load_case(name);
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
  if (p.mdp.gamma < 1.0) {
    CHECK(b.summary.condition_is_bound);
    CHECK(b.summary.condition >= a.summary.condition * (1.0 - 1e-12));
  } else {
    CHECK(!b.summary.condition_is_bound);
    CHECK(b.summary.condition == doctest::Approx(a.summary.condition).epsilon(1e-9));
  }
}

}  // namespace

TEST_CASE("iterative solve: the same answers as the sparse LU on every shipped finite case") {
  for (const char* name : {"short-corridor.json", "two-state.json", "slippery-gridworld.json",
                                  "machine-maintenance.json", "garnet-1000.json", "gridworld-100x100.json"})
    check_agreement(name);
}

TEST_CASE("iterative solve: chosen automatically above FiniteSolveOptions::iterative_above unknowns") {
  const pgtruth::FiniteProblem p = pgtruth::test::load_case("gridworld-100x100.json");
  FiniteSolveOptions options;
  options.compute_fisher = false;
  CHECK(pgtruth::solve(p.mdp, p.policy, options).summary.iterations == 0);  // 10^4 < 2 x 10^5
  options.iterative_above = 1000;
  CHECK(pgtruth::solve(p.mdp, p.policy, options).summary.iterations > 0);
  options.iterative_tolerance = 1.0;  // looser than max_residual: rejected
  CHECK_THROWS_AS(pgtruth::solve(p.mdp, p.policy, options), std::invalid_argument);
}
