#pragma once
// Internal: a square sparse matrix kept as its Jacobi splitting, the form Gauss-Seidel sweeps
// read fastest:
//
//   A = D (I - C),   D = diag(A),   C = I - D^{-1} A   (c_ii = 0, c_ij = -a_ij / a_ii),
//
// so that a sweep's update of row i is x_i <- b_i / a_ii + sum_j c_ij x_j, with no diagonal
// entry to skip (b_i / a_ii does not wait for the rows before). C is stored by rows (32-bit
// indices); the entry of column i - 1, when row i has one, comes first and that of column
// i + 1 last, the others in between in column order. These are the entries of the neighbour a
// forward (backward) sweep updated just before row i, so either sweep finds it at a fixed end
// of the row, while the rest of the row is one unbroken loop: faster sweeps than over the
// compressed matrix, whose rows hold the diagonal entry in the middle.
#include <Eigen/Core>
#include <memory>

#include "linalg/row_major_matrix.hpp"

namespace pgtruth::detail {

class ExecutionContext;

class JacobiSplitting {
 public:
  JacobiSplitting() = default;
  /// The splitting of A (square, compressed, columns sorted in each row, each diagonal entry
  /// stored, positive and finite; std::invalid_argument otherwise), by halves of the rows on
  /// the two tasks of a pair.
  JacobiSplitting(const RowMajorMatrix& A, ExecutionContext& context);

  Eigen::Index rows() const { return diagonal_.size(); }
  /// The stored entries of A: those of C and the diagonal.
  Eigen::Index nonzeros() const { return off_diagonal_ + rows(); }

  /// out = A x = D (x - C x).
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const;

  /// One Gauss-Seidel sweep on A x = b, in increasing (forward) or decreasing row order:
  ///   x_i <- b_i / a_ii + sum_{j != i} c_ij x_j   (Saad 2003, "Iterative Methods for Sparse
  /// Linear Systems", eq. 4.7; the sweeps of eqs. 4.8 and 4.9), each x_j the latest value. The value of the row updated just
  /// before is kept in a register, not read back from x: the chain of dependent arithmetic
  /// from one row to the next is then one multiply-add.
  void gauss_seidel(const Eigen::VectorXd& b, Eigen::VectorXd& x, bool forward) const;

 private:
  Eigen::Index off_diagonal_ = 0;              // entries of C
  std::unique_ptr<int[]> begin_;               // row i of C: [begin_[i], begin_[i + 1])
  std::unique_ptr<int[]> column_;
  std::unique_ptr<double[]> coefficient_;      // c_ij
  Eigen::VectorXd diagonal_;                   // a_ii
};

}  // namespace pgtruth::detail
