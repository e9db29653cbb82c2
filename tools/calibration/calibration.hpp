#pragma once
// The calibration matrix of `pgtruth check`: over many seeds, how often a check of an unbiased
// estimator says "inconsistent" (a false alarm), "undecided" or "consistent", per case,
// estimator and budget, against a binomial bound at the test's alpha. The tests run a small
// plan; tools/calibrate runs the full one (docs/check-test.md).

#include <functional>
#include <string>
#include <vector>

namespace pgtruth::calibration {

struct Plan {
  std::vector<std::string> cases;  ///< problem files
  std::vector<long> budgets;       ///< episodes per check
  long seeds = 200;
  double alpha = 0.05;
  double cell_tail = 1e-3;  ///< a cell fails when its false alarms exceed the Binomial(seeds, alpha) quantile at 1 − cell_tail
  int threads = 1;          ///< per check (checks run one after another)
};

struct Cell {
  std::string problem, estimator;
  long episodes = 0, seeds = 0;
  long inconsistent = 0, undecided = 0, consistent = 0;
  long bound = 0;  ///< the most false alarms a calibrated test shows but with probability cell_tail
  bool within() const { return inconsistent <= bound; }
};

/// The largest k with P(Binomial(n, p) > k) <= tail.
long binomial_bound(long n, double p, double tail);

/// Runs every applicable unbiased estimator of every case at every budget over plan.seeds seeds
/// (seeds 0 .. seeds − 1); `report` is called as each cell is done.
std::vector<Cell> run(const Plan& plan, const std::function<void(const Cell&)>& report = {});

/// One line per cell: problem, estimator, episodes, inconsistent / undecided / consistent, bound.
std::string format(const Cell& cell);

}  // namespace pgtruth::calibration
