#include <Eigen/Eigenvalues>
#include <memory>

#include "sampling/finite_sampling.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

Eigen::VectorXd upper_triangle(const Eigen::MatrixXd& M) {
  const Eigen::Index d = M.rows();
  Eigen::VectorXd v(d * (d + 1) / 2);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = i; j < d; ++j) v(k++) = M(i, j);
  return v;
}

namespace {

/// ψψᵀ at s ~ d (restarts with probability 1 − γ before each step) and a ~ π(·|s): an unbiased
/// sample of F = E_{s~d, a~π}[ψψᵀ]. An episode that terminates first is redrawn, since d is
/// normalised over the states visited.
Eigen::VectorXd finite_fisher_sample(const FiniteProblem& p, const FiniteSolution& sol, Rng& rng) {
  const FiniteMdp& m = p.mdp;
  for (;;) {
    for (Index s = detail::sample_start(rng, m); !m.is_terminal(s);) {
      const Index a = rng.categorical(sol.policy.row(s), m.num_actions());
      if (rng.uniform() >= m.gamma()) {
        const Eigen::VectorXd psi = score(m, p.policy, sol.policy, s, a);
        return upper_triangle(psi * psi.transpose());
      }
      s = detail::sample_outcome(rng, m, s, a).next;
    }
  }
}

}  // namespace

CheckResult check_fisher(const FiniteProblem& problem, const FiniteSolution& solution, const CheckOptions& options) {
  if (!problem.policy.is_softmax()) throw InputError("/policy", "the Fisher matrix is defined for softmax policies only");
  if (problem.mdp.gamma() == 1.0)
    throw InputError("/gamma", "sampling s ~ d by restarts needs gamma < 1");
  if (!solution.fisher)
    throw InputError("/policy", "the Fisher matrix has too many entries to check (at most " +
                                    std::to_string(kMaxDenseFisherParameters) + " parameters)");
  const EstimateSampler sample = [&problem, &solution](Rng& rng) { return finite_fisher_sample(problem, solution, rng); };
  return run_check("fisher", sample, upper_triangle(*solution.fisher), options);
}

}  // namespace pgtruth
