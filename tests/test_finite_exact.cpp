// The exact finite-MDP quantities against independent computations: hand derivations,
// the published corridor numbers, fixed-point iteration, the policy-gradient-theorem sum,
// and the residuals of the Bellman and flow-balance equations.
#include <doctest/doctest.h>

#include <cmath>

#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

using namespace pgtruth;
using pgtruth::test::load_case;

namespace {

double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

TEST_CASE("two-state MDP: every quantity equals its hand derivation (cases/two-state.json, _derivation)") {
  const FiniteProblem p = load_case("two-state.json");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  const double tol = 1e-13;
  CHECK(sol.J == doctest::Approx(7.25).epsilon(tol));
  CHECK(max_abs_diff(sol.v, Eigen::Vector2d(7.25, 7.75)) < tol);
  CHECK(max_abs_diff(sol.q, (Eigen::Matrix2d() << 7.525, 6.975, 6.975, 8.525).finished()) < tol);
  CHECK(max_abs_diff(sol.advantage, (Eigen::Matrix2d() << 0.275, -0.275, -0.775, 0.775).finished()) < tol);
  CHECK(max_abs_diff(sol.occupancy, Eigen::Vector2d(5.5, 4.5)) < tol);
  CHECK(sol.expected_length == doctest::Approx(10.0).epsilon(tol));
  CHECK(max_abs_diff(sol.visitation, Eigen::Vector2d(0.55, 0.45)) < tol);
  CHECK(max_abs_diff(sol.gradient, Eigen::Vector4d(0.75625, -0.75625, -1.74375, 1.74375)) < tol);
  REQUIRE(sol.natural_gradient);
  CHECK(max_abs_diff(*sol.natural_gradient, Eigen::Vector4d(2.75, -2.75, -7.75, 7.75)) < 1e-12);
  CHECK(*sol.fisher_rank == 2);
}

TEST_CASE("short corridor: J(p) = (2p - 4) / (p (1 - p)) and the published optimum (Sutton & Barto 2018, Example 13.1)") {
  FiniteProblem p = load_case("short-corridor.json");
  // theta = (log p - log(1 - p), 0) gives P(right) = p in every state.
  const auto J_at = [&p](double prob) {
    p.policy.theta = Eigen::Vector2d(std::log(prob / (1.0 - prob)), 0.0);
    return solve(p.mdp, p.policy).J;
  };
  SUBCASE("closed form derived from the three Bellman equations, on a grid of p") {
    for (double prob = 0.05; prob < 0.96; prob += 0.05)
      CHECK(J_at(prob) == doctest::Approx((2 * prob - 4) / (prob * (1 - prob))).epsilon(1e-12));
  }
  SUBCASE("at theta = 0: J = -12, gradient (2, -2)") {
    const FiniteSolution sol = solve(p.mdp, p.policy);
    CHECK(sol.J == doctest::Approx(-12.0).epsilon(1e-14));
    CHECK(max_abs_diff(sol.gradient, Eigen::Vector2d(2.0, -2.0)) < 1e-13);
  }
  SUBCASE("the optimum: published p ~ 0.59 and value ~ -11.6; exactly p = 2 - sqrt 2, J = -(6 + 4 sqrt 2)") {
    // Golden-section search on the solver's J, independent of the closed form.
    double lo = 0.05, hi = 0.95;
    const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
    while (hi - lo > 1e-9) {
      const double a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
      if (J_at(a) < J_at(b)) lo = a;  // the maximum lies in [a, hi]
      else hi = b;
    }
    const double best = (lo + hi) / 2;
    CHECK(std::abs(best - 0.59) < 0.005);            // published to two digits
    CHECK(std::abs(J_at(best) - (-11.6)) < 0.06);    // published to three digits
    CHECK(best == doctest::Approx(2.0 - std::sqrt(2.0)).epsilon(1e-8));
    CHECK(J_at(2.0 - std::sqrt(2.0)) == doctest::Approx(-(6.0 + 4.0 * std::sqrt(2.0))).epsilon(1e-13));
    p.policy.theta = Eigen::Vector2d(std::log((2.0 - std::sqrt(2.0)) / (std::sqrt(2.0) - 1.0)), 0.0);
    CHECK(solve(p.mdp, p.policy).gradient.norm() < 1e-12);  // stationary at the optimum
  }
}

TEST_CASE("every shipped case: v, q, occupancy and J agree with fixed-point iteration (a second algorithm)") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = load_case(name);
    const FiniteSolution sol = solve(p.mdp, p.policy);
    const Eigen::MatrixXd pi = test::reference_policy(p);
    CHECK(max_abs_diff(sol.policy, pi) < 1e-14);
    const test::IterativeEvaluation it = test::evaluate_by_iteration(p, pi);
    const double scale = std::max(1.0, it.v.cwiseAbs().maxCoeff());
    CHECK(max_abs_diff(sol.v, it.v) < 1e-11 * scale);
    CHECK(max_abs_diff(sol.q, it.q) < 1e-11 * scale);
    CHECK(max_abs_diff(sol.advantage, it.q.colwise() - it.v) < 1e-11 * scale);
    CHECK(max_abs_diff(sol.occupancy, it.occupancy) < 1e-11 * std::max(1.0, it.occupancy.maxCoeff()));
    CHECK(sol.J == doctest::Approx(it.J).epsilon(1e-11));
    CHECK(sol.expected_length == doctest::Approx(it.occupancy.sum()).epsilon(1e-11));
    CHECK(sol.visitation.sum() == doctest::Approx(1.0).epsilon(1e-14));
  }
}

TEST_CASE("every shipped case: the adjoint gradient equals the policy-gradient-theorem sum") {
  // sum_s eta(s) sum_a grad pi(a|s) q(s,a) with eta and q from iteration and grad pi from the
  // spec's formula (Sutton et al. 2000, Theorem 1).
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = load_case(name);
    const FiniteSolution sol = solve(p.mdp, p.policy);
    const Eigen::MatrixXd pi = test::reference_policy(p);
    const test::IterativeEvaluation it = test::evaluate_by_iteration(p, pi);
    Eigen::VectorXd theorem = Eigen::VectorXd::Zero(p.policy.num_parameters());
    for (Eigen::Index s = 0; s < p.mdp.num_states(); ++s)
      for (Eigen::Index a = 0; a < p.mdp.num_actions(); ++a)
        if (!p.mdp.is_terminal(s)) theorem += it.occupancy(s) * it.q(s, a) * test::reference_policy_derivative(p, pi, s, a);
    CHECK(max_abs_diff(sol.gradient, theorem) < 1e-10 * std::max(1.0, theorem.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("every shipped case: Bellman and flow-balance residuals, recomputed here from the outputs") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = load_case(name);
    const FiniteMdp& m = p.mdp;
    const FiniteSolution sol = solve(m, p.policy);
    // Bellman: v(s) = sum_a pi(a|s) q(s,a), q(s,a) = sum_o p_o (r_o + gamma v(s'_o)).
    // Flow balance: eta(s') = start(s') + gamma sum_{s,a} eta(s) pi(a|s) P(s'|s,a) off terminals.
    Eigen::VectorXd inflow = m.start();
    double bellman = 0.0;
    for (Eigen::Index s = 0; s < m.num_states(); ++s) {
      if (m.is_terminal(s)) continue;
      double v = 0.0;
      for (Eigen::Index a = 0; a < m.num_actions(); ++a) {
        double q = 0.0;
        for (const Outcome& o : m.outcomes_of(s, a)) {
          q += o.probability * (o.reward + m.gamma() * sol.v(o.next));
          inflow(o.next) += m.gamma() * sol.occupancy(s) * sol.policy(s, a) * o.probability;
        }
        bellman = std::max(bellman, std::abs(q - sol.q(s, a)));
        v += sol.policy(s, a) * q;
      }
      bellman = std::max(bellman, std::abs(v - sol.v(s)));
    }
    double flow = 0.0;
    for (Eigen::Index s = 0; s < m.num_states(); ++s)
      if (!m.is_terminal(s)) flow = std::max(flow, std::abs(inflow(s) - sol.occupancy(s)));
    CHECK(bellman < 1e-12 * std::max(1.0, sol.v.cwiseAbs().maxCoeff()));
    CHECK(flow < 1e-12 * std::max(1.0, sol.occupancy.maxCoeff()));
    // The solver's own report agrees that the residuals are at rounding level.
    CHECK(sol.summary.bellman_residual < 1e-14);
    CHECK(sol.summary.flow_residual < 1e-14);
  }
}

TEST_CASE("terminal states hold v = 0, q = 0, occupancy = 0 and a zero gradient block") {
  const FiniteProblem p = load_case("slippery-gridworld.json");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  const Eigen::Index goal = 15, A = p.mdp.num_actions();
  CHECK(sol.v(goal) == 0.0);
  CHECK(sol.occupancy(goal) == 0.0);
  CHECK(sol.q.row(goal).isZero(0.0));
  CHECK(sol.policy.row(goal).isZero(0.0));
  CHECK(sol.gradient.segment(goal * A, A).isZero(0.0));
}

TEST_CASE("the reported condition number is gamma |P_pi| |(I - gamma P_pi)^-1|, in closed form on two cases") {
  // Two-state: no terminal state, so (I - gamma P)^-1 1 = 1/(1 - gamma) = 10 and |gamma P| = 0.9.
  const FiniteProblem two = load_case("two-state.json");
  CHECK(solve(two.mdp, two.policy).summary.condition == doctest::Approx(9.0).epsilon(1e-14));
  // Corridor at p = 1/2: the longest expected episode is from s1, 12 steps (= -v(s1)); |P| = 1.
  const FiniteProblem corridor = load_case("short-corridor.json");
  CHECK(solve(corridor.mdp, corridor.policy).summary.condition == doctest::Approx(12.0).epsilon(1e-14));
}

TEST_CASE("every state terminal: nothing to solve, J = 0, by either solver") {
  const pgtruth::FiniteProblem p = pgtruth::test::parse_finite(R"({"problem": "finite", "gamma": 0.9,
    "states": 2, "actions": ["a"], "start": {"1": 1}, "terminal": [0, 1], "transitions": [],
    "policy": {"type": "softmax", "features": "tabular", "theta": 0}})");
  for (const pgtruth::LinearSolver solver : {pgtruth::LinearSolver::direct, pgtruth::LinearSolver::iterative}) {
    pgtruth::FiniteSolveOptions options;
    options.linear_solver = solver;
    const pgtruth::FiniteSolution s = pgtruth::solve(p.mdp, p.policy, options);
    CHECK(s.J == 0.0);
    CHECK(s.summary.unknowns == 0);
    CHECK(s.v.isZero());
    CHECK(s.occupancy.isZero());
    CHECK(s.gradient.isZero());
  }
}
