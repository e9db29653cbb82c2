#include "pgtruth/sampling/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cassert>
#include <climits>
#include <cmath>
#include <limits>
#include <random>

#include "io/format.hpp"
#include "sampling/row_kernels.hpp"

namespace pgtruth {

// ---------------------------------------------------------------- sparse estimates

SparseEstimate::SparseEstimate(Eigen::Index dim)
    : values(Eigen::VectorXd::Zero(dim)), touched_(static_cast<std::size_t>(dim), 0) {}

void SparseEstimate::set_dense(const Eigen::VectorXd& x) {
  assert(x.size() == values.size());
  if (support.size() != touched_.size()) {
    for (Eigen::Index i = 0; i < values.size(); ++i)
      if (!touched_[static_cast<std::size_t>(i)]) touched_[static_cast<std::size_t>(i)] = 1, support.push_back(i);
  }
  values = x;
}

void SparseEstimate::clear() {
  for (const Eigen::Index i : support) values(i) = 0.0, touched_[static_cast<std::size_t>(i)] = 0;
  support.clear();
}

// ---------------------------------------------------------------- power sums

namespace {
constexpr int kNoValues = -1022;  // the unit of a statistic that has seen no value yet

/// The exponent e with |x| < 2^e (for the largest magnitude); 0 for 0.
int exponent_of(double x) {
  int e = 0;
  std::frexp(x, &e);
  return e;
}
}  // namespace

PowerSums::PowerSums(Eigen::Index statistics)
    : s1_(Eigen::ArrayXd::Zero(statistics)),
      s2_(Eigen::ArrayXd::Zero(statistics)),
      s3_(Eigen::ArrayXd::Zero(statistics)),
      s4_(Eigen::ArrayXd::Zero(statistics)),
      exponent_(Eigen::ArrayXi::Constant(statistics, kNoValues)),
      unit_(Eigen::ArrayXd::Constant(statistics, std::ldexp(1.0, -kNoValues))) {}

void PowerSums::clear() {
  s1_.setZero(), s2_.setZero(), s3_.setZero(), s4_.setZero();
  exponent_.setConstant(kNoValues);
  unit_.setConstant(std::ldexp(1.0, -kNoValues));
}

void PowerSums::cover(Eigen::Index i, int exponent) {
  const int old = exponent_(i);
  if (exponent <= old) return;
  const int step = exponent - old;  // exact rescaling by powers of two (or underflow of negligible terms)
  s1_(i) = std::ldexp(s1_(i), -step), s2_(i) = std::ldexp(s2_(i), -2 * step);
  s3_(i) = std::ldexp(s3_(i), -3 * step), s4_(i) = std::ldexp(s4_(i), -4 * step);
  exponent_(i) = exponent;
  // Beyond 2^1022 the unit is subnormal (exact for a power of two down to 2^-1074); values
  // that its product rounds are below 2^-50 of the statistic's largest and do not matter.
  unit_(i) = std::ldexp(1.0, -exponent);
}

void PowerSums::add_slow(Eigen::Index i, double y, int exponent) {
  if (y == 0.0) return;
  int e = 0;
  std::frexp(y, &e);  // |y| < 2^e
  cover(i, e + exponent);
  accumulate(i, std::ldexp(y, exponent - exponent_(i)));
}

void PowerSums::merge(const PowerSums& later) {
  assert(later.size() == size());
  for (Eigen::Index i = 0; i < size(); ++i) {
    if (later.exponent_(i) == kNoValues && later.s2_(i) == 0.0) continue;
    cover(i, later.exponent_(i));
    const int step = exponent_(i) - later.exponent_(i);
    if (step == 0) {  // the same unit: ldexp by 0 is the identity, and costs a call per sum
      s1_(i) += later.s1_(i), s2_(i) += later.s2_(i), s3_(i) += later.s3_(i), s4_(i) += later.s4_(i);
      continue;
    }
    s1_(i) += std::ldexp(later.s1_(i), -step), s2_(i) += std::ldexp(later.s2_(i), -2 * step);
    s3_(i) += std::ldexp(later.s3_(i), -3 * step), s4_(i) += std::ldexp(later.s4_(i), -4 * step);
  }
}

void PowerSums::add_rows(const Eigen::Ref<const EstimateRows>& rows, const Eigen::VectorXd& mu) {
  const Eigen::Index d = size(), n = rows.rows();
  assert(rows.cols() == d && mu.size() == d);
  const detail::RowKernels& kernels = detail::row_kernels();
  // Usually every unit already covers the rows' values (cover() would change nothing): one pass
  // adds them. From the first columns where one does not, each column's largest |y| over the
  // rows sets its unit before any of its values is added.
  const Eigen::Index covered = kernels.add_power_sums(detail::RowBlock{rows.data(), n, d, rows.outerStride()}, mu.data(),
                                                      unit_.data(), s1_.data(), s2_.data(), s3_.data(), s4_.data());
  if (covered == d) return;
  const auto from_covered = [covered](auto& a) { return a.data() + covered; };  // the columns left
  const detail::RowBlock block{rows.data() + covered, n, d - covered, rows.outerStride()};
  largest_.setZero(d);
  kernels.column_largest(block, from_covered(mu), from_covered(largest_));
  bool halves = false;  // some x − μ overflows: that column is added as (x/2 − μ/2) 2, as add() does
  for (Eigen::Index j = covered; j < d; ++j) {
    if (largest_(j) == 0.0) continue;
    if (std::isfinite(largest_(j))) {
      cover(j, exponent_of(largest_(j)));
      continue;
    }
    halves = true;
    double half = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) half = std::max(half, std::abs(0.5 * rows(i, j) - 0.5 * mu(j)));
    cover(j, exponent_of(half) + 1);
  }
  if (halves) {
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = covered; j < d; ++j) {
        const double x = rows(i, j);
        accumulate(j, std::isfinite(largest_(j)) ? (x - mu(j)) * unit_(j) : (0.5 * x - 0.5 * mu(j)) * (2.0 * unit_(j)));
      }
    return;
  }
  [[maybe_unused]] const Eigen::Index added =
      kernels.add_power_sums(block, from_covered(mu), from_covered(unit_), from_covered(s1_), from_covered(s2_),
                             from_covered(s3_), from_covered(s4_));
  assert(added == d - covered);
}

PowerSums::Moments PowerSums::moments(Eigen::Index i, long n, long added, double zero_value) const {
  assert(n >= 2 && added <= n);
  Moments m;
  m.exponent = exponent_(i);
  const double N = static_cast<double>(n), implicit = static_cast<double>(n - added);
  const double z = std::ldexp(zero_value, -m.exponent), z2 = z * z;  // |z| < 1: the caller covered it
  const double S1 = s1_(i) + implicit * z, S2 = s2_(i) + implicit * z2;
  const double S3 = s3_(i) + implicit * z2 * z, S4 = s4_(i) + implicit * z2 * z2;
  const double mean = S1 / N, m2 = S2 / N - mean * mean;
  m.mean = mean;
  m.mean_square = S2 / N;
  // The sums carry rounding of about n eps of their terms; a variance below 1e-10 of the mean
  // square is not told apart from none (the values are constant to 5 digits).
  m.resolved = m2 > 1e-10 * (S2 / N);
  if (!m.resolved) return m;
  m.variance = m2 * N / (N - 1.0);
  const double m3 = S3 / N - 3.0 * mean * S2 / N + 2.0 * mean * mean * mean;
  const double m4 = S4 / N - 4.0 * mean * S3 / N + 6.0 * mean * mean * S2 / N - 3.0 * mean * mean * mean * mean;
  m.skewness = m3 / (m2 * std::sqrt(m2));
  m.kurtosis = m4 / (m2 * m2) - 3.0;
  return m;
}

// ---------------------------------------------------------------- directions

Directions::Directions(const Eigen::VectorXd& truth) : dim(truth.size()) {
  const double norm = truth.stableNorm();
  has_truth = norm > 0.0 && std::isfinite(norm);
  if (has_truth) truth_unit = truth / norm;
  signs.resize(static_cast<std::size_t>(dim));
  std::mt19937_64 engine(kSeed);
  for (std::size_t j = 0; j < signs.size(); j += 8) {
    const std::uint64_t bits = engine();
    for (std::size_t b = 0; b < 8 && j + b < signs.size(); ++b) signs[j + b] = static_cast<std::uint8_t>(bits >> (8 * b));
  }
}

// ---------------------------------------------------------------- moments of estimates

namespace {

/// Estimates or truths beyond 2^600 are projected in units of 2^(e - 1) so that sums of d
/// terms cannot overflow; below, in units of 1.
int projection_exponent(double largest) {
  const int e = exponent_of(largest);
  return e > 600 ? e - 600 : 0;
}

}  // namespace

EstimateMoments::EstimateMoments(const Eigen::VectorXd& truth)
    : EstimateMoments(truth, std::make_shared<const Directions>(truth)) {}

EstimateMoments::EstimateMoments(const Eigen::VectorXd& truth, std::shared_ptr<const Directions> directions)
    : truth_(truth),
      directions_(std::move(directions)),
      coordinates_(truth.size()),
      projections_(kRandomDirections + 1),
      added_(Eigen::Matrix<long, Eigen::Dynamic, 1>::Zero(truth.size())),
      projection_(kRandomDirections + 1, 0.0) {
  assert(directions_->dim == truth.size());
  clear();
  // u_kᵀ μ, in units of 2^E when μ is huge.
  const Eigen::Index d = truth.size();
  const int E = projection_exponent(d ? truth.cwiseAbs().maxCoeff() : 0.0);
  truth_projection_ = Eigen::VectorXd::Zero(kRandomDirections + 1);
  const double inv_sqrt_d = d ? 1.0 / std::sqrt(static_cast<double>(d)) : 0.0;
  for (Eigen::Index j = 0; j < d; ++j) {
    const double mu = std::ldexp(truth(j), -E);
    if (directions_->has_truth) truth_projection_(0) += directions_->truth_unit(j) * mu;
    for (int k = 0; k < kRandomDirections; ++k)
      truth_projection_(k + 1) += ((directions_->signs[static_cast<std::size_t>(j)] >> k) & 1 ? mu : -mu) * inv_sqrt_d;
  }
  truth_projection_ = truth_projection_.unaryExpr([E](double x) { return std::ldexp(x, E); });
}

void EstimateMoments::clear() {
  coordinates_.clear();
  projections_.clear();
  added_.setZero();
  n_ = 0;
  // The implicit value −μ_j of coordinates outside an estimate's support must fit j's unit.
  for (Eigen::Index j = 0; j < truth_.size(); ++j)
    if (truth_(j) != 0.0) coordinates_.cover(j, exponent_of(truth_(j)));
}

void EstimateMoments::merge(const EstimateMoments& later) {
  coordinates_.merge(later.coordinates_);
  projections_.merge(later.projections_);
  added_ += later.added_;
  n_ += later.n_;
}

void EstimateMoments::add(const SparseEstimate& x) {
  ++n_;
  const Directions& u = *directions_;
  const Eigen::Index d = truth_.size();
  double largest = 0.0;
  for (const Eigen::Index j : x.support) largest = std::max(largest, std::abs(x.values(j)));
  const int E = projection_exponent(std::max(largest, d ? std::abs(truth_projection_.cwiseAbs().maxCoeff()) : 0.0));
  std::fill(projection_.begin(), projection_.end(), 0.0);
  double* p = projection_.data();
  for (const Eigen::Index j : x.support) {
    const double xj = x.values(j), y = xj - truth_(j);
    if (std::isfinite(y)) coordinates_.add(j, y);
    else coordinates_.add(j, 0.5 * xj - 0.5 * truth_(j), 1);  // exact halves: no overflow
    ++added_(j);
    const double xs = E ? std::ldexp(xj, -E) : xj;
    if (u.has_truth) p[0] += u.truth_unit(j) * xs;
    const unsigned bits = u.signs[static_cast<std::size_t>(j)];
    for (int k = 0; k < kRandomDirections; ++k) p[k + 1] += (bits >> k) & 1 ? xs : -xs;
  }
  const double inv_sqrt_d = d ? 1.0 / std::sqrt(static_cast<double>(d)) : 0.0;
  for (int k = 0; k <= kRandomDirections; ++k) {
    if (k == 0 && !u.has_truth) continue;
    const double projected = k ? p[k] * inv_sqrt_d : p[k];
    projections_.add(k, projected - std::ldexp(truth_projection_(k), -E), E);
  }
}

namespace {
constexpr Eigen::Index kBlockValues = 4096;  // a block of rows, read a few times from the L1 cache
}  // namespace

Eigen::Index EstimateMoments::add_rows(const Eigen::Ref<const EstimateRows>& rows) {
  assert(rows.cols() == dim());
  static_assert(detail::kProjections == kRandomDirections + 1);
  const Eigen::Index d = dim();
  if (direction_rows_.cols() != d) {  // direction k's entry j at (k, j): u_0 (or 0), then the signs ±1
    const Directions& u = *directions_;
    direction_rows_.setZero(kRandomDirections + 1, d);
    if (u.has_truth) direction_rows_.row(0) = u.truth_unit.transpose();
    for (Eigen::Index j = 0; j < d; ++j)
      for (int k = 0; k < kRandomDirections; ++k)
        direction_rows_(k + 1, j) = (u.signs[static_cast<std::size_t>(j)] >> k) & 1 ? 1.0 : -1.0;
  }
  const Eigen::Index block = std::max<Eigen::Index>(1, kBlockValues / std::max<Eigen::Index>(d, 1));
  for (Eigen::Index first = 0; first < rows.rows(); first += block) {
    const Eigen::Index count = std::min(block, rows.rows() - first);
    const Eigen::Index added = add_block(rows.middleRows(first, count));
    if (added < count) return first + added;
  }
  return rows.rows();
}

Eigen::Index EstimateMoments::add_block(const Eigen::Ref<const EstimateRows>& rows) {
  const Directions& u = *directions_;
  const Eigen::Index d = dim(), n = rows.rows();
  constexpr int K = kRandomDirections + 1;
  const double truth_largest = d ? truth_projection_.cwiseAbs().maxCoeff() : 0.0;
  const double inv_sqrt_d = d ? 1.0 / std::sqrt(static_cast<double>(d)) : 0.0;
  const detail::RowKernels& kernels = detail::row_kernels();
  // Each row's projections u_kᵀx; a row beyond 2^600 (or a truth beyond it) is projected again
  // in units 2^E of its largest |x|, as add() does, so that the sum of d terms cannot overflow.
  projected_.resize(n, K);
  row_largest_.resize(n);
  row_exponent_.resize(n);
  kernels.project_rows({rows.data(), n, d, rows.outerStride()}, direction_rows_.data(), projected_.data(),
                       row_largest_.data());
  bool scaled = false;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int E = row_exponent_(i) = projection_exponent(std::max(row_largest_(i), truth_largest));
    if (E == 0) continue;
    scaled = true;
    scaled_row_ = rows.row(i).transpose().unaryExpr([E](double x) { return std::ldexp(x, -E); });
    double largest = 0.0;
    kernels.project_rows({scaled_row_.data(), 1, d, d}, direction_rows_.data(), projected_.row(i).data(), &largest);
  }
  projected_.rightCols(kRandomDirections) *= inv_sqrt_d;
  // A row is finite exactly when its first random projection is: |x 2^-E| < 2^600, so the sum of
  // d terms cannot overflow, while an infinite or NaN entry makes it infinite or NaN.
  Eigen::Index finite = 0;
  while (finite < n && std::isfinite(projected_(finite, 1))) ++finite;
  if (finite == 0) return 0;
  coordinates_.add_rows(rows.topRows(finite), truth_);
  added_.array() += finite;
  n_ += finite;
  if (!scaled) {  // every row in units of 1: the projections' sums a column at a time, as the coordinates'
    projections_.add_rows(projected_.topRows(finite), truth_projection_);
    return finite;
  }
  for (Eigen::Index i = 0; i < finite; ++i) {
    const int E = row_exponent_(i);
    for (int k = u.has_truth ? 0 : 1; k < K; ++k)
      projections_.add(k, projected_(i, k) - (E ? std::ldexp(truth_projection_(k), -E) : truth_projection_(k)), E);
  }
  return finite;
}

void EstimateMoments::add(const Eigen::VectorXd& x) {
  thread_local SparseEstimate dense;
  if (dense.values.size() != x.size()) dense = SparseEstimate(x.size());
  dense.set_dense(x);
  add(dense);
}

// ---------------------------------------------------------------- the test

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::consistent: return "consistent";
    case Verdict::inconsistent: return "inconsistent";
    case Verdict::undecided: return "undecided";
  }
  return "?";
}

namespace {

/// The n⁻¹ term of the Edgeworth expansion of Student's t tail at x (Hall 1992, §2.6), relative
/// to the tail, for n values of skewness γ and excess kurtosis κ: the skewness part inflates the
/// tail, the kurtosis part (for x² > 3) deflates it.
struct TailTerms {
  double skewness = 0, kurtosis = 0;
  double error() const { return skewness - kurtosis; }
  /// The expansion is trusted where its tail error is within the tolerance and its kurtosis
  /// part is itself small: a large one (a coordinate moved by a handful of estimates) is the
  /// sign that the n⁻² terms, not this one, decide the tail.
  bool certified() const { return error() <= kTailErrorLimit && kurtosis <= kKurtosisTermLimit; }
  /// What Student's t p-value is multiplied by.
  double p_factor() const { return 1.0 + kTailMargin + 2.0 * std::max(error(), 0.0); }
};

TailTerms tail_terms(double x, double skewness, double kurtosis, long n) {
  const boost::math::normal_distribution<double> N;
  const double upper = boost::math::cdf(boost::math::complement(N, x));
  const double mills = (upper > 0 ? x * boost::math::pdf(N, x) / upper : x * x + 1.0) / static_cast<double>(n);
  const double x2 = x * x;
  return {mills * skewness * skewness * (x2 * x2 + 2.0 * x2 - 3.0) / 18.0, mills * kurtosis * (x2 - 3.0) / 12.0};
}

/// Judges one statistic from its moments; `critical` is t's critical value at its level.
StatisticReport judge_statistic(std::string name, const PowerSums::Moments& m, long n, double weight, double critical) {
  StatisticReport r;
  r.name = std::move(name);
  r.weight = weight;
  r.critical_t = critical;
  r.mean_deviation = std::ldexp(m.mean, m.exponent);
  if (!m.resolved) {
    // No variation: the values agree with the truth to rounding, or the statistic cannot be judged.
    r.admitted = false;
    r.episodes_needed = 0;
    return r;
  }
  const double se = std::sqrt(m.variance / static_cast<double>(n));
  r.standard_error = std::ldexp(se, m.exponent);
  r.t = m.mean / se;
  r.skewness = m.skewness;
  r.kurtosis = m.kurtosis;
  const TailTerms tail = tail_terms(critical, m.skewness, m.kurtosis, n);
  r.tail_error = tail.error();
  r.admitted = n >= 20 && tail.certified();
  if (r.admitted) {
    const boost::math::students_t_distribution<double> T(static_cast<double>(n - 1));
    r.p_value = std::min(1.0, tail.p_factor() * 2.0 * boost::math::cdf(boost::math::complement(T, std::abs(r.t))));
  } else {
    // Both terms fall as 1/n: the estimates at which both pass.
    const double factor = std::max({1.0, tail.error() / kTailErrorLimit, tail.kurtosis / kKurtosisTermLimit});
    const double needed = std::ceil(static_cast<double>(std::max(n, 20L)) * factor);
    r.episodes_needed = needed < 9e18 ? static_cast<long>(needed) : std::numeric_limits<long>::max();
  }
  return r;
}

/// Whether an unresolved statistic agrees with the truth to rounding (mean square of the
/// deviation below (1e-9 scale)²), in the statistic's units.
bool agrees_exactly(const PowerSums::Moments& m, double scale) {
  const double s = std::ldexp(1e-9 * scale, -m.exponent);
  return std::sqrt(m.mean_square) <= s;
}

/// Whether a statistic's values deviate from the truth by no more than rounding of estimates of
/// size `estimate_scale` (kRoundingLevel).
bool at_rounding_level(const PowerSums::Moments& m, double estimate_scale) {
  return std::sqrt(m.mean_square) <= std::ldexp(kRoundingLevel * estimate_scale, -m.exponent);
}

/// The estimates' size: |truth| plus the RMS over estimates of |x − truth|, from the coordinates.
double estimate_scale(const EstimateMoments& moments, long n) {
  long double sum = 0.0L;
  for (Eigen::Index j = 0; j < moments.dim(); ++j) {
    const PowerSums::Moments m = moments.coordinate_sums().moments(j, n, moments.added(j), -moments.truth()(j));
    sum += std::ldexp(static_cast<long double>(m.mean_square), 2 * m.exponent);
  }
  const long double rms = std::sqrt(sum);
  const double truth = moments.truth().size() ? moments.truth().stableNorm() : 0.0;
  return truth + (rms > static_cast<long double>(std::numeric_limits<double>::max())
                      ? std::numeric_limits<double>::infinity()
                      : static_cast<double>(rms));
}

}  // namespace

MeanTest test_mean(const EstimateMoments& moments, double alpha) {
  const long n = moments.count();
  assert(n >= 2);
  const Eigen::Index d = moments.dim();
  const Directions& u = moments.directions();
  const Eigen::VectorXd& mu = moments.truth();
  MeanTest t;
  t.estimates = n;
  t.alpha = alpha;
  const boost::math::students_t_distribution<double> T(static_cast<double>(n - 1));
  // The guard's x: t's critical value with the largest p factor, a little beyond any decision's.
  const auto critical = [&](double weight) {
    const double level = alpha * weight / (1.0 + kTailMargin + 2.0 * kTailErrorLimit);
    return boost::math::quantile(boost::math::complement(T, level / 2.0));
  };
  const double truth_scale = mu.size() ? mu.stableNorm() : 0.0;
  const double scale = estimate_scale(moments, n);
  double best = std::numeric_limits<double>::infinity();  // least p_i / w_i
  const auto consider = [&](const StatisticReport& r) {
    if (r.admitted && r.p_value / r.weight < best) best = r.p_value / r.weight, t.worst = r;
  };

  // Directions: u_0 = μ/|μ| with weight 1/4, the random ones 1/4 in all.
  bool decided = false;  // a direction was admitted, or agrees with the truth exactly
  long needed = 0;
  std::string undecided_name;
  for (int k = 0; k <= kRandomDirections; ++k) {
    if (k == 0 && !u.has_truth) continue;
    const double w = k == 0 ? 0.25 : 0.25 / kRandomDirections;
    const PowerSums::Moments m = moments.direction_sums().moments(k, n, n, 0.0);
    StatisticReport r = judge_statistic(k == 0 ? "gradient direction" : "random direction " + std::to_string(k), m, n, w,
                                        critical(w));
    if (at_rounding_level(m, scale)) r.at_rounding_level = true, r.admitted = false, r.p_value = 1, r.episodes_needed = 0;
    consider(r);
    const bool exact = r.at_rounding_level || (!m.resolved && agrees_exactly(m, truth_scale + std::abs(moments.projected_truth(k))));
    const bool counts = k == 0 || !u.has_truth;  // the direction a verdict needs
    if (counts && (r.admitted || exact)) decided = true;
    if (counts && !r.admitted && !exact && needed == 0 && r.episodes_needed > 0) needed = r.episodes_needed;
    if (counts && !r.admitted && !exact && undecided_name.empty()) undecided_name = r.name;
    t.directions.push_back(std::move(r));
  }

  // Coordinates: 1/2 in all.
  t.mean.resize(d), t.standard_error.resize(d), t.z.resize(d);
  const double wc = d ? 0.5 / static_cast<double>(d) : 0.0;
  const double xc = d ? critical(wc) : 0.0;
  long double trace = 0.0L;
  for (Eigen::Index j = 0; j < d; ++j) {
    const PowerSums::Moments m = moments.coordinate_sums().moments(j, n, moments.added(j), -mu(j));
    t.mean(j) = mu(j) + std::ldexp(m.mean, m.exponent);
    t.standard_error(j) = m.resolved ? std::ldexp(std::sqrt(m.variance / static_cast<double>(n)), m.exponent) : 0.0;
    t.z(j) = m.resolved ? m.mean / std::sqrt(m.variance / static_cast<double>(n)) : 0.0;
    if (!m.resolved || at_rounding_level(m, scale)) continue;
    ++t.coordinates_varying;
    trace += std::ldexp(static_cast<long double>(m.variance), 2 * m.exponent);
    const TailTerms tail = tail_terms(xc, m.skewness, m.kurtosis, n);
    if (n < 20 || !tail.certified()) continue;  // not admitted
    ++t.coordinates_admitted;
    const double p =
        std::min(1.0, tail.p_factor() * 2.0 * boost::math::cdf(boost::math::complement(T, std::abs(t.z(j)))));
    if (p / wc < best) {
      best = p / wc;
      t.worst = judge_statistic("coordinate " + std::to_string(j), m, n, wc, xc);
    }
  }
  t.variance_trace = trace > static_cast<long double>(std::numeric_limits<double>::max())
                         ? std::numeric_limits<double>::infinity()
                         : static_cast<double>(trace);
  t.log10_variance_trace = trace > 0 ? static_cast<double>(std::log10(trace)) : -std::numeric_limits<double>::infinity();

  t.p_value = std::min(1.0, best);
  if (t.p_value <= alpha) {
    t.verdict = Verdict::inconsistent;
  } else if (decided) {
    t.verdict = Verdict::consistent;
  } else {
    t.verdict = Verdict::undecided;
    t.episodes_needed = needed;
    const StatisticReport& r = t.directions.empty() ? t.worst : t.directions.front();
    if (undecided_name.empty() || (!u.has_truth && d == 0)) {
      t.reason = "there is no direction to test";
    } else if (needed > 0) {
      t.reason = "along the " + undecided_name + " the estimates are too skewed or heavy-tailed for " +
                 std::to_string(n) + " of them to give a calibrated test (skewness " +
                 detail::format_number(r.skewness, 3) + ", excess kurtosis " + detail::format_number(r.kurtosis, 3) +
                 "); about " + std::to_string(needed) + " are needed";
    } else {
      t.reason = "along the " + undecided_name +
                 " the estimates do not vary (to 5 digits) yet differ from the truth, so their spread cannot be judged";
    }
  }
  return t;
}

}  // namespace pgtruth
