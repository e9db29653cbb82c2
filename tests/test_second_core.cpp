// SecondCore, the helper thread that runs the halves of a solve's phases and its two Krylov
// solves at the same time: each task of each pair runs exactly once, on two threads at once
// when two are allowed and a second core is there, on the caller alone when one thread is
// allowed; split_in_two covers its range once; a task's exception reaches the caller.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "parallel/second_core.hpp"

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

TEST_CASE("SecondCore: each task of each pair runs once, and both at the same time when a helper is there") {
  for (int repeat = 0; repeat < 10; ++repeat) {
    SecondCore second_core;
    for (int pair = 0; pair < 10; ++pair) {  // one helper serves pair after pair
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
}

TEST_CASE("split_in_two: every index below n covered once, in the same two halves with a helper or without") {
  for (const bool helper : {true, false}) {
    SecondCore second_core(helper);
    CHECK(second_core.has_helper() <= helper);
    for (const std::int64_t n : {0, 1, 2, 7, 1000}) {
      std::vector<int> covered(static_cast<std::size_t>(n), 0);
      std::int64_t halves[2][2] = {{-1, -1}, {-1, -1}};
      pgtruth::detail::split_in_two(second_core, n, [&](int half, std::int64_t begin, std::int64_t end) {
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

TEST_CASE("SecondCore: a task's exception reaches the caller after both tasks have returned") {
  for (const bool helper : {true, false}) {
    SecondCore second_core(helper);
    for (const int thrower : {0, 1}) {
      std::atomic<bool> other_returned = false;
      const auto task = [&](int k) {
        if (k == thrower) throw std::runtime_error("task " + std::to_string(k));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // still running when the other throws
        other_returned = true;
      };
      CHECK_THROWS_WITH_AS(second_core.run_both(task), ("task " + std::to_string(thrower)).c_str(),
                           std::runtime_error);
      CHECK(other_returned);
    }
    // Both throw: task(0)'s exception; the next pair runs as usual.
    CHECK_THROWS_WITH(second_core.run_both([](int k) { throw std::runtime_error("task " + std::to_string(k)); }),
                      "task 0");
    std::atomic<int> runs = 0;
    second_core.run_both([&](int) { ++runs; });
    CHECK(runs == 2);
  }
}
