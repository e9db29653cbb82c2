#include "finite/transition_rows.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pgtruth::detail {

void SparseRow::add(Index j, double x) {
  // Insertion from the end: a transition row has a handful of distinct successors, often in
  // ascending order already.
  std::size_t at = column.size();
  while (at > 0 && column[at - 1] > j) --at;
  if (at > 0 && column[at - 1] == j) return void(value[at - 1] += x);
  column.insert(column.begin() + static_cast<std::ptrdiff_t>(at), j);
  value.insert(value.begin() + static_cast<std::ptrdiff_t>(at), x);
}

void policy_transition_row(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, Index s, SparseRow& row) {
  row.clear();
  for (Index a = 0; a < mdp.num_actions(); ++a)
    for (const Outcome& o : mdp.outcomes_of(s, a)) row.add(o.next, pi(s, a) * o.probability);
}

void RowDeviation::include(const SparseRow& a, const SparseRow& b) {
  const auto fold = [this](double x, double y) {
    const double d = std::abs(x - y);
    if (std::isnan(d) || std::isnan(deviation)) deviation = std::numeric_limits<double>::quiet_NaN();
    else deviation = std::max(deviation, d);
    scale = std::max({scale, std::abs(x), std::abs(y)});
  };
  std::size_t i = 0, k = 0;  // a merge of the two column lists
  while (i < a.column.size() || k < b.column.size()) {
    if (k == b.column.size() || (i < a.column.size() && a.column[i] < b.column[k])) fold(a.value[i++], 0.0);
    else if (i == a.column.size() || b.column[k] < a.column[i]) fold(0.0, b.value[k++]);
    else fold(a.value[i++], b.value[k++]);
  }
}

}  // namespace pgtruth::detail
