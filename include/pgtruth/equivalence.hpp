#pragma once
/// \file
/// The equivalence of stochastic (S) and deterministic (D) policy gradients
/// (Todorov 2025, "Equivalence of stochastic and deterministic policy gradients", arXiv:2505.23244).
///
/// LQG (§3): with Gaussian control noise d ~ N(0, Σ) and quadratic control cost, the S problem
/// (cost l(x, μ(x) + d)) and the D problem (cost l(x, μ(x)), d in the dynamics) have the same
/// transitions and visitation, v_S = v_D + tr(RΣ)/(1 − γ), the same policy gradient (the
/// stochastic E[ψ Q_S] equals the deterministic E[∇μ ∇_u Q_D]), and F_S equals the D-side
/// Fisher weighted by Σ⁻¹, E[∇μ Σ⁻¹ ∇μᵀ] (the modified F_D of eq. 22), hence the same natural
/// gradient; Q_S − Q_D is a constant in LQG.
///
/// Finite MDPs (§4, Theorem 1): the D-MDP whose control is the action-probability vector
/// η ∈ Δ(A), with reward r_D(s, η) = Σ_a η_a r(s, a) and transitions
/// P_D(s'|s, η) = Σ_a η_a P(s'|s, a) (eq. 47), run with the deterministic policy
/// μ(s) = π(·|s), has P_D = P_S and v_D = v_S, and its deterministic policy gradient
/// Σ_s occupancy(s) ∇_θ μ(s) ∇_η Q_D(s, η) equals the stochastic policy gradient.
///
/// Each identity is computed from the two sides separately and reported with its largest
/// absolute deviation; it holds when that is at most `tolerance` times max(1, scale). Where the
/// engine computes a quantity once for both formulations, the identity is marked by_construction.

#include <string>
#include <vector>

#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth {

struct Identity {
  std::string name;       ///< e.g. "v_S - v_D = tr(R Sigma)/(1 - gamma)"
  std::string source;     ///< where the identity is stated
  double deviation = 0;   ///< largest absolute deviation between the two sides
  double scale = 0;       ///< size of the quantities compared
  double tolerance = 1e-9;
  /// Both sides come from one computation, shared by the two formulations (the LQG state moment,
  /// P, the q_matrix, the Fisher matrix): the identity holds by construction, and is shown as
  /// such rather than as evidence.
  bool by_construction = false;
  bool holds() const;
};

struct EquivalenceReport {
  std::vector<Identity> identities;
  std::vector<std::string> notes;   ///< values shown beside the identities (e.g. Q_S - Q_D)
  bool all_hold() const;
};

/// Both formulations of an LQG problem solved (the file's `formulation` is ignored).
struct LqgPair {
  LqgProblem stochastic, deterministic;
  LqgSolution S, D;
};
/// `options` apply to both solves (threads, tolerances); D skips the optimum.
LqgPair solve_both_formulations(const LqgProblem& problem, const LqgSolveOptions& options = {});

/// Todorov (2025) §3 from the two solutions of `pair` (which a test may perturb).
EquivalenceReport lqg_equivalence(const LqgPair& pair);

/// The D-MDP of Theorem 1 (eq. 47) for the softmax policy of `problem`, as a finite MDP with one
/// action per state: the control μ(s) = π(·|s) is fixed, so its outcomes are the π-mixture of
/// the original outcomes, each with its own reward.
FiniteMdp deterministic_mdp(const FiniteMdp& mdp, const Eigen::MatrixXd& pi);

/// Todorov (2025) Theorem 1 from the S solution and the D-MDP's evaluation.
struct FinitePair {
  FiniteSolution S;
  FiniteMdp d_mdp;
  FiniteSolution D;  ///< the D-MDP evaluated under its (single, fixed) control
};
/// `options` apply to both solves (threads, linear solver); D skips the Fisher matrix.
FinitePair solve_both_formulations(const FiniteProblem& problem, const FiniteSolveOptions& options = {});
EquivalenceReport finite_equivalence(const FiniteProblem& problem, const FinitePair& pair);

}  // namespace pgtruth
