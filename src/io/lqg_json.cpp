#include <algorithm>
#include <cassert>

#include "io/json_output.hpp"
#include "pgtruth/io/solution_json.hpp"

namespace pgtruth {

const std::vector<std::string>& lqg_solution_keys() {
  static const std::vector<std::string> keys{
      "problem",      "formulation", "sense",      "J",          "P",       "value_constant",   "gradient",
      "gradient_sigma", "state_moment", "q_matrix", "q_constant", "fisher", "fisher_rank", "natural_gradient",
      "spectral_radius", "optimal",  "solver"};
  return keys;
}

std::string lqg_key_unavailable(const LqgProblem& problem, const LqgSolution& solution, const std::string& key) {
  if (key == "gradient_sigma" && !solution.gradient_sigma) return "dJ/dSigma is not defined with gamma = 1";
  if ((key == "fisher" || key == "fisher_rank" || key == "natural_gradient") && !solution.natural_gradient)
    return problem.gamma == 1.0 ? "the Fisher matrix needs gamma < 1" : "the Fisher matrix needs Sigma positive definite";
  if (key == "fisher" && !solution.fisher)
    return "the Fisher matrix has " + std::to_string(problem.m() * problem.n()) + " rows, too many to form (at most " +
           std::to_string(kMaxDenseFisherParameters) + "); fisher_rank and natural_gradient are available";
  if (key == "optimal" && !solution.optimal) return "no optimal policy: " + solution.optimal_unavailable;
  return "";
}

namespace {

/// The `error_bounds` object: J, P, state_moment, gradient, then a key for each derived quantity
/// that is available, named as its output key.
detail::OrderedJson error_bounds_json(const LqgSolution& s) {
  const LqgErrorBounds& b = s.summary.error_bounds;
  detail::OrderedJson out{{"J", b.J},
                          {"P", b.P},
                          {"state_moment", b.state_moment},
                          {"gradient", b.gradient},
                          {"value_constant", b.value_constant}};
  if (s.gradient_sigma) out["gradient_sigma"] = b.gradient_sigma;
  out["q_matrix"] = b.q_matrix;
  out["q_constant"] = b.q_constant;
  if (s.fisher) out["fisher"] = b.fisher;
  if (s.natural_gradient) out["natural_gradient"] = b.natural_gradient;
  if (s.optimal) out["optimal"] = detail::OrderedJson{{"K", b.optimal_K}, {"P", b.optimal_P}, {"J", b.optimal_J}};
  return out;
}

}  // namespace

std::string lqg_solution_json(const LqgProblem& problem, const LqgSolution& s, const std::vector<std::string>& keys,
                              int indent) {
  using detail::matrix_json;
  std::vector<std::string> wanted = keys;
  if (wanted.empty())
    std::copy_if(lqg_solution_keys().begin(), lqg_solution_keys().end(), std::back_inserter(wanted),
                 [&](const std::string& k) { return lqg_key_unavailable(problem, s, k).empty(); });
  detail::OrderedJson out = detail::OrderedJson::object();
  for (const std::string& key : wanted) {
    assert(lqg_key_unavailable(problem, s, key).empty());
    if (key == "problem") out[key] = "lqg";
    else if (key == "formulation") out[key] = problem.formulation == Formulation::stochastic ? "stochastic" : "deterministic";
    else if (key == "sense") out[key] = "cost";
    else if (key == "J") out[key] = s.J;
    else if (key == "P") out[key] = matrix_json(s.P);
    else if (key == "value_constant") out[key] = s.value_constant;
    else if (key == "gradient") out[key] = matrix_json(s.gradient);
    else if (key == "gradient_sigma") out[key] = matrix_json(*s.gradient_sigma);
    else if (key == "state_moment") out[key] = matrix_json(s.state_moment);
    else if (key == "q_matrix") out[key] = matrix_json(s.q_matrix);
    else if (key == "q_constant") out[key] = s.q_constant;
    else if (key == "fisher") out[key] = matrix_json(*s.fisher);
    else if (key == "fisher_rank") out[key] = *s.fisher_rank;
    else if (key == "natural_gradient") out[key] = matrix_json(*s.natural_gradient);
    else if (key == "spectral_radius") out[key] = s.spectral_radius;
    else if (key == "optimal")
      out[key] = detail::OrderedJson{{"K", matrix_json(s.optimal->K)}, {"P", matrix_json(s.optimal->P)}, {"J", s.optimal->J}};
    else if (key == "solver")
      out[key] = detail::OrderedJson{{"method", s.summary.method},
                                     {"value_residual", s.summary.value_residual},
                                     {"moment_residual", s.summary.moment_residual},
                                     {"riccati_residual", s.summary.riccati_residual},
                                     {"seconds", s.summary.seconds},
                                     {"precision", s.summary.precision},
                                     {"spectral_radius_bound", s.summary.spectral_radius_bound},
                                     {"stability_margin", s.summary.stability_margin},
                                     {"stein_condition", s.summary.stein_condition},
                                     {"error_bounds", error_bounds_json(s)},
                                     {"first_order_bounds", s.summary.error_bounds.first_order}};
    else assert(false && "unknown key");
  }
  return out.dump(indent);
}

}  // namespace pgtruth
