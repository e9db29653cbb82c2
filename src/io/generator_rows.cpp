#include "io/generator_rows.hpp"

#include <algorithm>
#include <string>

#include "io/generators.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth::detail {
namespace {

/// Gridworld (spec §1): cells row * W + column, row 0 at the top; with probability 1 - slip the
/// intended move, with probability slip one of the four moves uniformly (the intended one
/// included); off-grid moves stay; the bottom-right cell is terminal; start uniform.
class GridworldRows final : public RowGenerator {
 public:
  GridworldRows(Index width, Index height, double slip, double step_reward)
      : W_(width), H_(height), slip_(slip), reward_(step_reward) {}
  Index num_states() const override { return W_ * H_; }
  Index num_actions() const override { return 4; }
  bool is_terminal(Index s) const override { return s == W_ * H_ - 1; }
  double start(Index) const override { return 1.0 / static_cast<double>(W_ * H_); }

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
  Index W_, H_;
  double slip_, reward_;
};

/// Garnet (Archibald et al. 1995), drawn from Rng(seed, 0) in the order s, a, successors (distinct,
/// by rejection), cut points, reward, as generate_mdp draws it.
class GarnetRows final : public RowGenerator {
 public:
  GarnetRows(Index states, Index actions, Index branching, std::uint64_t seed)
      : S_(states), A_(actions), b_(branching), seed_(seed) {}
  Index num_states() const override { return S_; }
  Index num_actions() const override { return A_; }
  bool is_terminal(Index) const override { return false; }
  double start(Index) const override { return 1.0 / static_cast<double>(S_); }

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
  Index S_, A_, b_;
  std::uint64_t seed_;
};

}  // namespace

std::unique_ptr<RowGenerator> make_row_generator(const JsonNode& generator) {
  generated_size(generator);  // checks the type and the parameters with the reader's messages
  const std::string& kind = generator.at("type").string();
  if (kind == "gridworld") {
    const auto slip = generator.find("slip"), reward = generator.find("step_reward");
    return std::make_unique<GridworldRows>(generator.at("width").integer(1, INT64_MAX),
                                           generator.at("height").integer(1, INT64_MAX), slip ? slip->number() : 0.0,
                                           reward ? reward->number() : -1.0);
  }
  return std::make_unique<GarnetRows>(
      generator.at("states").integer(1, INT64_MAX), generator.at("actions").integer(1, INT64_MAX),
      generator.at("branching").integer(1, INT64_MAX),
      static_cast<std::uint64_t>(generator.at("seed").integer(0, std::int64_t{1} << 53)));
}

}  // namespace pgtruth::detail
