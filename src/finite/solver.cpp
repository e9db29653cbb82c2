#include "io/format.hpp"
#include "pgtruth/finite/solver.hpp"

#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "finite/action_values.hpp"
#include "linalg/aggregation_multigrid.hpp"
#include "finite/bellman_matrix.hpp"
#include "finite/bellman_refinement.hpp"
#include "finite/error_bounds.hpp"
#include "linalg/bicgstab.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/structure.hpp"
#include "pgtruth/finite/fisher.hpp"
#include "finite/policy_rows.hpp"
#include "parallel/context.hpp"
#include "parallel/openmp_threads.hpp"
#include "linalg/sparse_lu.hpp"

namespace pgtruth {

void FiniteSolveOptions::validate() const {
  if (!(max_condition >= 1.0))
    throw std::invalid_argument("FiniteSolveOptions::max_condition must be >= 1");
  if (!(max_residual > 0.0))
    throw std::invalid_argument("FiniteSolveOptions::max_residual must be > 0");
  if (!(iterative_tolerance > 0.0 && iterative_tolerance <= max_residual))
    throw std::invalid_argument("FiniteSolveOptions::iterative_tolerance must be in (0, max_residual]");
  if (threads < 0 || threads > kMaxThreads)
    throw std::invalid_argument("FiniteSolveOptions::threads must be in [0, " + std::to_string(kMaxThreads) +
                                "] (0: every core)");
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

std::string LinearSolveSummary::error_bounds_report() const {
  std::string line = "error bounds (absolute):";
  const auto add = [&line](const char* name, const std::optional<double>& x) {
    if (!x) return;
    char number[32];
    std::snprintf(number, sizeof number, " %.1e", *x);
    line += std::string(line.back() == ':' ? "" : ",") + " " + name + number;
  };
  add("J", J_error), add("v (max)", value_error), add("q (max)", q_error), add("advantage (max)", advantage_error);
  add("occupancy (sum)", occupancy_error), add("expected length", expected_length_error);
  add("visitation (sum)", visitation_error), add("gradient (max)", gradient_error);
  add("Fisher (2-norm)", fisher_error), add("natural gradient (max)", natural_gradient_error);
  return line;
}

namespace {

using detail::RowMajorMatrix;
using detail::multiply_serial;
using detail::MatrixNorms;
using detail::Unknowns;

double max_abs(const Eigen::VectorXd& x) { return x.size() ? x.cwiseAbs().maxCoeff() : 0.0; }

/// max |x| over the entries that are not NaN (NaN marks an undefined q or advantage).
double max_abs_defined(const Eigen::MatrixXd& x) {
  double out = 0.0;
  for (Index j = 0; j < x.cols(); ++j)
    for (Index i = 0; i < x.rows(); ++i)
      if (!std::isnan(x(i, j))) out = std::max(out, std::abs(x(i, j)));
  return out;
}

/// b - A x.
Eigen::VectorXd residual(const RowMajorMatrix& A, const Eigen::VectorXd& x, const Eigen::VectorXd& b) {
  Eigen::VectorXd Ax;
  multiply_serial(A, x, Ax);
  return b - Ax;
}

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
  /// x with M x = b, or M^T x = b when transposed, by the same method: the refinement's solves.
  std::function<Eigen::VectorXd(const Eigen::VectorXd& b, bool transposed)> solve;
};

BellmanSolves solve_direct(const RowMajorMatrix& M, const Eigen::VectorXd& r_pi, const Eigen::VectorXd& start) {
  BellmanSolves out;
  try {
    const auto lu = std::make_shared<const detail::SparseLu>(M);
    out.method = "sparse LU (KLU, AMD ordering)";
    out.v = lu->solve(r_pi);
    out.eta = lu->solve_transposed(start);
    // M is a nonsingular M-matrix, so M^{-1} >= 0 and |M^{-1}|_inf = max(M^{-1} 1): for
    // gamma = 1 this is the longest expected episode.
    out.inverse_norm = max_abs(lu->solve(Eigen::VectorXd::Ones(M.rows())));
    out.solve = [lu](const Eigen::VectorXd& b, bool transposed) {
      return transposed ? lu->solve_transposed(b) : lu->solve(b);
    };
  } catch (const detail::SingularMatrix& e) {
    throw IllPosedError("", std::string("the Bellman system I - gamma P_pi is numerically singular: from some state the "
                                        "chance of ever terminating is lost in rounding (") +
                                e.what() + ")");
  }
  return out;
}

/// A converging multigrid-preconditioned solve takes a few tens of iterations (3 to 26 on the
/// gridworlds, gamma up to 1, and Garnet MDPs we measured); this bounds the time lost to one
/// that stagnates.
constexpr long kMaxIterationsPerRound = 1000;

/// x with M x = b (M^T x = b when `transposed`) by BiCGSTAB preconditioned with one V-cycle of
/// `multigrid` (whose fine level also makes the products), continued from its last iterate
/// until the relative backward error |M x - b|_inf / (norm_M |x|_inf + |b|_inf) of the true
/// residual, formed from M itself, is at most `target` (at most 8 rounds of up to
/// kMaxIterationsPerRound iterations, each with a tenfold tighter stopping tolerance for the
/// recurrence). All on the calling thread.
Eigen::VectorXd krylov_solve(const RowMajorMatrix& M, const detail::AggregationMultigrid& multigrid, bool transposed,
                             const Eigen::VectorXd& b, double norm_M, double target, const char* system,
                             long& iterations) {
  const auto product = [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) { multigrid.multiply(y, out, transposed); };
  const auto precondition = [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) {
    multigrid.apply(y, out, transposed);
  };
  Eigen::VectorXd x = Eigen::VectorXd::Zero(b.size());
  double error = 0.0, tolerance = target;
  for (int round = 0; round < 8; ++round, tolerance /= 10.0) {
    iterations += detail::bicgstab(product, precondition, b, x, norm_M, tolerance, kMaxIterationsPerRound);
    // (M^T x as the certificate forms it: Eigen scatters M's rows, on the calling thread.)
    error = x.allFinite() ? backward_error(transposed ? Eigen::VectorXd(b - M.transpose() * x) : residual(M, x, b),
                                           norm_M, x, b)
                          : std::numeric_limits<double>::infinity();
    if (error <= target) return x;
    if (!x.allFinite()) x.setZero();
  }
  throw IllPosedError("", std::string("the iterative solve of the ") + system +
                              " did not converge (BiCGSTAB reached a relative residual of " +
                              detail::format_number(error, 3) + ", target " + detail::format_number(target, 3) +
                              "); try the direct solver");
}

BellmanSolves solve_iterative(const RowMajorMatrix& M, const MatrixNorms& norms, const Eigen::VectorXd& r_pi,
                              const Eigen::VectorXd& start, double target, detail::ExecutionContext& context) {
  BellmanSolves out;
  // One multigrid hierarchy serves both systems: (P^T M P)^T = P^T M^T P.
  const auto hierarchy = std::make_shared<const detail::AggregationMultigrid>(M, context);
  const detail::AggregationMultigrid& multigrid = *hierarchy;
  out.method = "BiCGSTAB (aggregation multigrid preconditioner, " + std::to_string(multigrid.levels()) +
               " levels), residuals certified";
  // The two systems are independent: one thread each (Gauss-Seidel sweeps are sequential).
  long iterations[2] = {0, 0};
  context.run_pair([&](int system) {
    if (system == 0)
      out.v = krylov_solve(M, multigrid, false, r_pi, norms.inf, target, "Bellman equation", iterations[0]);
    else
      out.eta = krylov_solve(M, multigrid, true, start, norms.one, target, "flow-balance equation", iterations[1]);
  });
  out.iterations = iterations[0] + iterations[1];
  out.solve = [&M, hierarchy, norms, target](const Eigen::VectorXd& b, bool transposed) {
    long ignored = 0;
    return krylov_solve(M, *hierarchy, transposed, b, transposed ? norms.one : norms.inf, target,
                        transposed ? "flow-balance correction" : "Bellman correction", ignored);
  };
  const double g = norms.off_identity;
  if (g < 1.0) {
    out.inverse_norm = 1.0 / (1.0 - g), out.inverse_is_bound = true;
  } else {  // gamma = 1: the longest expected episode needs one more solve
    out.inverse_norm = max_abs(krylov_solve(M, multigrid, false, Eigen::VectorXd::Ones(M.rows()), norms.inf, target,
                                            "expected-length equation", out.iterations));
  }
  return out;
}

/// max |reward| over the outcomes.
double max_abs_reward(const FiniteMdp& mdp) {
  double largest = 0.0;
  for (Index s = 0; s < mdp.num_states(); ++s)
    for (Index a = 0; a < mdp.num_actions(); ++a)
      for (const Outcome& o : mdp.outcomes_of(s, a)) largest = std::max(largest, std::abs(o.reward));
  return largest;
}

/// A power of two that brings the largest |r(s,a)| near 1 when it is far outside [2^-200, 2^200]
/// (1 otherwise): a scaling that is exact and keeps values and eta q within the double range.
double representable_scale(const Eigen::MatrixXd& r, const FiniteMdp& mdp) {
  const double largest = r.size() ? r.cwiseAbs().maxCoeff() : 0.0;
  if (!std::isfinite(largest) || largest == 0.0) return 1.0;
  // Clamped so that the factor itself is a double (subnormal rewards have exponents to -1074),
  // and so that no outcome's reward, scaled, passes 2^1000 (r may be small by cancellation).
  int exponent = std::clamp(std::ilogb(largest), -1000, 1000);
  if (exponent < -200) exponent = std::max(exponent, std::ilogb(max_abs_reward(mdp)) - 1000);
  return std::abs(exponent) > 200 ? std::ldexp(1.0, -exponent) : 1.0;
}

/// A bound on the gradient's error, |g - g*|_inf, from the solve (detail::GradientErrorBound).
double gradient_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const detail::Unknowns& u,
                            const Eigen::MatrixXd& pi, const Eigen::MatrixXd& r, const Eigen::MatrixXd& w,
                            const Eigen::VectorXd& eta, double occupancy_error, double value_error,
                            double unrefined_v_size, double policy_error) {
  const double phi = policy.kind == PolicyKind::softmax_linear && policy.features.size()
                         ? policy.features.cwiseAbs().maxCoeff() : 1.0;
  const double dw = detail::contracted_value_error(policy.is_softmax(), mdp.gamma(), value_error, unrefined_v_size > 0.0,
                                                   r.size() ? r.cwiseAbs().maxCoeff() : 0.0, unrefined_v_size);
  detail::GradientErrorBound bound(policy.kind, mdp.num_actions(), occupancy_error, dw, policy_error, phi);
  for (std::size_t k = 0; k < u.state_of.size(); ++k)
    bound.add_state(pi.row(u.state_of[k]), w.row(u.state_of[k]), std::abs(eta(static_cast<Index>(k))));
  return bound.total(static_cast<Index>(u.state_of.size()));
}

/// Throws IllPosedError naming the first result that left the double range, and the input that
/// drove it: the rewards (values), or a linear softmax's features (the Fisher matrix and the
/// natural gradient; the gradient, where the features are large). NaN stands for an undefined
/// value only in v, q and the advantages of the undefined states.
void require_representable(const FiniteSolution& out, const FinitePolicy& policy) {
  const bool linear = policy.kind == PolicyKind::softmax_linear;
  const auto fail = [](const char* what, bool features) {
    throw IllPosedError(features ? "/policy/features" : "",
                        std::string("overflow: the ") + what + " is beyond the largest double (1.8e308); " +
                            (features ? "the features are too large for it" : "the rewards are too large for it"));
  };
  if (!std::isfinite(out.J)) fail("objective J", false);
  for (Index s = 0; s < out.v.size(); ++s) {
    if (std::isnan(out.v(s))) continue;  // undefined, listed in undefined_states
    if (!std::isfinite(out.v(s))) fail("value v", false);
    // (NaN in q marks an action that may enter a state of undefined value, gamma = 1)
    if (out.q.row(s).array().isInf().any()) fail("action value q", false);
    if (out.advantage.row(s).array().isInf().any()) fail("advantage", false);
  }
  if (!out.occupancy.allFinite()) fail("occupancy", false);
  const bool large_features = linear && policy.features.size() && policy.features.cwiseAbs().maxCoeff() > 1e150;
  // NaN marks an entry made undefined by a state of undefined value (gamma = 1); elsewhere a
  // NaN can only come from an overflow (inf - inf), and an infinity always does.
  const bool undefined_allowed = !out.undefined_states.empty();
  const auto overflows = [undefined_allowed](const auto& x) {
    return x.array().isInf().any() || (!undefined_allowed && x.array().isNaN().any());
  };
  if (overflows(out.gradient)) fail("gradient", large_features);
  if (out.fisher && overflows(*out.fisher)) fail("Fisher matrix", linear);
  if (out.natural_gradient && overflows(*out.natural_gradient)) fail("natural gradient", linear);
}

}  // namespace

FiniteSolution solve(const FiniteMdp& mdp, const FinitePolicy& policy,
                     const FiniteSolveOptions& options) {
  options.validate();
  const auto clock_start = std::chrono::steady_clock::now();
  const Index S = mdp.num_states(), A = mdp.num_actions();
  FiniteSolution out;
  // The phases split in two (policy, Bellman system, the two Krylov solves, ...) run on two
  // threads where they take milliseconds; a smaller problem's phases take less than waking a
  // thread. A third thread would find no work: every split is in two.
  const bool large = S > options.iterative_above || options.linear_solver == LinearSolver::iterative;
  detail::ExecutionContext context(large ? std::min(detail::resolve_threads(options.threads), 2) : 1);
  const detail::OpenMpThreads openmp_threads(detail::resolve_threads(options.threads));  // Eigen's dense products
  out.policy.resize(S, A);
  detail::split_in_two(context, S,
                       [&](int, Index begin, Index end) { detail::policy_rows(mdp, policy, begin, end, out.policy); });
  const Eigen::MatrixXd& pi = out.policy;

  // With gamma = 1 the values are finite exactly on the proper states (pgtruth/finite/structure.hpp).
  std::vector<char> proper(S, 1);
  if (mdp.gamma() == 1.0) proper = require_proper(mdp, pi).proper;
  const Unknowns u = detail::number_unknowns(mdp, proper);
  const Index n = static_cast<Index>(u.state_of.size());

  detail::BellmanSystem system = detail::bellman_system(mdp, pi, policy.is_softmax(), u, context);
  // Rewards scaled by a power of two (exactly) so that values, and products such as
  // eta(s) q(s,a), stay within the double range; the results are scaled back at the end.
  const double reward_scale = representable_scale(system.r, mdp);
  if (reward_scale > 1.0) {
    // Tiny rewards: r and r_pi formed again from the scaled rewards, as the products of the
    // unscaled ones may have lost digits among the subnormals.
    for (Index s = 0; s < S; ++s)
      for (Index a = 0; a < A; ++a) {
        double r = 0.0;
        for (const Outcome& o : mdp.outcomes_of(s, a)) r += o.probability * (o.reward * reward_scale);
        system.r(s, a) = r;
      }
    for (Index k = 0; k < n; ++k) system.r_pi(k) = pi.row(u.state_of[k]).dot(system.r.row(u.state_of[k]));
  } else if (reward_scale != 1.0) {
    system.r *= reward_scale, system.r_pi *= reward_scale;
  }
  // A bound in the rewards' units; tiny rewards' results may land among the subnormals, whose
  // rounding (half of 2^-1074) the bound then includes.
  const auto unscaled_bound = [reward_scale](double bound) {
    return bound / reward_scale + (reward_scale > 1.0 ? std::numeric_limits<double>::denorm_min() : 0.0);
  };
  const Eigen::VectorXd& r_pi = system.r_pi;
  const RowMajorMatrix& M = system.M;
  const MatrixNorms& norms = system.norms;
  Eigen::VectorXd start(n);
  for (Index k = 0; k < n; ++k) start(k) = mdp.start()(u.state_of[k]);

  // One factorisation of M serves v, eta and |M^{-1}|_inf; or two certified Krylov solves.
  const bool iterative = options.linear_solver == LinearSolver::iterative ||
                         (options.linear_solver == LinearSolver::automatic && n > options.iterative_above &&
                          mdp.gamma() < 1.0);
  BellmanSolves solves;
  if (n == 0)  // every state terminal (or, with gamma = 1, without a value): nothing to solve
    solves.method = "none (no state to solve for)";
  else
    solves = iterative ? solve_iterative(M, norms, r_pi, start, options.iterative_tolerance, context)
                       : solve_direct(M, r_pi, start);

  LinearSolveSummary& summary = out.summary;
  summary.method = solves.method;
  summary.unknowns = n;
  summary.nonzeros = M.nonZeros();
  summary.iterations = solves.iterations;
  summary.condition = norms.off_identity * solves.inverse_norm;
  summary.condition_is_bound = solves.inverse_is_bound;

  // The solutions in double-double, refined (one on each thread of a pair) always after a sparse LU (a few
  // more triangular solves), and after Krylov solves when the bound of the error that their
  // double residual certifies could reach 1e-10 of what the advantages and the gradient are
  // made of (v's spread, the total occupancy), as it does near gamma = 1. |r|_inf and |r|_1 of
  // the true residuals: |fl(b - M x) - (b - M x)| <= (k + 1) eps (|b| + |M| |x|) with k the
  // entries of a row, at most norms.inf and norms.one in |M| |x| (Higham 2002, eq. 3.11).
  constexpr double eps = std::numeric_limits<double>::epsilon(), kRefineAbove = 1e-10;
  detail::DoubleDoubleVector v_k = detail::widen(solves.v), eta_k = detail::widen(solves.eta);
  double value_residual = 0.0, flow_residual = 0.0;  // bounds on |r_pi - M v|_inf, |start - M^T eta|_1
  bool refined_v = !iterative, refined_eta = !iterative;
  if (n > 0)
    context.run_pair([&](int which) {
      const double k = static_cast<double>(M.nonZeros()) / static_cast<double>(n) + 8.0;  // (k + 1), generously
      if (which == 0) {
        if (iterative) {
          const Eigen::VectorXd r = residual(M, solves.v, r_pi);
          summary.bellman_residual = backward_error(r, norms.inf, solves.v, r_pi);
          value_residual = max_abs(r) + k * eps * (max_abs(r_pi) + norms.inf * max_abs(solves.v));
          refined_v = solves.inverse_norm * value_residual > kRefineAbove * (solves.v.maxCoeff() - solves.v.minCoeff());
        }
        if (refined_v)
          value_residual = detail::max_abs(detail::refine(
              [&](const detail::DoubleDoubleVector& x) { return detail::bellman_residual(M, system.row_sum, r_pi, x); },
              [&](const Eigen::VectorXd& b) { return solves.solve(b, false); }, v_k));
      } else {
        if (iterative) {
          const Eigen::VectorXd r = start - M.transpose() * solves.eta;
          summary.flow_residual = backward_error(r, norms.one, solves.eta, start);
          flow_residual = r.cwiseAbs().sum() + k * eps * (start.cwiseAbs().sum() + norms.inf * solves.eta.cwiseAbs().sum());
          refined_eta = solves.inverse_norm * flow_residual > kRefineAbove * solves.eta.cwiseAbs().sum();
        }
        if (refined_eta)
          flow_residual = detail::sum_abs(detail::refine(
              [&](const detail::DoubleDoubleVector& x) { return detail::flow_residual(M, system.row_sum, start, x); },
              [&](const Eigen::VectorXd& b) { return solves.solve(b, true); }, eta_k));
      }
    });
  solves.solve = nullptr;  // the factorisation or the multigrid hierarchy is freed here
  const Eigen::VectorXd v_double = detail::leading(v_k), eta_double = detail::leading(eta_k);
  // The certificates of the refined solutions: backward errors of their residuals in double.
  context.run_pair([&](int which) {
    if (which == 0 && refined_v)
      summary.bellman_residual = backward_error(residual(M, v_double, r_pi), norms.inf, v_double, r_pi);
    if (which == 1 && refined_eta)
      summary.flow_residual = backward_error(start - M.transpose() * eta_double, norms.one, eta_double, start);
  });
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
  // |v - v*|_inf <= |M^{-1}|_inf |r_pi - M v|_inf and |eta - eta*|_1 <= |M^{-T}|_1 |start - M^T eta|_1
  // for the refined solutions, plus their rounding to double.
  constexpr double half_eps = eps / 2;
  // Plus the rounding of forming the system from the data, which the refinement cannot see.
  const detail::FormationErrors formation =
      n == 0 ? detail::FormationErrors{}
             : detail::formation_error_bound(mdp, policy, pi, u, system, reward_scale, eta_double,
                                             solves.inverse_norm);
  summary.value_error =
      unscaled_bound(solves.inverse_norm * value_residual + formation.value + half_eps * max_abs(v_double));
  const double occupancy_solve_error = solves.inverse_norm * flow_residual + half_eps * eta_double.cwiseAbs().sum();
  summary.occupancy_error = occupancy_solve_error + formation.occupancy;

  // Scatter back to all states: 0 at terminal states, NaN where v is undefined.
  const double undefined = std::numeric_limits<double>::quiet_NaN();
  out.v = Eigen::VectorXd::Zero(S);
  out.occupancy = Eigen::VectorXd::Zero(S);
  for (Index s = 0; s < S; ++s)
    if (!mdp.is_terminal(s) && !proper[s]) out.v(s) = undefined, out.undefined_states.push_back(s);
  for (Index k = 0; k < n; ++k) out.v(u.state_of[k]) = v_double(k), out.occupancy(u.state_of[k]) = eta_double(k);

  detail::ActionValues values = detail::action_values(mdp, pi, policy.is_softmax(), system.r, u, v_k, refined_v, context);
  out.q = std::move(values.q);
  out.advantage = std::move(values.advantage);

  // The expected length summed in double-double from the refined eta, then rounded.
  detail::DoubleDouble length;
  for (Index k = 0; k < n; ++k) length += eta_k[static_cast<std::size_t>(k)];
  out.expected_length = length.value();
  out.visitation = out.expected_length > 0.0 ? Eigen::VectorXd(out.occupancy / out.expected_length)
                                             : Eigen::VectorXd::Zero(S);
  detail::DoubleDouble J;
  for (Index k = 0; k < n; ++k) J += v_k[static_cast<std::size_t>(k)] * start(k);
  out.J = J.value();

  // Error bounds of the printed quantities, in the scaled rewards' units until the end.
  // Of v_k, which q, A, J and the gradient are formed from: the solve's error and the formation's.
  const double value_bound = solves.inverse_norm * value_residual + formation.value;
  double start_sum = 0.0, start_value_sum = 0.0, most_others = 0.0;  // most_others: max_s 1 - pi(top|s)
  for (Index k = 0; k < n; ++k) {
    start_sum += std::abs(start(k)), start_value_sum += std::abs(start(k)) * std::abs(v_double(k));
    const auto ps = pi.row(u.state_of[k]);
    Index top = 0;
    ps.maxCoeff(&top);
    most_others = std::max(most_others, ps.head(top).sum() + ps.tail(A - top - 1).sum());
  }
  const detail::ActionValueInputs inputs{value_bound, mdp.gamma(),
                                         system.r.size() ? system.r.cwiseAbs().maxCoeff() : 0.0, max_abs(v_double),
                                         detail::max_outcomes(mdp), refined_v};
  // With the formation's error of v, and pi's rounding in the mean sum_b pi_b D(b) (|D| <= 2 max|A|).
  const double advantage_size = max_abs_defined(out.advantage);
  const double advantage_bound =
      detail::advantage_error_bound(inputs, policy.is_softmax(), most_others, A, advantage_size) +
      formation.policy * 2.0 * advantage_size;
  // The expected length's: the solve's alone (which the Fisher bound takes), and with the data's.
  const double length_solve_bound = detail::expected_length_error_bound(solves.inverse_norm * flow_residual, n,
                                                                        detail::sum_abs(eta_k), out.expected_length);
  const double length_bound = detail::expected_length_error_bound(solves.inverse_norm * flow_residual + formation.occupancy, n,
                                                                  detail::sum_abs(eta_k), out.expected_length);
  summary.J_error = unscaled_bound(detail::objective_error_bound(start_sum, value_bound, n, start_value_sum, out.J));
  summary.q_error = unscaled_bound(detail::action_value_error_bound(inputs, max_abs_defined(out.q)));
  summary.advantage_error = unscaled_bound(advantage_bound);
  summary.expected_length_error = length_bound;
  summary.visitation_error = detail::visitation_error_bound(summary.occupancy_error, length_bound, out.expected_length,
                                                            out.visitation.cwiseAbs().sum());

  // Adjoint gradient: contract d pi / d theta with eta(s) q(s,a) (states never visited add 0).
  // For a softmax sum_a d pi(a|s) = 0, so the advantages serve as well, and they are small
  // where q is large (gamma near 1).
  const Eigen::MatrixXd& contracted = policy.is_softmax() ? out.advantage : out.q;
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(S, A);
  for (Index k = 0; k < n; ++k) weight.row(u.state_of[k]) = eta_double(k) * contracted.row(u.state_of[k]);
  out.gradient = contract_policy_derivative(mdp, policy, pi, weight);
  // Of eta and v with the data's rounding (the formed system's and pi's), as for the other bounds.
  const double gradient_bound = gradient_error_bound(mdp, policy, u, pi, system.r, contracted, eta_double,
                                                     summary.occupancy_error, value_bound,
                                                     refined_v ? 0.0 : max_abs(v_double), formation.policy);
  summary.gradient_error = unscaled_bound(gradient_bound);

  if (options.compute_fisher && policy.is_softmax()) {
    const BlockDiagonalMatrix F = fisher(mdp, policy, pi, out.visitation);
    if (F.dim <= kMaxDenseFisherParameters) out.fisher = F.dense();
    const NaturalGradient natural = natural_gradient(mdp, policy, F, pi, out.advantage, out.visitation,
                                                     out.expected_length, out.gradient);
    out.natural_gradient = natural.x;
    out.fisher_rank = natural.rank;
    // The solve's error of the visitation through F's norm, and the data's relative one of d and
    // pi entrywise (a norm would not see that it scales each state's block).
    const double formed_visitation_error = detail::visitation_error_bound(
        occupancy_solve_error, length_solve_bound, out.expected_length, out.visitation.cwiseAbs().sum());
    const double fisher_bound =
        detail::fisher_error_bound(mdp, policy, pi, out.visitation, formed_visitation_error) +
        detail::fisher_data_error_bound(mdp, policy, pi, out.visitation, 2.0 * formation.relative, formation.policy);
    if (out.fisher) summary.fisher_error = fisher_bound;
    const double natural_bound =
        policy.kind == PolicyKind::softmax_tabular
            ? detail::tabular_natural_gradient_error_bound(mdp, out.advantage, out.visitation, out.expected_length,
                                                           length_bound, advantage_bound)
            : detail::linear_natural_gradient_error_bound(mdp, policy, pi, out.visitation, F.block.front(), natural.x,
                                                          out.gradient, natural.rank, fisher_bound, gradient_bound);
    // Infinite where the bound's matrix is too large to form: then no bound is printed (not null).
    if (std::isfinite(natural_bound)) summary.natural_gradient_error = unscaled_bound(natural_bound);
  }
  if (reward_scale != 1.0) {
    out.v /= reward_scale, out.q /= reward_scale, out.advantage /= reward_scale, out.J /= reward_scale;
    out.gradient /= reward_scale;
    if (out.natural_gradient) *out.natural_gradient /= reward_scale;
  }
  require_representable(out, policy);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  return out;
}

}  // namespace pgtruth
