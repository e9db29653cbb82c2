// Estimator throughput: environment steps per second of `reinforce-rtg` on the corridor and
// the slippery gridworld, with 1 and 2 threads. An episode stopped with probability 1 - gamma
// takes expected_length steps on average (the sum of the occupancy), so
// steps/s = episodes * expected_length / seconds.
//
//   pgtruth_bench_estimators CASES_DIR [--episodes N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pgtruth/sampling/check.hpp"

using namespace pgtruth;

int main(int argc, char** argv) {
  if (argc < 2) return std::fprintf(stderr, "usage: pgtruth_bench_estimators CASES_DIR [--episodes N]\n"), 2;
  const std::string dir = argv[1];
  long episodes = 400000;
  for (int i = 2; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--episodes")) episodes = std::atol(argv[i + 1]);
  std::printf("reinforce-rtg, %ld episodes per run\n%-26s %8s %14s %14s %8s\n", episodes, "case", "threads", "episodes/s",
              "steps/s", "speedup");
  for (const char* name : {"short-corridor.json", "slippery-gridworld.json"}) {
    const auto problem = std::get<FiniteProblem>(load_problem(dir + "/" + name));
    const FiniteSolution solution = solve(problem.mdp, problem.policy);
    const SparseEstimateSampler sample = finite_estimator(problem, solution, Estimator::reinforce_rtg, {});
    double single = 0;
    for (int threads : {1, 2}) {
      CheckOptions options;
      options.episodes = episodes;
      options.threads = threads;
      const auto t0 = std::chrono::steady_clock::now();
      sample_moments(sample, solution.gradient, options);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double steps = static_cast<double>(episodes) * solution.expected_length / seconds;
      if (threads == 1) single = steps;
      std::printf("%-26s %8d %14.3g %14.3g %8.2f\n", name, threads, static_cast<double>(episodes) / seconds, steps,
                  steps / single);
    }
  }
  return 0;
}
