#pragma once
// Internal: an aggregation-based algebraic multigrid preconditioner for the Bellman matrix.
//
// M = I - gamma P_pi is a nonsingular M-matrix (positive diagonal, nonpositive off-diagonal,
// nonnegative row sums). Its hard error components are smooth along the chain: nearly constant
// on groups of strongly coupled states, where M e ~ (1 - gamma) e and a Jacobi or Gauss-Seidel
// sweep barely reduces them. Aggregation multigrid removes them on coarse copies of the chain:
//
//   aggregates   double pairwise matching on the symmetrised strength -(a_ij + a_ji) / 2, so
//                aggregates hold at most four states (Notay 2010, "An aggregation-based
//                algebraic multigrid method", ETNA 37; Napov & Notay 2012, SISC 34);
//   prolongation P piecewise constant (P_ik = 1 when state i is in aggregate k);
//   coarse matrix  A_{l+1} = P^T A_l P, an M-matrix again (each entry a sum of fine entries),
//                and its transpose as P^T A_l^T P (the same sums in another order);
//   cycle        a V(0,2)-cycle: the coarse correction x = P A_{l+1}^{-1} P^T b first, then a
//                backward and a forward Gauss-Seidel sweep. Two passes over the level's matrix,
//                where a V(1,1)-cycle takes three (a sweep, the residual, a sweep); on the
//                10^6-state gridworld it converges as fast per cycle (20 BiCGSTAB iterations
//                for both systems against 22) and takes 20% less time;
//   coarsest     a sparse LU when it is small, else more Gauss-Seidel sweeps.
//
// The same hierarchy serves M^T (the flow-balance equation of the occupancy), because
// (P^T A P)^T = P^T A^T P: only the transposed level matrices are added, and one setup serves
// both Krylov solves of the exact gradient.
#include <Eigen/Core>
#include <memory>
#include <vector>

#include "linalg/jacobi_splitting.hpp"
#include "linalg/row_major_matrix.hpp"

namespace pgtruth::detail {

class ExecutionContext;
class SparseLu;

class AggregationMultigrid {
 public:
  /// Builds the hierarchy of A (compressed, with sorted columns and every diagonal entry
  /// stored and positive; std::invalid_argument otherwise). Each level keeps its matrix and its
  /// transpose as Jacobi splittings (linalg/jacobi_splitting.hpp), the fine level's included: A is
  /// not referenced once this returns, and A^T, needed for the strength of coupling and the
  /// coarse matrices of A^T, is formed and dropped here. Returns a one-level hierarchy
  /// (Gauss-Seidel alone) when coarsening does not pay, as on random graphs whose coarse
  /// matrices fill in. The work on A and on A^T is split between the two tasks of pairs on
  /// `context`; the result is the same on one thread or two.
  AggregationMultigrid(const RowMajorMatrix& A, ExecutionContext& context);
  ~AggregationMultigrid();

  /// z = B r for one V-cycle B ~ A^{-1} (transposed = false) or B ~ A^{-T} (true), started
  /// from zero: a fixed linear operator, as a BiCGSTAB preconditioner must be. The cycle works
  /// in buffers of this object, one set for each direction: a cycle for A and one for A^T may
  /// run at the same time (the two Krylov solves of the gradient do), two for A may not.
  void apply(const Eigen::VectorXd& r, Eigen::VectorXd& z, bool transposed) const;

  /// out = A x (transposed = false) or A^T x (true), from the fine level's splitting: the
  /// Krylov solves' product, on the calling thread.
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out, bool transposed) const {
    levels_.front().A[transposed].multiply(x, out);
  }

  int levels() const { return static_cast<int>(levels_.size()); }
  /// Nonzeros of all level matrices over those of the fine one (the cost of a cycle in sweeps).
  double operator_complexity() const;

 private:
  struct Level {
    JacobiSplitting A[2];       // this level's matrix ([0]) and its transpose ([1])
    std::vector<int> aggregate;  // state -> aggregate on the next level (not on the last)
    // The cycle's work on this level, for A ([0]) and for A^T ([1]):
    mutable Eigen::VectorXd b[2], x[2];  // right-hand side and correction (levels past 0)
  };
  /// x = one V-cycle from zero for A_l x = b (or A_l^T x = b) on level l.
  void cycle(std::size_t l, const Eigen::VectorXd& b, Eigen::VectorXd& x, bool transposed) const;

  std::vector<Level> levels_;
  std::unique_ptr<SparseLu> coarsest_lu_;  // of the coarsest level, when it is small
};

}  // namespace pgtruth::detail
