#pragma once
/// \file
/// The inner loops of the check over a block of estimates held one per row (C order): the
/// coordinates' largest deviations and power sums, and each row's projections on the test's
/// directions. Each is compiled for the x86-64 baseline and for AVX2 and chosen at run time;
/// both do the same operations in the same order, lane by lane and without fused multiply-add,
/// so they give the same bits (tests/test_row_kernels.cpp) and a report does not depend on the
/// machine.

#include <Eigen/Core>

namespace pgtruth::detail {

/// n rows of d values, row i at data + i stride.
struct RowBlock {
  const double* data = nullptr;
  Eigen::Index rows = 0, cols = 0, stride = 0;
  const double* row(Eigen::Index i) const { return data + i * stride; }
};

/// The number of directions a row is projected on (the gradient's and the random ones).
inline constexpr int kProjections = 9;

struct RowKernels {
  /// largest[j] = max(largest[j], |x_ij − mu[j]| over the rows) (rows finite).
  void (*column_largest)(const RowBlock& x, const double* mu, double* largest);
  /// s_p[j] += t_ij^p, t_ij = (x_ij − mu[j]) unit[j], for p = 1 … 4 (rows finite), row after row: each
  /// column's sums in the rows' order, as one row at a time would add them. Columns are taken
  /// eight at a time, then one at a time; at the first group with some |t_ij| >= 1 (its unit does
  /// not cover the rows) it stops and returns that group's first column, leaving it and the
  /// columns after it unchanged; x.cols when every column was added.
  Eigen::Index (*add_power_sums)(const RowBlock& x, const double* mu, const double* unit, double* s1, double* s2,
                                 double* s3, double* s4);
  /// projected[kProjections i + k] = Σ_j U[k d + j] x_ij, and row_largest[i] = max_j |x_ij|.
  /// Each sum is taken over four interleaved partial sums (columns j ≡ l mod 4) joined as
  /// (l0 + l1) + (l2 + l3), then the columns past the last multiple of 4 in order. A row that
  /// holds an infinity or a NaN gives projections that are not finite (0 · inf is NaN).
  void (*project_rows)(const RowBlock& x, const double* U, double* projected, double* row_largest);
};

/// The baseline loops (SSE2 on x86-64), which every machine runs.
const RowKernels& baseline_row_kernels();
/// The loops for AVX2, or nullptr when the processor lacks it or the build is not for x86-64.
const RowKernels* avx2_row_kernels();
/// The fastest loops this processor runs.
const RowKernels& row_kernels();

}  // namespace pgtruth::detail
