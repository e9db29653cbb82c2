#pragma once
// Internal: matrices of double-double entries for the LQG certificates (lqg/lyapunov.cpp,
// lqg/solver.cpp), on the scalar arithmetic of src/linalg/double_double.hpp. Every error bound in the
// LQG code charges kDoubleDoubleUnit = 2^-100 per double-double operation (above the 7u^2 of
// the worst one there).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "linalg/double_double.hpp"

namespace pgtruth::lqg_dd {

inline constexpr double kUnitRoundoff = 0x1p-53;
inline constexpr double kDoubleDoubleUnit = 0x1p-100;

using Dd = detail::DoubleDouble;
using detail::two_sum;

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
