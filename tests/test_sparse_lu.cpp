// SparseLu (KLU) as linear algebra: its solves of A x = b and A^T x = b against Eigen's dense
// LU with partial pivoting of the same matrix, a singular matrix refused, and solves from two
// threads at once equal to those from one.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <random>
#include <thread>
#include <vector>

#include "linalg/sparse_lu.hpp"

using pgtruth::detail::RowMajorMatrix;
using pgtruth::detail::SingularMatrix;
using pgtruth::detail::SparseLu;

namespace {

/// A nonsymmetric sparse matrix with `per_row` random off-diagonal entries in [-1, 1) a row and
/// a diagonal of `diagonal` (not dominant below per_row, so that pivoting matters).
RowMajorMatrix random_sparse(int n, int per_row, double diagonal, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> column(0, n - 1);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::vector<Eigen::Triplet<double, int>> entries;
  for (int i = 0; i < n; ++i) {
    entries.emplace_back(i, i, diagonal);
    for (int k = 0; k < per_row; ++k) entries.emplace_back(i, column(rng), value(rng));
  }
  RowMajorMatrix A(n, n);
  A.setFromTriplets(entries.begin(), entries.end());
  A.makeCompressed();
  return A;
}

double relative_error(const Eigen::VectorXd& x, const Eigen::VectorXd& reference) {
  return (x - reference).cwiseAbs().maxCoeff() / reference.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("SparseLu: A x = b and A^T x = b solved to a backward error of 1e-14, as a dense LU solves them") {
  for (unsigned seed : {1u, 2u, 3u}) {
    const RowMajorMatrix A = random_sparse(300, 4, 0.5, seed);
    const Eigen::MatrixXd dense = Eigen::MatrixXd(A);
    const Eigen::PartialPivLU<Eigen::MatrixXd> reference(dense);
    const double condition = dense.lpNorm<Eigen::Infinity>() * reference.inverse().lpNorm<Eigen::Infinity>();
    const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(300, -1.0, 2.0);
    const SparseLu lu(A);
    const Eigen::VectorXd x = lu.solve(b), y = lu.solve_transposed(b);
    // Normwise backward errors |A x - b| / (|A| |x| + |b|), infinity norms.
    const auto backward = [](const Eigen::MatrixXd& M, const Eigen::VectorXd& x, const Eigen::VectorXd& b) {
      return (M * x - b).lpNorm<Eigen::Infinity>() /
             (M.lpNorm<Eigen::Infinity>() * x.lpNorm<Eigen::Infinity>() + b.lpNorm<Eigen::Infinity>());
    };
    CHECK(backward(dense, x, b) <= 1e-14);
    CHECK(backward(dense.transpose(), y, b) <= 1e-14);
    // Forward errors: two backward-stable solves differ by at most the condition number times
    // their backward errors.
    CAPTURE(condition);
    CHECK(relative_error(x, reference.solve(b)) <= 1e-14 * condition);
    CHECK(relative_error(y, reference.transpose().solve(b)) <= 1e-14 * condition);
  }
}

TEST_CASE("SparseLu: a singular matrix is refused with SingularMatrix") {
  // Rows 0 and 1 equal: elimination leaves an exact zero (the structure alone is nonsingular).
  RowMajorMatrix A(3, 3);
  const std::vector<Eigen::Triplet<double, int>> entries = {{0, 0, 0.3}, {0, 1, 0.7}, {1, 0, 0.3}, {1, 1, 0.7},
                                                             {2, 1, 1.0}, {2, 2, 1.0}};
  A.setFromTriplets(entries.begin(), entries.end());
  A.makeCompressed();
  CHECK_THROWS_AS(SparseLu{A}, SingularMatrix);
}

TEST_CASE("SparseLu: an empty matrix solves to an empty vector") {
  RowMajorMatrix A(0, 0);
  A.makeCompressed();
  const SparseLu lu(A);
  CHECK(lu.solve(Eigen::VectorXd()).size() == 0);
  CHECK(lu.solve_transposed(Eigen::VectorXd()).size() == 0);
}

TEST_CASE("SparseLu: solves from two threads at once give the bits of solves from one") {
  const RowMajorMatrix A = random_sparse(2000, 3, 4.0, 7);
  const SparseLu lu(A);
  const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(2000, 1.0, 3.0);
  const Eigen::VectorXd x = lu.solve(b), y = lu.solve_transposed(b);
  bool same[2] = {true, true};
  std::thread other([&] {
    for (int k = 0; k < 200; ++k) same[1] = same[1] && lu.solve_transposed(b) == y;
  });
  for (int k = 0; k < 200; ++k) same[0] = same[0] && lu.solve(b) == x;
  other.join();
  CHECK(same[0]);
  CHECK(same[1]);
}
