// The LQG engine against independent computations: closed forms, a Kronecker-product solve,
// published reference solutions, finite differences of J, and Monte Carlo rollouts.
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <cmath>
#include <limits>
#include <random>

#include "pgtruth/error.hpp"
#include "gradient_check.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/lqg/lyapunov.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/lqg/riccati.hpp"
#include "support.hpp"

using namespace pgtruth;
using Eigen::MatrixXd;

namespace {

LqgProblem load_lqg(const std::string& name) { return std::get<LqgProblem>(load_problem(test::case_path(name))); }

const std::vector<std::string> kLqgCases{"scalar-lqr-stochastic.json",       "scalar-lqr-deterministic.json",
                                         "double-integrator-stochastic.json", "double-integrator-deterministic.json",
                                         "three-state-stochastic.json",      "three-state-deterministic.json"};

/// Aᵀ X A − X + Q = 0 by vectorisation, (I − Aᵀ ⊗ Aᵀ) vec X = vec Q: a second algorithm, O(n⁶).
MatrixXd kronecker_stein(const MatrixXd& A, const MatrixXd& Q) {
  const Eigen::Index n = A.rows();
  MatrixXd T = MatrixXd::Identity(n * n, n * n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) T.block(i * n, j * n, n, n) -= A(j, i) * A.transpose();
  const Eigen::VectorXd x = T.partialPivLu().solve(Eigen::Map<const Eigen::VectorXd>(Q.data(), n * n));
  return Eigen::Map<const MatrixXd>(x.data(), n, n);
}

double max_abs_diff(const MatrixXd& a, const MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); }

}  // namespace

TEST_CASE("Stein equation: SLICOT's published example (SB03MD example program, Sima 1997) has X = [[2,1,1],[1,3,0],[1,0,4]]") {
  MatrixXd A(3, 3), C(3, 3), X(3, 3);
  A << 3, 1, 1, 1, 3, 0, 0, 0, 3;
  C << 25, 24, 15, 24, 32, 8, 15, 8, 40;
  X << 2, 1, 1, 1, 3, 0, 1, 0, 4;
  const DiscreteLyapunovSolver stein(A);
  CHECK(max_abs_diff(stein.solve(-C), X) < 1e-13);  // Aᵀ X A − X = C
}

TEST_CASE("Stein equation: both forms match a Kronecker-product solve, with complex pairs and radius 0.99") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const double radius : {0.5, 0.9, 0.99, 0.999}) {
    CAPTURE(radius);
    // A rotation-and-scaling block (a complex pair at radius `radius`) and a real eigenvalue,
    // hidden by a random similarity transform.
    MatrixXd core = MatrixXd::Zero(4, 4);
    core.topLeftCorner(2, 2) << radius * std::cos(0.3), -radius * std::sin(0.3), radius * std::sin(0.3),
        radius * std::cos(0.3);
    core(2, 2) = -0.7 * radius;
    core(3, 3) = 0.2;
    core(2, 3) = 1.0;
    MatrixXd S(4, 4), Q(4, 4);
    for (Eigen::Index i = 0; i < 16; ++i) S(i) = normal(rng), Q(i) = normal(rng);
    S += 3.0 * MatrixXd::Identity(4, 4);
    Q = Q * Q.transpose();
    const MatrixXd A = S * core * S.inverse();
    const DiscreteLyapunovSolver stein(A);
    CHECK(stein.spectral_radius() == doctest::Approx(radius).epsilon(1e-10));
    const MatrixXd X = stein.solve(Q), Xt = stein.solve_transposed(Q);
    const MatrixXd K = kronecker_stein(A, Q), Kt = kronecker_stein(A.transpose(), Q);
    CHECK(max_abs_diff(X, K) < 1e-9 * K.cwiseAbs().maxCoeff());
    CHECK(max_abs_diff(Xt, Kt) < 1e-9 * Kt.cwiseAbs().maxCoeff());
    CHECK(stein.residual(X, Q) < 1e-14);
    CHECK(stein.residual_transposed(Xt, Q) < 1e-14);
  }
}

/// |Aᵀ X A − X + Q|_F / (|A|_F² |X|_F + |Q|_F) (transposed: A X Aᵀ), in long double (64-bit
/// mantissa), so that residuals below the double unit roundoff are measured, not rounded away.
double extended_residual(const MatrixXd& A, const MatrixXd& X, const MatrixXd& Q, bool transposed) {
  using Long = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  const Long a = A.cast<long double>(), x = X.cast<long double>(), q = Q.cast<long double>();
  const Long r = transposed ? Long(a * x * a.transpose() - x + q) : Long(a.transpose() * x * a - x + q);
  return static_cast<double>(r.norm() / (a.squaredNorm() * x.norm() + q.norm()));
}

TEST_CASE("Stein equation: one step of iterative refinement lowers the residual below 0.1 unit roundoff") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::Index n = 120;
  MatrixXd A(n, n), Q(n, n);
  for (Eigen::Index i = 0; i < n * n; ++i) A(i) = normal(rng), Q(i) = normal(rng);
  Q = Q * Q.transpose();
  const Eigen::VectorXcd eigenvalues = A.eigenvalues();
  A *= 0.95 / eigenvalues.cwiseAbs().maxCoeff();  // spectral radius 0.95, as in the benchmark
  const DiscreteLyapunovSolver stein(A);
  const double unit_roundoff = std::numeric_limits<double>::epsilon() / 2;
  for (const bool transposed : {false, true}) {
    CAPTURE(transposed);
    const MatrixXd plain = transposed ? stein.solve_transposed(Q) : stein.solve(Q);
    const MatrixXd refined = transposed ? stein.solve_transposed(Q, 1) : stein.solve(Q, 1);
    const double before = extended_residual(A, plain, Q, transposed);
    const double after = extended_residual(A, refined, Q, transposed);
    CHECK(before < 4 * unit_roundoff);     // already small (measured 0.7 and 0.8 u) ...
    CHECK(after < before / 5);             // ... and refinement gains (measured 18 and 20 times)
    CHECK(after < 0.1 * unit_roundoff);
    CHECK(max_abs_diff(plain, refined) < 1e-12 * refined.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("Riccati equation: Benner, Laub & Mehrmann (1995) discrete example 1 has X = (1 + sqrt 5)/2 Q") {
  // A collection of benchmark examples for the numerical solution of algebraic Riccati
  // equations II: discrete-time case, TU Chemnitz SPC 95-23, Example 1 (after Jonckheere 1981).
  MatrixXd A(2, 2), B(2, 1), Q(2, 2), R(1, 1);
  A << 4, 3, -4.5, -3.5;
  B << 1, -1;
  Q << 9, 6, 6, 4;
  R << 1;
  const RiccatiSolution sol = discounted_riccati(A, B, Q, R, MatrixXd::Zero(2, 1), 1.0);
  CHECK(max_abs_diff(sol.P, (1.0 + std::sqrt(5.0)) / 2.0 * Q) < 1e-12);
  CHECK(sol.residual < 1e-14);
}

TEST_CASE("scalar LQR: every quantity equals its closed form (cases/scalar-lqr-*.json, _closed_form)") {
  const double a = 1.2, b = 1.0, q = 1.0, r = 0.5, w = 0.1, s0 = 0.5, mu0 = 1.0, k = 0.5, sigma2 = 0.2, g = 0.9;
  const double aK = a - b * k, P = (q + r * k * k) / (1 - g * aK * aK);
  const double X = (s0 + mu0 * mu0 + g * (b * b * sigma2 + w) / (1 - g)) / (1 - g * aK * aK);
  const double J_D = P * (s0 + mu0 * mu0) + g * P * (b * b * sigma2 + w) / (1 - g);
  const double J_S = J_D + r * sigma2 / (1 - g);
  const double dJ_dk = 2 * ((r + g * b * b * P) * k - g * a * b * P) * X;
  // The optimum: g b² P² + (r - g a² r - q g b²) P - q r = 0, from P = q + g a² P - (g a b P)² / (r + g b² P).
  const double c2 = g * b * b, c1 = r - g * a * a * r - q * g * b * b, c0 = -q * r;
  const double P_star = (-c1 + std::sqrt(c1 * c1 - 4 * c2 * c0)) / (2 * c2);
  const double k_star = g * a * b * P_star / (r + g * b * b * P_star);

  const LqgSolution S = solve(load_lqg("scalar-lqr-stochastic.json"));
  const LqgSolution D = solve(load_lqg("scalar-lqr-deterministic.json"));
  for (const LqgSolution* s : {&S, &D}) {
    CHECK(s->P(0, 0) == doctest::Approx(P).epsilon(1e-14));
    CHECK(s->state_moment(0, 0) == doctest::Approx(X).epsilon(1e-14));
    CHECK(s->gradient(0, 0) == doctest::Approx(dJ_dk).epsilon(1e-13));
    CHECK(s->spectral_radius == doctest::Approx(std::sqrt(g) * aK).epsilon(1e-14));
    REQUIRE(s->optimal);
    CHECK(s->optimal->P(0, 0) == doctest::Approx(P_star).epsilon(1e-13));
    CHECK(s->optimal->K(0, 0) == doctest::Approx(k_star).epsilon(1e-13));
  }
  CHECK(S.J == doctest::Approx(J_S).epsilon(1e-14));
  CHECK(D.J == doctest::Approx(J_D).epsilon(1e-14));
  CHECK((*S.gradient_sigma)(0, 0) == doctest::Approx((r + g * b * b * P) / (1 - g)).epsilon(1e-14));
  CHECK((*D.gradient_sigma)(0, 0) == doctest::Approx(g * b * b * P / (1 - g)).epsilon(1e-14));
  // Fisher of u ~ N(-k x, sigma²) over k: E[x²]/sigma² under the normalised visitation.
  CHECK((*S.fisher)(0, 0) == doctest::Approx((1 - g) * X / sigma2).epsilon(1e-14));
}

TEST_CASE("every LQG case: dJ/dK and dJ/dSigma equal central finite differences of J") {
  LqgSolveOptions fast;  // the gradient alone, as the peer benchmark asks for it
  fast.compute_optimal = false;
  fast.compute_fisher = false;
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const LqgProblem p = load_lqg(name);
    const LqgSolution s = solve(p, fast);
    CHECK_FALSE(s.fisher.has_value());
    CHECK_FALSE(s.natural_gradient.has_value());
    const Eigen::Index m = p.m(), n = p.n();
    // theta = K row-major (spec §2).
    Eigen::VectorXd theta(m * n), analytic(m * n);
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index j = 0; j < n; ++j) theta(i * n + j) = p.K(i, j), analytic(i * n + j) = s.gradient(i, j);
    const auto J_of_K = [&](const Eigen::VectorXd& t) {
      LqgProblem q = p;
      for (Eigen::Index i = 0; i < m; ++i)
        for (Eigen::Index j = 0; j < n; ++j) q.K(i, j) = t(i * n + j);
      return solve(q, fast).J;
    };
    CHECK(check_gradient(J_of_K, theta, analytic).max_relative_error < 1e-7);
    // Sigma entries taken as free: J depends on Sigma through tr(R Sigma) and tr(P B Sigma B')
    // with R, P symmetric, so its extension to free entries is J(sym Sigma), evaluated here.
    Eigen::VectorXd sigma(m * m), analytic_sigma(m * m);
    for (Eigen::Index i = 0; i < m * m; ++i) sigma(i) = p.Sigma(i), analytic_sigma(i) = (*s.gradient_sigma)(i);
    const auto J_of_Sigma = [&](const Eigen::VectorXd& t) {
      LqgProblem q = p;
      const MatrixXd free_sigma = Eigen::Map<const MatrixXd>(t.data(), m, m);
      q.Sigma = (free_sigma + free_sigma.transpose()) / 2.0;
      return solve(q, fast).J;
    };
    CHECK(check_gradient(J_of_Sigma, sigma, analytic_sigma).max_relative_error < 1e-7);
  }
}

TEST_CASE("every LQG case: the value and state-moment Stein residuals, and X, P against a Kronecker solve") {
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const LqgProblem p = load_lqg(name);
    const LqgSolution s = solve(p);
    CHECK(s.summary.value_residual < 1e-14);
    CHECK(s.summary.moment_residual < 1e-14);
    CHECK(s.summary.riccati_residual < 1e-13);
    const MatrixXd At = closed_loop(p, p.K);
    CHECK(max_abs_diff(s.P, kronecker_stein(At, policy_state_cost(p, p.K))) < 1e-11 * s.P.cwiseAbs().maxCoeff());
    const MatrixXd E0 = p.x0_cov + p.x0_mean * p.x0_mean.transpose();
    const MatrixXd V = p.B * p.Sigma * p.B.transpose() + p.W;
    CHECK(max_abs_diff(s.state_moment, kronecker_stein(At.transpose(), E0 + p.gamma / (1 - p.gamma) * V)) <
          1e-11 * s.state_moment.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("the three-state case has complex closed-loop eigenvalues (a 2x2 Schur block)") {
  const LqgProblem p = load_lqg("three-state-stochastic.json");
  const Eigen::VectorXcd lambda = Eigen::EigenSolver<MatrixXd>(closed_loop(p, p.K)).eigenvalues();
  CHECK(lambda.imag().cwiseAbs().maxCoeff() > 0.1);
}

TEST_CASE("the optimal policy: zero gradient, J* below J(K) for perturbed K, and the Riccati residual") {
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const LqgProblem p = load_lqg(name);
    const LqgSolution s = solve(p);
    REQUIRE(s.optimal);
    LqgProblem at_best = p;
    at_best.K = s.optimal->K;
    const LqgSolution best = solve(at_best);
    CHECK(best.gradient.cwiseAbs().maxCoeff() < 1e-9 * s.gradient.cwiseAbs().maxCoeff());
    CHECK(best.J == doctest::Approx(s.optimal->J).epsilon(1e-12));
    CHECK(max_abs_diff(best.P, s.optimal->P) < 1e-10 * best.P.cwiseAbs().maxCoeff());
    CHECK(s.optimal->J <= s.J);
    std::mt19937_64 rng(11);
    std::normal_distribution<double> normal(0.0, 0.05);
    for (int trial = 0; trial < 5; ++trial) {
      LqgProblem nearby = at_best;
      for (Eigen::Index i = 0; i < nearby.K.size(); ++i) nearby.K(i) += normal(rng);
      CHECK(solve(nearby).J >= s.optimal->J);
    }
  }
}

TEST_CASE("an unstable policy is refused with its spectral radius named") {
  LqgProblem p = load_lqg("scalar-lqr-stochastic.json");
  p.K(0, 0) = 0.0;  // sqrt(0.9) * 1.2 = 1.138 > 1
  CHECK_THROWS_WITH_AS(solve(p),
                       "/policy/K: the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is 1.13842 >= 1, "
                       "so J is infinite",
                       IllPosedError);
}

namespace {

/// Monte Carlo J: episodes stop with probability 1 - gamma after each step, so the plain sum
/// of sampled costs is an unbiased sample of J (as in the finite-MDP test).
struct Estimate {
  double mean, standard_error;
};

Estimate monte_carlo_J(const LqgProblem& p, long episodes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto root = [](const MatrixXd& C) {  // a square root of a PSD matrix
    const Eigen::SelfAdjointEigenSolver<MatrixXd> e(C);
    return MatrixXd(e.eigenvectors() * e.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal());
  };
  const MatrixXd L0 = root(p.x0_cov), Ld = root(p.Sigma), Lw = root(p.W);
  const auto gaussian = [&](const MatrixXd& L) {
    Eigen::VectorXd z(L.cols());
    for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = normal(rng);
    return Eigen::VectorXd(L * z);
  };
  double sum = 0, sum_sq = 0;
  for (long e = 0; e < episodes; ++e) {
    Eigen::VectorXd x = p.x0_mean + gaussian(L0);
    double total = 0;
    for (;;) {
      const Eigen::VectorXd mu = -p.K * x, d = gaussian(Ld);
      const Eigen::VectorXd u = p.formulation == Formulation::stochastic ? Eigen::VectorXd(mu + d) : mu;
      total += x.dot(p.Q * x) + u.dot(p.R * u) + 2 * x.dot(p.N * u);
      if (uniform(rng) >= p.gamma) break;
      x = p.A * x + p.B * (mu + d) + gaussian(Lw);
    }
    sum += total, sum_sq += total * total;
  }
  const double n = static_cast<double>(episodes), mean = sum / n;
  return {mean, std::sqrt((sum_sq / n - mean * mean) / (n - 1))};
}

}  // namespace

TEST_CASE("Monte Carlo rollouts agree with J in both formulations (5 standard errors; seeds fixed)") {
  // An unbiased estimate fails with probability 5.7e-7 per comparison (normal tail).
  std::uint64_t seed = 100;
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const LqgProblem p = load_lqg(name);
    const double J = solve(p).J;
    const Estimate mc = monte_carlo_J(p, 40'000, seed++);
    CAPTURE(mc.mean);
    CAPTURE(mc.standard_error);
    CHECK(std::abs(mc.mean - J) <= 5.0 * mc.standard_error);
    CHECK(mc.standard_error < 0.02 * J);  // resolution: a 10% error in J would be caught
  }
}

TEST_CASE("gamma = 1 without noise: the undiscounted closed form, and no dJ/dSigma or Fisher") {
  LqgProblem p = load_lqg("scalar-lqr-deterministic.json");
  p.gamma = 1.0;
  p.gamma_complement.reset();  // the file's decimal 1 - gamma (0.1) no longer applies
  p.Sigma.setZero();
  p.W.setZero();
  const LqgSolution s = solve(p);
  const double aK = 1.2 - 0.5, P = (1.0 + 0.5 * 0.25) / (1.0 - aK * aK);
  CHECK(s.P(0, 0) == doctest::Approx(P).epsilon(1e-14));
  CHECK(s.J == doctest::Approx(P * (0.5 + 1.0)).epsilon(1e-14));
  CHECK(s.value_constant == 0.0);
  CHECK(!s.gradient_sigma);
  CHECK(!s.fisher);
  CHECK(!s.natural_gradient);
}

TEST_CASE("every LQG case: the natural gradient solves F x = gradient, F symmetric positive definite") {
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const LqgProblem p = load_lqg(name);
    const LqgSolution s = solve(p);
    REQUIRE(s.fisher);
    const MatrixXd& F = *s.fisher;
    CHECK(max_abs_diff(F, F.transpose()) == 0.0);
    CHECK(Eigen::SelfAdjointEigenSolver<MatrixXd>(F).eigenvalues().minCoeff() > 0.0);
    CHECK(*s.fisher_rank == p.m() * p.n());
    // theta is K row-major: vec_row(M) stacks the rows of M.
    const auto vec_row = [](const MatrixXd& M) { return Eigen::VectorXd(M.transpose().reshaped()); };
    CHECK((F * vec_row(*s.natural_gradient) - vec_row(s.gradient)).cwiseAbs().maxCoeff() <
          1e-10 * s.gradient.cwiseAbs().maxCoeff());
  }
}
