#pragma once
// Internal: double-double numbers, hi + lo with |lo| <= ulp(hi) / 2 (about 32 significant
// digits), for the refined Bellman solves (src/finite/bellman_refinement.hpp) and the LQG
// certificates (src/lqg/double_double_matrix.hpp). Error-free transformations after Dekker (1971), "A
// floating-point technique for extending the available precision", Numer. Math. 18:224-242.
// The sum and the product of two double-doubles are AccurateDWPlusDW and DWTimesDW of Joldes,
// Muller & Popescu (2017, "Tight and rigorous error bounds for basic building blocks of
// double-word arithmetic", ACM TOMS 44(2)): relative errors at most 3u^2 + 13u^3 and 7u^2,
// u = 2^-53; a double-double times a double is their DWTimesFP1 (at most 2u^2).
#include <cmath>

namespace pgtruth::detail {

struct DoubleDouble {
  double hi = 0.0, lo = 0.0;

  DoubleDouble() = default;
  constexpr DoubleDouble(double x) : hi(x) {}  // NOLINT: a double is a double-double
  constexpr DoubleDouble(double h, double l) : hi(h), lo(l) {}
  double value() const { return hi + lo; }
};

inline double value(double x) { return x; }
inline double value(const DoubleDouble& x) { return x.value(); }

/// a + b = s + e exactly, s = fl(a + b) (Knuth's TwoSum).
inline DoubleDouble two_sum(double a, double b) {
  const double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

/// a + b = s + e exactly when |a| >= |b| (Dekker's FastTwoSum).
inline DoubleDouble quick_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

/// a b = p + e exactly, p = fl(a b), by a fused multiply-add.
inline DoubleDouble two_product(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

inline DoubleDouble operator+(const DoubleDouble& a, const DoubleDouble& b) {
  DoubleDouble s = two_sum(a.hi, b.hi);
  const DoubleDouble t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}

inline DoubleDouble operator-(const DoubleDouble& a) { return {-a.hi, -a.lo}; }
inline DoubleDouble operator-(const DoubleDouble& a, const DoubleDouble& b) { return a + (-b); }

inline DoubleDouble operator*(const DoubleDouble& a, double b) {
  DoubleDouble p = two_product(a.hi, b);
  p.lo += a.lo * b;
  return quick_two_sum(p.hi, p.lo);
}

inline DoubleDouble operator*(double a, const DoubleDouble& b) { return b * a; }

inline DoubleDouble operator*(const DoubleDouble& a, const DoubleDouble& b) {
  DoubleDouble p = two_product(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return quick_two_sum(p.hi, p.lo);
}

/// a / b: the quotient of the leading parts, corrected twice by the remainder.
inline DoubleDouble operator/(const DoubleDouble& a, const DoubleDouble& b) {
  const double q1 = a.hi / b.hi;
  const DoubleDouble r = a - b * q1;
  const double q2 = r.hi / b.hi;
  const DoubleDouble r2 = r - b * q2;
  return quick_two_sum(q1, q2) + DoubleDouble(r2.hi / b.hi);
}

/// sqrt(a) for a double a >= 0: s = fl(sqrt a), corrected by (a - s^2) / (2 s).
inline DoubleDouble sqrt_of(double a) {
  if (a <= 0.0) return {};
  const double s = std::sqrt(a);
  const DoubleDouble r = DoubleDouble(a) - two_product(s, s);
  return quick_two_sum(s, r.hi / (2.0 * s));
}

/// sqrt(a) for a double-double a >= 0: s = fl(sqrt a.hi), corrected by (a - s^2) / (2 s).
inline DoubleDouble sqrt_of(const DoubleDouble& a) {
  if (a.hi <= 0.0) return {};
  const double s = std::sqrt(a.hi);
  const DoubleDouble r = a - two_product(s, s);
  return quick_two_sum(s, r.hi / (2.0 * s));
}

inline DoubleDouble& operator+=(DoubleDouble& a, const DoubleDouble& b) { return a = a + b; }
inline DoubleDouble& operator-=(DoubleDouble& a, const DoubleDouble& b) { return a = a - b; }

}  // namespace pgtruth::detail
