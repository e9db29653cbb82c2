#pragma once
/// \file
/// The sampled policy-gradient estimators of spec §3, written once over a problem-independent
/// record of an episode, so that finite and LQG samplers share them.
///
/// LQG (u = −Kx + d): the score is ψ = −vec_row(Σ⁻¹ d xᵀ) and the critics are those of the
/// stochastic formulation; `all-actions` and `dpg` use ∇_u Q at u = −Kx, which is the same in
/// both formulations (Todorov 2025, §3); `pathwise` differentiates the sampled cost of the
/// file's formulation through the reparameterised noise. Costs take the place of rewards.
///
/// Sampling scheme (spec §3, "sampled without bias"): an episode ends with probability 1 − γ
/// after every step (and on entering a terminal state). A term at step t then survives with
/// probability γᵗ, so the estimators below drop γᵗ from their weights and use in-episode,
/// undiscounted sums G̃_t = Σ_{k ≥ t} r_k, yet have the expectations of their discounted
/// definitions in spec §3. Exact critics (v, q, A) come from the exact solver.
/// `reinforce-rtg-undiscounted` is the exception: it reproduces the common practice that drops
/// γᵗ (Thomas 2014; Nota & Thomas 2020), so its episodes are not stopped early but truncated
/// at a horizon H with γᴴ <= 1e-12 (a bias far below any test's resolution).

#include <Eigen/Core>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgtruth {

enum class Estimator {
  reinforce,
  reinforce_rtg,
  reinforce_rtg_undiscounted,
  baseline_value,
  baseline_optimal,
  qvalue,
  advantage,
  gae,
  td0,
  visitation,
  all_actions,
  dpg,       ///< LQG only
  pathwise,  ///< LQG only
};

struct EstimatorInfo {
  Estimator id;
  const char* name;     ///< the spec's name
  const char* formula;  ///< the per-episode estimate, as the spec writes it
  bool finite;          ///< applies to finite MDPs
  bool lqg;             ///< applies to LQG problems
};

/// Every estimator, in the spec's order.
const std::vector<EstimatorInfo>& estimator_table();
std::optional<Estimator> estimator_by_name(std::string_view name);
const char* estimator_name(Estimator e);

/// What an estimator needs the sampler to record at each step.
struct StepNeeds {
  bool values = false;            ///< v(s_t), q(s_t, a_t), v(s_{t+1})
  bool optimal_baseline = false;  ///< b*(s_t) = E_a[|ψ|² q] / E_a[|ψ|²]
  bool all_actions = false;       ///< Σ_a ∇π(a|s_t) q(s_t, a)
};
StepNeeds needs(Estimator e);

/// One step of a sampled episode.
struct Step {
  double reward = 0;
  Eigen::VectorXd score;        ///< ψ_t = ∇_θ log π(a_t|s_t)
  double v = 0, q = 0;          ///< exact v(s_t), q(s_t, a_t)
  double v_next = 0;            ///< exact v(s_{t+1}); 0 when s_{t+1} is terminal
  double optimal_baseline = 0;
  Eigen::VectorXd all_actions;
};

struct EstimatorOptions {
  double lambda = 0.95;  ///< GAE's λ
};

/// The per-episode estimate of `e` from the steps of one episode sampled with early stopping
/// (truncated, for reinforce-rtg-undiscounted). Not for `visitation`, which samples one state.
Eigen::VectorXd episode_estimate(Estimator e, std::span<const Step> episode, double gamma, Eigen::Index dim,
                                 const EstimatorOptions& options);

}  // namespace pgtruth
