#include "pgtruth/fisher.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cassert>
#include <limits>

namespace pgtruth {
namespace {

/// 1 - p_a as the sum of the other probabilities.
double others(const Eigen::VectorXd& p, Index a) { return p.head(a).sum() + p.tail(p.size() - a - 1).sum(); }

}  // namespace

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
    // Block s: d(s) (diag pi_s - pi_s pi_s^T); its score is e_a - pi_s. The diagonal
    // pi_a (1 - pi_a) is formed as pi_a sum_{b != a} pi_b, which does not cancel as pi_a -> 1.
    for (Index s = 0; s < S; ++s) {
      const Eigen::VectorXd p = pi.row(s).transpose();
      Eigen::MatrixXd block = -p * p.transpose();
      for (Index a = 0; a < A; ++a) block(a, a) = p(a) * others(p, a);
      F.offset.push_back(s * A);
      F.block.push_back(visitation(s) * block);
    }
    return F;
  }
  // Linear features: sum_s d(s) sum_a pi(a|s) (phi - phibar)(phi - phibar)^T, each term PSD.
  const Index d = policy.num_parameters();
  Eigen::MatrixXd block = Eigen::MatrixXd::Zero(d, d);
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s) || visitation(s) == 0.0) continue;
    const auto phi = policy.features.middleRows(s * A, A);
    // phi(s,a) - phibar(s) as (phi_a - phi_top) - sum_b pi_b (phi_b - phi_top), top the most
    // probable action: at a peaked policy phi_top - phibar is small and formed without cancelling.
    Index top = 0;
    pi.row(s).maxCoeff(&top);
    const Eigen::MatrixXd relative = phi.rowwise() - phi.row(top);
    const Eigen::MatrixXd centred = relative.rowwise() - pi.row(s) * relative;
    const Eigen::VectorXd w = visitation(s) * pi.row(s).transpose();
    block.noalias() += centred.transpose() * w.asDiagonal() * centred;
  }
  F.offset.push_back(0);
  F.block.push_back(block);
  return F;
}

NaturalGradient natural_gradient(const FiniteMdp& mdp, const FinitePolicy& policy, const BlockDiagonalMatrix& F,
                                 const Eigen::MatrixXd& advantage, const Eigen::VectorXd& visitation,
                                 double expected_length, const Eigen::VectorXd& gradient) {
  assert(policy.is_softmax());
  const Index S = mdp.num_states(), A = mdp.num_actions();
  Index visited = 0;  // states of positive visitation: each adds A - 1 to the structural rank
  for (Index s = 0; s < S; ++s) visited += !mdp.is_terminal(s) && visitation(s) > 0.0 ? 1 : 0;
  const Index structural_rank = visited * (A - 1);
  if (policy.kind == PolicyKind::softmax_tabular) {
    NaturalGradient out{Eigen::VectorXd::Zero(policy.num_parameters()), structural_rank};
    for (Index s = 0; s < S; ++s) {
      if (mdp.is_terminal(s) || !(visitation(s) > 0.0)) continue;
      const Eigen::RowVectorXd a = advantage.row(s);
      out.x.segment(s * A, A) = (expected_length * (a.array() - a.mean())).transpose();
    }
    return out;
  }
  const PseudoInverseSolution solution = pseudo_inverse_solve(F, gradient, S * A, structural_rank);
  return {solution.x, solution.rank};
}

PseudoInverseSolution pseudo_inverse_solve(const BlockDiagonalMatrix& F, const Eigen::VectorXd& b,
                                           Index terms, Index max_rank) {
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
    for (Index k = n - 1; k >= 0 && out.rank < max_rank; --k)  // eigenvalues in increasing order
      if (lambda(k) > tol) y(k) = c(k) / lambda(k), ++out.rank;
    out.x.segment(F.offset[i], n) = eig.eigenvectors() * y;
  }
  return out;
}

}  // namespace pgtruth
