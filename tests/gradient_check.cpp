#include "gradient_check.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace pgtruth {

GradientCheck check_gradient(const std::function<double(const Eigen::VectorXd&)>& f,
                             const Eigen::VectorXd& theta, const Eigen::VectorXd& analytic, double step) {
  assert(analytic.size() == theta.size());
  GradientCheck out;
  out.finite_difference.resize(theta.size());
  Eigen::VectorXd x = theta;
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    const double h = step * std::max(1.0, std::abs(theta(i)));
    x(i) = theta(i) + h;
    const double up = f(x);
    x(i) = theta(i) - h;
    const double down = f(x);
    x(i) = theta(i);
    out.finite_difference(i) = (up - down) / (2.0 * h);
  }
  if (theta.size() == 0) return out;
  // A non-finite entry on either side is an infinite error, so `error < tol` fails loudly
  // instead of a NaN comparing false both ways.
  for (Eigen::Index i = 0; i < theta.size(); ++i)
    if (!std::isfinite(analytic(i)) || !std::isfinite(out.finite_difference(i))) {
      out.max_abs_error = out.max_relative_error = std::numeric_limits<double>::infinity();
      out.worst = i;
      return out;
    }
  const Eigen::VectorXd error = (analytic - out.finite_difference).cwiseAbs();
  out.max_abs_error = error.maxCoeff(&out.worst);
  const double scale = std::max(analytic.cwiseAbs().maxCoeff(), out.finite_difference.cwiseAbs().maxCoeff());
  out.max_relative_error = scale > 0.0 ? out.max_abs_error / scale : 0.0;
  return out;
}

}  // namespace pgtruth
