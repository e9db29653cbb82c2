#pragma once
// Internal: the finite-MDP part of the problem-file reader (spec §1).

#include "json_node.hpp"
#include "pgtruth/problem_file.hpp"

namespace pgtruth::detail {

/// Reads a document whose "problem" is "finite"; throws InputError naming the pointer.
FiniteProblem read_finite_problem(const JsonNode& root);

}  // namespace pgtruth::detail
