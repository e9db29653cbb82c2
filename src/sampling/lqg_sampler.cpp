#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>
#include <memory>

#include "sampling/episode_accumulator.hpp"
#include "lqg/policy_noise.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/sampling/todorov.hpp"

namespace pgtruth {
namespace {

/// A square root L of a positive semi-definite C (L Lᵀ = C).
Eigen::MatrixXd psd_root(const Eigen::MatrixXd& C) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e(C);
  return e.eigenvectors() * e.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

/// What a step's score −vec_row(Σ⁻¹ d xᵀ) is made from.
struct ScoreFactors {
  Eigen::VectorXd x, sigma_inv_d;
};

/// vec_row(M): theta order, K row-major (spec §2).
Eigen::VectorXd vec_row(const Eigen::MatrixXd& M) { return Eigen::VectorXd(M.transpose().reshaped()); }

/// Everything an LQG episode sampler needs, precomputed once.
struct LqgModel {
  LqgProblem p;
  Eigen::MatrixXd L0, Ld, Lw, Sigma_inv;
  // Critics of the stochastic formulation: v_S(x) = x'Px + c_S, Q_S(x,u) = z'Mz + q_S.
  Eigen::MatrixXd P, M;
  double c_S = 0, q_S = 0;
  // ∇_u Q at u = −Kx, as 2 (Qux − Quu K) x: the same matrix in S and D (Todorov 2025, §3).
  Eigen::MatrixXd G;  // 2 (Qux − Quu K), m × n

  Eigen::VectorXd gaussian(const Eigen::MatrixXd& L, Rng& rng) const {
    Eigen::VectorXd z(L.cols());
    for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = rng.normal();
    return L * z;
  }
  double v(const Eigen::VectorXd& x) const { return x.dot(P * x) + c_S; }
  double q(const Eigen::VectorXd& x, const Eigen::VectorXd& u) const {
    Eigen::VectorXd z(x.size() + u.size());
    z << x, u;
    return z.dot(M * z) + q_S;
  }
  double cost(const Eigen::VectorXd& x, const Eigen::VectorXd& u) const {
    return x.dot(p.Q * x) + u.dot(p.R * u) + 2.0 * x.dot(p.N * u);
  }
};

}  // namespace

namespace {

bool uses_score(Estimator e) {
  return e != Estimator::all_actions && e != Estimator::dpg && e != Estimator::pathwise && !is_todorov(e);
}

}  // namespace

bool estimator_applies(const LqgProblem& problem, Estimator e, std::string* why) {
  std::string reason;
  if (problem.gamma == 1.0)
    reason = "sampling an undiscounted LQG problem is not supported: its episodes never end";
  else if (e == Estimator::baseline_optimal)
    reason = "baseline-optimal is implemented for finite MDPs only";
  else if (uses_score(e) && !detail::noise_positive_definite(problem.Sigma))
    reason = std::string("the estimator ") + estimator_name(e) +
             " uses the score of the Gaussian policy, which needs Sigma positive definite";
  else if ((e == Estimator::todorov_ks || e == Estimator::todorov_ks_baseline) && !detail::noise_positive_definite(problem.Sigma))
    reason = std::string("the estimator ") + estimator_name(e) +
             " uses Sigma^-1 (u - mu) (Todorov 2025, eq. 43), which needs Sigma positive definite";
  if (why) *why = reason;
  return reason.empty();
}

EstimateSampler lqg_estimator(const LqgProblem& problem, Estimator e, const EstimatorOptions& options) {
  if (is_todorov(e)) return todorov_estimator(problem, e, options);  // eqs. 42-44, src/sampling/todorov_estimators.cpp
  auto model = std::make_shared<LqgModel>();
  LqgModel& m = *model;
  m.p = problem;
  const Eigen::Index n = problem.n(), k = problem.m(), dim = n * k;
  m.L0 = psd_root(problem.x0_cov);
  m.Ld = psd_root(problem.Sigma);
  m.Lw = psd_root(problem.W);
  if (uses_score(e)) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> sigma(problem.Sigma);
    m.Sigma_inv = sigma.eigenvectors() * sigma.eigenvalues().cwiseInverse().asDiagonal() * sigma.eigenvectors().transpose();
  }
  LqgProblem S = problem;
  S.formulation = Formulation::stochastic;
  LqgSolveOptions no_optimum;
  no_optimum.compute_optimal = false;
  const LqgSolution s = solve(S, no_optimum);
  m.P = s.P, m.M = s.q_matrix, m.c_S = s.value_constant, m.q_S = s.q_constant;
  m.G = 2.0 * (s.q_matrix.bottomLeftCorner(k, n) - s.q_matrix.bottomRightCorner(k, k) * problem.K);

  const double gamma = problem.gamma;
  if (std::string why; !estimator_applies(problem, e, &why))
    throw InputError(gamma == 1.0 ? "/gamma" : e == Estimator::baseline_optimal ? "/problem" : "/policy/Sigma", why);

  // The score ψ = ∇_K log π(u|x) = −Σ⁻¹ d xᵀ (u = −Kx + d), flattened row-major.
  const auto score = [model](const Eigen::VectorXd& x, const Eigen::VectorXd& d) {
    return vec_row(-(model->Sigma_inv * d) * x.transpose());
  };
  if (e == Estimator::visitation) {
    const long cap = options.max_episode_steps;
    return [model, score, gamma, cap](Rng& rng) -> Eigen::VectorXd {
      const LqgModel& m = *model;
      Eigen::VectorXd x = m.p.x0_mean + m.gaussian(m.L0, rng);
      for (long steps = 0;; ++steps) {
        if (steps == cap) throw IllPosedError("", episode_too_long(cap, gamma));
        const Eigen::VectorXd d = m.gaussian(m.Ld, rng), u = -m.p.K * x + d;
        if (rng.uniform() >= gamma) return score(x, d) * (m.q(x, u) / m.p.one_minus_gamma());
        x = m.p.A * x + m.p.B * u + m.gaussian(m.Lw, rng);
      }
    };
  }
  if (e == Estimator::pathwise) {
    // d(return)/dK through the reparameterised noise: forward sensitivities Jx = ∂x_t/∂θ,
    // Ju = ∂u_t/∂θ = −K Jx − E(x_t) with E(x)[i, i n + j] = x_j; x_{t+1} = A x + B u + w.
    // The cost is that of the file's formulation (S: l(x, u); D: l(x, −Kx)).
    const long cap = options.max_episode_steps;
    return [model, dim, n, k, gamma, cap](Rng& rng) -> Eigen::VectorXd {
      const LqgModel& m = *model;
      const bool stochastic = m.p.formulation == Formulation::stochastic;
      Eigen::VectorXd x = m.p.x0_mean + m.gaussian(m.L0, rng), g = Eigen::VectorXd::Zero(dim);
      Eigen::MatrixXd Jx = Eigen::MatrixXd::Zero(n, dim);
      for (long steps = 0;; ++steps) {
        if (steps == cap) throw IllPosedError("", episode_too_long(cap, gamma));
        const Eigen::VectorXd mu = -m.p.K * x, d = m.gaussian(m.Ld, rng), u = mu + d;
        Eigen::MatrixXd Ju = -m.p.K * Jx;
        for (Eigen::Index i = 0; i < k; ++i) Ju.row(i).segment(i * n, n) -= x.transpose();
        const Eigen::VectorXd& uc = stochastic ? u : mu;  // the control in the cost
        g += Jx.transpose() * (2.0 * (m.p.Q * x + m.p.N * uc)) + Ju.transpose() * (2.0 * (m.p.R * uc + m.p.N.transpose() * x));
        if (rng.uniform() >= gamma) return g;
        x = m.p.A * x + m.p.B * u + m.gaussian(m.Lw, rng);
        Jx = m.p.A * Jx + m.p.B * Ju;
      }
    };
  }
  const bool truncated = e == Estimator::reinforce_rtg_undiscounted;
  const long horizon = truncated && gamma < 1.0 ? undiscounted_horizon(gamma) : std::numeric_limits<long>::max();
  const long cap = options.max_episode_steps;
  if (truncated && gamma < 1.0 && horizon > cap)
    throw IllPosedError("/gamma", "reinforce-rtg-undiscounted truncates its episodes at " + std::to_string(horizon) +
                                      " steps (gamma^H <= 1e-12), beyond the cap on one episode's length (" +
                                      std::to_string(cap) + "); raise --max-episode-steps");
  const StepNeeds need = needs(e);
  const bool deterministic_term = e == Estimator::all_actions || e == Estimator::dpg;
  const ScoreWeights weights = score_weights(e, gamma, options);
  return [model, need, dim, n, k, gamma, truncated, horizon, cap, deterministic_term, weights](Rng& rng) -> Eigen::VectorXd {
    const LqgModel& m = *model;
    // ψ = −vec_row(Σ⁻¹ d xᵀ): entry (i, j) is −(Σ⁻¹d)_i x_j.
    const auto add_score = [n, k](const ScoreFactors& f, double w, SparseEstimate& out) {
      for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < n; ++j) out.add(i * n + j, -w * f.sigma_inv_d(i) * f.x(j));
    };
    detail::EpisodeAccumulator<ScoreFactors, decltype(add_score)> accumulator(weights, dim, add_score);
    SparseEstimate out(dim);
    ScoreFactors factors;
    StepValues values;
    Eigen::VectorXd x = m.p.x0_mean + m.gaussian(m.L0, rng);
    for (long steps = 0; steps < horizon; ++steps) {
      if (steps == cap) throw IllPosedError("", episode_too_long(cap, gamma));
      const Eigen::VectorXd d = m.gaussian(m.Ld, rng), u = -m.p.K * x + d;
      const Eigen::VectorXd next = m.p.A * x + m.p.B * u + m.gaussian(m.Lw, rng);
      values.reward = m.cost(x, u);  // a cost: the estimators estimate grad J all the same
      if (need.values) {
        values.v = m.v(x), values.q = m.q(x, u), values.v_next = m.v(next);
        values.advantage = values.q - values.v;
      }
      if (deterministic_term) {
        // all-actions: ∫ ∇π(u|x) Q_S(x,u) du = ∇_K E_u[Q_S] = −2 (Qux − Quu K) x xᵀ; the DPG term
        // ∇_θ μ ∇_u Q_D at u = μ(x) is the same matrix (q_matrix_S = q_matrix_D).
        const Eigen::VectorXd g = vec_row(-(m.G * x) * x.transpose());
        for (Eigen::Index i = 0; i < dim; ++i) out.add(i, g(i));
      } else {
        factors.x = x, factors.sigma_inv_d = m.Sigma_inv * d;
        accumulator.step(factors, values, out);
      }
      if (!truncated && rng.uniform() >= gamma) break;
      x = next;
    }
    accumulator.finish(out);
    return out.values;
  };
}

CheckResult check_estimator(const LqgProblem& problem, const LqgSolution& solution, Estimator e,
                            const CheckOptions& options) {
  return run_check(estimator_name(e), lqg_estimator(problem, e, options.estimator), vec_row(solution.gradient), options);
}

}  // namespace pgtruth
