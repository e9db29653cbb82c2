#include "sampling/row_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pgtruth::detail {
namespace {

// L lanes of doubles held in registers of R lanes (GCC's vector types): R = 2 for SSE2 and
// R = 4 for AVX2. Each lane's arithmetic is the same either way, and this file is compiled
// without floating-point contraction (CMakeLists), so both give the same bits. The helpers are
// always inlined into the functions compiled for a target: no vector crosses a call, so the
// warning that their calling convention depends on the target does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
using Sse = double __attribute__((vector_size(16)));
using Avx = double __attribute__((vector_size(32)));
using SseBits = long long __attribute__((vector_size(16)));
using AvxBits = long long __attribute__((vector_size(32)));

template <class R, class Bits, int L>
struct Lanes {
  static constexpr int kRegisterLanes = sizeof(R) / sizeof(double), kRegisters = L / kRegisterLanes;
  static_assert(kRegisters * kRegisterLanes == L);
  R r[kRegisters] = {};

  [[gnu::always_inline]] static Lanes load(const double* p) {
    Lanes a;
    for (int k = 0; k < kRegisters; ++k) std::memcpy(&a.r[k], p + k * kRegisterLanes, sizeof(R));
    return a;
  }
  [[gnu::always_inline]] void store(double* p) const {
    for (int k = 0; k < kRegisters; ++k) std::memcpy(p + k * kRegisterLanes, &r[k], sizeof(R));
  }
  [[gnu::always_inline]] double operator[](int l) const { return r[l / kRegisterLanes][l % kRegisterLanes]; }
  // Lane-wise operations, one register at a time (written out: a lambda would not be inlined
  // into the functions compiled for AVX2).
  [[gnu::always_inline]] friend Lanes operator+(Lanes a, const Lanes& b) {
    for (int k = 0; k < kRegisters; ++k) a.r[k] += b.r[k];
    return a;
  }
  [[gnu::always_inline]] friend Lanes operator-(Lanes a, const Lanes& b) {
    for (int k = 0; k < kRegisters; ++k) a.r[k] -= b.r[k];
    return a;
  }
  [[gnu::always_inline]] friend Lanes operator*(Lanes a, const Lanes& b) {
    for (int k = 0; k < kRegisters; ++k) a.r[k] *= b.r[k];
    return a;
  }
  [[gnu::always_inline]] Lanes& operator+=(const Lanes& b) { return *this = *this + b; }
  /// max(a, b) lane by lane (either when one is NaN).
  [[gnu::always_inline]] friend Lanes larger(Lanes a, const Lanes& b) {
    for (int k = 0; k < kRegisters; ++k) a.r[k] = a.r[k] > b.r[k] ? a.r[k] : b.r[k];
    return a;
  }
  /// Whether a < b in every lane (false where either is NaN).
  [[gnu::always_inline]] friend bool below(const Lanes& a, const Lanes& b) {
    bool all = true;
    for (int l = 0; l < L; ++l) all = all && a[l] < b[l];
    return all;
  }
  /// |a| lane by lane: the sign bit cleared (-R{} is −0.0, the sign bit alone).
  [[gnu::always_inline]] friend Lanes absolute(Lanes a) {
    for (int k = 0; k < kRegisters; ++k) a.r[k] = R(Bits(a.r[k]) & ~Bits(-R{}));
    return a;
  }
};

constexpr double kOnes[8] = {1, 1, 1, 1, 1, 1, 1, 1};

/// The loops over registers of type R (with its integer twin Bits).
template <class R, class Bits>
struct Loops {
  using Quad = Lanes<R, Bits, 4>;   // a row's four interleaved partial sums
  using Eight = Lanes<R, Bits, 8>;  // eight columns at a time: enough independent sums to fill the pipeline
  static constexpr Eigen::Index kEight = 8, kFour = 4;

  [[gnu::always_inline]] static void column_largest(const RowBlock& x, const double* mu, double* largest) {
    Eigen::Index j = 0;
    for (; j + kEight <= x.cols; j += kEight) {  // the rows in order, column by column
      const Eight m = Eight::load(mu + j);
      Eight big = Eight::load(largest + j);
      for (Eigen::Index i = 0; i < x.rows; ++i) big = larger(absolute(Eight::load(x.row(i) + j) - m), big);
      big.store(largest + j);
    }
    for (; j < x.cols; ++j)
      for (Eigen::Index i = 0; i < x.rows; ++i) largest[j] = std::max(largest[j], std::abs(x.row(i)[j] - mu[j]));
  }

  [[gnu::always_inline]] static Eigen::Index add_power_sums(const RowBlock& x, const double* mu, const double* unit,
                                                            double* s1, double* s2, double* s3, double* s4) {
    const Eight one = Eight::load(kOnes);
    Eigen::Index j = 0;
    for (; j + kEight <= x.cols; j += kEight) {
      const Eight m = Eight::load(mu + j), u = Eight::load(unit + j);
      Eight a1 = Eight::load(s1 + j), a2 = Eight::load(s2 + j), a3 = Eight::load(s3 + j), a4 = Eight::load(s4 + j), big;
      for (Eigen::Index i = 0; i < x.rows; ++i) {
        const Eight t = (Eight::load(x.row(i) + j) - m) * u, t2 = t * t;
        a1 += t, a2 += t2, a3 += t2 * t, a4 += t2 * t2;
        big = larger(absolute(t), big);
      }
      if (!below(big, one)) return j;
      a1.store(s1 + j), a2.store(s2 + j), a3.store(s3 + j), a4.store(s4 + j);
    }
    for (; j < x.cols; ++j) {
      double a1 = s1[j], a2 = s2[j], a3 = s3[j], a4 = s4[j], big = 0.0;
      for (Eigen::Index i = 0; i < x.rows; ++i) {
        const double t = (x.row(i)[j] - mu[j]) * unit[j], t2 = t * t;
        a1 += t, a2 += t2, a3 += t2 * t, a4 += t2 * t2;
        big = std::max(std::abs(t), big);
      }
      if (!(big < 1.0)) return j;
      s1[j] = a1, s2[j] = a2, s3[j] = a3, s4[j] = a4;
    }
    return x.cols;
  }

  [[gnu::always_inline]] static void project_rows(const RowBlock& x, const double* U, double* projected, double* row_largest) {
    const Eigen::Index d = x.cols;
    for (Eigen::Index i = 0; i < x.rows; ++i) {
      const double* r = x.row(i);
      Quad p[kProjections], big;
      Eigen::Index j = 0;
      for (; j + kFour <= d; j += kFour) {
        const Quad v = Quad::load(r + j);
        big = larger(absolute(v), big);
#pragma GCC unroll 16
        for (int k = 0; k < kProjections; ++k) p[k] += Quad::load(U + k * d + j) * v;  // the sums stay in registers
      }
      double* out = projected + kProjections * i;
      for (int k = 0; k < kProjections; ++k) out[k] = (p[k][0] + p[k][1]) + (p[k][2] + p[k][3]);
      double b = std::max(std::max(big[0], big[1]), std::max(big[2], big[3]));
      for (; j < d; ++j) {
        for (int k = 0; k < kProjections; ++k) out[k] += U[k * d + j] * r[j];
        b = std::max(b, std::abs(r[j]));
      }
      row_largest[i] = b;
    }
  }
};

using Baseline = Loops<Sse, SseBits>;
void column_largest_baseline(const RowBlock& x, const double* mu, double* largest) { Baseline::column_largest(x, mu, largest); }
Eigen::Index add_power_sums_baseline(const RowBlock& x, const double* mu, const double* unit, double* s1, double* s2, double* s3,
                             double* s4) {
  return Baseline::add_power_sums(x, mu, unit, s1, s2, s3, s4);
}
void project_rows_baseline(const RowBlock& x, const double* U, double* projected, double* row_largest) {
  Baseline::project_rows(x, U, projected, row_largest);
}

#if defined(__x86_64__)
using Avx2 = Loops<Avx, AvxBits>;
[[gnu::target("avx2")]] void column_largest_avx2(const RowBlock& x, const double* mu, double* largest) {
  Avx2::column_largest(x, mu, largest);
}
[[gnu::target("avx2")]] Eigen::Index add_power_sums_avx2(const RowBlock& x, const double* mu, const double* unit, double* s1,
                                                 double* s2, double* s3, double* s4) {
  return Avx2::add_power_sums(x, mu, unit, s1, s2, s3, s4);
}
[[gnu::target("avx2")]] void project_rows_avx2(const RowBlock& x, const double* U, double* projected, double* row_largest) {
  Avx2::project_rows(x, U, projected, row_largest);
}
#endif

}  // namespace

const RowKernels& baseline_row_kernels() {
  static const RowKernels kernels{column_largest_baseline, add_power_sums_baseline, project_rows_baseline};
  return kernels;
}

const RowKernels* avx2_row_kernels() {
#if defined(__x86_64__)
  static const RowKernels kernels{column_largest_avx2, add_power_sums_avx2, project_rows_avx2};
  static const bool supported = __builtin_cpu_supports("avx2");
  return supported ? &kernels : nullptr;
#else
  return nullptr;
#endif
}

const RowKernels& row_kernels() {
  static const RowKernels& best = avx2_row_kernels() ? *avx2_row_kernels() : baseline_row_kernels();
  return best;
}

}  // namespace pgtruth::detail
