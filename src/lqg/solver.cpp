#include "io/format.hpp"
#include "pgtruth/lqg/solver.hpp"

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdio>
#include <stdexcept>
#include <type_traits>

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
  char line[640];
  std::snprintf(line, sizeof line,
                "%s; residuals: value (Stein) %.1e, state moment (Stein) %.1e, Riccati %.1e; %.3g s\n"
                "certified: spectral radius <= %.10g (stability margin %.3g), Stein condition %.3g, %s arithmetic\n"
                "error bounds: J %.2g, P %.2g, state moment %.2g, gradient %.2g",
                method.c_str(), value_residual, moment_residual, riccati_residual, seconds, spectral_radius_bound,
                stability_margin, stein_condition, precision.c_str(), error_bounds.J, error_bounds.P,
                error_bounds.state_moment, error_bounds.gradient);
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

/// dJ/dK = 2 M X with M = RK − Nᵀ − γ BᵀP(A − BK), the form of Fazel et al.'s Lemma 1 whose
/// terms cancel only as much as the gradient does. Error: 2(δM ‖X‖ + ‖M‖ δX + δM δX) +
/// the product's rounding, with δM = γ‖B‖(‖A_cl‖ δP + ‖P‖ δA_cl) + M's rounding.
struct Gradient {
  Eigen::MatrixXd G;
  double error, terms;
};
Gradient gradient_extended(const LqgProblem& p, const ClosedLoop& loop, const CertifiedSteinSolution& P,
                           const CertifiedSteinSolution& X, bool extended) {
  const DdMatrix Pd{P.X.hi, P.X.lo}, Xd{X.X.hi, X.X.lo};
  const DdMatrix BtPA = product(product(dd(Eigen::MatrixXd(p.B.transpose())), Pd, extended), loop.A_cl, extended);
  const DdMatrix M = product(dd(p.R), dd(p.K), extended) - dd(Eigen::MatrixXd(p.N.transpose())) -
                     gamma_of(p) * BtPA;
  const DdMatrix G = Dd{2.0, 0.0} * product(M, Xd, extended);
  const double n = static_cast<double>(p.n()), m = static_cast<double>(p.m()), unit = arithmetic_unit(extended);
  // ‖BᵀEA‖_F ≤ ‖B‖₂ ‖E‖₂ ‖A‖_F and ‖MX‖_F ≤ ‖M‖_F ‖X‖₂, with ‖·‖₂ ≤ √(‖·‖₁ ‖·‖_∞).
  const auto norm2_up = [](const Eigen::MatrixXd& Z) {
    if (Z.size() == 0) return 0.0;
    const Eigen::MatrixXd a = Z.cwiseAbs();
    return std::min(Z.norm(), std::sqrt(a.colwise().sum().maxCoeff() * a.rowwise().sum().maxCoeff())) * 1.01;
  };
  // norm2_up(Z) also bounds ‖|Z|‖₂ (|Z| has Z's Frobenius, 1- and ∞-norms), so the entrywise
  // rounding bounds γ_k |B|ᵀ|P||A| are bounded in the spectral norm of each factor but one.
  const double norm_B = norm2_up(p.B), norm_P = norm2_up(P.X.hi), norm_X = norm2_up(X.X.hi);
  const double norm_A_cl = norm2_up(loop.A_cl.hi), norm_M = M.hi.norm() * 1.01;
  const double frobenius_BA = std::min(p.B.norm() * norm_A_cl, norm_B * loop.A_cl.hi.norm()) * 1.01;
  const double m_terms = p.R.norm() * p.K.norm() + p.N.norm() + p.gamma * norm_P * frobenius_BA;
  const double dM = p.gamma * (frobenius_BA * P.X.error + norm_B * norm_P * loop.A_cl_error) +
                    (2.0 * n + m + 6.0) * unit * m_terms;
  const double dX = X.X.error;
  Gradient out;
  out.G = G.hi;
  out.terms = 2.0 * m_terms * norm_X;
  out.error = 2.0 * (dM * norm_X + norm_M * dX + dM * dX) + (n + 4.0) * unit * 2.0 * norm_M * norm_X +
              kUnitRoundoff * G.hi.norm() * 1.01;
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
  out.summary.error_bounds = {J.error, P.printed_error(), X.printed_error(), G.error};
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

  out.value_constant = value_constant(p, out.P);
  const Eigen::MatrixXd BtPB = p.B.transpose() * out.P * p.B;
  out.q_matrix = q_matrix(p, out.P);
  out.q_constant = q_constant(p, out.P, out.value_constant);

  if (p.gamma < 1.0) {
    out.gradient_sigma = (p.formulation == Formulation::stochastic ? Eigen::MatrixXd(p.R + p.gamma * BtPB)
                                                                   : Eigen::MatrixXd(p.gamma * BtPB)) /
                         p.one_minus_gamma();
  }
  if (p.gamma < 1.0 && options.compute_fisher) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> sigma(p.Sigma);
    if (sigma.eigenvalues().minCoeff() > 1e-14 * std::max(1.0, sigma.eigenvalues().maxCoeff())) {
      // F = Σ⁻¹ ⊗ X̄ (row-major theta), X̄ = (1 − γ) X; F⁺ = Σ ⊗ X̄⁺.
      const Eigen::MatrixXd Xbar = p.one_minus_gamma() * out.state_moment;
      Eigen::MatrixXd Sigma_inv = sigma.eigenvectors() * sigma.eigenvalues().cwiseInverse().asDiagonal() *
                                  sigma.eigenvectors().transpose();
      Sigma_inv = (Sigma_inv + Sigma_inv.transpose()) / 2.0;  // so that F is exactly symmetric
      const Eigen::Index n = p.n(), m = p.m();
      if (m * n <= kMaxDenseFisherParameters) {
        Eigen::MatrixXd F(m * n, m * n);
        for (Eigen::Index i = 0; i < m; ++i)
          for (Eigen::Index k = 0; k < m; ++k) F.block(i * n, k * n, n, n) = Sigma_inv(i, k) * Xbar;
        out.fisher = F;
      }
      // X̄ comes from a Lyapunov solve: its rounding is that of about 8n products per entry.
      const detail::SymmetricPseudoInverse Xbar_pinv = detail::symmetric_pseudo_inverse(Xbar, 8 * n);
      out.natural_gradient = p.Sigma * out.gradient * Xbar_pinv.matrix();
      out.fisher_rank = m * Xbar_pinv.rank;
    }
  }

  if (options.compute_optimal) {
    try {
      const RiccatiSolution riccati = discounted_riccati(p.A, p.B, p.Q, p.R, p.N, p.gamma);
      LqgOptimum best{riccati.K, riccati.P, 0.0};
      best.J = objective(p, riccati.P, value_constant(p, riccati.P));
      out.optimal = best;
      out.summary.riccati_residual = riccati.residual;
    } catch (const IllPosedError& e) {
      out.optimal_unavailable = e.message();
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
  if (s.optimal) {
    try {
      unscale("the optimal P", s.optimal->P, c);
      unscale("the optimal J", s.optimal->J, both);
    } catch (const IllPosedError& e) {
      s.optimal.reset();
      s.optimal_unavailable = e.message();
    }
  }
  return s;
}

}  // namespace pgtruth
