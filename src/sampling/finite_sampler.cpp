// The sampled estimators on a finite MDP: episodes drawn with the problem's dynamics and
// policy, each step's score weighted as ScoreWeights says (pgtruth/sampling/estimators.hpp) and added over the
// policy's parameters at that state only (A entries for a tabular softmax).
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sampling/episode_accumulator.hpp"
#include "sampling/finite_sampling.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {
namespace {

/// A step's state and action: what its score ψ(s, a) is made from.
struct StateAction {
  Index s = 0, a = 0;
};

/// Everything a finite-MDP episode sampler needs, precomputed once.
struct FiniteModel {
  const FiniteProblem& problem;
  const FiniteSolution& solution;
  Eigen::VectorXd optimal_baseline;  // b*(s), when needed
  std::vector<Index> direct_index;   // k(s): the position of s among the non-terminal states
  std::uint64_t id = 0;              // tells one model's per-thread buffers from another's

  const FiniteMdp& mdp() const { return problem.mdp; }
  const Eigen::MatrixXd& pi() const { return solution.policy; }

  Index sample_action(Rng& rng, Index s) const { return rng.categorical(pi().row(s), mdp().num_actions()); }
  Outcome sample_outcome(Rng& rng, Index s, Index a) const { return detail::sample_outcome(rng, mdp(), s, a); }

  /// out += w ψ(s, a), ψ = φ(s, a) − Σ_b π(b|s) φ(s, b) (softmax).
  void add_score(const StateAction& sa, double w, SparseEstimate& out) const {
    const Index A = mdp().num_actions();
    if (problem.policy.kind == PolicyKind::softmax_tabular) {
      for (Index b = 0; b < A; ++b) out.add(sa.s * A + b, w * ((b == sa.a ? 1.0 : 0.0) - pi()(sa.s, b)));
      return;
    }
    thread_local Eigen::VectorXd psi;
    score_into(mdp(), problem.policy, pi(), sa.s, sa.a, psi);
    for (Index j = 0; j < psi.size(); ++j) out.add(j, w * psi(j));
  }

  /// out += Σ_a ∇π(a|s) q(s, a): for softmax Σ_a π(a|s) A(s, a) φ(s, a); for a direct policy the q row.
  void add_all_actions(Index s, SparseEstimate& out) const {
    const Index A = mdp().num_actions();
    switch (problem.policy.kind) {
      case PolicyKind::direct:
        for (Index b = 0; b < A; ++b) out.add(direct_index[static_cast<std::size_t>(s)] * A + b, solution.q(s, b));
        break;
      case PolicyKind::softmax_tabular:
        for (Index b = 0; b < A; ++b) out.add(s * A + b, pi()(s, b) * solution.advantage(s, b));
        break;
      case PolicyKind::softmax_linear: {
        const Eigen::VectorXd weight = (pi().row(s).array() * solution.advantage.row(s).array()).transpose();
        const Eigen::VectorXd g = problem.policy.features.middleRows(s * A, A).transpose() * weight;
        for (Index j = 0; j < g.size(); ++j) out.add(j, g(j));
        break;
      }
    }
  }
};

Eigen::VectorXd compute_optimal_baseline(const FiniteModel& m) {
  const Index S = m.mdp().num_states(), A = m.mdp().num_actions();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(S);
  for (Index s = 0; s < S; ++s) {
    if (m.mdp().is_terminal(s)) continue;
    double num = 0, den = 0;
    for (Index a = 0; a < A; ++a) {
      const double w = m.pi()(s, a) * score_squared_norm(m.mdp(), m.problem.policy, m.pi(), s, a);
      num += w * m.solution.q(s, a), den += w;
    }
    b(s) = den > 0 ? num / den : m.solution.v(s);
  }
  return b;
}

struct AddFiniteScore {
  const FiniteModel* model;
  void operator()(const StateAction& sa, double w, SparseEstimate& out) const { model->add_score(sa, w, out); }
};
using FiniteAccumulator = detail::EpisodeAccumulator<StateAction, AddFiniteScore>;

}  // namespace

long undiscounted_horizon(double gamma) {
  return gamma < 1.0 ? static_cast<long>(std::ceil(std::log(1e-12) / std::log(gamma))) : 0;
}

bool estimator_applies(const FiniteProblem& problem, Estimator e, std::string* why) {
  std::string reason;
  if (!estimator_info(e).finite)
    reason = std::string("the estimator ") + estimator_name(e) + " applies to LQG problems only";
  else if (!problem.policy.is_softmax() && e != Estimator::all_actions)
    reason = std::string("the estimator ") + estimator_name(e) +
             " needs the score of a softmax policy; a direct policy supports all-actions only";
  else if (e == Estimator::visitation && problem.mdp.gamma() == 1.0)
    reason = "the visitation estimator samples s ~ d by restarts with probability 1 - gamma, so it needs gamma < 1";
  if (why) *why = reason;
  return reason.empty();
}

SparseEstimateSampler finite_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                                       const EstimatorOptions& options) {
  const FiniteMdp& mdp = problem.mdp;
  if (std::string why; !estimator_applies(problem, e, &why))
    throw InputError(problem.policy.is_softmax() && e == Estimator::visitation ? "/gamma" : "/policy", why);
  static std::atomic<std::uint64_t> models{0};
  auto model = std::make_shared<FiniteModel>(FiniteModel{problem, solution, {}, {}, ++models});
  const StepNeeds need = needs(e);
  if (need.optimal_baseline) model->optimal_baseline = compute_optimal_baseline(*model);
  if (problem.policy.kind == PolicyKind::direct) {
    model->direct_index.resize(static_cast<std::size_t>(mdp.num_states()));
    Index k = 0;
    for (Index s = 0; s < mdp.num_states(); ++s) model->direct_index[static_cast<std::size_t>(s)] = mdp.is_terminal(s) ? -1 : k++;
  }
  const double gamma = mdp.gamma();
  const long cap = options.max_episode_steps;

  if (e == Estimator::visitation) {
    // s ~ d: follow the chain and stop with probability 1 - gamma before each step; an episode
    // that terminates first contributes 0, so the mean is sum_t gamma^t E[psi q] = gradient.
    return [model, gamma, cap](Rng& rng, SparseEstimate& out) {
      const FiniteModel& m = *model;
      long steps = 0;
      for (Index s = detail::sample_start(rng, m.mdp()); !m.mdp().is_terminal(s); ++steps) {
        if (steps == cap) throw IllPosedError("", episode_too_long(cap, gamma));
        const Index a = m.sample_action(rng, s);
        if (rng.uniform() >= gamma) return m.add_score({s, a}, m.solution.q(s, a) / (1.0 - gamma), out);
        s = m.sample_outcome(rng, s, a).next;
      }
    };
  }
  // reinforce-rtg-undiscounted runs full discounted episodes up to gamma^H <= 1e-12.
  const bool truncated = e == Estimator::reinforce_rtg_undiscounted;
  const long horizon = truncated && gamma < 1.0 ? undiscounted_horizon(gamma) : std::numeric_limits<long>::max();
  if (truncated && gamma < 1.0 && horizon > cap)
    throw IllPosedError("/gamma", "reinforce-rtg-undiscounted truncates its episodes at " + std::to_string(horizon) +
                                      " steps (gamma^H <= 1e-12), beyond the cap on one episode's length (" +
                                      std::to_string(cap) + "); raise --max-episode-steps");
  const ScoreWeights weights = score_weights(e, gamma, options);
  const Index dim = problem.policy.num_parameters();
  return [model, e, need, weights, dim, gamma, truncated, horizon, cap](Rng& rng, SparseEstimate& out) {
    const FiniteModel& m = *model;
    const FiniteSolution& sol = m.solution;
    // One accumulator per thread and model: its trace and block keep their storage.
    thread_local std::unique_ptr<FiniteAccumulator> accumulator;
    thread_local std::uint64_t owner = 0;
    if (!accumulator || owner != m.id) accumulator = std::make_unique<FiniteAccumulator>(weights, dim, AddFiniteScore{&m}), owner = m.id;
    accumulator->start();
    StepValues values;
    long steps = 0;
    for (Index s = detail::sample_start(rng, m.mdp()); !m.mdp().is_terminal(s) && steps < horizon; ++steps) {
      if (steps == cap) throw IllPosedError("", episode_too_long(cap, gamma));
      const Index a = m.sample_action(rng, s);
      const Outcome& o = m.sample_outcome(rng, s, a);
      values.reward = o.reward;
      if (need.values)
        values.v = sol.v(s), values.q = sol.q(s, a), values.advantage = sol.advantage(s, a), values.v_next = sol.v(o.next);
      if (need.optimal_baseline) values.optimal_baseline = m.optimal_baseline(s);
      if (e == Estimator::all_actions) m.add_all_actions(s, out);
      else accumulator->step({s, a}, values, out);
      if (!truncated && rng.uniform() >= gamma) break;  // stop with probability 1 - gamma
      s = o.next;
    }
    accumulator->finish(out);
  };
}

CheckResult check_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                            const CheckOptions& options) {
  return run_check(estimator_name(e), finite_estimator(problem, solution, e, options.estimator), solution.gradient,
                   options);
}

}  // namespace pgtruth
