#pragma once
/// \file
/// Todorov's model-based policy-gradient estimators (Todorov 2025, "Equivalence of stochastic
/// and deterministic policy gradients", §3.4, eqs. 41-44), for LQG problems in both
/// formulations: `todorov-ks`, `todorov-kd`, `todorov-ks-baseline`, `todorov-kd-baseline`.
///
/// With v the exact state value, eq. (42) reads
///
///   ∇_θ J = E_{x~ρ} [ ∇_θ ℓ(x, μ(x)) + ∇_θ μ(x) γ E_{u~N(μ(x), Σ)} K(x, u) ]          (42)
///
///   K_S(x, u) = Σ⁻¹ (u − μ) v(f(x, u)),        K_D(x, u) = ∇_u v(f(x, u))               (43)
///   K̃_S(x, u) = Σ⁻¹ (u − μ) (v(f(x, u)) − v̂(f(x, μ)))
///   K̃_D(x, u) = ∇_u v(f(x, u)) − ∇_μμ v̂(f(x, μ)) (u − μ)                               (44)
///
/// In pgtruth's model (pgtruth/lqg/problem.hpp) f(x, u) = A x + B u, the next state is f(x, u) + w with
/// w ~ N(0, W), μ(x) = −K x, θ = vec_row(K), so ∇_θ μ(x) g = −vec_row(g xᵀ) for any g in control
/// space, and ∇_u ℓ(x, u) = 2 (R u + Nᵀ x). The paper's f has no process noise; here it is
/// drawn as in the model and x' = f(x, u) + w. K_S stays unbiased because w is independent of
/// u − μ (Stein's lemma, eq. 27, for each w), and the baselines use the same draw of w:
/// v̂(f(x, μ) + w) does not depend on u − μ, so its product with Σ⁻¹ (u − μ) has mean zero.
///
/// v is the exact value of the file's formulation, v(y) = yᵀ P y + c with P the same in both
/// and c = c_S or c_D (pgtruth/lqg/solver.hpp). Eq. (41) defines v_D (cost at μ); v_S = v_D +
/// tr(RΣ)/(1 − γ) (eq. 40). K_D uses ∇v only, so it is the same in both; in K_S the constant
/// multiplies Σ⁻¹ (u − μ), whose mean is zero, so the gradient is the same while the variance
/// grows with c.
///
/// The baseline's v̂ is s · v (P̂ = s P, ĉ = s c); s = 1 (the exact v) by default, and any s
/// keeps the estimators unbiased. For a quadratic v̂ and linear f the Hessian ∇_μμ v̂(f(x, μ))
/// = 2 Bᵀ P̂ B is exactly the Gauss-Newton form ∇_μ f ∇_ff v̂ ∇_μ fᵀ (the term ∇_μμ f ∇_f v̂
/// vanishes), and it is the same at every x and μ.
///
/// Sampling x ~ ρ: along episodes that end with probability 1 − γ after every step, as the
/// other estimators do. Step t survives with probability γᵗ, so the per-episode estimate
/// Σ_t [∇_θ ℓ(x_t, μ_t) + ∇_θ μ(x_t) γ K(x_t, u_t)] has mean Σ_{t≥0} γᵗ E[...]: the discounted
/// density (5) read with time counted from x₀ ~ p₀ at weight γ⁰ = 1, the spec's occupancy
/// (state_moment X = Σ_t γᵗ E[x_t x_tᵀ]). The tests show this reading consistent and the other
/// one (x₁, x₂, ... at weights 1, γ, ...) inconsistent.

#include <Eigen/Core>
#include <functional>
#include <memory>
#include <string>

#include "pgtruth/sampling/check.hpp"
#include "pgtruth/sampling/estimators.hpp"
#include "pgtruth/lqg/problem.hpp"

namespace pgtruth {

/// Whether `e` is one of the four estimators of Todorov (2025), eqs. 42-44.
bool is_todorov(Estimator e);

/// The one-line reason a finite MDP cannot run a Todorov estimator.
std::string todorov_needs_continuous_control(Estimator e);

/// A quadratic value function v(y) = yᵀ P y + c.
struct QuadraticValue {
  Eigen::MatrixXd P;
  double c = 0;
  double operator()(const Eigen::VectorXd& y) const { return y.dot(P * y) + c; }
  Eigen::VectorXd gradient(const Eigen::VectorXd& y) const { return 2.0 * (P * y); }
};

/// Everything (42)-(44) need, computed once from the problem and its exact solution.
struct TodorovModel {
  LqgProblem problem;
  QuadraticValue v;               ///< the exact value of the file's formulation (41)
  QuadraticValue v_hat;           ///< the baseline's v̂ = s v (44)
  Eigen::MatrixXd v_hat_hessian;  ///< ∇_μμ v̂(f(x, μ)) = 2 Bᵀ P̂ B, m × m
  Eigen::MatrixXd Sigma_inv;      ///< Σ⁻¹ (empty when Σ is singular: K_S does not apply)
  Eigen::MatrixXd root_x0, root_Sigma, root_W;  ///< L Lᵀ = covariance, for the draws
};

/// The model of `problem` with v̂ = vhat_scale · v. Solves the problem (its formulation's v).
std::shared_ptr<const TodorovModel> make_todorov_model(const LqgProblem& problem, double vhat_scale = 1.0);

/// One step of an episode: the state, the policy's draw and the process noise.
struct TodorovStep {
  long t = 0;                    ///< the step's index in its episode (x₀ ~ p₀ has t = 0)
  Eigen::VectorXd x;             ///< x_t
  Eigen::VectorXd mu;            ///< μ(x_t) = −K x_t
  Eigen::VectorXd d;             ///< u − μ ~ N(0, Σ)
  Eigen::VectorXd u;             ///< μ + d
  Eigen::VectorXd next;          ///< f(x, u) + w: the next state, reached with u
  Eigen::VectorXd next_at_mean;  ///< f(x, μ) + w: reached with μ under the same w
};

/// ∇_u ℓ(x, u) at u = μ(x): 2 (R μ + Nᵀ x). With ∇_θ μ it is ∇_θ ℓ(x, μ(x, θ)) of (42).
Eigen::VectorXd cost_gradient_at_mean(const TodorovModel& m, const TodorovStep& s);
/// K_S(x, u) = Σ⁻¹ (u − μ) v(f(x, u))                                   (Todorov 2025, eq. 43)
Eigen::VectorXd k_stochastic(const TodorovModel& m, const TodorovStep& s);
/// K_D(x, u) = ∇_u v(f(x, u)) = Bᵀ ∇v(x') = 2 Bᵀ P x'                   (Todorov 2025, eq. 43)
Eigen::VectorXd k_deterministic(const TodorovModel& m, const TodorovStep& s);
/// K̃_S(x, u) = Σ⁻¹ (u − μ) (v(f(x, u)) − v̂(f(x, μ)))                   (Todorov 2025, eq. 44)
Eigen::VectorXd k_stochastic_baselined(const TodorovModel& m, const TodorovStep& s);
/// K̃_D(x, u) = ∇_u v(f(x, u)) − ∇_μμ v̂(f(x, μ)) (u − μ)                (Todorov 2025, eq. 44)
Eigen::VectorXd k_deterministic_baselined(const TodorovModel& m, const TodorovStep& s);

/// The control-space vector of one step, g = ∇_u ℓ(x, μ) + γ K(x, u): its term of (42) is
/// ∇_θ μ(x) g = −vec_row(g xᵀ).
using TodorovControlTerm = std::function<Eigen::VectorXd(const TodorovModel&, const TodorovStep&)>;

/// Samples one episode (x₀ ~ p₀, u = μ + d, x' = f(x, u) + w, ending with probability 1 − γ
/// after every step) and returns Σ_t ∇_θ μ(x_t) g(step_t). Safe to call from several threads.
/// An episode that reaches `max_episode_steps` steps throws IllPosedError (episode_too_long).
EstimateSampler todorov_sampler(std::shared_ptr<const TodorovModel> model, TodorovControlTerm g,
                                long max_episode_steps = EstimatorOptions{}.max_episode_steps);

/// The sampler of Todorov estimator `e` (eqs. 42-44) with v̂ = options.vhat_scale · v. Throws
/// InputError when it does not apply (estimator_applies: γ < 1; K_S and K̃_S need Σ ≻ 0).
EstimateSampler todorov_estimator(const LqgProblem& problem, Estimator e, const EstimatorOptions& options);

}  // namespace pgtruth
