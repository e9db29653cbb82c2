#include "pgtruth/finite/fisher.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pgtruth/error.hpp"
#include "linalg/symmetric_pseudo_inverse.hpp"

namespace pgtruth {
namespace {

/// 1 - p_a as the sum of the other probabilities.
double others(const Eigen::VectorXd& p, Index a) { return p.head(a).sum() + p.tail(p.size() - a - 1).sum(); }

/// phi(s,a) - phi(s,top) over the actions of s, top the most probable action.
Eigen::MatrixXd feature_differences(const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s, Index A) {
  const auto phi = policy.features.middleRows(s * A, A);
  Index top = 0;
  pi.row(s).maxCoeff(&top);
  return phi.rowwise() - phi.row(top);
}

/// (phi(s,a) - phibar(s)) over the actions of s, formed relative to the most probable action:
/// (phi_a - phi_top) - sum_b pi_b (phi_b - phi_top), small and without cancellation at a peaked policy.
Eigen::MatrixXd centred_features(const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s, Index A) {
  const Eigen::MatrixXd relative = feature_differences(policy, pi, s, A);
  return relative.rowwise() - pi.row(s) * relative;
}

/// Largest condition of the scaled least-squares problem for which a natural gradient is given.
constexpr double kMaxScaledCondition = 1e7;

/// Largest rows x parameters of the least-squares natural gradient's matrix (160 MB).
constexpr double kMaxLeastSquaresEntries = 2e7;

/// The natural gradient of a linear softmax (see natural_gradient() in pgtruth/finite/fisher.hpp).
NaturalGradient linear_natural_gradient(const FiniteMdp& mdp, const FinitePolicy& policy, const BlockDiagonalMatrix& F,
                                        const Eigen::MatrixXd& pi, const Eigen::MatrixXd& advantage,
                                        const Eigen::VectorXd& visitation, double expected_length,
                                        const Eigen::VectorXd& gradient) {
  const Index S = mdp.num_states(), A = mdp.num_actions(), d = policy.num_parameters();
  constexpr double eps = std::numeric_limits<double>::epsilon();
  std::vector<Index> visited;
  for (Index s = 0; s < S; ++s)
    if (!mdp.is_terminal(s) && visitation(s) > 0.0) visited.push_back(s);
  // The row space of D = [phi(s,a) - phi(s,top)], F's range when every pi > 0, from D^T D.
  Eigen::MatrixXd DtD = Eigen::MatrixXd::Zero(d, d);
  for (const Index s : visited) {
    const Eigen::MatrixXd D = feature_differences(policy, pi, s, A);
    DtD.noalias() += D.transpose() * D;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> structure(DtD);
  const double largest = structure.eigenvalues().size() ? structure.eigenvalues().maxCoeff() : 0.0;
  const double threshold = 8.0 * static_cast<double>(std::max<Index>(d, static_cast<Index>(visited.size()) * A)) * eps * largest;
  Index rank = 0;
  for (Index k = 0; k < d; ++k) rank += structure.eigenvalues()(k) > threshold ? 1 : 0;
  if (rank == 0) return {Eigen::VectorXd::Zero(d), 0};
  Eigen::MatrixXd B = structure.eigenvectors().rightCols(rank);  // an orthonormal basis

  const auto refuse = [&](Index numerical) {
    throw IllPosedError("", "the Fisher matrix of this linear softmax is singular in double precision where it is not "
                            "mathematically (rank " + std::to_string(numerical) + " of " + std::to_string(rank) +
                            ": the policy is too peaked in some visited states), so the natural gradient cannot be "
                            "computed; ask for the other keys with --keys");
  };
  const double rows = static_cast<double>(visited.size() * static_cast<std::size_t>(A));
  if (rows * static_cast<double>(rank) > kMaxLeastSquaresEntries) {  // too large to form X: F's eigenvectors
    const PseudoInverseSolution solution = pseudo_inverse_solve(F, gradient, S * A, rank);
    if (solution.rank < rank) refuse(solution.rank);
    return {solution.x, solution.rank};
  }
  // The basis from D's rows in turn (a pivoted QR of D^T): where states' differences are
  // orthogonal (one-hot features) each basis vector belongs to one state, so that the scaling of
  // X's columns below separates peaked states from the others. (D^T D's eigenvectors may mix
  // them: its eigenvalues are then equal.)
  {
    Eigen::MatrixXd Dt(d, static_cast<Index>(visited.size()) * A);
    Index column = 0;
    for (const Index s : visited) {
      Dt.middleCols(column, A) = feature_differences(policy, pi, s, A).transpose();
      column += A;
    }
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> rows(Dt);
    if (rows.rank() == rank) B = Eigen::MatrixXd(rows.householderQ()).leftCols(rank);
  }
  // X B z ~ y with X's rows sqrt(d pi) (phi - phibar) and y = expected_length sqrt(d pi) A.
  Eigen::MatrixXd XB(static_cast<Index>(rows), rank);
  Eigen::VectorXd y(static_cast<Index>(rows));
  Index row = 0;
  for (const Index s : visited) {
    const Eigen::MatrixXd centred = centred_features(policy, pi, s, A) * B;
    for (Index a = 0; a < A; ++a, ++row) {
      const double weight = std::sqrt(visitation(s) * pi(s, a));
      XB.row(row) = weight * centred.row(a);
      y(row) = weight * expected_length * advantage(s, a);
    }
  }
  // Columns scaled to unit norm (a full-column-rank solution does not depend on it), so that a
  // parameter direction seen only in peaked states is not mistaken for rounding.
  Eigen::VectorXd scale = XB.colwise().norm().transpose();
  for (Index k = 0; k < rank; ++k) scale(k) = scale(k) > 0.0 ? 1.0 / scale(k) : 1.0;
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(XB * scale.asDiagonal());
  if (qr.rank() < rank) refuse(qr.rank());
  // The scaled problem's condition, from R's singular values (R's extreme diagonal entries
  // beyond 200 parameters): beyond kMaxScaledCondition the solution's relative error could pass
  // 1e-8 (eps x condition), and the natural gradient is refused, not printed.
  const Eigen::MatrixXd R = qr.matrixR().topLeftCorner(rank, rank).triangularView<Eigen::Upper>();
  Eigen::VectorXd singular = R.diagonal().cwiseAbs();
  if (rank <= 200) singular = Eigen::JacobiSVD<Eigen::MatrixXd>(R).singularValues();
  const double condition = singular.maxCoeff() / singular.minCoeff();
  if (!(condition <= kMaxScaledCondition))
    throw IllPosedError("", "the Fisher matrix of this linear softmax is too ill-conditioned for its natural gradient "
                            "(condition about " + std::to_string(condition) + " after scaling; the policy is too "
                            "peaked in some visited states), so the natural gradient cannot be computed; ask for "
                            "the other keys with --keys");
  return {B * (scale.asDiagonal() * qr.solve(y)), rank};
}

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
    const Eigen::MatrixXd centred = centred_features(policy, pi, s, A);
    const Eigen::VectorXd w = visitation(s) * pi.row(s).transpose();
    block.noalias() += centred.transpose() * w.asDiagonal() * centred;
  }
  F.offset.push_back(0);
  F.block.push_back(block);
  return F;
}

NaturalGradient natural_gradient(const FiniteMdp& mdp, const FinitePolicy& policy, const BlockDiagonalMatrix& F,
                                 const Eigen::MatrixXd& pi, const Eigen::MatrixXd& advantage, const Eigen::VectorXd& visitation,
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
  return linear_natural_gradient(mdp, policy, F, pi, advantage, visitation, expected_length, gradient);
}

PseudoInverseSolution pseudo_inverse_solve(const BlockDiagonalMatrix& F, const Eigen::VectorXd& b,
                                           Index terms, Index max_rank) {
  assert(b.size() == F.dim);
  PseudoInverseSolution out{Eigen::VectorXd::Zero(F.dim), 0};
  for (std::size_t i = 0; i < F.block.size(); ++i) {
    const Index n = F.block[i].rows();
    const detail::SymmetricPseudoInverse inverse = detail::symmetric_pseudo_inverse(F.block[i], terms, max_rank - out.rank);
    out.x.segment(F.offset[i], n) = inverse.solve(b.segment(F.offset[i], n));
    out.rank += inverse.rank;
  }
  return out;
}

}  // namespace pgtruth
