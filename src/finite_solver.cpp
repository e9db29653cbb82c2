#include "format.hpp"
#include "pgtruth/finite_solver.hpp"

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/OrderingMethods>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "pgtruth/error.hpp"
#include "pgtruth/finite_structure.hpp"
#include "pgtruth/fisher.hpp"

namespace pgtruth {

void FiniteSolveOptions::validate() const {
  if (!(max_condition >= 1.0))
    throw std::invalid_argument("FiniteSolveOptions::max_condition must be >= 1");
  if (!(max_residual > 0.0))
    throw std::invalid_argument("FiniteSolveOptions::max_residual must be > 0");
  if (!(iterative_tolerance > 0.0 && iterative_tolerance <= max_residual))
    throw std::invalid_argument("FiniteSolveOptions::iterative_tolerance must be in (0, max_residual]");
}

std::string LinearSolveSummary::brief_report() const {
  char line[256];
  std::snprintf(line, sizeof line,
                "%s, %lld unknowns, %lld nonzeros; residuals: Bellman %.1e, flow balance %.1e; "
                "condition %s%.2e; %.3g s",
                method.c_str(), static_cast<long long>(unknowns), static_cast<long long>(nonzeros),
                bellman_residual, flow_residual, condition_is_bound ? "<= " : "", condition, seconds);
  return line;
}

namespace {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

/// The non-terminal states whose value is finite, numbered 0..n-1 (-1 for the others).
struct Unknowns {
  std::vector<Index> state_of;   ///< unknown k -> state
  std::vector<Index> index_of;   ///< state -> unknown k, or -1
};

Unknowns number_unknowns(const FiniteMdp& mdp, const std::vector<char>& proper) {
  Unknowns u;
  u.index_of.assign(mdp.num_states(), -1);
  for (Index s = 0; s < mdp.num_states(); ++s)
    if (!mdp.is_terminal(s) && proper[s]) {
      u.index_of[s] = static_cast<Index>(u.state_of.size());
      u.state_of.push_back(s);
    }
  return u;
}

/// M = I - gamma P_pi restricted to the unknowns; moves into terminal states drop out.
SparseMatrix bellman_matrix(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, const Unknowns& u) {
  const Index n = static_cast<Index>(u.state_of.size());
  std::vector<Eigen::Triplet<double, int>> entries;
  entries.reserve(static_cast<std::size_t>(n) * 4);
  for (Index k = 0; k < n; ++k) {
    const Index s = u.state_of[k];
    entries.emplace_back(k, k, 1.0);
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      if (pi(s, a) == 0.0) continue;
      for (const Outcome& o : mdp.outcomes_of(s, a)) {
        const Index j = u.index_of[o.next];
        if (j >= 0 && o.probability != 0.0)
          entries.emplace_back(k, j, -mdp.gamma * pi(s, a) * o.probability);
      }
    }
  }
  SparseMatrix M(n, n);
  M.setFromTriplets(entries.begin(), entries.end());  // sums duplicate (k, j) entries
  M.makeCompressed();
  return M;
}

double inf_norm(const SparseMatrix& M) {  // max row sum of |M|
  Eigen::VectorXd rows = Eigen::VectorXd::Zero(M.rows());
  for (Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) rows(it.row()) += std::abs(it.value());
  return rows.size() ? rows.maxCoeff() : 0.0;
}

/// |M - I|_inf = |gamma P_pi|_inf, the size of the data that M is formed from.
double inf_norm_off_identity(const SparseMatrix& M) {
  Eigen::VectorXd rows = Eigen::VectorXd::Zero(M.rows());
  for (Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it)
      rows(it.row()) += std::abs(it.value() - (it.row() == it.col() ? 1.0 : 0.0));
  return rows.size() ? rows.maxCoeff() : 0.0;
}

double one_norm(const SparseMatrix& M) {  // max column sum of |M|
  double best = 0.0;
  for (Index j = 0; j < M.outerSize(); ++j) {
    double col = 0.0;
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) col += std::abs(it.value());
    best = std::max(best, col);
  }
  return best;
}

double max_abs(const Eigen::VectorXd& x) { return x.size() ? x.cwiseAbs().maxCoeff() : 0.0; }

/// Normwise relative backward error |M x - b|_inf / (|M| |x|_inf + |b|_inf) (Rigal & Gaches 1967).
double backward_error(const Eigen::VectorXd& residual, double norm_M, const Eigen::VectorXd& x,
                      const Eigen::VectorXd& b) {
  const double scale = norm_M * max_abs(x) + max_abs(b);
  return scale > 0.0 ? max_abs(residual) / scale : max_abs(residual);
}



/// The solutions of M v = r_pi and M^T eta = start, and |M^{-1}|_inf (or its bound).
struct BellmanSolves {
  Eigen::VectorXd v, eta;
  double inverse_norm = 0;      ///< |M^{-1}|_inf = max(M^{-1} 1), or the bound 1 / (1 - g)
  bool inverse_is_bound = false;
  long iterations = 0;
  std::string method;
};

BellmanSolves solve_direct(const SparseMatrix& M, const Eigen::VectorXd& r_pi, const Eigen::VectorXd& start) {
  Eigen::SparseLU<SparseMatrix, Eigen::COLAMDOrdering<int>> lu;
  lu.analyzePattern(M);
  lu.factorize(M);
  if (lu.info() != Eigen::Success)
    throw IllPosedError("", "the Bellman system I - gamma P_pi is numerically singular: from some state the "
                            "chance of ever terminating is lost in rounding (Eigen SparseLU: " +
                            lu.lastErrorMessage() + ")");
  BellmanSolves out;
  out.method = "sparse LU (Eigen SparseLU, COLAMD ordering)";
  out.v = lu.solve(r_pi);
  out.eta = lu.transpose().solve(start);
  // M is a nonsingular M-matrix, so M^{-1} >= 0 and |M^{-1}|_inf = max(M^{-1} 1): for
  // gamma = 1 this is the longest expected episode.
  out.inverse_norm = max_abs(lu.solve(Eigen::VectorXd::Ones(M.rows())));
  return out;
}

using RowMajorMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

/// x with A x = b by Jacobi-preconditioned BiCGSTAB, continued from its last iterate until the
/// relative backward error is at most `target` (at most 8 rounds of up to 2n iterations).
Eigen::VectorXd krylov_solve(const RowMajorMatrix& A, const Eigen::VectorXd& b, double norm_A, double target,
                             const char* system, long& iterations) {
  Eigen::BiCGSTAB<RowMajorMatrix, Eigen::DiagonalPreconditioner<double>> bicgstab;
  bicgstab.compute(A);
  bicgstab.setMaxIterations(2 * A.rows() + 100);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(b.size());
  double error = 0.0, tolerance = target;
  for (int round = 0; round < 8; ++round, tolerance /= 10.0) {
    bicgstab.setTolerance(tolerance);
    x = bicgstab.solveWithGuess(b, x);
    iterations += bicgstab.iterations();
    error = x.allFinite() ? backward_error(A * x - b, norm_A, x, b) : std::numeric_limits<double>::infinity();
    if (error <= target) return x;
    if (!x.allFinite()) x.setZero();
  }
  throw IllPosedError("", std::string("the iterative solve of the ") + system +
                              " did not converge (BiCGSTAB reached a relative residual of " +
                              detail::format_number(error, 3) + ", target " + detail::format_number(target, 3) +
                              "); try the direct solver");
}

BellmanSolves solve_iterative(const SparseMatrix& M, const Eigen::VectorXd& r_pi, const Eigen::VectorXd& start,
                              double target) {
  BellmanSolves out;
  out.method = "BiCGSTAB (Eigen, Jacobi preconditioner), residuals certified";
  const RowMajorMatrix A = M;                // M in row-major form: parallel products
  const RowMajorMatrix At = M.transpose();   // the same storage as M, read as M^T
  out.v = krylov_solve(A, r_pi, inf_norm(M), target, "Bellman equation", out.iterations);
  out.eta = krylov_solve(At, start, one_norm(M), target, "flow-balance equation", out.iterations);
  const double g = inf_norm_off_identity(M);
  if (g < 1.0) {
    out.inverse_norm = 1.0 / (1.0 - g), out.inverse_is_bound = true;
  } else {  // gamma = 1: the longest expected episode needs one more solve
    out.inverse_norm = max_abs(krylov_solve(A, Eigen::VectorXd::Ones(M.rows()), inf_norm(M), target,
                                            "expected-length equation", out.iterations));
  }
  return out;
}

}  // namespace

FiniteSolution solve(const FiniteMdp& mdp, const FinitePolicy& policy,
                     const FiniteSolveOptions& options) {
  options.validate();
  const auto clock_start = std::chrono::steady_clock::now();
  const Index S = mdp.num_states(), A = mdp.num_actions();
  FiniteSolution out;
  out.policy = policy_probabilities(mdp, policy);
  const Eigen::MatrixXd& pi = out.policy;

  // With gamma = 1 the values are finite exactly on the proper states (finite_structure.hpp).
  std::vector<char> proper(S, 1);
  if (mdp.gamma == 1.0) proper = require_proper(mdp, pi).proper;
  const Unknowns u = number_unknowns(mdp, proper);
  const Index n = static_cast<Index>(u.state_of.size());

  const Eigen::MatrixXd r = mdp.expected_reward();
  Eigen::VectorXd r_pi(n), start(n);
  for (Index k = 0; k < n; ++k) {
    const Index s = u.state_of[k];
    r_pi(k) = pi.row(s).dot(r.row(s));
    start(k) = mdp.start(s);
  }

  // One factorisation of M serves v, eta and |M^{-1}|_inf; or two certified Krylov solves.
  const SparseMatrix M = bellman_matrix(mdp, pi, u);
  const bool iterative = options.linear_solver == LinearSolver::iterative ||
                         (options.linear_solver == LinearSolver::automatic && n > options.iterative_above &&
                          mdp.gamma < 1.0);
  const BellmanSolves solves =
      iterative ? solve_iterative(M, r_pi, start, options.iterative_tolerance) : solve_direct(M, r_pi, start);
  const Eigen::VectorXd& v_k = solves.v;
  const Eigen::VectorXd& eta_k = solves.eta;

  LinearSolveSummary& summary = out.summary;
  summary.method = solves.method;
  summary.unknowns = n;
  summary.nonzeros = M.nonZeros();
  summary.iterations = solves.iterations;
  const double norm_inf = inf_norm(M);
  summary.condition = inf_norm_off_identity(M) * solves.inverse_norm;
  summary.condition_is_bound = solves.inverse_is_bound;
  summary.bellman_residual = backward_error(M * v_k - r_pi, norm_inf, v_k, r_pi);
  summary.flow_residual =
      backward_error(Eigen::VectorXd(M.transpose() * eta_k) - start, one_norm(M), eta_k, start);
  if (!std::isfinite(summary.condition) || summary.condition > options.max_condition)
    throw IllPosedError("", "the Bellman system I - gamma P_pi is ill-conditioned (condition number " +
                                detail::format_number(summary.condition, 3) + " > " +
                                detail::format_number(options.max_condition, 3) +
                                "; expected episode lengths reach " +
                                detail::format_number(solves.inverse_norm, 3) + " steps)");
  if (!(summary.bellman_residual <= options.max_residual && summary.flow_residual <= options.max_residual))
    throw IllPosedError("", "the Bellman solve is inaccurate (relative residuals " +
                                detail::format_number(summary.bellman_residual, 3) + " and " +
                                detail::format_number(summary.flow_residual, 3) + " exceed " +
                                detail::format_number(options.max_residual, 3) + ")");

  // Scatter back to all states: 0 at terminal states, NaN where v is undefined.
  const double undefined = std::numeric_limits<double>::quiet_NaN();
  out.v = Eigen::VectorXd::Zero(S);
  out.occupancy = Eigen::VectorXd::Zero(S);
  for (Index s = 0; s < S; ++s)
    if (!mdp.is_terminal(s) && !proper[s]) out.v(s) = undefined, out.undefined_states.push_back(s);
  for (Index k = 0; k < n; ++k) out.v(u.state_of[k]) = v_k(k), out.occupancy(u.state_of[k]) = eta_k(k);

  // q(s,a) = r(s,a) + gamma sum_s' P(s'|s,a) v(s').
  out.q = Eigen::MatrixXd::Zero(S, A);
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s)) continue;
    for (Index a = 0; a < A; ++a) {
      double expected_next = 0.0;
      for (const Outcome& o : mdp.outcomes_of(s, a)) expected_next += o.probability * out.v(o.next);
      out.q(s, a) = r(s, a) + mdp.gamma * expected_next;
    }
  }
  out.advantage = out.q.colwise() - out.v;
  for (Index s = 0; s < S; ++s)
    if (mdp.is_terminal(s)) out.advantage.row(s).setZero();

  out.expected_length = out.occupancy.sum();
  out.visitation = out.expected_length > 0.0 ? Eigen::VectorXd(out.occupancy / out.expected_length)
                                             : Eigen::VectorXd::Zero(S);
  out.J = start.dot(v_k);

  // Adjoint gradient: contract d pi / d theta with eta(s) q(s,a) (states never visited add 0).
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(S, A);
  for (Index k = 0; k < n; ++k) weight.row(u.state_of[k]) = eta_k(k) * out.q.row(u.state_of[k]);
  out.gradient = contract_policy_derivative(mdp, policy, pi, weight);

  if (options.compute_fisher && policy.is_softmax()) {
    const BlockDiagonalMatrix F = fisher(mdp, policy, pi, out.visitation);
    if (F.dim <= kMaxDenseFisherParameters) out.fisher = F.dense();
    const PseudoInverseSolution natural = pseudo_inverse_solve(
        F, out.gradient, policy.kind == PolicyKind::softmax_tabular ? A : S * A);
    out.natural_gradient = natural.x;
    out.fisher_rank = natural.rank;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  return out;
}

}  // namespace pgtruth
