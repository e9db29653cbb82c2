#include "pgtruth/finite/mdp.hpp"

namespace pgtruth {

void FiniteMdp::add_reward(double reward) {
  const std::size_t row = outcome_begin.size() - 1;
  if (!outcome_reward.empty()) return outcome_reward.push_back(reward);
  if (row_reward.size() == row) return row_reward.push_back(reward);
  outcome_reward.reserve(outcome_next.capacity());
  for (std::size_t r = 0; r <= row; ++r) {
    const auto end = r < row ? outcome_begin[r + 1] : num_outcomes();
    outcome_reward.insert(outcome_reward.end(), static_cast<std::size_t>(end - outcome_begin[r]), row_reward[r]);
  }
  outcome_reward.push_back(reward);
  row_reward.clear();
}

void FiniteMdp::end_row() {
  if (outcome_reward.empty() && row_reward.size() + 1 == outcome_begin.size()) row_reward.push_back(0.0);
  outcome_begin.push_back(num_outcomes());
}

Eigen::MatrixXd FiniteMdp::expected_reward() const {
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero(num_states(), num_actions());
  for (Index s = 0; s < num_states(); ++s)
    for (Index a = 0; a < num_actions(); ++a) r(s, a) = expected_reward(s, a);
  return r;
}

}  // namespace pgtruth
