#include "finite/error_bounds.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth::detail {
namespace {

constexpr double eps = std::numeric_limits<double>::epsilon(), u = eps / 2;

/// Largest rows x parameters of the differences' matrix formed for |P_perp x| (as fisher.cpp's
/// least-squares limit).
constexpr double kMaxDifferenceEntries = 2e7;

/// The visited states: non-terminal, of positive visitation (the natural gradient's states).
std::vector<Index> visited_states(const FiniteMdp& mdp, const Eigen::VectorXd& visitation) {
  std::vector<Index> out;
  for (Index s = 0; s < mdp.num_states(); ++s)
    if (!mdp.is_terminal(s) && visitation(s) > 0.0) out.push_back(s);
  return out;
}

/// The most probable action of s (the first of equals, as fisher.cpp's maxCoeff).
Index top_action(const Eigen::MatrixXd& pi, Index s) {
  Index top = 0;
  pi.row(s).maxCoeff(&top);
  return top;
}

}  // namespace

double rounded_up(double x) { return x * (1.0 + std::ldexp(1.0, -20)); }

Index max_outcomes(const FiniteMdp& mdp) {
  Index most = 0;
  for (Index s = 0; s < mdp.num_states(); ++s)
    for (Index a = 0; a < mdp.num_actions(); ++a)
      most = std::max<Index>(most, static_cast<Index>(mdp.outcomes_of(s, a).size()));
  return most;
}

double policy_relative_error(PolicyKind kind, Index actions, Index features, double logit_size) {
  const auto A = static_cast<double>(actions);
  if (kind == PolicyKind::softmax_tabular) return (2.0 * A + 8.0) * u;
  if (kind == PolicyKind::softmax_linear)
    return (2.0 * A + 8.0) * u + 2.0 * (static_cast<double>(features) + 2.0) * u * logit_size;
  return 0.0;
}

FormationRow formation_row_errors(double pi_error, Index actions, Index outcomes, double reward_size) {
  // gamma pi P (two products, gamma's double) summed over actions; the row sum (1 - gamma)
  // + gamma sum_a pi P(leave) adds the decimal complement's rounding and a sum of k terms.
  const auto A = static_cast<double>(actions), k = static_cast<double>(outcomes);
  const double entry_error = pi_error + (A + 4.0) * u;
  return {.parameter_error = entry_error + (k + 4.0) * u,
          .reward_error = (pi_error + (k + A + 4.0) * u) * reward_size};
}

FormationErrors formation_errors(const FormationRow& largest, double policy_error, Index n, double r_pi_size,
                                 double eta_abs_sum, double inverse_norm) {
  const double e = largest.parameter_error / (1.0 - largest.parameter_error), N = static_cast<double>(n);
  const double rho = std::expm1((N - 1.0) * std::log1p(e) - N * std::log1p(-e));
  return {.value = rounded_up(inverse_norm * (rho * r_pi_size + (1.0 + rho) * largest.reward_error)),
          .occupancy = rounded_up(rho * eta_abs_sum),
          .relative = rho,
          .policy = policy_error};
}

FormationErrors formation_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                                      const Unknowns& unknowns, const BellmanSystem& system, double reward_scale,
                                      const Eigen::VectorXd& eta, double inverse_norm) {
  const Index A = mdp.num_actions(), n = static_cast<Index>(unknowns.state_of.size()), outcomes = max_outcomes(mdp);
  FormationRow largest;
  double policy_error = 0.0;
  for (Index k = 0; k < n; ++k) {
    const Index s = unknowns.state_of[static_cast<std::size_t>(k)];
    double logits = 0.0;
    if (policy.kind == PolicyKind::softmax_linear)
      logits = (policy.features.middleRows(s * A, A).cwiseAbs() * policy.theta.cwiseAbs()).maxCoeff();
    const double pi_error = policy_relative_error(policy.kind, A, policy.features.cols(), logits);
    policy_error = std::max(policy_error, pi_error);
    double reward_size = 0.0;  // sum_a pi sum_o P |R|
    for (Index a = 0; a < A; ++a)
      for (const Outcome& o : mdp.outcomes_of(s, a)) reward_size += pi(s, a) * o.probability * std::abs(o.reward);
    const FormationRow row = formation_row_errors(pi_error, A, outcomes, reward_size * reward_scale);
    largest.parameter_error = std::max(largest.parameter_error, row.parameter_error);
    largest.reward_error = std::max(largest.reward_error, row.reward_error);
  }
  const double r_pi_size = system.r_pi.size() ? system.r_pi.cwiseAbs().maxCoeff() : 0.0;
  return formation_errors(largest, policy_error, n, r_pi_size, eta.cwiseAbs().sum(), inverse_norm);
}

double ActionValueInputs::unit() const { return in_double_double ? 2.0 * eps * eps : eps; }

double action_value_error_bound(const ActionValueInputs& in, double q_size) {
  const auto k = static_cast<double>(in.outcomes);
  return rounded_up(in.gamma * (1.0 + (k + 2.0) * eps) * in.value_bound +
                    (k + 4.0) * in.unit() * (in.reward_size + 3.0 * in.value_size) + u * q_size);
}

double advantage_error_bound(const ActionValueInputs& in, bool normalised, double most_others, Index actions,
                             double advantage_size) {
  const auto k = static_cast<double>(in.outcomes);
  const double slack = 1.0 + (k + 2.0) * eps;  // the self-loop's rounding: row sums one to (k + 2) eps
  if (!normalised)
    return rounded_up((1.0 + in.gamma) * slack * in.value_bound +
                      (k + 5.0) * in.unit() * (in.reward_size + 4.0 * in.value_size) + u * advantage_size);
  const double dD = 2.0 * in.gamma * slack * in.value_bound;
  const double D_rounding = (k + 6.0) * in.unit() * (2.0 * in.reward_size + 5.0 * in.value_size);
  const double mean_rounding = (static_cast<double>(actions) + 2.0) * in.unit() * 4.0 * (in.reward_size + in.value_size);
  return rounded_up(dD * (1.0 + most_others) + 2.0 * D_rounding + mean_rounding + u * advantage_size);
}

double objective_error_bound(double start_sum, double value_bound, Index terms, double start_value_sum, double J) {
  return rounded_up(start_sum * value_bound + (static_cast<double>(terms) + 4.0) * 2.0 * eps * eps * start_value_sum +
                    u * std::abs(J));
}

double expected_length_error_bound(double eta_bound, Index terms, double eta_abs_sum, double length) {
  return rounded_up(eta_bound + (static_cast<double>(terms) + 4.0) * 2.0 * eps * eps * eta_abs_sum + u * std::abs(length));
}

double visitation_error_bound(double occupancy_error, double length_error, double length, double visitation_sum) {
  if (!(length > 0.0)) return 0.0;
  return rounded_up((occupancy_error + length_error) / length + u * visitation_sum);
}

double fisher_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                          const Eigen::VectorXd& visitation, double visitation_error) {
  const Index A = mdp.num_actions();
  const auto actions = static_cast<double>(A);
  const std::vector<Index> visited = visited_states(mdp, visitation);
  if (policy.kind == PolicyKind::softmax_tabular) {
    double bound = 0.0;  // the largest block's
    for (Index s = 0; s < mdp.num_states(); ++s) {
      if (mdp.is_terminal(s)) continue;
      double size = 0.0;  // max_a pi_a (1 - pi_a), 1 - pi_a as the sum of the others
      for (Index a = 0; a < A; ++a) {
        double others = 0.0;  // (not 1 - pi_a, which cancels at a peaked policy)
        for (Index b = 0; b < A; ++b) others += b == a ? 0.0 : pi(s, b);
        size = std::max(size, pi(s, a) * others);
      }
      size *= 1.0 + 2.0 * actions * eps;  // (the sums' own rounding)
      bound = std::max(bound, (visitation_error + (actions + 3.0) * eps * visitation(s)) * 2.0 * size);
    }
    return rounded_up(bound);
  }
  // max_s sum_a pi |h|^2 over every non-terminal state (d*(s) may be positive where d(s) is 0),
  // and sum_s d(s) sum_a pi |h|^2 over the visited ones.
  double largest = 0.0, weighted = 0.0;
  for (Index s = 0; s < mdp.num_states(); ++s) {
    if (mdp.is_terminal(s)) continue;
    const auto phi = policy.features.middleRows(s * A, A);
    const Index top = top_action(pi, s);
    const Eigen::MatrixXd relative = (phi.rowwise() - phi.row(top)).cwiseAbs();
    const Eigen::RowVectorXd mean = pi.row(s) * relative;  // sum_b pi_b |phi_b - phi_top|
    double state = 0.0;
    for (Index a = 0; a < A; ++a) state += pi(s, a) * (relative.row(a) + mean).squaredNorm();
    state *= 1.0 + 4.0 * (actions + static_cast<double>(phi.cols())) * eps;  // (its own rounding)
    largest = std::max(largest, state);
    weighted += visitation(s) * state;
  }
  const double terms = actions + static_cast<double>(visited.size()) + 3.0;
  return rounded_up(visitation_error * largest + (terms + 3.0 * (actions + 2.0)) * eps * weighted);
}

double fisher_data_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                               const Eigen::VectorXd& visitation, double rho, double policy_error) {
  const Index A = mdp.num_actions();
  double size = 0.0;
  for (Index s = 0; s < mdp.num_states(); ++s) {
    if (mdp.is_terminal(s) || !(visitation(s) > 0.0)) continue;
    if (policy.kind == PolicyKind::softmax_tabular) {
      double largest = 0.0;  // max_a pi_a (1 - pi_a), 1 - pi_a as the sum of the others
      for (Index a = 0; a < A; ++a) largest = std::max(largest, pi(s, a) * (pi.row(s).sum() - pi(s, a)));
      size = std::max(size, 2.0 * visitation(s) * largest);
    } else {
      size += visitation(s) * (pi.row(s) * policy.features.middleRows(s * A, A).rowwise().squaredNorm()).value();
    }
  }
  const double factor = policy.kind == PolicyKind::softmax_tabular ? 3.0 : 4.0;
  return rounded_up((rho + factor * policy_error) * size * (1.0 + 4.0 * eps * static_cast<double>(A + 4)));
}

double tabular_natural_gradient_error_bound(const FiniteMdp& mdp, const Eigen::MatrixXd& advantage,
                                            const Eigen::VectorXd& visitation, double length,
                                            double length_error, double advantage_error) {
  double spread = 0.0, size = 0.0;  // max |A_s - mean_a A_s| and max |A| over visited states
  for (const Index s : visited_states(mdp, visitation)) {
    const Eigen::RowVectorXd a = advantage.row(s);
    spread = std::max(spread, (a.array() - a.mean()).abs().maxCoeff());
    size = std::max(size, a.cwiseAbs().maxCoeff());
  }
  const auto A = static_cast<double>(mdp.num_actions());
  return rounded_up(length_error * (spread + 2.0 * (A + 2.0) * eps * size) + length * 2.0 * advantage_error +
                    (A + 3.0) * eps * length * 2.0 * size);
}

double linear_natural_gradient_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                                           const Eigen::VectorXd& visitation, const Eigen::MatrixXd& F,
                                           const Eigen::VectorXd& x, const Eigen::VectorXd& gradient, Index rank,
                                           double fisher_error, double gradient_error) {
  const Index A = mdp.num_actions(), d = F.rows();
  if (rank == 0) return 0.0;  // F* = 0: x* = 0 = x
  const auto dim = static_cast<double>(d);
  const std::vector<Index> visited = visited_states(mdp, visitation);
  const double rows = static_cast<double>(visited.size()) * static_cast<double>(A);
  if (rows * dim > kMaxDifferenceEntries) return std::numeric_limits<double>::infinity();

  // lambda_r(F*) >= lambda_r(F) - e - |dF| (Weyl), refused unless it keeps half of lambda_r(F).
  const Eigen::VectorXd lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(F, Eigen::EigenvaluesOnly).eigenvalues();
  const double largest = lambda.cwiseAbs().maxCoeff(), kept = lambda(d - rank);  // increasing order
  const double perturbation = fisher_error + 16.0 * (dim + 8.0) * eps * largest;
  if (!(perturbation < 0.5 * kept))
    throw IllPosedError("", "the natural gradient's error cannot be bounded: the Fisher matrix's error bound (" +
                                format_number(perturbation, 3) + ") reaches half its smallest kept eigenvalue (" +
                                format_number(kept, 3) + "), so its rank of " + std::to_string(rank) +
                                " could change (the policy is too peaked in some visited state); ask for the other "
                                "keys with --keys");

  // |F* x - g*|_2 <= |fl(F x - g)|_2 + (d + 2) eps | |F| |x| + |g| |_2 + |dF|_2 |x|_2 + sqrt(d) gradient_error.
  const Eigen::VectorXd residual = F * x - gradient;
  const Eigen::VectorXd magnitude = F.cwiseAbs() * x.cwiseAbs() + gradient.cwiseAbs();
  const double in_range = (residual.norm() + (dim + 2.0) * eps * magnitude.norm() + fisher_error * x.norm() +
                           std::sqrt(dim) * gradient_error) / (kept - perturbation);

  // |P_perp x|_2 <= |x - D^T y|_2 for the least-squares y, with the rounding of forming it (and
  // of D's differences, u |D|): (m + 3) eps (|x| + |D^T| |y|), m the rows of D.
  Eigen::MatrixXd Dt(d, static_cast<Index>(rows));
  Index column = 0;
  for (const Index s : visited) {
    const auto phi = policy.features.middleRows(s * A, A);
    Dt.middleCols(column, A) = (phi.rowwise() - phi.row(top_action(pi, s))).transpose();
    column += A;
  }
  const Eigen::VectorXd y = Eigen::ColPivHouseholderQR<Eigen::MatrixXd>(Dt).solve(x);
  const Eigen::VectorXd outside = x - Dt * y;
  const Eigen::VectorXd outside_rounding = x.cwiseAbs() + Dt.cwiseAbs() * y.cwiseAbs();
  const double perpendicular = outside.norm() + (rows + 3.0) * eps * outside_rounding.norm();
  return rounded_up(perpendicular + in_range);
}

void GradientErrorBound::add_state(const Row& ps, const Row& ws, double e) {
  if (kind_ == PolicyKind::direct) {
    const double size = ws.cwiseAbs().maxCoeff();
    bound = std::max(bound, occupancy_error_ * size + e * dw_ + 2.0 * eps * e * size);
    return;
  }
  const double mean = ps.dot(ws), mean_abs = ps.dot(ws.cwiseAbs());
  Index top = 0;
  ps.maxCoeff(&top);
  double t = 0.0, spread_sum = 0.0, rounding = 0.0, others = 0.0;  // others: 1 - pi(top|s), as a sum
  for (Index a = 0; a < ps.size(); ++a) {
    const double spread = std::abs(ws(a) - mean);
    t = std::max(t, ps(a) * spread);
    spread_sum += ps(a) * spread;
    rounding = std::max(rounding, e * ps(a) * (4.0 * eps * spread + actions_ * eps * mean_abs));
    if (a != top) others += ps(a);
  }
  if (kind_ == PolicyKind::softmax_tabular) {
    // D(top) = 0 exactly, so each entry's dA is at most 2 dD times 1 - pi(top|s).
    bound = std::max(bound, occupancy_error_ * t + e * 2.0 * others * dw_ + rounding + 2.0 * policy_error_ * e * (t + mean_abs));
  } else {
    term = std::max(term, 2.0 * phi_ * spread_sum);
    magnitude += e * (spread_sum + mean_abs) * phi_;
    bound += e * 4.0 * phi_ * dw_ + 2.0 * policy_error_ * e * phi_ * (spread_sum + mean_abs);
  }
}

double GradientErrorBound::total(Index states) const {
  if (kind_ != PolicyKind::softmax_linear) return bound;
  return bound + (occupancy_error_ * term + (actions_ + 4.0 + static_cast<double>(states)) * eps * magnitude);
}

double contracted_value_error(bool softmax, double gamma, double value_error, bool formed_in_double, double reward_size,
                              double v_size) {
  return (softmax ? 6.0 : 3.0) * gamma * value_error + (formed_in_double ? 8.0 * eps * (reward_size + 2.0 * v_size) : 0.0);
}

}  // namespace pgtruth::detail
