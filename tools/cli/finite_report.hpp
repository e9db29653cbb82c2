#pragma once
// The human-readable summary of `pgtruth solve` on a finite MDP.

#include <ostream>
#include <string>

#include "pgtruth/finite/solver.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::cli {

/// J and the gradient first, then a table per state (the `max_rows` most visited states when
/// there are more), then the solver's summary.
void print_finite_report(std::ostream& out, const std::string& file, const FiniteProblem& problem,
                         const FiniteSolution& solution, Index max_rows);

/// The name of theta entry i as the spec indexes it: theta[s,a], theta[k] or pi(a|s).
std::string parameter_name(const FiniteProblem& problem, Index i);

}  // namespace pgtruth::cli
