#pragma once
/// \file
/// Compares an analytic gradient with central finite differences (after Ceres's
/// GradientChecker), so that tests and users check gradients the same way.
///
///   fd_i = (f(theta + h_i e_i) - f(theta - h_i e_i)) / (2 h_i),   h_i = step * max(1, |theta_i|)
/// The truncation error is O(h^2 f''') and the rounding error O(eps |f| / h); step = 1e-5
/// balances them near 1e-10 relative for smooth f of moderate size.

#include <Eigen/Core>
#include <functional>

namespace pgtruth {

/// Both errors are +inf, and `worst` the first such entry, when an entry of `analytic` or of
/// the finite differences is not finite (f overflowed or returned NaN).
struct GradientCheck {
  Eigen::VectorXd finite_difference;
  double max_abs_error = 0;        ///< max_i |analytic_i - fd_i|
  double max_relative_error = 0;   ///< max_abs_error / max(|analytic|_inf, |fd|_inf), 0 if both 0
  Eigen::Index worst = 0;          ///< the component with the largest error
};

GradientCheck check_gradient(const std::function<double(const Eigen::VectorXd&)>& f,
                             const Eigen::VectorXd& theta, const Eigen::VectorXd& analytic,
                             double step = 1e-5);

}  // namespace pgtruth
