#pragma once
// Internal: q(s, a) and the advantages q(s, a) - v(s) from the refined values, formed so that
// neither cancels: not the large v (gamma near 1), nor q - v at a peaked policy.
#include <Eigen/Core>

#include "finite/bellman_matrix.hpp"
#include "finite/bellman_refinement.hpp"
#include "parallel/context.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

struct ActionValues {
  Eigen::MatrixXd q;          ///< S x A; 0 on terminal rows, NaN where v is undefined
  Eigen::MatrixXd advantage;  ///< q - v, the same shape
};

/// With v over the unknowns (double-double) and r(s, a):
///   q(s,a) = r(s,a) + gamma [ (1 - leave(s,a)) v(s) + sum_{s' != s} P(s'|s,a) (v(s') - v(s)) ]
/// (the Bellman equation with the probability of staying taken as one minus the rest of the
/// row, as M is), and, with a* the most probable action of s and D(a) = q(s,a) - q(s,a*),
///   A(s,a) = D(a) - sum_b pi(b|s) D(b),
/// which equals q(s,a) - sum_b pi(b|s) q(s,b) and loses nothing when pi(a*|s) is near 1 (the
/// dominant action's advantage is a sum of small terms, not a difference of large ones).
/// Without `normalised_policy` (a direct policy, rows as given) A(s,a) = q(s,a) - v(s).
/// In double-double arithmetic when `in_double_double` (v refined), else in double from v's
/// leading parts (v accurate to 1e-10 of its spread already, and several times faster). The two
/// halves of the states as a pair on `context`.
ActionValues action_values(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, bool normalised_policy,
                           const Eigen::MatrixXd& r, const Unknowns& u, const DoubleDoubleVector& v,
                           bool in_double_double, ExecutionContext& context);

}  // namespace pgtruth::detail
