// Every malformed problem file gets one line naming the file and the JSON path (spec §1).
#include <doctest/doctest.h>

#include "error_cases.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"

using namespace pgtruth;

TEST_CASE("the valid document behind the error cases loads") {
  CHECK_NOTHROW(parse_problem(test::valid_with("", ""), "x.json"));
}

TEST_CASE("each malformed file is refused with its pinned message") {
  for (const test::ErrorCase& c : test::error_cases()) {
    CAPTURE(c.what);
    CHECK_THROWS_WITH_AS(parse_problem(c.text, "x.json"), c.message.c_str(), pgtruth::Error);
  }
}

TEST_CASE("a file that cannot be read is named") {
  CHECK_THROWS_WITH_AS(load_problem("no/such/file.json"),
                       "no/such/file.json: cannot open the file: No such file or directory", InputError);
  CHECK_THROWS_WITH_AS(load_problem(PGTRUTH_CASES_DIR), doctest::Contains("is a directory"), InputError);
}

TEST_CASE("names, indices, dense and list forms describe the same MDP") {
  // The two-state case in list form with indices: the same numbers as the dense file.
  const Problem list = parse_problem(R"({"problem": "finite", "gamma": 0.9, "states": 2, "actions": 2,
    "start": {"0": 1}, "transitions": [
      {"state": 0, "action": 0, "reward": 1, "next": {"0": 1}},
      {"state": 0, "action": 1, "reward": 0, "next": [{"state": 1, "p": 1}]},
      {"state": "1", "action": "0", "next": {"1": 1}},
      {"state": 1, "action": 1, "next": [{"state": 0, "p": 0.5, "reward": 1}, {"state": "0", "p": 0.5, "reward": 3}]}],
    "policy": {"type": "softmax", "features": "tabular"}})");
  const Problem dense = load_problem(std::string(PGTRUTH_CASES_DIR) + "/two-state.json");
  const FiniteMdp& a = std::get<FiniteProblem>(list).mdp;
  const FiniteMdp& b = std::get<FiniteProblem>(dense).mdp;
  CHECK(a.expected_reward() == b.expected_reward());
  CHECK(a.start() == b.start());
  for (Index s = 0; s < 2; ++s)
    for (Index act = 0; act < 2; ++act) {
      Eigen::Vector2d pa = Eigen::Vector2d::Zero(), pb = Eigen::Vector2d::Zero();
      for (const Outcome& o : a.outcomes_of(s, act)) pa(o.next) += o.probability;
      for (const Outcome& o : b.outcomes_of(s, act)) pb(o.next) += o.probability;
      CHECK(pa == pb);
    }
}

TEST_CASE("dense rows of terminal states are ignored, whatever they hold") {
  CHECK_NOTHROW(parse_problem(R"({"problem": "finite", "gamma": 1, "states": 2, "actions": 1, "start": [1, 0],
    "terminal": [1], "P": [[[0, 1]], [["anything", -3]]], "R": [[-1], "ignored"], "policy": {"type": "softmax"}})"));
}

TEST_CASE("comment keys starting with '_' are allowed anywhere the spec has fixed keys") {
  CHECK_NOTHROW(parse_problem(test::valid_with(R"("gamma": 0.9)", R"("_note": [1, 2], "gamma": 0.9)")));
}
