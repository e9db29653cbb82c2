#pragma once
/// \file
/// The sampled policy-gradient estimators of spec §3, written once as weights of the scores of
/// an episode (ScoreWeights), so that finite and LQG samplers share them; the samplers add the
/// weighted scores step by step, in memory independent of the episode's length.
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
  todorov_ks,           ///< LQG only: Todorov (2025), eqs. 42-43 (pgtruth/sampling/todorov.hpp)
  todorov_kd,           ///< LQG only
  todorov_ks_baseline,  ///< LQG only: eq. 44
  todorov_kd_baseline,  ///< LQG only: eq. 44
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
const EstimatorInfo& estimator_info(Estimator e);

/// What an estimator needs the sampler to record at each step.
struct StepNeeds {
  bool values = false;            ///< v(s_t), q(s_t, a_t), A(s_t, a_t), v(s_{t+1})
  bool optimal_baseline = false;  ///< b*(s_t) = E_a[|ψ|² q] / E_a[|ψ|²]
  bool all_actions = false;       ///< Σ_a ∇π(a|s_t) q(s_t, a), added by the sampler itself
};
StepNeeds needs(Estimator e);

/// The scalars of one step from which an estimator weights the step's score ψ_t.
struct StepValues {
  double reward = 0;
  double v = 0, q = 0, advantage = 0;  ///< exact v(s_t), q(s_t, a_t), A(s_t, a_t)
  double v_next = 0;                   ///< exact v(s_{t+1}); 0 when s_{t+1} is terminal
  double optimal_baseline = 0;
};

struct EstimatorOptions {
  double lambda = 0.95;                ///< GAE's λ
  long max_episode_steps = 10000000;   ///< an episode that reaches it ends the check (exit 2)
  double vhat_scale = 1.0;            ///< the todorov-*-baseline estimators' v̂ = vhat_scale · v (eq. 44)
};

/// How estimator e weights the scores of an episode, in the form every score-function
/// estimator of spec §3 takes under early stopping:
///     g = Σ_t ψ_t (F_t + c_t) + R Σ_t ψ_t 1[whole_return],   F_t = Σ_{k ≥ t} decay^(k−t) w_k,
/// with a future weight w_k, an immediate weight c_t and the episode's return R. For example
/// reinforce-rtg: w = r, decay 1; baseline-value: the same and c_t = −v(s_t); GAE: w = δ,
/// decay λ (Schulman et al. 2016, eq. 16: the survival of step t + l supplies γˡ of (γλ)ˡ).
struct ScoreWeights {
  bool whole_return = false;  ///< reinforce: R Σ_t ψ_t
  bool future = false;        ///< F_t present
  double decay = 1;
  double future_weight(const StepValues& s) const { return future_is_td ? td(s) : s.reward; }
  double immediate_weight(const StepValues& s) const;

  Estimator estimator = Estimator::reinforce;
  double gamma = 1;
  bool future_is_td = false;
  double td(const StepValues& s) const { return s.reward + gamma * s.v_next - s.v; }
};
ScoreWeights score_weights(Estimator e, double gamma, const EstimatorOptions& options);

/// The expected length of a sampled episode is at most 1/(1 − γ); the message that ends a
/// check whose episode reached options.max_episode_steps.
std::string episode_too_long(long steps, double gamma);

}  // namespace pgtruth
