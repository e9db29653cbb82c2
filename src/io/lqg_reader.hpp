#pragma once
// Internal: the LQG part of the problem-file reader (spec §2).

#include "io/json_node.hpp"
#include "pgtruth/lqg/problem.hpp"
#include "pgtruth/memory_limit.hpp"

namespace pgtruth::detail {

/// Reads a document whose "problem" is "lqg"; throws InputError naming the pointer. A problem
/// whose n and m make it need more memory than `limit` is refused before the rest is read.
/// `text` is the document's text, for the digits of gamma as written (LqgProblem::gamma_complement).
LqgProblem read_lqg_problem(const JsonNode& root, std::string_view text, const MemoryLimit& limit);

}  // namespace pgtruth::detail
