#include "bellman_matrix.hpp"

#include <limits>
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

RowMajorMatrix bellman_matrix(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, const Unknowns& u) {
  const Index n = static_cast<Index>(u.state_of.size());
  Index bound = n;  // at most one entry an outcome, plus the diagonal
  for (Index k = 0; k < n; ++k)
    bound += mdp.outcome_begin[static_cast<std::size_t>((u.state_of[k] + 1) * mdp.num_actions())] -
             mdp.outcome_begin[static_cast<std::size_t>(u.state_of[k] * mdp.num_actions())];
  if (bound > std::numeric_limits<int>::max())
    throw IllPosedError("", "the Bellman matrix I - gamma P_pi would have " + std::to_string(bound) +
                                " entries, more than its 32-bit indices can address");
  RowMajorMatrix M(n, n);
  M.resizeNonZeros(bound);  // pages past the entries written are never touched
  int* outer = M.outerIndexPtr();
  int* column = M.innerIndexPtr();
  double* value = M.valuePtr();
  int size = 0;
  outer[0] = 0;
  for (Index k = 0; k < n; ++k) {
    const Index s = u.state_of[k];
    const int first = size;
    const auto add = [&](int j, double x) {  // insertion into the row, kept sorted by column
      int at = size;
      while (at > first && column[at - 1] > j) --at;
      if (at > first && column[at - 1] == j) return void(value[at - 1] += x);
      for (int e = size; e > at; --e) column[e] = column[e - 1], value[e] = value[e - 1];
      column[at] = j, value[at] = x, ++size;
    };
    add(static_cast<int>(k), 1.0);
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      if (pi(s, a) == 0.0) continue;
      for (const Outcome& o : mdp.outcomes_of(s, a)) {
        const Index j = u.index_of[o.next];
        if (j >= 0 && o.probability != 0.0) add(static_cast<int>(j), -mdp.gamma * pi(s, a) * o.probability);
      }
    }
    outer[k + 1] = size;
  }
  M.resizeNonZeros(size);
  return M;
}

}  // namespace pgtruth::detail
