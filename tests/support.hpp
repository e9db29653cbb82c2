#pragma once
// Independent reference computations for the tests. Nothing here calls the solver: values
// come from fixed-point iteration, occupancies from propagating the state distribution, and
// samples from rollouts, so that a test compares two different computations.

#include <Eigen/Core>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::test {

/// The path of a shipped case: cases/NAME.
std::string case_path(const std::string& name);
/// The shipped cases, by file name.
const std::vector<std::string>& shipped_cases();
/// Loads a shipped finite case.
FiniteProblem load_case(const std::string& name);
/// Parses a finite problem from text (for problems written inside a test).
FiniteProblem parse_finite(const std::string& text);

/// A copy of `mdp` made through FiniteMdpBuilder, each outcome passed through `change(k, o)`
/// first (k its index in the table): a built MDP is read-only, and tests perturb one on purpose.
template <class Change>
FiniteMdp rebuilt(const FiniteMdp& mdp, Change change) {
  FiniteMdpBuilder b(mdp.num_states(), mdp.num_actions());
  b.state_names(mdp.state_names()).action_names(mdp.action_names()).start(mdp.start()).terminal(mdp.terminal());
  b.gamma(mdp.gamma(), mdp.gamma_complement());
  for (Eigen::Index row = 0; row < mdp.num_states() * mdp.num_actions(); ++row) {
    for (Eigen::Index k = mdp.outcome_begin()[static_cast<std::size_t>(row)];
         k < mdp.outcome_begin()[static_cast<std::size_t>(row) + 1]; ++k) {
      Outcome o = mdp.outcome(row, k);
      change(k, o);
      b.add_outcome(o.next, o.probability, o.reward);
    }
    b.end_row();
  }
  return std::move(b).build();
}

/// pi(a|s) straight from the spec's formula (no log-sum-exp shift; test thetas are small).
Eigen::MatrixXd reference_policy(const FiniteProblem& p);
/// d pi(a|s) / d theta as a vector, from the spec's formula for each policy kind.
Eigen::VectorXd reference_policy_derivative(const FiniteProblem& p, const Eigen::MatrixXd& pi,
                                            Eigen::Index s, Eigen::Index a);

struct IterativeEvaluation {
  Eigen::VectorXd v;          ///< by v <- r_pi + gamma P_pi v until it stops changing
  Eigen::MatrixXd q;
  Eigen::VectorXd occupancy;  ///< by sum_t gamma^t mu_t with mu_{t+1} = P_pi^T mu_t
  double J = 0;
};
IterativeEvaluation evaluate_by_iteration(const FiniteProblem& p, const Eigen::MatrixXd& pi);

/// Monte Carlo rollouts of the undiscounted-by-stopping form: at each step the episode ends
/// with probability 1 - gamma (and on entering a terminal state), and the plain sum of the
/// sampled rewards is an unbiased sample of J; visits to s are unbiased samples of eta(s).
struct RolloutStatistics {
  double mean_return = 0, stderr_return = 0;
  Eigen::VectorXd mean_visits, stderr_visits;
  long episodes = 0;
};
RolloutStatistics roll_out(const FiniteProblem& p, const Eigen::MatrixXd& pi, long episodes,
                           std::uint64_t seed);

}  // namespace pgtruth::test
