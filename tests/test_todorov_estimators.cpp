// Todorov's (2025) model-based estimators, eqs. 42-44: the K functions against Stein's lemma
// at fixed states, consistency with the exact gradient on three LQG systems in both
// formulations, power against broken variants written here, a wrong baseline v̂, and the time
// origin of the discounted density (5).
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <cmath>

#include "command.hpp"
#include "pgtruth/sampling/check.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/sampling/todorov.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

LqgProblem load_lqg(const std::string& name) { return std::get<LqgProblem>(load_problem(test::case_path(name))); }

LqgSolution solve_lqg(const LqgProblem& p) {
  LqgSolveOptions no_optimum;
  no_optimum.compute_optimal = false;
  return solve(p, no_optimum);
}

Eigen::VectorXd vec_row(const Eigen::MatrixXd& M) { return Eigen::VectorXd(M.transpose().reshaped()); }

/// The three systems: scalar (process noise), double integrator (process noise, Σ = 0.05),
/// three-state (cross term N, correlated process noise, two controls).
const char* const kSystems[] = {"scalar-lqr", "double-integrator", "three-state"};

const Estimator kTodorov[] = {Estimator::todorov_ks, Estimator::todorov_kd, Estimator::todorov_ks_baseline,
                              Estimator::todorov_kd_baseline};

/// g = ∇_u ℓ(x, μ) + γ K(x, u) of (42) with a given K.
TodorovControlTerm with_k(Eigen::VectorXd (*K)(const TodorovModel&, const TodorovStep&)) {
  return [K](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
    return cost_gradient_at_mean(m, s) + m.problem.gamma * K(m, s);
  };
}

}  // namespace

TEST_CASE("todorov K functions: at a fixed state each has the mean E_u[B' grad v(f(x, u) + w)] (Stein's lemma, eq. 27)") {
  // Independent of the sampler and of (42): at one state, E[K_S] = E[K_D] = E[K̃_S] = E[K̃_D]
  // = 2 B'P (A x + B mu), by Gaussian moments (E d = 0, E d d' = Sigma, E w = 0).
  for (const char* name : {"three-state-stochastic.json", "scalar-lqr-deterministic.json"}) {
    CAPTURE(std::string(name));
    const LqgProblem p = load_lqg(name);
    for (const double scale : {1.0, 0.3}) {
      const auto model = make_todorov_model(p, scale);
      const TodorovModel& m = *model;
      const Eigen::MatrixXd P = solve_lqg(p).P;
      TodorovStep s;
      s.x = Eigen::VectorXd::LinSpaced(p.n(), 0.7, -0.4);
      s.mu = -p.K * s.x;
      const Eigen::VectorXd expected = 2.0 * p.B.transpose() * P * (p.A * s.x + p.B * s.mu);
      Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(p.m(), 4), squares = sums;
      Rng rng(5, 0);
      const long draws = 200000;
      const Eigen::MatrixXd Ld = Eigen::LLT<Eigen::MatrixXd>(p.Sigma).matrixL(), Lw = Eigen::LLT<Eigen::MatrixXd>(p.W).matrixL();
      for (long i = 0; i < draws; ++i) {
        Eigen::VectorXd zd(p.m()), zw(p.n());
        for (Eigen::Index k = 0; k < zd.size(); ++k) zd(k) = rng.normal();
        for (Eigen::Index k = 0; k < zw.size(); ++k) zw(k) = rng.normal();
        s.d = Ld * zd, s.u = s.mu + s.d;
        s.next_at_mean = p.A * s.x + p.B * s.mu + Lw * zw;
        s.next = s.next_at_mean + p.B * s.d;
        const Eigen::VectorXd k[] = {k_stochastic(m, s), k_deterministic(m, s), k_stochastic_baselined(m, s),
                                     k_deterministic_baselined(m, s)};
        for (int j = 0; j < 4; ++j) sums.col(j) += k[j], squares.col(j) += k[j].cwiseAbs2();
      }
      for (int j = 0; j < 4; ++j) {
        CAPTURE(j);
        CAPTURE(scale);
        const Eigen::VectorXd mean = sums.col(j) / draws;
        const Eigen::VectorXd se = ((squares.col(j) / draws - mean.cwiseAbs2()) / draws).cwiseSqrt();
        for (Eigen::Index i = 0; i < mean.size(); ++i) CHECK(std::abs(mean(i) - expected(i)) <= 5.0 * se(i) + 1e-12);
      }
    }
  }
}

TEST_CASE("todorov: each of the four is consistent on three LQG systems in both formulations (alpha 1e-4 each)") {
  CheckOptions options;
#ifdef PGTRUTH_TESTS_UNDER_SANITIZERS
  options.episodes = 2000;
#else
  options.episodes = 10000;
#endif
  options.alpha = 1e-4;  // 24 checks: family-wise false-alarm rate below 0.25%
  options.seed = 43;
  int decided = 0, runs = 0;
  for (const char* system : kSystems) {
    for (const char* formulation : {"-stochastic.json", "-deterministic.json"}) {
      const std::string name = std::string(system) + formulation;
      const LqgProblem p = load_lqg(name);
      const LqgSolution sol = solve_lqg(p);
      for (const Estimator e : kTodorov) {
        CAPTURE(name);
        CAPTURE(std::string(estimator_name(e)));
        CHECK(estimator_applies(p, e));
        const CheckResult r = check_estimator(p, sol, e, options);
        CAPTURE(r.test.reason);
        CHECK(r.verdict != Verdict::inconsistent);
        decided += r.verdict == Verdict::consistent, runs += 1;
      }
    }
  }
  // At alpha 1e-4 a skewed estimate may be undecided at this budget (pgtruth/sampling/check.hpp); most are decided.
  MESSAGE(decided << " of " << runs << " decided");
  CHECK(2 * decided >= runs);
}

TEST_CASE("todorov: broken variants are caught at the default budget (20000 episodes, alpha 0.01)") {
  const CheckOptions options;  // the defaults a user gets
  const std::pair<const char*, TodorovControlTerm> broken[] = {
      {"Sigma in place of Sigma^-1 in K_S",
       [](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
         return cost_gradient_at_mean(m, s) + m.problem.gamma * (m.problem.Sigma * s.d * m.v(s.next));
       }},
      {"K_D without gamma",
       [](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
         return cost_gradient_at_mean(m, s) + k_deterministic(m, s);
       }},
      {"the baseline of K~_S evaluated at the sampled u instead of at mu",
       [](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
         return cost_gradient_at_mean(m, s) + m.problem.gamma * (m.Sigma_inv * s.d * (m.v(s.next) - m.v_hat(s.next)));
       }},
  };
  // The same mistake in K~_D is invisible in LQG: the Hessian of a quadratic v̂ is the same at
  // f(x, u) and at f(x, mu) (pgtruth/sampling/todorov.hpp), so there is nothing to catch.
  // On three-state (gamma = 0.97) a missing gamma scales K_D's term by 1.03 only, which 20000
  // episodes do not resolve (measured); the two systems below resolve all three mistakes.
  for (const char* name : {"scalar-lqr-stochastic.json", "double-integrator-deterministic.json"}) {
    const LqgProblem p = load_lqg(name);
    const Eigen::VectorXd truth = vec_row(solve_lqg(p).gradient);
    const auto model = make_todorov_model(p);
    for (const auto& [what, g] : broken) {
      CAPTURE(std::string(name));
      CAPTURE(std::string(what));
      CHECK(run_check(what, todorov_sampler(model, g), truth, options).verdict == Verdict::inconsistent);
    }
  }
}

TEST_CASE("todorov: the discounted density (5) counts x_0 at weight 1; read from x_1 it is inconsistent") {
  // (42) with rho = sum_{t>=0} gamma^t p(x_t) is the exact gradient; the other reading of (5),
  // sum_{t>=1} gamma^(t-1) p(x_t), drops x_0 and weighs step t by gamma^(t-1): its estimate is
  // sum_{t>=1} (term_t) / gamma along the same episodes.
  const CheckOptions options;
  for (const char* name : {"scalar-lqr-stochastic.json", "three-state-deterministic.json"}) {
    CAPTURE(std::string(name));
    const LqgProblem p = load_lqg(name);
    const Eigen::VectorXd truth = vec_row(solve_lqg(p).gradient);
    const auto model = make_todorov_model(p);
    const TodorovControlTerm from_zero = with_k(&k_deterministic);
    const TodorovControlTerm from_one = [from_zero](const TodorovModel& m, const TodorovStep& s) -> Eigen::VectorXd {
      if (s.t == 0) return Eigen::VectorXd::Zero(m.problem.m());
      return from_zero(m, s) / m.problem.gamma;
    };
    CHECK(run_check("rho from t = 0", todorov_sampler(model, from_zero), truth, options).verdict == Verdict::consistent);
    CHECK(run_check("rho from t = 1", todorov_sampler(model, from_one), truth, options).verdict == Verdict::inconsistent);
  }
}

TEST_CASE("todorov: a wrong baseline v̂ = s v keeps the baselined estimators unbiased") {
  CheckOptions options;
  options.episodes = 10000;
  options.alpha = 1e-3;
  options.seed = 8;
  for (const char* name : {"three-state-stochastic.json", "double-integrator-deterministic.json"}) {
    const LqgProblem p = load_lqg(name);
    const LqgSolution sol = solve_lqg(p);
    for (const double scale : {0.5, 3.0}) {
      options.estimator.vhat_scale = scale;
      for (const Estimator e : {Estimator::todorov_ks_baseline, Estimator::todorov_kd_baseline}) {
        CAPTURE(std::string(name));
        CAPTURE(scale);
        CAPTURE(std::string(estimator_name(e)));
        CHECK(check_estimator(p, sol, e, options).verdict != Verdict::inconsistent);
      }
    }
  }
}

TEST_CASE("todorov: v̂ = 0 turns each baselined estimator into the plain one, draw for draw") {
  const LqgProblem p = load_lqg("three-state-stochastic.json");
  EstimatorOptions zero;
  zero.vhat_scale = 0.0;
  const std::pair<Estimator, Estimator> pairs[] = {{Estimator::todorov_ks_baseline, Estimator::todorov_ks},
                                                   {Estimator::todorov_kd_baseline, Estimator::todorov_kd}};
  for (const auto& [baselined, plain] : pairs) {
    const EstimateSampler a = lqg_estimator(p, baselined, zero), b = lqg_estimator(p, plain, {});
    for (std::uint64_t episode = 0; episode < 50; ++episode) {
      Rng ra(3, episode), rb(3, episode);
      const Eigen::VectorXd x = a(ra), y = b(rb);
      CHECK((x - y).norm() <= 1e-12 * (1.0 + y.norm()));
    }
  }
}

TEST_CASE("todorov: K_S needs Sigma positive definite, K_D does not; finite MDPs are refused with one line, exit 2") {
  LqgProblem p = load_lqg("scalar-lqr-deterministic.json");
  p.Sigma.setZero();
  std::string why;
  CHECK(!estimator_applies(p, Estimator::todorov_ks, &why));
  CHECK(why == "the estimator todorov-ks uses Sigma^-1 (u - mu) (Todorov 2025, eq. 43), which needs Sigma positive definite");
  CHECK(!estimator_applies(p, Estimator::todorov_ks_baseline));
  CHECK(estimator_applies(p, Estimator::todorov_kd));
  CHECK(estimator_applies(p, Estimator::todorov_kd_baseline));
  CHECK_THROWS_AS(lqg_estimator(p, Estimator::todorov_ks, {}), InputError);
  // With Sigma = 0 the control is deterministic and K_D is still consistent.
  CheckOptions options;
  options.episodes = 4000;
  CHECK(check_estimator(p, solve_lqg(p), Estimator::todorov_kd, options).verdict != Verdict::inconsistent);

  for (const char* estimator : {"todorov-ks", "todorov-kd-baseline"}) {
    const test::Run r = test::pgtruth_run({"check", test::case_path("two-state.json"), "--estimator", estimator});
    CHECK(r.code == 2);
    CHECK(test::is_one_line(r.err));
    CHECK(r.err.find("needs a continuous control") != std::string::npos);
  }
  const test::Run bad = test::pgtruth_run({"check", test::case_path("scalar-lqr-stochastic.json"), "--estimator",
                                           "todorov-ks-baseline", "--vhat-scale", "two"});
  CHECK(bad.code == 2);
  CHECK(test::is_one_line(bad.err));
  const test::Run misplaced = test::pgtruth_run({"check", test::case_path("scalar-lqr-stochastic.json"), "--estimator",
                                                 "todorov-ks", "--vhat-scale", "2"});
  CHECK(misplaced.code == 2);
  CHECK(test::is_one_line(misplaced.err));
  const test::Run wrong = test::pgtruth_run({"check", test::case_path("scalar-lqr-stochastic.json"), "--estimator",
                                             "todorov-kd-baseline", "--vhat-scale", "2", "--episodes", "4000"});
  CHECK(wrong.code == 0);
}
