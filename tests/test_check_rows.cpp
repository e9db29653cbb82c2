// check_estimates reads the rows in blocks, column by column, on several threads: its report
// must not depend on the threads, must agree with the row-by-row accumulation, and must still
// refuse the first row that is not finite.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "pgtruth/error.hpp"
#include "pgtruth/random.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/sampling/statistics.hpp"

namespace {

using pgtruth::CheckOptions;
using pgtruth::CheckResult;
using pgtruth::EstimateRows;
using pgtruth::Rng;

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same_bits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!same_bits(a(i), b(i))) return false;
  return true;
}

bool same_statistic(const pgtruth::StatisticReport& a, const pgtruth::StatisticReport& b) {
  return a.name == b.name && same_bits(a.mean_deviation, b.mean_deviation) && same_bits(a.standard_error, b.standard_error) &&
         same_bits(a.t, b.t) && same_bits(a.skewness, b.skewness) && same_bits(a.kurtosis, b.kurtosis) &&
         same_bits(a.p_value, b.p_value) && a.admitted == b.admitted && a.at_rounding_level == b.at_rounding_level;
}

/// n × d normal estimates about mu (column j scaled by j + 1), with huge rows: every 97th row is
/// 1e300 times larger, and in the last column, whose truth is -1e308, entries near ±1e308 so
/// that x − μ overflows.
EstimateRows wild_estimates(const Eigen::VectorXd& mu, long n, std::uint64_t seed) {
  Rng rng(seed, 0);
  const Eigen::Index d = mu.size();
  EstimateRows x(n, d);
  for (long i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j + 1 < d; ++j) x(i, j) = mu(j) + static_cast<double>(j + 1) * rng.normal();
    x(i, d - 1) = (i % 5 == 0 ? 1.0 : -1.0) * 1e308 * (0.5 + 0.1 * std::abs(rng.normal()));
    if (i % 97 == 3) x.row(i).head(d - 1) *= 1e300;
  }
  return x;
}

/// The moments of the rows added one at a time (EstimateMoments::add).
pgtruth::EstimateMoments row_by_row(const EstimateRows& x, const Eigen::VectorXd& mu) {
  pgtruth::EstimateMoments m(mu);
  for (Eigen::Index i = 0; i < x.rows(); ++i) m.add(Eigen::VectorXd(x.row(i).transpose()));
  return m;
}

double relative(double a, double b) { return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-300}); }

}  // namespace

/// n × d normal estimates about mu, column j scaled by j + 1: the blocks' usual path.
EstimateRows tame_estimates(const Eigen::VectorXd& mu, long n, std::uint64_t seed) {
  Rng rng(seed, 0);
  EstimateRows x(n, mu.size());
  for (long i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < mu.size(); ++j) x(i, j) = mu(j) + static_cast<double>(j + 1) * rng.normal();
  return x;
}

TEST_CASE("check_estimates: the same bits at 1, 2 and 3 threads, huge rows included") {
  for (const bool huge : {false, true}) {
    CAPTURE(huge);
    Eigen::VectorXd mu = Eigen::VectorXd::LinSpaced(37, -1.0, 2.0);
    if (huge) mu(36) = -1e308;
    const EstimateRows x = huge ? wild_estimates(mu, 50000, 7) : tame_estimates(mu, 50000, 7);  // 8 blocks of rows
    CheckOptions options;
    options.threads = 1;
    const CheckResult one = pgtruth::check_estimates(x, mu, options);
    REQUIRE(one.test.directions.size() == 9);
    for (const int threads : {2, 3}) {
      CAPTURE(threads);
      options.threads = threads;
      const CheckResult r = pgtruth::check_estimates(x, mu, options);
      CHECK(same_bits(r.test.p_value, one.test.p_value));
      CHECK(r.verdict == one.verdict);
      CHECK(same_bits(r.test.mean, one.test.mean));
      CHECK(same_bits(r.test.standard_error, one.test.standard_error));
      CHECK(same_bits(r.test.z, one.test.z));
      CHECK(same_bits(r.variance_per_episode, one.variance_per_episode));
      CHECK(same_bits(r.log10_variance_per_episode, one.log10_variance_per_episode));
      CHECK(r.test.coordinates_admitted == one.test.coordinates_admitted);
      CHECK(r.test.coordinates_varying == one.test.coordinates_varying);
      CHECK(same_statistic(r.test.worst, one.test.worst));
      for (std::size_t k = 0; k < one.test.directions.size(); ++k) {
        CAPTURE(k);
        CHECK(same_statistic(r.test.directions[k], one.test.directions[k]));
      }
    }
  }
}

TEST_CASE("check_estimates: the blocks' statistics are the row-by-row ones, to rounding") {
  // The block kernel sums a row's projections in another order than EstimateMoments::add and
  // merges blocks' sums; the figures agree to rounding, including the huge rows and columns.
  for (const bool huge : {false, true})
  for (const long n : {2L, 150L, 5000L}) {
    CAPTURE(huge);
    CAPTURE(n);
    Eigen::VectorXd mu = Eigen::VectorXd::LinSpaced(37, -1.0, 2.0);
    if (huge) mu(36) = -1e308;
    const EstimateRows x = huge ? wild_estimates(mu, n, 11) : tame_estimates(mu, n, 11);
    const CheckResult blocks = pgtruth::check_estimates(x, mu, CheckOptions{});
    const pgtruth::MeanTest rows = pgtruth::test_mean(row_by_row(x, mu), CheckOptions{}.alpha);
    CHECK(relative(blocks.test.p_value, rows.p_value) <= 1e-9);
    CHECK(blocks.verdict == rows.verdict);
    CHECK(blocks.test.coordinates_admitted == rows.coordinates_admitted);
    for (Eigen::Index j = 0; j < mu.size(); ++j) {
      CAPTURE(j);
      CHECK(relative(blocks.test.mean(j), rows.mean(j)) <= 1e-12);
      CHECK(relative(blocks.test.standard_error(j), rows.standard_error(j)) <= 1e-9);
    }
    REQUIRE(blocks.test.directions.size() == rows.directions.size());
    for (std::size_t k = 0; k < rows.directions.size(); ++k) {
      CAPTURE(k);
      CHECK(relative(blocks.test.directions[k].t, rows.directions[k].t) <= 1e-9);
      // Skewness is dimensionless, and 0 up to rounding for two values: compared absolutely below 1.
      CHECK(std::abs(blocks.test.directions[k].skewness - rows.directions[k].skewness) <=
            1e-9 * std::max(1.0, std::abs(rows.directions[k].skewness)));
      CHECK(blocks.test.directions[k].admitted == rows.directions[k].admitted);
    }
  }
}

TEST_CASE("check_estimates: the first row that is not finite is named, at any number of threads") {
  const Eigen::VectorXd mu = Eigen::VectorXd::Zero(37);
  EstimateRows x = wild_estimates(Eigen::VectorXd::Zero(37), 20000, 3);
  x(15000, 4) = std::numeric_limits<double>::infinity();
  x(3001, 20) = std::numeric_limits<double>::quiet_NaN();
  x(3001, 30) = std::numeric_limits<double>::infinity();
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    CheckOptions options;
    options.threads = threads;
    std::string message;
    try {
      pgtruth::check_estimates(x, mu, options);
    } catch (const pgtruth::InputError& e) {
      message = e.message();
    }
    CHECK(message == "row 3001 (counted from 0): entry 20 of the estimate is nan, not a finite number");
  }
}
