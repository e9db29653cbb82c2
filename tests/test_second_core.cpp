// SecondCore, the helper thread that runs the two Krylov solves of the gradient at the same
// time: each task runs exactly once, on two threads at once when two are allowed and a second
// core is there, on the caller alone when one thread is allowed.
#include <doctest/doctest.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "second_core.hpp"

using pgtruth::detail::SecondCore;

namespace {

/// Waits until `flag` is set, for at most `seconds`; returns whether it was.
bool wait_for(const std::atomic<bool>& flag, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST_CASE("SecondCore: each task runs once, and both at the same time when a helper is there") {
  for (int repeat = 0; repeat < 50; ++repeat) {
    SecondCore second_core;
    std::atomic<int> runs[2] = {0, 0};
    std::atomic<bool> started[2] = {false, false};
    bool saw_other[2] = {false, false};
    std::thread::id runner[2];
    second_core.run_both([&](int k) {
      ++runs[k];
      runner[k] = std::this_thread::get_id();
      started[k] = true;
      // With a helper, the other task starts while this one runs (each thread holds one).
      if (second_core.has_helper()) saw_other[k] = wait_for(started[1 - k], 5.0);
    });
    CHECK(runs[0] == 1);
    CHECK(runs[1] == 1);
    if (second_core.has_helper()) {
      CHECK(saw_other[0]);
      CHECK(saw_other[1]);
      CHECK(runner[0] != runner[1]);
    }
  }
}

TEST_CASE("SecondCore: with one thread allowed, both tasks run on the caller") {
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  SecondCore second_core;
  omp_set_num_threads(threads);
  CHECK_FALSE(second_core.has_helper());
  std::thread::id runner[2];
  second_core.run_both([&](int k) { runner[k] = std::this_thread::get_id(); });
  CHECK(runner[0] == std::this_thread::get_id());
  CHECK(runner[1] == std::this_thread::get_id());
}

TEST_CASE("SecondCore: one never given a pair ends cleanly, whether its helper is spinning or blocked") {
  for (int repeat = 0; repeat < 20; ++repeat) SecondCore unused;
  SecondCore blocked;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past the helper's spinning
  std::atomic<int> runs = 0;
  blocked.run_both([&](int) { ++runs; });
  CHECK(runs == 2);
}
