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
///
/// The outcomes are stored as parallel arrays in compressed rows, 12 bytes an outcome when
/// every outcome of a row earns the same reward (the reward is then kept once for the row),
/// 20 otherwise: on a million-state gridworld the table is 16 million outcomes, and reading
/// it is a large part of a solve. Build it with add_outcome() and end_row(); read it with
/// outcomes_of().

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
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
  /// 1 - gamma from the file's decimal text, where it is exact to a double and 1 - (the double
  /// nearest gamma) is not (gamma = 0.999999999999 is 1e-12 from 1 as a decimal, 1.00009e-12 as a
  /// double); unset, 1 - gamma. Near gamma = 1 the values scale as 1 / (1 - gamma).
  std::optional<double> gamma_complement;
  double one_minus_gamma() const { return gamma_complement ? *gamma_complement : 1.0 - gamma; }
  std::vector<std::string> state_names;
  std::vector<std::string> action_names;
  Eigen::VectorXd start;        ///< initial distribution over states
  std::vector<char> terminal;   ///< terminal[s] != 0 for terminal states

  /// The outcomes k of row s*A + a are outcome_begin[row] <= k < outcome_begin[row + 1]:
  std::vector<Index> outcome_begin{0};
  std::vector<std::int32_t> outcome_next;   ///< s' of outcome k
  std::vector<double> outcome_probability;  ///< P(s' | s, a) of outcome k
  /// The reward of outcome k: outcome_reward[k], or, while outcome_reward is empty (every
  /// row's outcomes earn one reward), row_reward[row].
  std::vector<double> outcome_reward;
  std::vector<double> row_reward;

  Index num_states() const { return static_cast<Index>(state_names.size()); }
  Index num_actions() const { return static_cast<Index>(action_names.size()); }
  Index num_outcomes() const { return static_cast<Index>(outcome_next.size()); }
  bool is_terminal(Index s) const { return terminal[static_cast<std::size_t>(s)] != 0; }

  /// Appends an outcome to the row being built (rows are built in order s*A + a).
  void add_outcome(Index next, double probability, double reward) {
    if (next < 0 || next > INT32_MAX) throw std::length_error("FiniteMdp: a state index must fit in 32 bits");
    // The common case inline: a further outcome of a row with the reward the row already has.
    const std::size_t row = outcome_begin.size() - 1;
    if (!(outcome_reward.empty() && row_reward.size() == row + 1 && reward == row_reward[row]))
      add_reward(reward);
    outcome_next.push_back(static_cast<std::int32_t>(next));
    outcome_probability.push_back(probability);
  }
  /// Closes the row being built; a row with no outcome (a terminal state's) is closed as well.
  void end_row();

  /// Outcome k, which belongs to row `row` (= s * A + a).
  Outcome outcome(Index row, Index k) const {
    const auto j = static_cast<std::size_t>(k);
    return {outcome_next[j], outcome_probability[j],
            outcome_reward.empty() ? row_reward[static_cast<std::size_t>(row)] : outcome_reward[j]};
  }

  /// The outcomes of one row, as a range of Outcome values.
  class Outcomes {
   public:
    class iterator {
     public:
      using value_type = Outcome;
      using difference_type = std::ptrdiff_t;
      iterator(const FiniteMdp* mdp, Index row, Index k) : mdp_(mdp), row_(row), k_(k) {}
      Outcome operator*() const { return mdp_->outcome(row_, k_); }
      iterator& operator++() { return ++k_, *this; }
      bool operator==(const iterator& other) const { return k_ == other.k_; }

     private:
      const FiniteMdp* mdp_;
      Index row_, k_;
    };
    Outcomes(const FiniteMdp& mdp, Index row)
        : mdp_(&mdp), row_(row), begin_(mdp.outcome_begin[static_cast<std::size_t>(row)]),
          end_(mdp.outcome_begin[static_cast<std::size_t>(row) + 1]) {}
    std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
    bool empty() const { return begin_ == end_; }
    /// The i-th outcome of the row.
    Outcome operator[](std::size_t i) const { return mdp_->outcome(row_, begin_ + static_cast<Index>(i)); }
    iterator begin() const { return {mdp_, row_, begin_}; }
    iterator end() const { return {mdp_, row_, end_}; }

   private:
    const FiniteMdp* mdp_;
    Index row_, begin_, end_;
  };
  Outcomes outcomes_of(Index s, Index a) const { return {*this, s * num_actions() + a}; }

  /// r(s, a) = sum_{s'} P(s'|s, a) reward(s, a, s') of one step.
  double expected_reward(Index s, Index a) const {
    double sum = 0.0;
    for (const Outcome& o : outcomes_of(s, a)) sum += o.probability * o.reward;
    return sum;
  }
  /// r(s, a) for every step, an S x A matrix (0 on terminal rows).
  Eigen::MatrixXd expected_reward() const;

 private:
  /// Records the reward of the outcome being added, in the other cases: the first outcome of a
  /// row sets the row's reward; a second reward in a row switches to one reward an outcome
  /// (those before copied out); from then on each outcome's reward is appended.
  void add_reward(double reward);
};

}  // namespace pgtruth
