#include "parallel/context.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace pgtruth::detail {
namespace {

/// How long a thread spins for what it waits for before it blocks: longer than the gaps between
/// the jobs of a solve at 10^4 states, short against the phases of problems large enough that a
/// blocked thread's slow wake-up does not matter.
constexpr double kSpinSeconds = 0.02;

void pause_briefly() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Waits until ready(word) holds, spinning for up to kSpinSeconds, then blocking on `word`
/// (whose writers notify it); returns the value that made it hold.
template <class T, class Ready>
T wait_until(const std::atomic<T>& word, Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSpinSeconds);
  bool blocking = false;
  T value;
  for (int spins = 1; !ready(value = word.load(std::memory_order_acquire)); ++spins) {
    if (blocking || ((spins & 1023) == 0 && (blocking = std::chrono::steady_clock::now() > deadline)))
      word.wait(value, std::memory_order_acquire);
    else
      pause_briefly();
  }
  return value;
}

}  // namespace

int resolve_threads(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

struct ExecutionContext::Helper {
  pthread_t thread{};
  cpu_set_t allowed{};  ///< the process's cores, given back to the helper once it runs
  ExecutionContext* owner = nullptr;

  static void* main(void* self) {
    auto& h = *static_cast<Helper*>(self);
    ExecutionContext& owner = *h.owner;
    sched_setaffinity(0, sizeof h.allowed, &h.allowed);  // placed away from the caller to start; free from now on
    for (std::uint64_t done_job = 0;;) {
      const std::uint64_t claims =
          wait_until(owner.claims_, [&](std::uint64_t c) { return (c >> kTaskBits) != done_job; });
      if (owner.quit_.load(std::memory_order_acquire)) return nullptr;
      done_job = claims >> kTaskBits;
      owner.run_claimed(done_job);
    }
  }
};

ExecutionContext::ExecutionContext(int threads) {
  const int wanted = resolve_threads(threads);
  if (wanted < 2) return;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) return;
  cpu_set_t elsewhere = allowed;
  const int here = sched_getcpu();
  if (here >= 0 && here < CPU_SETSIZE) CPU_CLR(here, &elsewhere);
  pthread_attr_t attributes;
  if (pthread_attr_init(&attributes) != 0) return;
  const bool placed = pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere) == 0;
  helpers_.reserve(static_cast<std::size_t>(wanted - 1));
  for (int i = 1; i < wanted && placed; ++i) {
    auto helper = std::make_unique<Helper>();
    helper->owner = this, helper->allowed = allowed;
    if (pthread_create(&helper->thread, &attributes, &Helper::main, helper.get()) != 0) break;  // go on with those started
    helpers_.push_back(std::move(helper));  // (reserved: does not throw)
  }
  pthread_attr_destroy(&attributes);
}

ExecutionContext::~ExecutionContext() {
  if (helpers_.empty()) return;
  quit_.store(true, std::memory_order_release);
  tasks_.store(0, std::memory_order_relaxed);
  claims_.store((jobs_posted_ + 1) << kTaskBits, std::memory_order_release);  // a job with nothing to claim
  claims_.notify_all();
  for (const auto& helper : helpers_) pthread_join(helper->thread, nullptr);
}

void ExecutionContext::run_claimed(std::uint64_t job) {
  constexpr std::uint64_t count = (std::uint64_t{1} << kTaskBits) - 1;
  for (std::uint64_t c = claims_.load(std::memory_order_acquire);
       (c >> kTaskBits) == job && static_cast<int>(c & count) < tasks_.load(std::memory_order_relaxed);) {
    // A claim of a job that has been replaced fails here: claims_ then holds another job.
    if (!claims_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    const int k = static_cast<int>(c & count);
    try {
      (*task_)(k);
    } catch (...) {
      failure_[static_cast<std::size_t>(k)] = std::current_exception();
    }
    tasks_done_.fetch_add(1, std::memory_order_release);
    tasks_done_.notify_one();
    c = claims_.load(std::memory_order_acquire);
  }
}

void ExecutionContext::run(int tasks, const std::function<void(int)>& task) {
  if (tasks <= 0) return;
  if (tasks >= (1 << kTaskBits)) throw std::invalid_argument("ExecutionContext::run: too many tasks");
  task_ = &task;
  tasks_.store(tasks, std::memory_order_relaxed);
  failure_.assign(static_cast<std::size_t>(tasks), nullptr);
  tasks_done_.store(0, std::memory_order_relaxed);
  const std::uint64_t job = ++jobs_posted_;
  claims_.store(job << kTaskBits, std::memory_order_release);  // publishes the job
  if (!helpers_.empty()) claims_.notify_all();
  run_claimed(job);
  // The tasks claimed by helpers are under way: wait for them.
  wait_until(tasks_done_, [tasks](int done) { return done == tasks; });
  for (const std::exception_ptr& failure : failure_)
    if (failure) std::rethrow_exception(failure);
}

void split_in_two(ExecutionContext& context, std::int64_t n,
                  const std::function<void(int half, std::int64_t begin, std::int64_t end)>& body) {
  const std::int64_t middle = n / 2;
  context.run_pair([&](int half) { half == 0 ? body(0, 0, middle) : body(1, middle, n); });
}

}  // namespace pgtruth::detail
