#pragma once
// Internal: a second core for the pairs of independent tasks of one solve (or of one
// generated problem, whose buffers are prefaulted by halves: parallel/prefault.hpp).
//
// A solve of a large finite MDP splits its phases in two: the policy's probabilities, the
// Bellman system and q by halves of the states; M^T by halves of M's rows; the coarse matrices
// of M and of M^T; the Krylov solves of M v = r_pi and M^T eta = start, and their residuals.
// At 10^4 states each phase takes a millisecond or less, too short to repay
// starting a thread for it: on the 2-core machine we measure on, a thread created then starts
// on its parent's core and may take it for a 4 ms scheduler tick, and waking a sleeping one
// takes 0.05 ms or 3 to 8 ms at random. So one helper thread serves the whole solve: it is
// started first, placed on another core than the caller's (it starts there in about 0.1 ms;
// it is then free to move), and between pairs it waits spinning, for at most kSpinSeconds,
// then blocking.
//
// Either thread may run either task of a pair: each claims the next unclaimed one, so a pair
// is done even if the helper never gets a core, and a task's arithmetic is the same whichever
// thread runs it. Callers split work into the same two tasks whether or not there is a helper,
// so results do not depend on the number of threads.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>

namespace pgtruth::detail {

class SecondCore {
 public:
  /// Starts the helper thread when `wanted`, two threads are allowed (omp_get_max_threads()
  /// >= 2, so OMP_NUM_THREADS=1 keeps everything on one thread) and another core is
  /// available; else run_both() runs the tasks one after the other on the calling thread.
  explicit SecondCore(bool wanted = true);
  /// Releases the helper and waits for it to end.
  ~SecondCore();
  SecondCore(const SecondCore&) = delete;
  SecondCore& operator=(const SecondCore&) = delete;

  /// Calls task(0) and task(1), once each, at the same time when the helper is there; returns
  /// when both have returned. An exception thrown by a task is rethrown here once both have
  /// returned (task(0)'s if both throw). Called from one thread at a time.
  void run_both(const std::function<void(int)>& task);

  /// Whether a helper thread was started.
  bool has_helper() const { return helper_ != nullptr; }

 private:
  struct Helper;
  /// Claims and runs the tasks of pair `pair` until none is left; false when that pair is gone.
  void run_claimed(std::uint64_t pair);

  const std::function<void(int)>* task_ = nullptr;
  /// The current pair's number times 4 plus how many of its tasks are claimed (0, 1 or 2).
  std::atomic<std::uint64_t> claims_{0};
  std::atomic<int> tasks_done_{0};
  std::exception_ptr failure_[2];  ///< what task(0) and task(1) of the current pair threw
  std::uint64_t pairs_posted_ = 0;
  std::unique_ptr<Helper> helper_;
};

/// Runs body(0, 0, n/2) and body(1, n/2, n), body(half, begin, end), as the two tasks of a
/// pair: the same two calls whether or not there is a helper.
void split_in_two(SecondCore& second_core, std::int64_t n,
                  const std::function<void(int half, std::int64_t begin, std::int64_t end)>& body);

}  // namespace pgtruth::detail
