#include "linalg/symmetric_pseudo_inverse.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cassert>
#include <limits>

namespace pgtruth::detail {

SymmetricPseudoInverse symmetric_pseudo_inverse(const Eigen::MatrixXd& M, Eigen::Index terms, Eigen::Index max_rank) {
  const Eigen::Index n = M.rows();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
  assert(eig.info() == Eigen::Success);
  SymmetricPseudoInverse out{eig.eigenvectors(), Eigen::VectorXd::Zero(n), 0};
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  const double largest = n ? lambda.cwiseAbs().maxCoeff() : 0.0;
  if (!(largest > 0.0)) return out;
  const double tol = static_cast<double>(std::max(n, terms)) * 8.0 * std::numeric_limits<double>::epsilon() * largest;
  for (Eigen::Index k = n - 1; k >= 0 && out.rank < max_rank; --k)  // eigenvalues in increasing order
    if (lambda(k) > tol) out.inverse_eigenvalues(k) = 1.0 / lambda(k), ++out.rank;
  return out;
}

}  // namespace pgtruth::detail
