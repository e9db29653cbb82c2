// Loads a problem and prints J through the installed library.
#include <pgtruth/finite/solver.hpp>
#include <pgtruth/io/problem_file.hpp>
#include <pgtruth/version.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const auto problem = std::get<pgtruth::FiniteProblem>(pgtruth::load_problem(argv[1]));
  const pgtruth::FiniteSolution solution = pgtruth::solve(problem.mdp, problem.policy);
  std::cout << "pgtruth " << pgtruth::kVersion << ": J = " << solution.J << "\n";
  return 0;
}
