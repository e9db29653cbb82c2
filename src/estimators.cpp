#include "pgtruth/estimators.hpp"

#include <cassert>
#include <cmath>

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
      {Estimator::pathwise, "pathwise", "derivative of the sampled return through the reparameterised noise", false, true},
  };
  return table;
}

std::optional<Estimator> estimator_by_name(std::string_view name) {
  for (const EstimatorInfo& info : estimator_table())
    if (name == info.name) return info.id;
  return std::nullopt;
}

const char* estimator_name(Estimator e) {
  for (const EstimatorInfo& info : estimator_table())
    if (info.id == e) return info.name;
  return "?";
}

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

Eigen::VectorXd episode_estimate(Estimator e, std::span<const Step> steps, double gamma, Eigen::Index dim,
                                 const EstimatorOptions& options) {
  assert(e != Estimator::visitation);
  const std::size_t T = steps.size();
  // Rewards-to-go: in-episode sums under early stopping; discounted sums for the truncated
  // episodes of reinforce-rtg-undiscounted. One buffer per thread, reused across episodes.
  const double rtg_discount = e == Estimator::reinforce_rtg_undiscounted ? gamma : 1.0;
  thread_local std::vector<double> G;
  G.assign(T + 1, 0.0);
  for (std::size_t t = T; t-- > 0;) G[t] = steps[t].reward + rtg_discount * G[t + 1];

  Eigen::VectorXd g = Eigen::VectorXd::Zero(dim);
  switch (e) {
    case Estimator::reinforce: {
      for (const Step& s : steps) g += s.score;
      g *= G[0];
      break;
    }
    case Estimator::reinforce_rtg:
    case Estimator::reinforce_rtg_undiscounted:
      for (std::size_t t = 0; t < T; ++t) g += G[t] * steps[t].score;
      break;
    case Estimator::baseline_value:
      for (std::size_t t = 0; t < T; ++t) g += (G[t] - steps[t].v) * steps[t].score;
      break;
    case Estimator::baseline_optimal:
      for (std::size_t t = 0; t < T; ++t) g += (G[t] - steps[t].optimal_baseline) * steps[t].score;
      break;
    case Estimator::qvalue:
      for (const Step& s : steps) g += s.q * s.score;
      break;
    case Estimator::advantage:
      for (const Step& s : steps) g += (s.q - s.v) * s.score;
      break;
    case Estimator::td0:
      for (const Step& s : steps) g += (s.reward + gamma * s.v_next - s.v) * s.score;
      break;
    case Estimator::gae: {
      // A_t = sum_{l >= 0} lambda^l delta_{t+l} within the episode: the survival of step t + l
      // supplies the gamma^l of (gamma lambda)^l (Schulman et al. 2016, eq. 16).
      double advantage = 0.0;
      for (std::size_t t = T; t-- > 0;) {
        const Step& s = steps[t];
        advantage = (s.reward + gamma * s.v_next - s.v) + options.lambda * advantage;
        g += advantage * s.score;
      }
      break;
    }
    case Estimator::all_actions:
    case Estimator::dpg:
      for (const Step& s : steps) g += s.all_actions;
      break;
    case Estimator::visitation:
    case Estimator::pathwise:
      assert(false && "sampled by their own samplers");
      break;
  }
  return g;
}

}  // namespace pgtruth
