// io/generator_rows.hpp: the rows of a range of states are those of the whole generated MDP
// (io/generators.hpp), outcome for outcome, bit for bit.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "io/generator_rows.hpp"
#include "io/generators.hpp"

namespace {

using namespace pgtruth;

/// Every step of states [first, end) of `rows` equals the step of the whole MDP.
void require_rows_equal(const detail::RowGenerator& rows, const FiniteMdp& mdp, Index first, Index end) {
  REQUIRE(rows.num_states() == mdp.num_states());
  REQUIRE(rows.num_actions() == mdp.num_actions());
  Index visited = 0, expected_s = first, expected_a = 0;
  rows.for_each_row(first, end, [&](Index s, Index a, const std::vector<Outcome>& outcomes) {
    REQUIRE(s == expected_s);
    REQUIRE(a == expected_a);
    expected_a = (a + 1) % mdp.num_actions(), expected_s += expected_a == 0;
    ++visited;
    CHECK(rows.is_terminal(s) == mdp.is_terminal(s));
    CHECK(rows.start(s) == mdp.start()(s));
    const auto whole = mdp.outcomes_of(s, a);
    REQUIRE(outcomes.size() == whole.size());
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      CHECK(outcomes[i].next == whole[i].next);
      CHECK(outcomes[i].probability == whole[i].probability);
      CHECK(outcomes[i].reward == whole[i].reward);
    }
  });
  CHECK(visited == (end - first) * mdp.num_actions());
}

void check_generator(const nlohmann::json& generator) {
  const detail::JsonNode node(generator, "/generator");
  const FiniteMdp mdp = detail::generate_mdp(node, 0.9, std::nullopt);
  const auto rows = detail::make_row_generator(node);
  const Index S = mdp.num_states();
  require_rows_equal(*rows, mdp, 0, S);
  require_rows_equal(*rows, mdp, S / 3, 2 * S / 3 + 1);
  require_rows_equal(*rows, mdp, S - 1, S);
}

}  // namespace

TEST_CASE("generator rows: a gridworld by state range equals the whole gridworld") {
  check_generator({{"type", "gridworld"}, {"width", 7}, {"height", 5}, {"slip", 0.1}, {"step_reward", -2}});
  check_generator({{"type", "gridworld"}, {"width", 1}, {"height", 6}});           // no slip, one column
  check_generator({{"type", "gridworld"}, {"width", 4}, {"height", 4}, {"slip", 1}});  // every move a slip
}

TEST_CASE("generator rows: a Garnet MDP by state range equals the whole Garnet MDP (its stream replayed)") {
  check_generator({{"type", "garnet"}, {"states", 60}, {"actions", 3}, {"branching", 4}, {"seed", 7}});
  check_generator({{"type", "garnet"}, {"states", 9}, {"actions", 2}, {"branching", 9}, {"seed", 0}});
}

TEST_CASE("generator rows: bad parameters are refused with the generator's message") {
  const nlohmann::json bad = {{"type", "gridworld"}, {"width", 0}, {"height", 3}};
  CHECK_THROWS_WITH(detail::make_row_generator(detail::JsonNode(bad, "/generator")),
                    doctest::Contains("/generator/width"));
}
