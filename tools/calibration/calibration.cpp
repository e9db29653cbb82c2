#include "calibration/calibration.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <cstdio>
#include <variant>

#include "pgtruth/sampling/check.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::calibration {

long binomial_bound(long n, double p, double tail) {
  const boost::math::binomial_distribution<double> B(static_cast<double>(n), p);
  long k = 0;
  while (k < n && boost::math::cdf(boost::math::complement(B, static_cast<double>(k))) > tail) ++k;
  return k;
}

namespace {

/// The unbiased estimators of a problem and a check of each: reinforce-rtg-undiscounted is
/// biased when gamma < 1 and is left out there.
struct Target {
  std::vector<Estimator> estimators;
  std::function<CheckResult(Estimator, const CheckOptions&)> check;
};

Target target(const std::string& file) {
  Target t;
  const Problem loaded = load_problem(file);
  if (const auto* finite = std::get_if<FiniteProblem>(&loaded)) {
    auto problem = std::make_shared<FiniteProblem>(*finite);
    auto solution = std::make_shared<FiniteSolution>(solve(problem->mdp, problem->policy));
    for (const EstimatorInfo& info : estimator_table())
      if (estimator_applies(*problem, info.id) &&
          !(info.id == Estimator::reinforce_rtg_undiscounted && problem->mdp.gamma() < 1.0))
        t.estimators.push_back(info.id);
    t.check = [problem, solution](Estimator e, const CheckOptions& o) { return check_estimator(*problem, *solution, e, o); };
    return t;
  }
  auto problem = std::make_shared<LqgProblem>(std::get<LqgProblem>(loaded));
  LqgSolveOptions no_optimum;
  no_optimum.compute_optimal = false;
  auto solution = std::make_shared<LqgSolution>(solve(*problem, no_optimum));
  for (const EstimatorInfo& info : estimator_table())
    if (estimator_applies(*problem, info.id) && info.id != Estimator::reinforce_rtg_undiscounted)
      t.estimators.push_back(info.id);
  t.check = [problem, solution](Estimator e, const CheckOptions& o) { return check_estimator(*problem, *solution, e, o); };
  return t;
}

}  // namespace

std::vector<Cell> run(const Plan& plan, const std::function<void(const Cell&)>& report) {
  std::vector<Cell> cells;
  const long bound = binomial_bound(plan.seeds, plan.alpha, plan.cell_tail);
  for (const std::string& file : plan.cases) {
    const Target t = target(file);
    for (const Estimator e : t.estimators)
      for (const long episodes : plan.budgets) {
        Cell cell{file, estimator_name(e), episodes, plan.seeds, 0, 0, 0, bound};
        for (long seed = 0; seed < plan.seeds; ++seed) {
          CheckOptions o;
          o.episodes = episodes;
          o.seed = static_cast<std::uint64_t>(seed);
          o.alpha = plan.alpha;
          o.threads = plan.threads;
          switch (t.check(e, o).verdict) {
            case Verdict::inconsistent: ++cell.inconsistent; break;
            case Verdict::undecided: ++cell.undecided; break;
            case Verdict::consistent: ++cell.consistent; break;
          }
        }
        if (report) report(cell);
        cells.push_back(cell);
      }
  }
  return cells;
}

std::string format(const Cell& c) {
  char line[256];
  std::snprintf(line, sizeof line, "%-40s %-28s %8ld  %4ld %4ld %4ld  bound %ld%s", c.problem.c_str(), c.estimator.c_str(),
                c.episodes, c.inconsistent, c.undecided, c.consistent, c.bound, c.within() ? "" : "  EXCEEDED");
  return line;
}

}  // namespace pgtruth::calibration
