#include "pgtruth/sampling/estimators.hpp"

#include <cassert>
#include <cmath>

#include "io/format.hpp"

namespace pgtruth {

const std::vector<EstimatorInfo>& estimator_table() {
  static const std::vector<EstimatorInfo> table{
      {Estimator::reinforce, "reinforce", "(sum_t psi_t) sum_k gamma^k r_k", true, true},
      {Estimator::reinforce_rtg, "reinforce-rtg", "sum_t gamma^t psi_t G_t", true, true},
      {Estimator::reinforce_rtg_undiscounted, "reinforce-rtg-undiscounted", "sum_t psi_t G_t (biased when gamma < 1)", true, true},
      {Estimator::baseline_value, "baseline-value", "sum_t gamma^t psi_t (G_t - v(s_t))", true, true},
      {Estimator::baseline_optimal, "baseline-optimal", "sum_t gamma^t psi_t (G_t - b*(s_t))", true, false},
      {Estimator::qvalue, "qvalue", "sum_t gamma^t psi_t q(s_t, a_t)", true, true},
      {Estimator::advantage, "advantage", "sum_t gamma^t psi_t A(s_t, a_t)", true, true},
      {Estimator::gae, "gae", "sum_t gamma^t psi_t A_t^GAE(gamma, lambda)", true, true},
      {Estimator::td0, "td0", "sum_t gamma^t psi_t delta_t", true, true},
      {Estimator::visitation, "visitation", "psi q(s, a) / (1 - gamma), s ~ d, a ~ pi", true, true},
      {Estimator::all_actions, "all-actions", "sum_t gamma^t sum_a grad pi(a|s_t) q(s_t, a)", true, true},
      {Estimator::dpg, "dpg", "sum_t gamma^t grad_theta mu(x_t) grad_u Q_D(x_t, u) at u = mu(x_t)", false, true},
      {Estimator::todorov_ks, "todorov-ks", "sum_t grad_theta l(x_t, mu_t) + gamma grad_theta mu(x_t) Sigma^-1 (u_t - mu_t) v(x_t+1) (Todorov 2025, eqs. 42-43)", false, true},
      {Estimator::todorov_kd, "todorov-kd", "sum_t grad_theta l(x_t, mu_t) + gamma grad_theta mu(x_t) grad_u v(f(x_t, u_t)) (Todorov 2025, eqs. 42-43)", false, true},
      {Estimator::todorov_ks_baseline, "todorov-ks-baseline", "todorov-ks with v(x_t+1) - vhat(f(x_t, mu_t)) (Todorov 2025, eq. 44)", false, true},
      {Estimator::todorov_kd_baseline, "todorov-kd-baseline", "todorov-kd minus gamma grad_theta mu(x_t) hess_mu vhat(f(x_t, mu_t)) (u_t - mu_t) (Todorov 2025, eq. 44)", false, true},
      {Estimator::pathwise, "pathwise", "derivative of the sampled return through the reparameterised noise", false, true},
  };
  return table;
}

std::optional<Estimator> estimator_by_name(std::string_view name) {
  for (const EstimatorInfo& info : estimator_table())
    if (name == info.name) return info.id;
  return std::nullopt;
}

const EstimatorInfo& estimator_info(Estimator e) {
  for (const EstimatorInfo& info : estimator_table())
    if (info.id == e) return info;
  assert(false && "every estimator is in the table");
  return estimator_table().front();
}

const char* estimator_name(Estimator e) { return estimator_info(e).name; }

StepNeeds needs(Estimator e) {
  StepNeeds n;
  switch (e) {
    case Estimator::baseline_value:
    case Estimator::qvalue:
    case Estimator::advantage:
    case Estimator::gae:
    case Estimator::td0:
    case Estimator::visitation:
      n.values = true;
      break;
    case Estimator::baseline_optimal:
      n.optimal_baseline = true;
      break;
    case Estimator::all_actions:
    case Estimator::dpg:
      n.all_actions = true;
      break;
    default:
      break;
  }
  return n;
}

ScoreWeights score_weights(Estimator e, double gamma, const EstimatorOptions& options) {
  ScoreWeights w;
  w.estimator = e;
  w.gamma = gamma;
  switch (e) {
    case Estimator::reinforce:
      w.whole_return = true;
      break;
    case Estimator::reinforce_rtg:
    case Estimator::baseline_value:
    case Estimator::baseline_optimal:
      w.future = true;  // G̃_t = Σ_{k ≥ t} r_k: in-episode sums under early stopping
      break;
    case Estimator::reinforce_rtg_undiscounted:
      w.future = true, w.decay = gamma;  // G_t = Σ_{k ≥ t} γ^(k−t) r_k on truncated episodes
      break;
    case Estimator::gae:
      w.future = true, w.future_is_td = true, w.decay = options.lambda;
      break;
    default:
      break;
  }
  return w;
}

double ScoreWeights::immediate_weight(const StepValues& s) const {
  switch (estimator) {
    case Estimator::baseline_value: return -s.v;
    case Estimator::baseline_optimal: return -s.optimal_baseline;
    case Estimator::qvalue: return s.q;
    case Estimator::advantage: return s.advantage;
    case Estimator::td0: return td(s);
    default: return 0.0;
  }
}

std::string episode_too_long(long steps, double gamma) {
  std::string why = "an episode reached " + std::to_string(steps) + " steps (the cap on one episode's length";
  if (gamma < 1.0) why += "; with gamma = " + detail::format_number(gamma, 17) + " an episode lasts up to " +
                          detail::format_number(1.0 / (1.0 - gamma), 3) + " steps on average";
  return why + "); raise --max-episode-steps, or check a problem whose episodes end sooner";
}

}  // namespace pgtruth
