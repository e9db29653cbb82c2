#include "pgtruth/statistics.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pgtruth {

int unit_scale_exponent(double max_abs) {
  if (!(max_abs > 0.0) || !std::isfinite(max_abs)) return 0;
  int e = 0;
  std::frexp(max_abs, &e);  // max_abs = m 2^e with m in [1/2, 1)
  return -e;
}

MeanTest test_mean(const Eigen::MatrixXd& batch_means, const Eigen::VectorXd& truth) {
  const Eigen::Index B = batch_means.rows(), d = batch_means.cols();
  assert(B >= 2 && truth.size() == d);
  if (!truth.allFinite()) throw std::invalid_argument("test_mean: the truth has a non-finite entry");
  if (!batch_means.allFinite()) throw std::invalid_argument("test_mean: a batch mean has a non-finite entry");
  MeanTest t;
  t.batches = B;
  // Work in units where the largest entry is in [1/2, 1): exact, and nothing below overflows.
  const double largest_entry =
      std::max(d ? batch_means.cwiseAbs().maxCoeff() : 0.0, d ? truth.cwiseAbs().maxCoeff() : 0.0);
  t.scale_exponent = unit_scale_exponent(largest_entry);
  const int e = t.scale_exponent;
  const auto scaled = [e](double x) { return std::ldexp(x, e); };
  const auto unscaled = [e](double x) { return std::ldexp(x, -e); };
  const Eigen::MatrixXd X = batch_means.unaryExpr(scaled);
  const Eigen::VectorXd mu = truth.unaryExpr(scaled);

  const Eigen::VectorXd mean = X.colwise().mean().transpose();
  const Eigen::MatrixXd centred = X.rowwise() - mean.transpose();
  const Eigen::MatrixXd S = centred.transpose() * centred / static_cast<double>(B - 1);
  const Eigen::VectorXd standard_error = (S.diagonal() / static_cast<double>(B)).cwiseSqrt();
  const Eigen::VectorXd deviation = mean - mu;
  t.mean = mean.unaryExpr(unscaled);
  t.standard_error = standard_error.unaryExpr(unscaled);
  t.z = Eigen::VectorXd::Zero(d);
  for (Eigen::Index i = 0; i < d; ++i)
    if (standard_error(i) > 0) t.z(i) = deviation(i) / standard_error(i);

  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(S);
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  const double largest = lambda.size() ? lambda.cwiseAbs().maxCoeff() : 0.0;
  const double tol = static_cast<double>(std::max(d, B)) * 64.0 * std::numeric_limits<double>::epsilon() * largest;
  const Eigen::VectorXd c = eig.eigenvectors().transpose() * deviation;
  double null_sq = 0.0;
  for (Eigen::Index k = 0; k < d; ++k) {
    if (lambda(k) > tol) t.t_squared += c(k) * c(k) / lambda(k), ++t.rank;
    else null_sq += c(k) * c(k);
  }
  t.t_squared *= static_cast<double>(B);
  const double null_space_deviation = std::sqrt(null_sq);
  t.null_space_deviation = unscaled(null_space_deviation);
  // Rounding in a mean of exactly constant estimates is ~eps |value| per component; the floor
  // of 1 is in the inputs' units (2^e here; +inf when that overflows, i.e. inputs below 2^-1023).
  const double rounding = 1e3 * std::numeric_limits<double>::epsilon() *
                          std::max(std::ldexp(1.0, e), std::max(mu.cwiseAbs().maxCoeff(), mean.cwiseAbs().maxCoeff())) *
                          std::sqrt(static_cast<double>(d));
  if (null_space_deviation > rounding) {
    t.p_value = 0.0;
    return t;
  }
  const Eigen::Index r = t.rank;
  if (r == 0) {
    t.p_value = 1.0;
  } else if (r < B) {
    t.f_statistic = static_cast<double>(B - r) / (static_cast<double>(r) * static_cast<double>(B - 1)) * t.t_squared;
    const boost::math::fisher_f_distribution<double> F(static_cast<double>(r), static_cast<double>(B - r));
    t.p_value = boost::math::cdf(boost::math::complement(F, t.f_statistic));
  } else {
    const double zmax = t.z.cwiseAbs().maxCoeff();
    const boost::math::normal_distribution<double> N;
    t.p_value = std::min(1.0, 2.0 * static_cast<double>(d) * boost::math::cdf(boost::math::complement(N, zmax)));
  }
  return t;
}

}  // namespace pgtruth
