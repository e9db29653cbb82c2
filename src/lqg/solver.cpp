#include "io/format.hpp"
#include "pgtruth/lqg/solver.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "lqg/policy_noise.hpp"
#include "lqg/double_double_matrix.hpp"
#include "linalg/symmetric_pseudo_inverse.hpp"
#include "parallel/context.hpp"
#include "parallel/openmp_threads.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/dense_limits.hpp"
#include "pgtruth/lqg/lyapunov.hpp"
#include "pgtruth/lqg/riccati.hpp"

namespace pgtruth {

void LqgSolveOptions::validate() const {
  if (!(max_residual > 0.0)) throw std::invalid_argument("LqgSolveOptions::max_residual must be > 0");
  if (value_refinements < 0 || value_refinements > 10)
    throw std::invalid_argument("LqgSolveOptions::value_refinements must be in [0, 10]");
  if (!(max_relative_error > 0.0)) throw std::invalid_argument("LqgSolveOptions::max_relative_error must be > 0");
  if (!(max_relative_error_double >= max_relative_error))
    throw std::invalid_argument("LqgSolveOptions::max_relative_error_double must be >= max_relative_error");
  if (threads < 0 || threads > kMaxThreads)
    throw std::invalid_argument("LqgSolveOptions::threads must be in [0, " + std::to_string(kMaxThreads) +
                                "] (0: every core)");
}

std::string LqgSolveSummary::brief_report() const {
  char line[1024];
  std::snprintf(line, sizeof line,
                "%s; residuals: value (Stein) %.1e, state moment (Stein) %.1e, Riccati %.1e; %.3g s\n"
                "certified: spectral radius <= %.10g (stability margin %.3g), Stein condition %.3g, %s arithmetic\n"
                "error bounds: J %.2g, P %.2g, state moment %.2g, gradient %.2g, value constant %.2g, "
                "q_matrix %.2g, q constant %.2g",
                method.c_str(), value_residual, moment_residual, riccati_residual, seconds, spectral_radius_bound,
                stability_margin, stein_condition, precision.c_str(), error_bounds.J, error_bounds.P,
                error_bounds.state_moment, error_bounds.gradient, error_bounds.value_constant, error_bounds.q_matrix,
                error_bounds.q_constant);
  return line;
}

Eigen::MatrixXd closed_loop(const LqgProblem& p, const Eigen::MatrixXd& K) {
  return std::sqrt(p.gamma) * (p.A - p.B * K);
}

Eigen::MatrixXd policy_state_cost(const LqgProblem& p, const Eigen::MatrixXd& K) {
  const Eigen::MatrixXd NK = p.N * K;
  return p.Q + K.transpose() * p.R * K - NK - NK.transpose();
}

namespace {


/// V = BΣBᵀ + W, the covariance the noise adds to x at every step.
Eigen::MatrixXd step_noise(const LqgProblem& p) { return p.B * p.Sigma * p.B.transpose() + p.W; }

/// c = γ tr(PV)/(1 − γ) [+ tr(RΣ)/(1 − γ) for S]: the constant of v(x) = xᵀPx + c.
double value_constant(const LqgProblem& p, const Eigen::MatrixXd& P) {
  if (p.gamma == 1.0) return 0.0;  // no noise (the reader enforces it)
  double c = p.gamma * (P * step_noise(p)).trace() / p.one_minus_gamma();
  if (p.formulation == Formulation::stochastic) c += (p.R * p.Sigma).trace() / p.one_minus_gamma();
  return c;
}

/// J = tr(P E₀) + c with E₀ = E[x₀x₀ᵀ].
double objective(const LqgProblem& p, const Eigen::MatrixXd& P, double c) {
  return p.x0_mean.dot(P * p.x0_mean) + (P * p.x0_cov).trace() + c;
}

/// The q_matrix [[Q + γAᵀPA, N + γAᵀPB], [Nᵀ + γBᵀPA, R + γBᵀPB]], the same in S and D.
Eigen::MatrixXd q_matrix(const LqgProblem& p, const Eigen::MatrixXd& P) {
  const Eigen::Index n = p.n(), m = p.m();
  Eigen::MatrixXd M(n + m, n + m);
  M.topLeftCorner(n, n) = p.Q + p.gamma * p.A.transpose() * P * p.A;
  M.topRightCorner(n, m) = p.N + p.gamma * p.A.transpose() * P * p.B;
  M.bottomLeftCorner(m, n) = M.topRightCorner(n, m).transpose();
  M.bottomRightCorner(m, m) = p.R + p.gamma * p.B.transpose() * P * p.B;
  return M;
}

/// q_constant = γ (tr(P W) + c) for S, where u already carries the noise; γ (tr(P V) + c) for D,
/// where the noise d still enters the next state.
double q_constant(const LqgProblem& p, const Eigen::MatrixXd& P, double c) {
  const Eigen::MatrixXd next_noise = p.formulation == Formulation::stochastic ? p.W : step_noise(p);
  return p.gamma * ((P * next_noise).trace() + c);
}

}  // namespace

namespace {

using lqg_dd::arithmetic_unit;
using lqg_dd::Dd;
using lqg_dd::DdMatrix;
using lqg_dd::kUnitRoundoff;
using lqg_dd::product;

DdMatrix dd(const Eigen::MatrixXd& M) { return DdMatrix(M); }
ExtendedMatrix extended_matrix(const DdMatrix& M, double error) { return {M.hi, M.lo, error}; }

/// 1 − γ and γ in double-double: from the file's decimal 1 − γ where it has one (γ = 1 − that,
/// exactly), else from the double γ by TwoSum; the two agree to the rounding of a double γ.
Dd complement_of_gamma(const LqgProblem& p) {
  return p.gamma_complement ? Dd{*p.gamma_complement, 0.0} : lqg_dd::two_sum(1.0, -p.gamma);
}
Dd gamma_of(const LqgProblem& p) {
  return p.gamma_complement ? lqg_dd::two_sum(1.0, -*p.gamma_complement) : Dd{p.gamma, 0.0};
}

/// A − BK with error-free products, and √γ (A − BK): the closed loop of the file's doubles,
/// not of their rounded product. Error below (m + 4) unit |A| + |B||K| entrywise (each entry
/// is a sum of m + 1 products, then a product by √γ; Higham 2002, Thm 3.5).
struct ClosedLoop {
  DdMatrix A_cl;        ///< A − BK
  double A_cl_error;    ///< ‖exact − A_cl‖_F
  ExtendedMatrix tilde; ///< √γ (A − BK)
};
ClosedLoop closed_loop_extended(const LqgProblem& p, bool extended) {
  ClosedLoop out;
  out.A_cl = dd(p.A) - product(dd(p.B), dd(p.K), extended);
  const double m = static_cast<double>(p.m());
  const double size = p.A.norm() + p.B.norm() * p.K.norm();
  out.A_cl_error = (m + 3.0) * arithmetic_unit(extended) * size;
  const DdMatrix tilde = p.gamma == 1.0 ? out.A_cl : detail::sqrt_of(gamma_of(p)) * out.A_cl;
  out.tilde = extended_matrix(tilde, std::sqrt(p.gamma) * (m + 4.0) * arithmetic_unit(extended) * size * 1.01);
  return out;
}

/// Q_K = Q + KᵀRK − NK − KᵀNᵀ, symmetrised; error below (2m + 6) unit (|Q| + |K|ᵀ|R||K| + 2|N||K|).
ExtendedMatrix policy_state_cost_extended(const LqgProblem& p, bool extended) {
  const DdMatrix K = dd(p.K), NK = product(dd(p.N), K, extended);
  const DdMatrix KRK = product(K.transpose(), product(dd(p.R), K, extended), extended);
  const DdMatrix Q_K = (dd(p.Q) + KRK - NK - NK.transpose()).symmetric_part();
  const double size = p.Q.norm() + p.K.squaredNorm() * p.R.norm() + 2.0 * p.N.norm() * p.K.norm();
  return extended_matrix(Q_K, (2.0 * static_cast<double>(p.m()) + 6.0) * arithmetic_unit(extended) * size * 1.01);
}

/// γ / (1 − γ) in double-double.
Dd discount_ratio(const LqgProblem& p) { return gamma_of(p) / complement_of_gamma(p); }

/// S = E₀ + γ V / (1 − γ) (E₀ alone at γ = 1), the right side of the state-moment equation
/// X = S + ÃXÃᵀ; error below (2m + 8) unit (|cov| + |mean||mean|ᵀ + g (|B||Σ||B|ᵀ + |W|)).
ExtendedMatrix moment_source_extended(const LqgProblem& p, bool extended) {
  const Eigen::MatrixXd mean = p.x0_mean;
  DdMatrix S = dd(p.x0_cov) + product(dd(mean), dd(Eigen::MatrixXd(mean.transpose())), extended);
  double size = p.x0_cov.norm() + p.x0_mean.squaredNorm();
  if (p.gamma < 1.0) {
    const Dd g = discount_ratio(p);
    const DdMatrix B = dd(p.B);
    const DdMatrix V = product(B, product(dd(p.Sigma), B.transpose(), extended), extended) + dd(p.W);
    S = S + g * V;
    size += std::abs(g.hi) * (p.B.squaredNorm() * p.Sigma.norm() + p.W.norm());
  }
  return extended_matrix(S.symmetric_part(),
                         (2.0 * static_cast<double>(p.m()) + 8.0) * arithmetic_unit(extended) * size * 1.01);
}

/// tr(M S) for symmetric S, in double-double.
Dd trace_of_product(const DdMatrix& M, const DdMatrix& S) {
  Dd t{};
  for (Eigen::Index j = 0; j < M.cols(); ++j)
    for (Eigen::Index i = 0; i < M.rows(); ++i) t = t + M(i, j) * S(j, i);
  return t;
}

std::string radius_text(double r) {  // enough digits not to read as 1
  int digits = 6;
  while (digits < 17 && detail::format_number(r, digits) == "1" && r != 1.0) ++digits;
  return detail::format_number(r, digits);
}

/// J = tr(P S) + tr(RΣ)/(1 − γ) (S formulation), S the state-moment source: the same as
/// tr(P E₀) + c. Error: ‖P − P̂‖₂ ‖S‖_* (‖S‖_* ≤ √n ‖S‖_F) + ‖P‖_F ‖S − Ŝ‖_F + the
/// double-double rounding of the sums + the final rounding to double.
struct Objective {
  double J, error;
};
Objective objective_extended(const LqgProblem& p, const CertifiedSteinSolution& P, const ExtendedMatrix& S) {
  const DdMatrix Pd{P.X.hi, P.X.lo}, Sd{S.hi, S.lo};
  Dd J = trace_of_product(Pd, Sd);
  double noise_cost = 0.0;
  if (p.gamma < 1.0 && p.formulation == Formulation::stochastic) {
    const Dd c = trace_of_product(dd(p.R), dd(p.Sigma)) / complement_of_gamma(p);
    J = J + c;
    noise_cost = std::abs(c.hi);
  }
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m());
  const double sum_abs = (Pd.hi.cwiseAbs().cwiseProduct(Sd.hi.cwiseAbs().transpose())).sum() + noise_cost;
  const double error = P.X.error * std::sqrt(n) * S.hi.norm() * (1.0 + 1e-10) + (P.X.hi.norm() * 1.01) * S.error +
                       (n * n + m * m + 8.0) * lqg_dd::kDoubleDoubleUnit * sum_abs * 1.01 +
                       kUnitRoundoff * std::abs(J.hi);
  return {J.hi, error};
}

/// ‖Z‖₂ rounded up: min(‖Z‖_F, √(‖Z‖₁ ‖Z‖_∞)) (Higham 2002, (6.12) and (6.23)). It also bounds
/// ‖|Z|‖₂ (|Z| has Z's Frobenius, 1- and ∞-norms), so entrywise rounding bounds such as
/// γ_k |B|ᵀ|P||A| are bounded in the spectral norm of each factor but one.
double norm2_up(const Eigen::MatrixXd& Z) {
  if (Z.size() == 0) return 0.0;
  const Eigen::MatrixXd a = Z.cwiseAbs();
  return std::min(Z.norm(), std::sqrt(a.colwise().sum().maxCoeff() * a.rowwise().sum().maxCoeff())) * 1.01;
}

/// M = RK − Nᵀ − γ BᵀP(A − BK), the factor of dJ/dK = 2 M X (Fazel et al. 2018, Lemma 1) whose
/// terms cancel only as much as the gradient does; M = G (K − K⁺), G = R + γBᵀPB, K⁺ the policy
/// improvement of K. Error (Frobenius): δM = γ‖B‖(‖A_cl‖ δP + ‖P‖ δA_cl) + M's rounding.
struct GainResidual {
  DdMatrix M;
  double error;  ///< ≥ ‖M_exact − (hi + lo)‖_F
  double terms;  ///< ‖R‖‖K‖ + ‖N‖ + γ‖P‖‖B‖‖A_cl‖: the size of M's terms
};
GainResidual gain_residual_extended(const LqgProblem& p, const ClosedLoop& loop, const CertifiedSteinSolution& P,
                                    bool extended) {
  const DdMatrix Pd{P.X.hi, P.X.lo};
  const DdMatrix BtPA = product(product(dd(Eigen::MatrixXd(p.B.transpose())), Pd, extended), loop.A_cl, extended);
  GainResidual out;
  out.M = product(dd(p.R), dd(p.K), extended) - dd(Eigen::MatrixXd(p.N.transpose())) - gamma_of(p) * BtPA;
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m()), unit = arithmetic_unit(extended);
  // ‖BᵀEA‖_F ≤ ‖B‖₂ ‖E‖₂ ‖A‖_F.
  const double norm_B = norm2_up(p.B), norm_P = norm2_up(P.X.hi), norm_A_cl = norm2_up(loop.A_cl.hi);
  const double frobenius_BA = std::min(p.B.norm() * norm_A_cl, norm_B * loop.A_cl.hi.norm()) * 1.01;
  out.terms = p.R.norm() * p.K.norm() + p.N.norm() + p.gamma * norm_P * frobenius_BA;
  out.error = p.gamma * (frobenius_BA * P.X.error + norm_B * norm_P * loop.A_cl_error) +
              (2.0 * n + m + 6.0) * unit * out.terms;
  return out;
}

/// dJ/dK = 2 M X (gain_residual_extended). Error: 2(δM ‖X‖ + ‖M‖ δX + δM δX) + the product's
/// rounding + the final rounding to double.
struct Gradient {
  Eigen::MatrixXd G;
  double error, terms;
};
Gradient gradient_extended(const LqgProblem& p, const ClosedLoop& loop, const CertifiedSteinSolution& P,
                           const CertifiedSteinSolution& X, bool extended) {
  const GainResidual M = gain_residual_extended(p, loop, P, extended);
  const DdMatrix Xd{X.X.hi, X.X.lo};
  const DdMatrix G = Dd{2.0, 0.0} * product(M.M, Xd, extended);
  const double n = static_cast<double>(p.n()), unit = arithmetic_unit(extended);
  const double norm_X = norm2_up(X.X.hi), norm_M = M.M.hi.norm() * 1.01;
  const double dM = M.error, dX = X.X.error;
  Gradient out;
  out.G = G.hi;
  out.terms = 2.0 * M.terms * norm_X;
  out.error = 2.0 * (dM * norm_X + norm_M * dX + dM * dX) + (n + 4.0) * unit * 2.0 * norm_M * norm_X +
              kUnitRoundoff * G.hi.norm() * 1.01;
  return out;
}

// ---- Error bounds of the quantities derived from P, X and the gradient ---------------------
// Each bound is the effect of the certified errors of P (δP, spectral norm), X (δX) and the
// gradient (δG, Frobenius) through the formula, plus the worst-case rounding of the formula in
// double: |fl(x) − x| ≤ γ_k Σ|terms| for k roundings in sequence, γ_k = ku/(1 − ku) ≤ 1.01 ku
// (Higham 2002, Lemma 3.1, Thm 3.5). ‖|A||B|‖_F ≤ ‖A‖_F ‖B‖_F bounds the entrywise terms.

/// γ_k times `size`.
double rounding(double k, double size) { return k * kUnitRoundoff * size * 1.01; }

/// A lower bound on ‖M‖₂ for what a bound is relative to: ‖M‖_F / √(rank's upper bound).
double spectral_lower(const Eigen::MatrixXd& M) {
  return M.norm() / std::sqrt(static_cast<double>(std::max<Eigen::Index>(1, std::min(M.rows(), M.cols()))));
}

/// Sizes of V = BΣBᵀ + W ⪰ 0 (or of W alone): an upper bound on ‖V‖_* = tr(V) (tr(BΣBᵀ) ≤
/// ‖Σ‖₂‖B‖_F², tr(W) ≤ √n ‖W‖_F), and on ‖|B||Σ||B|ᵀ + |W|‖_F, the size of V's rounding.
struct NoiseSize {
  double nuclear, terms;
};
NoiseSize noise_size(const LqgProblem& p, bool with_policy_noise) {
  const double sqrt_n = std::sqrt(static_cast<double>(p.n()));
  const double policy = with_policy_noise ? p.B.squaredNorm() * p.Sigma.norm() : 0.0;
  return {(policy + sqrt_n * p.W.norm()) * 1.01, (policy + p.W.norm()) * 1.01};
}

/// Error of value_constant(): c = g tr(PV) [+ tr(RΣ)/(1 − γ)], g = γ/(1 − γ), moves by
/// g |tr(δP V)| ≤ g ‖δP‖₂ ‖V‖_* (V ⪰ 0); rounding: V 2m + 1 deep, the trace 2n, the scalars 4.
double value_constant_error(const LqgProblem& p, const Eigen::MatrixXd& P, double dP) {
  if (p.gamma == 1.0) return 0.0;
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m());
  const double g = p.gamma / p.one_minus_gamma();
  const NoiseSize V = noise_size(p, true);
  double terms = g * P.norm() * V.terms;
  if (p.formulation == Formulation::stochastic) terms += p.R.norm() * p.Sigma.norm() / p.one_minus_gamma();
  return g * dP * V.nuclear * 1.01 + rounding(2.0 * (n + m) + 12.0, terms);
}

/// Error of q_matrix(): its blocks are Q̄ + γ CᵀPC, Q̄ = [[Q, N], [Nᵀ, R]], C = [A B], so δP moves
/// it by γ ‖C‖₂² δP; rounding 2n + 3 deep on |Q̄| + γ |C|ᵀ|P||C|.
double q_matrix_error(const LqgProblem& p, const Eigen::MatrixXd& P, double dP) {
  Eigen::MatrixXd C(p.n(), p.n() + p.m());
  C << p.A, p.B;
  const double n = static_cast<double>(p.n()), norm_C = norm2_up(C);
  const double cost = std::sqrt(p.Q.squaredNorm() + 2.0 * p.N.squaredNorm() + p.R.squaredNorm());
  return p.gamma * norm_C * norm_C * dP * 1.01 + rounding(2.0 * n + 4.0, cost + p.gamma * C.squaredNorm() * P.norm());
}

/// Error of q_constant(): γ (tr(PW) + c) (S) or γ (tr(PV) + c) (D), as value_constant_error,
/// with c's error dc.
double q_constant_error(const LqgProblem& p, const Eigen::MatrixXd& P, double dP, double c, double dc) {
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m());
  const NoiseSize next = noise_size(p, p.formulation == Formulation::deterministic);
  return p.gamma * (dP * next.nuclear * 1.01 + dc) +
         rounding(2.0 * (n + m) + 8.0, p.gamma * (P.norm() * next.terms + std::abs(c)));
}

/// Error (spectral norm) of dJ/dΣ = (R + γBᵀPB)/(1 − γ) (S) or γBᵀPB/(1 − γ) (D):
/// γ ‖B‖₂² δP/(1 − γ), plus rounding 2n + 4 deep (the product, R, γ, the division).
double gradient_sigma_error(const LqgProblem& p, const Eigen::MatrixXd& P, double dP) {
  const double n = static_cast<double>(p.n()), norm_B = norm2_up(p.B);
  const double R = p.formulation == Formulation::stochastic ? p.R.norm() : 0.0;
  return (p.gamma * norm_B * norm_B * dP * 1.01 + rounding(2.0 * n + 4.0, R + p.gamma * p.B.squaredNorm() * P.norm())) /
         p.one_minus_gamma();
}

/// ‖Σ⁻¹ − S‖₂ for a computed inverse S: with E = I − ΣS, Σ⁻¹ = S (I − E)⁻¹, so ‖Σ⁻¹ − S‖₂ ≤
/// ‖S‖₂ ‖E‖₂ / (1 − ‖E‖₂) when ‖E‖₂ < 1 (Higham 2002, §14.1), E's rounding (m + 2 deep)
/// included; infinity otherwise.
double inverse_error(const Eigen::MatrixXd& Sigma, const Eigen::MatrixXd& S) {
  const Eigen::Index m = Sigma.rows();
  const Eigen::MatrixXd E = Eigen::MatrixXd::Identity(m, m) - Sigma * S;
  const double md = static_cast<double>(m);
  const double norm_E = E.norm() * (1.0 + (md * md + 4.0) * kUnitRoundoff) +
                        rounding(md + 2.0, std::sqrt(md) + Sigma.norm() * S.norm());
  if (!(norm_E < 1.0)) return std::numeric_limits<double>::infinity();
  return norm2_up(S) * norm_E / (1.0 - norm_E) * (1.0 + 4.0 * kUnitRoundoff);
}

/// ‖X̄ − X̄̂‖₂ for X̄ = (1 − γ) X formed in double from the printed X̂: (1 − γ) δX, plus the
/// rounding of 1 − γ (the file's decimal) and of the product.
double moment_average_error(const LqgProblem& p, const Eigen::MatrixXd& X, double dX) {
  return p.one_minus_gamma() * dX * (1.0 + 4.0 * kUnitRoundoff) + rounding(2.0, p.one_minus_gamma() * X.norm());
}

/// Error (spectral norm) of F = Σ⁻¹ ⊗ X̄ formed from S ≈ Σ⁻¹ and X̄̂: ‖A ⊗ B‖₂ = ‖A‖₂‖B‖₂ gives
/// ‖Σ⁻¹ − S‖₂ ‖X̄‖₂ + ‖S‖₂ ‖X̄ − X̄̂‖₂, plus the entries' rounding.
double fisher_error(const Eigen::MatrixXd& S, double dS, const Eigen::MatrixXd& Xbar, double dXbar) {
  return dS * (norm2_up(Xbar) + dXbar) + norm2_up(S) * dXbar + rounding(1.0, S.norm() * Xbar.norm());
}

/// s ≤ λ_min(M) for symmetric M, certified: the Cholesky factorisation of M − (s + t) I in
/// double succeeds only if M ≻ sI, for t = 4(n + 2) u Σ|m_ii| (Rump 2006, "Verification of
/// positive definiteness", BIT 46, Thm 2.3). s from `estimate` (a computed λ_min), quartered
/// until it passes; 0 when none does.
double lambda_min_lower(const Eigen::MatrixXd& M, double estimate) {
  const Eigen::Index n = M.rows();
  const double t = 4.0 * (static_cast<double>(n) + 2.0) * kUnitRoundoff * M.diagonal().cwiseAbs().sum() + 1e-290;
  double s = 0.9 * estimate;
  for (int k = 0; k < 8 && s > 0.0; ++k, s /= 4.0)
    if (Eigen::LLT<Eigen::MatrixXd>(M - (s + t) * Eigen::MatrixXd::Identity(n, n)).info() == Eigen::Success) return s;
  return 0.0;
}

/// Error (Frobenius) of the natural gradient Ŷ ≈ Y = Σ G X̄⁺ (F⁺g for F = Σ⁻¹ ⊗ X̄).
/// Certified where X̄ is: Y solves Y X̄ = Σ G, so with R = Σ G − Ŷ X̄ for the exact G and X̄,
/// Y − Ŷ = R X̄⁻¹ and ‖Y − Ŷ‖_F ≤ ‖R‖_F ‖X̄⁻¹‖₂ (Higham 2002, §7.1, the residual bound of a linear
/// system, m right sides); ‖X̄⁻¹‖₂ ≤ 1 / (λ_min(X̄̂) − ‖X̄ − X̄̂‖₂) by Weyl's inequality, when that
/// is positive (the F⁻¹ bound ‖F⁻¹‖(‖δg‖ + ‖δF‖‖x‖)/(1 − ‖F⁻¹‖‖δF‖) in residual form). Otherwise
/// X̄ may be singular, and Wedin's bound for pseudo-inverses of equal rank, ‖A⁺ − B⁺‖₂ ≤
/// μ ‖A⁺‖₂ ‖B⁺‖₂ ‖A − B‖₂, μ = (1 + √5)/2 (Wedin 1973; Stewart & Sun 1990, Thm III.3.8), at the
/// counted rank, with ‖X̄⁺‖ taken as ‖X̄̂⁺‖, gives a first-order estimate.
struct NaturalGradientBound {
  double error;
  bool certified;
};
NaturalGradientBound natural_gradient_error(const LqgProblem& p, const Eigen::MatrixXd& G, double dG,
                                            const Eigen::MatrixXd& Xbar, double dXbar,
                                            const detail::SymmetricPseudoInverse& Xbar_pinv, const Eigen::MatrixXd& Y) {
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m());
  const double norm_Sigma = norm2_up(p.Sigma);
  const double largest_inverse = Xbar_pinv.inverse_eigenvalues.size() ? Xbar_pinv.inverse_eigenvalues.maxCoeff() : 0.0;
  if (Xbar_pinv.rank == p.n() && largest_inverse > 0.0) {
    const double lambda = lambda_min_lower(Xbar, 1.0 / largest_inverse) - dXbar;
    if (lambda > 0.0) {
      const Eigen::MatrixXd R = p.Sigma * G - Y * Xbar;
      const double residual = R.norm() * (1.0 + (m * n + 4.0) * kUnitRoundoff) +
                              rounding(std::max(m, n) + 2.0, p.Sigma.norm() * G.norm() + Y.norm() * Xbar.norm()) +
                              norm_Sigma * dG + Y.norm() * dXbar;
      return {residual / lambda * (1.0 + 4.0 * kUnitRoundoff), true};
    }
  }
  const double mu = (1.0 + std::sqrt(5.0)) / 2.0;
  // The rank rule drops eigenvalues below 64 n ε λ_max (symmetric_pseudo_inverse, terms 8n):
  // a perturbation of that size, beside X̄'s error and the eigensolver's backward error.
  const double perturbation = dXbar + 160.0 * n * kUnitRoundoff * norm2_up(Xbar);
  const double error = norm_Sigma * largest_inverse * (dG + mu * G.norm() * largest_inverse * perturbation) +
                       rounding(2.0 * (n + m) + 8.0, p.Sigma.norm() * G.norm() * Xbar_pinv.inverse_eigenvalues.norm());
  return {error, false};
}

/// Error bounds of the optimum printed, (K̂, P̂) from SB02OD, which has only a residual. K̂ is
/// evaluated on the certified Stein path: P_K̂ = Q_K̂ + Ã_K̂ᵀ P_K̂ Ã_K̂ with its bound, and
/// ‖L_K̂⁻¹‖₂ = ℓ from its certificate. With G(P) = R + γBᵀPB, K(P) = G(P)⁻¹(Nᵀ + γBᵀPA) and
/// Ric(P) = Q + γAᵀPA − K(P)ᵀG(P)K(P) − P, every symmetric P with G(P) ≻ 0 has
///   Q_K̂ + Ã_K̂ᵀPÃ_K̂ − P = Ric(P) + (K̂ − K(P))ᵀ G(P) (K̂ − K(P))
/// (the identity behind Hewer's 1971 policy iteration and Fazel et al. 2018's cost-difference
/// lemma, discounted, with N), so P = P_K̂ − E solves Ric(P) = 0 exactly when E is a fixed point
/// of Φ(E) = L_K̂⁻¹((K̂ − K(P))ᵀ G(P) (K̂ − K(P))). On the ball ‖E‖₂ ≤ ρ, G(P) ⪰ (λ_min(R) − γ‖B‖²ρ) I
/// and K̂ − K(P) = G(P_K̂)⁻¹Z + G(P)⁻¹γBᵀE(A − BK̃), Z = RK̂ − Nᵀ − γBᵀP_K̂(A − BK̂)
/// (gain_residual_extended), K̃ = K(P_K̂); so ‖Φ(E)‖₂ ≤ ℓ g (d + cρ)² with d = ‖Z‖/λ_min(R),
/// c = γ‖B‖(‖A − BK̂‖ + ‖B‖d)/(λ_min(R) − γ‖B‖²ρ), g = ‖R‖ + γ‖B‖²(‖P_K̂‖ + ρ). Where that is ≤ ρ,
/// Brouwer's theorem gives a solution P̄ within ρ of P_K̂; the stabilising solution P* is the
/// largest (Lancaster & Rodman 1995, ch. 13) and P* ⪯ P_K̂ (K̂ stabilises), so
/// 0 ⪯ P_K̂ − P* ⪯ P_K̂ − P̄ and ‖P_K̂ − P*‖₂ ≤ ρ. ρ is tried at 2ᵏ ℓ g d², k = 1..8: a certified
/// a-posteriori bound of the Newton-Kantorovich kind, second order in the gain's residual. When
/// none passes, ρ = ℓ g d² from the computed Z (its error bound left out) is a first-order estimate.
struct OptimumBound {
  double K = 0, P = 0, J = 0;
  double K_terms = 0;       ///< the size of the gain residual's terms over λ_min(R)
  std::string failure;      ///< why there is no bound, when there is none
  double inverse_norm = 0;  ///< ℓ
  bool first_order = false; ///< no ball ρ was found: K, P, J are first-order estimates
};
OptimumBound optimum_error(const LqgProblem& p, const RiccatiSolution& riccati, const ExtendedMatrix& S,
                           bool extended) {
  OptimumBound out;
  const double inf = std::numeric_limits<double>::infinity();
  const auto fail = [&](const std::string& why) {
    out.K = out.P = out.J = inf;
    out.failure = why;
    return out;
  };
  LqgProblem q = p;
  q.K = riccati.K;
  const ClosedLoop loop = closed_loop_extended(q, extended);
  const CertifiedSteinSolver stein(loop.tilde, extended);
  const StabilityCertificate& certificate = stein.certificate();
  if (!certificate.certified) return fail("the optimal gain's closed loop cannot be certified stable: " + certificate.failure);
  out.inverse_norm = certificate.inverse_norm;
  const CertifiedSteinSolution P_K = stein.solve(policy_state_cost_extended(q, extended), extended ? 10 : 1);
  const GainResidual Z = gain_residual_extended(q, loop, P_K, extended);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> R_eigen(p.R, Eigen::EigenvaluesOnly);
  const double r_min = lambda_min_lower(p.R, R_eigen.eigenvalues().minCoeff());
  if (!(r_min > 0.0)) return fail("R cannot be certified positive definite in double precision");
  const double norm_Z = (Z.M.hi + Z.M.lo).norm() * 1.01 + Z.error;
  const double norm_P = norm2_up(P_K.X.hi) + P_K.printed_error(), norm_B = norm2_up(p.B), norm_R = norm2_up(p.R);
  const double norm_A_cl = norm2_up(loop.A_cl.hi) + loop.A_cl.lo.norm() * 1.01 + loop.A_cl_error;
  const double ell = certificate.inverse_norm, gB2 = p.gamma * norm_B * norm_B;
  const double d = norm_Z / r_min * (1.0 + 4.0 * kUnitRoundoff);
  double e = inf, c = inf;
  const double first = ell * (norm_R + gB2 * norm_P) * d * d;
  for (int k = 1; k <= 8 && !(e < inf); ++k) {
    const double rho = std::ldexp(first, k), r_ball = r_min - gB2 * rho;
    if (!(r_ball > 0.0)) break;
    const double c_rho = p.gamma * norm_B * (norm_A_cl + norm_B * d) / r_ball * 1.01;
    const double g = norm_R + gB2 * (norm_P + rho);
    const double image = ell * g * (d + c_rho * rho) * (d + c_rho * rho) * 1.01;
    if (image <= rho) e = rho, c = c_rho;
  }
  if (!(e < inf)) {
    // Out of the ball's reach (on the double path above n = 160, where δP_K̂ is pessimistic):
    // the first-order estimate ‖E‖ ≈ ℓ g d², d from the computed Z alone.
    out.first_order = true;
    const double d_computed = (Z.M.hi + Z.M.lo).norm() / r_min;
    c = p.gamma * norm_B * (norm_A_cl + norm_B * d_computed) / r_min;
    e = ell * (norm_R + gB2 * norm_P) * d_computed * d_computed;
    out.K = d_computed + c * e;
  } else {
    out.K = (d + c * e) * (1.0 + 4.0 * kUnitRoundoff);
  }
  e *= 1.0 + 32.0 * kUnitRoundoff;  // the scalar arithmetic above
  out.K_terms = Z.terms / r_min;
  const Eigen::MatrixXd difference = riccati.P - P_K.X.hi;
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m());
  out.P = (difference.norm() * (1.0 + (n * n + 6.0) * kUnitRoundoff) + P_K.printed_error() + e) *
          (1.0 + 4.0 * kUnitRoundoff);
  // J* = tr(P* S) [+ tr(RΣ)/(1 − γ)]: |tr(δP S)| ≤ ‖δP‖₂ tr(S) (S ⪰ 0), plus objective()'s rounding.
  const double trace_S = std::abs(S.hi.trace() + S.lo.trace()) * (1.0 + (n + 2.0) * kUnitRoundoff) + std::sqrt(n) * S.error;
  double terms = riccati.P.norm() * (p.x0_mean.squaredNorm() + p.x0_cov.norm());
  if (p.gamma < 1.0) {
    terms += p.gamma / p.one_minus_gamma() * riccati.P.norm() * noise_size(p, true).terms;
    if (p.formulation == Formulation::stochastic) terms += p.R.norm() * p.Sigma.norm() / p.one_minus_gamma();
  }
  out.J = out.P * trace_S * 1.01 + rounding(2.0 * (n + m) + 12.0, terms);
  return out;
}

}  // namespace

namespace {

/// Thrown by solve_in() in double when an error bound exceeds the tolerance: the bounds of the
/// double path (worst-case rounding, Higham 2002 Thm 3.5) grow with n, so the solve is redone
/// in double-double before anything is refused.
struct LooseBounds {};

/// The solve with residuals, J and the gradient in double-double (`extended`) or double.
LqgSolution solve_in(const LqgProblem& p, const LqgSolveOptions& options, bool extended) {
  const auto clock_start = std::chrono::steady_clock::now();
  LqgSolution out;
  const ClosedLoop loop = closed_loop_extended(p, extended);
  const CertifiedSteinSolver stein(loop.tilde, extended);
  out.spectral_radius = stein.floating().spectral_radius();
  if (!(out.spectral_radius < 1.0))
    throw IllPosedError("/policy/K", "the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is " +
                                         radius_text(out.spectral_radius) + " >= 1, so J is infinite");
  const StabilityCertificate& certificate = stein.certificate();
  if (!certificate.certified)
    throw IllPosedError("/policy/K", "the closed loop's stability cannot be certified: sqrt(gamma) (A - B K) has a "
                                     "computed spectral radius of " + radius_text(out.spectral_radius) + ", but " +
                                         certificate.failure);
  const double norm_tilde = (loop.tilde.hi + loop.tilde.lo).norm() * 1.01 + loop.tilde.error;
  out.summary.precision = extended ? "double-double" : "double";
  out.summary.spectral_radius_bound = certificate.radius_bound;
  out.summary.stability_margin = certificate.margin;
  out.summary.stein_condition = certificate.inverse_norm * (1.0 + norm_tilde * norm_tilde);

  const ExtendedMatrix Q_K = policy_state_cost_extended(p, extended);
  const ExtendedMatrix S = moment_source_extended(p, extended);
  const int refinements = extended ? 10 : options.value_refinements;
  const CertifiedSteinSolution P = stein.solve(Q_K, refinements);
  const CertifiedSteinSolution X = stein.solve_transposed(S, extended ? 10 : 0);
  out.P = P.X.hi;
  out.state_moment = X.X.hi;
  out.summary.method = "Stein equations by real Schur factorisation (LAPACK DGEES, SLICOT SB03MD)" +
                       std::string(extended ? ", refined with double-double residuals"
                                            : options.value_refinements > 0 ? ", P refined" : "") +
                       "; Lyapunov stability certificate";
  out.summary.value_residual = P.residual;
  out.summary.moment_residual = X.residual;
  if (!(out.summary.value_residual <= options.max_residual && out.summary.moment_residual <= options.max_residual))
    throw IllPosedError("", "the Lyapunov solve is inaccurate (relative residuals " +
                                detail::format_number(out.summary.value_residual, 6) + " and " +
                                detail::format_number(out.summary.moment_residual, 6) + ")");

  const Objective J = objective_extended(p, P, S);
  const Gradient G = gradient_extended(p, loop, P, X, extended);
  out.J = J.J;
  out.gradient = G.G;
  out.summary.error_bounds.J = J.error, out.summary.error_bounds.P = P.printed_error();
  out.summary.error_bounds.state_moment = X.printed_error(), out.summary.error_bounds.gradient = G.error;
  const double n = static_cast<double>(p.n());
  // Above n = extended_double_double_max_n double-double costs seconds (about 20 s at n = 300),
  // and the double path's worst-case bounds are accepted up to max_relative_error_double.
  const bool can_extend = p.n() <= options.extended_double_double_max_n;
  const double tol = extended || can_extend ? options.max_relative_error : options.max_relative_error_double;
  const auto refuse = [&](const std::string& what, double relative) {
    if (!extended && can_extend) throw LooseBounds{};
    throw IllPosedError("/policy/K", "the closed loop is too ill-conditioned for an accurate answer: the error bound of " +
                                         what + " is " + detail::format_number(relative, 3) +
                                         " relative, above the tolerance " + detail::format_number(tol, 3) +
                                         " (Stein condition " + detail::format_number(out.summary.stein_condition, 3) +
                                         ", stability margin " + detail::format_number(certificate.margin, 3) + ")");
  };
  const double norm_P = out.P.norm() / std::sqrt(n), norm_X = out.state_moment.norm() / std::sqrt(n);
  if (J.error > tol * std::abs(out.J)) refuse("J", J.error / std::abs(out.J));
  if (P.printed_error() > tol * norm_P) refuse("P", P.printed_error() / norm_P);
  if (X.printed_error() > tol * norm_X) refuse("the state moment", X.printed_error() / norm_X);
  if (G.error > tol * out.gradient.norm() && G.error > 64.0 * kUnitRoundoff * G.terms)
    refuse("the gradient", G.error / out.gradient.norm());

  // The quantities derived from P, X and the gradient, each with its bound; one that exceeds
  // the tolerance is refused when options.required asks for it.
  LqgErrorBounds& bounds = out.summary.error_bounds;
  const auto check = [&](bool required, const std::string& what, double bound, double size, double terms) {
    if (required && !(bound <= tol * size || bound <= 64.0 * kUnitRoundoff * terms))
      refuse(what, bound / size);
  };
  // A bound beyond the double range (Sigma^-1 near 1e308): refused when its quantity is printed.
  const auto unbounded = [&](bool required, const std::string& what) {
    if (required)
      throw IllPosedError("/policy/Sigma", "overflow: the error bound of " + what +
                                               " is beyond the largest double (1.8e+308); Sigma^-1 is too large");
  };
  const double dP = P.printed_error(), dX = X.printed_error();
  out.value_constant = value_constant(p, out.P);
  bounds.value_constant = value_constant_error(p, out.P, dP);
  check(options.required.value_constant, "value_constant", bounds.value_constant, std::abs(out.value_constant), 0.0);
  const Eigen::MatrixXd BtPB = p.B.transpose() * out.P * p.B;
  out.q_matrix = q_matrix(p, out.P);
  bounds.q_matrix = q_matrix_error(p, out.P, dP);
  check(options.required.q_matrix, "q_matrix", bounds.q_matrix, spectral_lower(out.q_matrix), 0.0);
  out.q_constant = q_constant(p, out.P, out.value_constant);
  bounds.q_constant = q_constant_error(p, out.P, dP, out.value_constant, bounds.value_constant);
  check(options.required.q_constant, "q_constant", bounds.q_constant, std::abs(out.q_constant), 0.0);

  if (p.gamma < 1.0) {
    out.gradient_sigma = (p.formulation == Formulation::stochastic ? Eigen::MatrixXd(p.R + p.gamma * BtPB)
                                                                   : Eigen::MatrixXd(p.gamma * BtPB)) /
                         p.one_minus_gamma();
    bounds.gradient_sigma = gradient_sigma_error(p, out.P, dP);
    check(options.required.gradient_sigma, "gradient_sigma (dJ/dSigma)", bounds.gradient_sigma,
          spectral_lower(*out.gradient_sigma), 0.0);
  }
  if (p.gamma < 1.0 && options.compute_fisher) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> sigma(p.Sigma);
    if (detail::noise_positive_definite(sigma.eigenvalues())) {
      // F = Σ⁻¹ ⊗ X̄ (row-major theta), X̄ = (1 − γ) X; F⁺ = Σ ⊗ X̄⁺.
      const Eigen::MatrixXd Xbar = p.one_minus_gamma() * out.state_moment;
      Eigen::MatrixXd Sigma_inv = sigma.eigenvectors() * sigma.eigenvalues().cwiseInverse().asDiagonal() *
                                  sigma.eigenvectors().transpose();
      Sigma_inv = (Sigma_inv + Sigma_inv.transpose()) / 2.0;  // so that F is exactly symmetric
      const double dXbar = moment_average_error(p, out.state_moment, dX);
      const Eigen::Index n = p.n(), m = p.m();
      if (m * n <= kMaxDenseFisherParameters) {
        Eigen::MatrixXd F(m * n, m * n);
        for (Eigen::Index i = 0; i < m; ++i)
          for (Eigen::Index k = 0; k < m; ++k) F.block(i * n, k * n, n, n) = Sigma_inv(i, k) * Xbar;
        bounds.fisher = fisher_error(Sigma_inv, inverse_error(p.Sigma, Sigma_inv), Xbar, dXbar);
        if (!std::isfinite(bounds.fisher)) unbounded(options.required.fisher, "the Fisher matrix");
        check(options.required.fisher, "the Fisher matrix", bounds.fisher, spectral_lower(F), 0.0);
        out.fisher = F;
      }
      // X̄ comes from a Lyapunov solve: its rounding is that of about 8n products per entry.
      const detail::SymmetricPseudoInverse Xbar_pinv = detail::symmetric_pseudo_inverse(Xbar, 8 * n);
      out.natural_gradient = p.Sigma * out.gradient * Xbar_pinv.matrix();
      out.fisher_rank = m * Xbar_pinv.rank;
      const NaturalGradientBound natural =
          natural_gradient_error(p, out.gradient, G.error, Xbar, dXbar, Xbar_pinv, *out.natural_gradient);
      bounds.natural_gradient = natural.error;
      if (!std::isfinite(bounds.natural_gradient)) unbounded(options.required.natural_gradient, "the natural gradient");
      if (!natural.certified) bounds.first_order.push_back("natural_gradient");
      // Exempt, as the gradient, only when the gradient is zero to working precision.
      const bool gradient_is_rounding = G.error > tol * out.gradient.norm();
      check(options.required.natural_gradient, "the natural gradient", natural.error, out.natural_gradient->norm(),
            gradient_is_rounding ? std::numeric_limits<double>::infinity() : 0.0);
    }
  }

  if (options.compute_optimal) {
    std::optional<RiccatiSolution> riccati;
    try {
      riccati = discounted_riccati(p.A, p.B, p.Q, p.R, p.N, p.gamma);
    } catch (const IllPosedError& e) {
      out.optimal_unavailable = e.message();
    }
    if (riccati) {
      LqgOptimum best{riccati->K, riccati->P, 0.0};
      best.J = objective(p, riccati->P, value_constant(p, riccati->P));
      out.summary.riccati_residual = riccati->residual;
      const OptimumBound optimum = optimum_error(p, *riccati, S, extended);
      bounds.optimal_K = optimum.K, bounds.optimal_P = optimum.P, bounds.optimal_J = optimum.J;
      if (optimum.first_order) bounds.first_order.push_back("optimal");
      // A first-order bound is accepted only where double-double cannot be afforded (n > 160).
      if (options.required.optimal && optimum.first_order && !extended && can_extend) throw LooseBounds{};
      if (options.required.optimal) {
        if (!optimum.failure.empty()) {
          if (!extended && can_extend) throw LooseBounds{};
          throw IllPosedError("", "the optimal policy cannot be given to an error bound: " + optimum.failure);
        }
        const auto check_optimum = [&](const std::string& what, double bound, double size, double terms) {
          if (bound <= tol * size || bound <= 64.0 * kUnitRoundoff * terms) return;
          if (!extended && can_extend) throw LooseBounds{};
          throw IllPosedError("", "the optimal policy is too ill-conditioned for an accurate answer: the error bound "
                                  "of " + what + " is " + detail::format_number(bound / size, 3) +
                                      " relative, above the tolerance " + detail::format_number(tol, 3) +
                                      " (Stein condition of its closed loop " +
                                      detail::format_number(optimum.inverse_norm, 3) + ")");
        };
        check_optimum("the optimal K", optimum.K, spectral_lower(best.K), optimum.K_terms);
        check_optimum("the optimal P", optimum.P, spectral_lower(best.P), 0.0);
        check_optimum("the optimal J", optimum.J, std::abs(best.J), 0.0);
      }
      out.optimal = best;
    }
  }
  out.summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  return out;
}

LqgSolution solve_scaled(const LqgProblem& p, const LqgSolveOptions& options) {
  if (p.n() > options.extended_precision_max_n) {
    try {
      return solve_in(p, options, false);
    } catch (const LooseBounds&) {
      // bounds too loose in double: the same solve in double-double decides
    }
  }
  return solve_in(p, options, true);
}

/// Costs (Q, R, N) and noise (x0.cov, Σ, W by 4^-f, x0.mean by 2^-f) scaled by powers of two,
/// exact in binary floating point, so that the largest entries are below 1: J, P and the
/// gradient are linear in the costs and (J, X, the gradient) in the noise, so the scaled
/// problem's answers times the scales are the answers, and only results beyond the largest
/// double overflow (the LAPACK habit of scaling, e.g. DGEBAL, DLASCL).
struct Scaling {
  int cost_exponent = 0, noise_exponent = 0;  ///< costs × 2^-cost_exponent, covariances × 4^-noise_exponent
  std::string cost_field, noise_field;        ///< the field with the largest entry
};

int binary_exponent(double largest) {
  int e = 0;
  if (largest > 0.0 && std::isfinite(largest)) std::frexp(largest, &e);
  return e;
}

Scaling choose_scaling(const LqgProblem& p) {
  Scaling s;
  double cost = 0.0, cov = 0.0;
  const auto consider = [](double& largest, std::string& field, const Eigen::MatrixXd& M, const char* name) {
    const double x = M.size() ? M.cwiseAbs().maxCoeff() : 0.0;
    if (x > largest) largest = x, field = name;
  };
  consider(cost, s.cost_field, p.Q, "/Q");
  consider(cost, s.cost_field, p.R, "/R");
  consider(cost, s.cost_field, p.N, "/N");
  consider(cov, s.noise_field, p.x0_cov, "/x0/cov");
  consider(cov, s.noise_field, p.Sigma, "/policy/Sigma");
  consider(cov, s.noise_field, p.W, "/W");
  s.cost_exponent = binary_exponent(cost);
  const int mean_exponent = binary_exponent(p.x0_mean.size() ? p.x0_mean.cwiseAbs().maxCoeff() : 0.0);
  const int e = binary_exponent(cov), cov_exponent = e >= 0 ? (e + 1) / 2 : -((-e) / 2);  // ⌈e / 2⌉
  s.noise_exponent = std::max(mean_exponent, cov_exponent);
  if (mean_exponent > cov_exponent || s.noise_field.empty()) s.noise_field = "/x0/mean";
  return s;
}

Eigen::MatrixXd times_power_of_two(const Eigen::MatrixXd& M, int e) {
  return M.unaryExpr([e](double x) { return std::ldexp(x, e); });
}

/// "about 2.2e+308" for x 2^e.
std::string magnitude_text(double x, int e) {
  const double l = std::log10(std::abs(x)) + e * std::log10(2.0);
  const double exponent = std::floor(l);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2ge%+d", std::pow(10.0, l - exponent), static_cast<int>(exponent));
  return buf;
}

}  // namespace

LqgSolution solve(const LqgProblem& problem, const LqgSolveOptions& options) {
  options.validate();
  const detail::OpenMpThreads openmp_threads(detail::resolve_threads(options.threads));  // Eigen's dense products
  const Scaling scaling = choose_scaling(problem);
  const int c = scaling.cost_exponent, f = scaling.noise_exponent;
  LqgProblem p = problem;
  p.Q = times_power_of_two(p.Q, -c), p.R = times_power_of_two(p.R, -c), p.N = times_power_of_two(p.N, -c);
  p.x0_cov = times_power_of_two(p.x0_cov, -2 * f), p.Sigma = times_power_of_two(p.Sigma, -2 * f);
  p.W = times_power_of_two(p.W, -2 * f), p.x0_mean = times_power_of_two(p.x0_mean, -f);
  LqgSolution s = solve_scaled(p, options);
  if (c == 0 && f == 0) return s;

  // Back to the problem's units; a result that overflows is refused, naming the field whose
  // size drove it there.
  const int both = c + 2 * f;
  const auto unscale = [&](const char* key, auto& value, int e) {
    using T = std::decay_t<decltype(value)>;
    T scaled = value;
    if constexpr (std::is_same_v<T, double>) value = std::ldexp(value, e);
    else value = times_power_of_two(value, e);
    bool finite;
    double largest;
    if constexpr (std::is_same_v<T, double>) finite = std::isfinite(value), largest = scaled;
    else finite = value.allFinite(), largest = scaled.size() ? scaled.cwiseAbs().maxCoeff() : 0.0;
    if (finite) return;
    const std::string field = e == c ? scaling.cost_field : e == 2 * f ? scaling.noise_field
                              : c >= 2 * f ? scaling.cost_field : scaling.noise_field;
    throw IllPosedError(field, std::string("overflow: ") + key + " is about " + magnitude_text(largest, e) +
                                   ", beyond the largest double (1.8e+308)");
  };
  unscale("J", s.J, both);
  unscale("P", s.P, c);
  unscale("value_constant", s.value_constant, both);
  unscale("gradient", s.gradient, both);
  if (s.gradient_sigma) unscale("gradient_sigma", *s.gradient_sigma, c);
  unscale("state_moment", s.state_moment, 2 * f);
  unscale("q_matrix", s.q_matrix, c);
  unscale("q_constant", s.q_constant, both);
  if (s.natural_gradient) unscale("natural_gradient", *s.natural_gradient, both);
  unscale("the error bound of J", s.summary.error_bounds.J, both);
  unscale("the error bound of P", s.summary.error_bounds.P, c);
  unscale("the error bound of the state moment", s.summary.error_bounds.state_moment, 2 * f);
  unscale("the error bound of the gradient", s.summary.error_bounds.gradient, both);
  unscale("the error bound of value_constant", s.summary.error_bounds.value_constant, both);
  unscale("the error bound of gradient_sigma", s.summary.error_bounds.gradient_sigma, c);
  unscale("the error bound of q_matrix", s.summary.error_bounds.q_matrix, c);
  unscale("the error bound of q_constant", s.summary.error_bounds.q_constant, both);
  unscale("the error bound of the natural gradient", s.summary.error_bounds.natural_gradient, both);
  if (s.optimal) {
    try {
      unscale("the optimal P", s.optimal->P, c);
      unscale("the optimal J", s.optimal->J, both);
      unscale("the error bound of the optimal P", s.summary.error_bounds.optimal_P, c);
      unscale("the error bound of the optimal J", s.summary.error_bounds.optimal_J, both);
    } catch (const IllPosedError& e) {
      s.optimal.reset();
      s.optimal_unavailable = e.message();
    }
  }
  return s;
}

}  // namespace pgtruth
