#include "io/generator_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "io/format.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth::detail {
namespace {

constexpr std::int64_t kMaxStates = 100'000'000;

/// Gridworld (spec §1): cells row * W + column, row 0 at the top; with probability 1 - slip the
/// intended move, with probability slip one of the four moves uniformly (the intended one
/// included); off-grid moves stay; the bottom-right cell is terminal; start uniform.
class GridworldRows final : public RowGenerator {
 public:
  /// The parameters of "generator", checked: width, height (at most kMaxStates cells), slip in
  /// [0, 1] (default 0), step_reward (default -1).
  explicit GridworldRows(const JsonNode& g) {
    g.expect_keys({"type", "width", "height", "slip", "step_reward"});
    W_ = g.at("width").integer(1, kMaxStates), H_ = g.at("height").integer(1, kMaxStates);
    if (W_ * H_ > kMaxStates) g.fail("width x height must be at most " + std::to_string(kMaxStates) + " cells");
    if (const auto slip = g.find("slip")) {
      slip_ = slip->number();
      if (slip_ < 0.0 || slip_ > 1.0) slip->fail("slip must be in [0, 1], found " + format_number(slip_, 15));
    }
    if (const auto reward = g.find("step_reward")) reward_ = reward->number();
  }
  Index num_states() const override { return W_ * H_; }
  Index num_actions() const override { return 4; }
  std::vector<std::string> action_names() const override { return {"up", "down", "left", "right"}; }
  bool is_terminal(Index s) const override { return s == W_ * H_ - 1; }
  double start(Index) const override { return 1.0 / static_cast<double>(W_ * H_); }
  /// A cell's four rows reach at most its four neighbours and itself, with at most four
  /// outcomes a row (one when nothing slips).
  FiniteSize size() const override {
    const double S = static_cast<double>(W_) * static_cast<double>(H_);
    return {.states = S, .actions = 4, .outcomes = (slip_ > 0 ? 16 : 4) * S, .successor_pairs = 5 * S};
  }

  void for_each_row(Index first, Index end, const RowVisitor& visit) const override {
    std::vector<Outcome> row;
    for (Index s = first; s < end; ++s) {
      const Index r = s / W_, c = s % W_;
      // The cells the four moves (up, down, left, right) reach; off-grid moves stay.
      const Index next[4] = {r > 0 ? s - W_ : s, r < H_ - 1 ? s + W_ : s, c > 0 ? s - 1 : s, c < W_ - 1 ? s + 1 : s};
      for (Index a = 0; a < 4; ++a) {
        row.clear();
        if (!is_terminal(s)) {
          // Moves that land in one cell merged (intended move first), cells of probability 0 dropped.
          const auto add = [&](Index cell, double p) {
            for (Outcome& o : row)
              if (o.next == cell) return void(o.probability += p);
            row.push_back({cell, p, reward_});
          };
          add(next[a], 1.0 - slip_);
          for (int move = 0; move < 4; ++move) add(next[move], slip_ / 4.0);
          std::erase_if(row, [](const Outcome& o) { return !(o.probability > 0.0); });
        }
        visit(s, a, row);
      }
    }
  }

 private:
  Index W_ = 0, H_ = 0;
  double slip_ = 0.0, reward_ = -1.0;
};

/// Garnet (Archibald et al. 1995): each (s, a) moves to `branching` distinct states drawn
/// uniformly, with probabilities the gaps of a uniform random partition of [0, 1], and has a
/// reward uniform in [0, 1]; start uniform; no terminal state. The draws come from pgtruth's
/// Rng(seed, 0) in the order s, a, successors, cut points, reward.
///
/// The successors are drawn by rejection: uniform states, a repeat discarded, until b are
/// distinct. A table of the states taken in the current row makes a draw O(1), so a row costs
/// its draws, S (H_S - H_(S-b)) in expectation (H the harmonic numbers): at most b (1 + ln S)
/// even when b = S, where a search of the row's list made it O(b^2 ln b).
class GarnetRows final : public RowGenerator {
 public:
  /// The parameters of "generator", checked: states (at most kMaxStates), actions, branching
  /// (at most the states), seed (below 2^53).
  explicit GarnetRows(const JsonNode& g) {
    g.expect_keys({"type", "states", "actions", "branching", "seed"});
    S_ = g.at("states").integer(1, kMaxStates), A_ = g.at("actions").integer(1, 1'000'000);
    b_ = g.at("branching").integer(1, S_);
    seed_ = static_cast<std::uint64_t>(g.at("seed").integer(0, std::int64_t{1} << 53));
  }
  Index num_states() const override { return S_; }
  Index num_actions() const override { return A_; }
  bool is_terminal(Index) const override { return false; }
  double start(Index) const override { return 1.0 / static_cast<double>(S_); }
  /// S x A rows of b outcomes each; a state's A rows reach at most min(S, A b) distinct states.
  FiniteSize size() const override {
    const double S = static_cast<double>(S_), A = static_cast<double>(A_), b = static_cast<double>(b_);
    return {.states = S, .actions = A, .outcomes = S * A * b, .successor_pairs = S * std::min(S, A * b)};
  }

  void for_each_row(Index first, Index end, const RowVisitor& visit) const override {
    Rng rng(seed_, 0);
    const auto uniform_index = [&](Index n) {
      return std::min(n - 1, static_cast<Index>(rng.uniform() * static_cast<double>(n)));
    };
    std::vector<Index> successors;
    std::vector<char> taken(static_cast<std::size_t>(S_), 0);
    std::vector<double> cuts;
    std::vector<Outcome> row;
    for (Index s = 0; s < end; ++s)
      for (Index a = 0; a < A_; ++a) {
        successors.clear();
        while (static_cast<Index>(successors.size()) < b_) {
          const Index next = uniform_index(S_);
          if (!taken[static_cast<std::size_t>(next)]) taken[static_cast<std::size_t>(next)] = 1, successors.push_back(next);
        }
        for (const Index next : successors) taken[static_cast<std::size_t>(next)] = 0;
        cuts.assign(1, 0.0);
        for (Index k = 1; k < b_; ++k) cuts.push_back(rng.uniform());
        cuts.push_back(1.0);
        const double reward = rng.uniform();
        if (s < first) continue;  // replayed: the stream passes through the earlier states
        std::sort(cuts.begin(), cuts.end());
        row.clear();
        for (Index k = 0; k < b_; ++k) {
          const double p = cuts[static_cast<std::size_t>(k + 1)] - cuts[static_cast<std::size_t>(k)];
          if (p > 0.0) row.push_back({successors[static_cast<std::size_t>(k)], p, reward});
        }
        visit(s, a, row);
      }
  }

 private:
  Index S_ = 0, A_ = 0, b_ = 0;
  std::uint64_t seed_ = 0;
};

}  // namespace

std::unique_ptr<RowGenerator> make_row_generator(const JsonNode& generator) {
  generator.expect_object();
  const JsonNode type = generator.at("type");
  const std::string& kind = type.string();
  if (kind == "gridworld") return std::make_unique<GridworldRows>(generator);
  if (kind == "garnet") return std::make_unique<GarnetRows>(generator);
  type.fail("unknown generator \"" + kind + "\" (expected \"gridworld\" or \"garnet\")");
}

}  // namespace pgtruth::detail
