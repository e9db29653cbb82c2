#include "pgtruth/finite_mdp.hpp"

#include <stdexcept>

namespace pgtruth {

void FiniteMdp::add_outcome(Index next, double probability, double reward) {
  if (next < 0 || next > INT32_MAX) throw std::length_error("FiniteMdp: a state index must fit in 32 bits");
  const std::size_t row = outcome_begin.size() - 1;
  if (!outcome_reward.empty()) {
    outcome_reward.push_back(reward);
  } else if (row_reward.size() == row) {  // the row's first outcome sets its reward
    row_reward.push_back(reward);
  } else if (reward != row_reward[row]) {
    // Two rewards in one row: from now on one reward an outcome, those before copied out.
    outcome_reward.reserve(outcome_next.capacity());
    for (std::size_t r = 0; r <= row; ++r) {
      const auto end = r < row ? outcome_begin[r + 1] : num_outcomes();
      outcome_reward.insert(outcome_reward.end(), static_cast<std::size_t>(end - outcome_begin[r]), row_reward[r]);
    }
    outcome_reward.push_back(reward);
    row_reward.clear();
  }
  outcome_next.push_back(static_cast<std::int32_t>(next));
  outcome_probability.push_back(probability);
}

void FiniteMdp::end_row() {
  if (outcome_reward.empty() && row_reward.size() + 1 == outcome_begin.size()) row_reward.push_back(0.0);
  outcome_begin.push_back(num_outcomes());
}

Eigen::MatrixXd FiniteMdp::expected_reward() const {
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero(num_states(), num_actions());
  for (Index s = 0; s < num_states(); ++s)
    for (Index a = 0; a < num_actions(); ++a) {
      double sum = 0.0;
      for (const Outcome& o : outcomes_of(s, a)) sum += o.probability * o.reward;
      r(s, a) = sum;
    }
  return r;
}

}  // namespace pgtruth
