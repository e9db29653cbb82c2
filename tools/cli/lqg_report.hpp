#pragma once
// The human-readable summary of `pgtruth solve` on an LQG problem.

#include <ostream>
#include <string>

#include "pgtruth/lqg/solver.hpp"

namespace pgtruth::cli {

/// J and the gradient first, then P, the state moment, the optimum and the solver's summary.
void print_lqg_report(std::ostream& out, const std::string& file, const LqgProblem& problem,
                      const LqgSolution& solution);

/// A matrix as aligned rows, each line starting with `indent`.
void print_matrix(std::ostream& out, const Eigen::MatrixXd& M, const std::string& indent = "  ");

}  // namespace pgtruth::cli
