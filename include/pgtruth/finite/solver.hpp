#pragma once
/// \file
/// Exact policy evaluation and policy gradient of a finite MDP (spec §1, "Exact quantities").
///
/// With M = I - gamma P_pi over the non-terminal states (moves into terminal states drop out,
/// as v = 0 there) and r_pi(s) = sum_a pi(a|s) r(s,a):
///
///   v   = M^{-1} r_pi                       (Bellman equation,   M v = r_pi)
///   eta = M^{-T} start                      (flow balance,       M^T eta = start)
///   J   = start . v = eta . r_pi
///   grad J = sum_s eta(s) sum_a grad pi(a|s) q(s,a)
///
/// The gradient is the adjoint (implicit function theorem) form: differentiating M v = r_pi
/// gives dJ = eta^T (d r_pi + gamma dP_pi v), i.e. the policy gradient theorem (Sutton et al.
/// 2000, Thm 1). One sparse LU factorisation of M serves v (a solve) and eta (a transposed
/// solve), so the exact gradient costs about one policy evaluation.
///
/// Beyond a few thousand states a preconditioned Krylov solve replaces the factorisation
/// (FiniteSolveOptions::linear_solver): BiCGSTAB (van der Vorst 1992) preconditioned by an
/// aggregation-based algebraic multigrid V-cycle (Notay 2010) built once from M and serving
/// M^T as well, the two systems (v and eta) solved at the same time on two threads, each until
/// its relative backward error |M x - b|_inf / (|M|_inf |x|_inf + |b|_inf) is certified below
/// iterative_tolerance.
///
/// Throws IllPosedError when gamma = 1 and the policy is improper from start, when M is
/// singular, or ill-conditioned beyond FiniteSolveOptions::max_condition, or when the
/// residuals exceed FiniteSolveOptions::max_residual.

#include <Eigen/Core>
#include <optional>
#include <string>

#include "pgtruth/dense_limits.hpp"
#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/finite/policy.hpp"
#include "pgtruth/threads.hpp"

namespace pgtruth {

/// How the Bellman system M x = b is solved.
enum class LinearSolver {
  automatic,  ///< direct up to FiniteSolveOptions::iterative_above unknowns (and for gamma = 1), else iterative
  direct,     ///< one sparse LU (KLU, AMD ordering) serving v, eta and the condition number
  iterative,  ///< BiCGSTAB with an aggregation multigrid preconditioner, residuals certified
};

struct FiniteSolveOptions {
  bool compute_fisher = true;    ///< Fisher matrix, its rank and the natural gradient
  LinearSolver linear_solver = LinearSolver::automatic;
  /// automatic: iterative beyond this many unknowns. On the spec's gridworld the multigrid path
  /// is faster from about 2 000 unknowns on (at 5 000: 7 ms against 10); up to 5 000 the direct
  /// path is kept for its exact condition number and smaller residuals (docs/benchmarks.md).
  Index iterative_above = 5000;
  double iterative_tolerance = 1e-13; ///< relative backward error each Krylov solve must reach
  /// Refuse when LinearSolveSummary::condition exceeds this: the refinement of the solutions in
  /// double-double converges while condition x eps is well below 1.
  double max_condition = 1e14;
  double max_residual = 1e-10;   ///< refuse when a relative residual exceeds this
  /// The solve's phases split in two run on two threads (beyond iterative_above states or with
  /// the iterative solver); Eigen's dense products on `threads` OpenMP threads; at most kMaxThreads.
  int threads = 0;  ///< 0: every core; 1: no helper thread

  /// Throws std::invalid_argument naming the bad option.
  void validate() const;
};

/// How the linear system was solved, and how well (the Ceres "Summary").
struct LinearSolveSummary {
  std::string method;                ///< e.g. "sparse LU (KLU, AMD ordering)"
  Index unknowns = 0;                ///< non-terminal states that reach termination
  Index nonzeros = 0;                ///< of M
  double bellman_residual = 0;       ///< |M v - r_pi|_inf / (|M|_inf |v|_inf + |r_pi|_inf)
  double flow_residual = 0;          ///< |M^T eta - start|_inf / (|M|_1 |eta|_inf + |start|_inf)
  /// |gamma P_pi|_inf |M^{-1}|_inf, exact as M^{-1} >= 0: the factor by which relative errors
  /// in gamma or P can grow in v (the condition of M = I - gamma P with respect to its data,
  /// not to M itself, which hides the cancellation in 1 - gamma). About the longest expected
  /// discounted episode from any state; 1/(1 - gamma) - 1 without terminal states.
  double condition = 0;
  /// The iterative path does not form M^{-1}: with g = |gamma P_pi|_inf < 1 it reports the bound
  /// condition <= g / (1 - g) (as |M^{-1}|_inf <= 1 / (1 - g)) and sets this flag.
  bool condition_is_bound = false;
  /// Bounds on the solve's error in the printed v (max norm) and occupancy (sum of absolute
  /// errors), from the residuals of the refined solutions formed in double-double precision:
  /// |v - v*|_inf <= |M^{-1}|_inf |r_pi - M v|_inf, |eta - eta*|_1 <= |M^{-1}|_inf |start - M^T eta|_1,
  /// plus the rounding to double. v* and eta* solve the system formed from the problem's
  /// doubles (the policy's probabilities, gamma P, and each row's probability of leaving).
  double value_error = 0;
  double occupancy_error = 0;
  /// A bound on the gradient's error (max norm) propagated from those of v and eta through the
  /// advantages (q for a direct policy) and the contraction with d pi / d theta, plus its rounding.
  double gradient_error = 0;
  /// Bounds on the absolute error of the other printed quantities (docs/numerics.md, "Error
  /// bounds of the printed quantities"): the solve's error propagated from value_error and
  /// occupancy_error, plus the rounding of the operations that form each quantity; like the
  /// bounds above, not the rounding of the problem's data. Absent where not computed (the PETSc
  /// engine; the Fisher bounds without a Fisher matrix or natural gradient).
  std::optional<double> J_error;                 ///< |J - J*|
  std::optional<double> q_error;                 ///< max norm over defined entries
  std::optional<double> advantage_error;         ///< max norm over defined entries
  std::optional<double> expected_length_error;   ///< |L - L*|, L = sum of the occupancy
  std::optional<double> visitation_error;        ///< sum of absolute errors, like occupancy_error
  std::optional<double> fisher_error;            ///< spectral norm of F's error, so also each entry's
  /// Max norm; for linear features a bound on the 2-norm (which bounds the max norm); absent
  /// beyond 2e7 entries of the features' differences, where it is not formed.
  std::optional<double> natural_gradient_error;
  long iterations = 0;               ///< Krylov iterations over both solves (0 for the direct path)
  double seconds = 0;                ///< wall time of solve()

  /// One line: method, size, residuals, condition, time.
  std::string brief_report() const;
  /// One line: every error bound, each with its norm ("error bounds: J 1.1e-16, v (max) ...").
  std::string error_bounds_report() const;
};

struct FiniteSolution {
  Eigen::MatrixXd policy;            ///< pi(a|s), S x A (0 on terminal rows)
  Eigen::VectorXd v;                 ///< state values (0 at terminal states)
  Eigen::MatrixXd q;                 ///< action values, S x A (0 on terminal rows)
  Eigen::MatrixXd advantage;         ///< q - v
  Eigen::VectorXd occupancy;         ///< eta(s) = sum_t gamma^t Pr(s_t = s) (0 at terminal states)
  double expected_length = 0;        ///< sum_s eta(s)
  Eigen::VectorXd visitation;        ///< d = eta / expected_length
  double J = 0;                      ///< sum_s start(s) v(s)
  Eigen::VectorXd gradient;          ///< grad_theta J, in the order of theta
  /// Softmax policies with compute_fisher only:
  std::optional<Eigen::MatrixXd> fisher;          ///< dense F (absent when too large to form)
  std::optional<Eigen::VectorXd> natural_gradient;  ///< F^+ gradient
  std::optional<Index> fisher_rank;
  /// States (unreachable from start, gamma = 1) from which termination is not certain: their
  /// v and q are undefined and hold NaN. Empty in every well-posed discounted problem.
  std::vector<Index> undefined_states;
  LinearSolveSummary summary;
};

/// Evaluates pi exactly and differentiates J (see the file comment).
FiniteSolution solve(const FiniteMdp& mdp, const FinitePolicy& policy,
                     const FiniteSolveOptions& options = {});

}  // namespace pgtruth
