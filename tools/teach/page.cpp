#include "teach/page.hpp"

#include <utility>

#include "cli/error_source.hpp"
#include "cli/format.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth::teach {

Page::Page(std::string slug_, std::string title_, const TeachOptions& options)
    : slug(std::move(slug_)), title(std::move(title_)), data({{"topic", slug}, {"title", title}, {"seed", options.seed}}) {}

void Page::add_figure(const nlohmann::json& spec, const std::string& caption) {
  data["figures"].push_back(spec);
  const std::string file = spec.at("file").get<std::string>();
  markdown += "![" + caption + "](" + file + ".png)\n\n*" + caption + "* ([SVG](" + file + ".svg))\n\n";
}

std::string Page::render() const {
  return "# " + title + "\n\n" + markdown + "---\nEvery number on this page is in [" + slug + ".json](" + slug +
         ".json); regenerate with `pgtruth teach " + slug + " --out DIR --seed " +
         std::to_string(data.value("seed", std::uint64_t{1})) + "`.\n";
}

const std::vector<Topic>& topics() {
  static const std::vector<Topic> list = {
      {"derivative-estimators", "naive, score-function and reparameterisation gradients of E[x^2 theta]",
       derivative_estimators},
      {"valid-weights", "the valid weights of the score function and their variances", valid_weights},
      {"visitation", "the discounted visitation: restart samples against the exact occupancy", visitation},
      {"discount-bias", "dropping gamma^t: the biased gradient against the exact one, by discount", discount_bias},
      {"stochastic-vs-deterministic", "Todorov's identities on LQG and Theorem 1 on a finite MDP",
       stochastic_vs_deterministic},
      {"optimisation", "exact gradient, natural gradient and policy iteration: J by iteration", optimisation},
      {"corridor", "the short corridor's J(p), its optimum and the published values", corridor},
  };
  return list;
}

std::string cell(double x, int digits) { return cli::significant(x, digits); }

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string t = "|";
  for (const auto& h : header) t += " " + h + " |";
  t += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) t += i == 0 ? " --- |" : " ---: |";
  t += "\n";
  for (const auto& row : rows) {
    t += "|";
    for (const auto& c : row) t += " " + c + " |";
    t += "\n";
  }
  return t + "\n";
}

nlohmann::json to_json(const Eigen::VectorXd& x) { return std::vector<double>(x.data(), x.data() + x.size()); }

CheckOptions check_options(const TeachOptions& options, long episodes) {
  CheckOptions check;
  check.episodes = episodes;
  check.seed = options.seed;
  check.threads = options.threads;
  return check;
}

FiniteSolveOptions finite_solve_options(const TeachOptions& options) {
  FiniteSolveOptions solve;
  solve.threads = options.threads;
  return solve;
}

LqgSolveOptions lqg_solve_options(const TeachOptions& options) {
  LqgSolveOptions solve;
  solve.threads = options.threads;
  return solve;
}

namespace {

/// The problem in cases/FILE, which must be of kind T ("finite" or "LQG" in the message).
template <typename T>
T shipped_case(const TeachOptions& options, const std::string& file, const char* kind) {
  Problem p = load_problem(options.cases / file, options.memory);
  if (!std::holds_alternative<T>(p)) {
    cli::throw_in_file((options.cases / file).string(),
                       InputError("/problem", std::string("pgtruth teach expects ") + kind + " problem here"));
  }
  return std::get<T>(std::move(p));
}

}  // namespace

FiniteProblem finite_case(const TeachOptions& options, const std::string& file) {
  return shipped_case<FiniteProblem>(options, file, "a finite");
}

LqgProblem lqg_case(const TeachOptions& options, const std::string& file) {
  return shipped_case<LqgProblem>(options, file, "an LQG");
}

}  // namespace pgtruth::teach
