#include "pgtruth/check.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <cmath>
#include <stdexcept>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "finite_sampling.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

void CheckOptions::validate() const {
  if (episodes < 2) throw std::invalid_argument("episodes must be at least 2");
  if (batches < 0 || batches == 1 || batches > episodes) throw std::invalid_argument("batches must be 0 (automatic) or from 2 to episodes");
  if (!(alpha > 0.0 && alpha < 1.0)) throw std::invalid_argument("alpha must be in (0, 1)");
  if (threads < 0) throw std::invalid_argument("threads must be >= 0");
  if (!(estimator.lambda >= 0.0 && estimator.lambda <= 1.0)) throw std::invalid_argument("lambda must be in [0, 1]");
}

long default_batches(Eigen::Index dim, long episodes) {
  const long wanted = std::clamp<long>(4 * static_cast<long>(dim), 50, 1000);
  return std::max<long>(2, std::min(wanted, episodes / 10));
}

namespace {

/// Entry i and its value, as words, for the first non-finite entry of x.
std::string first_non_finite(const Eigen::VectorXd& x) {
  Eigen::Index i = 0;
  while (i < x.size() && std::isfinite(x(i))) ++i;
  return "entry " + std::to_string(i) + " of the estimate is " + (std::isnan(x(i)) ? "nan" : x(i) > 0 ? "inf" : "-inf");
}

/// The mean of batch b's draws. A sum that overflows although every draw is finite is redone
/// from the same stream with the overflowing entries scaled by 2^-(1 + ceil log2 count),
/// exact, so that it cannot overflow; the mean itself is at most the largest draw.
Eigen::VectorXd batch_mean(const EstimateSampler& sample, Eigen::Index dim, const CheckOptions& options, long b,
                           long count) {
  const auto sum_of_draws = [&](const Eigen::VectorXd& scale) {
    Rng rng(options.seed, static_cast<std::uint64_t>(b));
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim);
    for (long e = 0; e < count; ++e) {
      const Eigen::VectorXd x = sample(rng);
      if (!x.allFinite())
        throw IllPosedError("", "seed " + std::to_string(options.seed) + ", batch " + std::to_string(b) + ", episode " +
                                    std::to_string(e) + " (counted from 0): " + first_non_finite(x) +
                                    "; the sampled returns or scores overflow a double");
      if (scale.size()) sum += x.cwiseProduct(scale);
      else sum += x;
    }
    return sum;
  };
  Eigen::VectorXd sum = sum_of_draws(Eigen::VectorXd());
  if (sum.allFinite()) return sum / static_cast<double>(count);
  int down = 0;
  std::frexp(static_cast<double>(count), &down);  // 2^down > count
  const Eigen::VectorXd scale =
      sum.unaryExpr([down](double s) { return std::isfinite(s) ? 1.0 : std::ldexp(1.0, -down - 1); });
  sum = sum_of_draws(scale);
  return (sum / static_cast<double>(count)).cwiseQuotient(scale);
}

}  // namespace

Eigen::MatrixXd sample_batch_means(const EstimateSampler& sample, Eigen::Index dim, const CheckOptions& options) {
  options.validate();
  const long B = options.batches ? options.batches : default_batches(dim, options.episodes);
  Eigen::MatrixXd means = Eigen::MatrixXd::Zero(B, dim);
  // Batch b holds episodes [b E / B, (b + 1) E / B): sizes differ by at most one.
  const auto first = [&](long b) { return b * options.episodes / B; };
  std::atomic<long> next{0}, done{0};
  // A failure in batch b stops batches after b; the failure reported is that of the lowest
  // batch, so the message does not depend on the threads' timing.
  std::atomic<long> failed{B};
  std::exception_ptr failure;
  std::mutex failure_lock;
  const auto work = [&] {
    for (long b; (b = next++) < failed.load();) {
      try {
        means.row(b) = batch_mean(sample, dim, options, b, first(b + 1) - first(b)).transpose();
      } catch (...) {
        const std::lock_guard<std::mutex> guard(failure_lock);
        if (b < failed.load()) failed = b, failure = std::current_exception();
        return;
      }
      if (options.progress) options.progress(++done, B);
    }
  };
  const int threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (int i = 1; i < std::min<long>(threads, B); ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return means;
}

namespace {

/// Refuses a truth that is not finite: no test can be consistent with it.
void require_finite_truth(const std::string& name, const Eigen::VectorXd& truth) {
  for (Eigen::Index i = 0; i < truth.size(); ++i)
    if (!std::isfinite(truth(i)))
      throw IllPosedError("", "entry " + std::to_string(i) + " of the exact " +
                                  (name == "fisher" ? "Fisher matrix" : "gradient") + " is " +
                                  (std::isnan(truth(i)) ? "nan" : "infinite") +
                                  " (it overflows a double), so no estimate can be tested against it");
}

}  // namespace

CheckResult judge(const std::string& name, const Eigen::MatrixXd& batch_means, long estimates_per_batch,
                  const Eigen::VectorXd& truth, const CheckOptions& options) {
  require_finite_truth(name, truth);
  CheckResult r;
  r.estimator = name;
  r.seed = options.seed;
  r.alpha = options.alpha;
  r.truth = truth;
  r.test = test_mean(batch_means, truth);
  // Var(one estimate) = (estimates per batch) Var(batch mean), formed in the test's units
  // (2^e times the estimates') and scaled back, with its log10 for when that overflows.
  const int e = r.test.scale_exponent;
  const double scaled = static_cast<double>(estimates_per_batch) * static_cast<double>(r.test.batches) *
                        r.test.standard_error.unaryExpr([e](double x) { return std::ldexp(x, e); }).squaredNorm();
  r.variance_per_episode = std::ldexp(scaled, -2 * e);
  r.log10_variance_per_episode = std::log10(scaled) - 2.0 * e * std::log10(2.0);
  // Every statistic is finite by construction; a verdict is never drawn from one that is not.
  const MeanTest& t = r.test;
  if (!(std::isfinite(t.t_squared) && std::isfinite(t.f_statistic) && std::isfinite(t.p_value) &&
        t.mean.allFinite() && t.standard_error.allFinite() && t.z.allFinite()))
    throw IllPosedError("", "the test's statistics are not finite (T^2 = " + std::to_string(t.t_squared) +
                                ", p = " + std::to_string(t.p_value) + "), so there is no verdict");
  r.consistent = r.test.p_value >= options.alpha;
  return r;
}

namespace {

/// Everything a finite-MDP episode sampler needs, precomputed once.
struct FiniteModel {
  const FiniteProblem& problem;
  const FiniteSolution& solution;
  Eigen::VectorXd optimal_baseline;  // b*(s), when needed

  const FiniteMdp& mdp() const { return problem.mdp; }

  Index sample_action(Rng& rng, Index s) const { return rng.categorical(solution.policy.row(s), mdp().num_actions()); }

  Outcome sample_outcome(Rng& rng, Index s, Index a) const { return detail::sample_outcome(rng, mdp(), s, a); }

  Eigen::VectorXd score(Index s, Index a) const { return pgtruth::score(mdp(), problem.policy, solution.policy, s, a); }
  void score_into(Index s, Index a, Eigen::VectorXd& psi) const {
    pgtruth::score_into(mdp(), problem.policy, solution.policy, s, a, psi);
  }

  /// Σ_a ∇π(a|s) q(s, a): π(a|s) q(s, a) ψ(s, a) summed for softmax, the q row for direct policies.
  Eigen::VectorXd all_actions(Index s) const {
    Eigen::VectorXd g = Eigen::VectorXd::Zero(problem.policy.num_parameters());
    add_policy_derivative_at(mdp(), problem.policy, solution.policy, s, solution.q.row(s), g);
    return g;
  }
};

Eigen::VectorXd compute_optimal_baseline(const FiniteModel& m) {
  const Index S = m.mdp().num_states(), A = m.mdp().num_actions();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(S);
  for (Index s = 0; s < S; ++s) {
    if (m.mdp().is_terminal(s)) continue;
    double num = 0, den = 0;
    for (Index a = 0; a < A; ++a) {
      const double w = m.solution.policy(s, a) * score_squared_norm(m.mdp(), m.problem.policy, m.solution.policy, s, a);
      num += w * m.solution.q(s, a), den += w;
    }
    b(s) = den > 0 ? num / den : m.solution.v(s);
  }
  return b;
}

}  // namespace

long undiscounted_horizon(double gamma) {
  return gamma < 1.0 ? static_cast<long>(std::ceil(std::log(1e-12) / std::log(gamma))) : 0;
}

bool estimator_applies(const FiniteProblem& problem, Estimator e, std::string* why) {
  std::string reason;
  if (e == Estimator::dpg || e == Estimator::pathwise)
    reason = std::string("the estimator ") + estimator_name(e) + " applies to LQG problems only";
  else if (!problem.policy.is_softmax() && e != Estimator::all_actions)
    reason = std::string("the estimator ") + estimator_name(e) +
             " needs the score of a softmax policy; a direct policy supports all-actions only";
  else if (e == Estimator::visitation && problem.mdp.gamma == 1.0)
    reason = "the visitation estimator samples s ~ d by restarts with probability 1 - gamma, so it needs gamma < 1";
  if (why) *why = reason;
  return reason.empty();
}

EstimateSampler finite_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                                 const EstimatorOptions& options) {
  const FiniteMdp& mdp = problem.mdp;
  if (std::string why; !estimator_applies(problem, e, &why))
    throw InputError(e == Estimator::visitation ? "/gamma" : "/policy", why);
  auto model = std::make_shared<FiniteModel>(FiniteModel{problem, solution, {}});
  const StepNeeds need = needs(e);
  if (need.optimal_baseline) model->optimal_baseline = compute_optimal_baseline(*model);
  const Index dim = problem.policy.num_parameters();
  const double gamma = mdp.gamma;

  if (e == Estimator::visitation) {
    // s ~ d: follow the chain and stop with probability 1 - gamma before each step; an episode
    // that terminates first contributes 0, so the mean is sum_t gamma^t E[psi q] = gradient.
    return [model, dim, gamma](Rng& rng) -> Eigen::VectorXd {
      const FiniteMdp& m = model->mdp();
      for (Index s = detail::sample_start(rng, m); !m.is_terminal(s);) {
        const Index a = model->sample_action(rng, s);
        if (rng.uniform() >= gamma) return model->score(s, a) * (model->solution.q(s, a) / (1.0 - gamma));
        s = model->sample_outcome(rng, s, a).next;
      }
      return Eigen::VectorXd::Zero(dim);
    };
  }
  // reinforce-rtg-undiscounted runs full discounted episodes up to gamma^H <= 1e-12.
  const bool truncated = e == Estimator::reinforce_rtg_undiscounted;
  const long horizon = truncated && gamma < 1.0 ? undiscounted_horizon(gamma) : std::numeric_limits<long>::max();
  return [model, e, need, dim, gamma, truncated, horizon, options](Rng& rng) -> Eigen::VectorXd {
    const FiniteMdp& m = model->mdp();
    const FiniteSolution& sol = model->solution;
    // One buffer of steps per thread: a step's vectors keep their storage from episode to
    // episode, so a step allocates nothing. Each estimator sets every field it reads. A thread
    // keeps its buffer (as large as its longest episode) until it exits.
    thread_local std::vector<Step> buffer;
    std::size_t T = 0;
    for (Index s = detail::sample_start(rng, m); !m.is_terminal(s) && static_cast<long>(T) < horizon;) {
      const Index a = model->sample_action(rng, s);
      const Outcome& o = model->sample_outcome(rng, s, a);
      if (T == buffer.size()) buffer.emplace_back();
      Step& step = buffer[T++];
      step.reward = o.reward;
      if (e != Estimator::all_actions) model->score_into(s, a, step.score);
      if (need.values) step.v = sol.v(s), step.q = sol.q(s, a), step.v_next = sol.v(o.next);
      if (need.optimal_baseline) step.optimal_baseline = model->optimal_baseline(s);
      if (need.all_actions) step.all_actions = model->all_actions(s);
      if (!truncated && rng.uniform() >= gamma) break;  // stop with probability 1 - gamma
      s = o.next;
    }
    return episode_estimate(e, std::span<const Step>(buffer.data(), T), gamma, dim, options);
  };
}

CheckResult run_check(const std::string& name, const EstimateSampler& sample, const Eigen::VectorXd& truth,
                      const CheckOptions& options) {
  require_finite_truth(name, truth);
  const auto start = std::chrono::steady_clock::now();
  Eigen::MatrixXd means;
  try {
    means = sample_batch_means(sample, truth.size(), options);
  } catch (const IllPosedError& e) {  // name the estimator whose draw failed
    throw IllPosedError(e.pointer(), "estimator " + name + ": " + e.message());
  }
  CheckResult r = judge(name, means, options.episodes / means.rows(), truth, options);
  r.episodes = options.episodes;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.episodes_per_second = static_cast<double>(options.episodes) / std::max(r.seconds, 1e-9);
  return r;
}

CheckResult check_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                            const CheckOptions& options) {
  return run_check(estimator_name(e), finite_estimator(problem, solution, e, options.estimator), solution.gradient,
                   options);
}

CheckResult check_estimates(const Eigen::MatrixXd& estimates, const Eigen::VectorXd& truth, const CheckOptions& options) {
  require_finite_truth("estimates", truth);
  const long n = static_cast<long>(estimates.rows());
  for (long i = 0; i < n; ++i)
    if (!estimates.row(i).allFinite())
      throw InputError("", "row " + std::to_string(i) + " (counted from 0): " +
                               first_non_finite(estimates.row(i).transpose()) + ", not a finite number");
  const long B = options.batches ? std::min(options.batches, n) : std::min(n, default_batches(truth.size(), std::max(n, 20L)));
  // Each column is scaled by a power of two that brings its largest entry to [1/2, 1) before
  // the batch sums, which then cannot overflow; exact, so moderate columns are unchanged.
  const Eigen::Index d = estimates.cols();
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(d);
  for (Eigen::Index j = 0; j < d && n > 0; ++j)
    scale(j) = std::ldexp(1.0, std::min(1023, unit_scale_exponent(estimates.col(j).cwiseAbs().maxCoeff())));
  Eigen::MatrixXd means = Eigen::MatrixXd::Zero(B, d);
  for (long b = 0; b < B; ++b) {
    const long lo = b * n / B, hi = (b + 1) * n / B;
    means.row(b) = (estimates.middleRows(lo, hi - lo) * scale.asDiagonal()).colwise().mean().cwiseQuotient(scale.transpose());
  }
  CheckResult r = judge("estimates", means, n / B, truth, options);
  r.episodes = n;
  return r;
}

}  // namespace pgtruth
