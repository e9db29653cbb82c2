#include "petsc/distributed_problem.hpp"

#include <cmath>
#include <optional>

#include "pgtruth/finite/structure.hpp"

namespace pgtruth::detail {
namespace {

/// Held whole on every rank: pi for all states, and (gamma = 1) the proper states.
class WholeProblem final : public DistributedProblem {
 public:
  WholeProblem(const FiniteMdp& mdp, const FinitePolicy& policy) : mdp_(mdp), policy_(policy) { prepare(); }
  WholeProblem(FiniteMdp&& mdp, FinitePolicy&& policy)
      : owned_mdp_(std::move(mdp)), owned_policy_(std::move(policy)), mdp_(*owned_mdp_), policy_(*owned_policy_) {
    prepare();
  }

  Index num_states() const override { return mdp_.num_states(); }
  Index num_actions() const override { return mdp_.num_actions(); }
  double gamma() const override { return mdp_.gamma(); }
  double one_minus_gamma() const override { return mdp_.one_minus_gamma(); }
  double start(Index s) const override { return mdp_.start()(s); }
  Index unknown_of(Index s) const override { return index_of_[static_cast<std::size_t>(s)]; }
  bool is_undefined(Index s) const override { return !mdp_.is_terminal(s) && index_of_[static_cast<std::size_t>(s)] < 0; }
  void for_each_row(Index first, Index end, const RowVisitor& visit) const override {
    std::vector<Outcome> row;
    for (Index s = first; s < end; ++s)
      for (Index a = 0; a < mdp_.num_actions(); ++a) {
        row.clear();
        for (const Outcome& o : mdp_.outcomes_of(s, a)) row.push_back(o);
        visit(s, a, row);
      }
  }
  PolicyKind policy_kind() const override { return policy_.kind; }
  Index num_parameters() const override { return policy_.num_parameters(); }
  void probabilities(Index s, Eigen::RowVectorXd& pi) const override { pi = pi_.row(s); }
  void add_policy_derivative(Index s, const Eigen::RowVectorXd& w, Eigen::VectorXd& g) const override {
    add_policy_derivative_at(mdp_, policy_, pi_, s, w, g);
  }
  double feature_size() const override {
    return policy_.kind == PolicyKind::softmax_linear && policy_.features.size() ? policy_.features.cwiseAbs().maxCoeff()
                                                                                 : 1.0;
  }
  double logit_size(Index s) const override {
    if (policy_.kind != PolicyKind::softmax_linear) return 0.0;
    const Index A = mdp_.num_actions();
    return (policy_.features.middleRows(s * A, A).cwiseAbs() * policy_.theta.cwiseAbs()).maxCoeff();
  }

 private:
  void prepare() {
    pi_ = policy_probabilities(mdp_, policy_);
    std::vector<char> proper(static_cast<std::size_t>(mdp_.num_states()), 1);
    if (mdp_.gamma() == 1.0) proper = require_proper(mdp_, pi_).proper;
    index_of_.assign(proper.size(), -1);
    Index k = 0;
    for (Index s = 0; s < mdp_.num_states(); ++s)
      if (!mdp_.is_terminal(s) && proper[static_cast<std::size_t>(s)]) index_of_[static_cast<std::size_t>(s)] = k++;
  }

  std::optional<FiniteMdp> owned_mdp_;
  std::optional<FinitePolicy> owned_policy_;
  const FiniteMdp& mdp_;
  const FinitePolicy& policy_;
  Eigen::MatrixXd pi_;
  std::vector<Index> index_of_;
};

/// exp(x) is subnormal below this (the log of the smallest normal double, 2^-1022).
constexpr double kExpSubnormal = -708.3964185322641;

/// Made by row range; every state but a terminal one is an unknown (gamma < 1). The generators
/// have at most one terminal state, the last (the gridworld's bottom-right cell).
class GeneratedProblem final : public DistributedProblem {
 public:
  GeneratedProblem(std::unique_ptr<RowGenerator> rows, double gamma, double one_minus_gamma, Eigen::VectorXd theta)
      : rows_(std::move(rows)), gamma_(gamma), one_minus_gamma_(one_minus_gamma), theta_(std::move(theta)) {}
  Index num_states() const override { return rows_->num_states(); }
  Index num_actions() const override { return rows_->num_actions(); }
  double gamma() const override { return gamma_; }
  double one_minus_gamma() const override { return one_minus_gamma_; }
  double start(Index s) const override { return rows_->start(s); }
  Index unknown_of(Index s) const override { return rows_->is_terminal(s) ? -1 : s; }
  void for_each_row(Index first, Index end, const RowVisitor& visit) const override {
    rows_->for_each_row(first, end, visit);
  }
  PolicyKind policy_kind() const override { return PolicyKind::softmax_tabular; }
  Index num_parameters() const override { return num_states() * num_actions(); }
  /// The softmax of theta(s * A + .) with policy_rows' shift and exponentials.
  void probabilities(Index s, Eigen::RowVectorXd& z) const override {
    const Index A = num_actions();
    if (theta_.size() == 1) z.setConstant(A, theta_(0));
    else z = theta_.segment(s * A, A).transpose();
    z.array() -= z.maxCoeff();
    z = (z.array() < kExpSubnormal).select(z.unaryExpr([](double x) { return std::exp(x); }), z.array().exp());
    z /= z.sum();
  }
  void add_policy_derivative(Index, const Eigen::RowVectorXd&, Eigen::VectorXd&) const override {}

 private:
  std::unique_ptr<RowGenerator> rows_;
  double gamma_, one_minus_gamma_;
  Eigen::VectorXd theta_;  ///< one value for all steps, or one a step
};

}  // namespace

std::unique_ptr<DistributedProblem> whole_problem(const FiniteMdp& mdp, const FinitePolicy& policy) {
  return std::make_unique<WholeProblem>(mdp, policy);
}

std::unique_ptr<DistributedProblem> whole_problem(FiniteMdp&& mdp, FinitePolicy&& policy) {
  return std::make_unique<WholeProblem>(std::move(mdp), std::move(policy));
}

std::unique_ptr<DistributedProblem> generated_problem(std::unique_ptr<RowGenerator> rows, double gamma,
                                                      double one_minus_gamma, Eigen::VectorXd theta) {
  return std::make_unique<GeneratedProblem>(std::move(rows), gamma, one_minus_gamma, std::move(theta));
}

}  // namespace pgtruth::detail
