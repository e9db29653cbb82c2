// `pgtruth check` on estimates with constraints: a tabular softmax's components of one state sum
// to zero exactly in the truth and, in the user's code, to its rounding. Along such a direction
// the estimates vary by rounding alone; their t would be a ratio of rounding errors, so those
// statistics are not admitted (kRoundingLevel), while a real error is still caught.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>

#include "pgtruth/random.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/sampling/statistics.hpp"

namespace {

using pgtruth::Rng;

/// n estimates of a two-state, two-action tabular softmax gradient (theta[s, a], a state's two
/// components summing to zero), computed as float32 code would: each component rounded to
/// float, so that a state's pair sums to a rounding error of about 1e-8 of its size, with a
/// sign that does not average out.
Eigen::MatrixXd constrained_estimates(const Eigen::Vector4d& mu, long n, std::uint64_t seed) {
  Rng rng(seed, 0);
  Eigen::MatrixXd x(n, 4);
  for (long i = 0; i < n; ++i) {
    const double a = mu(0) + rng.normal(), b = mu(2) + 3.0 * rng.normal();
    const double big = 1.0 + 1e-7;  // the second component carries a one-sided rounding error
    x.row(i) << static_cast<float>(a), -static_cast<float>(a * big), static_cast<float>(b), -static_cast<float>(b * big);
  }
  return x;
}

}  // namespace

TEST_CASE("check: directions along which estimates vary by float32 rounding alone are not evidence") {
  const Eigen::Vector4d mu(0.75, -0.75, -1.5, 1.5);
  pgtruth::CheckOptions options;
  options.alpha = 0.01;
  int inconsistent = 0, rounding_level = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const pgtruth::CheckResult r = pgtruth::check_estimates(constrained_estimates(mu, 2000, seed), mu, options);
    inconsistent += r.verdict == pgtruth::Verdict::inconsistent;
    for (const pgtruth::StatisticReport& d : r.test.directions) rounding_level += d.at_rounding_level;
  }
  // Calibrated: P(Binomial(20, 0.01) > 2) < 1e-3. Before the rounding level, every seed was
  // inconsistent (t of order 1e3 along the all-ones direction).
  CHECK(inconsistent <= 2);
  CHECK(rounding_level > 0);  // the test meets such directions: the random sign vectors hit them
}

TEST_CASE("check: a real error of 0.06 on one constrained component is still caught") {
  const Eigen::Vector4d mu(0.75, -0.75, -1.5, 1.5);
  pgtruth::CheckOptions options;
  options.alpha = 0.01;
  Eigen::MatrixXd x = constrained_estimates(mu, 20000, 7);
  x.col(1).array() += 0.06;  // a bias of 0.06 on theta[0, 1], 8 per cent of its truth: about 8 standard errors
  const pgtruth::CheckResult r = pgtruth::check_estimates(x, mu, options);
  CHECK(r.verdict == pgtruth::Verdict::inconsistent);
}
