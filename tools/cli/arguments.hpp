#pragma once
// A small argument scanner: options `--name`, `--name VALUE`, `--name=VALUE`, and operands;
// and the readers of option values, each of which refuses a value out of its range with a
// UsageError that names the option, the range and the value found.

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgtruth/memory_limit.hpp"

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

/// The integer value of option `name`, in [lo, hi], or `fallback` when it is absent. A value
/// out of range, beyond 64 bits, or not an integer is a UsageError naming the option.
std::int64_t parse_integer(const ParsedArguments& args, const std::string& name, std::int64_t fallback, std::int64_t lo,
                           std::int64_t hi = std::numeric_limits<std::int64_t>::max());

/// parse_integer with no upper bound but a long's.
long parse_long(const ParsedArguments& args, const std::string& name, long fallback, long lo);

/// A range of real numbers, each end open or closed: (0, 1), [0, 1].
struct Interval {
  double lo, hi;
  bool lo_open, hi_open;
  bool contains(double x) const { return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi); }
};

/// The real value of option `name`, in `range` (so finite), or `fallback` when it is absent.
double parse_real(const ParsedArguments& args, const std::string& name, double fallback, Interval range);

/// The most worker threads --threads accepts.
inline constexpr int kMaxThreads = 256;

/// --threads T: from 1 to kMaxThreads; 0 (every core) when absent.
int parse_threads(const ParsedArguments& args);

/// --memory-limit SIZE: bytes, or a number with a unit K, M, G or T (powers of 1024; "8G",
/// "1.5GiB", "512MB"); the machine's memory when absent.
MemoryLimit parse_memory_limit(const ParsedArguments& args);

/// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_list(const std::string& list);

}  // namespace pgtruth::cli
