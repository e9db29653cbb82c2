// ExecutionContext, the threads of one call (src/parallel/context.hpp): threads = 1 runs every
// task on the caller and starts no thread; threads = n runs the tasks of a job on n threads at
// once, the caller and helpers; each task of each job runs exactly once; split_in_two covers its
// range once in the same two halves; a task's exception reaches the caller.
#include <doctest/doctest.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parallel/context.hpp"

using pgtruth::detail::ExecutionContext;

namespace {

/// Waits until `count` reaches `target`, for at most `seconds`; returns whether it did.
bool wait_for(const std::atomic<int>& count, int target, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (count.load() < target) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

/// Whether this process may run on two cores at once: ExecutionContext starts helpers only then.
bool two_cores_allowed() {
  cpu_set_t allowed;
  return std::thread::hardware_concurrency() >= 2 && sched_getaffinity(0, sizeof allowed, &allowed) == 0 &&
         CPU_COUNT(&allowed) >= 2;
}

/// The threads of this process now (the entries of /proc/self/task).
std::size_t threads_of_process() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace

TEST_CASE("ExecutionContext: threads = 1 starts no thread and runs every task on the caller") {
  const std::size_t before = threads_of_process();
  ExecutionContext context(1);
  CHECK(context.threads() == 1);
  std::vector<std::thread::id> runner(5);
  std::size_t during = 0;
  context.run(5, [&](int k) {
    runner[static_cast<std::size_t>(k)] = std::this_thread::get_id();
    during = std::max(during, threads_of_process());
  });
  for (const std::thread::id id : runner) CHECK(id == std::this_thread::get_id());
  CHECK(during == before);
}

TEST_CASE("ExecutionContext: threads = n runs a job's tasks on n threads at once, each task once") {
  if (!two_cores_allowed()) {
    MESSAGE("skipped: this process may run on one core only, where no helper thread is started");
    return;
  }
  for (const int threads : {2, 3}) {
    CAPTURE(threads);
    for (int repeat = 0; repeat < 5; ++repeat) {
      ExecutionContext context(threads);
      REQUIRE(context.threads() == threads);
      for (int job = 0; job < 10; ++job) {  // the same helpers serve job after job
        std::vector<std::atomic<int>> runs(static_cast<std::size_t>(threads));
        std::vector<std::thread::id> runner(static_cast<std::size_t>(threads));
        std::atomic<int> started = 0;
        std::atomic<int> saw_all = 0;
        context.run(threads, [&](int k) {
          ++runs[static_cast<std::size_t>(k)];
          runner[static_cast<std::size_t>(k)] = std::this_thread::get_id();
          ++started;
          // Each thread holds its task until all have started: only n threads at once get here.
          saw_all += wait_for(started, threads, 5.0);
        });
        for (const std::atomic<int>& r : runs) CHECK(r == 1);
        CHECK(saw_all == threads);
        CHECK(std::set<std::thread::id>(runner.begin(), runner.end()).size() == static_cast<std::size_t>(threads));
        CHECK(std::count(runner.begin(), runner.end(), std::this_thread::get_id()) == 1);
      }
    }
  }
}

TEST_CASE("split_in_two: every index below n covered once, in the same two halves on one thread or two") {
  for (const int threads : {1, 2}) {
    ExecutionContext context(threads);
    for (const std::int64_t n : {0, 1, 2, 7, 1000}) {
      std::vector<int> covered(static_cast<std::size_t>(n), 0);
      std::int64_t halves[2][2] = {{-1, -1}, {-1, -1}};
      pgtruth::detail::split_in_two(context, n, [&](int half, std::int64_t begin, std::int64_t end) {
        halves[half][0] = begin, halves[half][1] = end;
        for (std::int64_t i = begin; i < end; ++i) ++covered[static_cast<std::size_t>(i)];
      });
      CHECK(std::count(covered.begin(), covered.end(), 1) == n);
      CHECK(halves[0][0] == 0);
      CHECK(halves[0][1] == n / 2);
      CHECK(halves[1][0] == n / 2);
      CHECK(halves[1][1] == n);
    }
  }
}

TEST_CASE("ExecutionContext: one never given a job ends cleanly, whether its helpers are spinning or blocked") {
  for (int repeat = 0; repeat < 20; ++repeat) ExecutionContext unused(3);
  ExecutionContext blocked(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past the helpers' spinning
  std::atomic<int> runs = 0;
  blocked.run_pair([&](int) { ++runs; });
  CHECK(runs == 2);
}

TEST_CASE("ExecutionContext: a task's exception reaches the caller after all tasks have returned") {
  for (const int threads : {1, 2}) {
    ExecutionContext context(threads);
    for (const int thrower : {0, 1}) {
      std::atomic<bool> other_returned = false;
      const auto task = [&](int k) {
        if (k == thrower) throw std::runtime_error("task " + std::to_string(k));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // still running when the other throws
        other_returned = true;
      };
      CHECK_THROWS_WITH_AS(context.run_pair(task), ("task " + std::to_string(thrower)).c_str(), std::runtime_error);
      CHECK(other_returned);
    }
    // Several throw: the lowest task's exception; the next job runs as usual.
    CHECK_THROWS_WITH(context.run(3, [](int k) { throw std::runtime_error("task " + std::to_string(k)); }), "task 0");
    std::atomic<int> runs = 0;
    context.run_pair([&](int) { ++runs; });
    CHECK(runs == 2);
  }
}
