#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <map>
#include <new>

#include "cli/commands.hpp"
#include "cli/help.hpp"
#include "cli/options.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/version.hpp"

namespace pgtruth::cli {
namespace {

const Command* const kCommands[] = {&kSolveCommand, &kCheckCommand, &kEquivalenceCommand, &kTeachCommand};

/// The message with control characters (a newline in a state name, say) made visible, so
/// that an error is always exactly one line.
std::string one_line(const std::string& message) {
  std::string line;
  for (const char c : message) {
    if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789abcdef";
      line += std::string("\\x") + hex[(c >> 4) & 0xf] + hex[c & 0xf];
    } else {
      line += c;
    }
  }
  return line;
}

const Command* find_command(const std::string& name) {
  for (const Command* c : kCommands)
    if (name == c->name) return c;
  return nullptr;
}

/// pgtruth and its commands as CLI11 apps; `runners` receives what runs each command.
struct CommandLine {
  CLI::App app{"pgtruth"};
  bool version = false;
  std::map<const CLI::App*, std::pair<const Command*, Runner>> runners;

  CommandLine() {
    set_help(app, {"pgtruth COMMAND [OPTIONS] FILE", "pgtruth COMMAND --help"},
             "pgtruth " + std::string(kVersion) + ": exact policy gradients, and checks of sampled ones",
             "Exit codes: 0 success; 2 bad input or usage (one line on stderr naming the file and the\n"
             "JSON path); 3 internal error (a bug in pgtruth).\n"
             "Problem files and outputs: docs/file-format.md.\n");
    add_help(app);
    app.add_flag("--version,-V", version, "print the version");
    app.allow_extras();
    app.require_subcommand(0, 1);
    for (const Command* c : kCommands) {
      CLI::App* sub = app.add_subcommand(c->name, c->summary);
      sub->allow_extras();
      runners[sub] = {c, c->declare(*sub)};
      add_help(*sub);  // last in the list of options
    }
  }
};

/// CLI11's message for a malformed command line, in pgtruth's words where they differ.
std::string usage_message(const CLI::ParseError& e) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    // "--json was given a disallowed flag override": --json=VALUE.
    if (const auto at = what.find(" was given a disallowed flag override"); at != std::string::npos) {
      const std::size_t from = what.starts_with("--") ? 2 : 0;
      return "option '--" + what.substr(from, at - from) + "' takes no value";
    }
    // "--keys: 1 required TEXT missing": the option came last, without its value.
    if (const auto at = what.find(": "); at != std::string::npos && what.ends_with(" missing"))
      return "option '" + what.substr(0, at) + "' needs a value";
  }
  return what;
}

int dispatch(std::vector<std::string> args, std::ostream& out, std::ostream& err) {
  CommandLine line;
  if (args.empty()) {
    err << line.app.help();
    return kExitBadInput;
  }
  if (args.front() == "help") {  // pgtruth help [COMMAND]
    if (args.size() > 1 && !find_command(args[1])) {
      err << "pgtruth: unknown command '" << args[1] << "' (see 'pgtruth --help')\n";
      return kExitBadInput;
    }
    args = args.size() > 1 ? std::vector<std::string>{args[1], "--help"} : std::vector<std::string>{"--help"};
  }
  const Command* named = find_command(args.front());
  const std::string who = named ? "pgtruth " + std::string(named->name) : "pgtruth";
  const auto usage_error = [&](const std::string& message) {
    err << who << ": " << message << " (see '" << who << " --help')\n";
    return kExitBadInput;
  };
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads from the back
    line.app.parse(reversed);
  } catch (const HelpRequested& help) {
    out << help.app->help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return usage_error(usage_message(e));
  } catch (const UsageError& e) {
    return usage_error(e.what());
  }
  if (!named) {  // no command: --version, or an unknown command or option
    if (line.version) return out << "pgtruth " << kVersion << "\n", kExitOk;
    const std::string& first = args.front();
    return usage_error(std::string("unknown ") + (first.starts_with("-") ? "option" : "command") + " '" + first + "'");
  }
  const auto chosen = line.app.get_subcommands();
  const auto& [command, runner] = line.runners.at(chosen.front());
  try {
    return runner(out, err);
  } catch (const UsageError& e) {
    return usage_error(e.what());
  }
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(args, out, err);
  } catch (const pgtruth::Error& e) {
    err << one_line(e.what()) << "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    err << "pgtruth: out of memory (the problem is too large for this machine)\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    err << "pgtruth: internal error: " << e.what() << " (please report it)\n";
    return kExitInternal;
  }
}

}  // namespace pgtruth::cli
