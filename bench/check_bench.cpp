// The check's sums over estimates held as rows, side by side in one run:
//   * row by row (EstimateMoments::add, as the sampled estimators add theirs) against a block of
//     rows at a time (EstimateMoments::add_rows, as --estimates and pgtruth.check do);
//   * the block loops for the x86-64 baseline against those for AVX2 (src/sampling/row_kernels.hpp).
// Usage: pgtruth_bench_check [rows] [columns]     (default 200000 × 100; best of 5, alternating)
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "pgtruth/random.hpp"
#include "pgtruth/sampling/statistics.hpp"
#include "sampling/row_kernels.hpp"

namespace {

double seconds(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The block loops' work on every row: projections, then power sums with covering units.
double kernel_pass(const pgtruth::detail::RowKernels& k, const pgtruth::EstimateRows& x, const std::vector<double>& U) {
  const Eigen::Index d = x.cols(), block = std::max<Eigen::Index>(1, 4096 / d);
  std::vector<double> mu(static_cast<std::size_t>(d), 0.0), unit(static_cast<std::size_t>(d), std::ldexp(1.0, -10));
  std::vector<double> s1(mu.size()), s2(mu.size()), s3(mu.size()), s4(mu.size());
  std::vector<double> projected(static_cast<std::size_t>(block * pgtruth::detail::kProjections)), largest(static_cast<std::size_t>(block));
  for (Eigen::Index first = 0; first < x.rows(); first += block) {
    const pgtruth::detail::RowBlock b{x.data() + first * d, std::min(block, x.rows() - first), d, d};
    k.project_rows(b, U.data(), projected.data(), largest.data());
    k.add_power_sums(b, mu.data(), unit.data(), s1.data(), s2.data(), s3.data(), s4.data());
  }
  return s2[0] + projected[0];  // used, so that the work is not optimised away
}

}  // namespace

int main(int argc, char** argv) {
  const Eigen::Index n = argc > 1 ? std::atol(argv[1]) : 200000, d = argc > 2 ? std::atol(argv[2]) : 100;
  pgtruth::Rng rng(1, 0);
  pgtruth::EstimateRows x(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = rng.normal();
  const Eigen::VectorXd truth = Eigen::VectorXd::Zero(d);
  std::vector<double> U(static_cast<std::size_t>(pgtruth::detail::kProjections * d));
  for (std::size_t i = 0; i < U.size(); ++i) U[i] = i % 3 ? 1.0 : -1.0;

  const pgtruth::detail::RowKernels* avx2 = pgtruth::detail::avx2_row_kernels();
  double by_row = 1e300, by_block = 1e300, baseline = 1e300, vector = 1e300, sink = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    by_row = std::min(by_row, seconds([&] {
      pgtruth::EstimateMoments m(truth);
      for (Eigen::Index i = 0; i < n; ++i) m.add(Eigen::VectorXd(x.row(i).transpose()));
      sink += static_cast<double>(m.count());
    }));
    by_block = std::min(by_block, seconds([&] {
      pgtruth::EstimateMoments m(truth);
      sink += static_cast<double>(m.add_rows(x));
    }));
    baseline = std::min(baseline, seconds([&] { sink += kernel_pass(pgtruth::detail::baseline_row_kernels(), x, U); }));
    if (avx2) vector = std::min(vector, seconds([&] { sink += kernel_pass(*avx2, x, U); }));
  }
  const double entries = static_cast<double>(n * d);
  std::printf("check sums over %ld x %ld estimates (best of 5, one thread)\n", static_cast<long>(n), static_cast<long>(d));
  std::printf("  row by row (add)        %.3f s  %.2f ns/entry\n", by_row, 1e9 * by_row / entries);
  std::printf("  blocks (add_rows)       %.3f s  %.2f ns/entry  %.2fx faster than row by row\n", by_block,
              1e9 * by_block / entries, by_row / by_block);
  std::printf("  block loops, baseline   %.3f s  %.2f ns/entry\n", baseline, 1e9 * baseline / entries);
  if (avx2)
    std::printf("  block loops, AVX2       %.3f s  %.2f ns/entry  %.2fx faster than the baseline loops\n", vector,
                1e9 * vector / entries, baseline / vector);
  else
    std::printf("  block loops, AVX2       not run: this processor has no AVX2\n");
  return sink == -1.0 ? 1 : 0;
}
