#include "parallel/second_core.hpp"

#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>

namespace pgtruth::detail {
namespace {

/// How long the helper spins for the next pair before it blocks: longer than the gaps between
/// the pairs of a solve at 10^4 states (up to about 5 ms), short against the phases of problems
/// large enough that a blocked helper's slow wake-up (up to 8 ms) does not matter.
constexpr double kSpinSeconds = 0.02;

void pause_briefly() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

struct SecondCore::Helper {
  pthread_t thread{};
  cpu_set_t allowed{};  ///< the process's cores, given back to the helper once it runs
  std::atomic<bool> quit{false};
  SecondCore* owner = nullptr;

  static void* main(void* self) {
    auto& h = *static_cast<Helper*>(self);
    std::atomic<std::uint64_t>& claims = h.owner->claims_;
    // Placed away from the caller to start; free to move from now on.
    sched_setaffinity(0, sizeof h.allowed, &h.allowed);
    std::uint64_t done_pair = 0;
    for (;;) {
      // Wait for the next pair: spinning, then blocking.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSpinSeconds);
      std::uint64_t c;
      for (int spins = 1; ((c = claims.load(std::memory_order_acquire)) >> 2) == done_pair; ++spins) {
        pause_briefly();
        if ((spins & 1023) == 0 && std::chrono::steady_clock::now() > deadline) claims.wait(c, std::memory_order_acquire);
      }
      if (h.quit.load(std::memory_order_acquire)) return nullptr;
      done_pair = c >> 2;
      h.owner->run_claimed(done_pair);
    }
  }
};

SecondCore::SecondCore(bool wanted) {
  claims_.store(2);  // pair 0 has nothing to claim
  if (!wanted || omp_get_max_threads() < 2) return;
  auto helper = std::make_unique<Helper>();
  helper->owner = this;
  if (sched_getaffinity(0, sizeof helper->allowed, &helper->allowed) != 0) return;
  cpu_set_t elsewhere = helper->allowed;
  const int here = sched_getcpu();
  if (here >= 0 && here < CPU_SETSIZE) CPU_CLR(here, &elsewhere);
  if (CPU_COUNT(&elsewhere) == 0) return;  // one core: nothing to gain

  pthread_attr_t attributes;
  if (pthread_attr_init(&attributes) != 0) return;
  const bool started = pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere) == 0 &&
                       pthread_create(&helper->thread, &attributes, &Helper::main, helper.get()) == 0;
  pthread_attr_destroy(&attributes);
  if (started) helper_ = std::move(helper);
}

SecondCore::~SecondCore() {
  if (!helper_) return;
  helper_->quit.store(true, std::memory_order_release);
  claims_.store((pairs_posted_ + 1) * 4 + 2, std::memory_order_release);  // a pair with nothing to claim
  claims_.notify_one();
  pthread_join(helper_->thread, nullptr);
}

void SecondCore::run_claimed(std::uint64_t pair) {
  for (std::uint64_t c = claims_.load(std::memory_order_acquire); (c >> 2) == pair && (c & 3) < 2;) {
    if (!claims_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    const int task = static_cast<int>(c & 3);
    try {
      (*task_)(task);
    } catch (...) {
      failure_[task] = std::current_exception();
    }
    tasks_done_.fetch_add(1, std::memory_order_release);
    c = claims_.load(std::memory_order_acquire);
  }
}

void SecondCore::run_both(const std::function<void(int)>& task) {
  task_ = &task;
  failure_[0] = failure_[1] = nullptr;
  tasks_done_.store(0, std::memory_order_relaxed);
  const std::uint64_t pair = ++pairs_posted_;
  claims_.store(pair * 4, std::memory_order_release);  // publishes task_ and the count
  if (helper_) claims_.notify_one();
  run_claimed(pair);
  // The helper is running the other task (a claimed task is always under way): wait for it
  // spinning, as a blocked caller could take milliseconds to wake.
  while (tasks_done_.load(std::memory_order_acquire) < 2) pause_briefly();
  for (const std::exception_ptr& failure : failure_)
    if (failure) std::rethrow_exception(failure);
}

void split_in_two(SecondCore& second_core, std::int64_t n,
                  const std::function<void(int half, std::int64_t begin, std::int64_t end)>& body) {
  const std::int64_t middle = n / 2;
  second_core.run_both([&](int half) { half == 0 ? body(0, 0, middle) : body(1, middle, n); });
}

}  // namespace pgtruth::detail
