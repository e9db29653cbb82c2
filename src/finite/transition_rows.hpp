#pragma once
// Internal: the rows of a policy's transition matrix, P_pi(s'|s) = sum_a pi(a|s) P(s'|s, a)
// (spec §1), formed one state at a time as sparse rows, and the largest entrywise difference of
// two such matrices, for the checks that must not form S x S matrices (`pgtruth equivalence`
// compares P_S with P_D, Todorov 2025, Theorem 1 and eq. 47). Memory: one row at a time.
#include <Eigen/Core>
#include <vector>

#include "pgtruth/finite/mdp.hpp"

namespace pgtruth::detail {

/// A sparse row: columns ascending, each at most once.
struct SparseRow {
  std::vector<Index> column;
  std::vector<double> value;

  void clear() { column.clear(), value.clear(); }
  /// Adds x at column j: a new entry, or x added to the entry already there, so that the
  /// entries of one column are summed in the order they are added.
  void add(Index j, double x);
};

/// Row s of P_pi over every state (moves into terminal states included; empty for a terminal
/// s): pi(a|s) P(s'|s, a) added for every action a and outcome s', in the order of the actions
/// and of their outcomes (the order of a dense accumulation, so each entry is the same double).
void policy_transition_row(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, Index s, SparseRow& row);

/// The largest |a - b| over the union of the columns of rows a and b (a column absent from a
/// row is 0 there), and the largest |entry| of either, accumulated over rows: for two S x S
/// matrices given row by row, max_ij |A_ij - B_ij| and max(max |A_ij|, max |B_ij|). A NaN
/// makes the deviation NaN.
struct RowDeviation {
  double deviation = 0;
  double scale = 0;
  void include(const SparseRow& a, const SparseRow& b);
};

}  // namespace pgtruth::detail
