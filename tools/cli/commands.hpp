#pragma once
// The subcommands of pgtruth. Each returns an exit code and throws pgtruth::Error for bad
// input or cli::UsageError for bad usage; cli::run turns those into one line and exit 2.

#include <ostream>
#include <string>
#include <vector>

namespace pgtruth::cli {

struct Command {
  const char* name;
  const char* summary;  ///< one line for `pgtruth --help`
  const char* help;     ///< the text of `pgtruth NAME --help`
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

extern const Command kSolveCommand;
extern const Command kEquivalenceCommand;
extern const Command kCheckCommand;
extern const Command kTeachCommand;

}  // namespace pgtruth::cli
