#pragma once
// Internal: the Bellman matrix M = I - gamma P_pi of a finite MDP under a policy, over the
// states whose value is unknown (shared by the solver and the benchmark's baseline evaluation).
#include <Eigen/Core>
#include <vector>

#include "aggregation_multigrid.hpp"  // RowMajorMatrix
#include "pgtruth/finite_mdp.hpp"

namespace pgtruth::detail {

/// The non-terminal states whose value is finite, numbered 0..n-1 (-1 for the others).
struct Unknowns {
  std::vector<Index> state_of;   ///< unknown k -> state
  std::vector<Index> index_of;   ///< state -> unknown k, or -1
};

/// Numbers the non-terminal states s with proper[s] (all of them when gamma < 1).
Unknowns number_unknowns(const FiniteMdp& mdp, const std::vector<char>& proper);

/// M = I - gamma P_pi restricted to the unknowns; moves into terminal states drop out.
/// Written row by row into compressed row-major storage, entries to one column summed.
/// Throws IllPosedError when M would need more entries than 32-bit indices address.
RowMajorMatrix bellman_matrix(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, const Unknowns& u);

}  // namespace pgtruth::detail
