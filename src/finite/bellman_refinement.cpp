#include "finite/bellman_refinement.hpp"

#include <algorithm>
#include <cmath>

namespace pgtruth::detail {

DoubleDoubleVector bellman_residual(const RowMajorMatrix& M, const Eigen::VectorXd& row_sum,
                                    const Eigen::VectorXd& b, const DoubleDoubleVector& v) {
  DoubleDoubleVector r(v.size());
  for (Eigen::Index s = 0; s < M.outerSize(); ++s) {
    const DoubleDouble& vs = v[static_cast<std::size_t>(s)];
    DoubleDouble Mv = vs * row_sum(s);
    for (RowMajorMatrix::InnerIterator it(M, s); it; ++it)
      if (it.col() != s) Mv += (vs - v[static_cast<std::size_t>(it.col())]) * -it.value();
    r[static_cast<std::size_t>(s)] = DoubleDouble(b(s)) - Mv;
  }
  return r;
}

DoubleDoubleVector flow_residual(const RowMajorMatrix& M, const Eigen::VectorXd& row_sum,
                                 const Eigen::VectorXd& b, const DoubleDoubleVector& eta) {
  DoubleDoubleVector r(eta.size());
  for (Eigen::Index j = 0; j < M.outerSize(); ++j) r[static_cast<std::size_t>(j)] = b(j);
  for (Eigen::Index s = 0; s < M.outerSize(); ++s) {
    const DoubleDouble& es = eta[static_cast<std::size_t>(s)];
    DoubleDouble diagonal = row_sum(s);
    for (RowMajorMatrix::InnerIterator it(M, s); it; ++it)
      if (it.col() != s) {
        diagonal += DoubleDouble(-it.value());
        r[static_cast<std::size_t>(it.col())] += es * -it.value();  // inflow into j
      }
    r[static_cast<std::size_t>(s)] -= es * diagonal;  // outflow from s
  }
  return r;
}

double max_abs(const DoubleDoubleVector& x) {
  double m = 0.0;
  for (const DoubleDouble& xi : x) m = std::max(m, std::abs(xi.hi));
  return m;
}

double sum_abs(const DoubleDoubleVector& x) {
  double m = 0.0;
  for (const DoubleDouble& xi : x) m += std::abs(xi.hi);
  return m;
}

Eigen::VectorXd leading(const DoubleDoubleVector& x) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) out(static_cast<Eigen::Index>(i)) = x[i].hi;
  return out;
}

DoubleDoubleVector widen(const Eigen::VectorXd& x) { return DoubleDoubleVector(x.data(), x.data() + x.size()); }

DoubleDoubleVector refine(const std::function<DoubleDoubleVector(const DoubleDoubleVector&)>& residual,
                          const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& solve,
                          DoubleDoubleVector& x, int max_steps) {
  DoubleDoubleVector r = residual(x);
  for (int step = 0; step < max_steps && max_abs(r) > 0.0; ++step) {
    const Eigen::VectorXd e = solve(leading(r));
    if (!e.allFinite()) break;
    DoubleDoubleVector next = x;
    for (std::size_t i = 0; i < x.size(); ++i) next[i] += e(static_cast<Eigen::Index>(i));
    DoubleDoubleVector next_r = residual(next);
    if (!(max_abs(next_r) < max_abs(r))) break;  // at the floor of the residual's rounding
    const bool converging = max_abs(next_r) <= 0.5 * max_abs(r);
    x = std::move(next), r = std::move(next_r);
    if (!converging) break;
  }
  return r;
}

}  // namespace pgtruth::detail
