#include "pgtruth/finite/policy.hpp"

#include <cassert>
#include <cmath>

#include "finite/policy_rows.hpp"

namespace pgtruth {

Index expected_num_parameters(const FiniteMdp& mdp, PolicyKind kind, Index feature_dim) {
  switch (kind) {
    case PolicyKind::softmax_tabular:
      return mdp.num_states() * mdp.num_actions();
    case PolicyKind::softmax_linear:
      return feature_dim;
    case PolicyKind::direct: {
      Index non_terminal = 0;
      for (Index s = 0; s < mdp.num_states(); ++s) non_terminal += mdp.is_terminal(s) ? 0 : 1;
      return non_terminal * mdp.num_actions();
    }
  }
  return 0;
}

namespace {

/// z = the logits theta . phi(s, a) of one state, as a row over actions (z has A entries).
void logits_into(const FiniteMdp& mdp, const FinitePolicy& policy, Index s, Eigen::RowVectorXd& z) {
  const Index A = mdp.num_actions();
  if (policy.kind == PolicyKind::softmax_tabular)
    z = policy.theta.segment(s * A, A).transpose();
  else
    z.noalias() = (policy.features.middleRows(s * A, A) * policy.theta).transpose();
}

}  // namespace

Eigen::MatrixXd policy_probabilities(const FiniteMdp& mdp, const FinitePolicy& policy) {
  Eigen::MatrixXd pi(mdp.num_states(), mdp.num_actions());
  detail::policy_rows(mdp, policy, 0, mdp.num_states(), pi);
  return pi;
}

namespace {

/// exp(x) is subnormal below this (the log of the smallest normal double, 2^-1022).
constexpr double kExpSubnormal = -708.3964185322641;

/// Row k of a direct policy's theta belongs to the k-th non-terminal state.
Index direct_row(const FiniteMdp& mdp, Index s) {
  Index k = 0;
  for (Index t = 0; t < s; ++t) k += mdp.is_terminal(t) ? 0 : 1;
  return k;
}

}  // namespace

void detail::policy_rows(const FiniteMdp& mdp, const FinitePolicy& policy, Index begin, Index end,
                         Eigen::MatrixXd& pi) {
  const Index A = mdp.num_actions();
  pi.middleRows(begin, end - begin).setZero();
  Index k = policy.kind == PolicyKind::direct ? direct_row(mdp, begin) : 0;  // position among non-terminal states
  Eigen::RowVectorXd z(A);  // one state's logits, then exp(z - max z): no allocation per state
  for (Index s = begin; s < end; ++s) {
    if (mdp.is_terminal(s)) continue;
    if (policy.kind == PolicyKind::direct) {
      pi.row(s) = policy.theta.segment(k * A, A).transpose();
    } else {
      logits_into(mdp, policy, s, z);
      // exp(z - max z). Eigen's vectorised exp clamps its argument near -709 (it gives about
      // 5.6e-309 for exp(-1400)): below the normal range std::exp, which rounds to the subnormals and 0.
      z.array() -= z.maxCoeff();
      z = (z.array() < kExpSubnormal).select(z.unaryExpr([](double x) { return std::exp(x); }), z.array().exp());
      pi.row(s) = z / z.sum();
    }
    ++k;
  }
}

namespace {

void add_at(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s, Index k,
            const Eigen::RowVectorXd& w, Eigen::VectorXd& g) {
  const Index A = mdp.num_actions();
  switch (policy.kind) {
    case PolicyKind::direct:
      g.segment(k * A, A) += w.transpose();
      break;
    case PolicyKind::softmax_tabular: {
      // d pi(a|s) / d theta(s,b) = pi(a|s) (1[a=b] - pi(b|s)).
      const double mean = pi.row(s).dot(w);
      g.segment(s * A, A) += (pi.row(s).array() * (w.array() - mean)).transpose().matrix();
      break;
    }
    case PolicyKind::softmax_linear: {
      // sum_a w pi (phi(s,a) - phibar(s)) = Phi_s' (pi .* (w - <pi, w>)).
      const double mean = pi.row(s).dot(w);
      const Eigen::VectorXd weight = (pi.row(s).array() * (w.array() - mean)).transpose();
      g.noalias() += policy.features.middleRows(s * A, A).transpose() * weight;
      break;
    }
  }
}

}  // namespace

void add_policy_derivative_at(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s,
                              const Eigen::RowVectorXd& w, Eigen::VectorXd& g) {
  assert(!mdp.is_terminal(s));
  add_at(mdp, policy, pi, s, policy.kind == PolicyKind::direct ? direct_row(mdp, s) : 0, w, g);
}

Eigen::VectorXd contract_policy_derivative(const FiniteMdp& mdp, const FinitePolicy& policy,
                                           const Eigen::MatrixXd& pi, const Eigen::MatrixXd& W) {
  Eigen::VectorXd g = Eigen::VectorXd::Zero(policy.num_parameters());
  Index k = 0;  // position among the non-terminal states (direct policies)
  Eigen::RowVectorXd w(mdp.num_actions());  // one row of W, copied without an allocation per state
  for (Index s = 0; s < mdp.num_states(); ++s) {
    if (mdp.is_terminal(s)) continue;
    w = W.row(s);
    add_at(mdp, policy, pi, s, k++, w, g);
  }
  return g;
}

double score_squared_norm(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s,
                          Index a) {
  assert(policy.is_softmax() && !mdp.is_terminal(s));
  if (policy.kind == PolicyKind::softmax_tabular) return 1.0 - 2.0 * pi(s, a) + pi.row(s).squaredNorm();
  const auto phi = policy.features.middleRows(s * mdp.num_actions(), mdp.num_actions());
  return (phi.row(a) - pi.row(s) * phi).squaredNorm();
}

void score_into(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s, Index a,
                Eigen::VectorXd& psi) {
  assert(policy.is_softmax() && !mdp.is_terminal(s));
  const Index A = mdp.num_actions();
  if (policy.kind == PolicyKind::softmax_tabular) {
    psi.setZero(policy.num_parameters());
    psi.segment(s * A, A) = -pi.row(s).transpose();
    psi(s * A + a) += 1.0;
    return;
  }
  const auto phi = policy.features.middleRows(s * A, A);
  psi.noalias() = phi.row(a).transpose();
  psi.noalias() -= phi.transpose() * pi.row(s).transpose();
}

Eigen::VectorXd score(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                      Index s, Index a) {
  Eigen::VectorXd psi;
  score_into(mdp, policy, pi, s, a, psi);
  return psi;
}

}  // namespace pgtruth
