#pragma once
#include <string_view>
// Internal: the finite-MDP part of the problem-file reader (spec §1).

#include "json_node.hpp"
#include "pgtruth/problem_file.hpp"

namespace pgtruth::detail {

/// Reads a document whose "problem" is "finite"; throws InputError naming the pointer.
/// `text` is the document's text, for the digits of gamma as written (FiniteMdp::gamma_complement).
FiniteProblem read_finite_problem(const JsonNode& root, std::string_view text);

}  // namespace pgtruth::detail
