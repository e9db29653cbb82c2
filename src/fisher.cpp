#include "pgtruth/fisher.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cassert>
#include <limits>

namespace pgtruth {

Eigen::MatrixXd BlockDiagonalMatrix::dense() const {
  Eigen::MatrixXd M = Eigen::MatrixXd::Zero(dim, dim);
  for (std::size_t i = 0; i < block.size(); ++i) {
    const Index n = block[i].rows();
    M.block(offset[i], offset[i], n, n) = block[i];
  }
  return M;
}

Eigen::VectorXd BlockDiagonalMatrix::operator*(const Eigen::VectorXd& x) const {
  assert(x.size() == dim);
  Eigen::VectorXd y = Eigen::VectorXd::Zero(dim);
  for (std::size_t i = 0; i < block.size(); ++i) {
    const Index n = block[i].rows();
    y.segment(offset[i], n) = block[i] * x.segment(offset[i], n);
  }
  return y;
}

BlockDiagonalMatrix fisher(const FiniteMdp& mdp, const FinitePolicy& policy,
                           const Eigen::MatrixXd& pi, const Eigen::VectorXd& visitation) {
  assert(policy.is_softmax());
  const Index S = mdp.num_states(), A = mdp.num_actions();
  BlockDiagonalMatrix F;
  F.dim = policy.num_parameters();
  if (policy.kind == PolicyKind::softmax_tabular) {
    // Block s: d(s) (diag pi_s - pi_s pi_s^T); its score is e_a - pi_s.
    for (Index s = 0; s < S; ++s) {
      const Eigen::VectorXd p = pi.row(s).transpose();
      F.offset.push_back(s * A);
      F.block.push_back(visitation(s) * (Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose()));
    }
    return F;
  }
  // Linear features: sum_s d(s) sum_a pi(a|s) (phi - phibar)(phi - phibar)^T, each term PSD.
  const Index d = policy.num_parameters();
  Eigen::MatrixXd block = Eigen::MatrixXd::Zero(d, d);
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s) || visitation(s) == 0.0) continue;
    const auto phi = policy.features.middleRows(s * A, A);
    const Eigen::RowVectorXd mean = pi.row(s) * phi;
    const Eigen::MatrixXd centred = phi.rowwise() - mean;
    const Eigen::VectorXd w = visitation(s) * pi.row(s).transpose();
    block.noalias() += centred.transpose() * w.asDiagonal() * centred;
  }
  F.offset.push_back(0);
  F.block.push_back(block);
  return F;
}

PseudoInverseSolution pseudo_inverse_solve(const BlockDiagonalMatrix& F, const Eigen::VectorXd& b,
                                           Index terms) {
  assert(b.size() == F.dim);
  PseudoInverseSolution out{Eigen::VectorXd::Zero(F.dim), 0};
  constexpr double eps = std::numeric_limits<double>::epsilon();
  for (std::size_t i = 0; i < F.block.size(); ++i) {
    const Eigen::MatrixXd& M = F.block[i];
    const Index n = M.rows();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
    assert(eig.info() == Eigen::Success);
    const Eigen::VectorXd& lambda = eig.eigenvalues();
    const double largest = lambda.cwiseAbs().maxCoeff();
    if (!(largest > 0.0)) continue;
    const double tol = static_cast<double>(std::max(n, terms)) * 8.0 * eps * largest;
    const Eigen::VectorXd c = eig.eigenvectors().transpose() * b.segment(F.offset[i], n);
    Eigen::VectorXd y = Eigen::VectorXd::Zero(n);
    for (Index k = 0; k < n; ++k)
      if (lambda(k) > tol) y(k) = c(k) / lambda(k), ++out.rank;
    out.x.segment(F.offset[i], n) = eig.eigenvectors() * y;
  }
  return out;
}

}  // namespace pgtruth
