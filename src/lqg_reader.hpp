#pragma once
// Internal: the LQG part of the problem-file reader (spec §2).

#include "json_node.hpp"
#include "pgtruth/lqg.hpp"

namespace pgtruth::detail {

/// Reads a document whose "problem" is "lqg"; throws InputError naming the pointer.
LqgProblem read_lqg_problem(const JsonNode& root);

}  // namespace pgtruth::detail
