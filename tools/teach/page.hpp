#pragma once
// `pgtruth teach`: the theorems of the policy-gradient literature as pages. A topic computes its
// numbers with the engine and returns a Page: Markdown text, the JSON data behind every table and
// figure, and declarative figure specifications that tools/teach_figures.py draws with matplotlib.

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pgtruth/finite/solver.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/sampling/check.hpp"

namespace pgtruth::teach {

struct TeachOptions {
  std::uint64_t seed = 1;
  int threads = 0;                    ///< 0: every core
  std::filesystem::path cases;        ///< where the shipped problem files are
  MemoryLimit memory;                 ///< for loading them
};

struct Page {
  Page() = default;
  /// A page whose data starts as {"topic": slug, "title": title, "seed": options.seed}.
  Page(std::string slug, std::string title, const TeachOptions& options);

  std::string slug;                   ///< file stem: SLUG.md, SLUG.json, SLUG-*.png
  std::string title;
  std::string markdown;               ///< the body, after the title
  /// {"topic", "title", "seed", "tables": {...}, "figures": [spec, ...]}; a figure spec is
  /// {"file", "kind": "lines" | "bars" | "histograms", "title", "xlabel", "ylabel", "series", ...}.
  nlohmann::json data;

  /// Appends a figure spec and its Markdown image link (PNG; the SVG sits beside it).
  void add_figure(const nlohmann::json& spec, const std::string& caption);
  /// The whole page: title, body, and where its data lives.
  std::string render() const;
};

struct Topic {
  const char* slug;
  const char* summary;                ///< one line for `pgtruth teach --list`
  Page (*make)(const TeachOptions&);
};

/// Every topic, in the order of the index page.
const std::vector<Topic>& topics();

/// A number for a table: %.*g with `digits` significant digits.
std::string cell(double x, int digits = 4);
/// A Markdown table.
std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
/// A vector as a JSON array.
nlohmann::json to_json(const Eigen::VectorXd& x);
/// The sampling settings every topic's checks share: `episodes` draws, the page's seed and threads.
CheckOptions check_options(const TeachOptions& options, long episodes);
/// The settings of the topics' exact solves: the page's threads.
FiniteSolveOptions finite_solve_options(const TeachOptions& options);
LqgSolveOptions lqg_solve_options(const TeachOptions& options);
/// A shipped finite problem, by file name (throws pgtruth::Error when it cannot be read).
FiniteProblem finite_case(const TeachOptions& options, const std::string& file);
LqgProblem lqg_case(const TeachOptions& options, const std::string& file);

// The topics (one file each).
Page derivative_estimators(const TeachOptions& options);
Page valid_weights(const TeachOptions& options);
Page visitation(const TeachOptions& options);
Page discount_bias(const TeachOptions& options);
Page stochastic_vs_deterministic(const TeachOptions& options);
Page optimisation(const TeachOptions& options);
Page corridor(const TeachOptions& options);

/// The stochastic-vs-deterministic page's section on Todorov's (2025) learning rule (§3.4,
/// eqs. 42-44): the variance per sample of K_S, K_D and their baselines on the LQG cases.
void add_todorov_learning_rule(Page& page, const TeachOptions& options);

}  // namespace pgtruth::teach
