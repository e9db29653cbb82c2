#pragma once
/// \file
/// Exact policy evaluation and policy gradient of an LQG problem (spec §2).
///
/// With the closed loop Ã = √γ (A − BK), the policy's state cost Q_K = Q + KᵀRK − NK − KᵀNᵀ
/// and the per-step noise V = BΣBᵀ + W:
///
///   P     = Q_K + Ãᵀ P Ã                              (Stein equation, value matrix)
///   X     = E₀ + Ã X Ãᵀ + γ V / (1 − γ)               (Stein equation, state moment Σ_t γᵗ E[x_t x_tᵀ])
///   v(x)  = xᵀPx + c,  c_D = γ tr(PV) / (1 − γ),  c_S = c_D + tr(RΣ) / (1 − γ)
///   J     = tr(P E₀) + c,  E₀ = cov + mean meanᵀ
///   dJ/dK = 2 [(R + γBᵀPB) K − γBᵀPA − Nᵀ] X          (Fazel et al. 2018, Lemma 1, discounted,
///                                                       with noise and the cross term)
///   dJ/dΣ = (R + γBᵀPB) / (1 − γ) (S),  γBᵀPB / (1 − γ) (D)
///   F     = Σ⁻¹ ⊗ (1 − γ) X  over theta = vec_row(K);  natural gradient = Σ G ((1 − γ) X)⁺
///
/// One real Schur factorisation of Ã serves both Stein equations. At γ = 1 (no noise) the
/// constants are 0 and dJ/dΣ, the Fisher matrix and the natural gradient are not defined.

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "pgtruth/lqg/problem.hpp"
#include "pgtruth/threads.hpp"

namespace pgtruth {

/// Forward-error bounds of what is printed, for the exact problem the file's doubles define
/// (absolute; matrices in the spectral norm, the gradient in the Frobenius norm).
/// Each bound is certified (every rounding error and the error of P, X and the gradient
/// carried through) unless its key is listed in `first_order`.
struct LqgErrorBounds {
  double J = 0;
  double P = 0;
  double state_moment = 0;
  double gradient = 0;
  double value_constant = 0;
  double gradient_sigma = 0;     ///< spectral norm (γ < 1)
  double q_matrix = 0;           ///< spectral norm
  double q_constant = 0;
  double fisher = 0;             ///< spectral norm (when the dense Fisher matrix is formed)
  double natural_gradient = 0;   ///< Frobenius norm
  double optimal_K = 0;          ///< spectral norm
  double optimal_P = 0;          ///< spectral norm
  double optimal_J = 0;
  /// Keys (as in JSON: "natural_gradient", "optimal") whose bound is a first-order estimate:
  /// the natural gradient where X̄ is not certified nonsingular (Wedin's bound at the counted
  /// rank), the optimum where its Kantorovich-type bound does not close (double path, n > 160).
  std::vector<std::string> first_order;
};

struct LqgSolveSummary {
  std::string method;
  std::string precision;        ///< "double-double" or "double": residuals and J, gradient formed in it
  double value_residual = 0;    ///< relative residual of the Stein equation for P
  double moment_residual = 0;   ///< relative residual of the Stein equation for X
  double riccati_residual = 0;  ///< relative residual of the Riccati equation (when solved)
  /// Certified by a Lyapunov certificate (CertifiedSteinSolver): ρ(Ã) ≤ spectral_radius_bound,
  /// stability_margin = 1 − spectral_radius_bound > 0.
  double spectral_radius_bound = 0;
  double stability_margin = 0;
  /// ‖L⁻¹‖₂ (1 + ‖Ã‖₂²) bounded above, L(P) = P − ÃᵀPÃ: the relative condition number of the
  /// Stein equations (the 1/sep of SLICOT SB03QD, in the spectral norm).
  double stein_condition = 0;
  LqgErrorBounds error_bounds;
  double seconds = 0;
  std::string brief_report() const;
};

/// The best linear policy with the same noise (discounted Riccati equation).
struct LqgOptimum {
  Eigen::MatrixXd K, P;
  double J = 0;
};

struct LqgSolution {
  double J = 0;
  Eigen::MatrixXd P;
  double value_constant = 0;
  Eigen::MatrixXd gradient;                        ///< dJ/dK, m × n
  std::optional<Eigen::MatrixXd> gradient_sigma;   ///< dJ/dΣ, m × m (γ < 1)
  Eigen::MatrixXd state_moment;                    ///< X
  Eigen::MatrixXd q_matrix;                        ///< Q(x,u) = [x;u]ᵀ q_matrix [x;u] + q_constant
  double q_constant = 0;
  /// γ < 1 and Σ ≻ 0; the dense matrix only for m n <= kMaxDenseFisherParameters
  std::optional<Eigen::MatrixXd> fisher;
  std::optional<Eigen::MatrixXd> natural_gradient; ///< m × n
  std::optional<Eigen::Index> fisher_rank;
  double spectral_radius = 0;                      ///< of Ã
  std::optional<LqgOptimum> optimal;
  std::string optimal_unavailable;                 ///< why `optimal` is absent
  LqgSolveSummary summary;
};

struct LqgSolveOptions {
  bool compute_optimal = true;   ///< solve the Riccati equation for `optimal`
  bool compute_fisher = true;    ///< Fisher matrix and natural gradient (an eigendecomposition of X)
  double max_residual = 1e-8;    ///< refuse Stein solutions with a larger relative residual
  /// Steps of iterative refinement of P, the value matrix that J and q come from
  /// (DiscreteLyapunovSolver::solve). One step lowers its residual 18 to 30 times for about
  /// 1.4 times the time of the solve at n = 500; the state moment X is not refined, as a
  /// second step would bring the solve level with scipy's at n = 500 (docs/benchmarks.md).
  int value_refinements = 1;
  /// Up to this n the Stein residuals, J and the gradient are formed in double-double and P,
  /// X refined until their residuals stop halving; above it in double, with P refined
  /// `value_refinements` times (the benchmarks' path), and again in double-double when a bound
  /// of the double path exceeds max_relative_error.
  Eigen::Index extended_precision_max_n = 64;
  /// Refuse (IllPosedError) when a forward-error bound exceeds this fraction of what it bounds:
  /// J, P and the state moment; the gradient also unless its bound is within 64 unit
  /// roundoffs of the size of its terms (a gradient that is zero to working precision).
  double max_relative_error = 1e-6;
  /// A solve in double whose bounds exceed max_relative_error is redone in double-double up to
  /// this n; above it, where double-double would take seconds, the double path's bounds (worst-
  /// case rounding, pessimistic by orders of magnitude at large n) are printed and accepted up
  /// to max_relative_error_double.
  Eigen::Index extended_double_double_max_n = 160;
  double max_relative_error_double = 1e-2;
  /// The derived outputs whose error bounds must meet the tolerances above (those of J, P, X and
  /// the gradient always must): a bound above them is refused (IllPosedError) when its output
  /// is required, else returned with it for the caller not to print (`pgtruth solve --keys`
  /// requires only the keys it prints).
  struct Required {
    bool value_constant = true, gradient_sigma = true, q_matrix = true, q_constant = true, fisher = true,
         natural_gradient = true, optimal = true;
  } required;
  /// The OpenMP threads of Eigen's dense products during the solve; at most kMaxThreads.
  int threads = 0;  ///< 0: every core; 1: no helper thread
  void validate() const;
};

/// Throws IllPosedError at "/policy/K" when the spectral radius of Ã is >= 1 (J infinite), when
/// stability cannot be certified, or when an error bound exceeds options.max_relative_error;
/// at the cost or noise field concerned when a result overflows a double (costs and noise are
/// scaled by powers of two internally, so that only results beyond 1.8e308 do).
LqgSolution solve(const LqgProblem& problem, const LqgSolveOptions& options = {});

/// √γ (A − BK).
Eigen::MatrixXd closed_loop(const LqgProblem& p, const Eigen::MatrixXd& K);
/// Q_K = Q + KᵀRK − NK − KᵀNᵀ: the state cost of the policy mean, xᵀ Q_K x = l(x, −Kx).
Eigen::MatrixXd policy_state_cost(const LqgProblem& p, const Eigen::MatrixXd& K);

}  // namespace pgtruth
