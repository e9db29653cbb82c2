#pragma once
// Internal: the sparse matrix type of the Bellman systems and the multigrid levels: compressed
// rows with 32-bit indices (a row is a state's transitions; the 10^6-state gridworld's M has
// 5 * 10^6 nonzeros).
#include <Eigen/SparseCore>

namespace pgtruth::detail {

using RowMajorMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

}  // namespace pgtruth::detail
