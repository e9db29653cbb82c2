#pragma once
/// \file
/// Parameterised policies of a finite MDP (spec §1, "Policy") and their derivatives.
///
///  * softmax:  pi(a|s) = exp(theta . phi(s,a)) / sum_b exp(theta . phi(s,b)),
///    with tabular features (theta index s * A + a, terminal states included, their
///    gradient 0) or linear features phi(s, a) in R^d;
///  * direct:   theta is the table pi(a|s) itself over the non-terminal states in order
///    (index k * A + a for the k-th non-terminal state); derivatives treat every entry as
///    free, so J is extended off the simplex by the same formula.
/// The score of a softmax policy is psi(s,a) = grad_theta log pi(a|s) = phi(s,a) - E_pi[phi(s,.)].

#include <Eigen/Core>

#include "pgtruth/finite/mdp.hpp"

namespace pgtruth {

enum class PolicyKind { softmax_tabular, softmax_linear, direct };

struct FinitePolicy {
  PolicyKind kind = PolicyKind::softmax_tabular;
  Eigen::VectorXd theta;
  /// softmax_linear: row s * A + a holds phi(s, a) (rows of terminal states are unused).
  Eigen::MatrixXd features;

  Index num_parameters() const { return theta.size(); }
  bool is_softmax() const { return kind != PolicyKind::direct; }
};

/// The number of parameters a policy of this kind has on this MDP (d for linear features).
Index expected_num_parameters(const FiniteMdp& mdp, PolicyKind kind, Index feature_dim);

/// pi(a|s) as an S x A matrix; rows of terminal states are 0 (no action is taken there).
/// Softmax uses the log-sum-exp shift, so it never overflows.
Eigen::MatrixXd policy_probabilities(const FiniteMdp& mdp, const FinitePolicy& policy);

/// The contraction sum_{s,a} W(s,a) d pi(a|s) / d theta, for any S x A weight W
/// (rows of terminal states ignored). With W(s,a) = eta(s) q(s,a) this is the policy
/// gradient theorem (Sutton et al. 2000, Theorem 1). For softmax,
/// d pi(a|s)/d theta = pi(a|s) psi(s,a), so the result is sum_s sum_a W pi psi.
Eigen::VectorXd contract_policy_derivative(const FiniteMdp& mdp, const FinitePolicy& policy,
                                           const Eigen::MatrixXd& pi, const Eigen::MatrixXd& W);

/// Adds sum_a w(a) d pi(a|s) / d theta for one non-terminal state s to g (the per-state term of
/// contract_policy_derivative); costs O(A) for tabular and direct policies, O(A d) for linear.
void add_policy_derivative_at(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s,
                              const Eigen::RowVectorXd& w, Eigen::VectorXd& g);

/// |psi(s, a)|² of a softmax policy without forming psi: 1 − 2 pi(a|s) + |pi(.|s)|² for tabular
/// features, |phi(s,a) − phibar(s)|² for linear ones.
double score_squared_norm(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s,
                          Index a);

/// The score psi(s, a) = grad_theta log pi(a|s) of a softmax policy at a non-terminal state.
Eigen::VectorXd score(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                      Index s, Index a);

/// The same score written into `psi`, which keeps its storage when it already has the size
/// (samplers reuse one vector per step instead of allocating).
void score_into(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi, Index s, Index a,
                Eigen::VectorXd& psi);

}  // namespace pgtruth
