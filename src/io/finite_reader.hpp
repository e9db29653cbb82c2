#pragma once
#include <string_view>
// Internal: the finite-MDP part of the problem-file reader (spec §1).

#include "io/json_node.hpp"
#include "pgtruth/memory_limit.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::detail {

/// Reads a document whose "problem" is "finite"; throws InputError naming the pointer.
/// `text` is the document's text, for the digits of gamma as written (FiniteMdp::gamma_complement()).
/// A problem whose sizes (counts, a generator's parameters) make it need more memory than
/// `limit` is refused before any of it is allocated.
FiniteProblem read_finite_problem(const JsonNode& root, std::string_view text, const MemoryLimit& limit);

}  // namespace pgtruth::detail
