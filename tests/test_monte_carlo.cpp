// J and the occupancy against Monte Carlo rollouts, within stated confidence bounds.
//
// Each comparison passes when |estimate - exact| <= 5 standard errors. For an unbiased
// estimate that fails with probability 5.7e-7 (normal tail), so even over the ~30
// comparisons below a false failure has probability < 2e-5; the seeds are fixed, so a run
// is reproducible. A bias of 1% of J is caught: the standard errors are ~0.1% of J.
#include <doctest/doctest.h>

#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

using namespace pgtruth;

TEST_CASE("Monte Carlo rollouts agree with J and the occupancy on every shipped case (5 standard errors)") {
  std::uint64_t seed = 1;
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem p = test::load_case(name);
    const FiniteSolution sol = solve(p.mdp, p.policy);
    const test::RolloutStatistics mc = test::roll_out(p, test::reference_policy(p), 200'000, seed++);
    CAPTURE(mc.mean_return);
    CAPTURE(mc.stderr_return);
    CHECK(std::abs(mc.mean_return - sol.J) <= 5.0 * mc.stderr_return);
    CHECK(mc.stderr_return < 0.01 * std::abs(sol.J));  // the test has the power it claims
    for (Eigen::Index s = 0; s < p.mdp.num_states(); ++s) {
      CAPTURE(s);
      if (mc.stderr_visits(s) == 0.0) CHECK(mc.mean_visits(s) == sol.occupancy(s));
      else CHECK(std::abs(mc.mean_visits(s) - sol.occupancy(s)) <= 5.0 * mc.stderr_visits(s));
    }
  }
}
