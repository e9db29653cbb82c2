#include "support.hpp"

#include <cmath>
#include <stdexcept>

namespace pgtruth::test {

std::string case_path(const std::string& name) { return std::string(PGTRUTH_CASES_DIR) + "/" + name; }

const std::vector<std::string>& shipped_cases() {
  static const std::vector<std::string> cases{"short-corridor.json", "two-state.json",
                                              "slippery-gridworld.json", "machine-maintenance.json"};
  return cases;
}

FiniteProblem load_case(const std::string& name) { return std::get<FiniteProblem>(load_problem(case_path(name))); }

FiniteProblem parse_finite(const std::string& text) { return std::get<FiniteProblem>(parse_problem(text, "test.json")); }

namespace {

/// phi(s, a) in the parameter space: a unit vector for tabular softmax.
Eigen::VectorXd feature(const FiniteProblem& p, Eigen::Index s, Eigen::Index a) {
  const Eigen::Index A = p.mdp.num_actions();
  if (p.policy.kind == PolicyKind::softmax_tabular) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(p.policy.num_parameters());
    e(s * A + a) = 1.0;
    return e;
  }
  return p.policy.features.row(s * A + a).transpose();
}

}  // namespace

Eigen::MatrixXd reference_policy(const FiniteProblem& p) {
  const Eigen::Index S = p.mdp.num_states(), A = p.mdp.num_actions();
  Eigen::MatrixXd pi = Eigen::MatrixXd::Zero(S, A);
  Eigen::Index k = 0;
  for (Eigen::Index s = 0; s < S; ++s) {
    if (p.mdp.is_terminal(s)) continue;
    for (Eigen::Index a = 0; a < A; ++a)
      pi(s, a) = p.policy.kind == PolicyKind::direct ? p.policy.theta(k * A + a)
                                                     : std::exp(p.policy.theta.dot(feature(p, s, a)));
    if (p.policy.kind != PolicyKind::direct) pi.row(s) /= pi.row(s).sum();
    ++k;
  }
  return pi;
}

Eigen::VectorXd reference_policy_derivative(const FiniteProblem& p, const Eigen::MatrixXd& pi,
                                            Eigen::Index s, Eigen::Index a) {
  const Eigen::Index A = p.mdp.num_actions();
  if (p.policy.kind == PolicyKind::direct) {
    Eigen::Index k = 0;  // position of s among the non-terminal states
    for (Eigen::Index t = 0; t < s; ++t) k += p.mdp.is_terminal(t) ? 0 : 1;
    Eigen::VectorXd e = Eigen::VectorXd::Zero(p.policy.num_parameters());
    e(k * A + a) = 1.0;
    return e;
  }
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(p.policy.num_parameters());
  for (Eigen::Index b = 0; b < A; ++b) mean += pi(s, b) * feature(p, s, b);
  return pi(s, a) * (feature(p, s, a) - mean);
}

IterativeEvaluation evaluate_by_iteration(const FiniteProblem& p, const Eigen::MatrixXd& pi) {
  const FiniteMdp& m = p.mdp;
  const Eigen::Index S = m.num_states(), A = m.num_actions();
  IterativeEvaluation out;
  out.v = Eigen::VectorXd::Zero(S);
  out.q = Eigen::MatrixXd::Zero(S, A);
  // Values: q <- r + gamma P v, v <- sum_a pi q, until a sweep changes nothing.
  for (long sweep = 0;; ++sweep) {
    if (sweep > 2'000'000) throw std::runtime_error("value iteration did not converge");
    Eigen::VectorXd next = Eigen::VectorXd::Zero(S);
    for (Eigen::Index s = 0; s < S; ++s) {
      if (m.is_terminal(s)) continue;
      for (Eigen::Index a = 0; a < A; ++a) {
        double qsa = 0.0;
        for (const Outcome& o : m.outcomes_of(s, a)) qsa += o.probability * (o.reward + m.gamma() * out.v(o.next));
        out.q(s, a) = qsa;
        next(s) += pi(s, a) * qsa;
      }
    }
    const double change = (next - out.v).cwiseAbs().maxCoeff();
    out.v = next;
    if (change <= 1e-15 * std::max(1.0, out.v.cwiseAbs().maxCoeff()) && sweep > 0) break;
  }
  // Occupancy: propagate the distribution of s_t (mass leaves on entering terminal states).
  Eigen::VectorXd mu = m.start();
  for (Eigen::Index s = 0; s < S; ++s)
    if (m.is_terminal(s)) mu(s) = 0.0;
  out.occupancy = Eigen::VectorXd::Zero(S);
  double discount = 1.0;
  for (long t = 0; discount * mu.sum() > 1e-18; ++t) {
    if (t > 50'000'000) throw std::runtime_error("occupancy propagation did not converge");
    out.occupancy += discount * mu;
    Eigen::VectorXd next = Eigen::VectorXd::Zero(S);
    for (Eigen::Index s = 0; s < S; ++s)
      for (Eigen::Index a = 0; a < A; ++a)
        for (const Outcome& o : m.outcomes_of(s, a))
          if (!m.is_terminal(o.next)) next(o.next) += mu(s) * pi(s, a) * o.probability;
    mu = next;
    discount *= m.gamma();
  }
  out.J = m.start().dot(out.v);
  return out;
}

RolloutStatistics roll_out(const FiniteProblem& p, const Eigen::MatrixXd& pi, long episodes, std::uint64_t seed) {
  const FiniteMdp& m = p.mdp;
  const Eigen::Index S = m.num_states(), A = m.num_actions();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto draw = [&](const auto& weight, Eigen::Index n) {  // index with probability weight(i)
    double u = uniform(rng);
    for (Eigen::Index i = 0; i + 1 < n; ++i)
      if ((u -= weight(i)) < 0.0) return i;
    return n - 1;
  };
  double sum = 0, sum_sq = 0;
  Eigen::VectorXd visits_sum = Eigen::VectorXd::Zero(S), visits_sq = Eigen::VectorXd::Zero(S);
  Eigen::VectorXd visits(S);
  for (long e = 0; e < episodes; ++e) {
    visits.setZero();
    double ret = 0.0;
    Eigen::Index s = draw(m.start(), S);
    while (!m.is_terminal(s)) {
      visits(s) += 1.0;
      const Eigen::Index a = draw(pi.row(s), A);
      const auto outcomes = m.outcomes_of(s, a);
      const auto o = outcomes[static_cast<std::size_t>(
          draw([&](Eigen::Index i) { return outcomes[static_cast<std::size_t>(i)].probability; },
               static_cast<Eigen::Index>(outcomes.size())))];
      ret += o.reward;
      if (m.gamma() < 1.0 && uniform(rng) >= m.gamma()) break;  // stop with probability 1 - gamma
      s = o.next;
    }
    sum += ret, sum_sq += ret * ret;
    visits_sum += visits, visits_sq += visits.cwiseProduct(visits);
  }
  const double n = static_cast<double>(episodes);
  RolloutStatistics out;
  out.episodes = episodes;
  out.mean_return = sum / n;
  out.stderr_return = std::sqrt((sum_sq / n - out.mean_return * out.mean_return) / (n - 1));
  out.mean_visits = visits_sum / n;
  out.stderr_visits = ((visits_sq / n - out.mean_visits.cwiseProduct(out.mean_visits)) / (n - 1)).cwiseMax(0.0).cwiseSqrt();
  return out;
}

}  // namespace pgtruth::test
