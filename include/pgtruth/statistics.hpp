#pragma once
/// \file
/// The calibrated test behind `pgtruth check`: is the mean of independent estimates equal to
/// the exact gradient?
///
/// The estimates are grouped into B batches; by the central limit theorem the batch means are
/// close to normal with mean μ and covariance Σ/b. Hotelling's T² on the batch means,
///     T² = B (x̄ − μ)ᵀ S⁺ (x̄ − μ),   (B − r) / (r (B − 1)) T² ~ F(r, B − r) under H₀,
/// with S the sample covariance and r its numerical rank (Hotelling 1931; Anderson 2003,
/// An Introduction to Multivariate Statistical Analysis, §5.2). A singular S is common (a
/// tabular softmax never moves θ along the all-ones direction of a state): the test then uses
/// the range of S, and a deviation of x̄ − μ in the null space of S, where the estimates do
/// not vary at all, beyond rounding is inconsistent outright (p = 0).
///
/// Overflow: T², F, z and the rank are invariant under multiplying every estimate and the
/// truth by one constant c (T² sees c² in S and c in x̄ − μ twice). The test multiplies by a
/// power of two that brings the largest entry to [1/2, 1), which is exact, so squares and
/// cross-products of estimates up to the largest double never overflow and moderate inputs
/// give the same figures as without it.

#include <Eigen/Core>
#include <string>

namespace pgtruth {

struct MeanTest {
  Eigen::VectorXd mean;            ///< of all estimates
  Eigen::VectorXd standard_error;  ///< per component, from the batch means
  Eigen::VectorXd z;               ///< (mean − truth) / standard_error (0 where both are 0)
  double t_squared = 0;
  double f_statistic = 0;
  Eigen::Index rank = 0;           ///< r
  Eigen::Index batches = 0;        ///< B
  double null_space_deviation = 0; ///< |projection of x̄ − μ on the null space of S|
  double p_value = 1;
  /// The inputs were multiplied by 2^scale_exponent for the computation; the fields above are
  /// in the inputs' units (null_space_deviation is +inf only if it exceeds the largest double).
  int scale_exponent = 0;
};

/// The exponent k for which 2^k max_abs lies in [1/2, 1) (0 when max_abs is 0 or not finite).
int unit_scale_exponent(double max_abs);

/// Tests H₀: E[estimate] = truth from B batch means (rows of `batch_means`, each the mean of
/// the same number of estimates). Requires B >= 2; with r >= B the F test is undefined and the
/// test reduces to the null-space check and per-component z (p from the largest |z|,
/// Bonferroni-corrected). Throws std::invalid_argument when a batch mean or the truth is not
/// finite (no verdict exists; callers name the offending estimate before they get here).
MeanTest test_mean(const Eigen::MatrixXd& batch_means, const Eigen::VectorXd& truth);

}  // namespace pgtruth
