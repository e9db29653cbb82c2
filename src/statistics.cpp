#include "pgtruth/statistics.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cassert>
#include <cmath>
#include <limits>

namespace pgtruth {

MeanTest test_mean(const Eigen::MatrixXd& batch_means, const Eigen::VectorXd& truth) {
  const Eigen::Index B = batch_means.rows(), d = batch_means.cols();
  assert(B >= 2 && truth.size() == d);
  MeanTest t;
  t.batches = B;
  t.mean = batch_means.colwise().mean().transpose();
  const Eigen::MatrixXd centred = batch_means.rowwise() - t.mean.transpose();
  const Eigen::MatrixXd S = centred.transpose() * centred / static_cast<double>(B - 1);
  t.standard_error = (S.diagonal() / static_cast<double>(B)).cwiseSqrt();
  const Eigen::VectorXd deviation = t.mean - truth;
  t.z = Eigen::VectorXd::Zero(d);
  for (Eigen::Index i = 0; i < d; ++i)
    if (t.standard_error(i) > 0) t.z(i) = deviation(i) / t.standard_error(i);

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
  t.null_space_deviation = std::sqrt(null_sq);
  // Rounding in a mean of exactly constant estimates is ~eps |value| per component.
  const double rounding = 1e3 * std::numeric_limits<double>::epsilon() *
                          std::max(1.0, std::max(truth.cwiseAbs().maxCoeff(), t.mean.cwiseAbs().maxCoeff())) *
                          std::sqrt(static_cast<double>(d));
  if (t.null_space_deviation > rounding) {
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
