// FiniteMdp's outcome table: what add_outcome() and end_row() store is what outcomes_of() reads
// back, whether every row earns one reward (kept once a row) or rewards differ within a row
// (kept once an outcome, the earlier rows' copied out when the first such row arrives).
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "pgtruth/finite/mdp.hpp"

using namespace pgtruth;

namespace {

/// The outcomes of row (s, a) as a plain list, for comparison.
std::vector<Outcome> listed(const FiniteMdp& m, Index s, Index a) {
  std::vector<Outcome> out;
  for (const Outcome& o : m.outcomes_of(s, a)) out.push_back(o);
  return out;
}

bool same(const std::vector<Outcome>& x, const std::vector<Outcome>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].next != y[i].next || x[i].probability != y[i].probability || x[i].reward != y[i].reward) return false;
  return true;
}

/// Three states, one action: state 0 earns 1 on both outcomes, state 1 is terminal (an empty
/// row), state 2 earns `last_reward` on its second outcome and 2 on its first.
FiniteMdp three_rows(double last_reward) {
  FiniteMdp m;
  m.state_names = {"a", "b", "c"}, m.action_names = {"go"};
  m.add_outcome(1, 0.25, 1.0), m.add_outcome(2, 0.75, 1.0), m.end_row();
  m.end_row();
  m.add_outcome(0, 0.5, 2.0), m.add_outcome(1, 0.5, last_reward), m.end_row();
  return m;
}

}  // namespace

TEST_CASE("outcome table: rows whose outcomes share a reward keep it once a row") {
  const FiniteMdp m = three_rows(2.0);
  CHECK(m.outcome_reward.empty());
  CHECK(m.row_reward == std::vector<double>{1.0, 0.0, 2.0});
  CHECK(m.num_outcomes() == 4);
  CHECK(same(listed(m, 0, 0), {{1, 0.25, 1.0}, {2, 0.75, 1.0}}));
  CHECK(m.outcomes_of(1, 0).empty());
  CHECK(same(listed(m, 2, 0), {{0, 0.5, 2.0}, {1, 0.5, 2.0}}));
  CHECK(m.outcomes_of(2, 0)[1].next == 1);
}

TEST_CASE("outcome table: a row with two rewards switches to one reward an outcome, earlier rows included") {
  const FiniteMdp m = three_rows(-3.0);
  CHECK(m.outcome_reward == std::vector<double>{1.0, 1.0, 2.0, -3.0});
  CHECK(same(listed(m, 0, 0), {{1, 0.25, 1.0}, {2, 0.75, 1.0}}));
  CHECK(m.outcomes_of(1, 0).empty());
  CHECK(same(listed(m, 2, 0), {{0, 0.5, 2.0}, {1, 0.5, -3.0}}));
  CHECK(m.outcomes_of(2, 0)[1].reward == -3.0);
}

TEST_CASE("outcome table: expected_reward is sum_k p_k reward_k in either storage") {
  const Eigen::MatrixXd one = three_rows(2.0).expected_reward(), two = three_rows(-3.0).expected_reward();
  CHECK(one(0, 0) == 1.0);
  CHECK(one(1, 0) == 0.0);
  CHECK(one(2, 0) == 2.0);
  CHECK(two(2, 0) == 0.5 * 2.0 + 0.5 * -3.0);
}

TEST_CASE("outcome table: a state index past 32 bits is refused and leaves the table as it was") {
  FiniteMdp m = three_rows(2.0);
  m.state_names.push_back("d");
  CHECK_THROWS_AS(m.add_outcome(Index{1} << 32, 1.0, 5.0), std::length_error);
  CHECK(m.num_outcomes() == 4);
  CHECK(m.row_reward == std::vector<double>{1.0, 0.0, 2.0});
  CHECK(m.outcome_reward.empty());
}
