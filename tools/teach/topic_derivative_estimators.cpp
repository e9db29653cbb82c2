// Topic 1: the three classic derivative estimators of E_{x~N(theta,1)}[x^2 theta] (teach/toy.hpp).
#include <cmath>

#include "teach/toy.hpp"
#include "teach/page.hpp"

namespace pgtruth::teach {

Page derivative_estimators(const TeachOptions& options) {
  constexpr double theta = 1.0;
  constexpr int trials = 1000, batch = 1000;
  const double truth = toy_gradient(theta);

  Page page("derivative-estimators", "Three ways to differentiate an expectation", options);
  page.data.update(nlohmann::json{{"theta", theta},
               {"trials", trials}, {"batch", batch}, {"truth", truth}});
  page.markdown =
      "We want dJ/dθ for J(θ) = E_{x~N(θ,1)}[x²θ] = θ³ + θ, whose exact value is 1 + 3θ² = " + cell(truth) +
      " at θ = " + cell(theta) +
      ". Three single-sample estimators are in common use (Mohamed, Rosca, Figurnov & Mnih 2020, "
      "*Monte Carlo gradient estimation in machine learning*, JMLR 21):\n\n"
      "* **naive**: differentiate x²θ with x held fixed, giving x². It ignores that the distribution of x "
      "depends on θ, so its mean is θ² + 1 = 2, not 4: a bias of −2.\n"
      "* **score function** (REINFORCE): f(x, θ) ∂log p(x; θ)/∂θ + ∂f/∂θ = θx³ − θ²x² + x². Unbiased, "
      "but it multiplies f by the score x − θ and inherits a large variance.\n"
      "* **reparameterisation** (pathwise): write x = θ + ε, ε ~ N(0, 1), and differentiate "
      "f(θ + ε, θ) = (θ + ε)²θ, giving x² + 2θx. Unbiased with a much smaller variance.\n\n"
      "Each estimator is a polynomial in x, so its exact mean and variance follow from the moments "
      "of N(θ, 1). Below, " + std::to_string(trials) + " trials each average a batch of " +
      std::to_string(batch) + " samples; the sampled columns come from those trials, the exact ones "
      "from the moments.\n\n";

  std::vector<std::vector<std::string>> rows;
  nlohmann::json series = nlohmann::json::array(), table = nlohmann::json::array();
  for (const ToyEstimator e : toy_estimators()) {
    std::vector<double> estimates(trials);
    for (int t = 0; t < trials; ++t) {
      Rng rng(options.seed, static_cast<std::uint64_t>(static_cast<int>(e) * trials + t));
      double sum = 0.0;
      for (int i = 0; i < batch; ++i) sum += toy_sample(e, theta, rng);
      estimates[static_cast<std::size_t>(t)] = sum / batch;
    }
    double mean = 0.0, squared_error = 0.0;
    for (const double x : estimates) mean += x / trials, squared_error += (x - truth) * (x - truth) / trials;
    double variance = 0.0;
    for (const double x : estimates) variance += (x - mean) * (x - mean) / (trials - 1);
    const double exact_mean = toy_mean(e, theta), exact_variance = toy_variance(e, theta) / batch;
    const double exact_mse = (exact_mean - truth) * (exact_mean - truth) + exact_variance;
    rows.push_back({toy_name(e), cell(exact_mean - truth), cell(mean - truth), cell(exact_variance),
                    cell(variance), cell(exact_mse), cell(squared_error)});
    table.push_back({{"estimator", toy_name(e)},
                     {"exact_bias", exact_mean - truth},
                     {"sampled_bias", mean - truth},
                     {"standard_error_of_bias", std::sqrt(variance / trials)},
                     {"exact_variance", exact_variance},
                     {"sampled_variance", variance},
                     {"exact_mse", exact_mse},
                     {"sampled_mse", squared_error},
                     {"exact_variance_per_sample", toy_variance(e, theta)}});
    series.push_back({{"label", toy_name(e)}, {"samples", estimates}});
  }
  page.data["tables"]["estimators"] = table;
  page.markdown += markdown_table({"estimator", "bias (exact)", "bias (sampled)", "variance (exact)",
                                   "variance (sampled)", "MSE (exact)", "MSE (sampled)"},
                                  rows);
  page.markdown +=
      "Variance and MSE are those of one trial's batch mean, so the exact variance is the per-sample "
      "variance divided by " + std::to_string(batch) + ". The score-function estimator is unbiased "
      "yet its MSE is larger than the naive estimator's squared bias would suggest; "
      "reparameterisation wins on both counts here.\n\n";
  page.add_figure({{"file", "derivative-estimators"},
                   {"kind", "histograms"},
                   {"title", "Batch-mean estimates of dJ/dθ at θ = 1"},
                   {"xlabel", "estimate (mean of " + std::to_string(batch) + " samples)"},
                   {"ylabel", "trials"},
                   {"series", series},
                   {"vlines", {{{"x", truth}, {"label", "exact gradient 1 + 3θ²"}}}}},
                  "The three estimators over " + std::to_string(trials) +
                      " trials. The naive histogram sits 2 to the left of the exact gradient (its bias); "
                      "the score-function one is centred on it but wide; the reparameterised one is "
                      "centred and narrow, as the exact variances in the table predict.");
  return page;
}

}  // namespace pgtruth::teach
