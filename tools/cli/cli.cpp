#include "cli/cli.hpp"

#include <exception>
#include <new>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
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

void print_usage(std::ostream& out) {
  out << "pgtruth " << kVersion << ": exact policy gradients, and checks of sampled ones\n\n"
      << "Usage: pgtruth COMMAND [OPTIONS] FILE\n"
      << "       pgtruth COMMAND --help\n\n"
      << "Commands:\n";
  for (const Command* c : kCommands) out << "  " << c->name << std::string(12 - std::string(c->name).size(), ' ') << c->summary << "\n";
  out << "\nOptions:\n"
      << "  --help, -h  show this help\n"
      << "  --version   print the version\n\n"
      << "Exit codes: 0 success; 2 bad input or usage (one line on stderr naming the file and the\n"
      << "JSON path); 3 internal error (a bug in pgtruth).\n"
      << "Problem files and outputs: docs/file-format.md.\n";
}

const Command* find_command(const std::string& name) {
  for (const Command* c : kCommands)
    if (name == c->name) return c;
  return nullptr;
}

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    print_usage(err);
    return kExitBadInput;
  }
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    if (first == "help" && args.size() > 1) {
      if (const Command* c = find_command(args[1])) return out << c->help, kExitOk;
      err << "pgtruth: unknown command '" << args[1] << "' (see 'pgtruth --help')\n";
      return kExitBadInput;
    }
    print_usage(out);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    out << "pgtruth " << kVersion << "\n";
    return kExitOk;
  }
  const Command* command = find_command(first);
  if (!command) {
    err << "pgtruth: unknown " << (first.starts_with("-") ? "option" : "command") << " '" << first
        << "' (see 'pgtruth --help')\n";
    return kExitBadInput;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    return command->run(rest, out, err);
  } catch (const UsageError& e) {
    err << "pgtruth " << command->name << ": " << e.what() << " (see 'pgtruth " << command->name << " --help')\n";
    return kExitBadInput;
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
