#include "pgtruth/io/solution_json.hpp"

#include <algorithm>
#include <cassert>
#include <optional>

#include "io/json_output.hpp"

namespace pgtruth {
namespace {

using Json = detail::OrderedJson;
using detail::matrix_json;
using detail::vector_json;

/// A vector in the shape of theta: rows of num_actions for direct policies.
Json theta_shaped_json(const FinitePolicy& policy, Index num_actions, const Eigen::VectorXd& x) {
  if (policy.kind != PolicyKind::direct) return vector_json(x);
  return matrix_json(Eigen::MatrixXd(x.reshaped<Eigen::RowMajor>(x.size() / num_actions, num_actions)));
}

Json summary_json(const LinearSolveSummary& s) {
  Json out{{"method", s.method},
           {"unknowns", s.unknowns},
           {"nonzeros", s.nonzeros},
           {"bellman_residual", s.bellman_residual},
           {"flow_residual", s.flow_residual},
           {"condition", s.condition},
           {"condition_is_bound", s.condition_is_bound}};
  // Each error bound beside the one it derives from; the optional ones only when computed.
  const auto bound = [&out](const char* key, const std::optional<double>& x) {
    if (x) out[key] = *x;
  };
  out["value_error"] = s.value_error;
  bound("J_error", s.J_error);
  bound("q_error", s.q_error);
  bound("advantage_error", s.advantage_error);
  out["occupancy_error"] = s.occupancy_error;
  bound("expected_length_error", s.expected_length_error);
  bound("visitation_error", s.visitation_error);
  out["gradient_error"] = s.gradient_error;
  bound("fisher_error", s.fisher_error);
  bound("natural_gradient_error", s.natural_gradient_error);
  out["iterations"] = s.iterations;
  out["seconds"] = s.seconds;
  return out;
}

bool is_fisher_key(const std::string& key) {
  return key == "fisher" || key == "fisher_rank" || key == "natural_gradient";
}

}  // namespace

std::string linear_solve_summary_json(const LinearSolveSummary& summary) { return summary_json(summary).dump(); }

const std::vector<std::string>& finite_solution_keys() {
  static const std::vector<std::string> keys{
      "problem",   "states",          "actions",    "sense",    "J",        "v",
      "q",         "advantage",       "policy",     "occupancy", "expected_length",
      "visitation", "gradient",       "fisher",     "fisher_rank", "natural_gradient", "solver"};
  return keys;
}

std::string finite_key_unavailable(const FiniteProblem& problem, const std::string& key) {
  if (!is_fisher_key(key)) return "";
  if (!problem.policy.is_softmax()) return "\"" + key + "\" is defined for softmax policies only";
  if (key == "fisher" && problem.policy.num_parameters() > kMaxDenseFisherParameters)
    return "the Fisher matrix has " + std::to_string(problem.policy.num_parameters()) +
           " rows, too many to print (at most " + std::to_string(kMaxDenseFisherParameters) +
           "); fisher_rank and natural_gradient are available";
  return "";
}

std::string finite_solution_json(const FiniteProblem& problem, const FiniteSolution& solution,
                                 const std::vector<std::string>& keys, int indent) {
  const FiniteMdp& mdp = problem.mdp;
  const Index A = mdp.num_actions();
  std::vector<std::string> wanted = keys;
  if (wanted.empty())
    std::copy_if(finite_solution_keys().begin(), finite_solution_keys().end(), std::back_inserter(wanted),
                 [&](const std::string& k) { return finite_key_unavailable(problem, k).empty(); });
  Json out = Json::object();
  for (const std::string& key : wanted) {
    assert(finite_key_unavailable(problem, key).empty());
    if (key == "problem") out[key] = "finite";
    else if (key == "states") out[key] = mdp.state_names();
    else if (key == "actions") out[key] = mdp.action_names();
    else if (key == "sense") out[key] = "reward";
    else if (key == "J") out[key] = solution.J;
    else if (key == "v") out[key] = vector_json(solution.v);
    else if (key == "q") out[key] = matrix_json(solution.q);
    else if (key == "advantage") out[key] = matrix_json(solution.advantage);
    else if (key == "policy") out[key] = matrix_json(solution.policy);
    else if (key == "occupancy") out[key] = vector_json(solution.occupancy);
    else if (key == "expected_length") out[key] = solution.expected_length;
    else if (key == "visitation") out[key] = vector_json(solution.visitation);
    else if (key == "gradient") out[key] = theta_shaped_json(problem.policy, A, solution.gradient);
    else if (key == "fisher") out[key] = matrix_json(*solution.fisher);
    else if (key == "fisher_rank") out[key] = *solution.fisher_rank;
    else if (key == "natural_gradient") out[key] = theta_shaped_json(problem.policy, A, *solution.natural_gradient);
    else if (key == "solver") out[key] = summary_json(solution.summary);
    else assert(false && "unknown key");
  }
  return out.dump(indent);
}

}  // namespace pgtruth
