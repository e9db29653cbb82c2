// Problems without a finite or accurate answer are reported, never returned as numbers.
#include <doctest/doctest.h>

#include <cmath>

#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/io/solution_json.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

/// A corridor s1 - s2 - goal with gamma = 1; `extra` adds states and transitions.
std::string corridor(const std::string& s2_right_next, const std::string& policy,
                     const std::string& extra_states = "", const std::string& extra_transitions = "",
                     const std::string& gamma = "1") {
  return R"({"problem": "finite", "gamma": )" + gamma + R"(, "states": ["s1", "s2", "goal")" + extra_states +
         R"(], "actions": ["left", "right"], "start": {"s1": 1}, "terminal": ["goal"], "transitions": [
    {"state": "s1", "action": "left", "reward": -1, "next": {"s1": 1}},
    {"state": "s1", "action": "right", "reward": -1, "next": {"s2": 1}},
    {"state": "s2", "action": "left", "reward": -1, "next": {"s1": 1}},
    {"state": "s2", "action": "right", "reward": -1, "next": {")" + s2_right_next + R"(": 1}})" +
         extra_transitions + R"(], "policy": )" + policy + "}";
}

}  // namespace

TEST_CASE("gamma = 1 and a policy that never terminates: refused at load, naming the trapped state") {
  // With s2 -> s2 on "right", no path from start reaches the goal.
  CHECK_THROWS_WITH_AS(test::parse_finite(corridor("s2", R"({"type": "softmax"})")),
                       "test.json: /gamma: gamma = 1 but the policy does not reach a terminal state with "
                       "probability 1: from state \"s1\" (reachable from start) no terminal state can be reached",
                       IllPosedError);
  // A direct policy that never moves right from s2 traps the walker in {s1, s2}.
  CHECK_THROWS_WITH_AS(test::parse_finite(corridor("goal", R"({"type": "direct", "theta": [[0.5, 0.5], [1, 0]]})")),
                       "test.json: /gamma: gamma = 1 but the policy does not reach a terminal state with "
                       "probability 1: from state \"s1\" (reachable from start) no terminal state can be reached",
                       IllPosedError);
}

TEST_CASE("gamma = 1: the solver refuses an improper policy given through the library too") {
  const FiniteProblem p = test::parse_finite(corridor("goal", R"({"type": "direct", "theta": [[0.5, 0.5], [0.5, 0.5]]})"));
  FinitePolicy trapped = p.policy;
  trapped.theta << 0.5, 0.5, 1.0, 0.0;
  CHECK_THROWS_AS(solve(p.mdp, trapped), IllPosedError);
}

TEST_CASE("gamma = 1: states unreachable from start that never terminate get undefined (null) values") {
  const FiniteProblem p = test::parse_finite(corridor(
      "goal", R"({"type": "softmax"})", R"(, "island")",
      R"(, {"state": "island", "action": "left", "reward": 1, "next": {"island": 1}},
           {"state": "island", "action": "right", "reward": 1, "next": {"island": 1}})"));
  const FiniteSolution sol = solve(p.mdp, p.policy);
  REQUIRE(sol.undefined_states.size() == 1);
  CHECK(sol.undefined_states[0] == 3);
  CHECK(std::isnan(sol.v(3)));
  CHECK(sol.J == doctest::Approx(-6.0).epsilon(1e-14));  // s1 -> s2 -> goal at p = 1/2: v(s1) = -6
  CHECK(sol.gradient.allFinite());
  const std::string json = finite_solution_json(p, sol, {"v"});
  CHECK(json.find("null") != std::string::npos);
}

TEST_CASE("gamma = 1: an action never taken that leads to a state that never terminates leaves its entry undefined") {
  // From state 0 the policy always takes action 0 (to the terminal state 2); action 1 would
  // enter state 1, which loops forever at reward -1. J = 0 and dJ/dpi(0|0) = 0 are defined;
  // dJ/dpi(1|0) = q(0, 1) is not, and must come back as NaN (null), not as an overflow refusal.
  const FiniteProblem p = test::parse_finite(R"({"problem": "finite", "gamma": 1, "states": 3, "actions": 2,
    "start": [1, 0, 0], "terminal": [2],
    "P": [[[0, 0, 1], [0, 1, 0]], [[0, 1, 0], [0, 1, 0]], [[0, 0, 1], [0, 0, 1]]],
    "R": [[0, 0], [-1, -1], [0, 0]], "policy": {"type": "direct", "theta": [[1, 0], [0.5, 0.5]]}})");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CHECK(sol.J == 0.0);
  REQUIRE(sol.undefined_states.size() == 1);
  CHECK(sol.gradient(0) == 0.0);
  CHECK(std::isnan(sol.gradient(1)));
}

TEST_CASE("a near-singular Bellman system is reported as ill-conditioned, not solved") {
  SUBCASE("gamma = 1 - 1e-15: cond(I - gamma P) ~ 2e15") {
    const FiniteProblem p = test::parse_finite(R"({"problem": "finite", "gamma": 0.999999999999999,
      "states": 1, "actions": 1, "start": [1], "P": [[[1]]], "R": [[1]], "policy": {"type": "softmax"}})");
    CHECK_THROWS_WITH_AS(solve(p.mdp, p.policy), doctest::Contains("ill-conditioned"), IllPosedError);
  }
  SUBCASE("gamma = 1 and an expected episode of 1e16 steps") {
    const FiniteProblem p = test::parse_finite(R"({"problem": "finite", "gamma": 1, "states": ["wait", "done"],
      "actions": ["stay"], "start": [1, 0], "terminal": ["done"],
      "transitions": [{"state": "wait", "action": "stay", "reward": -1, "next": {"wait": 1, "done": 1e-16}}],
      "policy": {"type": "softmax"}})");
    CHECK_THROWS_WITH_AS(solve(p.mdp, p.policy), doctest::Contains("ill-conditioned"), IllPosedError);
  }
}

TEST_CASE("an episode of 1e14 steps with gamma = 1 is solved exactly: M is formed from its row sums") {
  // M = 1 - P(wait|wait) is formed as the probability of leaving, 1e-14, not as 1 - 0.99999999999999
  // (which is 0.99...% off): v(wait) = -1 / 1e-14, as the file's doubles define it.
  const FiniteProblem p = test::parse_finite(R"({"problem": "finite", "gamma": 1, "states": ["wait", "done"],
    "actions": ["stay"], "start": [1, 0], "terminal": ["done"],
    "transitions": [{"state": "wait", "action": "stay", "reward": -1, "next": {"wait": 0.99999999999999, "done": 1e-14}}],
    "policy": {"type": "softmax"}})");
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CHECK(sol.J == doctest::Approx(-1.0 / 1e-14).epsilon(1e-15));
  CHECK(sol.expected_length == doctest::Approx(1.0 / 1e-14).epsilon(1e-15));
}

TEST_CASE("gamma = 1 and a softmax probability of exp(-800): refused, never solved") {
  // pi(right|s2) = exp(-800) rounds to 0, so the only way out takes ~e^800 steps, beyond the
  // double range: mathematically proper, refused as improper in the doubles it is computed in.
  CHECK_THROWS_WITH_AS(test::parse_finite(corridor("goal", R"({"type": "softmax", "theta": [0, 0, 0, -800, 0, 0]})")),
                       doctest::Contains("no terminal state can be reached"), Error);
}
