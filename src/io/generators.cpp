#include "io/generators.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth::detail {
namespace {

constexpr std::int64_t kMaxStates = 100'000'000;

void name_states(FiniteMdp& mdp, Index S) {
  mdp.state_names.resize(static_cast<std::size_t>(S));
  for (Index s = 0; s < S; ++s) mdp.state_names[static_cast<std::size_t>(s)] = std::to_string(s);
}

/// Room for `rows` rows of at most `outcomes` outcomes in all, each row with one reward.
void reserve(FiniteMdp& mdp, Index rows, Index outcomes) {
  mdp.outcome_begin.reserve(static_cast<std::size_t>(rows) + 1);
  mdp.row_reward.reserve(static_cast<std::size_t>(rows));
  mdp.outcome_next.reserve(static_cast<std::size_t>(outcomes));
  mdp.outcome_probability.reserve(static_cast<std::size_t>(outcomes));
}

/// Gridworld (spec §1): cells row * W + column, row 0 at the top; with probability 1 − slip the
/// intended move, with probability slip one of the four moves uniformly (the intended one
/// included); off-grid moves stay; the bottom-right cell is terminal; start uniform over cells.
struct Gridworld {
  Index width = 0, height = 0;
  double slip = 0.0, step_reward = -1.0;
};

Gridworld read_gridworld(const JsonNode& g) {
  g.expect_keys({"type", "width", "height", "slip", "step_reward"});
  Gridworld p;
  p.width = g.at("width").integer(1, kMaxStates), p.height = g.at("height").integer(1, kMaxStates);
  if (p.width * p.height > kMaxStates) g.fail("width x height must be at most " + std::to_string(kMaxStates) + " cells");
  const auto slip_node = g.find("slip");
  p.slip = slip_node ? slip_node->number() : 0.0;
  if (p.slip < 0.0 || p.slip > 1.0) slip_node->fail("slip must be in [0, 1], found " + format_number(p.slip, 15));
  const auto reward_node = g.find("step_reward");
  if (reward_node) p.step_reward = reward_node->number();
  return p;
}

/// A cell's four rows reach at most its four neighbours and itself, with at most four outcomes
/// a row (one when nothing slips).
FiniteSize gridworld_size(const Gridworld& p) {
  const double S = static_cast<double>(p.width) * static_cast<double>(p.height);
  return {.states = S, .actions = 4, .outcomes = (p.slip > 0 ? 16 : 4) * S, .successor_pairs = 5 * S};
}

void gridworld(const JsonNode& g, FiniteMdp& mdp) {
  const Gridworld params = read_gridworld(g);
  const Index W = params.width, H = params.height;
  const double slip = params.slip, reward = params.step_reward;
  const Index S = W * H;
  name_states(mdp, S);
  mdp.action_names = {"up", "down", "left", "right"};
  mdp.start = Eigen::VectorXd::Constant(S, 1.0 / static_cast<double>(S));
  mdp.terminal.assign(static_cast<std::size_t>(S), 0);
  mdp.terminal[static_cast<std::size_t>(S - 1)] = 1;
  // The cells that the four moves reach from s (off-grid moves stay).
  const auto targets = [&](Index s, Index (&next)[4]) {
    const Index r = s / W, c = s % W;
    next[0] = r > 0 ? s - W : s, next[1] = r < H - 1 ? s + W : s;
    next[2] = c > 0 ? s - 1 : s, next[3] = c < W - 1 ? s + 1 : s;
  };
  // The rows s * 4 + a are written in place, in FiniteMdp's layout for one reward a row
  // (outcome_begin, outcome_next, outcome_probability, row_reward; outcome_reward stays empty):
  // at most four distinct cells a row (the four moves), cell numbers below 10^8 < 2^31.
  const Index rows = S * 4;
  mdp.outcome_begin.resize(static_cast<std::size_t>(rows) + 1);
  mdp.row_reward.resize(static_cast<std::size_t>(rows));
  mdp.outcome_next.resize(static_cast<std::size_t>(rows) * 4);
  mdp.outcome_probability.resize(static_cast<std::size_t>(rows) * 4);
  Index* begin = mdp.outcome_begin.data();
  std::int32_t* cell_of = mdp.outcome_next.data();
  double* probability_of = mdp.outcome_probability.data();
  // Each row's outcomes: the cells the moves reach, merged, those of probability 0 dropped.
  Index k = 0, next[4];
  for (Index s = 0; s < S; ++s) {
    targets(s, next);
    for (int a = 0; a < 4; ++a) {
      begin[s * 4 + a] = k;
      mdp.row_reward[static_cast<std::size_t>(s * 4 + a)] = s == S - 1 ? 0.0 : reward;
      if (s == S - 1) continue;  // the terminal cell's rows: no outcome, no reward
      // Merge moves that land in the same cell, then drop the cells of probability 0.
      const Index first = k;
      const auto add = [&](Index cell, double p) {
        for (Index j = first; j < k; ++j)
          if (cell_of[j] == cell) return void(probability_of[j] += p);
        cell_of[k] = static_cast<std::int32_t>(cell), probability_of[k] = p, ++k;
      };
      add(next[a], 1.0 - slip);
      for (int move = 0; move < 4; ++move) add(next[move], slip / 4.0);
      const Index merged = k;
      k = first;
      for (Index j = first; j < merged; ++j)
        if (probability_of[j] > 0.0) cell_of[k] = cell_of[j], probability_of[k] = probability_of[j], ++k;
    }
  }
  begin[rows] = k;
  mdp.outcome_next.resize(static_cast<std::size_t>(k));
  mdp.outcome_probability.resize(static_cast<std::size_t>(k));
}

struct Garnet {
  Index states = 0, actions = 0, branching = 0;
  std::uint64_t seed = 0;
};

Garnet read_garnet(const JsonNode& g) {
  g.expect_keys({"type", "states", "actions", "branching", "seed"});
  Garnet p;
  p.states = g.at("states").integer(1, kMaxStates), p.actions = g.at("actions").integer(1, 1'000'000);
  p.branching = g.at("branching").integer(1, p.states);
  p.seed = static_cast<std::uint64_t>(g.at("seed").integer(0, std::int64_t{1} << 53));
  return p;
}

/// S x A rows of b outcomes each; a state's A rows reach at most min(S, A b) distinct states.
FiniteSize garnet_size(const Garnet& p) {
  const double S = static_cast<double>(p.states), A = static_cast<double>(p.actions), b = static_cast<double>(p.branching);
  return {.states = S, .actions = A, .outcomes = S * A * b, .successor_pairs = S * std::min(S, A * b)};
}

/// Garnet (Archibald et al. 1995): each (s, a) moves to `branching` distinct states drawn
/// uniformly, with probabilities the gaps of a uniform random partition of [0, 1], and has a
/// reward uniform in [0, 1]; start uniform; no terminal state. The draws come from pgtruth's
/// Rng(seed, 0) in the order s, a, successors, cut points, reward.
///
/// The successors are drawn by rejection: uniform states, a repeat discarded, until b are
/// distinct. A table of the states taken in the current row makes a draw O(1), so a row costs
/// its draws, S (H_S - H_(S-b)) in expectation (H the harmonic numbers): at most b (1 + ln S)
/// even when b = S, where a search of the row's list made it O(b^2 ln b).
void garnet(const JsonNode& g, FiniteMdp& mdp) {
  const Garnet params = read_garnet(g);
  const Index S = params.states, A = params.actions, b = params.branching;
  name_states(mdp, S);
  mdp.action_names.resize(static_cast<std::size_t>(A));
  for (Index a = 0; a < A; ++a) mdp.action_names[static_cast<std::size_t>(a)] = std::to_string(a);
  mdp.start = Eigen::VectorXd::Constant(S, 1.0 / static_cast<double>(S));
  mdp.terminal.assign(static_cast<std::size_t>(S), 0);
  Rng rng(params.seed, 0);
  const auto uniform_index = [&](Index n) { return std::min(n - 1, static_cast<Index>(rng.uniform() * static_cast<double>(n))); };
  reserve(mdp, S * A, S * A * b);
  std::vector<Index> successors;
  std::vector<char> taken(static_cast<std::size_t>(S), 0);  // taken[s'] while s' is in `successors`
  std::vector<double> cuts;
  for (Index s = 0; s < S; ++s)
    for (Index a = 0; a < A; ++a) {
      successors.clear();
      while (static_cast<Index>(successors.size()) < b) {
        const Index next = uniform_index(S);
        if (!taken[static_cast<std::size_t>(next)]) taken[static_cast<std::size_t>(next)] = 1, successors.push_back(next);
      }
      for (const Index next : successors) taken[static_cast<std::size_t>(next)] = 0;
      cuts.assign(1, 0.0);
      for (Index k = 1; k < b; ++k) cuts.push_back(rng.uniform());
      cuts.push_back(1.0);
      std::sort(cuts.begin(), cuts.end());
      const double reward = rng.uniform();
      for (Index k = 0; k < b; ++k) {
        const double p = cuts[static_cast<std::size_t>(k + 1)] - cuts[static_cast<std::size_t>(k)];
        if (p > 0.0) mdp.add_outcome(successors[static_cast<std::size_t>(k)], p, reward);
      }
      mdp.end_row();
    }
}

}  // namespace

FiniteSize generated_size(const JsonNode& generator) {
  generator.expect_object();
  const JsonNode type = generator.at("type");
  const std::string& kind = type.string();
  if (kind == "gridworld") return gridworld_size(read_gridworld(generator));
  if (kind == "garnet") return garnet_size(read_garnet(generator));
  type.fail("unknown generator \"" + kind + "\" (expected \"gridworld\" or \"garnet\")");
}

void generate_mdp(const JsonNode& generator, FiniteMdp& mdp) {
  generator.expect_object();
  const JsonNode type = generator.at("type");
  const std::string& kind = type.string();
  if (kind == "gridworld") return gridworld(generator, mdp);
  if (kind == "garnet") return garnet(generator, mdp);
  type.fail("unknown generator \"" + kind + "\" (expected \"gridworld\" or \"garnet\")");
}

}  // namespace pgtruth::detail
