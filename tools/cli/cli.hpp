#pragma once
// The pgtruth command line, callable in-process (the tests do).
//
// Exit codes (spec §3): 0 success; 2 bad input or usage, with one line on stderr naming
// the file and the JSON path; 3 an internal error (a bug in pgtruth: please report it).

#include <ostream>
#include <string>
#include <vector>

namespace pgtruth::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

/// Runs `pgtruth ARGS...` (args excludes the program name). Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pgtruth::cli
