#pragma once
/// \file
/// Reading problem files (docs/file-format.md, "the spec"). Every fault in a file is an
/// InputError whose pointer names the value at fault and whose source names the file.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/finite/policy.hpp"
#include "pgtruth/lqg/problem.hpp"
#include "pgtruth/memory_limit.hpp"

namespace pgtruth {

/// A finite MDP with a parameterised policy (spec §1).
struct FiniteProblem {
  std::string name;
  std::string description;
  FiniteMdp mdp;
  FinitePolicy policy;
};

/// Every kind of problem a file can hold: "problem": "finite" or "lqg".
using Problem = std::variant<FiniteProblem, LqgProblem>;

/// Reads and validates the problem file `file`. Throws pgtruth::Error (InputError for a file
/// that breaks the spec, IllPosedError for a well-formed but ill-posed one). A file, or a
/// problem, whose size makes it need more memory than `limit` is refused (InputError, with
/// the estimate) before it is read, or before the problem is allocated.
Problem load_problem(const std::filesystem::path& file, const MemoryLimit& limit = {});

/// The same for a document already in memory; `source` names it in error messages.
Problem parse_problem(std::string_view text, const std::string& source = "", const MemoryLimit& limit = {});

}  // namespace pgtruth
