#pragma once
// Internal: the Bellman and flow-balance solutions refined to double-double accuracy, so that
// the differences v(s') - v(s) that advantages are made of survive when v is large (gamma
// near 1, where v ~ 1 / (1 - gamma) and its differences stay bounded).
//
// Mixed-precision iterative refinement (Wilkinson 1963; Higham 2002, "Accuracy and Stability of
// Numerical Algorithms", ch. 12): x <- x + solve(b - M x), the residual formed in double-double
// from M's off-diagonal entries and row sums (src/finite/bellman_matrix.hpp) and the correction solved
// in double. It converges while the solve's relative error is below 1, i.e. for condition
// numbers up to about 1 / eps; the residuals it reaches make the solve's part of the error of v
// about eps^2 |M^{-1}| |M| |v| instead of eps |M^{-1}| |M| |v|.
#include <Eigen/Core>
#include <functional>
#include <vector>

#include "linalg/double_double.hpp"
#include "linalg/row_major_matrix.hpp"

namespace pgtruth::detail {

using DoubleDoubleVector = std::vector<DoubleDouble>;

/// b - M v, with (M v)(s) = row_sum(s) v(s) + sum_{j != s} |M(s,j)| (v(s) - v(j)): the form in
/// which a nearly constant v (gamma near 1) loses nothing to cancellation.
DoubleDoubleVector bellman_residual(const RowMajorMatrix& M, const Eigen::VectorXd& row_sum,
                                    const Eigen::VectorXd& b, const DoubleDoubleVector& v);

/// b - M^T eta, with M(j,j) = row_sum(j) + sum_{s != j} |M(j,s)| formed in double-double.
DoubleDoubleVector flow_residual(const RowMajorMatrix& M, const Eigen::VectorXd& row_sum,
                                 const Eigen::VectorXd& b, const DoubleDoubleVector& eta);

/// The largest |x_i| of the leading parts.
double max_abs(const DoubleDoubleVector& x);
/// sum_i |x_i| of the leading parts.
double sum_abs(const DoubleDoubleVector& x);
/// The leading parts as a vector of doubles.
Eigen::VectorXd leading(const DoubleDoubleVector& x);
/// x as a double-double vector.
DoubleDoubleVector widen(const Eigen::VectorXd& x);

/// Refines x towards the solution of the system whose residual b - (system) x is `residual`,
/// each correction by `solve` (an approximate inverse in double): a correction is kept while it
/// reduces the residual's largest entry, and refinement stops once one fails to halve it (the
/// floor of the double-double residual's rounding) or after `max_steps`. The residual measures
/// v's differences as well as v itself, so no stop is relative to |x| (near gamma = 1 v is
/// large and its differences are what the advantages need). Returns the residual of the final x.
DoubleDoubleVector refine(const std::function<DoubleDoubleVector(const DoubleDoubleVector&)>& residual,
                          const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& solve,
                          DoubleDoubleVector& x, int max_steps = 6);

}  // namespace pgtruth::detail
