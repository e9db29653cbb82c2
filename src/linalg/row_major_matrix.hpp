#pragma once
// Internal: the sparse matrix type of the Bellman systems and the multigrid levels: compressed
// rows with 32-bit indices (a row is a state's transitions; the 10^6-state gridworld's M has
// 5 * 10^6 nonzeros).
#include <Eigen/SparseCore>

namespace pgtruth::detail {

using RowMajorMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

/// out = A x on the calling thread (Eigen's product would start OpenMP threads from 20 000
/// nonzeros on): the Krylov solves' product, one on each core.
inline void multiply_serial(const RowMajorMatrix& A, const Eigen::VectorXd& x, Eigen::VectorXd& out) {
  out.resize(A.rows());
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    double sum = 0.0;
    for (RowMajorMatrix::InnerIterator it(A, i); it; ++it) sum += it.value() * x(it.col());
    out(i) = sum;
  }
}

}  // namespace pgtruth::detail
