// Results are the same bits for any number of threads (the `threads` option of
// FiniteSolveOptions and LqgSolveOptions): the finite solve on its direct and iterative paths and
// the LQG solve, at threads = 1, 2 and 3. threads = 1 runs everything on the calling thread (no
// helper, one OpenMP thread); 2 and 3 split the finite solve's phases over two threads and
// Eigen's dense products over two or three.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <thread>

#include "random_lqg.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/lyapunov.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

/// Whether a and b hold the same doubles, bit for bit (NaNs included).
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.derived().data(), b.derived().data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void note_if_one_core() {
  if (std::thread::hardware_concurrency() < 2)
    MESSAGE("this machine has one core: threads = 2 and 3 run on it time-sliced, the comparison still holds");
}

/// Solves p at threads = 1, 2 and 3 with `options` and requires the same bits for every result.
void check_finite(const FiniteProblem& p, FiniteSolveOptions options) {
  options.threads = 1;
  const FiniteSolution one = solve(p.mdp, p.policy, options);
  for (const int threads : {2, 3}) {
    CAPTURE(threads);
    options.threads = threads;
    const FiniteSolution s = solve(p.mdp, p.policy, options);
    CHECK(s.summary.method == one.summary.method);
    CHECK(s.summary.iterations == one.summary.iterations);
    CHECK(same_bits(s.v, one.v));
    CHECK(same_bits(s.q, one.q));
    CHECK(same_bits(s.occupancy, one.occupancy));
    CHECK(same_bits(s.gradient, one.gradient));
    CHECK(same_bits(s.J, one.J));
    CHECK(same_bits(s.summary.bellman_residual, one.summary.bellman_residual));
    CHECK(same_bits(s.summary.gradient_error, one.summary.gradient_error));
    // The other error bounds, where both have them.
    for (const auto bound : {&LinearSolveSummary::J_error, &LinearSolveSummary::q_error,
                             &LinearSolveSummary::advantage_error, &LinearSolveSummary::expected_length_error,
                             &LinearSolveSummary::visitation_error, &LinearSolveSummary::fisher_error,
                             &LinearSolveSummary::natural_gradient_error}) {
      REQUIRE((s.summary.*bound).has_value() == (one.summary.*bound).has_value());
      if ((s.summary.*bound).has_value()) CHECK(same_bits(*(s.summary.*bound), *(one.summary.*bound)));
    }
    REQUIRE(s.natural_gradient.has_value() == one.natural_gradient.has_value());
    if (s.natural_gradient) CHECK(same_bits(*s.natural_gradient, *one.natural_gradient));
  }
}

}  // namespace

TEST_CASE("threads: the finite solve's direct path gives the same bits on 1, 2 and 3 threads") {
  note_if_one_core();
  FiniteSolveOptions options;  // 10^4 states: the phases are split in two, then one sparse LU
  options.linear_solver = LinearSolver::direct;
  check_finite(test::load_case("gridworld-100x100.json"), options);
  check_finite(test::load_case("slippery-gridworld.json"), FiniteSolveOptions{});  // small: Fisher, natural gradient
}

TEST_CASE("threads: the finite solve's multigrid path gives the same bits on 1, 2 and 3 threads") {
  note_if_one_core();
  FiniteProblem p = test::parse_finite(R"({
    "problem": "finite", "gamma": 0.99,
    "generator": {"type": "gridworld", "width": 100, "height": 100, "slip": 0.1, "step_reward": -1},
    "policy": {"type": "softmax", "features": "tabular", "theta": 0}})");
  std::mt19937_64 rng(3);  // random logits: the chain drifts, M is far from symmetric
  std::normal_distribution<double> normal(0.0, 1.0);
  for (Eigen::Index i = 0; i < p.policy.theta.size(); ++i) p.policy.theta(i) = normal(rng);
  FiniteSolveOptions options;  // automatic: 10^4 unknowns are beyond iterative_above
  check_finite(p, options);
  REQUIRE(solve(p.mdp, p.policy, options).summary.method.find("multigrid") != std::string::npos);
}

TEST_CASE("threads: the LQG solve gives the same bits on 1, 2 and 3 threads") {
  note_if_one_core();
  // n = 100 and 300: Eigen's products are split over threads from about n = 50 on, and its
  // blocking of the inner dimension changes beyond about 250 (the optimum at n = 100 only).
#ifdef PGTRUTH_TESTS_UNDER_SANITIZERS
  const Eigen::Index sizes[] = {100};
#else
  const Eigen::Index sizes[] = {100, 300};
#endif
  for (const Eigen::Index n : sizes) {
    CAPTURE(n);
    const LqgProblem p = bench::random_stable_lqg(n, 1);
    LqgSolveOptions options;
    options.compute_optimal = n <= 100;
    options.threads = 1;
    const LqgSolution one = solve(p, options);
    for (const int threads : {2, 3}) {
      CAPTURE(threads);
      options.threads = threads;
      const LqgSolution s = solve(p, options);
      CHECK(same_bits(s.J, one.J));
      CHECK(same_bits(s.P, one.P));
      CHECK(same_bits(s.q_matrix, one.q_matrix));
      CHECK(same_bits(s.state_moment, one.state_moment));
      CHECK(same_bits(s.gradient, one.gradient));
      REQUIRE(s.natural_gradient.has_value() == one.natural_gradient.has_value());
      if (s.natural_gradient) CHECK(same_bits(*s.natural_gradient, *one.natural_gradient));
      REQUIRE(s.optimal.has_value() == one.optimal.has_value());
      if (s.optimal) CHECK(same_bits(s.optimal->K, one.optimal->K));
    }
  }
}

TEST_CASE("threads: solve options refuse a thread count outside [0, kMaxThreads]") {
  FiniteSolveOptions finite;
  LqgSolveOptions lqg;
  for (const int threads : {0, 1, kMaxThreads}) {
    finite.threads = lqg.threads = threads;
    CHECK_NOTHROW(finite.validate());
    CHECK_NOTHROW(lqg.validate());
  }
  for (const int threads : {-1, kMaxThreads + 1}) {
    finite.threads = lqg.threads = threads;
    CHECK_THROWS_WITH_AS(finite.validate(), "FiniteSolveOptions::threads must be in [0, 1024] (0: every core)",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(lqg.validate(), "LqgSolveOptions::threads must be in [0, 1024] (0: every core)",
                         std::invalid_argument);
  }
}
