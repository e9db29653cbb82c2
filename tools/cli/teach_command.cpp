// pgtruth teach (TOPIC | all) --out DIR [options];  pgtruth teach --list
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "cli/help.hpp"
#include "cli/options.hpp"
#include "teach/page.hpp"

#ifndef PGTRUTH_SOURCE_DIR
#define PGTRUTH_SOURCE_DIR "."
#endif

namespace pgtruth::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAbout =
    "Writes a teaching page: DIR/TOPIC.md (Markdown), DIR/TOPIC.json (the data behind every table\n"
    "and figure) and its figures DIR/TOPIC*.png and .svg, drawn by tools/teach_figures.py with\n"
    "matplotlib. `all` writes every topic and DIR/index.md linking them.\n";

constexpr const char* kNotes =
    "Figures run $PGTRUTH_PYTHON (default /usr/bin/python3, which sees Debian's python3-matplotlib)\n"
    "on $PGTRUTH_FIGURE_SCRIPT (default tools/teach_figures.py of the source tree).\n"
    "Exit codes: 0 written; 2 bad usage or unwritable DIR; 3 the figures could not be drawn (the\n"
    "pages and data are written).\n";

struct Settings {
  teach::TeachOptions options;
  std::optional<std::string> out;  ///< --out DIR
  std::optional<std::string> cases;
  bool no_figures = false;
  bool list = false;
};

std::string quoted(const std::string& s) {  // for /bin/sh
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw UsageError("cannot write " + path.string());
}

std::string python() {
  if (const char* p = std::getenv("PGTRUTH_PYTHON")) return p;
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::string figure_script() {
  if (const char* p = std::getenv("PGTRUTH_FIGURE_SCRIPT")) return p;
  return std::string(PGTRUTH_SOURCE_DIR) + "/tools/teach_figures.py";
}

int run_teach(const Settings& s, const std::vector<std::string>& names, std::ostream& out, std::ostream& err) {
  const auto& topics = teach::topics();
  if (s.list) {
    for (const teach::Topic& t : topics) out << t.slug << std::string(30 - std::string(t.slug).size(), ' ') << t.summary << "\n";
    return kExitOk;
  }
  if (names.size() != 1) throw UsageError("give one TOPIC (or all); 'pgtruth teach --list' lists them");
  if (!s.out) throw UsageError("--out DIR is required");
  const std::string& name = names.front();
  std::vector<const teach::Topic*> chosen;
  for (const teach::Topic& t : topics)
    if (name == "all" || name == t.slug) chosen.push_back(&t);
  if (chosen.empty()) throw UsageError("unknown topic '" + name + "'; 'pgtruth teach --list' lists them");

  teach::TeachOptions options = s.options;
  options.cases = s.cases ? fs::path(*s.cases) : fs::path(PGTRUTH_SOURCE_DIR) / "cases";
  const fs::path dir = *s.out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw UsageError("cannot create the directory " + dir.string());

  std::vector<std::string> data_files;
  std::string index = "# pgtruth teaching pages\n\nExact policy-gradient quantities from pgtruth, and the sampled "
                      "estimators people use, side by side. Seed " + std::to_string(options.seed) + ".\n\n";
  for (const teach::Topic* t : chosen) {
    const teach::Page page = t->make(options);
    write_file(dir / (page.slug + ".md"), page.render());
    write_file(dir / (page.slug + ".json"), page.data.dump(1) + "\n");
    data_files.push_back((dir / (page.slug + ".json")).string());
    index += "1. [" + page.title + "](" + page.slug + ".md): " + t->summary + "\n";
    out << "wrote " << (dir / (page.slug + ".md")).string() << "\n";
  }
  if (name == "all") write_file(dir / "index.md", index), out << "wrote " << (dir / "index.md").string() << "\n";

  if (s.no_figures) return kExitOk;
  std::string command = quoted(python()) + " " + quoted(figure_script());
  for (const std::string& f : data_files) command += " " + quoted(f);
  out.flush();
  if (std::system(command.c_str()) != 0) {
    err << "pgtruth teach: drawing the figures failed (" << command
        << "); the pages and data are written; tools/install-deps installs python3-matplotlib, or use --no-figures\n";
    return kExitInternal;
  }
  return kExitOk;
}

Runner declare(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  set_help(app, {"pgtruth teach TOPIC --out DIR [options]", "pgtruth teach all --out DIR [options]", "pgtruth teach --list"},
           kAbout, kNotes);
  add_text(app, "--out", "DIR", s->out, "a directory", "where to write (created if missing)");
  add_integer(app, "--seed", "S", s->options.seed, 0, std::numeric_limits<std::int64_t>::max(),
              "root seed of every sampled number (default 1)");
  add_threads(app, s->options.threads, "sampling and the linear solves");
  add_memory_limit(app, s->options.memory, "a case");
  add_value(app, "--cases", "DIR", "the shipped problem files (default: the source tree's cases/)",
            [s](const std::string& text) { s->cases = text; });
  add_flag(app, "--no-figures", s->no_figures, "write the pages and data only");
  add_flag(app, "--list", s->list, "list the topics");
  return [s, &app](std::ostream& out, std::ostream& err) { return run_teach(*s, operands(app), out, err); };
}

}  // namespace

const Command kTeachCommand = {"teach", "write teaching pages: tables and figures of the theorems at work", &declare};

}  // namespace pgtruth::cli
