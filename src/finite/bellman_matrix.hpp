#pragma once
// Internal: the Bellman system of a finite MDP under a policy, over the states whose value is
// unknown: M = I - gamma P_pi, r_pi, and r(s, a), assembled in one pass over the transitions
// (shared by the solver and the benchmark's baseline evaluation).
#include <Eigen/Core>
#include <vector>

#include "linalg/row_major_matrix.hpp"
#include "parallel/context.hpp"
#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// The non-terminal states whose value is finite, numbered 0..n-1 (-1 for the others).
struct Unknowns {
  std::vector<Index> state_of;   ///< unknown k -> state
  std::vector<Index> index_of;   ///< state -> unknown k, or -1
};

/// Numbers the non-terminal states s with proper[s] (all of them when gamma < 1).
Unknowns number_unknowns(const FiniteMdp& mdp, const std::vector<char>& proper);

/// The norms of M that residuals and the condition number are scaled by.
struct MatrixNorms {
  double inf = 0;           ///< |M|_inf, max row sum of |M|
  double one = 0;           ///< |M|_1, max column sum of |M|
  double off_identity = 0;  ///< |M - I|_inf = |gamma P_pi|_inf, the size of the data M is formed from
};

struct BellmanSystem {
  Eigen::MatrixXd r;     ///< r(s, a) of every state (FiniteMdp::expected_reward)
  Eigen::VectorXd r_pi;  ///< r_pi(k) = sum_a pi(a|s) r(s, a) at s = state_of[k]
  /// M = I - gamma P_pi over the unknowns; moves into other states drop out. Formed from its
  /// off-diagonal entries and its row sums, the data that determine a diagonally dominant
  /// M-matrix to high relative accuracy (Alfa, Xue & Ye 2002, "Entrywise perturbation theory for
  /// diagonally dominant M-matrices with applications", Numer. Math. 90): a row's probability
  /// of staying is one minus the rest of its row, so that 1 - gamma never cancels.
  RowMajorMatrix M;
  Eigen::VectorXd row_sum;  ///< M 1 = (1 - gamma) + gamma sum_a pi(a|s) P(leave the unknowns | s, a)
  MatrixNorms norms;     ///< of M
};

/// Assembles the system in one pass over the transition rows: M row by row into compressed
/// row-major storage (entries to one column summed, in the order of the actions and their
/// outcomes), the two halves of the states as a pair of `context` (the same arithmetic
/// on one thread or two). Throws IllPosedError when M would need more entries than
/// 32-bit indices address. With `normalised_policy` (a softmax) each row of pi sums to 1 by
/// definition, and the row sums of M take it so; otherwise pi's rows are taken as given, except
/// that a row summing to 1 within 2 A eps (its decimals' rounding) is taken to sum to 1.
BellmanSystem bellman_system(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, bool normalised_policy,
                             const Unknowns& u, ExecutionContext& context);

}  // namespace pgtruth::detail
