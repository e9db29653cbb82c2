// pgtruth_calibrate [--seeds N] [--alpha A] [--budgets 1000,4000,20000] CASE...
// The long calibration matrix of docs/check-test.md: one line per case, estimator and budget.
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "calibration/calibration.hpp"

int main(int argc, char** argv) {
  pgtruth::calibration::Plan plan;
  plan.budgets = {1000, 2000, 4000, 10000, 20000};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seeds" && i + 1 < argc) plan.seeds = std::atol(argv[++i]);
    else if (a == "--alpha" && i + 1 < argc) plan.alpha = std::atof(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) plan.threads = std::atoi(argv[++i]);
    else if (a == "--budgets" && i + 1 < argc) {
      plan.budgets.clear();
      std::stringstream list(argv[++i]);
      for (std::string b; std::getline(list, b, ',');) plan.budgets.push_back(std::atol(b.c_str()));
    } else plan.cases.push_back(a);
  }
  if (plan.cases.empty() || plan.seeds < 2) {
    std::cerr << "usage: pgtruth_calibrate [--seeds N] [--alpha A] [--threads T] [--budgets B1,B2,...] CASE...\n";
    return 2;
  }
  std::cout << "false alarms (inconsistent) / undecided / consistent over " << plan.seeds << " seeds at alpha "
            << plan.alpha << "; a cell exceeds its bound with probability < " << plan.cell_tail << " when calibrated\n";
  long exceeded = 0;
  pgtruth::calibration::run(plan, [&](const pgtruth::calibration::Cell& c) {
    std::cout << pgtruth::calibration::format(c) << std::endl;
    exceeded += !c.within();
  });
  std::cout << (exceeded ? std::to_string(exceeded) + " cells EXCEEDED their bound" : "every cell within its bound") << "\n";
  return exceeded ? 1 : 0;
}
