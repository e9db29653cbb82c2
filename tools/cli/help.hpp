#pragma once
// The help of pgtruth and of each command, made by CLI11 from the declared options in the
// layout of a manual page: the usage lines, what the command does, its options (each with its
// meaning, range and default), and the closing notes (exit codes, an example).

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

namespace pgtruth::cli {

class HelpFormatter : public CLI::Formatter {
 public:
  /// `usage`: the usage lines, without "Usage: "; `about`: what the command does, shown after
  /// them (the top level shows its description before them instead).
  HelpFormatter(std::vector<std::string> usage, std::string about);

  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;

 private:
  std::string options_section(const CLI::App& app) const;
  std::string commands_section(const CLI::App& app) const;

  std::vector<std::string> usage_;
  std::string about_;
};

/// Gives `app` the help layout above: its usage lines, what it does, and the notes that close
/// the help (exit codes, an example), kept as the app's footer.
void set_help(CLI::App& app, std::vector<std::string> usage, std::string about, std::string notes);

}  // namespace pgtruth::cli
