#pragma once
/// \file
/// A linear-quadratic-Gaussian problem with a linear-Gaussian policy, as plain data (spec §2).
///
/// Conventions, stated once:
///  * costs, not rewards: J is minimised;
///  * the policy mean is u = −K x (mind the sign); theta = K flattened row-major,
///    theta[i n + j] = K(i, j);
///  * dynamics x' = A x + B (−K x + d) + w with d ~ N(0, Σ), w ~ N(0, W), x₀ ~ N(mean, cov),
///    in both formulations;
///  * step cost l(x, u) = xᵀQx + uᵀRu + 2 xᵀN u (please don't overlook the factor of 2);
///  * stochastic (S): the cost is l(x, −Kx + d); deterministic (D): the cost is l(x, −Kx) and
///    d enters the dynamics only (Todorov 2025, §3).

#include <Eigen/Core>
#include <optional>
#include <string>

namespace pgtruth {

enum class Formulation { stochastic, deterministic };

struct LqgProblem {
  std::string name;
  std::string description;
  double gamma = 1.0;
  /// 1 - gamma from the file's decimal text (as for finite MDPs: FiniteMdp::gamma_complement);
  /// unset, 1 - gamma. The noise terms scale as 1 / (1 - gamma).
  std::optional<double> gamma_complement;
  double one_minus_gamma() const { return gamma_complement ? *gamma_complement : 1.0 - gamma; }
  Eigen::MatrixXd A, B, Q, R, N, W;
  Eigen::VectorXd x0_mean;
  Eigen::MatrixXd x0_cov;
  Eigen::MatrixXd K, Sigma;
  Formulation formulation = Formulation::stochastic;

  Eigen::Index n() const { return A.rows(); }  ///< state dimension
  Eigen::Index m() const { return B.cols(); }  ///< control dimension
};

}  // namespace pgtruth
