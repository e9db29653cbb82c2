#pragma once
// Internal: the one pseudo-inverse of the project, for symmetric positive semi-definite
// matrices (Fisher blocks, the LQG state moment).

#include <Eigen/Core>

namespace pgtruth::detail {

/// M⁺ = V diag(1/λ_k over the counted λ_k) Vᵀ from M = V diag(λ) Vᵀ. The rank rule: an
/// eigenvalue counts as zero below max(n, terms) · 8 ε · λ_max, the rounding accumulated by
/// forming an n × n matrix from `terms` products; at most the `max_rank` largest count.
struct SymmetricPseudoInverse {
  Eigen::MatrixXd eigenvectors;
  Eigen::VectorXd inverse_eigenvalues;  ///< 1/λ_k where counted, else 0
  Eigen::Index rank = 0;

  Eigen::VectorXd solve(const Eigen::VectorXd& b) const {
    return eigenvectors * inverse_eigenvalues.cwiseProduct(eigenvectors.transpose() * b);
  }
  Eigen::MatrixXd matrix() const { return eigenvectors * inverse_eigenvalues.asDiagonal() * eigenvectors.transpose(); }
};

SymmetricPseudoInverse symmetric_pseudo_inverse(const Eigen::MatrixXd& M, Eigen::Index terms,
                                                Eigen::Index max_rank = Eigen::Index(1) << 62);

}  // namespace pgtruth::detail
