// pgtruth's side of the peer benchmark (bench/peers.py): loads one problem file, computes J and
// the gradient exactly, and prints one JSON line with the times and the accuracy reached. The
// results go to raw little-endian float64 files for the driver to compare with the peers':
//   OUT.gradient  the gradient in the order of theta (finite), or dJ/dK row-major (LQG);
//   OUT.P         the value matrix P, row-major (LQG only).
// Timed: building the problem from the file's text (for generated problems this is the
// generator) and the solve; not timed: reading the file and writing the results. Only J and the
// gradient are asked for (no Fisher matrix, no Riccati optimum), as the peers compute nothing
// else.
//
// With --calls N the whole computation (building the problem from the text, solving) is done N
// times in this process, each time from scratch: the first call is "cold" (its memory is fresh
// from the kernel, a page fault a 4 KiB page), the last "warm" (it reuses the memory the
// earlier calls freed), as in a program that solves problem after problem. The results written
// are the last call's, which must give J bit for bit as the first did; the peak memory reported
// (max RSS) is the process's after the first call, that of one computation.
//
//   pgtruth_bench_solve FILE OUT [--solver auto|direct|iterative] [--calls N] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/resource.h>

#include "pgtruth/allocator.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"

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

/// The times of one call's two parts: building the problem from its text, and the solve.
struct Call {
  double load_seconds = 0, solve_seconds = 0;
};

int main(int argc, char** argv) try {
  if (argc < 3)
    return std::fprintf(stderr, "usage: pgtruth_bench_solve FILE OUT [--solver auto|direct|iterative] [--calls N] [--threads N]\n"), 2;
  keep_freed_memory_for_reuse();  // as the pgtruth command does
  const std::string out = argv[2];
  FiniteSolveOptions finite_options;
  finite_options.compute_fisher = false;
  LqgSolveOptions lqg_options;
  lqg_options.compute_optimal = false;
  lqg_options.compute_fisher = false;
  int calls = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--solver")) finite_options.linear_solver = parse_solver(argv[i + 1]);
    if (!std::strcmp(argv[i], "--calls")) calls = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) finite_options.threads = lqg_options.threads = std::atoi(argv[i + 1]);
  }

  std::ifstream file(argv[1], std::ios::binary);
  if (!file) return std::fprintf(stderr, "pgtruth_bench_solve: cannot read %s\n", argv[1]), 2;
  const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};

  Call first, last;
  double first_J = 0, peak_mb = 0;
  for (int call = 0; call < calls; ++call) {
    Call timed;
    auto t0 = std::chrono::steady_clock::now();
    const Problem problem = parse_problem(text, argv[1]);
    timed.load_seconds = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const bool report = call + 1 == calls;
    double J = 0;
    if (const auto* finite = std::get_if<FiniteProblem>(&problem)) {
      const FiniteSolution s = solve(finite->mdp, finite->policy, finite_options);
      timed.solve_seconds = seconds_since(t0);
      J = s.J;
      if (report) {
        write_row_major(out + ".gradient", s.gradient);
        std::printf("{\"J\": %.17g, \"method\": \"%s\", \"iterations\": %ld, \"bellman_residual\": %.3g, "
                    "\"flow_residual\": %.3g, ",
                    s.J, s.summary.method.c_str(), s.summary.iterations, s.summary.bellman_residual,
                    s.summary.flow_residual);
      }
    } else {
      const LqgSolution s = solve(std::get<LqgProblem>(problem), lqg_options);
      timed.solve_seconds = seconds_since(t0);
      J = s.J;
      if (report) {
        write_row_major(out + ".gradient", s.gradient);
        write_row_major(out + ".P", s.P);
        std::printf("{\"J\": %.17g, \"value_residual\": %.3g, ", s.J, s.summary.value_residual);
      }
    }
    if (call == 0) {
      first = timed, first_J = J;
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);  // the peak of one computation: the process's so far
      peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    }
    last = timed;
    if (J != first_J) return std::fprintf(stderr, "pgtruth_bench_solve: call %d gave another J\n", call + 1), 1;
  }
  // load_seconds, solve_seconds and peak_mb: the first call's (cold); warm_...: the last call's.
  std::printf("\"load_seconds\": %.6g, \"solve_seconds\": %.6g, \"peak_mb\": %.1f, \"warm_load_seconds\": %.6g, "
              "\"warm_solve_seconds\": %.6g, \"calls\": %d}\n",
              first.load_seconds, first.solve_seconds, peak_mb, last.load_seconds, last.solve_seconds, calls);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pgtruth_bench_solve: %s\n", e.what());
  return 2;
}
