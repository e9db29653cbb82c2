// Todorov's (2025) model-based estimators, eqs. 41-44: the K functions and the episode sampler.
#include <Eigen/Eigenvalues>
#include <stdexcept>

#include "pgtruth/error.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/sampling/todorov.hpp"

namespace pgtruth {
namespace {

/// A square root L of a positive semi-definite C (L Lᵀ = C).
Eigen::MatrixXd psd_root(const Eigen::MatrixXd& C) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e(C);
  return e.eigenvectors() * e.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

Eigen::VectorXd gaussian(const Eigen::MatrixXd& root, Rng& rng) {
  Eigen::VectorXd z(root.cols());
  for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = rng.normal();
  return root * z;
}

/// ∇_θ μ(x) g for μ = −K x and θ = vec_row(K): entry i n + j is −g_i x_j.
void add_policy_jacobian_times(const Eigen::VectorXd& g, const Eigen::VectorXd& x, Eigen::VectorXd& estimate) {
  const Eigen::Index n = x.size();
  for (Eigen::Index i = 0; i < g.size(); ++i) estimate.segment(i * n, n) -= g(i) * x;
}

}  // namespace

bool is_todorov(Estimator e) {
  return e == Estimator::todorov_ks || e == Estimator::todorov_kd || e == Estimator::todorov_ks_baseline ||
         e == Estimator::todorov_kd_baseline;
}

std::string todorov_needs_continuous_control(Estimator e) {
  return std::string("the estimator ") + estimator_name(e) +
         " needs a continuous control (a Gaussian policy and differentiable dynamics, Todorov 2025, "
         "eqs. 42-44): use an LQG problem";
}

std::shared_ptr<const TodorovModel> make_todorov_model(const LqgProblem& problem, double vhat_scale) {
  auto m = std::make_shared<TodorovModel>();
  m->problem = problem;
  LqgSolveOptions options;
  options.compute_optimal = false;
  options.compute_fisher = false;
  const LqgSolution s = solve(problem, options);  // v of the file's formulation
  m->v = {s.P, s.value_constant};
  m->v_hat = {vhat_scale * s.P, vhat_scale * s.value_constant};
  m->v_hat_hessian = 2.0 * problem.B.transpose() * m->v_hat.P * problem.B;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> sigma(problem.Sigma);
  if (sigma.eigenvalues().minCoeff() > 0.0)
    m->Sigma_inv = sigma.eigenvectors() * sigma.eigenvalues().cwiseInverse().asDiagonal() * sigma.eigenvectors().transpose();
  m->root_x0 = psd_root(problem.x0_cov);
  m->root_Sigma = psd_root(problem.Sigma);
  m->root_W = psd_root(problem.W);
  return m;
}

Eigen::VectorXd cost_gradient_at_mean(const TodorovModel& m, const TodorovStep& s) {
  return 2.0 * (m.problem.R * s.mu + m.problem.N.transpose() * s.x);
}

Eigen::VectorXd k_stochastic(const TodorovModel& m, const TodorovStep& s) {
  return m.Sigma_inv * s.d * m.v(s.next);
}

Eigen::VectorXd k_deterministic(const TodorovModel& m, const TodorovStep& s) {
  return m.problem.B.transpose() * m.v.gradient(s.next);
}

Eigen::VectorXd k_stochastic_baselined(const TodorovModel& m, const TodorovStep& s) {
  return m.Sigma_inv * s.d * (m.v(s.next) - m.v_hat(s.next_at_mean));
}

Eigen::VectorXd k_deterministic_baselined(const TodorovModel& m, const TodorovStep& s) {
  return m.problem.B.transpose() * m.v.gradient(s.next) - m.v_hat_hessian * s.d;
}

EstimateSampler todorov_sampler(std::shared_ptr<const TodorovModel> model, TodorovControlTerm g, long max_episode_steps) {
  return [model, g, max_episode_steps](Rng& rng) -> Eigen::VectorXd {
    const TodorovModel& m = *model;
    const LqgProblem& p = m.problem;
    Eigen::VectorXd estimate = Eigen::VectorXd::Zero(p.m() * p.n());
    TodorovStep s;
    s.x = p.x0_mean + gaussian(m.root_x0, rng);
    for (s.t = 0;; ++s.t) {
      if (s.t == max_episode_steps) throw IllPosedError("", episode_too_long(max_episode_steps, p.gamma));
      s.mu = -p.K * s.x;
      s.d = gaussian(m.root_Sigma, rng);
      s.u = s.mu + s.d;
      const Eigen::VectorXd w = gaussian(m.root_W, rng);
      s.next_at_mean = p.A * s.x + p.B * s.mu + w;
      s.next = s.next_at_mean + p.B * s.d;
      add_policy_jacobian_times(g(m, s), s.x, estimate);
      if (rng.uniform() >= p.gamma) return estimate;
      s.x = s.next;
    }
  };
}

EstimateSampler todorov_estimator(const LqgProblem& problem, Estimator e, const EstimatorOptions& options) {
  if (std::string why; !estimator_applies(problem, e, &why)) throw InputError(problem.gamma == 1.0 ? "/gamma" : "/policy/Sigma", why);
  const double gamma = problem.gamma;
  const auto term = [gamma](Eigen::VectorXd (*K)(const TodorovModel&, const TodorovStep&)) -> TodorovControlTerm {
    return [gamma, K](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
      return cost_gradient_at_mean(m, s) + gamma * K(m, s);
    };
  };
  const auto model = make_todorov_model(problem, options.vhat_scale);
  const long cap = options.max_episode_steps;
  switch (e) {
    case Estimator::todorov_ks: return todorov_sampler(model, term(&k_stochastic), cap);
    case Estimator::todorov_kd: return todorov_sampler(model, term(&k_deterministic), cap);
    case Estimator::todorov_ks_baseline: return todorov_sampler(model, term(&k_stochastic_baselined), cap);
    case Estimator::todorov_kd_baseline: return todorov_sampler(model, term(&k_deterministic_baselined), cap);
    default: break;
  }
  throw std::logic_error(std::string("todorov_estimator called with ") + estimator_name(e));
}

}  // namespace pgtruth
