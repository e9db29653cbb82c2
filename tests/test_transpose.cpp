// The transpose built by the two tasks of a pair (src/linalg/transpose.hpp) is Eigen's transpose entry for entry:
// the same row starts, columns and values, on one thread and on two, on matrices with
// empty rows and columns, rectangular shapes, and no entries at all.
#include <doctest/doctest.h>

#include <random>

#include "parallel/context.hpp"
#include "linalg/transpose.hpp"

using pgtruth::detail::RowMajorMatrix;
using pgtruth::detail::ExecutionContext;

namespace {

/// A rows x columns matrix with about `density` of its entries set, compressed.
RowMajorMatrix random_sparse(int rows, int columns, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::bernoulli_distribution present(density);
  RowMajorMatrix M(rows, columns);
  std::vector<Eigen::Triplet<double, int>> entries;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < columns; ++j)
      if (present(rng)) entries.emplace_back(i, j, uniform(rng));
  M.setFromTriplets(entries.begin(), entries.end());
  M.makeCompressed();
  return M;
}

/// Whether A and B are stored alike: shape, row starts, columns and values (bit for bit).
bool stored_alike(const RowMajorMatrix& A, const RowMajorMatrix& B) {
  if (A.rows() != B.rows() || A.cols() != B.cols() || A.nonZeros() != B.nonZeros() || !A.isCompressed() ||
      !B.isCompressed())
    return false;
  for (Eigen::Index i = 0; i <= A.rows(); ++i)
    if (A.outerIndexPtr()[i] != B.outerIndexPtr()[i]) return false;
  for (Eigen::Index p = 0; p < A.nonZeros(); ++p)
    if (A.innerIndexPtr()[p] != B.innerIndexPtr()[p] || A.valuePtr()[p] != B.valuePtr()[p]) return false;
  return true;
}

}  // namespace

TEST_CASE("transpose: entry for entry Eigen's, on one thread or two") {
  for (const int threads : {1, 2}) {
    ExecutionContext context(threads);
    CAPTURE(threads);
    const struct { int rows, columns; double density; } shapes[] = {
        {0, 0, 0.5}, {1, 1, 1.0}, {1, 7, 0.5}, {7, 1, 0.5}, {5, 5, 0.0}, {40, 30, 0.1}, {300, 300, 0.02}, {301, 17, 0.3}};
    unsigned seed = 1;
    for (const auto& shape : shapes) {
      CAPTURE(shape.rows);
      CAPTURE(shape.columns);
      const RowMajorMatrix M = random_sparse(shape.rows, shape.columns, shape.density, seed++);
      const RowMajorMatrix expected = M.transpose();
      CHECK(stored_alike(pgtruth::detail::transpose(M, context), expected));
    }
  }
}
