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
#include "random_lqg.hpp"
#include "pgtruth/lqg/lyapunov.hpp"

using namespace pgtruth;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
    const LqgProblem p = bench::random_stable_lqg(n, 1);
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
