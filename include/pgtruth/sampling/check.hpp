#pragma once
/// \file
/// `pgtruth check`: run a sampled estimator and test its mean against the exact gradient
/// (pgtruth/sampling/statistics.hpp), or test estimates produced elsewhere.
///
/// Reproducibility: the episodes are split into work batches by their count alone; batch b
/// draws from Rng(seed, b) and batches are merged in order, so a result depends on the seed,
/// never on the number of threads. Memory: O(threads × dim θ), whatever the episodes' length.

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>

#include "pgtruth/sampling/estimators.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/random.hpp"
#include "pgtruth/threads.hpp"
#include "pgtruth/sampling/statistics.hpp"

namespace pgtruth {

/// Draws one estimate (usually one episode) from `rng`; must be safe to call from several threads.
using EstimateSampler = std::function<Eigen::VectorXd(Rng& rng)>;
/// The same, adding the estimate into `out` (all zero on entry) over the entries it touches.
using SparseEstimateSampler = std::function<void(Rng& rng, SparseEstimate& out)>;

struct CheckOptions {
  long episodes = 20000;
  std::uint64_t seed = 1;
  double alpha = 0.01;        ///< the test's false-alarm rate
  int threads = 0;            ///< 0: every core; at most kMaxThreads
  EstimatorOptions estimator;
  std::function<void(long done, long total)> progress;  ///< work batches done of total, as they are merged (one thread at a time)
  void validate() const;      ///< throws std::invalid_argument naming the bad option
};

struct CheckResult {
  std::string estimator;
  long episodes = 0;
  std::uint64_t seed = 0;
  double alpha = 0;
  Eigen::VectorXd truth;
  MeanTest test;
  Verdict verdict = Verdict::undecided;
  bool consistent = false;          ///< verdict == consistent
  double variance_per_episode = 0;  ///< trace of the covariance of one estimate; +inf beyond a double
  double log10_variance_per_episode = 0;  ///< its log10, finite even then (−inf when it is 0)
  double seconds = 0;
  double episodes_per_second = 0;
};

/// The work batches of `episodes` episodes: their count depends on the episodes alone.
long work_batches(long episodes);

/// The moments about `truth` of options.episodes draws of `sample`.
EstimateMoments sample_moments(const SparseEstimateSampler& sample, const Eigen::VectorXd& truth,
                               const CheckOptions& options);
EstimateMoments sample_moments(const EstimateSampler& sample, const Eigen::VectorXd& truth, const CheckOptions& options);

/// Tests the moments' mean against their truth at level options.alpha.
CheckResult judge(const std::string& name, const EstimateMoments& moments, const CheckOptions& options);

/// Draws options.episodes samples, judges their mean against `truth`, and times the run.
CheckResult run_check(const std::string& name, const SparseEstimateSampler& sample, const Eigen::VectorXd& truth,
                      const CheckOptions& options);
CheckResult run_check(const std::string& name, const EstimateSampler& sample, const Eigen::VectorXd& truth,
                      const CheckOptions& options);

/// The horizon at which `reinforce-rtg-undiscounted` truncates its episodes: the least H with
/// gamma^H <= 1e-12, or 0 (no truncation) when gamma = 1.
long undiscounted_horizon(double gamma);

/// The sampler of estimator `e` on a finite problem, with the exact critics of `solution`.
/// Throws InputError when `e` does not apply (visitation needs gamma < 1).
SparseEstimateSampler finite_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                                       const EstimatorOptions& options);

/// Runs estimator `e` on a finite problem and judges it against solution.gradient.
CheckResult check_estimator(const FiniteProblem& problem, const FiniteSolution& solution, Estimator e,
                            const CheckOptions& options);

/// Whether estimator `e` applies; when not, `why` says so (the samplers throw it as InputError).
bool estimator_applies(const FiniteProblem& problem, Estimator e, std::string* why = nullptr);
bool estimator_applies(const LqgProblem& problem, Estimator e, std::string* why = nullptr);

/// The sampler of estimator `e` on an LQG problem (γ < 1). Throws InputError when `e` does not
/// apply (score-based estimators need Σ ≻ 0; baseline-optimal is finite-only).
EstimateSampler lqg_estimator(const LqgProblem& problem, Estimator e, const EstimatorOptions& options);

/// Runs estimator `e` on an LQG problem and judges it against dJ/dK (flattened row-major).
CheckResult check_estimator(const LqgProblem& problem, const LqgSolution& solution, Estimator e,
                            const CheckOptions& options);

/// The upper triangle of a symmetric matrix, row by row (the entries `check_fisher` tests).
Eigen::VectorXd upper_triangle(const Eigen::MatrixXd& M);

/// Samples ψψᵀ at s ~ d, a ~ π and tests its mean against the exact Fisher matrix (upper
/// triangle) with the same test. Softmax policies, γ < 1, at most
/// kMaxDenseFisherParameters parameters; otherwise throws InputError.
CheckResult check_fisher(const FiniteProblem& problem, const FiniteSolution& solution, const CheckOptions& options);

/// Judges estimates produced elsewhere, one per row (independent draws; EstimateRows in
/// statistics.hpp). A column-major argument is copied into rows first. The rows are split into
/// blocks by their count and dimension alone; blocks run on options.threads threads and are
/// merged in order, so the report is the same bits for any number of threads.
CheckResult check_estimates(const Eigen::Ref<const EstimateRows>& estimates, const Eigen::VectorXd& truth,
                            const CheckOptions& options);

}  // namespace pgtruth
