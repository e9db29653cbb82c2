#pragma once
// The options of the commands, declared on CLI11 subcommands. Each typed option reads its value
// strictly (decimal digits, no spaces, no hex) and refuses one out of its range with a
// UsageError that names the option, the range and the value found, so that a usage error is
// always the line "pgtruth CMD: --NAME needs RANGE, found 'VALUE' (see 'pgtruth CMD --help')".

#include <CLI/CLI.hpp>
#include <concepts>
#include <cstdint>
#include <functional>
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

/// Thrown by --help (-h) as soon as it is read, so that help wins over any other argument.
struct HelpRequested {
  const CLI::App* app;  ///< whose help to print
};

/// The most worker threads --threads accepts.
inline constexpr int kMaxThreads = 256;

/// A range of real numbers, each end open or closed: (0, 1), [0, 1]; infinite ends: any finite number.
struct Interval {
  double lo, hi;
  bool lo_open, hi_open;
  bool contains(double x) const { return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi); }
};

/// `text` as an integer in [lo, hi]; otherwise a UsageError "--NAME needs an integer ..., found 'text'".
std::int64_t read_integer(const std::string& name, const std::string& text, std::int64_t lo, std::int64_t hi);
/// `text` as a finite real in `range`; otherwise a UsageError naming the option and the range.
double read_real(const std::string& name, const std::string& text, Interval range);
/// `text` as a size: bytes, or a number with a unit K, M, G or T (powers of 1024; "8G", "1.5GiB", "512MB").
MemoryLimit read_memory_limit(const std::string& text);

/// Declares --help, -h on `app`.
void add_help(CLI::App& app);

/// --NAME, a flag: sets `target`; --NAME=VALUE is a usage error.
CLI::Option* add_flag(CLI::App& app, const std::string& name, bool& target, const std::string& help);

/// Declares --NAME VALUE (shown as `metavar` in the help) that sets `target` through `read`;
/// the last one given counts.
CLI::Option* add_value(CLI::App& app, const std::string& name, const std::string& metavar, const std::string& help,
                       std::function<void(const std::string&)> read);

/// --NAME N: an integer in [lo, hi] into `target`, which keeps its value (the default) when absent.
template <std::integral T>
CLI::Option* add_integer(CLI::App& app, const std::string& name, const std::string& metavar, T& target,
                         std::int64_t lo, std::int64_t hi, const std::string& help) {
  return add_value(app, name, metavar, help, [&target, name, lo, hi](const std::string& text) {
    target = static_cast<T>(read_integer(name, text, lo, hi));
  });
}

/// --NAME X: a real number in `range` into `target`, which keeps its value when absent.
CLI::Option* add_real(CLI::App& app, const std::string& name, const std::string& metavar, double& target,
                      Interval range, const std::string& help);

/// --NAME TEXT: a non-empty text into `target`; empty, a UsageError "--NAME needs `what`, found ''".
CLI::Option* add_text(CLI::App& app, const std::string& name, const std::string& metavar, std::optional<std::string>& target,
                      const std::string& what, const std::string& help);

/// --threads T: 0 (every core, the default), 1 (no helper thread) to kMaxThreads.
CLI::Option* add_threads(CLI::App& app, int& target, const std::string& what_runs_on_them);

/// --memory-limit M: a size (read_memory_limit); this machine's memory when absent.
CLI::Option* add_memory_limit(CLI::App& app, MemoryLimit& target, const std::string& what_is_refused);

/// The operands left on `app` after its options (FILE, TOPIC), in order, then every argument
/// after "--" (which CLI11 leaves to the parent). An unknown option before "--" is a UsageError
/// "unknown option '--x'".
std::vector<std::string> operands(const CLI::App& app);

/// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_list(const std::string& list);

}  // namespace pgtruth::cli
