#include "pgtruth/finite/mdp.hpp"

#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace pgtruth {
namespace {

[[noreturn]] void fault(const std::string& what) { throw std::invalid_argument("FiniteMdpBuilder: " + what); }

/// "state 3 (\"c\"), action 1 (\"right\")" for a message about row s * A + a.
std::string describe_row(const FiniteMdp& m, std::size_t row) {
  const auto A = static_cast<std::size_t>(m.num_actions());
  return "state " + std::to_string(row / A) + " (\"" + m.state_names()[row / A] + "\"), action " +
         std::to_string(row % A) + " (\"" + m.action_names()[row % A] + "\")";
}

void check_gamma(double gamma) {
  if (!(gamma > 0.0 && gamma <= 1.0)) fault("gamma must be in (0, 1], found " + std::to_string(gamma));
}

std::vector<std::string> numbered(Index n) {
  std::vector<std::string> names(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) names[static_cast<std::size_t>(i)] = std::to_string(i);
  return names;
}

void check_names(const std::vector<std::string>& names, Index count, const std::string& what) {
  if (static_cast<Index>(names.size()) != count)
    fault(std::to_string(names.size()) + " " + what + " names for " + std::to_string(count) + " " + what + "s");
  std::unordered_set<std::string_view> seen;
  seen.reserve(names.size());
  for (const std::string& name : names) {
    if (name.empty()) fault("a " + what + " name is empty");
    if (!seen.insert(name).second) fault("the " + what + " name \"" + name + "\" is given twice");
  }
}

}  // namespace

Eigen::MatrixXd FiniteMdp::expected_reward() const {
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero(num_states(), num_actions());
  for (Index s = 0; s < num_states(); ++s)
    for (Index a = 0; a < num_actions(); ++a) r(s, a) = expected_reward(s, a);
  return r;
}

FiniteMdp FiniteMdp::with_gamma(double gamma) const {
  check_gamma(gamma);
  FiniteMdp m = *this;
  m.gamma_ = gamma, m.gamma_complement_.reset();
  return m;
}

FiniteMdpBuilder::FiniteMdpBuilder(Index num_states, Index num_actions)
    : num_states_(num_states), num_actions_(num_actions) {
  if (num_states < 1 || num_states > INT32_MAX)
    fault("the number of states must be in [1, 2^31 - 1], found " + std::to_string(num_states));
  if (num_actions < 1) fault("the number of actions must be at least 1, found " + std::to_string(num_actions));
}

FiniteMdpBuilder& FiniteMdpBuilder::state_names(std::vector<std::string> names) {
  m_.state_names_ = std::move(names);
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::action_names(std::vector<std::string> names) {
  m_.action_names_ = std::move(names);
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::gamma(double gamma, std::optional<double> one_minus_gamma) {
  m_.gamma_ = gamma, m_.gamma_complement_ = one_minus_gamma, has_gamma_ = true;
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::start(Eigen::VectorXd start) {
  m_.start_ = std::move(start), has_start_ = true;
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::terminal(std::vector<char> terminal) {
  m_.terminal_ = std::move(terminal);
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::reserve(Index outcomes) {
  const auto rows = static_cast<std::size_t>(num_states_ * num_actions_);
  m_.outcome_begin_.reserve(rows + 1);
  m_.row_reward_.reserve(rows);
  m_.outcome_next_.reserve(static_cast<std::size_t>(outcomes));
  m_.outcome_probability_.reserve(static_cast<std::size_t>(outcomes));
  return *this;
}

void FiniteMdpBuilder::length_error(Index next) {
  throw std::length_error("FiniteMdpBuilder: a next state must be in [0, 2^31 - 1] (32 bits), found " + std::to_string(next));
}

void FiniteMdpBuilder::add_reward(double reward) {
  FiniteMdp& m = m_;
  const std::size_t row = m.outcome_begin_.size() - 1;
  if (!m.outcome_reward_.empty()) return m.outcome_reward_.push_back(reward);
  if (m.row_reward_.size() == row) return m.row_reward_.push_back(reward);
  m.outcome_reward_.reserve(m.outcome_next_.capacity());
  for (std::size_t r = 0; r <= row; ++r) {
    const auto end = r < row ? m.outcome_begin_[r + 1] : m.num_outcomes();
    m.outcome_reward_.insert(m.outcome_reward_.end(), static_cast<std::size_t>(end - m.outcome_begin_[r]), m.row_reward_[r]);
  }
  m.outcome_reward_.push_back(reward);
  m.row_reward_.clear();
}

FiniteMdpBuilder& FiniteMdpBuilder::end_row() {
  FiniteMdp& m = m_;
  if (m.outcome_reward_.empty() && m.row_reward_.size() + 1 == m.outcome_begin_.size()) m.row_reward_.push_back(0.0);
  m.outcome_begin_.push_back(m.num_outcomes());
  return *this;
}

FiniteMdpBuilder& FiniteMdpBuilder::add_row(std::span<const std::int32_t> next, std::span<const double> probability,
                                            double reward) {
  if (next.size() != probability.size())
    fault("add_row: " + std::to_string(next.size()) + " next states and " + std::to_string(probability.size()) +
          " probabilities");
  for (std::size_t i = 0; i < next.size(); ++i) add_outcome(next[i], probability[i], reward);
  return end_row();
}

FiniteMdpBuilder& FiniteMdpBuilder::add_row(std::span<const std::int32_t> next, std::span<const double> probability,
                                            std::span<const double> reward) {
  if (next.size() != probability.size() || next.size() != reward.size())
    fault("add_row: " + std::to_string(next.size()) + " next states, " + std::to_string(probability.size()) +
          " probabilities and " + std::to_string(reward.size()) + " rewards");
  for (std::size_t i = 0; i < next.size(); ++i) add_outcome(next[i], probability[i], reward[i]);
  return end_row();
}

FiniteMdp FiniteMdpBuilder::build() && {
  FiniteMdp m = std::move(m_);
  const Index S = num_states_, A = num_actions_;
  const auto nS = static_cast<std::size_t>(S);
  if (m.state_names_.empty()) m.state_names_ = numbered(S);
  else check_names(m.state_names_, S, "state");
  if (m.action_names_.empty()) m.action_names_ = numbered(A);
  else check_names(m.action_names_, A, "action");

  if (!has_gamma_) fault("no gamma given");
  check_gamma(m.gamma_);
  // 1 - gamma is 1 to a double when gamma is below 2^-54.
  if (m.gamma_complement_ && !(m.gamma_ < 1.0 && *m.gamma_complement_ > 0.0 && *m.gamma_complement_ <= 1.0))
    fault("1 - gamma must be in (0, 1], with gamma < 1");
  if (!has_start_) fault("no start distribution given");
  if (m.start_.size() != S)
    fault("the start distribution has " + std::to_string(m.start_.size()) + " entries for " + std::to_string(S) + " states");
  for (Index s = 0; s < S; ++s)
    if (!(std::isfinite(m.start_(s)) && m.start_(s) >= 0.0))
      fault("the start probability of state " + std::to_string(s) + " is " + std::to_string(m.start_(s)));
  if (m.terminal_.empty()) m.terminal_.assign(nS, 0);
  if (m.terminal_.size() != nS)
    fault(std::to_string(m.terminal_.size()) + " terminal flags for " + std::to_string(S) + " states");

  const auto rows = static_cast<std::size_t>(S * A);
  if (m.outcome_begin_.size() != rows + 1)
    fault(std::to_string(m.outcome_begin_.size() - 1) + " rows closed for " + std::to_string(S) + " states x " +
          std::to_string(A) + " actions");
  if (m.outcome_begin_.back() != m.num_outcomes()) fault("outcomes added after the last row was closed");
  for (std::size_t row = 0; row < rows; ++row) {
    const bool terminal = m.terminal_[row / static_cast<std::size_t>(A)] != 0;
    const auto begin = static_cast<std::size_t>(m.outcome_begin_[row]), end = static_cast<std::size_t>(m.outcome_begin_[row + 1]);
    if (terminal && end > begin) fault(describe_row(m, row) + ": a terminal state's row must be empty");
    for (std::size_t k = begin; k < end; ++k) {
      if (m.outcome_next_[k] < 0 || m.outcome_next_[k] >= S)
        fault(describe_row(m, row) + ": next state " + std::to_string(m.outcome_next_[k]) + " outside [0, " +
              std::to_string(S) + ")");
      if (!(std::isfinite(m.outcome_probability_[k]) && m.outcome_probability_[k] >= 0.0))
        fault(describe_row(m, row) + ": probability " + std::to_string(m.outcome_probability_[k]));
    }
  }
  return m;
}

}  // namespace pgtruth
