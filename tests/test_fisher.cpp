// Fisher matrix and natural gradient: recomputed here from the definition, symmetric,
// positive semi-definite, of the rank the parameterisation implies, and F x = gradient.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

/// Rows sqrt(d(s) pi(a|s)) psi(s,a)^T over the visited (s, a), so that F = X^T X, with psi
/// from the spec's formula (grad pi / pi) and d the occupancy by iteration, normalised.
Eigen::MatrixXd weighted_scores(const FiniteProblem& p) {
  const Eigen::MatrixXd pi = test::reference_policy(p);
  const Eigen::VectorXd occupancy = test::evaluate_by_iteration(p, pi).occupancy;
  const Eigen::VectorXd d = occupancy / occupancy.sum();
  const Eigen::Index S = p.mdp.num_states(), A = p.mdp.num_actions();
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(S * A, p.policy.num_parameters());
  for (Eigen::Index s = 0; s < S; ++s)
    for (Eigen::Index a = 0; a < A; ++a)
      if (!p.mdp.is_terminal(s) && pi(s, a) > 0.0)
        X.row(s * A + a) = std::sqrt(d(s) / pi(s, a)) *
                           test::reference_policy_derivative(p, pi, s, a).transpose();
  return X;
}

}  // namespace

TEST_CASE("Fisher matrix on every shipped case: the definition, symmetry, semi-definiteness, rank") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = test::load_case(name);
    const FiniteSolution sol = solve(p.mdp, p.policy);
    REQUIRE(sol.fisher);
    const Eigen::MatrixXd& F = *sol.fisher;
    const Eigen::MatrixXd X = weighted_scores(p);
    const double scale = F.cwiseAbs().maxCoeff();
    CHECK((F - X.transpose() * X).cwiseAbs().maxCoeff() < 1e-13 * scale);
    CHECK((F - F.transpose()).cwiseAbs().maxCoeff() <= 1e-15 * scale);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(F);
    CHECK(eig.eigenvalues().minCoeff() >= -1e-13 * eig.eigenvalues().maxCoeff());
    // The rank the parameterisation implies: that of the scores on visited (s, a).
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(X);
    svd.setThreshold(1e-10);
    CHECK(*sol.fisher_rank == svd.rank());
  }
}

TEST_CASE("Fisher rank: the parameterisations of the shipped cases") {
  // Tabular softmax: A - 1 per visited non-terminal state (pi(.|s) is invariant to a shift).
  CHECK(*solve(test::load_case("two-state.json").mdp, test::load_case("two-state.json").policy).fisher_rank == 2);
  const FiniteProblem grid = test::load_case("slippery-gridworld.json");
  CHECK(*solve(grid.mdp, grid.policy).fisher_rank == 15 * 3);
  // Corridor: features (1,0) and (0,1) for every state; only theta_right - theta_left matters.
  const FiniteProblem corridor = test::load_case("short-corridor.json");
  CHECK(*solve(corridor.mdp, corridor.policy).fisher_rank == 1);
  // Machine: score differences (1,-1,0), (1,-1,1), (1,-1,2) span a plane.
  const FiniteProblem machine = test::load_case("machine-maintenance.json");
  CHECK(*solve(machine.mdp, machine.policy).fisher_rank == 2);
}

TEST_CASE("natural gradient solves F x = gradient, with x in the range of F (the pseudo-inverse solution)") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = test::load_case(name);
    const FiniteSolution sol = solve(p.mdp, p.policy);
    const Eigen::MatrixXd& F = *sol.fisher;
    const Eigen::VectorXd& x = *sol.natural_gradient;
    CHECK((F * x - sol.gradient).cwiseAbs().maxCoeff() < 1e-10 * sol.gradient.cwiseAbs().maxCoeff());
    // Orthogonal to the null space of F (eigenvectors with eigenvalue ~ 0).
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(F);
    const double tol = 1e-10 * eig.eigenvalues().maxCoeff();
    for (Eigen::Index k = 0; k < F.rows(); ++k)
      if (eig.eigenvalues()(k) < tol) CHECK(std::abs(eig.eigenvectors().col(k).dot(x)) < 1e-10 * x.norm());
  }
}

TEST_CASE("tabular softmax: natural gradient = expected_length (A(s,a) - mean_b A(s,b)) (Kakade 2001)") {
  // F_s = d(s) (diag pi_s - pi_s pi_s^T) and g_s = eta(s) pi_s .* A_s, so F_s x = g_s holds for
  // x = L A_s + c 1, and the minimum-norm choice removes the mean.
  const FiniteProblem p = test::load_case("slippery-gridworld.json");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  const Eigen::Index A = p.mdp.num_actions();
  for (Eigen::Index s = 0; s < p.mdp.num_states(); ++s) {
    if (p.mdp.is_terminal(s)) continue;
    const Eigen::RowVectorXd adv = sol.advantage.row(s);
    const Eigen::RowVectorXd expected = sol.expected_length * (adv.array() - adv.mean()).matrix();
    CHECK((sol.natural_gradient->segment(s * A, A).transpose() - expected).cwiseAbs().maxCoeff() < 1e-10);
  }
}
