// The check's inner loops (src/sampling/row_kernels.hpp): each does what its comment says,
// checked against plain scalar loops, and the AVX2 loops give the baseline's bits.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "pgtruth/random.hpp"
#include "sampling/row_kernels.hpp"

namespace {

using pgtruth::detail::kProjections;
using pgtruth::detail::RowBlock;
using pgtruth::detail::RowKernels;
using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  return true;
}

/// Normal rows with columns of scales from 1e-3 to 1e3, and a few entries 1e200 times larger.
Rows rows_of(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
  pgtruth::Rng rng(seed, 0);
  Rows x(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = std::pow(10.0, static_cast<double>(j % 7) - 3.0) * rng.normal();
  if (n > 3 && d > 2) x(3, d - 2) *= 1e200;
  return x;
}

/// What a kernel call leaves in its outputs, to compare kernels bit for bit.
struct Outputs {
  std::vector<double> largest, s1, s2, s3, s4, projected, row_largest;
  Eigen::Index covered = 0;
};

Outputs run(const RowKernels& k, const Rows& x, const std::vector<double>& mu, const std::vector<double>& unit,
            const std::vector<double>& U) {
  const Eigen::Index n = x.rows(), d = x.cols();
  const RowBlock block{x.data(), n, d, d};
  Outputs o;
  o.largest.assign(static_cast<std::size_t>(d), 0.5);
  k.column_largest(block, mu.data(), o.largest.data());
  for (auto* s : {&o.s1, &o.s2, &o.s3, &o.s4}) s->assign(static_cast<std::size_t>(d), 0.25);
  o.covered = k.add_power_sums(block, mu.data(), unit.data(), o.s1.data(), o.s2.data(), o.s3.data(), o.s4.data());
  o.projected.assign(static_cast<std::size_t>(n * kProjections), 0.0);
  o.row_largest.assign(static_cast<std::size_t>(n), 0.0);
  k.project_rows(block, U.data(), o.projected.data(), o.row_largest.data());
  return o;
}

/// Direction rows: a unit vector, then the signs of a fixed pattern.
std::vector<double> directions(Eigen::Index d) {
  std::vector<double> U(static_cast<std::size_t>(kProjections * d));
  for (Eigen::Index j = 0; j < d; ++j) {
    U[static_cast<std::size_t>(j)] = 1.0 / std::sqrt(static_cast<double>(d));
    for (int k = 1; k < kProjections; ++k) U[static_cast<std::size_t>(k * d + j)] = (j * 7 + k * 3) % 5 < 2 ? 1.0 : -1.0;
  }
  return U;
}

}  // namespace

TEST_CASE("row kernels: the baseline loops compute what their comments say") {
  const RowKernels& k = pgtruth::detail::baseline_row_kernels();
  for (const Eigen::Index d : {1, 3, 4, 7, 8, 13, 37}) {
    CAPTURE(d);
    const Eigen::Index n = 11;
    const Rows x = rows_of(n, d, 5 + static_cast<std::uint64_t>(d));
    std::vector<double> mu(static_cast<std::size_t>(d)), unit(static_cast<std::size_t>(d));
    for (Eigen::Index j = 0; j < d; ++j) mu[static_cast<std::size_t>(j)] = 0.1 * static_cast<double>(j);
    // Units that cover every column but the one holding the huge entry, if any.
    for (Eigen::Index j = 0; j < d; ++j) unit[static_cast<std::size_t>(j)] = std::ldexp(1.0, -20);
    const std::vector<double> U = directions(d);
    const Outputs o = run(k, x, mu, unit, U);
    for (Eigen::Index j = 0; j < d; ++j) {
      double largest = 0.5;
      for (Eigen::Index i = 0; i < n; ++i) largest = std::max(largest, std::abs(x(i, j) - mu[static_cast<std::size_t>(j)]));
      CHECK(o.largest[static_cast<std::size_t>(j)] == largest);
    }
    // The huge entry sits at column d − 2 (d > 2): the columns before its group of eight (or
    // before it, past the last whole group) are added, the rest untouched.
    const Eigen::Index huge = d > 2 ? d - 2 : d;
    const Eigen::Index expected = huge == d ? d : huge < (d / 8) * 8 ? (huge / 8) * 8 : huge;
    CHECK(o.covered == expected);
    for (Eigen::Index j = 0; j < d; ++j) {
      CAPTURE(j);
      double s[4] = {0.25, 0.25, 0.25, 0.25};
      if (j < o.covered)
        for (Eigen::Index i = 0; i < n; ++i) {
          const double t = (x(i, j) - mu[static_cast<std::size_t>(j)]) * unit[static_cast<std::size_t>(j)];
          s[0] += t, s[1] += t * t, s[2] += t * t * t, s[3] += t * t * (t * t);
        }
      CHECK(o.s1[static_cast<std::size_t>(j)] == s[0]);
      CHECK(o.s2[static_cast<std::size_t>(j)] == s[1]);
      CHECK(o.s3[static_cast<std::size_t>(j)] == s[2]);
      CHECK(o.s4[static_cast<std::size_t>(j)] == s[3]);
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      CAPTURE(i);
      double largest = 0.0;
      for (Eigen::Index j = 0; j < d; ++j) largest = std::max(largest, std::abs(x(i, j)));
      CHECK(o.row_largest[static_cast<std::size_t>(i)] == largest);
      for (int p = 0; p < kProjections; ++p) {  // four interleaved sums, (l0 + l1) + (l2 + l3), then the tail
        double lane[4] = {0, 0, 0, 0};
        const Eigen::Index whole = (d / 4) * 4;
        for (Eigen::Index j = 0; j < whole; ++j) lane[j % 4] += U[static_cast<std::size_t>(p * d + j)] * x(i, j);
        double sum = (lane[0] + lane[1]) + (lane[2] + lane[3]);
        for (Eigen::Index j = whole; j < d; ++j) sum += U[static_cast<std::size_t>(p * d + j)] * x(i, j);
        CHECK(o.projected[static_cast<std::size_t>(i * kProjections + p)] == sum);
      }
    }
  }
}

TEST_CASE("row kernels: a row with an infinity or a NaN gives projections that are not finite") {
  const RowKernels& k = pgtruth::detail::row_kernels();
  const Eigen::Index d = 9;
  Rows x = rows_of(3, d, 2);
  x(1, 4) = std::numeric_limits<double>::quiet_NaN();
  x(2, 8) = -std::numeric_limits<double>::infinity();
  const std::vector<double> U = directions(d);
  std::vector<double> projected(3 * kProjections), largest(3);
  k.project_rows(RowBlock{x.data(), 3, d, d}, U.data(), projected.data(), largest.data());
  for (int p = 0; p < kProjections; ++p) {
    CAPTURE(p);
    CHECK(std::isfinite(projected[static_cast<std::size_t>(p)]));
    CHECK_FALSE(std::isfinite(projected[static_cast<std::size_t>(kProjections + p)]));
    CHECK_FALSE(std::isfinite(projected[static_cast<std::size_t>(2 * kProjections + p)]));
  }
}

TEST_CASE("row kernels: the AVX2 loops give the baseline's bits") {
  const RowKernels* avx2 = pgtruth::detail::avx2_row_kernels();
  if (!avx2) {
    MESSAGE("this processor has no AVX2: only the baseline loops run here");
    return;
  }
  const RowKernels& baseline = pgtruth::detail::baseline_row_kernels();
  for (const Eigen::Index d : {1, 4, 5, 8, 9, 16, 37, 100}) {
    for (const Eigen::Index n : {1, 2, 40}) {
      CAPTURE(d);
      CAPTURE(n);
      const Rows x = rows_of(n, d, static_cast<std::uint64_t>(d * 100 + n));
      std::vector<double> mu(static_cast<std::size_t>(d)), unit(static_cast<std::size_t>(d));
      for (Eigen::Index j = 0; j < d; ++j)
        mu[static_cast<std::size_t>(j)] = 0.3 * static_cast<double>(j) - 1.0, unit[static_cast<std::size_t>(j)] = std::ldexp(1.0, -12);
      const std::vector<double> U = directions(d);
      const Outputs a = run(baseline, x, mu, unit, U), b = run(*avx2, x, mu, unit, U);
      CHECK(a.covered == b.covered);
      CHECK(same_bits(a.largest, b.largest));
      CHECK(same_bits(a.s1, b.s1));
      CHECK(same_bits(a.s2, b.s2));
      CHECK(same_bits(a.s3, b.s3));
      CHECK(same_bits(a.s4, b.s4));
      CHECK(same_bits(a.projected, b.projected));
      CHECK(same_bits(a.row_largest, b.row_largest));
    }
  }
}
