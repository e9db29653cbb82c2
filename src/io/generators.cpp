#include "io/generators.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "io/format.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth::detail {
namespace {

constexpr std::int64_t kMaxStates = 100'000'000;

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

FiniteMdpBuilder gridworld(const JsonNode& g) {
  const Gridworld params = read_gridworld(g);
  const Index W = params.width, H = params.height;
  const double slip = params.slip, reward = params.step_reward;
  const Index S = W * H;
  FiniteMdpBuilder mdp(S, 4);
  mdp.action_names({"up", "down", "left", "right"});
  mdp.start(Eigen::VectorXd::Constant(S, 1.0 / static_cast<double>(S)));
  std::vector<char> terminal(static_cast<std::size_t>(S), 0);
  terminal[static_cast<std::size_t>(S - 1)] = 1;
  mdp.terminal(std::move(terminal));
  mdp.reserve(S * 4 * 4);  // at most four distinct cells a row (the four moves)
  for (Index s = 0; s < S; ++s) {
    if (s == S - 1) {  // the terminal cell's rows: no outcome
      for (int a = 0; a < 4; ++a) mdp.end_row();
      continue;
    }
    // The cells that the four moves reach from s (off-grid moves stay).
    const Index r = s / W, c = s % W;
    const Index target[4] = {r > 0 ? s - W : s, r < H - 1 ? s + W : s, c > 0 ? s - 1 : s, c < W - 1 ? s + 1 : s};
    for (int a = 0; a < 4; ++a) {
      // Moves that land in the same cell merged, in the order first reached; then the cells of
      // probability 0 dropped.
      std::int32_t cell[5];
      double probability[5];
      int n = 0;
      const auto add = [&](Index next, double p) {
        for (int j = 0; j < n; ++j)
          if (cell[j] == next) return void(probability[j] += p);
        cell[n] = static_cast<std::int32_t>(next), probability[n] = p, ++n;
      };
      add(target[a], 1.0 - slip);
      for (int move = 0; move < 4; ++move) add(target[move], slip / 4.0);
      int kept = 0;
      for (int j = 0; j < n; ++j)
        if (probability[j] > 0.0) cell[kept] = cell[j], probability[kept] = probability[j], ++kept;
      const auto size = static_cast<std::size_t>(kept);
      mdp.add_row(std::span<const std::int32_t>(cell, size), std::span<const double>(probability, size), reward);
    }
  }
  return mdp;
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
FiniteMdpBuilder garnet(const JsonNode& g) {
  const Garnet params = read_garnet(g);
  const Index S = params.states, A = params.actions, b = params.branching;
  FiniteMdpBuilder mdp(S, A);
  mdp.start(Eigen::VectorXd::Constant(S, 1.0 / static_cast<double>(S)));
  mdp.reserve(S * A * b);
  Rng rng(params.seed, 0);
  const auto uniform_index = [&](Index n) { return std::min(n - 1, static_cast<Index>(rng.uniform() * static_cast<double>(n))); };
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
  return mdp;
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

FiniteMdp generate_mdp(const JsonNode& generator, double gamma, std::optional<double> one_minus_gamma) {
  generator.expect_object();
  const JsonNode type = generator.at("type");
  const std::string& kind = type.string();
  if (kind == "gridworld") return std::move(gridworld(generator).gamma(gamma, one_minus_gamma)).build();
  if (kind == "garnet") return std::move(garnet(generator).gamma(gamma, one_minus_gamma)).build();
  type.fail("unknown generator \"" + kind + "\" (expected \"gridworld\" or \"garnet\")");
}

}  // namespace pgtruth::detail
