#pragma once
/// \file
/// A finite Markov decision process, as plain data (spec §1).
///
/// Conventions, stated once:
///  * rewards are maximised; r(s, a) is the expected reward of the step (s, a);
///  * a terminal state is absorbing with zero reward: the episode ends on entering it, so
///    v = 0, q = 0 and the occupancy is 0 there, and its transition rows are empty;
///  * the transitions of (s, a) are kept sparse, as a list of outcomes (next state,
///    probability, reward of that outcome); row index s * num_actions + a.

#include <Eigen/Core>
#include <span>
#include <string>
#include <vector>

namespace pgtruth {

using Index = Eigen::Index;

/// One outcome of a step: s' with probability p, earning `reward` (entry plus outcome reward).
struct Outcome {
  Index next = 0;
  double probability = 0.0;
  double reward = 0.0;
};

struct FiniteMdp {
  double gamma = 1.0;
  std::vector<std::string> state_names;
  std::vector<std::string> action_names;
  Eigen::VectorXd start;        ///< initial distribution over states
  std::vector<char> terminal;   ///< terminal[s] != 0 for terminal states
  /// Outcomes of row s*A + a are outcomes[outcome_begin[row] .. outcome_begin[row + 1]).
  std::vector<Index> outcome_begin;
  std::vector<Outcome> outcomes;

  Index num_states() const { return static_cast<Index>(state_names.size()); }
  Index num_actions() const { return static_cast<Index>(action_names.size()); }
  bool is_terminal(Index s) const { return terminal[static_cast<std::size_t>(s)] != 0; }

  std::span<const Outcome> outcomes_of(Index s, Index a) const {
    const auto row = static_cast<std::size_t>(s * num_actions() + a);
    return {outcomes.data() + outcome_begin[row], outcomes.data() + outcome_begin[row + 1]};
  }

  /// r(s, a) = sum_{s'} P(s'|s, a) reward(s, a, s'), an S x A matrix (0 on terminal rows).
  Eigen::MatrixXd expected_reward() const;
};

}  // namespace pgtruth
