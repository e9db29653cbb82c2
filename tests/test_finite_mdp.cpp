// FiniteMdp's outcome table: what FiniteMdpBuilder's add_outcome() and end_row() store is what
// outcomes_of() reads back, whether every row earns one reward (kept once a row) or rewards
// differ within a row (kept once an outcome, the earlier rows' copied out when the first such
// row arrives); add_row() stores what add_outcome() does; build() refuses a table that breaks
// an invariant of the storage, naming it.
#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
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

/// Three states, one action, named a, b, c and go: state 0 earns 1 on both outcomes, state 1 is
/// terminal (an empty row), state 2 earns `last_reward` on its second outcome and 2 on its first.
FiniteMdpBuilder three_rows_builder(double last_reward) {
  FiniteMdpBuilder m(3, 1);
  m.state_names({"a", "b", "c"}).action_names({"go"}).gamma(0.9).start(Eigen::Vector3d(1, 0, 0)).terminal({0, 1, 0});
  m.add_outcome(1, 0.25, 1.0).add_outcome(2, 0.75, 1.0).end_row();
  m.end_row();
  m.add_outcome(0, 0.5, 2.0).add_outcome(1, 0.5, last_reward).end_row();
  return m;
}

FiniteMdp three_rows(double last_reward) { return std::move(three_rows_builder(last_reward)).build(); }

std::vector<double> listed(std::span<const double> x) { return {x.begin(), x.end()}; }

/// The message build() throws, or "" when it builds.
std::string refusal(FiniteMdpBuilder m) {
  try {
    std::move(m).build();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("outcome table: rows whose outcomes share a reward keep it once a row") {
  const FiniteMdp m = three_rows(2.0);
  CHECK(m.outcome_reward().empty());
  CHECK(listed(m.row_reward()) == std::vector<double>{1.0, 0.0, 2.0});
  CHECK(m.num_outcomes() == 4);
  CHECK(same(listed(m, 0, 0), {{1, 0.25, 1.0}, {2, 0.75, 1.0}}));
  CHECK(m.outcomes_of(1, 0).empty());
  CHECK(same(listed(m, 2, 0), {{0, 0.5, 2.0}, {1, 0.5, 2.0}}));
  CHECK(m.outcomes_of(2, 0)[1].next == 1);
}

TEST_CASE("outcome table: a row with two rewards switches to one reward an outcome, earlier rows included") {
  const FiniteMdp m = three_rows(-3.0);
  CHECK(listed(m.outcome_reward()) == std::vector<double>{1.0, 1.0, 2.0, -3.0});
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
  FiniteMdpBuilder b(3, 1);
  b.gamma(0.9).start(Eigen::Vector3d(1, 0, 0)).terminal({0, 1, 0});
  b.add_outcome(1, 0.25, 1.0).add_outcome(2, 0.75, 1.0).end_row().end_row();
  b.add_outcome(0, 0.5, 2.0);
  CHECK_THROWS_AS(b.add_outcome(Index{1} << 32, 1.0, 5.0), std::length_error);
  b.add_outcome(1, 0.5, 2.0).end_row();
  const FiniteMdp m = std::move(b).build();
  CHECK(m.num_outcomes() == 4);
  CHECK(listed(m.row_reward()) == std::vector<double>{1.0, 0.0, 2.0});
  CHECK(m.outcome_reward().empty());
}

TEST_CASE("builder: add_row stores what add_outcome and end_row store, in either reward layout") {
  for (const double last_reward : {2.0, -3.0}) {
    CAPTURE(last_reward);
    const FiniteMdp by_outcome = three_rows(last_reward);
    FiniteMdpBuilder b(3, 1);
    b.state_names({"a", "b", "c"}).action_names({"go"}).gamma(0.9).start(Eigen::Vector3d(1, 0, 0)).terminal({0, 1, 0});
    const std::int32_t next0[] = {1, 2}, next2[] = {0, 1};
    const double p0[] = {0.25, 0.75}, p2[] = {0.5, 0.5}, r2[] = {2.0, last_reward};
    b.add_row(next0, p0, 1.0).end_row().add_row(next2, p2, r2);
    const FiniteMdp by_row = std::move(b).build();
    CHECK(listed(by_row.row_reward()) == listed(by_outcome.row_reward()));
    CHECK(listed(by_row.outcome_reward()) == listed(by_outcome.outcome_reward()));
    for (Index s = 0; s < 3; ++s) CHECK(same(listed(by_row, s, 0), listed(by_outcome, s, 0)));
  }
}

TEST_CASE("builder: names default to 0..n-1, no state is terminal unless flagged, gamma's complement is kept") {
  FiniteMdpBuilder b(2, 2);
  b.gamma(0.999999999999, 1e-12).start(Eigen::Vector2d(0.5, 0.5));
  for (int row = 0; row < 4; ++row) b.add_outcome(row % 2, 1.0, 0.0).end_row();
  const FiniteMdp m = std::move(b).build();
  CHECK(m.state_names() == std::vector<std::string>{"0", "1"});
  CHECK(m.action_names() == std::vector<std::string>{"0", "1"});
  CHECK(m.terminal() == std::vector<char>{0, 0});
  CHECK(m.one_minus_gamma() == 1e-12);  // the decimal complement, not 1 - (the double nearest gamma)
  CHECK(1.0 - m.gamma() != 1e-12);
}

TEST_CASE("builder: build() refuses a table that breaks an invariant of the storage, naming it") {
  CHECK(refusal(three_rows_builder(2.0)) == "");
  CHECK_THROWS_AS(FiniteMdpBuilder(0, 1), std::invalid_argument);
  CHECK_THROWS_AS(FiniteMdpBuilder(Index{1} << 31, 1), std::invalid_argument);
  CHECK_THROWS_AS(FiniteMdpBuilder(1, 0), std::invalid_argument);

  FiniteMdpBuilder too_few_rows = three_rows_builder(2.0);
  too_few_rows.add_outcome(0, 1.0, 0.0);  // an outcome after the last row, never closed
  CHECK(refusal(std::move(too_few_rows)) == "FiniteMdpBuilder: outcomes added after the last row was closed");
  CHECK(refusal(three_rows_builder(2.0).end_row()) == "FiniteMdpBuilder: 4 rows closed for 3 states x 1 actions");

  const auto with_last_row = [](Index next, double p) {
    FiniteMdpBuilder m(3, 1);
    m.gamma(0.9).start(Eigen::Vector3d(1, 0, 0)).terminal({0, 1, 0});
    m.add_outcome(1, 1.0, 0.0).end_row().end_row().add_outcome(next, p, 0.0).end_row();
    return m;
  };
  CHECK(refusal(with_last_row(2, 1.0)) == "");
  CHECK(refusal(with_last_row(3, 1.0)) == "FiniteMdpBuilder: state 2 (\"2\"), action 0 (\"0\"): next state 3 outside [0, 3)");
  CHECK_THROWS_AS(with_last_row(-1, 1.0), std::length_error);  // refused when added: 32 bits cannot hold it
  CHECK(refusal(with_last_row(0, -0.5)).find("probability -0.5") != std::string::npos);
  CHECK(refusal(with_last_row(0, std::nan(""))).find("probability nan") != std::string::npos);
  // Above 1 is not refused: that a row sums to 1 is checked where input is read (sums_to_one).
  CHECK(refusal(with_last_row(0, 1.5)) == "");

  FiniteMdpBuilder terminal_with_outcome(2, 1);
  terminal_with_outcome.gamma(0.9).start(Eigen::Vector2d(1, 0)).terminal({0, 1});
  terminal_with_outcome.add_outcome(1, 1.0, 0.0).end_row().add_outcome(0, 1.0, 0.0).end_row();
  CHECK(refusal(std::move(terminal_with_outcome)) ==
        "FiniteMdpBuilder: state 1 (\"1\"), action 0 (\"0\"): a terminal state's row must be empty");

  CHECK(refusal(three_rows_builder(2.0).state_names({"a", "a", "c"})) ==
        "FiniteMdpBuilder: the state name \"a\" is given twice");
  CHECK(refusal(three_rows_builder(2.0).state_names({"a", "b"})) == "FiniteMdpBuilder: 2 state names for 3 states");
  CHECK(refusal(three_rows_builder(2.0).action_names({""})) == "FiniteMdpBuilder: a action name is empty");
  CHECK(refusal(three_rows_builder(2.0).start(Eigen::Vector2d(1, 0))) ==
        "FiniteMdpBuilder: the start distribution has 2 entries for 3 states");
  CHECK(refusal(three_rows_builder(2.0).terminal({0, 1})) == "FiniteMdpBuilder: 2 terminal flags for 3 states");
  CHECK(refusal(three_rows_builder(2.0).gamma(1.5)).find("gamma must be in (0, 1]") != std::string::npos);
  CHECK(refusal(three_rows_builder(2.0).gamma(1.0, 0.5)).find("1 - gamma") != std::string::npos);
  CHECK(refusal(three_rows_builder(2.0).gamma(1e-320, 1.0)) == "");  // 1 - gamma is 1 to a double

  FiniteMdpBuilder no_gamma(1, 1);
  no_gamma.start(Eigen::VectorXd::Ones(1)).add_outcome(0, 1.0, 0.0).end_row();
  CHECK(refusal(std::move(no_gamma)) == "FiniteMdpBuilder: no gamma given");
}
