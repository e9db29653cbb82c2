#pragma once
// Internal: a second core for a pair of independent tasks that come later.
//
// The two Krylov solves of the exact gradient (M v = r_pi and M^T eta = start) are independent
// and take a few milliseconds each at 10^4 states, too short to repay starting a thread when
// they are due: on the 2-core machine we measure on, a thread created then starts on its
// parent's core and may take it for a 4 ms scheduler tick, and waking a sleeping one takes
// 0.05 ms or 3 to 8 ms at random. So the helper is started before the setup that precedes the
// solves (the system, its transpose, the multigrid hierarchy), placed on another core than the
// caller's (it starts there in about 0.1 ms; it is then free to move), and waits for the pair
// spinning, for at most kSpinSeconds, then blocking.
//
// Either thread may run either task: each claims the next unclaimed one, so the pair is done
// even if the helper never gets a core, and a task's arithmetic is the same whichever thread
// runs it (results do not depend on the number of threads).
#include <atomic>
#include <functional>
#include <memory>

namespace pgtruth::detail {

class SecondCore {
 public:
  /// Starts the helper thread when two threads are allowed (omp_get_max_threads() >= 2, so
  /// OMP_NUM_THREADS=1 keeps everything on one thread) and another core is available; else
  /// run_both() runs the tasks one after the other on the calling thread.
  SecondCore();
  /// Releases the helper and waits for it to end.
  ~SecondCore();
  SecondCore(const SecondCore&) = delete;
  SecondCore& operator=(const SecondCore&) = delete;

  /// Calls task(0) and task(1), once each, at the same time when the helper is there; returns
  /// when both have returned. Once for each SecondCore. `task` must not throw.
  void run_both(const std::function<void(int)>& task);

  /// Whether a helper thread was started.
  bool has_helper() const { return helper_ != nullptr; }

 private:
  struct Helper;
  /// Claims and runs tasks until none is left.
  void run_claimed();

  const std::function<void(int)>* task_ = nullptr;
  std::atomic<int> next_task_{0};
  std::atomic<int> tasks_done_{0};
  std::unique_ptr<Helper> helper_;
};

}  // namespace pgtruth::detail
