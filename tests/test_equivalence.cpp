// Todorov (2025): the stochastic/deterministic identities hold on every shipped case, and the
// check reports a failure when one side is perturbed.
#include <doctest/doctest.h>

#include "pgtruth/equivalence.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

const std::vector<std::string> kLqgCases{"scalar-lqr-stochastic.json", "double-integrator-deterministic.json",
                                         "three-state-stochastic.json"};

}  // namespace

TEST_CASE("LQG (section 3): every identity holds on the shipped cases") {
  for (const std::string& name : kLqgCases) {
    CAPTURE(name);
    const auto problem = std::get<LqgProblem>(load_problem(test::case_path(name)));
    const EquivalenceReport r = lqg_equivalence(solve_both_formulations(problem));
    CHECK(r.identities.size() == 10);
    for (const Identity& i : r.identities) {
      CAPTURE(i.name);
      CHECK(i.holds());
    }
  }
}

TEST_CASE("LQG: perturbing one side of one identity by 1e-6 is reported as a failure") {
  const auto problem = std::get<LqgProblem>(load_problem(test::case_path("three-state-stochastic.json")));
  SUBCASE("the D state moment") {
    LqgPair pair = solve_both_formulations(problem);
    pair.D.state_moment(0, 0) *= 1.0 + 1e-6;
    const EquivalenceReport r = lqg_equivalence(pair);
    CHECK(!r.all_hold());
    CHECK(!r.identities[0].holds());  // visitation
  }
  SUBCASE("the S value constant") {
    LqgPair pair = solve_both_formulations(problem);
    pair.S.value_constant += 1e-6;
    const EquivalenceReport r = lqg_equivalence(pair);
    CHECK(!r.all_hold());
    CHECK(!r.identities[2].holds());  // v_S - v_D
    CHECK(r.identities[0].holds());
  }
}

TEST_CASE("finite MDPs (Theorem 1): the D-MDP of eq. 47 has the same transitions, values, visitation and gradient") {
  for (const std::string& name : test::shipped_cases()) {
    CAPTURE(name);
    const FiniteProblem problem = test::load_case(name);
    const FinitePair pair = solve_both_formulations(problem);
    CHECK(pair.d_mdp.num_actions() == 1);
    const EquivalenceReport r = finite_equivalence(problem, pair);
    CHECK(r.identities.size() == 4);
    CHECK(r.all_hold());
  }
}

TEST_CASE("finite: a D-MDP whose transitions are off by 1e-6 is reported") {
  const FiniteProblem problem = test::load_case("two-state.json");
  FinitePair pair = solve_both_formulations(problem);
  pair.d_mdp.outcome_probability[0] += 1e-6;
  CHECK(!finite_equivalence(problem, pair).identities[0].holds());
}
