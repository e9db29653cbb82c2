#include "cli/arguments.hpp"

#include <algorithm>
#include <sstream>

namespace pgtruth::cli {

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

long parse_long(const ParsedArguments& args, const std::string& name, long fallback, long lo) {
  if (!args.has(name)) return fallback;
  const std::string text = *args.value(name);
  std::size_t used = 0;
  long long value = lo - 1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || value < lo)
    throw UsageError("--" + name + " needs an integer >= " + std::to_string(lo) + ", found '" + text + "'");
  return static_cast<long>(value);
}

}  // namespace pgtruth::cli
