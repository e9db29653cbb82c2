#pragma once
// Internal: when the policy's noise Sigma counts as positive definite (the Fisher matrix, the
// natural gradient and the score-based estimators need Sigma^-1).

#include <Eigen/Eigenvalues>

namespace pgtruth::detail {

/// Positive definite to working precision relative to its own scale: the smallest eigenvalue
/// above 1e-14 of the largest (Sigma = 1e-30 I is; a rank-deficient Sigma is not). From Sigma's
/// eigenvalues, or from Sigma.
inline bool noise_positive_definite(const Eigen::VectorXd& eigenvalues) {
  return eigenvalues.size() > 0 && eigenvalues.minCoeff() > 1e-14 * eigenvalues.maxCoeff();
}
inline bool noise_positive_definite(const Eigen::MatrixXd& Sigma) {
  return noise_positive_definite(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Sigma, Eigen::EigenvaluesOnly).eigenvalues());
}

}  // namespace pgtruth::detail
