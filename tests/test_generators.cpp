// The generated problems of spec §1: the gridworld's dynamics against an independently written
// dense file, and the Garnet family's defining properties.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

FiniteProblem generated(const std::string& generator, double gamma = 0.95) {
  return test::parse_finite(R"({"problem": "finite", "gamma": )" + std::to_string(gamma) + R"(, "generator": )" +
                            generator + R"(, "policy": {"type": "softmax"}})");
}

/// P(s'|s,a) as a dense S x S matrix for action a.
Eigen::MatrixXd transition_matrix(const FiniteMdp& m, Index a) {
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(m.num_states(), m.num_states());
  for (Index s = 0; s < m.num_states(); ++s)
    for (const Outcome& o : m.outcomes_of(s, a)) P(s, o.next) += o.probability;
  return P;
}

}  // namespace

TEST_CASE("gridworld generator: the same dynamics as tools/make_gridworld_case.py wrote into the dense case") {
  const FiniteProblem g = generated(R"({"type": "gridworld", "width": 4, "height": 4, "slip": 0.2, "step_reward": -1})");
  const FiniteProblem dense = test::load_case("slippery-gridworld.json");
  REQUIRE(g.mdp.num_states() == 16);
  CHECK(g.mdp.action_names() == dense.mdp.action_names());
  CHECK(g.mdp.terminal() == dense.mdp.terminal());
  for (Index a = 0; a < 4; ++a) CHECK((transition_matrix(g.mdp, a) - transition_matrix(dense.mdp, a)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((g.mdp.expected_reward() - dense.mdp.expected_reward()).cwiseAbs().maxCoeff() < 1e-14);
  CHECK(g.mdp.start().isApprox(Eigen::VectorXd::Constant(16, 1.0 / 16)));
}

TEST_CASE("gridworld generator: every shape and slip gives the spec's moves, each cell once a row, none of probability 0") {
  // Thin, odd and square grids (the rows are made by halves of the cells) and the slips at
  // which cells merge or vanish: 0 (only the intended move), 1 (the four moves uniformly).
  for (const auto& shape : std::vector<std::pair<int, int>>{{1, 1}, {1, 5}, {3, 1}, {2, 2}, {7, 3}, {5, 6}})
    for (const double slip : {0.0, 0.3, 1.0}) {
      const int W = shape.first, H = shape.second;
      CAPTURE(W);
      CAPTURE(H);
      CAPTURE(slip);
      const FiniteProblem g = generated(R"({"type": "gridworld", "width": )" + std::to_string(W) + R"(, "height": )" +
                                        std::to_string(H) + R"(, "slip": )" + std::to_string(slip) + "}");
      const FiniteMdp& m = g.mdp;
      REQUIRE(m.num_states() == W * H);
      Index outcomes = 0;
      for (int s = 0; s < W * H; ++s)
        for (int a = 0; a < 4; ++a) {
          // Spec §1: the intended move with 1 - slip, each of the four with slip / 4; off-grid stays.
          const int r = s / W, c = s % W;
          const int moves[4] = {r > 0 ? s - W : s, r < H - 1 ? s + W : s, c > 0 ? s - 1 : s, c < W - 1 ? s + 1 : s};
          std::map<int, double> expected;
          if (s != W * H - 1) {  // the bottom-right cell is terminal: no outcome
            expected[moves[a]] += 1.0 - slip;
            for (const int cell : moves) expected[cell] += slip / 4.0;
            std::erase_if(expected, [](const auto& e) { return e.second == 0.0; });
          }
          std::map<int, double> made;
          for (const Outcome& o : m.outcomes_of(s, a)) {
            CHECK(o.probability > 0.0);
            CHECK(made.count(static_cast<int>(o.next)) == 0);  // each cell at most once a row
            made[static_cast<int>(o.next)] = o.probability;
            ++outcomes;
          }
          REQUIRE(made.size() == expected.size());
          for (const auto& [cell, p] : expected) CHECK(made[cell] == doctest::Approx(p).epsilon(1e-15));
        }
      CHECK(outcomes == static_cast<Index>(m.outcome_next().size()));  // no outcome outside a row
    }
}

TEST_CASE("garnet generator: b distinct successors, rows summing to 1, rewards in [0, 1], reproducible by seed") {
  const std::string spec = R"({"type": "garnet", "states": 200, "actions": 3, "branching": 4, "seed": 11})";
  const FiniteProblem g = generated(spec), again = generated(spec);
  const FiniteProblem other = generated(R"({"type": "garnet", "states": 200, "actions": 3, "branching": 4, "seed": 12})");
  for (Index s = 0; s < 200; ++s)
    for (Index a = 0; a < 3; ++a) {
      const auto outcomes = g.mdp.outcomes_of(s, a);
      std::set<Index> next;
      double sum = 0;
      for (const Outcome& o : outcomes) {
        next.insert(o.next);
        sum += o.probability;
        CHECK((o.reward >= 0 && o.reward <= 1));
      }
      CHECK(next.size() == outcomes.size());
      CHECK(outcomes.size() == 4);
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-14));
    }
  CHECK(solve(g.mdp, g.policy).J == solve(again.mdp, again.policy).J);
  CHECK(solve(g.mdp, g.policy).J != solve(other.mdp, other.policy).J);
}

TEST_CASE("generated cases solve, and their gradient matches the policy-gradient-theorem sum") {
  const FiniteProblem grid = test::load_case("gridworld-100x100.json");
  CHECK(grid.mdp.num_states() == 10000);
  const FiniteSolution sol = solve(grid.mdp, grid.policy);
  CHECK(sol.summary.bellman_residual < 1e-14);
  CHECK(sol.summary.flow_residual < 1e-14);
  const FiniteProblem garnet = test::load_case("garnet-1000.json");
  const FiniteSolution gs = solve(garnet.mdp, garnet.policy);
  CHECK(gs.expected_length == doctest::Approx(20.0).epsilon(1e-12));  // no terminal states: 1/(1 - gamma)
  // The policy-gradient theorem's sum with eta and q from value iteration (Sutton et al. 2000).
  const Eigen::MatrixXd pi = test::reference_policy(garnet);
  const test::IterativeEvaluation it = test::evaluate_by_iteration(garnet, pi);
  CHECK(gs.J == doctest::Approx(it.J).epsilon(1e-11));
  Eigen::VectorXd theorem = Eigen::VectorXd::Zero(garnet.policy.num_parameters());
  for (Eigen::Index s = 0; s < garnet.mdp.num_states(); ++s)
    for (Eigen::Index a = 0; a < garnet.mdp.num_actions(); ++a)
      theorem += it.occupancy(s) * it.q(s, a) * test::reference_policy_derivative(garnet, pi, s, a);
  CHECK((gs.gradient - theorem).cwiseAbs().maxCoeff() < 1e-10 * theorem.cwiseAbs().maxCoeff());
}

TEST_CASE("generator parameters are validated with their JSON path") {
  CHECK_THROWS_WITH_AS(generated(R"({"type": "gridworld", "width": 0, "height": 3})"),
                       "test.json: /generator/width: expected an integer from 1 to 100000000, found 0", InputError);
  CHECK_THROWS_WITH_AS(generated(R"({"type": "gridworld", "width": 3, "height": 3, "slip": 1.5})"),
                       "test.json: /generator/slip: slip must be in [0, 1], found 1.5", InputError);
  CHECK_THROWS_WITH_AS(generated(R"({"type": "garnet", "states": 10, "actions": 2, "branching": 11, "seed": 1})"),
                       "test.json: /generator/branching: expected an integer from 1 to 10, found 11", InputError);
  CHECK_THROWS_WITH_AS(generated(R"({"type": "maze"})"),
                       "test.json: /generator/type: unknown generator \"maze\" (expected \"gridworld\" or \"garnet\")",
                       InputError);
}
