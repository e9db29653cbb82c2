#include <fstream>
#include <sstream>

#include "io/json_node.hpp"
#include "petsc/distributed_problem.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"

namespace pgtruth::detail {
namespace {

/// gamma, 1 - gamma and theta of a generated problem that can be made by row range, or nothing
/// (then the problem is read whole). Every test here only selects the path; the checks that
/// refuse a file are the reader's (generated_size, expect_keys, the policy's).
struct RowRangeProblem {
  double gamma = 0, one_minus_gamma = 0;
  Eigen::VectorXd theta;
  std::unique_ptr<RowGenerator> rows;
  std::string name;
};

std::optional<RowRangeProblem> row_range_problem(const std::string& text) {
  Json document;
  try {
    document = parse_json(text);
  } catch (const Error&) {
    return std::nullopt;  // the reader says what is wrong
  }
  const JsonNode root(document, "");
  const auto member = [&](const char* key) { return document.is_object() && document.contains(key); };
  if (!member("generator") || !member("policy") || !member("gamma") || !member("problem")) return std::nullopt;
  for (const char* key : {"states", "actions", "start", "terminal", "transitions", "P", "R"})
    if (member(key)) return std::nullopt;
  const Json& policy = document["policy"];
  const Json& gamma = document["gamma"];
  if (document["problem"] != "finite" || !gamma.is_number() || !(gamma.get<double>() > 0.0 && gamma.get<double>() < 1.0))
    return std::nullopt;
  if (!policy.is_object() || policy.value("type", Json()) != "softmax") return std::nullopt;
  if (policy.contains("features") && policy["features"] != "tabular") return std::nullopt;
  for (const auto& [key, value] : policy.items())
    if (key != "type" && key != "features" && key != "theta" && key.front() != '_') return std::nullopt;
  RowRangeProblem p;
  try {
    root.expect_keys({"problem", "name", "description", "gamma", "states", "actions", "start", "terminal",
                      "transitions", "P", "R", "policy", "generator"});
    if (const auto name = root.find("name")) p.name = name->string();
    if (const auto description = root.find("description")) description->string();
    p.rows = make_row_generator(root.at("generator"));
    p.gamma = root.at("gamma").number();
    p.one_minus_gamma = 1.0 - p.gamma;
    if (const auto written = top_level_number_text(text, "gamma"))
      if (const auto complement = decimal_complement(*written); complement && *complement > 0.0)
        p.one_minus_gamma = *complement;
    const Index n = p.rows->num_states() * p.rows->num_actions();
    p.theta = Eigen::VectorXd::Zero(1);
    if (const auto theta = root.at("policy").find("theta")) {
      if (theta->is_number()) {
        p.theta(0) = theta->number();
      } else {
        if (!theta->is_array() || theta->size() != static_cast<std::size_t>(n)) return std::nullopt;
        p.theta.resize(n);
        for (Index i = 0; i < n; ++i) p.theta(i) = theta->at(static_cast<std::size_t>(i)).number();
      }
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  return p;
}

}  // namespace

std::unique_ptr<DistributedProblem> read_distributed_problem(const std::string& file, const MemoryLimit& limit,
                                                             std::string& name) {
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    if (auto p = row_range_problem(text.str())) {
      name = p->name;
      return generated_problem(std::move(p->rows), p->gamma, p->one_minus_gamma, std::move(p->theta));
    }
  }
  Problem problem = load_problem(file, limit);  // every fault is the reader's, with its message
  auto* finite = std::get_if<FiniteProblem>(&problem);
  if (!finite) {
    InputError e("/problem", "the PETSc engine solves finite MDPs only (this is an LQG problem)");
    e.set_source(file);
    throw e;
  }
  name = finite->name;
  return whole_problem(std::move(finite->mdp), std::move(finite->policy));
}

}  // namespace pgtruth::detail
