#pragma once
// Internal: the transpose of a sparse matrix, built by the two tasks of a pair.
#include "linalg/row_major_matrix.hpp"
#include "parallel/context.hpp"

namespace pgtruth::detail {

/// M^T, compressed, with the columns of each row sorted: the matrix Eigen's M.transpose()
/// gives, entry for entry. Each half of M's rows is counted and scattered by one task of a
/// pair (Saad 2003, "Iterative Methods for Sparse Linear Systems", sec. 3.4: the row-wise
/// transpose by counting and scattering): row j of M^T gets the entries of the first half's
/// rows, then the second half's, so each row stays sorted whichever thread runs which half.
RowMajorMatrix transpose(const RowMajorMatrix& M, ExecutionContext& context);

}  // namespace pgtruth::detail
