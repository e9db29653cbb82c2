#include "finite/bellman_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "pgtruth/error.hpp"

namespace pgtruth::detail {

Unknowns number_unknowns(const FiniteMdp& mdp, const std::vector<char>& proper) {
  Unknowns u;
  u.index_of.assign(mdp.num_states(), -1);
  u.state_of.reserve(static_cast<std::size_t>(mdp.num_states()));
  for (Index s = 0; s < mdp.num_states(); ++s)
    if (!mdp.is_terminal(s) && proper[s]) {
      u.index_of[s] = static_cast<Index>(u.state_of.size());
      u.state_of.push_back(s);
    }
  return u;
}

BellmanSystem bellman_system(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, bool normalised_policy,
                             const Unknowns& u, ExecutionContext& context) {
  const Index S = mdp.num_states(), A = mdp.num_actions(), n = static_cast<Index>(u.state_of.size());
  const auto entries_bound = [&](Index s) {  // at most one entry an outcome, plus the diagonal
    return 1 + mdp.outcome_begin()[static_cast<std::size_t>((s + 1) * A)] -
           mdp.outcome_begin()[static_cast<std::size_t>(s * A)];
  };
  // The states are assembled in two halves, [0, S/2) and [S/2, S): the first into M's storage,
  // the second into a buffer of its own (its entries go after the first half's, whose number
  // is not known until they are made), copied into M at the end and freed. Only the pages
  // written are touched: M's storage is sized by the bound on all entries, the buffer by the
  // bound on the second half's, and a later phase reuses the buffer's freed pages.
  const Index middle = S / 2;
  const Index second_first = std::lower_bound(u.state_of.begin(), u.state_of.end(), middle) - u.state_of.begin();
  Index bound = 0, first_bound = 0;  // on all entries, and on the first half's
  for (Index k = 0; k < n; ++k) {
    if (k == second_first) first_bound = bound;
    bound += entries_bound(u.state_of[k]);
  }
  if (second_first == n) first_bound = bound;  // no unknown in the second half
  const Index second_bound = bound - first_bound;
  if (bound > std::numeric_limits<int>::max())
    throw IllPosedError("", "the Bellman matrix I - gamma P_pi would have " + std::to_string(bound) +
                                " entries, more than its 32-bit indices can address");
  BellmanSystem system;
  system.r.resize(S, A);
  system.r_pi.resize(n);
  system.row_sum.resize(n);
  RowMajorMatrix& M = system.M;
  M.resize(n, n);
  M.resizeNonZeros(bound);  // pages past the entries written are never touched
  int* outer = M.outerIndexPtr();
  outer[0] = 0;
  // Uninitialised, as M's storage is: the halves write every entry they keep.
  const auto second_columns = std::make_unique_for_overwrite<int[]>(static_cast<std::size_t>(second_bound));
  const auto second_values = std::make_unique_for_overwrite<double[]>(static_cast<std::size_t>(second_bound));

  struct Half {
    int end = 0;  // one past its last entry
    MatrixNorms norms;
    Eigen::VectorXd column_sums;
  } halves[2];
  split_in_two(context, S, [&](int which, Index begin, Index end) {
    Half& half = halves[which];
    system.r.middleRows(begin, end - begin).setZero();
    half.column_sums = Eigen::VectorXd::Zero(n);
    // Sums in locals, stored in `half` once at the end: the two halves' records share a cache
    // line, and a store to it on every row made the cores take the line from each other
    // (a third of this phase's time at 10^4 states).
    double* column_sums = half.column_sums.data();
    MatrixNorms norms;
    // The half's entries, from 0 (outer[] holds offsets within the half until the end).
    int* column = which == 0 ? M.innerIndexPtr() : second_columns.get();
    double* value = which == 0 ? M.valuePtr() : second_values.get();
    int size = 0;
    for (Index s = begin; s < end; ++s) {
      if (mdp.is_terminal(s)) continue;
      const Index k = u.index_of[s];
      const int first = size;
      const auto add = [&](int j, double x) {  // insertion into row k, kept sorted by column
        int at = size;
        while (at > first && column[at - 1] > j) --at;
        if (at > first && column[at - 1] == j) return void(value[at - 1] += x);
        for (int e = size; e > at; --e) column[e] = column[e - 1], value[e] = value[e - 1];
        column[at] = j, value[at] = x, ++size;
      };
      if (k >= 0) add(static_cast<int>(k), 0.0);  // the diagonal, set once the row is known
      double leaving = 0.0;  // sum_a pi(a|s) P(leave the unknowns | s, a)
      for (Index a = 0; a < A; ++a) {
        system.r(s, a) = mdp.expected_reward(s, a);
        if (k < 0 || pi(s, a) == 0.0) continue;
        double leave = 0.0;
        for (const Outcome& o : mdp.outcomes_of(s, a)) {  // the row just read, still in cache
          const Index j = u.index_of[o.next];
          if (o.probability == 0.0) continue;
          if (j < 0) leave += o.probability;
          else if (j != k) add(static_cast<int>(j), -mdp.gamma() * pi(s, a) * o.probability);
        }
        leaving += pi(s, a) * leave;
      }
      if (k < 0) continue;
      // The row sum (1 - gamma) + gamma sum_a pi(a|s) leave(s, a), then the diagonal as that sum
      // plus the off-diagonal magnitudes: no 1 - gamma p_ss that would cancel as gamma -> 1.
      double row_sum = mdp.one_minus_gamma() + mdp.gamma() * leaving;
      // A direct policy's row as given, unless it sums to 1 within the rounding of its decimals
      // to doubles (2 A eps): then it is the distribution the file states (its sum, 1).
      if (!normalised_policy) {
        const double deficit = 1.0 - pi.row(s).sum();
        if (std::abs(deficit) > 2.0 * static_cast<double>(A) * std::numeric_limits<double>::epsilon())
          row_sum += mdp.gamma() * deficit;
      }
      double diagonal = row_sum;
      for (int p = first; p < size; ++p) diagonal -= value[p];
      for (int p = first; p < size; ++p)
        if (column[p] == k) value[p] = diagonal;
      system.row_sum(k) = row_sum;
      outer[k + 1] = size;
      system.r_pi(k) = pi.row(s).dot(system.r.row(s));
      double row = 0.0, row_off_identity = 0.0;
      for (int p = first; p < size; ++p) {
        row += std::abs(value[p]);
        row_off_identity += std::abs(value[p] - (column[p] == k ? 1.0 : 0.0));
        column_sums[column[p]] += std::abs(value[p]);
      }
      norms.inf = std::max(norms.inf, row);
      norms.off_identity = std::max(norms.off_identity, row_off_identity);
    }
    half.norms = norms;
    half.end = size;
  });
  // The second half's entries after the first's.
  const int first_end = halves[0].end;
  std::copy(second_columns.get(), second_columns.get() + halves[1].end, M.innerIndexPtr() + first_end);
  std::copy(second_values.get(), second_values.get() + halves[1].end, M.valuePtr() + first_end);
  for (Index k = second_first; k < n; ++k) outer[k + 1] += first_end;
  M.resizeNonZeros(first_end + halves[1].end);
  system.norms.inf = std::max(halves[0].norms.inf, halves[1].norms.inf);
  system.norms.off_identity = std::max(halves[0].norms.off_identity, halves[1].norms.off_identity);
  system.norms.one = n ? (halves[0].column_sums + halves[1].column_sums).maxCoeff() : 0.0;
  return system;
}

}  // namespace pgtruth::detail
