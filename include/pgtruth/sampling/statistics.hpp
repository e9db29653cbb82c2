#pragma once
/// \file
/// The calibrated test behind `pgtruth check`: is the mean of n independent estimates
/// x_1 … x_n ∈ R^d equal to the exact gradient μ? (docs/check-test.md says why it is built so.)
///
/// Statistics. Each coordinate y_j of y = x − μ, and the projections uᵀy on fixed directions:
/// u = μ/|μ| (a wrong scale of the whole gradient) and K random sign vectors ±1/√d drawn from a
/// fixed seed (deviations spread over many coordinates). For each, Student's t with n − 1
/// degrees of freedom on the n per-estimate values: memory O(d), whatever n and d.
///
/// Family. Weighted Bonferroni: μ/|μ| has weight 1/4, the random directions share 1/4, the
/// coordinates share 1/2; the p-value of the test is min_i p_i / w_i (capped at 1).
///
/// Admission. A statistic is used only where its normal approximation is certified at its
/// critical value x. For the Studentized mean (Hall 1992, The Bootstrap and Edgeworth
/// Expansion, §2.6) P(|T| > x) = 2(1 − Φ(x)) − 2 n⁻¹ q₂(x) φ(x) + O(n⁻²) with
///     q₂(x) = x [κ(x² − 3)/12 − γ²(x⁴ + 2x² − 3)/18 − (x² + 3)/4],
/// γ the skewness and κ the excess kurtosis of one value; the last term is Student's t's own.
/// With the sample γ and κ, the term relative to t's tail is
///     r = x φ(x)/(1 − Φ(x)) · [γ²(x⁴ + 2x² − 3)/18 − κ(x² − 3)/12] / n;
/// the statistic is admitted when r <= kTailErrorLimit and the kurtosis part alone is at most
/// kKurtosisTermLimit (beyond, as for a coordinate moved by a handful of estimates, the
/// expansion is not to be trusted). Its p-value is t's times 1 + kTailMargin + 2 max(r, 0):
/// the first-order term underestimates the inflation of heavy tails, by up to 65% in a
/// simulation study over skewness 5 to 43 (docs/check-test.md), hence twice r. Statistics
/// that do not vary are not admitted.
///
/// Verdict. Inconsistent when an admitted statistic rejects; consistent when none rejects and
/// μ/|μ| (for μ = 0: at least one random direction) was admitted; otherwise undecided, with
/// the number of estimates at which the direction's r would reach the tolerance.
///
/// Overflow: every sum is kept per statistic in units of a power of two that tracks its
/// largest value, so estimates up to the largest double give the same figures as moderate ones.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pgtruth {

/// The largest first-order relative tail error r of an admitted statistic.
inline constexpr double kTailErrorLimit = 2.0;
/// The largest kurtosis part of r of an admitted statistic.
inline constexpr double kKurtosisTermLimit = 0.5;
/// The p-value's margin over t's beyond 2 max(r, 0), for the expansion's higher terms.
inline constexpr double kTailMargin = 0.25;
/// A statistic whose root-mean-square deviation from the truth is at most this fraction of the
/// estimates' size (their RMS distance from the truth plus |truth|) agrees with the truth to the
/// rounding of the code that computed them, even float32 code, and is no evidence either way: it
/// is not admitted. This is what a constraint looks like (a tabular softmax's components of one
/// state sum to zero exactly in the truth, to rounding in any estimate): its t would be a ratio
/// of rounding errors.
inline constexpr double kRoundingLevel = 1e-6;
/// The number of random directions.
inline constexpr int kRandomDirections = 8;

/// One estimate whose entries outside `support` are 0. `values` has the full dimension.
struct SparseEstimate {
  Eigen::VectorXd values;
  std::vector<Eigen::Index> support;  ///< each index once, in the order first touched

  explicit SparseEstimate(Eigen::Index dim = 0);
  void add(Eigen::Index i, double v) {  ///< values(i) += v
    if (!touched_[static_cast<std::size_t>(i)]) touched_[static_cast<std::size_t>(i)] = 1, support.push_back(i);
    values(i) += v;
  }
  void set_dense(const Eigen::VectorXd& x);  ///< every entry in the support
  void clear();                              ///< back to 0, in O(|support|)

 private:
  std::vector<unsigned char> touched_;
};

/// Estimates held one per row with each row contiguous (C order, as NumPy arrays and CSV files
/// hold them): the check reads them a block of rows at a time, column by column within a row.
using EstimateRows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Power sums Σ (y/2^e)^p, p = 1..4, of the values of several statistics in their own units 2^e.
class PowerSums {
 public:
  explicit PowerSums(Eigen::Index statistics = 0);
  Eigen::Index size() const { return s1_.size(); }
  /// Adds y 2^exponent to statistic i (y finite).
  void add(Eigen::Index i, double y, int exponent = 0) {
    const double t = y * unit_(i);
    if (exponent == 0 && std::abs(t) < 1.0) return accumulate(i, t);
    add_slow(i, y, exponent);
  }
  /// Makes statistic i's unit at least 2^exponent (values of that size are added exactly scaled).
  void cover(Eigen::Index i, int exponent);
  /// Adds y = x_i − μ to statistic j = 0 … size() − 1 for each row x_i of `rows` (finite, size()
  /// columns): column by column, each statistic's unit first covers the rows' largest |y_j|.
  void add_rows(const Eigen::Ref<const EstimateRows>& rows, const Eigen::VectorXd& mu);
  /// Adds the sums of `later` (same size), statistic by statistic.
  void merge(const PowerSums& later);
  void clear();
  /// Mean, variance (divisor n − 1), skewness and excess kurtosis of statistic i from n values,
  /// of which those not added were `zero_value` (a value added implicitly for each estimate
  /// that did not touch i, as for the coordinates outside a sparse estimate's support).
  /// mean and variance in units of 2^exponent (they may not fit a double in the values' own).
  struct Moments {
    double mean = 0, variance = 0, skewness = 0, kurtosis = 0, mean_square = 0;
    int exponent = 0;
    bool resolved = false;  ///< the variance is above the sums' rounding
  };
  Moments moments(Eigen::Index i, long n, long added, double zero_value) const;

 private:
  Eigen::ArrayXd s1_, s2_, s3_, s4_;
  Eigen::ArrayXi exponent_;  // values of i are kept as y / 2^exponent_(i), |y / 2^e| < 1
  Eigen::ArrayXd unit_;      // 2^-exponent_(i)
  Eigen::ArrayXd largest_;  // scratch of add_rows
  void accumulate(Eigen::Index i, double t) {
    const double t2 = t * t;
    s1_(i) += t, s2_(i) += t2, s3_(i) += t2 * t, s4_(i) += t2 * t2;
  }
  void add_slow(Eigen::Index i, double y, int exponent);
};

/// The test's fixed directions on R^d: u_0 = μ/|μ| (absent when μ = 0) and kRandomDirections
/// sign vectors ±1/√d from a fixed seed (the same for every run and every --seed).
struct Directions {
  explicit Directions(const Eigen::VectorXd& truth);
  Eigen::Index dim = 0;
  bool has_truth = false;
  Eigen::VectorXd truth_unit;               ///< μ/|μ|, or empty
  std::vector<std::uint8_t> signs;          ///< bit k of signs[j]: direction k's sign at j
  static constexpr std::uint64_t kSeed = 0x70677472757468ULL;  // "pgtruth"
  int count() const { return kRandomDirections + (has_truth ? 1 : 0); }
};

/// Accumulates estimates about the truth: the sufficient statistics of the test, O(d) memory.
/// Estimates added in the same order give the same bits.
class EstimateMoments {
 public:
  EstimateMoments(const Eigen::VectorXd& truth, std::shared_ptr<const Directions> directions);
  /// With the directions of `truth`.
  explicit EstimateMoments(const Eigen::VectorXd& truth);
  void add(const SparseEstimate& x);     ///< x finite
  void add(const Eigen::VectorXd& x);    ///< x finite
  /// Adds the rows (dim() columns each) in order, up to the first that is not finite; returns
  /// the number added, a block of rows at a time: each coordinate's unit first covers the block's
  /// largest value. The coordinates' values are add()'s, in its order; a row's projections are
  /// summed in another order (sampling/row_kernels.hpp), so they agree with add()'s to rounding.
  Eigen::Index add_rows(const Eigen::Ref<const EstimateRows>& rows);
  void merge(const EstimateMoments& later);
  void clear();
  long count() const { return n_; }
  Eigen::Index dim() const { return truth_.size(); }

  const Eigen::VectorXd& truth() const { return truth_; }
  const Directions& directions() const { return *directions_; }
  const PowerSums& coordinate_sums() const { return coordinates_; }
  const PowerSums& direction_sums() const { return projections_; }
  long added(Eigen::Index j) const { return added_(j); }
  double projected_truth(int k) const { return truth_projection_(k); }

 private:
  Eigen::VectorXd truth_;
  std::shared_ptr<const Directions> directions_;
  Eigen::VectorXd truth_projection_;  // u_kᵀ μ
  PowerSums coordinates_, projections_;
  Eigen::Matrix<long, Eigen::Dynamic, 1> added_;  // estimates whose support held j
  long n_ = 0;
  std::vector<double> projection_;  // scratch
  // Scratch of add_rows: the directions (u_0 or 0, then the signs ±1) one per row, each
  // estimate's projections (one row each), their largest |x| and exponent, a row rescaled.
  EstimateRows direction_rows_, projected_;
  Eigen::VectorXd row_largest_, scaled_row_;
  Eigen::ArrayXi row_exponent_;
  Eigen::Index add_block(const Eigen::Ref<const EstimateRows>& rows);
};

enum class Verdict { consistent, inconsistent, undecided };
const char* verdict_name(Verdict v);

/// One statistic of the family as judged on this run.
struct StatisticReport {
  std::string name;       ///< "gradient direction", "random direction 3", "coordinate 17"
  double mean_deviation = 0;  ///< mean of y (or uᵀy)
  double standard_error = 0;
  double t = 0;
  double skewness = 0, kurtosis = 0;
  double tail_error = 0;  ///< r above, at the critical value
  double critical_t = 0;
  bool admitted = false;
  double p_value = 1;     ///< Student's t, times 1 + kTailMargin + 2 max(r, 0); 1 when not admitted
  double weight = 0;
  long episodes_needed = 0;  ///< for r to reach the tolerance (0 when admitted)
  bool at_rounding_level = false;  ///< agrees with the truth to rounding (kRoundingLevel)
};

struct MeanTest {
  Eigen::VectorXd mean;            ///< of all estimates
  Eigen::VectorXd standard_error;  ///< per coordinate
  Eigen::VectorXd z;               ///< (mean − truth) / standard_error (0 where both are 0)
  long estimates = 0;              ///< n
  double alpha = 0;
  double p_value = 1;              ///< min_i p_i / w_i over admitted statistics, capped at 1
  Verdict verdict = Verdict::undecided;
  std::vector<StatisticReport> directions;  ///< every direction, u_0 first
  long coordinates_admitted = 0;
  long coordinates_varying = 0;    ///< coordinates whose values varied beyond rounding (kRoundingLevel)
  StatisticReport worst;           ///< the admitted statistic with the least p_i / w_i
  long episodes_needed = 0;        ///< when undecided: the estimates a decision needs (0 if unknown)
  std::string reason;              ///< when undecided: why, in one sentence
  double variance_trace = 0;       ///< Σ_j Var(x_j) of one estimate (+inf beyond a double)
  double log10_variance_trace = 0; ///< its log10, finite even then (−inf when it is 0)
};

/// Tests H₀: E[x] = truth at level alpha from the accumulated moments (n >= 2).
MeanTest test_mean(const EstimateMoments& moments, double alpha);

}  // namespace pgtruth
