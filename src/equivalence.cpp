#include "io/format.hpp"
#include "pgtruth/equivalence.hpp"
#include "finite/transition_rows.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>

namespace pgtruth {

bool Identity::holds() const { return std::isfinite(deviation) && deviation <= tolerance * std::max(1.0, scale); }

bool EquivalenceReport::all_hold() const {
  return std::all_of(identities.begin(), identities.end(), [](const Identity& i) { return i.holds(); });
}

namespace {

constexpr const char* kSection3 = "Todorov 2025, section 3";
constexpr const char* kTheorem1 = "Todorov 2025, Theorem 1 (section 4)";

double max_abs(const Eigen::MatrixXd& M) { return M.size() ? M.cwiseAbs().maxCoeff() : 0.0; }

Identity compare(std::string name, const char* source, const Eigen::MatrixXd& lhs, const Eigen::MatrixXd& rhs) {
  return Identity{std::move(name), source, max_abs(lhs - rhs), std::max(max_abs(lhs), max_abs(rhs)), 1e-9};
}

/// lhs = rhs where the sides are differences of computed quantities (v_S - v_D against
/// tr(R Sigma)/(1 - gamma)): their rounding is relative to the operands, not to the difference,
/// so the scale is the largest operand. (With x0's mean at 1e9, J_S and J_D are about 1e19 and
/// J_S - J_D = 5.07 cancels entirely in double precision: against the size of the difference the
/// identity was reported to fail.)
Identity compare_differences(std::string name, const char* source, double lhs, double rhs,
                             std::initializer_list<double> operands) {
  double scale = std::max(std::abs(lhs), std::abs(rhs));
  for (const double x : operands) scale = std::max(scale, std::abs(x));
  return Identity{std::move(name), source, std::abs(lhs - rhs), scale, 1e-9};
}


/// The q_matrix blocks: Q(x,u) = xᵀQxx x + 2 xᵀQxu u + uᵀQuu u + const.
Eigen::MatrixXd block_ux(const LqgSolution& s, Eigen::Index n, Eigen::Index m) { return s.q_matrix.bottomLeftCorner(m, n); }
Eigen::MatrixXd block_uu(const LqgSolution& s, Eigen::Index m) { return s.q_matrix.bottomRightCorner(m, m); }

/// Stochastic PG in the likelihood-ratio form, E_{x~ρ, d}[ψ Q_S(x, μ(x) + d)] with
/// ψ = −Σ⁻¹ d xᵀ: the Gaussian moments give −2 (Qux − Quu K) X_S (Todorov 2025, eq. 6 for LQG).
Eigen::MatrixXd stochastic_policy_gradient(const LqgProblem& p, const LqgSolution& S) {
  return -2.0 * (block_ux(S, p.n(), p.m()) - block_uu(S, p.m()) * p.K) * S.state_moment;
}

/// Deterministic PG, Σ_t γᵗ E[∇_θ μ(x_t) ∇_u Q_D(x_t, u)|_{u = −K x_t}] with ∇_u Q_D = 2 (Qux x + Quu u)
/// and ∂μ_i/∂K_ij = −x_j (Silver et al. 2014; Todorov 2025, eq. 7).
Eigen::MatrixXd deterministic_policy_gradient(const LqgProblem& p, const LqgSolution& D) {
  return -2.0 * (block_ux(D, p.n(), p.m()) - block_uu(D, p.m()) * p.K) * D.state_moment;
}

}  // namespace

LqgPair solve_both_formulations(const LqgProblem& problem, const LqgSolveOptions& options) {
  LqgPair pair{problem, problem, {}, {}};
  pair.stochastic.formulation = Formulation::stochastic;
  pair.deterministic.formulation = Formulation::deterministic;
  pair.S = solve(pair.stochastic, options);
  LqgSolveOptions no_optimum = options;
  no_optimum.compute_optimal = false;
  pair.D = solve(pair.deterministic, no_optimum);
  return pair;
}

EquivalenceReport lqg_equivalence(const LqgPair& pair) {
  const LqgProblem& p = pair.stochastic;
  const LqgSolution &S = pair.S, &D = pair.D;
  EquivalenceReport r;
  // The state moment, P, the q_matrix and the Fisher matrix do not depend on the formulation
  // in the engine (the same dynamics; E l(x, μ + d) = l(x, μ) + tr(RΣ)): shared computations.
  const auto shared = [&r](Identity i) {
    i.by_construction = true;
    r.identities.push_back(std::move(i));
  };
  shared(compare("visitation: state moment X_S = X_D", kSection3, S.state_moment, D.state_moment));
  shared(compare("value: P_S = P_D (v_S - v_D is constant)", kSection3, S.P, D.P));
  if (p.gamma < 1.0) {
    const double noise_cost = (p.R * p.Sigma).trace() / p.one_minus_gamma();
    r.identities.push_back(compare_differences("v_S - v_D = tr(R Sigma)/(1 - gamma)", kSection3,
                                               S.value_constant - D.value_constant, noise_cost,
                                               {S.value_constant, D.value_constant}));
    r.identities.push_back(compare_differences("J_S - J_D = tr(R Sigma)/(1 - gamma)", kSection3, S.J - D.J, noise_cost,
                                               {S.J, D.J}));
  }
  const Eigen::MatrixXd spg = stochastic_policy_gradient(p, S), dpg = deterministic_policy_gradient(p, D);
  shared(compare("gradient: stochastic E[psi Q_S] = deterministic E[grad mu grad_u Q_D]", kSection3, spg, dpg));
  r.identities.push_back(compare("gradient: deterministic PG = adjoint dJ/dK (Fazel et al. 2018, Lemma 1)", kSection3, dpg, S.gradient));
  if (S.fisher && D.fisher) {  // (absent for gamma = 1, singular Sigma, or too many parameters)
    shared(compare("Fisher: F_S = modified F_D = E[grad mu Sigma^-1 grad mu'] (eq. 22)", kSection3, *S.fisher,
                   *D.fisher));
    shared(compare("natural gradient: F_S^-1 grad J_S = F_D^-1 grad J_D", kSection3, *S.natural_gradient,
                   *D.natural_gradient));
  } else {
    r.notes.push_back("Fisher identities skipped: they need gamma < 1, Sigma positive definite and at most " +
                      std::to_string(kMaxDenseFisherParameters) + " parameters");
  }
  shared(compare("Q_S - Q_D has no x or u dependence (q_matrix_S = q_matrix_D)", kSection3, S.q_matrix,
                 D.q_matrix));
  const double constant = S.q_constant - D.q_constant;
  if (p.gamma < 1.0) {
    const Eigen::MatrixXd BtPB = p.B.transpose() * S.P * p.B;
    const double noise = p.gamma * (p.R * p.Sigma).trace() / p.one_minus_gamma(), next = p.gamma * (BtPB * p.Sigma).trace();
    r.identities.push_back(compare_differences("Q_S - Q_D = gamma (tr(R Sigma)/(1 - gamma) - tr(B'PB Sigma))", kSection3,
                                               constant, noise - next, {S.q_constant, D.q_constant, noise, next}));
  }
  r.notes.push_back("in LQG, Q_S - Q_D is the constant " + detail::format_number(constant, 12) +
                    ": the S and D state-control values differ, their gradients do not");
  return r;
}

FiniteMdp deterministic_mdp(const FiniteMdp& mdp, const Eigen::MatrixXd& pi) {
  FiniteMdpBuilder d(mdp.num_states(), 1);
  d.gamma(mdp.gamma(), mdp.gamma_complement()).state_names(mdp.state_names()).action_names({"mu(s)"});
  d.start(mdp.start()).terminal(mdp.terminal());
  for (Index s = 0; s < mdp.num_states(); ++s) {
    if (!mdp.is_terminal(s))
      for (Index a = 0; a < mdp.num_actions(); ++a)
        for (const Outcome& o : mdp.outcomes_of(s, a))
          if (pi(s, a) > 0.0) d.add_outcome(o.next, pi(s, a) * o.probability, o.reward);
    d.end_row();
  }
  return std::move(d).build();
}

FinitePair solve_both_formulations(const FiniteProblem& problem, const FiniteSolveOptions& options) {
  FinitePair pair;
  pair.S = solve(problem.mdp, problem.policy, options);
  pair.d_mdp = deterministic_mdp(problem.mdp, pair.S.policy);
  FinitePolicy fixed;  // one action per state: the control mu(s) itself
  fixed.kind = PolicyKind::softmax_tabular;
  fixed.theta = Eigen::VectorXd::Zero(pair.d_mdp.num_states());
  FiniteSolveOptions no_fisher = options;
  no_fisher.compute_fisher = false;
  pair.D = solve(pair.d_mdp, fixed, no_fisher);
  return pair;
}

EquivalenceReport finite_equivalence(const FiniteProblem& problem, const FinitePair& pair) {
  const FiniteMdp& mdp = problem.mdp;
  const Index S = mdp.num_states(), A = mdp.num_actions();
  EquivalenceReport r;
  // P_S(s'|s) = sum_a pi(a|s) P(s'|s,a) and P_D(s'|s) = P_D(s'|s, mu(s)) (eq. 47), compared a row
  // at a time as sparse rows: memory for one row, not two S x S matrices.
  {
    const Eigen::MatrixXd one = Eigen::MatrixXd::Ones(S, 1);  // pi = 1 for the D-MDP's one control
    detail::SparseRow p_s, p_d;
    detail::RowDeviation transitions;
    for (Index s = 0; s < S; ++s) {
      detail::policy_transition_row(mdp, pair.S.policy, s, p_s);
      detail::policy_transition_row(pair.d_mdp, one, s, p_d);
      transitions.include(p_s, p_d);
    }
    r.identities.push_back(Identity{"transitions: P_S = P_D under mu(s) = pi(.|s) (eq. 47)", kTheorem1,
                                    transitions.deviation, transitions.scale, 1e-9});
  }
  r.identities.push_back(compare("value: v_S = v_D", kTheorem1, pair.S.v, pair.D.v));
  r.identities.push_back(compare("visitation: occupancy_S = occupancy_D", kTheorem1, pair.S.occupancy, pair.D.occupancy));
  // grad_eta Q_D(s, eta) = r(s, .) + gamma sum_s' P(s'|s, .) v_D(s'): Q_D is linear in eta.
  const Eigen::MatrixXd r_sa = mdp.expected_reward();
  Eigen::MatrixXd weight = Eigen::MatrixXd::Zero(S, A);
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s) || pair.D.occupancy(s) == 0.0) continue;
    for (Index a = 0; a < A; ++a) {
      double next = 0.0, total = 0.0;
      for (const Outcome& o : mdp.outcomes_of(s, a)) next += o.probability * pair.D.v(o.next), total += o.probability;
      if (total != 1.0) {
        // A row the reader accepted as a distribution, its sum within 1e-9 of 1 (spec §1): its
        // probability of staying is the complement of the rest, as in the solver's q
        // (src/finite/action_values.hpp); the raw sum differed from it by up to 1e-9 gamma |v|, beyond
        // the identity's tolerance (found by the mutation test: a probability times 1 + 1e-9).
        next = pair.D.v(s);
        for (const Outcome& o : mdp.outcomes_of(s, a))
          if (o.next != s) next += o.probability * (pair.D.v(o.next) - pair.D.v(s));
      }
      weight(s, a) = pair.D.occupancy(s) * (r_sa(s, a) + mdp.gamma() * next);
    }
  }
  const Eigen::VectorXd dpg = contract_policy_derivative(mdp, problem.policy, pair.S.policy, weight);
  r.identities.push_back(compare("gradient: DPG sum_s eta(s) grad mu(s) grad_eta Q_D = stochastic PG", kTheorem1,
                                 dpg, pair.S.gradient));
  r.notes.push_back("Q_D(s, eta) is linear in eta and equals q_S(s, a) at the vertex eta = e_a; Q_D(s, mu(s)) = v(s)");
  return r;
}

}  // namespace pgtruth
