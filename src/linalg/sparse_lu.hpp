#pragma once
// Internal: a sparse LU factorisation that solves A x = b and A^T x = b, by KLU (SuiteSparse;
// Davis & Palamadai Natarajan 2010, "Algorithm 907: KLU, a direct sparse solver for circuit
// simulation problems", ACM TOMS 37(3)): a block triangular form, AMD ordering of each block,
// and a left-looking LU with partial pivoting that prefers the diagonal.
//
// Chosen over Eigen's SparseLU (supernodal, COLAMD) because the Bellman matrices here are
// sparse with short rows, where KLU's simpler factorisation and its solves are faster.
#include <Eigen/Core>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "linalg/row_major_matrix.hpp"

namespace pgtruth::detail {

/// Thrown when a pivot is exactly zero: A is singular to working precision.
struct SingularMatrix : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SparseLu {
 public:
  /// Factorises A (square and compressed, as RowMajorMatrix keeps it); throws SingularMatrix
  /// when it is numerically singular, std::bad_alloc when memory runs out.
  explicit SparseLu(const RowMajorMatrix& A);
  ~SparseLu();
  SparseLu(const SparseLu&) = delete;
  SparseLu& operator=(const SparseLu&) = delete;

  /// x with A x = b.
  Eigen::VectorXd solve(const Eigen::VectorXd& b) const;
  /// x with A^T x = b.
  Eigen::VectorXd solve_transposed(const Eigen::VectorXd& b) const;

 private:
  /// x with A x = b, or A^T x = b when `transposed`.
  Eigen::VectorXd solve_with(const Eigen::VectorXd& b, bool transposed) const;

  struct Factors;
  std::unique_ptr<Factors> factors_;
  /// KLU's solves work in a buffer of the factorisation: one solve at a time (the two Krylov
  /// solves of the gradient call the coarsest level's from two threads).
  mutable std::mutex solving_;
};

}  // namespace pgtruth::detail
