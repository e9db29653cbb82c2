#include "cli/options.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string_view>

#include "cli/format.hpp"

namespace pgtruth::cli {
namespace {

/// "--name needs <what>, found 'text'".
UsageError bad_value(const std::string& name, const std::string& what, const std::string& text) {
  return UsageError(name + " needs " + what + ", found '" + text + "'");
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  if (hi == std::numeric_limits<std::int64_t>::max()) return "an integer >= " + std::to_string(lo);
  return "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

std::string range_text(const Interval& r) {
  if (std::isinf(r.lo) && std::isinf(r.hi)) return "a finite number";
  return std::string("a number in ") + (r.lo_open ? "(" : "[") + significant(r.lo, 6) + ", " + significant(r.hi, 6) +
         (r.hi_open ? ")" : "]");
}

}  // namespace

std::int64_t read_integer(const std::string& name, const std::string& text, std::int64_t lo, std::int64_t hi) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < lo || value > hi)
    throw bad_value(name, range_text(lo, hi), text);
  return value;
}

double read_real(const std::string& name, const std::string& text, Interval range) {
  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || !std::isfinite(value) || !range.contains(value))
    throw bad_value(name, range_text(range), text);
  return value;
}

MemoryLimit read_memory_limit(const std::string& text) {
  const UsageError bad = bad_value("--memory-limit", "a size in bytes, or with a unit K, M, G or T (such as 8G)", text);
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

void add_help(CLI::App& app) {
  app.set_help_flag();  // CLI11's own flag reports help only after every value is read
  app.add_flag_callback("-h,--help", [&app] { throw HelpRequested{&app}; }, "show this help")->trigger_on_parse();
}

CLI::Option* add_flag(CLI::App& app, const std::string& name, bool& target, const std::string& help) {
  return app.add_flag(name, target, help)->disable_flag_override();
}

CLI::Option* add_value(CLI::App& app, const std::string& name, const std::string& metavar, const std::string& help,
                       std::function<void(const std::string&)> read) {
  return app.add_option_function<std::string>(name, std::move(read), help)
      ->option_text(metavar)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

CLI::Option* add_real(CLI::App& app, const std::string& name, const std::string& metavar, double& target,
                      Interval range, const std::string& help) {
  return add_value(app, name, metavar, help,
                   [&target, name, range](const std::string& text) { target = read_real(name, text, range); });
}

CLI::Option* add_text(CLI::App& app, const std::string& name, const std::string& metavar, std::optional<std::string>& target,
                      const std::string& what, const std::string& help) {
  return add_value(app, name, metavar, help, [&target, name, what](const std::string& text) {
    if (text.empty()) throw bad_value(name, what, text);
    target = text;
  });
}

CLI::Option* add_threads(CLI::App& app, int& target, const std::string& what_runs_on_them) {
  return add_integer(app, "--threads", "T", target, 0, kMaxThreads,
                     "worker threads for " + what_runs_on_them + ": 0 every core (the default), 1 no helper thread, " +
                         "at most " + std::to_string(kMaxThreads) + "; the results do not depend on it");
}

CLI::Option* add_memory_limit(CLI::App& app, MemoryLimit& target, const std::string& what_is_refused) {
  target = {0, "this machine's memory; --memory-limit changes it"};
  return add_value(app, "--memory-limit", "M",
                   "refuse " + what_is_refused + " estimated to need more memory than M (default: this machine's " +
                       "memory; bytes, or K, M, G, T such as 8G)",
                   [&target](const std::string& text) { target = read_memory_limit(text); });
}

std::vector<std::string> operands(const CLI::App& app) {
  std::vector<std::string> found;
  for (const std::string& arg : app.remaining()) {
    if (arg.size() >= 2 && arg[0] == '-') throw UsageError("unknown option '" + arg + "'");
    found.push_back(arg);
  }
  if (const CLI::App* parent = app.get_parent()) {
    const std::vector<std::string> after_dashes = parent->remaining();
    found.insert(found.end(), after_dashes.begin(), after_dashes.end());
  }
  return found;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> parts;
  std::stringstream in(list);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace pgtruth::cli
