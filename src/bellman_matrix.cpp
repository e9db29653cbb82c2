#include "bellman_matrix.hpp"

#include <cmath>
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

BellmanSystem bellman_system(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, const Unknowns& u) {
  const Index S = mdp.num_states(), A = mdp.num_actions(), n = static_cast<Index>(u.state_of.size());
  Index bound = n;  // at most one entry an outcome, plus the diagonal
  for (Index k = 0; k < n; ++k)
    bound += mdp.outcome_begin[static_cast<std::size_t>((u.state_of[k] + 1) * A)] -
             mdp.outcome_begin[static_cast<std::size_t>(u.state_of[k] * A)];
  if (bound > std::numeric_limits<int>::max())
    throw IllPosedError("", "the Bellman matrix I - gamma P_pi would have " + std::to_string(bound) +
                                " entries, more than its 32-bit indices can address");
  BellmanSystem system;
  system.r = Eigen::MatrixXd::Zero(S, A);
  system.r_pi.resize(n);
  RowMajorMatrix& M = system.M;
  M.resize(n, n);
  M.resizeNonZeros(bound);  // pages past the entries written are never touched
  int* outer = M.outerIndexPtr();
  int* column = M.innerIndexPtr();
  double* value = M.valuePtr();
  Eigen::VectorXd column_sums = Eigen::VectorXd::Zero(n);
  int size = 0;
  outer[0] = 0;
  for (Index s = 0; s < S; ++s) {
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
    if (k >= 0) add(static_cast<int>(k), 1.0);
    for (Index a = 0; a < A; ++a) {
      system.r(s, a) = mdp.expected_reward(s, a);
      if (k < 0 || pi(s, a) == 0.0) continue;
      for (const Outcome& o : mdp.outcomes_of(s, a)) {  // the row just read, still in cache
        const Index j = u.index_of[o.next];
        if (j >= 0 && o.probability != 0.0) add(static_cast<int>(j), -mdp.gamma * pi(s, a) * o.probability);
      }
    }
    if (k < 0) continue;
    outer[k + 1] = size;
    system.r_pi(k) = pi.row(s).dot(system.r.row(s));
    double row = 0.0, row_off_identity = 0.0;
    for (int p = first; p < size; ++p) {
      row += std::abs(value[p]);
      row_off_identity += std::abs(value[p] - (column[p] == k ? 1.0 : 0.0));
      column_sums(column[p]) += std::abs(value[p]);
    }
    system.norms.inf = std::max(system.norms.inf, row);
    system.norms.off_identity = std::max(system.norms.off_identity, row_off_identity);
  }
  M.resizeNonZeros(size);
  system.norms.one = n ? column_sums.maxCoeff() : 0.0;
  return system;
}

}  // namespace pgtruth::detail
