#pragma once
/// \file
/// The Fisher information matrix of a softmax policy and the natural gradient.
///
///   F = sum_s d(s) sum_a pi(a|s) psi(s,a) psi(s,a)^T,   psi = grad_theta log pi(a|s)
///   natural gradient = F^+ grad J   (Kakade 2001; Moore-Penrose pseudo-inverse)
/// with d the normalised discounted visitation (spec §1).
///
/// F is stored by diagonal blocks: one d x d block for linear features, one A x A block per
/// state for tabular features (the full matrix would have (S A)^2 entries).

#include <Eigen/Core>
#include <vector>

#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/finite/policy.hpp"

namespace pgtruth {

/// A symmetric positive semi-definite matrix made of square blocks along its diagonal.
struct BlockDiagonalMatrix {
  std::vector<Index> offset;          ///< first row of each block
  std::vector<Eigen::MatrixXd> block;
  Index dim = 0;

  Eigen::MatrixXd dense() const;
  Eigen::VectorXd operator*(const Eigen::VectorXd& x) const;
};

/// F of a softmax policy, block by block (tabular: block s is d(s) (diag pi_s - pi_s pi_s^T)).
BlockDiagonalMatrix fisher(const FiniteMdp& mdp, const FinitePolicy& policy,
                           const Eigen::MatrixXd& pi, const Eigen::VectorXd& visitation);

struct PseudoInverseSolution {
  Eigen::VectorXd x;   ///< F^+ b: the minimum-norm least-squares solution of F x = b
  Index rank = 0;      ///< eigenvalues counted as nonzero, summed over blocks
};

/// x = F^+ b through a symmetric eigendecomposition of each block. An eigenvalue counts as
/// zero below tol = max(n, terms) * 8 eps * (largest eigenvalue of the block), the size of
/// the rounding error of a block of dimension n accumulated from `terms` products, and at most
/// the `max_rank` largest count.
PseudoInverseSolution pseudo_inverse_solve(const BlockDiagonalMatrix& F, const Eigen::VectorXd& b,
                                           Index terms, Index max_rank);

struct NaturalGradient {
  Eigen::VectorXd x;  ///< F^+ grad J
  Index rank = 0;     ///< rank of F
};

/// The natural gradient F^+ grad J of a softmax policy and the rank of F.
///  * Tabular: each visited state's block d(s) (diag pi_s - pi_s pi_s^T) has rank A - 1 (every
///    pi(a|s) > 0 in exact arithmetic) and null space 1, and the state's gradient is
///    eta(s) pi_s .* A_s with A_s its advantages, so F^+ grad J is, block by block, exactly
///      (eta(s) / d(s)) (A_s - mean_a A_s) = expected_length (A_s - mean_a A_s),
///    formed without the Fisher matrix, at any peakedness of the policy.
///  * Linear features: F = X^T X with X's rows sqrt(d(s) pi(a|s)) (phi(s,a) - phibar(s)) and
///    grad J = X^T y, y = expected_length sqrt(d pi) A, so F^+ grad J = X^+ y, the least-squares
///    fit of the advantages by the scores (Kakade 2001, compatible function approximation): solved
///    on the row space of the features' differences phi(s,a) - phi(s,top) (F's range when every
///    pi > 0, whose dimension is the rank reported; its basis from a pivoted QR of those
///    differences) by a column-pivoted QR of X with its columns scaled to unit norm, so that a
///    parameter direction seen only in peaked states is not taken for rounding. Beyond 2e7
///    entries of X, pseudo_inverse_solve() on F. Throws IllPosedError when F is numerically
///    singular on that space, or the scaled problem's condition exceeds 1e7 (the policy too
///    peaked to resolve it to 1e-8).
NaturalGradient natural_gradient(const FiniteMdp& mdp, const FinitePolicy& policy, const BlockDiagonalMatrix& F,
                                 const Eigen::MatrixXd& pi, const Eigen::MatrixXd& advantage, const Eigen::VectorXd& visitation,
                                 double expected_length, const Eigen::VectorXd& gradient);

}  // namespace pgtruth
