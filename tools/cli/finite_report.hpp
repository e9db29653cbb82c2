#pragma once
// The human-readable summary of `pgtruth solve` on a finite MDP.

#include <ostream>
#include <string>

#include "pgtruth/finite_solver.hpp"
#include "pgtruth/problem_file.hpp"

namespace pgtruth::cli {

/// J and the gradient first, then a table per state (the `max_rows` most visited states when
/// there are more), then the solver's summary.
void print_finite_report(std::ostream& out, const std::string& file, const FiniteProblem& problem,
                         const FiniteSolution& solution, Index max_rows);

}  // namespace pgtruth::cli
