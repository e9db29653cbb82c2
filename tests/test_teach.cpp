// `pgtruth teach`: every topic renders, and the numbers on its page are the ones the theory
// gives, checked against independent computations (value iteration, closed forms, exact moments).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli.hpp"
#include "support.hpp"
#include "teach/page.hpp"

namespace {

using pgtruth::teach::cell;
using pgtruth::teach::Page;

pgtruth::teach::TeachOptions options() {
  pgtruth::teach::TeachOptions o;
  o.seed = 1;
  o.cases = PGTRUTH_CASES_DIR;
  return o;
}

/// Each page is computed once and shared by the test cases.
const Page& page(const std::string& slug) {
  static std::map<std::string, Page> pages;
  if (!pages.count(slug))
    for (const auto& t : pgtruth::teach::topics())
      if (slug == t.slug) pages[slug] = t.make(options());
  REQUIRE(pages.count(slug));
  return pages[slug];
}

bool page_shows(const Page& p, const std::string& text) { return p.markdown.find(text) != std::string::npos; }

/// max_pi J by value iteration, v <- max_a r + gamma P v, until it stops changing.
double optimal_J_by_value_iteration(const pgtruth::FiniteProblem& p) {
  const auto& mdp = p.mdp;
  const Eigen::MatrixXd r = mdp.expected_reward();
  Eigen::VectorXd v = Eigen::VectorXd::Zero(mdp.num_states());
  for (int it = 0; it < 100000; ++it) {
    Eigen::VectorXd next = Eigen::VectorXd::Zero(mdp.num_states());
    for (Eigen::Index s = 0; s < mdp.num_states(); ++s) {
      if (mdp.is_terminal(s)) continue;
      double best = -INFINITY;
      for (Eigen::Index a = 0; a < mdp.num_actions(); ++a) {
        double q = r(s, a);
        for (const auto& o : mdp.outcomes_of(s, a)) q += mdp.gamma() * o.probability * v(o.next);
        best = std::max(best, q);
      }
      next(s) = best;
    }
    const double change = (next - v).cwiseAbs().maxCoeff();
    v = next;
    if (change < 1e-14) break;
  }
  return mdp.start().dot(v);
}

}  // namespace

TEST_CASE("teach: every topic renders a page with data, and its figures are declared with their data") {
  for (const auto& t : pgtruth::teach::topics()) {
    CAPTURE(t.slug);
    const Page& p = page(t.slug);
    CHECK(p.slug == t.slug);
    CHECK(p.render().rfind("# " + p.title + "\n", 0) == 0);
    CHECK(p.markdown.size() > 500);
    CHECK(p.data.at("tables").size() >= 1);
    if (p.data.contains("figures"))
      for (const auto& f : p.data["figures"]) {
        CHECK(page_shows(p, "(" + f["file"].get<std::string>() + ".png)"));
        CHECK(!f.at("series").empty());
      }
  }
}

TEST_CASE("teach derivative-estimators: exact bias -2 for the naive estimator, sampled moments match the exact ones") {
  const Page& p = page("derivative-estimators");
  for (const auto& row : p.data["tables"]["estimators"]) {
    CAPTURE(row["estimator"].get<std::string>());
    const double exact_bias = row["exact_bias"], sampled_bias = row["sampled_bias"];
    CHECK(std::abs(sampled_bias - exact_bias) < 4.0 * row["standard_error_of_bias"].get<double>());
    // 1000 trials: the sample variance of near-normal batch means has relative s.d. ~4.5%.
    CHECK(row["sampled_variance"].get<double>() == doctest::Approx(row["exact_variance"].get<double>()).epsilon(0.15));
    CHECK(page_shows(p, "| " + cell(row["sampled_variance"]) + " |"));  // the page shows the data
  }
  CHECK(p.data["tables"]["estimators"][0]["exact_bias"].get<double>() == doctest::Approx(-2.0).epsilon(1e-12));
  // Exact per-sample variances at theta = 1 from the moments of N(1, 1): Var(x^2) = 6,
  // Var(x^2 + 2x) = Var((x+1)^2) = 18 (x+1 ~ N(2,1): 4*4 + 2), and 60 for the score function.
  CHECK(p.data["tables"]["estimators"][0]["exact_variance_per_sample"].get<double>() == doctest::Approx(6.0));
  CHECK(p.data["tables"]["estimators"][2]["exact_variance_per_sample"].get<double>() == doctest::Approx(18.0));
}

TEST_CASE("teach valid-weights: every weight is consistent with the exact gradient, and the page shows the data") {
  const Page& p = page("valid-weights");
  for (const char* problem : {"corridor", "gridworld"})
    for (const auto& row : p.data["tables"][problem]) {
      CAPTURE(row["estimator"].get<std::string>());
      CHECK(row["verdict"] == "consistent");
      CHECK(row["p_value"].get<double>() > 1e-3);
      CHECK(page_shows(p, "| " + cell(row["variance_per_episode"]) + " |"));
    }
  // The advantage has the exact critic: by far the smallest variance of the score-function family.
  CHECK(p.data["tables"]["gridworld"][5]["relative_efficiency"].get<double>() > 50.0);
}

TEST_CASE("teach visitation: restart samples follow the exact d, and eta satisfies the balance equation") {
  const Page& p = page("visitation");
  CHECK(p.data["p_value"].get<double>() > 1e-3);
  CHECK(p.data["balance_residual"].get<double>() < 1e-13);
  double total = 0.0;
  for (const auto& row : p.data["tables"]["states"]) total += row["visitation"].get<double>();
  CHECK(total == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(page_shows(p, cell(p.data["chi_squared"])));
}

TEST_CASE("teach discount-bias: the samples follow the biased mean, which equals the gradient only at gamma = 1") {
  const Page& p = page("discount-bias");
  for (const auto& row : p.data["tables"]["by_gamma"]) {
    const double gamma = row["gamma"];
    CAPTURE(gamma);
    CHECK(row["p_value_vs_expected"].get<double>() > 1e-3);
    if (gamma == 1.0) CHECK(row["relative_bias"].get<double>() < 1e-10);  // DP mean vs Bellman solve
    if (gamma <= 0.9) CHECK(row["p_value_vs_exact"].get<double>() < 1e-6);
  }
}

TEST_CASE("teach stochastic-vs-deterministic: every identity holds") {
  const Page& p = page("stochastic-vs-deterministic");
  for (const char* part : {"lqg", "finite"}) {
    CHECK(p.data["tables"][part].size() >= 4);
    for (const auto& row : p.data["tables"][part]) CHECK(row["holds"].get<bool>());
  }
}

TEST_CASE("teach stochastic-vs-deterministic: Todorov's four estimators on six LQG files, none inconsistent, variances measured") {
  const Page& p = page("stochastic-vs-deterministic");
  const auto& rows = p.data["tables"]["learning_rule"];
  CHECK(rows.size() == 36);  // 6 files x (reinforce-rtg, dpg and the four)
  int todorov = 0;
  for (const auto& row : rows) {
    CAPTURE(row.dump());
    CHECK(row["verdict"].get<std::string>() != "inconsistent");
    const double v = row["variance_per_sample"].get<double>();
    CHECK((std::isfinite(v) && v > 0));
    todorov += row["estimator"].get<std::string>().rfind("todorov-", 0) == 0;
  }
  CHECK(todorov == 24);
}

TEST_CASE("teach optimisation: policy iteration reaches the value-iteration optimum; ascent never passes it") {
  const Page& p = page("optimisation");
  const double optimum = optimal_J_by_value_iteration(pgtruth::test::load_case("slippery-gridworld.json"));
  const auto& grid = p.data["tables"]["gridworld"];
  CHECK(grid["policy_iteration"].back().get<double>() == doctest::Approx(optimum).epsilon(1e-12));
  for (const char* method : {"gradient_ascent", "natural_gradient_ascent"}) {
    const std::vector<double> J = grid[method];
    for (std::size_t k = 1; k < J.size(); ++k) CHECK(J[k] >= J[k - 1] - 1e-12);
    CHECK(J.back() <= optimum + 1e-9);
  }
  const auto& corridor = p.data["tables"]["corridor"];
  CHECK(corridor["natural_gradient_ascent"].back().get<double>() ==
        doctest::Approx(-(6.0 + 4.0 * std::sqrt(2.0))).epsilon(1e-9));
  CHECK(corridor["policy_iteration"].back().get<double>() ==
        doctest::Approx(optimal_J_by_value_iteration(pgtruth::test::load_case("short-corridor.json"))));
}

TEST_CASE("teach corridor: the optimum is p = 2 - sqrt(2), J = -(6 + 4 sqrt(2)) (Sutton & Barto, Example 13.1)") {
  const Page& p = page("corridor");
  CHECK(p.data["optimum"]["p"].get<double>() == doctest::Approx(2.0 - std::sqrt(2.0)).epsilon(1e-6));
  CHECK(p.data["optimum"]["J"].get<double>() == doctest::Approx(-(6.0 + 4.0 * std::sqrt(2.0))).epsilon(1e-12));
  CHECK(p.data["max_relative_deviation_from_closed_form"].get<double>() < 1e-12);
  CHECK(page_shows(p, cell(p.data["optimum"]["J"], 8)));
}

TEST_CASE("pgtruth teach: --list, usage errors, and all pages with an index") {
  std::ostringstream out, err;
  CHECK(pgtruth::cli::run({"teach", "--list"}, out, err) == 0);
  const std::string list = out.str();
  CHECK(std::count(list.begin(), list.end(), '\n') == static_cast<long>(pgtruth::teach::topics().size()));
  std::ostringstream out2, err2;
  CHECK(pgtruth::cli::run({"teach", "no-such-topic", "--out", "x"}, out2, err2) == 2);
  CHECK(err2.str().find("unknown topic 'no-such-topic'") != std::string::npos);
  std::ostringstream out3, err3;
  CHECK(pgtruth::cli::run({"teach", "corridor"}, out3, err3) == 2);

  const auto dir = std::filesystem::temp_directory_path() / ("pgtruth-teach-" + std::to_string(::getpid()));
  std::ostringstream out4, err4;
  REQUIRE(pgtruth::cli::run({"teach", "all", "--out", dir.string(), "--no-figures", "--cases", PGTRUTH_CASES_DIR},
                            out4, err4) == 0);
  std::ifstream index(dir / "index.md");
  std::stringstream text;
  text << index.rdbuf();
  for (const auto& t : pgtruth::teach::topics()) {
    CHECK(text.str().find(std::string("(") + t.slug + ".md)") != std::string::npos);
    CHECK(std::filesystem::exists(dir / (std::string(t.slug) + ".json")));
  }
  std::filesystem::remove_all(dir);
}
