#include "cli/help.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

namespace pgtruth::cli {
namespace {

constexpr std::size_t kLineWidth = 100;

/// "--keys K1,K2", "--help, -h": the long names, then the short ones, then the value's name.
std::string option_label(const CLI::Option& opt) {
  std::string label;
  for (const std::string& name : opt.get_lnames()) label += (label.empty() ? "--" : ", --") + name;
  for (const std::string& name : opt.get_snames()) label += (label.empty() ? "-" : ", -") + name;
  if (!opt.get_option_text().empty()) label += " " + opt.get_option_text();
  return label;
}

/// `label` in a column of `indent` characters, then `text` wrapped at kLineWidth with every
/// further line indented to the column (a label too wide for it gets two spaces).
std::string entry(const std::string& label, const std::string& text, std::size_t indent) {
  std::string out = "  " + label;
  out += out.size() + 2 <= indent ? std::string(indent - out.size(), ' ') : "  ";
  std::size_t line_length = out.size();
  std::istringstream words(text);
  bool first = true;
  for (std::string word; words >> word; first = false) {
    if (!first && line_length + 1 + word.size() > kLineWidth) {
      out += "\n" + std::string(indent, ' ');
      line_length = indent;
    } else if (!first) {
      out += " ";
      ++line_length;
    }
    out += word;
    line_length += word.size();
  }
  return out + "\n";
}

}  // namespace

HelpFormatter::HelpFormatter(std::vector<std::string> usage, std::string about)
    : usage_(std::move(usage)), about_(std::move(about)) {}

std::string HelpFormatter::options_section(const CLI::App& app) const {
  const auto options = app.get_options([](const CLI::Option* o) { return o->nonpositional(); });
  if (options.empty()) return "";
  std::size_t indent = 0;
  for (const CLI::Option* o : options) indent = std::max(indent, 2 + option_label(*o).size() + 2);
  std::string out = "Options:\n";
  for (const CLI::Option* o : options) out += entry(option_label(*o), o->get_description(), indent);
  return out;
}

std::string HelpFormatter::commands_section(const CLI::App& app) const {
  const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
  if (commands.empty()) return "";
  std::size_t indent = 0;
  for (const CLI::App* c : commands) indent = std::max(indent, 2 + c->get_name().size() + 2);
  std::string out = "Commands:\n";
  for (const CLI::App* c : commands) out += entry(c->get_name(), c->get_description(), indent);
  return out;
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
  std::string usage;
  for (const std::string& line : usage_) usage += (usage.empty() ? "Usage: " : "       ") + line + "\n";
  // The top level introduces itself before its usage; a command says what it does after it
  // (its description is its one line in the list of commands).
  std::vector<std::string> sections = {usage, about_};
  if (app->get_parent() == nullptr) std::swap(sections[0], sections[1]);
  sections.insert(sections.end(), {commands_section(*app), options_section(*app), app->get_footer()});
  std::string out;
  for (std::string& section : sections) {
    if (section.empty()) continue;
    if (section.back() != '\n') section += "\n";
    out += (out.empty() ? "" : "\n") + section;
  }
  return out;
}

void set_help(CLI::App& app, std::vector<std::string> usage, std::string about, std::string notes) {
  app.formatter(std::make_shared<HelpFormatter>(std::move(usage), std::move(about)));
  app.footer(std::move(notes));
}

}  // namespace pgtruth::cli
