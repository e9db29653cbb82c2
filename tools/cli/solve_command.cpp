// pgtruth solve FILE [--json] [--keys K,...] [--rows N]
#include <algorithm>
#include <cmath>
#include <functional>
#include <variant>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/finite_report.hpp"
#include "cli/lqg_report.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/io/solution_json.hpp"

namespace pgtruth::cli {
namespace {

constexpr const char* kHelp =
    "Usage: pgtruth solve FILE [--json] [--keys K1,K2,...] [--rows N] [--solver S] [--memory-limit M]\n"
    "\n"
    "Computes the exact quantities of the problem in FILE: J, the policy gradient (adjoint of\n"
    "the Bellman linear system), v, q, the advantage, the occupancy and visitation, the Fisher\n"
    "matrix and the natural gradient. Prints a summary for a person unless --json is given.\n"
    "\n"
    "Options:\n"
    "  --json          print one JSON object with the keys of docs/file-format.md\n"
    "  --keys K1,K2    print only these keys as JSON (implies --json), e.g. --keys J,gradient\n"
    "  --rows N        rows of the summary's tables (default 20); the rest is elided\n"
    "  --solver S      finite MDPs: auto (default: sparse LU up to 5000 non-terminal states and\n"
    "                  for gamma = 1, else multigrid BiCGSTAB), direct, or iterative (residuals\n"
    "                  certified)\n"
    "  --memory-limit M  refuse a problem estimated to need more memory than M (default: this\n"
    "                  machine's memory; bytes, or K, M, G, T such as 8G)\n"
    "  --help, -h      show this help\n"
    "\n"
    "Keys for finite MDPs: problem, states, actions, sense, J, v, q, advantage, policy,\n"
    "occupancy, expected_length, visitation, gradient, fisher, fisher_rank, natural_gradient,\n"
    "solver (method, residuals, condition number, seconds).\n"
    "Keys for LQG problems: problem, formulation, sense, J, P, value_constant, gradient,\n"
    "gradient_sigma, state_moment, q_matrix, q_constant, fisher, fisher_rank, natural_gradient,\n"
    "spectral_radius, optimal (K, P, J), solver (method, residuals, seconds).\n"
    "\n"
    "Exit codes: 0 success; 2 bad input or an ill-posed problem (one line on stderr).\n"
    "Example: pgtruth solve cases/short-corridor.json --keys J,gradient\n";

/// The keys of --keys, checked against `known`; `why_not(key)` says why a key cannot be printed.
std::vector<std::string> requested_keys(const ParsedArguments& args, const std::vector<std::string>& known,
                                        const std::function<std::string(const std::string&)>& why_not) {
  if (!args.has("keys")) return {};
  const std::vector<std::string> keys = split_list(*args.value("keys"));
  if (keys.empty()) throw UsageError("--keys needs at least one key");
  for (const std::string& key : keys) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw UsageError("unknown key '" + key + "' in --keys (known: " + list + ")");
    }
    if (const std::string why = why_not(key); !why.empty()) throw UsageError("cannot print " + key + ": " + why);
  }
  return keys;
}

bool wants_json(const ParsedArguments& args) { return args.has("json") || args.has("keys"); }

int run_lqg(const ParsedArguments& args, const LqgProblem& problem, const std::string& file, std::ostream& out,
            std::ostream& err) {
  LqgSolution solution;
  try {
    solution = solve(problem);
  } catch (Error& e) {
    e.set_source(file);
    throw;
  }
  const std::vector<std::string> keys = requested_keys(
      args, lqg_solution_keys(), [&](const std::string& k) { return lqg_key_unavailable(problem, solution, k); });
  if (!solution.optimal) err << file << ": note: no optimal policy: " << solution.optimal_unavailable << "\n";
  if (wants_json(args)) out << lqg_solution_json(problem, solution, keys) << "\n";
  else print_lqg_report(out, file, problem, solution);
  return 0;
}

int run_solve(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  const ParsedArguments args = parse_arguments(
      raw, {{"json"}, {"keys", true}, {"rows", true}, {"solver", true}, {"help"}, {"memory-limit", true}});
  if (args.has("help")) return out << kHelp, 0;
  if (args.operands.empty()) throw UsageError("missing the problem FILE");
  if (args.operands.size() > 1) throw UsageError("expected one problem FILE, found " + std::to_string(args.operands.size()));
  const Index rows = parse_integer(args, "rows", 20, 1);
  const MemoryLimit memory = parse_memory_limit(args);
  const std::string& file = args.operands.front();

  const Problem problem = load_problem(file, memory);
  if (const auto* lqg = std::get_if<LqgProblem>(&problem)) return run_lqg(args, *lqg, file, out, err);
  const auto& finite = std::get<FiniteProblem>(problem);
  const std::vector<std::string> keys = requested_keys(
      args, finite_solution_keys(), [&](const std::string& k) { return finite_key_unavailable(finite, k); });

  FiniteSolveOptions options;
  if (const auto solver = args.value("solver")) {
    if (*solver == "direct") options.linear_solver = LinearSolver::direct;
    else if (*solver == "iterative") options.linear_solver = LinearSolver::iterative;
    else if (*solver != "auto") throw UsageError("--solver must be auto, direct or iterative, found '" + *solver + "'");
  }
  options.compute_fisher = keys.empty() || std::any_of(keys.begin(), keys.end(), [](const std::string& k) {
                             return k == "fisher" || k == "fisher_rank" || k == "natural_gradient";
                           });
  FiniteSolution solution;
  try {
    solution = solve(finite.mdp, finite.policy, options);
  } catch (Error& e) {
    e.set_source(file);
    throw;
  }
  if (!solution.undefined_states.empty())
    err << file << ": note: v and q are undefined (null) at " << solution.undefined_states.size()
        << " state(s) not reachable from start from which termination is not certain, e.g. \""
        << finite.mdp.state_names()[solution.undefined_states.front()] << "\"\n";
  if (!solution.gradient.allFinite())
    err << file << ": note: some gradient entries are undefined (null): an action the policy never takes "
                   "leads to a state that never terminates\n";

  if (wants_json(args)) {
    if (keys.empty() && !finite_key_unavailable(finite, "fisher").empty() && finite.policy.is_softmax())
      err << file << ": note: " << finite_key_unavailable(finite, "fisher") << "\n";
    out << finite_solution_json(finite, solution, keys) << "\n";
  } else {
    print_finite_report(out, file, finite, solution, rows);
  }
  return 0;
}

}  // namespace

const Command kSolveCommand{"solve", "exact J, gradient, values, occupancy, Fisher of a problem file", kHelp,
                            &run_solve};

}  // namespace pgtruth::cli
