#pragma once
/// \file
/// The result contract of `pgtruth solve --json` (spec §1, "Exact quantities").
/// Arrays follow the order of states, actions and theta; `gradient` and `natural_gradient`
/// have the shape of theta (a flat array for softmax, rows over the non-terminal states for
/// direct policies). Undefined values (see FiniteSolution::undefined_states) are null.

#include <string>
#include <vector>

#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth {

/// Every key `solve --json` can print for a finite problem, in the order printed.
const std::vector<std::string>& finite_solution_keys();

/// Why `key` cannot be printed for this problem ("" when it can): the Fisher keys need a
/// softmax policy, and the dense Fisher matrix at most kMaxDenseFisherParameters parameters.
std::string finite_key_unavailable(const FiniteProblem& problem, const std::string& key);

/// One JSON object with `keys` (every available key when empty). Precondition: each key is
/// in finite_solution_keys() and available.
std::string finite_solution_json(const FiniteProblem& problem, const FiniteSolution& solution,
                                 const std::vector<std::string>& keys, int indent = 1);

/// The `solver` object of a finite solve's JSON (method, sizes, residuals, condition, error
/// bounds, iterations, seconds), as one JSON text: the same for every engine that prints it.
std::string linear_solve_summary_json(const LinearSolveSummary& summary);

/// Every key `solve --json` can print for an LQG problem, in the order printed (spec §2, plus
/// problem, formulation, fisher_rank and solver). Matrices are arrays of rows; `gradient` and
/// `natural_gradient` are m × n like K.
const std::vector<std::string>& lqg_solution_keys();

/// Why `key` cannot be printed for this solution ("" when it can).
std::string lqg_key_unavailable(const LqgProblem& problem, const LqgSolution& solution, const std::string& key);

/// One JSON object with `keys` (every available key when empty).
std::string lqg_solution_json(const LqgProblem& problem, const LqgSolution& solution,
                              const std::vector<std::string>& keys, int indent = 1);

}  // namespace pgtruth
