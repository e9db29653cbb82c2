// The sampled estimators add their terms step by step, in memory independent of an episode's
// length (a block of 1024 steps and an eligibility trace across blocks). Each is compared,
// episode for episode on the same random stream, with the spec's formula computed the plain
// way: the episode stored whole, rewards-to-go and GAE advantages summed backwards.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

struct Visit {
  Index s, a, next;
  double r;
};

/// The episode the finite sampler draws from `rng`: start, then action, outcome and (unless
/// truncated) the stopping draw at each step, in the sampler's order.
std::vector<Visit> rollout(const FiniteProblem& p, const Eigen::MatrixXd& pi, Rng& rng, bool stop, long horizon) {
  std::vector<Visit> visits;
  Index s = rng.categorical(p.mdp.start(), p.mdp.num_states());
  while (!p.mdp.is_terminal(s) && static_cast<long>(visits.size()) < horizon) {
    const Index a = rng.categorical(pi.row(s), p.mdp.num_actions());
    const auto outcomes = p.mdp.outcomes_of(s, a);
    const auto& o = outcomes[static_cast<std::size_t>(
        rng.categorical([&](long i) { return outcomes[static_cast<std::size_t>(i)].probability; },
                        static_cast<long>(outcomes.size())))];
    visits.push_back({s, a, o.next, o.reward});
    if (stop && rng.uniform() >= p.mdp.gamma()) break;
    s = o.next;
  }
  return visits;
}

/// The spec's per-episode estimate of `e` from a stored episode, under early stopping (in-episode
/// sums) or, for reinforce-rtg-undiscounted, truncation (discounted sums).
Eigen::VectorXd plain_estimate(Estimator e, const FiniteProblem& p, const FiniteSolution& sol,
                               const std::vector<Visit>& v, double lambda) {
  const double gamma = p.mdp.gamma();
  const Eigen::MatrixXd& pi = sol.policy;
  const auto psi = [&](const Visit& x) -> Eigen::VectorXd {
    return test::reference_policy_derivative(p, pi, x.s, x.a) / pi(x.s, x.a);
  };
  const std::size_t T = v.size();
  std::vector<double> G(T + 1, 0.0), A(T + 1, 0.0);
  const double rtg_discount = e == Estimator::reinforce_rtg_undiscounted ? gamma : 1.0;
  for (std::size_t t = T; t-- > 0;) {
    G[t] = v[t].r + rtg_discount * G[t + 1];
    const double delta = v[t].r + gamma * sol.v(v[t].next) - sol.v(v[t].s);
    A[t] = delta + lambda * A[t + 1];
  }
  Eigen::VectorXd g = Eigen::VectorXd::Zero(p.policy.num_parameters());
  for (std::size_t t = 0; t < T; ++t) {
    const Visit& x = v[t];
    switch (e) {
      case Estimator::reinforce: g += G[0] * psi(x); break;
      case Estimator::reinforce_rtg:
      case Estimator::reinforce_rtg_undiscounted: g += G[t] * psi(x); break;
      case Estimator::baseline_value: g += (G[t] - sol.v(x.s)) * psi(x); break;
      case Estimator::qvalue: g += sol.q(x.s, x.a) * psi(x); break;
      case Estimator::advantage: g += (sol.q(x.s, x.a) - sol.v(x.s)) * psi(x); break;
      case Estimator::td0: g += (x.r + gamma * sol.v(x.next) - sol.v(x.s)) * psi(x); break;
      case Estimator::gae: g += A[t] * psi(x); break;
      case Estimator::all_actions:
        for (Index b = 0; b < p.mdp.num_actions(); ++b)
          g += sol.q(x.s, b) * test::reference_policy_derivative(p, pi, x.s, b);
        break;
      default: FAIL("not compared here");
    }
  }
  return g;
}

/// The shipped two-state case at discount `gamma` (1 − gamma then from the double).
FiniteProblem two_state_at(double gamma) {
  FiniteProblem p = test::load_case("two-state.json");
  p.mdp = p.mdp.with_gamma(gamma);
  return p;
}

/// Draws `episodes` episodes from the sampler and from rollout() on the same streams and
/// returns the largest difference relative to the largest entry; also the longest episode.
double largest_difference(Estimator e, const FiniteProblem& p, const FiniteSolution& sol, const EstimatorOptions& o,
                          long episodes, long* longest) {
  const SparseEstimateSampler sample = finite_estimator(p, sol, e, o);
  const bool truncated = e == Estimator::reinforce_rtg_undiscounted;
  const long horizon = truncated ? undiscounted_horizon(p.mdp.gamma()) : 1L << 40;
  SparseEstimate x(p.policy.num_parameters());
  double worst = 0.0;
  for (long k = 0; k < episodes; ++k) {
    Rng a(11, static_cast<std::uint64_t>(k)), b(11, static_cast<std::uint64_t>(k));
    x.clear();
    sample(a, x);
    const std::vector<Visit> v = rollout(p, sol.policy, b, !truncated, horizon);
    *longest = std::max(*longest, static_cast<long>(v.size()));
    const Eigen::VectorXd plain = plain_estimate(e, p, sol, v, o.lambda);
    const double scale = std::max(plain.cwiseAbs().maxCoeff(), 1.0);
    worst = std::max(worst, (x.values - plain).cwiseAbs().maxCoeff() / scale);
  }
  return worst;
}

}  // namespace

TEST_CASE("streamed estimates equal the spec's formulas on the stored episode, across many blocks of 1024 steps") {
  // gamma = 0.9995: episodes average 2000 steps and reach 10^4, so the trace carries terms across
  // many blocks. Tolerance: 1e-9 of the largest entry (sums of thousands of terms in another order).
  FiniteProblem p = two_state_at(0.9995);
  p.policy.theta << 0.3, -0.2, 0.1, 0.4;
  const FiniteSolution sol = solve(p.mdp, p.policy);
  for (const Estimator e : {Estimator::reinforce, Estimator::reinforce_rtg, Estimator::baseline_value,
                            Estimator::qvalue, Estimator::advantage, Estimator::td0, Estimator::gae,
                            Estimator::all_actions}) {
    for (const double lambda : {0.0, 0.9, 1.0}) {
      if (e != Estimator::gae && lambda != 0.9) continue;
      CAPTURE(std::string(estimator_name(e)));
      CAPTURE(lambda);
      EstimatorOptions o;
      o.lambda = lambda;
      long longest = 0;
      CHECK(largest_difference(e, p, sol, o, 60, &longest) <= 1e-9);
      CHECK(longest > 3 * 1024);
    }
  }
}

TEST_CASE("reinforce-rtg-undiscounted: its gamma-discounted rewards-to-go streamed over truncated episodes") {
  // gamma = 0.995: the truncation horizon is 5513 steps, six blocks.
  const FiniteProblem p = two_state_at(0.995);
  const FiniteSolution sol = solve(p.mdp, p.policy);
  long longest = 0;
  CHECK(largest_difference(Estimator::reinforce_rtg_undiscounted, p, sol, {}, 20, &longest) <= 1e-9);
  CHECK(undiscounted_horizon(0.995) == 5513);  // ceil(ln 1e-12 / ln 0.995)
  CHECK(longest == 5513);
  CHECK(longest > 5 * 1024);
}

TEST_CASE("an episode that reaches max_episode_steps ends the check with one line naming the cap and gamma") {
  const FiniteProblem p = two_state_at(0.999999999);
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CheckOptions options;
  options.episodes = 100;
  options.estimator.max_episode_steps = 100000;
  CHECK_THROWS_WITH_AS(check_estimator(p, sol, Estimator::reinforce, options),
                       doctest::Contains("an episode reached 100000 steps (the cap on one episode's length; with gamma = "
                                         "0.99999999900000003 an episode lasts up to 1e+09 steps on average)"),
                       IllPosedError);
}
