#include "format.hpp"
#include "pgtruth/lqg_solver.hpp"

#include <Eigen/Eigenvalues>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "pgtruth/error.hpp"
#include "pgtruth/finite_solver.hpp"  // kMaxDenseFisherParameters
#include "pgtruth/lyapunov.hpp"
#include "pgtruth/riccati.hpp"

namespace pgtruth {

void LqgSolveOptions::validate() const {
  if (!(max_residual > 0.0)) throw std::invalid_argument("LqgSolveOptions::max_residual must be > 0");
  if (value_refinements < 0 || value_refinements > 10)
    throw std::invalid_argument("LqgSolveOptions::value_refinements must be in [0, 10]");
}

std::string LqgSolveSummary::brief_report() const {
  char line[320];
  std::snprintf(line, sizeof line, "%s; residuals: value (Stein) %.1e, state moment (Stein) %.1e, Riccati %.1e; %.3g s",
                method.c_str(), value_residual, moment_residual, riccati_residual, seconds);
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
  double c = p.gamma * (P * step_noise(p)).trace() / (1.0 - p.gamma);
  if (p.formulation == Formulation::stochastic) c += (p.R * p.Sigma).trace() / (1.0 - p.gamma);
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

LqgSolution solve(const LqgProblem& p, const LqgSolveOptions& options) {
  options.validate();
  const auto clock_start = std::chrono::steady_clock::now();
  LqgSolution out;
  const DiscreteLyapunovSolver stein(closed_loop(p, p.K));
  out.spectral_radius = stein.spectral_radius();
  if (!(out.spectral_radius < 1.0))
    throw IllPosedError("/policy/K", "the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is " +
                                         detail::format_number(out.spectral_radius, 6) + " >= 1, so J is infinite");

  const Eigen::MatrixXd Q_K = policy_state_cost(p, p.K);
  out.P = stein.solve(Q_K, options.value_refinements);
  const Eigen::MatrixXd E0 = p.x0_cov + p.x0_mean * p.x0_mean.transpose();
  const Eigen::MatrixXd moment_source = p.gamma < 1.0 ? Eigen::MatrixXd(E0 + p.gamma / (1.0 - p.gamma) * step_noise(p)) : E0;
  out.state_moment = stein.solve_transposed(moment_source);
  out.summary.method = "Stein equations by real Schur factorisation (LAPACK DGEES, SLICOT SB03MD)" +
                       std::string(options.value_refinements > 0 ? ", P refined" : "");
  out.summary.value_residual = stein.residual(out.P, Q_K);
  out.summary.moment_residual = stein.residual_transposed(out.state_moment, moment_source);
  if (!(out.summary.value_residual <= options.max_residual && out.summary.moment_residual <= options.max_residual))
    throw IllPosedError("", "the Lyapunov solve is inaccurate (relative residuals " +
                                detail::format_number(out.summary.value_residual, 6) + " and " +
                                detail::format_number(out.summary.moment_residual, 6) + ")");

  out.value_constant = value_constant(p, out.P);
  out.J = objective(p, out.P, out.value_constant);
  const Eigen::MatrixXd BtPB = p.B.transpose() * out.P * p.B;
  out.gradient = 2.0 * ((p.R + p.gamma * BtPB) * p.K - p.gamma * p.B.transpose() * out.P * p.A - p.N.transpose()) *
                 out.state_moment;
  out.q_matrix = q_matrix(p, out.P);
  out.q_constant = q_constant(p, out.P, out.value_constant);

  if (p.gamma < 1.0) {
    out.gradient_sigma = (p.formulation == Formulation::stochastic ? Eigen::MatrixXd(p.R + p.gamma * BtPB)
                                                                   : Eigen::MatrixXd(p.gamma * BtPB)) /
                         (1.0 - p.gamma);
  }
  if (p.gamma < 1.0 && options.compute_fisher) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> sigma(p.Sigma);
    if (sigma.eigenvalues().minCoeff() > 1e-14 * std::max(1.0, sigma.eigenvalues().maxCoeff())) {
      // F = Σ⁻¹ ⊗ X̄ (row-major theta), X̄ = (1 − γ) X; F⁺ = Σ ⊗ X̄⁺.
      const Eigen::MatrixXd Xbar = (1.0 - p.gamma) * out.state_moment;
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
      const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> moment(Xbar);
      const double tol = 64.0 * static_cast<double>(n) * 2.2e-16 * moment.eigenvalues().cwiseAbs().maxCoeff();
      Eigen::VectorXd inverse = Eigen::VectorXd::Zero(n);
      Eigen::Index rank = 0;
      for (Eigen::Index k = 0; k < n; ++k)
        if (moment.eigenvalues()(k) > tol) inverse(k) = 1.0 / moment.eigenvalues()(k), ++rank;
      const Eigen::MatrixXd Xbar_pinv = moment.eigenvectors() * inverse.asDiagonal() * moment.eigenvectors().transpose();
      out.natural_gradient = p.Sigma * out.gradient * Xbar_pinv;
      out.fisher_rank = m * rank;
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

}  // namespace pgtruth
