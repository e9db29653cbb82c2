#include "teach/toy.hpp"

namespace pgtruth {
namespace {

/// E[x^k] for x ~ N(θ, 1), k = 0..K.
Eigen::VectorXd normal_moments(double theta, Eigen::Index K) {
  Eigen::VectorXd m(K + 1);
  m(0) = 1.0;
  if (K >= 1) m(1) = theta;
  for (Eigen::Index k = 2; k <= K; ++k) m(k) = theta * m(k - 1) + static_cast<double>(k - 1) * m(k - 2);
  return m;
}

double evaluate(const Eigen::VectorXd& c, double x) {
  double y = 0.0;
  for (Eigen::Index k = c.size(); k-- > 0;) y = y * x + c(k);
  return y;
}

}  // namespace

const char* toy_name(ToyEstimator e) {
  switch (e) {
    case ToyEstimator::naive: return "naive";
    case ToyEstimator::score_function: return "score-function";
    case ToyEstimator::reparameterisation: return "reparameterisation";
  }
  return "?";
}

const std::vector<ToyEstimator>& toy_estimators() {
  static const std::vector<ToyEstimator> all{ToyEstimator::naive, ToyEstimator::score_function,
                                             ToyEstimator::reparameterisation};
  return all;
}

std::optional<ToyEstimator> toy_by_name(std::string_view name) {
  for (ToyEstimator e : toy_estimators())
    if (name == toy_name(e)) return e;
  return std::nullopt;
}

double toy_objective(double theta) { return theta * theta * theta + theta; }
double toy_gradient(double theta) { return 1.0 + 3.0 * theta * theta; }

Eigen::VectorXd toy_polynomial(ToyEstimator e, double theta) {
  Eigen::VectorXd c = Eigen::VectorXd::Zero(4);
  switch (e) {
    case ToyEstimator::naive:  // x²
      c(2) = 1.0;
      break;
    case ToyEstimator::score_function:  // x² θ (x − θ) + x²
      c(3) = theta, c(2) = 1.0 - theta * theta;
      break;
    case ToyEstimator::reparameterisation:  // x² + 2θx
      c(2) = 1.0, c(1) = 2.0 * theta;
      break;
  }
  return c;
}

double toy_sample(ToyEstimator e, double theta, Rng& rng) { return evaluate(toy_polynomial(e, theta), theta + rng.normal()); }

double toy_mean(ToyEstimator e, double theta) {
  const Eigen::VectorXd c = toy_polynomial(e, theta);
  return c.dot(normal_moments(theta, c.size() - 1));
}

double toy_variance(ToyEstimator e, double theta) {
  const Eigen::VectorXd c = toy_polynomial(e, theta);
  const Eigen::Index K = c.size() - 1;
  const Eigen::VectorXd m = normal_moments(theta, 2 * K);
  double second = 0.0;  // E[(Σ c_k x^k)²] = Σ_{j,k} c_j c_k m_{j+k}
  for (Eigen::Index j = 0; j <= K; ++j)
    for (Eigen::Index k = 0; k <= K; ++k) second += c(j) * c(k) * m(j + k);
  const double mean = c.dot(m.head(K + 1));
  return second - mean * mean;
}

}  // namespace pgtruth
