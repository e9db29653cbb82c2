// pgtruth's side of the peer benchmark (bench/peers.py): loads one problem file, computes J and
// the gradient exactly, and prints one JSON line with the times and the accuracy reached. The
// results go to raw little-endian float64 files for the driver to compare with the peers':
//   OUT.gradient  the gradient in the order of theta (finite), or dJ/dK row-major (LQG);
//   OUT.P         the value matrix P, row-major (LQG only).
// Timed: building the problem from its file (for generated problems this is the generator) and
// the solve; not timed: writing the results. Only J and the gradient are asked for (no Fisher
// matrix, no Riccati optimum), as the peers compute nothing else.
//
//   pgtruth_bench_solve FILE OUT [--solver auto|direct|iterative]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "pgtruth/allocator.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite_solver.hpp"
#include "pgtruth/lqg_solver.hpp"
#include "pgtruth/problem_file.hpp"

using namespace pgtruth;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Writes the entries of `m` in row-major order as raw float64.
void write_row_major(const std::string& path, const Eigen::MatrixXd& m) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = m;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(rows.data()), static_cast<std::streamsize>(rows.size() * sizeof(double)));
}

LinearSolver parse_solver(const char* name) {
  if (!std::strcmp(name, "direct")) return LinearSolver::direct;
  if (!std::strcmp(name, "iterative")) return LinearSolver::iterative;
  return LinearSolver::automatic;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) return std::fprintf(stderr, "usage: pgtruth_bench_solve FILE OUT [--solver auto|direct|iterative]\n"), 2;
  keep_freed_memory_for_reuse();  // as the pgtruth command does
  const std::string out = argv[2];
  FiniteSolveOptions finite_options;
  finite_options.compute_fisher = false;
  for (int i = 3; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--solver")) finite_options.linear_solver = parse_solver(argv[i + 1]);

  auto t0 = std::chrono::steady_clock::now();
  const Problem problem = load_problem(argv[1]);
  const double load = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  if (const auto* finite = std::get_if<FiniteProblem>(&problem)) {
    const FiniteSolution s = solve(finite->mdp, finite->policy, finite_options);
    const double seconds = seconds_since(t0);
    write_row_major(out + ".gradient", s.gradient);
    std::printf(
        "{\"load_seconds\": %.6g, \"solve_seconds\": %.6g, \"J\": %.17g, \"method\": \"%s\", \"iterations\": %ld, "
        "\"bellman_residual\": %.3g, \"flow_residual\": %.3g}\n",
        load, seconds, s.J, s.summary.method.c_str(), s.summary.iterations, s.summary.bellman_residual,
        s.summary.flow_residual);
  } else {
    LqgSolveOptions lqg_options;
    lqg_options.compute_optimal = false;
    lqg_options.compute_fisher = false;
    const LqgSolution s = solve(std::get<LqgProblem>(problem), lqg_options);
    const double seconds = seconds_since(t0);
    write_row_major(out + ".gradient", s.gradient);
    write_row_major(out + ".P", s.P);
    std::printf("{\"load_seconds\": %.6g, \"solve_seconds\": %.6g, \"J\": %.17g, \"value_residual\": %.3g}\n", load,
                seconds, s.J, s.summary.value_residual);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pgtruth_bench_solve: %s\n", e.what());
  return 2;
}
