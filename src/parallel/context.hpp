#pragma once
// Internal: the threads of one call (a solve, a check), made from its `threads` option.
//
// ExecutionContext(threads) starts threads - 1 helper threads (none for 1) that wait for jobs:
// run(tasks, task) calls task(0) ... task(tasks - 1) once each, the caller and the helpers each
// claiming the next unclaimed task, and returns when all have returned. A task's arithmetic is
// the same whichever thread runs it, and callers split work into the same tasks whatever the
// number of threads, so results do not depend on it. A job is done even if no helper ever gets
// a core: the caller runs every task nobody has claimed.
//
// A finite solve's phases last a millisecond or less at 10^4 states, too short to repay waking a
// sleeping thread (that can take milliseconds): so helpers are started once per call, each on
// another core than the caller's (a new thread otherwise starts on its parent's core), and both
// helpers and caller wait spinning for kSpinSeconds before they block.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

namespace pgtruth::detail {

/// The number of threads an option `threads` asks for: itself, or every core for 0
/// (std::thread::hardware_concurrency(), at least 1).
int resolve_threads(int threads);

class ExecutionContext {
 public:
  /// Starts resolve_threads(threads) - 1 helpers: none for 1, nor when the process may run on
  /// one core only (helpers there would only take turns with the caller), and only as many as
  /// the system grants.
  explicit ExecutionContext(int threads);
  /// Releases the helpers and waits for them to end.
  ~ExecutionContext();
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  /// The threads that run tasks: the caller and the helpers started.
  int threads() const { return 1 + static_cast<int>(helpers_.size()); }

  /// Calls task(0), ..., task(tasks - 1) once each, on up to threads() threads at once; returns
  /// when all have returned. An exception thrown by a task is rethrown here once all have
  /// returned (the lowest task's if several throw). Called from one thread at a time.
  void run(int tasks, const std::function<void(int)>& task);

  /// run(2, task): the two tasks of a pair.
  void run_pair(const std::function<void(int)>& task) { run(2, task); }

 private:
  struct Helper;
  /// Claims and runs tasks of job `job` until none is left unclaimed.
  void run_claimed(std::uint64_t job);

  static constexpr int kTaskBits = 20;  ///< claims_ = job << kTaskBits | tasks claimed
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<int> tasks_{0};            ///< of the current job
  std::atomic<std::uint64_t> claims_{0};
  std::atomic<int> tasks_done_{0};
  std::vector<std::exception_ptr> failure_;  ///< what each task of the current job threw
  std::uint64_t jobs_posted_ = 0;
  std::atomic<bool> quit_{false};
  std::vector<std::unique_ptr<Helper>> helpers_;
};

/// Runs body(0, 0, n/2) and body(1, n/2, n), body(half, begin, end), as the two tasks of a
/// pair: the same two calls whatever the number of threads.
void split_in_two(ExecutionContext& context, std::int64_t n,
                  const std::function<void(int half, std::int64_t begin, std::int64_t end)>& body);

}  // namespace pgtruth::detail
