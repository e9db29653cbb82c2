// The aggregation multigrid preconditioner and the BiCGSTAB of the iterative path, as linear
// algebra: each is checked against Eigen's sparse LU on M-matrices of the kind the Bellman
// equation produces (a random walk on a grid with a drift, and a random sparse chain).
#include <doctest/doctest.h>

#include <Eigen/SparseLU>
#include <random>

#include "linalg/aggregation_multigrid.hpp"
#include "linalg/bicgstab.hpp"
#include "linalg/jacobi_splitting.hpp"
#include "parallel/context.hpp"

namespace {

using pgtruth::detail::AggregationMultigrid;
using pgtruth::detail::JacobiSplitting;
using pgtruth::detail::RowMajorMatrix;
using pgtruth::detail::ExecutionContext;

/// M = I - gamma P for a walk on a W x W grid that moves right with probability 0.4 and
/// up, down, left with 0.2 each (off-grid moves stay); the last cell is absorbing, so it is
/// left out. A nonsymmetric M-matrix like the gridworld's under a skewed policy.
RowMajorMatrix grid_walk(int W, double gamma) {
  const int n = W * W - 1;
  std::vector<Eigen::Triplet<double, int>> entries;
  const double p[4] = {0.2, 0.2, 0.2, 0.4};
  for (int s = 0; s < n; ++s) {
    const int r = s / W, c = s % W;
    const int next[4] = {r > 0 ? s - W : s, r < W - 1 ? s + W : s, c > 0 ? s - 1 : s, c < W - 1 ? s + 1 : s};
    entries.emplace_back(s, s, 1.0);
    for (int k = 0; k < 4; ++k)
      if (next[k] < n) entries.emplace_back(s, next[k], -gamma * p[k]);
  }
  RowMajorMatrix M(n, n);
  M.setFromTriplets(entries.begin(), entries.end());
  return M;
}

/// M = I - gamma P for a chain in which each state moves to `branching` states drawn
/// uniformly (a Garnet-like random graph, on which aggregation finds no structure).
RowMajorMatrix random_chain(int n, int branching, double gamma, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> state(0, n - 1);
  std::vector<Eigen::Triplet<double, int>> entries;
  for (int s = 0; s < n; ++s) {
    entries.emplace_back(s, s, 1.0);
    for (int k = 0; k < branching; ++k) entries.emplace_back(s, state(rng), -gamma / branching);
  }
  RowMajorMatrix M(n, n);
  M.setFromTriplets(entries.begin(), entries.end());
  return M;
}

Eigen::VectorXd lu_solve(const RowMajorMatrix& M, const Eigen::VectorXd& b) {
  const Eigen::SparseMatrix<double> columns = M;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu(columns);
  REQUIRE(lu.info() == Eigen::Success);
  return lu.solve(b);
}

/// The multigrid cycle as a stationary iteration x <- x + B (b - A x): the factor by which
/// it shrinks the error, measured over the last of `sweeps` iterations, and the final error.
struct Contraction {
  double factor = 0, error = 0;
};
Contraction iterate(const RowMajorMatrix& A, const AggregationMultigrid& B, bool transposed, const Eigen::VectorXd& b,
                    const Eigen::VectorXd& exact, int sweeps) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(b.size()), correction;
  double previous = exact.norm(), current = previous;
  Contraction out;
  for (int k = 0; k < sweeps; ++k) {
    B.apply(b - A * x, correction, transposed);
    x += correction;
    current = (x - exact).norm();
    out.factor = current / previous;
    previous = current;
  }
  out.error = current / exact.norm();
  return out;
}

}  // namespace

TEST_CASE("Jacobi splitting: the product is A x, and each sweep is the textbook Gauss-Seidel step") {
  ExecutionContext context(2);
  // A grid walk (rows with and without the neighbours i - 1 and i + 1) and a random chain
  // (self-loops on the diagonal, repeated successors summed).
  for (const RowMajorMatrix& M : {grid_walk(9, 0.9), random_chain(60, 3, 0.95, 7)}) {
    const JacobiSplitting A(M, context);
    REQUIRE(A.rows() == M.rows());
    CHECK(A.nonzeros() == M.nonZeros());
    const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(M.rows(), -1.0, 1.0).array().sin() + 2.0;
    const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(M.rows(), 0.5, 3.0);
    Eigen::VectorXd Ax;
    A.multiply(x, Ax);
    CHECK((Ax - M * x).cwiseAbs().maxCoeff() <= 1e-14 * (M * x).cwiseAbs().maxCoeff());
    // Forward: (D + L) x' = b - U x; backward: (D + U) x' = b - L x (Saad 2003, eqs. 4.8, 4.9),
    // solved here by Eigen's dense triangular solves.
    const Eigen::MatrixXd dense = M;
    const Eigen::MatrixXd lower = dense.triangularView<Eigen::Lower>(), upper = dense.triangularView<Eigen::Upper>();
    const Eigen::MatrixXd strict_lower = dense.triangularView<Eigen::StrictlyLower>(),
                          strict_upper = dense.triangularView<Eigen::StrictlyUpper>();
    const Eigen::VectorXd forward = lower.triangularView<Eigen::Lower>().solve(b - strict_upper * x);
    const Eigen::VectorXd backward = upper.triangularView<Eigen::Upper>().solve(b - strict_lower * x);
    Eigen::VectorXd swept = x;
    A.gauss_seidel(b, swept, true);
    CHECK((swept - forward).cwiseAbs().maxCoeff() <= 1e-13 * forward.cwiseAbs().maxCoeff());
    swept = x;
    A.gauss_seidel(b, swept, false);
    CHECK((swept - backward).cwiseAbs().maxCoeff() <= 1e-13 * backward.cwiseAbs().maxCoeff());
  }
  // A diagonal entry that is missing, zero or negative is refused.
  RowMajorMatrix M = grid_walk(5, 0.9);
  M.coeffRef(7, 7) = -1.0;  // an existing entry: the storage stays compressed
  CHECK_THROWS_AS(JacobiSplitting(M, context), std::invalid_argument);
}

TEST_CASE("multigrid: on a 10^4-state grid walk, the cycle for M and the one for M^T both converge alone") {
  const RowMajorMatrix M = grid_walk(100, 0.99);
  const RowMajorMatrix Mt = M.transpose();
  ExecutionContext context(2);
  const AggregationMultigrid multigrid(M, context);
  CHECK(multigrid.levels() >= 3);                  // 10^4 -> ~2500 -> ~600 (then a sparse LU)
  CHECK(multigrid.operator_complexity() < 1.6);    // a cycle costs little more than two sweeps
  const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(M.rows(), -1.0, 2.0);
  for (const bool transposed : {false, true}) {
    CAPTURE(transposed);
    const RowMajorMatrix& A = transposed ? Mt : M;
    // Reference: Eigen's sparse LU of the same matrix.
    const Contraction c = iterate(A, multigrid, transposed, b, lu_solve(A, b), 30);
    CHECK(c.factor < 0.6);     // measured 0.45 and 0.47 (the drift slows it; 0.29 on the random chain)
    CHECK(c.error < 1e-10);
  }
}

TEST_CASE("multigrid: coarsening stops where aggregates fill in, and Gauss-Seidel alone still converges") {
  const RowMajorMatrix M = random_chain(20000, 8, 0.9, 3);
  ExecutionContext context(2);
  const AggregationMultigrid multigrid(M, context);
  CHECK(multigrid.levels() == 1);
  const Eigen::VectorXd b = Eigen::VectorXd::Ones(M.rows());
  // With row sums 1 - gamma, the exact solution of M x = 1 is constant: x = 1 / (1 - gamma).
  const Eigen::VectorXd exact = Eigen::VectorXd::Constant(M.rows(), 10.0);
  const Contraction c = iterate(M, multigrid, false, b, exact, 20);
  CHECK(c.factor < 0.5);
  CHECK(c.error < 1e-6);
}

TEST_CASE("bicgstab: reaches the backward error it is asked for on a nonsymmetric M-matrix") {
  const RowMajorMatrix M = grid_walk(60, 0.999);
  ExecutionContext context(2);
  const AggregationMultigrid multigrid(M, context);
  const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(M.rows(), 1.0, 3.0);
  const double norm_M = (M.cwiseAbs() * Eigen::VectorXd::Ones(M.rows())).maxCoeff();
  const auto multiply = [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) { out.noalias() = M * y; };
  const auto precondition = [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) { multigrid.apply(y, out, false); };
  for (const double tolerance : {1e-8, 1e-13}) {
    CAPTURE(tolerance);
    Eigen::VectorXd x = Eigen::VectorXd::Zero(M.rows());
    const long iterations = pgtruth::detail::bicgstab(multiply, precondition, b, x, norm_M, tolerance, 1000);
    CHECK(iterations > 0);
    CHECK(iterations < 100);
    const double backward = (M * x - b).cwiseAbs().maxCoeff() / (norm_M * x.cwiseAbs().maxCoeff() + b.cwiseAbs().maxCoeff());
    CHECK(backward <= 2 * tolerance);  // the recurrence residual tracks the true one to rounding
    const Eigen::VectorXd exact = lu_solve(M, b);
    // Forward error <= condition x backward error; the condition of M is below 1 / (1 - gamma).
    CHECK((x - exact).cwiseAbs().maxCoeff() / exact.cwiseAbs().maxCoeff() <= 2 * tolerance * 1000 * 2);
  }
  // A right-hand side of zero is solved by zero without iterating.
  Eigen::VectorXd x = Eigen::VectorXd::Zero(M.rows());
  CHECK(pgtruth::detail::bicgstab(multiply, precondition, Eigen::VectorXd::Zero(M.rows()), x, norm_M, 1e-13, 10) == 0);
  CHECK(x.isZero());
}

TEST_CASE("multigrid: refuses a matrix without a positive diagonal, or not compressed") {
  RowMajorMatrix M = grid_walk(10, 0.9);
  M.coeffRef(3, 3) = 0.0;  // coeffRef on an existing entry keeps the storage compressed
  ExecutionContext context(2);
  CHECK_THROWS_AS(AggregationMultigrid(M, context), std::invalid_argument);
  RowMajorMatrix loose = grid_walk(10, 0.9);
  loose.uncompress();
  CHECK_THROWS_AS(AggregationMultigrid(loose, context), std::invalid_argument);
}
