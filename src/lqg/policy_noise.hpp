#pragma once
// Internal: when the policy's noise Sigma counts as positive definite (the Fisher matrix, the
// natural gradient and the score-based estimators need Sigma^-1).

#include <Eigen/Eigenvalues>

namespace pgtruth::detail {

/// Positive definite to working precision relative to its own scale: the smallest eigenvalue
/// above 1e-14 of the largest (Sigma = 1e-30 I is; a rank-deficient Sigma is not).
inline bool noise_positive_definite(const Eigen::MatrixXd& Sigma) {
  if (Sigma.size() == 0) return false;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e(Sigma, Eigen::EigenvaluesOnly);
  return e.eigenvalues().minCoeff() > 1e-14 * e.eigenvalues().maxCoeff();
}

}  // namespace pgtruth::detail
