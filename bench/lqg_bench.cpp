// Times the exact LQG solve (two Stein equations on one Schur factorisation, gradient, Fisher,
// Riccati optimum) on random stable systems, against a baseline measured in the same run: one
// Stein solve alone (policy evaluation). Prints the residuals reached.
//
//   pgtruth_bench_lqg [--max-n N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/lqg/lyapunov.hpp"

using namespace pgtruth;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// A random system with n states, m = n/10 controls, and K = 0: A is scaled to spectral radius 0.95.
LqgProblem random_problem(Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::Index m = std::max<Eigen::Index>(1, n / 10);
  LqgProblem p;
  p.gamma = 0.99;
  p.A = Eigen::MatrixXd(n, n);
  for (Eigen::Index i = 0; i < p.A.size(); ++i) p.A(i) = normal(rng);
  const double radius = DiscreteLyapunovSolver(p.A).spectral_radius();
  p.A *= 0.95 / radius;
  p.B = Eigen::MatrixXd(n, m);
  for (Eigen::Index i = 0; i < p.B.size(); ++i) p.B(i) = normal(rng) / std::sqrt(static_cast<double>(n));
  p.Q = Eigen::MatrixXd::Identity(n, n);
  p.R = Eigen::MatrixXd::Identity(m, m);
  p.N = Eigen::MatrixXd::Zero(n, m);
  p.W = 0.01 * Eigen::MatrixXd::Identity(n, n);
  p.x0_mean = Eigen::VectorXd::Ones(n);
  p.x0_cov = Eigen::MatrixXd::Identity(n, n);
  p.K = Eigen::MatrixXd::Zero(m, n);
  p.Sigma = 0.1 * Eigen::MatrixXd::Identity(m, m);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  Eigen::Index max_n = 1000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--max-n")) max_n = std::atol(argv[i + 1]);
  std::printf("random LQG, spectral radius 0.95, gamma 0.99, m = n/10; one run each\n");
  std::printf("%6s %12s %14s %8s %14s %12s %12s %12s\n", "n", "one Stein s", "gradient s", "ratio",
              "+ optimum s", "value res", "moment res", "Riccati res");
  for (Eigen::Index n : {50, 100, 300, 1000}) {
    if (n > max_n) break;
    const LqgProblem p = random_problem(n, 1);
    auto t0 = std::chrono::steady_clock::now();
    const DiscreteLyapunovSolver stein(closed_loop(p, p.K));
    const Eigen::MatrixXd P = stein.solve(policy_state_cost(p, p.K));
    const double baseline = seconds_since(t0);
    // Everything but the Riccati optimum: P, X, J, gradient, dJ/dSigma, natural gradient.
    LqgSolveOptions no_optimum;
    no_optimum.compute_optimal = false;
    t0 = std::chrono::steady_clock::now();
    solve(p, no_optimum);
    const double gradient = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const LqgSolution s = solve(p);
    const double full = seconds_since(t0);
    std::printf("%6lld %12.4f %14.4f %8.2f %14.4f %12.1e %12.1e %12.1e\n", static_cast<long long>(n), baseline,
                gradient, gradient / baseline, full, s.summary.value_residual, s.summary.moment_residual,
                s.summary.riccati_residual);
    if (P(0, 0) < 0) std::puts("");  // keep the baseline observable
  }
  return 0;
}
