#pragma once
/// \file
/// A finite Markov decision process (spec §1): made once by FiniteMdpBuilder, read-only after.
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
/// it is a large part of a solve. Read it with outcomes_of(), or as arrays (outcome_begin() ...).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
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

/// Spec §1: the start distribution, and the transition row of each action of a non-terminal
/// state, sum to 1 within this. A property of the model that input is held to where it is read
/// (the problem-file reader, at the JSON pointer of the row); FiniteMdpBuilder does not check it.
inline constexpr double kProbabilitySumTolerance = 1e-9;
inline bool sums_to_one(double sum) { return std::abs(sum - 1.0) <= kProbabilitySumTolerance; }

class FiniteMdp {
 public:
  /// An MDP of no state, to be assigned one that FiniteMdpBuilder::build() made.
  FiniteMdp() = default;

  Index num_states() const { return static_cast<Index>(state_names_.size()); }
  Index num_actions() const { return static_cast<Index>(action_names_.size()); }
  Index num_outcomes() const { return static_cast<Index>(outcome_next_.size()); }
  const std::vector<std::string>& state_names() const { return state_names_; }
  const std::vector<std::string>& action_names() const { return action_names_; }

  double gamma() const { return gamma_; }
  /// 1 - gamma from the file's decimal text, where it is exact to a double and 1 - (the double
  /// nearest gamma) is not (gamma = 0.999999999999 is 1e-12 from 1 as a decimal, 1.00009e-12 as a
  /// double); unset, 1 - gamma. Near gamma = 1 the values scale as 1 / (1 - gamma).
  std::optional<double> gamma_complement() const { return gamma_complement_; }
  double one_minus_gamma() const { return gamma_complement_ ? *gamma_complement_ : 1.0 - gamma_; }
  /// This MDP with discount `gamma` in (0, 1] instead (1 - gamma then from the double), for a
  /// sweep over the discount; std::invalid_argument outside (0, 1].
  FiniteMdp with_gamma(double gamma) const;

  /// The initial distribution over states.
  const Eigen::VectorXd& start() const { return start_; }
  /// terminal()[s] != 0 for terminal states.
  const std::vector<char>& terminal() const { return terminal_; }
  bool is_terminal(Index s) const { return terminal_[static_cast<std::size_t>(s)] != 0; }

  /// The table as arrays: the outcomes k of row s*A + a are outcome_begin()[row] <= k <
  /// outcome_begin()[row + 1] (S A + 1 entries), with s' = outcome_next()[k] and P(s' | s, a) =
  /// outcome_probability()[k]; the reward of outcome k is outcome_reward()[k], or, while
  /// outcome_reward() is empty (every row's outcomes earn one reward), row_reward()[row].
  std::span<const Index> outcome_begin() const { return outcome_begin_; }
  std::span<const std::int32_t> outcome_next() const { return outcome_next_; }
  std::span<const double> outcome_probability() const { return outcome_probability_; }
  std::span<const double> outcome_reward() const { return outcome_reward_; }
  std::span<const double> row_reward() const { return row_reward_; }

  /// Outcome k, which belongs to row `row` (= s * A + a).
  Outcome outcome(Index row, Index k) const {
    const auto j = static_cast<std::size_t>(k);
    return {outcome_next_[j], outcome_probability_[j],
            outcome_reward_.empty() ? row_reward_[static_cast<std::size_t>(row)] : outcome_reward_[j]};
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
        : mdp_(&mdp), row_(row), begin_(mdp.outcome_begin_[static_cast<std::size_t>(row)]),
          end_(mdp.outcome_begin_[static_cast<std::size_t>(row) + 1]) {}
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
  friend class FiniteMdpBuilder;
  double gamma_ = 1.0;
  std::optional<double> gamma_complement_;
  std::vector<std::string> state_names_, action_names_;
  Eigen::VectorXd start_;
  std::vector<char> terminal_;
  std::vector<Index> outcome_begin_{0};
  std::vector<std::int32_t> outcome_next_;
  std::vector<double> outcome_probability_;
  std::vector<double> outcome_reward_;
  std::vector<double> row_reward_;
};

/// Makes a FiniteMdp: the sizes, then (in any order) names, gamma, start and terminal flags, and
/// the S A rows of outcomes in order s * A + a, each closed by end_row() or given whole by
/// add_row(); then build() checks the invariants of the storage once and hands the arrays over
/// (moved, not copied).
///
/// The checks are for what the engine indexes and divides by without checking; a fault is a
/// programming error of the caller, reported as std::invalid_argument naming the row or state.
/// Input from a user is checked where it is read, so that its error names where it was written
/// (the problem-file reader names the JSON pointer; a binding checks its arrays first). That a row
/// sums to 1 (sums_to_one) is such a check of the input, not of the storage: the equivalence
/// check builds MDPs perturbed off it on purpose.
///
/// From arrays (a dense S x A x S table, or compressed rows of a sparse (S A) x S matrix): call
/// reserve() with the number of outcomes, then add_row() for each row with spans over the
/// caller's arrays (the nonzero entries of the row; outcomes of probability 0 may be left out,
/// as the reader leaves them out). A terminal state's rows must be empty: add them with
/// end_row(), whatever the caller's arrays hold there.
class FiniteMdpBuilder {
 public:
  /// num_states in [1, 2^31 - 1] (a next state is stored in 32 bits), num_actions >= 1;
  /// std::invalid_argument otherwise. States and actions are named "0", "1", ... unless named.
  FiniteMdpBuilder(Index num_states, Index num_actions);

  /// One distinct, non-empty name a state (an action).
  FiniteMdpBuilder& state_names(std::vector<std::string> names);
  FiniteMdpBuilder& action_names(std::vector<std::string> names);
  /// gamma in (0, 1]; `one_minus_gamma`, when gamma < 1, is 1 - gamma from its decimal text
  /// (FiniteMdp::gamma_complement), in (0, 1]. Required.
  FiniteMdpBuilder& gamma(double gamma, std::optional<double> one_minus_gamma = std::nullopt);
  /// The initial distribution: S finite non-negative entries. Required.
  FiniteMdpBuilder& start(Eigen::VectorXd start);
  /// terminal[s] != 0 for a terminal state, S entries; no state is terminal unless given.
  FiniteMdpBuilder& terminal(std::vector<char> terminal);

  /// Room for `outcomes` outcomes in all (the rows' room is known: S A).
  FiniteMdpBuilder& reserve(Index outcomes);
  /// Appends an outcome to the row being built. std::length_error when `next` is outside
  /// [0, 2^31 - 1], which 32 bits hold (nothing is added); a next state past S is found by build().
  FiniteMdpBuilder& add_outcome(Index next, double probability, double reward) {
    if (next < 0 || next > INT32_MAX) length_error(next);
    // The common case inline: a further outcome of a row with the reward the row already has.
    const std::size_t row = m_.outcome_begin_.size() - 1;
    if (!(m_.outcome_reward_.empty() && m_.row_reward_.size() == row + 1 && reward == m_.row_reward_[row]))
      add_reward(reward);
    m_.outcome_next_.push_back(static_cast<std::int32_t>(next));
    m_.outcome_probability_.push_back(probability);
    return *this;
  }
  /// Closes the row being built; a row with no outcome (a terminal state's) is closed as well.
  FiniteMdpBuilder& end_row();
  /// A whole row: outcome i goes to next[i] with probability[i] and earns `reward` (every
  /// outcome of the row the same), or reward[i]. The spans have one size.
  FiniteMdpBuilder& add_row(std::span<const std::int32_t> next, std::span<const double> probability, double reward);
  FiniteMdpBuilder& add_row(std::span<const std::int32_t> next, std::span<const double> probability,
                            std::span<const double> reward);
  /// The rows closed so far.
  Index num_rows() const { return static_cast<Index>(m_.outcome_begin_.size()) - 1; }

  /// Checks, once: names (one a state and an action, distinct, non-empty), gamma and its
  /// complement, start and terminal flags (one a state), S A rows, terminal rows empty, next
  /// states in [0, S), probabilities finite and non-negative. Throws std::invalid_argument
  /// naming the first fault; the builder is left moved from.
  FiniteMdp build() &&;

 private:
  /// Records the reward of the outcome being added, in the other cases: the first outcome of a
  /// row sets the row's reward; a second reward in a row switches to one reward an outcome
  /// (those before copied out); from then on each outcome's reward is appended.
  void add_reward(double reward);
  [[noreturn]] static void length_error(Index next);

  FiniteMdp m_;
  Index num_states_, num_actions_;
  bool has_gamma_ = false, has_start_ = false;
};

}  // namespace pgtruth
