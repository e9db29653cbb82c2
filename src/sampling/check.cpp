#include "pgtruth/sampling/check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel/context.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

void CheckOptions::validate() const {
  if (episodes < 2) throw std::invalid_argument("episodes must be at least 2");
  if (!(alpha > 0.0 && alpha < 1.0)) throw std::invalid_argument("alpha must be in (0, 1)");
  if (threads < 0 || threads > kMaxThreads)
    throw std::invalid_argument("threads must be from 1 to " + std::to_string(kMaxThreads) + " (0: every core)");
  if (!(estimator.lambda >= 0.0 && estimator.lambda <= 1.0)) throw std::invalid_argument("lambda must be in [0, 1]");
  if (estimator.max_episode_steps < 1) throw std::invalid_argument("max_episode_steps must be at least 1");
}

long work_batches(long episodes) { return std::min<long>(episodes, std::max<long>(64, episodes / 100000)); }

namespace {

/// Entry i and its value, as words, for the first non-finite entry of x.
std::string first_non_finite(const Eigen::VectorXd& x) {
  Eigen::Index i = 0;
  while (i < x.size() && std::isfinite(x(i))) ++i;
  return "entry " + std::to_string(i) + " of the estimate is " + (std::isnan(x(i)) ? "nan" : x(i) > 0 ? "inf" : "-inf");
}

/// The first entry of x's support that is not finite, as words, or "".
std::string first_non_finite(const SparseEstimate& x) {
  for (const Eigen::Index i : x.support)
    if (!std::isfinite(x.values(i)))
      return "entry " + std::to_string(i) + " of the estimate is " +
             (std::isnan(x.values(i)) ? "nan" : x.values(i) > 0 ? "inf" : "-inf");
  return "";
}

}  // namespace

EstimateMoments sample_moments(const SparseEstimateSampler& sample, const Eigen::VectorXd& truth,
                               const CheckOptions& options) {
  options.validate();
  const Eigen::Index dim = truth.size();
  const long B = work_batches(options.episodes);
  const auto first = [&](long b) { return b * (options.episodes / B) + std::min(b, options.episodes % B); };
  const auto directions = std::make_shared<const Directions>(truth);
  EstimateMoments total(truth, directions);
  // Batches are merged in order: a worker that finishes batch b waits until b − 1 is merged.
  // A failure in batch b stops the batches after b; the failure reported is that of the
  // lowest batch, so the message does not depend on the threads' timing.
  std::mutex lock;
  std::condition_variable merged_cv;
  long merged = 0, next = 0, failed = B;
  std::exception_ptr failure;
  const auto work = [&] {
    EstimateMoments local(truth, directions);
    SparseEstimate x(dim);
    for (;;) {
      long b;
      {
        const std::lock_guard<std::mutex> guard(lock);
        if (next >= failed) return;
        b = next++;
      }
      try {
        local.clear();
        Rng rng(options.seed, static_cast<std::uint64_t>(b));
        for (long e = first(b); e < first(b + 1); ++e) {
          sample(rng, x);
          if (const std::string bad = first_non_finite(x); !bad.empty())
            throw IllPosedError("", "seed " + std::to_string(options.seed) + ", batch " + std::to_string(b) +
                                        ", episode " + std::to_string(e - first(b)) + " (counted from 0): " + bad +
                                        "; the sampled returns or scores overflow a double");
          local.add(x);
          x.clear();
        }
      } catch (...) {
        x.clear();
        const std::lock_guard<std::mutex> guard(lock);
        if (b < failed) failed = b, failure = std::current_exception();
        merged_cv.notify_all();
        return;
      }
      std::unique_lock<std::mutex> guard(lock);
      merged_cv.wait(guard, [&] { return merged == b || failed < b; });
      if (failed < b) return;
      total.merge(local);
      ++merged;
      if (options.progress) options.progress(merged, B);
      merged_cv.notify_all();
    }
  };
  // One worker a thread, each taking batches until none is left.
  detail::ExecutionContext context(static_cast<int>(std::min<long>(detail::resolve_threads(options.threads), B)));
  context.run(context.threads(), [&](int) { work(); });
  if (failure) std::rethrow_exception(failure);
  return total;
}

EstimateMoments sample_moments(const EstimateSampler& sample, const Eigen::VectorXd& truth, const CheckOptions& options) {
  const Eigen::Index dim = truth.size();
  return sample_moments(
      [&sample, dim](Rng& rng, SparseEstimate& out) {
        const Eigen::VectorXd x = sample(rng);
        if (x.size() != dim) throw std::logic_error("an estimate has the wrong dimension");
        out.set_dense(x);
      },
      truth, options);
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

CheckResult judge(const std::string& name, const EstimateMoments& moments, const CheckOptions& options) {
  require_finite_truth(name, moments.truth());
  CheckResult r;
  r.estimator = name;
  r.seed = options.seed;
  r.alpha = options.alpha;
  r.truth = moments.truth();
  r.episodes = moments.count();
  r.test = test_mean(moments, options.alpha);
  r.variance_per_episode = r.test.variance_trace;
  r.log10_variance_per_episode = r.test.log10_variance_trace;
  // Every statistic is finite by construction; a verdict is never drawn from one that is not.
  const MeanTest& t = r.test;
  if (!(std::isfinite(t.p_value) && t.mean.allFinite() && t.standard_error.allFinite() && t.z.allFinite()))
    throw IllPosedError("", "the test's statistics are not finite (p = " + std::to_string(t.p_value) +
                                "; a mean or a standard error beyond the largest double), so there is no verdict");
  r.verdict = t.verdict;
  r.consistent = t.verdict == Verdict::consistent;
  return r;
}

CheckResult run_check(const std::string& name, const SparseEstimateSampler& sample, const Eigen::VectorXd& truth,
                      const CheckOptions& options) {
  require_finite_truth(name, truth);
  const auto start = std::chrono::steady_clock::now();
  CheckResult r;
  try {
    r = judge(name, sample_moments(sample, truth, options), options);
  } catch (const IllPosedError& e) {  // name the estimator whose draw failed
    throw IllPosedError(e.pointer(), "estimator " + name + ": " + e.message());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.episodes_per_second = static_cast<double>(options.episodes) / std::max(r.seconds, 1e-9);
  return r;
}

CheckResult run_check(const std::string& name, const EstimateSampler& sample, const Eigen::VectorXd& truth,
                      const CheckOptions& options) {
  const Eigen::Index dim = truth.size();
  return run_check(
      name,
      SparseEstimateSampler([&sample, dim](Rng& rng, SparseEstimate& out) {
        const Eigen::VectorXd x = sample(rng);
        if (x.size() != dim) throw std::logic_error("an estimate has the wrong dimension");
        out.set_dense(x);
      }),
      truth, options);
}

namespace {
constexpr Eigen::Index kChunkValues = Eigen::Index{1} << 18;  // values in a block of rows (a task), at least 64 rows
}

CheckResult check_estimates(const Eigen::Ref<const EstimateRows>& estimates, const Eigen::VectorXd& truth,
                            const CheckOptions& options) {
  require_finite_truth("estimates", truth);
  if (options.threads < 0 || options.threads > kMaxThreads)
    throw std::invalid_argument("threads must be from 1 to " + std::to_string(kMaxThreads) + " (0: every core)");
  const long n = static_cast<long>(estimates.rows());
  const auto refuse_row = [&](long i) {
    throw InputError("", "row " + std::to_string(i) + " (counted from 0): " +
                             first_non_finite(estimates.row(i).transpose()) + ", not a finite number");
  };
  if (n < 2) {
    for (long i = 0; i < n; ++i)
      if (!estimates.row(i).allFinite()) refuse_row(i);
    throw InputError("", "found " + std::to_string(n) + " estimates; the test needs at least 2");
  }
  // Blocks of rows fixed by n and d alone, merged in order: the same sums for any threads.
  const long per_block = std::max<long>(64, static_cast<long>(kChunkValues / std::max<Eigen::Index>(truth.size(), 1)));
  const long B = (n + per_block - 1) / per_block;
  const auto directions = std::make_shared<const Directions>(truth);
  EstimateMoments total(truth, directions);
  // Block b is merged after b − 1; a block finished early waits in `pending` while its thread
  // goes on (a few per thread at most), so one slow thread does not hold the others. The lowest
  // row that is not finite is the one reported, however the blocks were shared.
  const long threads = std::min<long>(detail::resolve_threads(options.threads), B);
  std::mutex lock;
  std::condition_variable merged_cv;
  std::map<long, std::unique_ptr<EstimateMoments>> pending;
  std::vector<std::unique_ptr<EstimateMoments>> spare;
  long merged = 0, next = 0, failed = B, failed_row = n;
  const auto work = [&] {
    std::unique_ptr<EstimateMoments> local;
    for (;;) {
      long b;
      {
        std::unique_lock<std::mutex> guard(lock);
        merged_cv.wait(guard, [&] { return static_cast<long>(pending.size()) < 2 * threads || next >= failed; });
        if (next >= failed) return;
        b = next++;
        if (!local && !spare.empty()) local = std::move(spare.back()), spare.pop_back();
      }
      if (!local) local = std::make_unique<EstimateMoments>(truth, directions);
      const long first = b * per_block, rows = std::min(per_block, n - first);
      local->clear();
      const long added = static_cast<long>(local->add_rows(estimates.middleRows(first, rows)));
      const std::lock_guard<std::mutex> guard(lock);
      if (added < rows) {
        if (b < failed) failed = b, failed_row = first + added;
      } else if (b < failed) {
        pending.emplace(b, std::move(local));
        for (auto i = pending.begin(); i != pending.end() && i->first == merged; i = pending.erase(i)) {
          total.merge(*i->second);
          spare.push_back(std::move(i->second));
          ++merged;
        }
      }
      merged_cv.notify_all();
    }
  };
  detail::ExecutionContext context(static_cast<int>(threads));
  context.run(context.threads(), [&](int) { work(); });
  if (failed_row < n) refuse_row(failed_row);
  return judge("estimates", total, options);
}

}  // namespace pgtruth
