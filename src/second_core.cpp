#include "second_core.hpp"

#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <chrono>

namespace pgtruth::detail {
namespace {

/// How long the helper spins for the pair before it blocks: longer than the setup before the
/// solves at 10^4 states (about 5 ms), short against the setup of problems large enough that
/// a blocked helper's slow wake-up (up to 8 ms) does not matter.
constexpr double kSpinSeconds = 0.02;

enum : int { kWaiting = 0, kPosted = 1, kQuit = 2 };

void pause_briefly() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

struct SecondCore::Helper {
  pthread_t thread{};
  cpu_set_t allowed{};  ///< the process's cores, given back to the helper once it runs
  std::atomic<int> state{kWaiting};
  SecondCore* owner = nullptr;

  static void* main(void* self) {
    auto& h = *static_cast<Helper*>(self);
    // Placed away from the caller to start; free to move from now on.
    sched_setaffinity(0, sizeof h.allowed, &h.allowed);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSpinSeconds);
    for (int spins = 0; h.state.load(std::memory_order_acquire) == kWaiting; ++spins) {
      pause_briefly();
      if ((spins & 1023) == 0 && std::chrono::steady_clock::now() > deadline) {
        h.state.wait(kWaiting, std::memory_order_acquire);
        break;
      }
    }
    if (h.state.load(std::memory_order_acquire) == kPosted) h.owner->run_claimed();
    return nullptr;
  }
};

SecondCore::SecondCore() {
  if (omp_get_max_threads() < 2) return;
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
  int expected = kWaiting;
  helper_->state.compare_exchange_strong(expected, kQuit, std::memory_order_acq_rel);
  helper_->state.notify_one();
  pthread_join(helper_->thread, nullptr);
}

void SecondCore::run_claimed() {
  for (int k; (k = next_task_.fetch_add(1, std::memory_order_acq_rel)) < 2;) {
    (*task_)(k);
    tasks_done_.fetch_add(1, std::memory_order_release);
  }
}

void SecondCore::run_both(const std::function<void(int)>& task) {
  task_ = &task;
  if (helper_) {
    helper_->state.store(kPosted, std::memory_order_release);
    helper_->state.notify_one();
  }
  run_claimed();
  // The helper is running the other task (a claimed task is always under way): wait for it
  // spinning, as a blocked caller could take milliseconds to wake.
  while (tasks_done_.load(std::memory_order_acquire) < 2) pause_briefly();
}

}  // namespace pgtruth::detail
