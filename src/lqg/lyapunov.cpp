#include "pgtruth/lqg/lyapunov.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "linalg/fortran.hpp"
#include "lqg/double_double_matrix.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

DiscreteLyapunovSolver::DiscreteLyapunovSolver(const Eigen::MatrixXd& A) : A_(A), schur_(A), U_(A.rows(), A.rows()) {
  const int n = static_cast<int>(A.rows());
  eigenvalues_.resize(n);
  if (n == 0) return;
  std::vector<double> wr(n), wi(n);
  int sdim = 0, info = 0, lwork = -1;
  double query = 0;
  dgees_("V", "N", nullptr, &n, schur_.data(), &n, &sdim, wr.data(), wi.data(), U_.data(), &n, &query, &lwork,
         nullptr, &info, 1, 1);
  lwork = std::max(static_cast<int>(query), 3 * n);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgees_("V", "N", nullptr, &n, schur_.data(), &n, &sdim, wr.data(), wi.data(), U_.data(), &n, work.data(), &lwork,
         nullptr, &info, 1, 1);
  if (info != 0)
    throw IllPosedError("", "the real Schur factorisation (LAPACK DGEES) failed to converge (info " +
                                std::to_string(info) + ")");
  for (int i = 0; i < n; ++i) eigenvalues_(i) = {wr[static_cast<std::size_t>(i)], wi[static_cast<std::size_t>(i)]};
}

double DiscreteLyapunovSolver::spectral_radius() const {
  return eigenvalues_.size() ? eigenvalues_.cwiseAbs().maxCoeff() : 0.0;
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_with(const Eigen::MatrixXd& Q, char trana) const {
  const int n = static_cast<int>(A_.rows());
  if (n == 0) return Eigen::MatrixXd(0, 0);
  // SB03MD solves op(A)' X op(A) - X = scale C; with C = -Q that is our equation.
  Eigen::MatrixXd X = -Q;
  Eigen::MatrixXd S = schur_, U = U_;  // SB03MD does not modify them with FACT = 'F', but takes non-const
  double scale = 1.0, sep = 0.0, ferr = 0.0;
  std::vector<double> wr(n), wi(n);
  const int ldwork = std::max(n * n, 2 * n) + 8;
  std::vector<double> dwork(static_cast<std::size_t>(ldwork));
  int iwork = 0, info = 0;
  const char tr[2] = {trana, 0};
  sb03md_("D", "X", "F", tr, &n, S.data(), &n, U.data(), &n, X.data(), &n, &scale, &sep, &ferr, wr.data(),
          wi.data(), &iwork, dwork.data(), &ldwork, &info, 1, 1, 1, 1);
  if (info == n + 1)
    throw IllPosedError("", "the Lyapunov equation is singular: the closed-loop matrix has (almost) reciprocal "
                            "eigenvalues (lambda_i lambda_j = 1)");
  if (info != 0) throw IllPosedError("", "the Lyapunov solver (SLICOT SB03MD) failed (info " + std::to_string(info) + ")");
  X /= scale;
  return (X + X.transpose()) / 2.0;  // exact symmetry (SB03MD returns it up to rounding)
}

Eigen::MatrixXd DiscreteLyapunovSolver::residual_matrix(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q,
                                                        char trana) const {
  return trana == 'N' ? Eigen::MatrixXd(A_.transpose() * X * A_ - X + Q) : Eigen::MatrixXd(A_ * X * A_.transpose() - X + Q);
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_refined(const Eigen::MatrixXd& Q, char trana, int refinements) const {
  Eigen::MatrixXd X = solve_with(Q, trana);
  for (int k = 0; k < refinements; ++k) X += solve_with(residual_matrix(X, Q, trana), trana);
  return X;
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve(const Eigen::MatrixXd& Q, int refinements) const {
  return solve_refined(Q, 'N', refinements);
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_transposed(const Eigen::MatrixXd& Q, int refinements) const {
  return solve_refined(Q, 'T', refinements);
}

double DiscreteLyapunovSolver::relative_residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q, char trana) const {
  const double scale = A_.squaredNorm() * X.norm() + Q.norm();
  const double r = residual_matrix(X, Q, trana).norm();
  return scale > 0 ? r / scale : r;
}

double DiscreteLyapunovSolver::residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const {
  return relative_residual(X, Q, 'N');
}

double DiscreteLyapunovSolver::residual_transposed(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const {
  return relative_residual(X, Q, 'T');
}

// ---- Certified solutions -------------------------------------------------------------------

namespace {

using lqg_dd::DdMatrix;
using lqg_dd::kUnitRoundoff;

DdMatrix dd(const ExtendedMatrix& M) {
  return {M.hi, M.lo.size() ? M.lo : Eigen::MatrixXd::Zero(M.hi.rows(), M.hi.cols())};
}

/// R = Q + ÃᵀXÃ − X (trana 'N') or Q + ÃXÃᵀ − X ('T'), symmetrised, in the working precision.
DdMatrix stein_residual(const DdMatrix& A, const DdMatrix& Q, const DdMatrix& X, char trana, bool extended) {
  const DdMatrix At = A.transpose();
  const DdMatrix AXA = trana == 'N' ? product(At, product(X, A, extended), extended)
                                    : product(A, product(X, At, extended), extended);
  return (Q + AXA - X).symmetric_part();
}

/// A bound on the Frobenius norm of the rounding error of stein_residual for data known
/// exactly: two products of inner dimension n and three sums, each charged the working
/// precision's unit per operation, on |Q| + |Ã|ᵀ|X||Ã| + |X| (Higham 2002, Thm 3.5), with
/// ‖|Ã|ᵀ|X||Ã|‖_F ≤ ‖Ã‖_F² ‖X‖_F.
double residual_rounding(Eigen::Index n, double norm_A, double norm_X, double norm_Q, bool extended) {
  const double k = 2.0 * static_cast<double>(n) + 8.0;
  return k * lqg_dd::arithmetic_unit(extended) * (norm_Q + norm_A * norm_A * norm_X + norm_X) * 1.01;
}

/// ‖M‖_F rounded up (the sum of squares in double loses at most (n² + 2) u of it).
double norm_up(const Eigen::MatrixXd& M) {
  return M.norm() * (1.0 + (static_cast<double>(M.size()) + 4.0) * kUnitRoundoff);
}

}  // namespace

double CertifiedSteinSolution::printed_error() const {
  return X.error + (X.lo.size() ? norm_up(X.lo) : 0.0);
}

CertifiedSteinSolver::CertifiedSteinSolver(ExtendedMatrix A, bool extended)
    : A_(std::move(A)), extended_(extended), floating_(A_.hi) {
  if (A_.lo.size() == 0) A_.lo = Eigen::MatrixXd::Zero(A_.hi.rows(), A_.hi.cols());
  if (!extended_) {  // the double path works with hi alone: lo joins the input error
    A_.error += norm_up(A_.lo);
    A_.lo.setZero();
  }
}

CertifiedSteinSolution CertifiedSteinSolver::solve_refined(const ExtendedMatrix& Q, char trana,
                                                           int max_refinements) const {
  const DdMatrix A = dd(A_), Qd = dd(Q);
  const Eigen::Index n = A_.hi.rows();
  const auto first_solve = [&](const Eigen::MatrixXd& C) {
    return trana == 'N' ? floating_.solve(C) : floating_.solve_transposed(C);
  };
  DdMatrix X(first_solve(Qd.hi + Qd.lo));
  DdMatrix R = stein_residual(A, Qd, X, trana, extended_);
  double r = R.norm();
  int steps = 0;
  for (; steps < max_refinements && r > 0.0; ++steps) {
    // X ← X + E with ÃᵀEÃ − E + R = 0, E solved in double on the Schur form of hi.
    const Eigen::MatrixXd E = first_solve(R.hi);
    DdMatrix next = extended_ ? (X + DdMatrix(E)).symmetric_part() : DdMatrix(Eigen::MatrixXd(X.hi + E));
    if (!extended_) next.hi = (next.hi + next.hi.transpose()) / 2.0;
    const DdMatrix R_next = stein_residual(A, Qd, next, trana, extended_);
    const double r_next = R_next.norm();
    if (!(r_next < r)) break;  // no gain: keep X
    const bool halved = r_next <= r / 2.0;
    X = std::move(next), R = R_next, r = r_next;
    if (!halved) {
      ++steps;
      break;
    }
  }
  CertifiedSteinSolution out;
  out.refinements = steps;
  out.X = {X.hi, X.lo, 0.0};
  const double norm_A = norm_up(A_.hi + A_.lo), norm_X = norm_up(X.hi + X.lo), norm_Q = norm_up(Qd.hi + Qd.lo);
  const double scale = norm_A * norm_A * norm_X + norm_Q;
  out.residual = scale > 0 ? r / scale : r;
  // ‖R_exact‖₂ for the exact Ã' (within A_.error of hi + lo) and exact Q' (within Q.error):
  // the computed residual, its rounding, Q's error, and ‖Ã'ᵀXÃ' − ÃᵀXÃ‖ ≤ ‖X‖(2‖Ã‖δ + δ²).
  const double delta = A_.error;
  const double residual_bound = norm_up(R.hi + R.lo) + residual_rounding(n, norm_A, norm_X, norm_Q, extended_) +
                                Q.error + norm_X * (2.0 * norm_A * delta + delta * delta);
  out.X.error = residual_bound;  // solve() and solve_transposed() turn it into the forward-error bound
  return out;
}

/// ‖X_exact − X‖₂ ≤ ‖L⁻¹‖₂ ‖R_exact‖₂: the error solves the Stein equation with the exact
/// residual as its right side (Higham 2002, §16.1, for Sylvester equations).
CertifiedSteinSolution CertifiedSteinSolver::solve(const ExtendedMatrix& Q, int max_refinements) const {
  return solve_bounded(Q, 'N', max_refinements);
}

CertifiedSteinSolution CertifiedSteinSolver::solve_transposed(const ExtendedMatrix& Q, int max_refinements) const {
  return solve_bounded(Q, 'T', max_refinements);
}

CertifiedSteinSolution CertifiedSteinSolver::solve_bounded(const ExtendedMatrix& Q, char trana,
                                                           int max_refinements) const {
  CertifiedSteinSolution out = solve_refined(Q, trana, max_refinements);
  const StabilityCertificate& c = certificate();
  const double inverse_norm = trana == 'N' ? c.inverse_norm : c.inverse_norm_transposed;
  out.X.error = c.certified ? inverse_norm * out.X.error * (1.0 + 8.0 * kUnitRoundoff)
                            : std::numeric_limits<double>::infinity();
  return out;
}

const StabilityCertificate& CertifiedSteinSolver::certificate() const {
  if (have_certificate_) return certificate_;
  have_certificate_ = true;
  StabilityCertificate& c = certificate_;
  const Eigen::Index n = A_.hi.rows();
  if (n == 0) {
    c = {true, "", 0.0, 1.0, 1.0, 1.0};
    return c;
  }
  const ExtendedMatrix identity{Eigen::MatrixXd::Identity(n, n), Eigen::MatrixXd::Zero(n, n), 0.0};
  // H = ÃᵀHÃ + I; `X.error` of the certificate's solve is the bound on ‖I − (H − ÃᵀHÃ)‖₂
  // for the exact Ã (solve_refined's residual_bound), so H − ÃᵀHÃ ⪰ (1 − that) I.
  const CertifiedSteinSolution H = solve_refined(identity, 'N', extended_ ? 10 : 1);
  const double lower = 1.0 - H.X.error;
  const double norm_H = norm_up(H.X.hi + H.X.lo);
  if (!(lower > 0.0)) {
    c.failure = "its Lyapunov certificate H = A'HA + I (|H| = " + detail::format_number(norm_H, 3) +
                ") has a residual of " + detail::format_number(H.X.error, 3) +
                " >= 1 in the working precision, so it proves nothing";
    return c;
  }
  // H ≻ 0 by a floating-point Cholesky factorisation of hi − sI (Rump 2006, "Verification of
  // positive definiteness", BIT 46:433-452, Thm 2.3: it succeeds only if hi ≻ (s − γ_{n+1}
  // tr(hi)-sized terms) I), with s covering Rump's term and ‖lo‖.
  const double norm_lo = norm_up(H.X.lo);
  const double trace_hi = H.X.hi.trace();
  const double shift = 4.0 * (static_cast<double>(n) + 2.0) * kUnitRoundoff * std::abs(trace_hi) + norm_lo + 1e-290;
  const Eigen::LLT<Eigen::MatrixXd> cholesky(H.X.hi - shift * Eigen::MatrixXd::Identity(n, n));
  if (cholesky.info() != Eigen::Success || !std::isfinite(norm_H)) {
    c.failure = "its Lyapunov certificate H = A'HA + I cannot be verified positive definite in double precision "
                "(|H| = " + detail::format_number(norm_H, 3) + ")";
    return c;
  }
  const double size = static_cast<double>(n);
  const double lambda_max =
      std::min(norm_up(H.X.hi), H.X.hi.cwiseAbs().rowwise().sum().maxCoeff() * (1.0 + (size + 2.0) * kUnitRoundoff)) +
      norm_lo;
  const double trace = (std::abs(trace_hi) + std::abs(H.X.lo.trace())) * (1.0 + (size + 2.0) * kUnitRoundoff);
  // ρ² ≤ 1 − t with t = lower / λ_max: margin 1 − ρ̄ = t / (1 + √(1 − t)), rounded down.
  const double t = lower / lambda_max * (1.0 - 4.0 * kUnitRoundoff);
  c.certified = true;
  c.margin = t / (1.0 + std::sqrt(1.0 - t)) * (1.0 - 8.0 * kUnitRoundoff);
  c.radius_bound = std::nextafter(1.0 - c.margin, 2.0);
  c.inverse_norm = lambda_max / lower * (1.0 + 8.0 * kUnitRoundoff);
  c.inverse_norm_transposed = trace / lower * (1.0 + 8.0 * kUnitRoundoff);
  // A second certificate for L*(X) = X − ÃXÃᵀ, G = ÃGÃᵀ + I: once ρ(Ã) < 1 is proven,
  // G − ÃGÃᵀ ⪰ c_T I gives ‖L*⁻¹‖₂ ≤ λ_max(G) / c_T, up to n times tighter than tr(H) / c.
  const CertifiedSteinSolution G = solve_refined(identity, 'T', extended_ ? 10 : 1);
  const double lower_T = 1.0 - G.X.error;
  if (lower_T > 0.0) {
    const double lambda_T = std::min(norm_up(G.X.hi), G.X.hi.cwiseAbs().rowwise().sum().maxCoeff() *
                                                          (1.0 + (size + 2.0) * kUnitRoundoff)) +
                            norm_up(G.X.lo);
    c.inverse_norm_transposed = std::min(c.inverse_norm_transposed, lambda_T / lower_T * (1.0 + 8.0 * kUnitRoundoff));
  }
  return c;
}

}  // namespace pgtruth
