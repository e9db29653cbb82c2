#pragma once
// Internal: double-double arithmetic for the LQG certificates (lyapunov.cpp, lqg_solver.cpp).
//
// A value is hi + lo with |lo| <= u |hi| (u = 2^-53), about 106 bits (Dekker 1971, "A
// floating-point technique for extending the available precision", Numer. Math. 18:224-242).
// Sums and products are built from the error-free transformations TwoSum (Knuth, TAOCP 2,
// §4.2.2) and TwoProduct (Dekker's splitting, or one fused multiply-add where the hardware
// has it). The operators below are AccurateDWPlusDW and DWTimesDW of Joldes, Muller & Popescu
// (2017, "Tight and rigorous error bounds for basic building blocks of double-word
// arithmetic", ACM TOMS 44(2)), with relative errors at most 3u² + 13u³ and 7u²: both below
// kDoubleDoubleUnit = 2^-100, the unit every error bound in the LQG code charges per operation.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace pgtruth::lqg_dd {  // its own namespace: src/double_double.hpp is another module's

inline constexpr double kUnitRoundoff = 0x1p-53;
inline constexpr double kDoubleDoubleUnit = 0x1p-100;

struct Dd {
  double hi = 0, lo = 0;
};

/// s + e = a + b exactly (Knuth's TwoSum).
inline Dd two_sum(double a, double b) {
  const double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

/// s + e = a + b exactly, for |a| >= |b| (Dekker's Fast2Sum).
inline Dd fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

/// p + e = a b exactly (Dekker's TwoProduct; a fused multiply-add where the hardware has one).
inline Dd two_product(double a, double b) {
  const double p = a * b;
#if defined(__FMA__) || defined(__aarch64__)
  return {p, std::fma(a, b, -p)};
#else
  constexpr double kSplitter = 134217729.0;  // 2^27 + 1 (Veltkamp's splitting)
  if (!(std::abs(a) < 0x1p995 && std::abs(b) < 0x1p995)) return {p, std::fma(a, b, -p)};
  const double ca = kSplitter * a, cb = kSplitter * b;
  const double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
#endif
}

inline Dd operator+(Dd a, Dd b) {  // AccurateDWPlusDW
  const Dd s = two_sum(a.hi, b.hi), t = two_sum(a.lo, b.lo);
  const Dd v = fast_two_sum(s.hi, s.lo + t.hi);
  return fast_two_sum(v.hi, v.lo + t.lo);
}
inline Dd operator-(Dd a) { return {-a.hi, -a.lo}; }
inline Dd operator-(Dd a, Dd b) { return a + (-b); }
inline Dd operator*(Dd a, Dd b) {  // DWTimesDW
  const Dd c = two_product(a.hi, b.hi);
  return fast_two_sum(c.hi, c.lo + (a.hi * b.lo + a.lo * b.hi));
}
inline Dd operator/(Dd a, Dd b) {  // one Newton correction of the quotient of the high parts
  const double q1 = a.hi / b.hi;
  const Dd r = a - b * Dd{q1, 0.0};
  const double q2 = r.hi / b.hi;
  const Dd r2 = r - b * Dd{q2, 0.0};
  return fast_two_sum(q1, q2) + Dd{r2.hi / b.hi, 0.0};
}
/// √a for a double a >= 0: s = fl(√a), corrected by (a − s²)/(2s).
inline Dd dd_sqrt(double a) {
  if (a <= 0.0) return {0.0, 0.0};
  const double s = std::sqrt(a);
  const Dd r = Dd{a, 0.0} - two_product(s, s);
  return fast_two_sum(s, r.hi / (2.0 * s));
}

/// A matrix of double-double entries, value hi + lo entrywise (column-major, as Eigen).
struct DdMatrix {
  Eigen::MatrixXd hi, lo;

  DdMatrix() = default;
  DdMatrix(Eigen::Index rows, Eigen::Index cols)
      : hi(Eigen::MatrixXd::Zero(rows, cols)), lo(Eigen::MatrixXd::Zero(rows, cols)) {}
  explicit DdMatrix(const Eigen::MatrixXd& value) : hi(value), lo(Eigen::MatrixXd::Zero(value.rows(), value.cols())) {}
  DdMatrix(Eigen::MatrixXd h, Eigen::MatrixXd l) : hi(std::move(h)), lo(std::move(l)) {}

  Eigen::Index rows() const { return hi.rows(); }
  Eigen::Index cols() const { return hi.cols(); }
  Dd operator()(Eigen::Index i, Eigen::Index j) const { return {hi(i, j), lo(i, j)}; }
  void set(Eigen::Index i, Eigen::Index j, Dd x) { hi(i, j) = x.hi, lo(i, j) = x.lo; }
  DdMatrix transpose() const { return {hi.transpose(), lo.transpose()}; }
  /// (M + Mᵀ)/2, entry by entry in double-double (the halving is exact).
  DdMatrix symmetric_part() const {
    DdMatrix out(rows(), cols());
    for (Eigen::Index j = 0; j < cols(); ++j)
      for (Eigen::Index i = 0; i < rows(); ++i) {
        const Dd s = (*this)(i, j) + (*this)(j, i);
        out.set(i, j, {s.hi / 2.0, s.lo / 2.0});
      }
    return out;
  }
  /// The Frobenius norm, to double precision.
  double norm() const { return (hi + lo).norm(); }
};

inline DdMatrix operator+(const DdMatrix& a, const DdMatrix& b) {
  DdMatrix out(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) out.set(i, j, a(i, j) + b(i, j));
  return out;
}
inline DdMatrix operator-(const DdMatrix& a) { return {-a.hi, -a.lo}; }
inline DdMatrix operator-(const DdMatrix& a, const DdMatrix& b) { return a + (-b); }
inline DdMatrix operator*(Dd s, const DdMatrix& a) {
  DdMatrix out(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) out.set(i, j, s * a(i, j));
  return out;
}

/// A B with every product and sum in double-double; its error is below
/// (k + 2) 2^-100 |A| |B| entrywise for an inner dimension k.
inline DdMatrix dd_product(const DdMatrix& a, const DdMatrix& b) {
  DdMatrix out(a.rows(), b.cols());
  std::vector<Dd> column(static_cast<std::size_t>(a.rows()));
  for (Eigen::Index j = 0; j < b.cols(); ++j) {
    std::fill(column.begin(), column.end(), Dd{});
    for (Eigen::Index k = 0; k < a.cols(); ++k) {
      const Dd bkj = b(k, j);
      if (bkj.hi == 0.0) continue;
      for (Eigen::Index i = 0; i < a.rows(); ++i) column[static_cast<std::size_t>(i)] = column[static_cast<std::size_t>(i)] + a(i, k) * bkj;
    }
    for (Eigen::Index i = 0; i < a.rows(); ++i) out.set(i, j, column[static_cast<std::size_t>(i)]);
  }
  return out;
}

/// A B: in double-double when `extended`, else by Eigen in double (lo parts rounded away, error
/// below (k + 2) u |A| |B|).
inline DdMatrix product(const DdMatrix& a, const DdMatrix& b, bool extended) {
  if (extended) return dd_product(a, b);
  return DdMatrix(Eigen::MatrixXd(a.hi * b.hi));
}

/// The unit an error bound charges per operation: 2^-100 in double-double, u in double.
inline double arithmetic_unit(bool extended) { return extended ? kDoubleDoubleUnit : kUnitRoundoff; }

}  // namespace pgtruth::lqg_dd
