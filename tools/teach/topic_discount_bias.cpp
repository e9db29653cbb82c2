// Topic 4: the estimator that drops gamma^t, sum_t psi_t G_t, against the exact gradient.
#include <cmath>

#include "pgtruth/sampling/check.hpp"
#include "pgtruth/finite/solver.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

namespace {

/// The exact mean of sum_{t<H} psi_t G_t^(H) with G_t^(H) = sum_{t<=k<H} gamma^(k-t) r_k, by
/// finite-horizon dynamic programming (independent of the Bellman solve):
///   E = sum_{t<H} sum_{s,a} mu_t(s) grad pi(a|s) q^(H-t)(s,a),
/// with mu_t the undiscounted state distribution at step t and q^(n) the n-step action value,
/// q^(n) = r + gamma P v^(n-1), v^(n) = sum_a pi q^(n), v^(0) = 0. For gamma = 1 (no horizon) the
/// sum runs until the surviving probability is below 1e-15.
Eigen::VectorXd undiscounted_estimator_mean(const FiniteProblem& problem, const Eigen::MatrixXd& pi) {
  const FiniteMdp& mdp = problem.mdp;
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const Eigen::MatrixXd r = mdp.expected_reward();
  const auto step_distribution = [&](const Eigen::VectorXd& mu) {
    Eigen::VectorXd next = Eigen::VectorXd::Zero(S);
    for (Index s = 0; s < S; ++s)
      for (Index a = 0; a < A; ++a)
        for (const Outcome& o : mdp.outcomes_of(s, a))
          if (!mdp.is_terminal(o.next)) next(o.next) += mu(s) * pi(s, a) * o.probability;
    return next;
  };
  std::vector<Eigen::VectorXd> mu;  // mu_t over non-terminal states
  Eigen::VectorXd m = mdp.start();
  for (Index s = 0; s < S; ++s)
    if (mdp.is_terminal(s)) m(s) = 0.0;
  long H = undiscounted_horizon(mdp.gamma());
  for (long t = 0; H > 0 ? t < H : m.sum() > 1e-15; ++t) mu.push_back(m), m = step_distribution(m);
  H = static_cast<long>(mu.size());

  std::vector<Eigen::MatrixXd> q(static_cast<std::size_t>(H) + 1, Eigen::MatrixXd::Zero(S, A));  // q[n] = q^(n)
  Eigen::VectorXd v = Eigen::VectorXd::Zero(S);
  for (long n = 1; n <= H; ++n) {
    Eigen::MatrixXd& qn = q[static_cast<std::size_t>(n)];
    for (Index s = 0; s < S; ++s)
      for (Index a = 0; a < A; ++a) {
        double next = 0.0;
        for (const Outcome& o : mdp.outcomes_of(s, a)) next += o.probability * v(o.next);
        qn(s, a) = mdp.is_terminal(s) ? 0.0 : r(s, a) + mdp.gamma() * next;
      }
    v = (pi.array() * qn.array()).rowwise().sum();
  }
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(S, A);
  for (long t = 0; t < H; ++t) weight += mu[static_cast<std::size_t>(t)].asDiagonal() * q[static_cast<std::size_t>(H - t)];
  return contract_policy_derivative(mdp, problem.policy, pi, weight);
}

}  // namespace

Page discount_bias(const TeachOptions& options) {
  const std::string file = "short-corridor.json";
  const std::vector<double> gammas = {0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
  constexpr long episodes = 20000;

  Page page("discount-bias", "The discount bias: dropping γ^t", options);
  page.data.update(nlohmann::json{{"case", file},
               {"episodes", episodes}});
  page.markdown =
      "The discounted policy gradient is Σ_t γ^t E[ψ_t q(s_t, a_t)]: later steps count less. Most code "
      "computes Σ_t ψ_t G_t instead, dropping γ^t while keeping the discounted return-to-go G_t. That is "
      "not the gradient of any objective (Nota & Thomas 2020, *Is the policy gradient a gradient?*, AAMAS) "
      "and it is biased whenever γ < 1 (Thomas 2014, *Bias in natural actor-critic algorithms*, ICML).\n\n"
      "Below, on the short corridor (`cases/" + file + "`, θ = 0, so p(right) = 1/2), the discount is "
      "varied. *exact* is the gradient from the Bellman solve; *expected* is the exact mean of the "
      "γ^t-dropping estimator as pgtruth samples it (episodes truncated where γ^H ≤ 1e-12), computed by "
      "finite-horizon dynamic programming; *sampled* is the mean of " + std::to_string(episodes) +
      " episodes of `reinforce-rtg-undiscounted`, tested against both.\n\n";

  std::vector<std::vector<std::string>> rows;
  nlohmann::json table = nlohmann::json::array();
  std::vector<double> exact0, expected0, sampled0, error0;
  for (const double gamma : gammas) {
    FiniteProblem problem = finite_case(options, file);
    problem.mdp = problem.mdp.with_gamma(gamma);
    const FiniteSolution solution = solve(problem.mdp, problem.policy, finite_solve_options(options));
    const Eigen::VectorXd expected = undiscounted_estimator_mean(problem, solution.policy);
    CheckOptions check = check_options(options, episodes);
    const SparseEstimateSampler sampler =
        finite_estimator(problem, solution, Estimator::reinforce_rtg_undiscounted, check.estimator);
    // The same draws (same seed) judged against each mean.
    const CheckResult vs_expected =
        judge("reinforce-rtg-undiscounted", sample_moments(sampler, expected, check), check);
    const CheckResult vs_exact =
        judge("reinforce-rtg-undiscounted", sample_moments(sampler, solution.gradient, check), check);
    const double cosine = expected.dot(solution.gradient) / (expected.norm() * solution.gradient.norm());
    const double relative_bias = (expected - solution.gradient).norm() / solution.gradient.norm();
    rows.push_back({cell(gamma), cell(solution.gradient(0)), cell(expected(0)),
                    cell(vs_exact.test.mean(0)) + " ± " + cell(vs_exact.test.standard_error(0), 2),
                    cell(relative_bias, 3), cell(vs_expected.test.p_value, 2), cell(vs_exact.test.p_value, 2)});
    table.push_back({{"gamma", gamma},
                     {"horizon", undiscounted_horizon(gamma)},
                     {"exact_gradient", to_json(solution.gradient)},
                     {"expected_estimate", to_json(expected)},
                     {"sampled_mean", to_json(vs_exact.test.mean)},
                     {"standard_error", to_json(vs_exact.test.standard_error)},
                     {"relative_bias", relative_bias},
                     {"cosine", cosine},
                     {"p_value_vs_expected", vs_expected.test.p_value},
                     {"p_value_vs_exact", vs_exact.test.p_value}});
    exact0.push_back(solution.gradient(0));
    expected0.push_back(expected(0));
    sampled0.push_back(vs_exact.test.mean(0));
    error0.push_back(2.0 * vs_exact.test.standard_error(0));
  }
  page.data["tables"]["by_gamma"] = table;
  page.markdown +=
      markdown_table({"γ", "exact ∂J/∂θ₀", "expected ∂/∂θ₀", "sampled ∂/∂θ₀ ± s.e.", "relative bias",
                      "p vs expected", "p vs exact"},
                     rows) +
      "The sampled means agree with the *expected* column (large p-values) and, for γ < 1, reject the "
      "exact gradient: the estimator is consistent with the wrong number. At γ = 1 the two coincide. "
      "(∂/∂θ₁ = −∂/∂θ₀ here: the two features of the softmax always sum to one.)\n\n";
  page.add_figure({{"file", "discount-bias"},
                   {"kind", "lines"},
                   {"title", "Short corridor: ∂J/∂θ₀ by discount factor"},
                   {"xlabel", "discount factor γ"},
                   {"ylabel", "∂J/∂θ₀"},
                   {"series",
                    {{{"label", "exact gradient"}, {"x", gammas}, {"y", exact0}},
                     {{"label", "mean of Σ_t ψ_t G_t (exact)"}, {"x", gammas}, {"y", expected0}, {"style", "dashed"}},
                     {{"label", "sampled (± 2 s.e.)"},
                      {"x", gammas},
                      {"y", sampled0},
                      {"yerr", error0},
                      {"style", "points"}}}}},
                  "The gradient and the mean of the γ^t-dropping estimator part ways as γ falls below 1; the "
                  "samples follow the biased curve, not the gradient.");
  return page;
}

}  // namespace pgtruth::teach
