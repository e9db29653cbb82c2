#pragma once
// A small argument scanner: options `--name`, `--name VALUE`, `--name=VALUE`, and operands.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgtruth::cli {

/// A usage error; the command prints it as "pgtruth CMD: message (see 'pgtruth CMD --help')".
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;       ///< without the dashes
  bool takes_value = false;
};

struct ParsedArguments {
  std::vector<std::pair<std::string, std::string>> options;  ///< in order; value "" for flags
  std::vector<std::string> operands;

  bool has(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;  ///< the last one given
};

/// Throws UsageError for an unknown option, a missing value, or a value given to a flag.
ParsedArguments parse_arguments(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

/// The integer value of option `name` (at least `lo`), or `fallback` when it is absent; throws
/// UsageError naming the option otherwise.
long parse_long(const ParsedArguments& args, const std::string& name, long fallback, long lo);

/// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_list(const std::string& list);

}  // namespace pgtruth::cli
