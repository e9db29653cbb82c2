// The checker's false alarms over many seeds: a calibration matrix over shipped cases (light-
// and heavy-tailed, finite and LQG), every applicable unbiased estimator and small budgets,
// and the checker at real size (40 000 parameters) in bounded memory. The full matrix, with
// 100 seeds and budgets to 20 000, is tools/calibrate (docs/check-test.md).
#include <doctest/doctest.h>
#include <sys/resource.h>

#include "calibration/calibration.hpp"
#include "pgtruth/sampling/check.hpp"
#include "support.hpp"

using namespace pgtruth;

TEST_CASE("calibration matrix: no cell's false alarms exceed their binomial bound, nor does their total") {
  calibration::Plan plan;
  plan.cases = {test::case_path("two-state.json"), test::case_path("short-corridor.json"),
                test::case_path("sutton-barto-4x4.json"), test::case_path("machine-maintenance.json"),
                test::case_path("scalar-lqr-stochastic.json"), test::case_path("double-integrator-deterministic.json")};
#ifdef PGTRUTH_TESTS_UNDER_SANITIZERS
  plan.budgets = {1000};  // the same code, fewer draws: an episode is about 20 times slower here
  plan.seeds = 4;
#else
  plan.budgets = {1000, 4000};
  plan.seeds = 16;
#endif
  plan.alpha = 0.05;
  plan.cell_tail = 1e-5;  // about 100 cells: a calibrated checker fails this test with probability < 1e-3
  long alarms = 0, runs = 0, undecided = 0;
  const std::vector<calibration::Cell> cells = calibration::run(plan);
  for (const calibration::Cell& c : cells) {
    CAPTURE(calibration::format(c));
    CHECK(c.within());
    alarms += c.inconsistent, runs += c.seeds, undecided += c.undecided;
  }
  // All runs together: at most alpha of them when calibrated (the bound at tail 1e-4).
  MESSAGE(alarms << " false alarms and " << undecided << " undecided in " << runs << " checks at alpha 0.05");
  CHECK(alarms <= calibration::binomial_bound(runs, plan.alpha, 1e-4));
  CHECK(cells.size() >= 40);
  // Not vacuous: a checker that answered "undecided" to everything would pass the bounds above.
  CHECK(2 * undecided <= runs);
}

TEST_CASE("binomial_bound: the Binomial(200, 0.05) tail beyond 21 is below 1e-3, beyond 20 above") {
  CHECK(calibration::binomial_bound(200, 0.05, 1e-3) == 21);
  CHECK(calibration::binomial_bound(20, 0.05, 0.5) == 1);  // the median of Binomial(20, 0.05) is 1
}

namespace {

/// The process's peak resident set, in MB.
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

TEST_CASE("check at real size: a 10^4-state gridworld (40 000 parameters) in bounded memory, and a planted bug caught") {
  // Hotelling's T^2 would need a 40 000 x 40 000 covariance (12.8 GB); the test's memory is
  // O(threads x dim theta): the whole test process stays under 400 MB.
  const FiniteProblem p = test::load_case("gridworld-100x100.json");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  REQUIRE(p.policy.num_parameters() == 40000);
  CheckOptions options;
#ifdef PGTRUTH_TESTS_UNDER_SANITIZERS
  options.episodes = 4000;
#else
  options.episodes = 40000;
#endif
  options.seed = 3;
  const CheckResult right = check_estimator(p, sol, Estimator::reinforce_rtg, options);
  CHECK(right.verdict != Verdict::inconsistent);
  // Planted: reinforce-rtg with the score of the next action instead of the one taken.
  const Index A = p.mdp.num_actions();
  const SparseEstimateSampler wrong_action = [&](Rng& rng, SparseEstimate& out) {
    struct Visit {
      Index s, a;
      double r;
    };
    thread_local std::vector<Visit> episode;
    episode.clear();
    for (Index s = rng.categorical(p.mdp.start(), p.mdp.num_states()); !p.mdp.is_terminal(s);) {
      const Index a = rng.categorical(sol.policy.row(s), A);
      const auto outcomes = p.mdp.outcomes_of(s, a);
      const auto& o = outcomes[static_cast<std::size_t>(rng.categorical(
          [&](long i) { return outcomes[static_cast<std::size_t>(i)].probability; }, static_cast<long>(outcomes.size())))];
      episode.push_back({s, a, o.reward});
      if (rng.uniform() >= p.mdp.gamma()) break;
      s = o.next;
    }
    double G = 0.0;
    for (std::size_t t = episode.size(); t-- > 0;) {
      G += episode[t].r;
      const Index s = episode[t].s, wrong = (episode[t].a + 1) % A;
      for (Index b = 0; b < A; ++b) out.add(s * A + b, G * ((b == wrong ? 1.0 : 0.0) - sol.policy(s, b)));
    }
  };
  const CheckResult broken = judge("wrong action", sample_moments(wrong_action, sol.gradient, options), options);
#ifndef PGTRUTH_TESTS_UNDER_SANITIZERS
  CHECK(right.verdict == Verdict::consistent);
  CHECK(broken.verdict == Verdict::inconsistent);
#endif
  MESSAGE("right: " << std::string(verdict_name(right.verdict)) << ", the wrong action's score: "
                    << std::string(verdict_name(broken.verdict)) << "; peak RSS "
                    << peak_rss_mb() << " MB");
  CHECK(peak_rss_mb() < 400.0);
}
