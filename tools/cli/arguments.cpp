#include "cli/arguments.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string_view>

namespace pgtruth::cli {
namespace {

/// A range's end as people write it: 0, 1, 0.5, 1e+13.
std::string format_real(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

bool ParsedArguments::has(const std::string& name) const {
  return std::any_of(options.begin(), options.end(), [&](const auto& o) { return o.first == name; });
}

std::optional<std::string> ParsedArguments::value(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& [n, v] : options)
    if (n == name) found = v;
  return found;
}

ParsedArguments parse_arguments(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  ParsedArguments parsed;
  bool only_operands = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_operands || arg.size() < 2 || arg[0] != '-' ) {
      parsed.operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_operands = true;
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "h") name = "help";
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) throw UsageError("unknown option '" + arg + "'");
    if (!spec->takes_value) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value");
      parsed.options.emplace_back(name, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) throw UsageError("option '--" + name + "' needs a value");
      inline_value = args[++i];
    }
    parsed.options.emplace_back(name, *inline_value);
  }
  return parsed;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> parts;
  std::stringstream in(list);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

namespace {

/// "--name needs <what>, found 'text'".
UsageError bad_value(const std::string& name, const std::string& what, const std::string& text) {
  return UsageError("--" + name + " needs " + what + ", found '" + text + "'");
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  if (hi == std::numeric_limits<std::int64_t>::max()) return "an integer >= " + std::to_string(lo);
  return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

std::string range_text(const Interval& r) {
  return std::string("a number in ") + (r.lo_open ? "(" : "[") + format_real(r.lo) + ", " + format_real(r.hi) +
         (r.hi_open ? ")" : "]");
}

}  // namespace

std::int64_t parse_integer(const ParsedArguments& args, const std::string& name, std::int64_t fallback, std::int64_t lo,
                           std::int64_t hi) {
  if (!args.has(name)) return fallback;
  const std::string text = *args.value(name);
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < lo || value > hi)
    throw bad_value(name, range_text(lo, hi), text);
  return value;
}

long parse_long(const ParsedArguments& args, const std::string& name, long fallback, long lo) {
  return static_cast<long>(parse_integer(args, name, fallback, lo, std::numeric_limits<long>::max()));
}

double parse_real(const ParsedArguments& args, const std::string& name, double fallback, Interval range) {
  if (!args.has(name)) return fallback;
  const std::string text = *args.value(name);
  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || !range.contains(value))
    throw bad_value(name, range_text(range), text);
  return value;
}

int parse_threads(const ParsedArguments& args) {
  return static_cast<int>(parse_integer(args, "threads", 0, 1, kMaxThreads));
}

MemoryLimit parse_memory_limit(const ParsedArguments& args) {
  if (!args.has("memory-limit")) return {0, "this machine's memory; --memory-limit changes it"};
  const std::string text = *args.value("memory-limit");
  const UsageError bad = bad_value("memory-limit", "a size in bytes, or with a unit K, M, G or T (such as 8G)", text);
  double number = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  if (text.empty() || error != std::errc() || !std::isfinite(number) || !(number > 0)) throw bad;
  std::string unit(stop, end);  // "", or K, M, G or T, each also with B or iB after it
  if (unit.size() > 2 && unit.ends_with("iB")) unit.resize(unit.size() - 2);
  else if (unit.ends_with("B")) unit.pop_back();
  int power = 0;  // of 1024
  if (!unit.empty()) {
    const auto at = std::string_view("KMGT").find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
    if (unit.size() != 1 || at == std::string_view::npos) throw bad;
    power = static_cast<int>(at) + 1;
  }
  const double bytes = std::ldexp(number, 10 * power);
  if (!std::isfinite(bytes) || bytes < 1) throw bad;
  return {bytes, "--memory-limit " + text};
}

}  // namespace pgtruth::cli
