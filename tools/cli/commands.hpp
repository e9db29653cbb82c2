#pragma once
// The subcommands of pgtruth. Each declares its options on its CLI11 subcommand and returns
// what runs it once they are read; that returns an exit code and throws pgtruth::Error for bad
// input or cli::UsageError for bad usage, which cli::run turns into one line and exit 2.

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>

namespace pgtruth::cli {

/// Runs a command whose options have been read: the exit code.
using Runner = std::function<int(std::ostream& out, std::ostream& err)>;

struct Command {
  const char* name;
  const char* summary;             ///< one line for `pgtruth --help`
  Runner (*declare)(CLI::App& app);  ///< declares the options and the help on `app`
};

extern const Command kSolveCommand;
extern const Command kEquivalenceCommand;
extern const Command kCheckCommand;
extern const Command kTeachCommand;

}  // namespace pgtruth::cli
