// pgtruth solve FILE [--json] [--keys K,...] [--rows N] [--solver S] [--threads T] [--memory-limit M]
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "cli/commands.hpp"
#include "cli/error_source.hpp"
#include "cli/finite_report.hpp"
#include "cli/help.hpp"
#include "cli/lqg_report.hpp"
#include "cli/options.hpp"
#include "cli/petsc_engine.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/lqg/solver.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/io/solution_json.hpp"

namespace pgtruth::cli {
namespace {

constexpr const char* kAbout =
    "Computes the exact quantities of the problem in FILE: J, the policy gradient (adjoint of\n"
    "the Bellman linear system), v, q, the advantage, the occupancy and visitation, the Fisher\n"
    "matrix and the natural gradient. Prints a summary for a person unless --json is given.\n";

constexpr const char* kNotes =
    "Keys for finite MDPs: problem, states, actions, sense, J, v, q, advantage, policy,\n"
    "occupancy, expected_length, visitation, gradient, fisher, fisher_rank, natural_gradient,\n"
    "solver (method, residuals, condition number, seconds).\n"
    "Keys for LQG problems: problem, formulation, sense, J, P, value_constant, gradient,\n"
    "gradient_sigma, state_moment, q_matrix, q_constant, fisher, fisher_rank, natural_gradient,\n"
    "spectral_radius, optimal (K, P, J), solver (method, residuals, seconds).\n"
    "\n"
    "Exit codes: 0 success; 2 bad input or an ill-posed problem (one line on stderr).\n"
    "Example: pgtruth solve cases/short-corridor.json --keys J,gradient\n";

struct Settings {
  bool json = false;
  std::optional<std::string> keys;  ///< --keys as given
  Index rows = 20;
  LinearSolver solver = LinearSolver::automatic;
  bool solver_given = false;
  int threads = 0;
  MemoryLimit memory;
  bool petsc = false;                  ///< --engine petsc
  std::optional<std::string> vectors;  ///< --vectors FILE (PETSc engine)
};

/// The keys of --keys, checked against `known`; `why_not(key)` says why a key cannot be printed.
std::vector<std::string> requested_keys(const Settings& s, const std::vector<std::string>& known,
                                        const std::function<std::string(const std::string&)>& why_not) {
  if (!s.keys) return {};
  const std::vector<std::string> keys = split_list(*s.keys);
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

bool wants_json(const Settings& s) { return s.json || s.keys; }

int run_lqg(const Settings& s, const LqgProblem& problem, const std::string& file, std::ostream& out,
            std::ostream& err) {
  LqgSolveOptions options;
  options.threads = s.threads;
  if (s.keys) {  // a derived output's loose bound refuses the solve only when it is printed
    const std::vector<std::string> keys = split_list(*s.keys);
    const auto wanted = [&](const char* key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
    LqgSolveOptions::Required& r = options.required;
    r.value_constant = wanted("value_constant"), r.gradient_sigma = wanted("gradient_sigma");
    r.q_matrix = wanted("q_matrix"), r.q_constant = wanted("q_constant"), r.fisher = wanted("fisher");
    r.natural_gradient = wanted("natural_gradient"), r.optimal = wanted("optimal");
  }
  const LqgSolution solution = in_file(file, [&] { return solve(problem, options); });
  const std::vector<std::string> keys = requested_keys(
      s, lqg_solution_keys(), [&](const std::string& k) { return lqg_key_unavailable(problem, solution, k); });
  if (!solution.optimal) note(err, file, "no optimal policy: " + solution.optimal_unavailable);
  if (wants_json(s)) out << lqg_solution_json(problem, solution, keys) << "\n";
  else print_lqg_report(out, file, problem, solution);
  return 0;
}

int run_solve(const Settings& s, const std::string& file, std::ostream& out, std::ostream& err) {
  if (s.vectors && !s.petsc) throw UsageError("--vectors needs --engine petsc");
  if (s.petsc) return run_petsc_engine({s.json, s.keys, s.solver_given, s.vectors, s.memory}, file, out, err);
  const Problem problem = load_problem(file, s.memory);
  if (const auto* lqg = std::get_if<LqgProblem>(&problem)) return run_lqg(s, *lqg, file, out, err);
  const auto& finite = std::get<FiniteProblem>(problem);
  const std::vector<std::string> keys = requested_keys(
      s, finite_solution_keys(), [&](const std::string& k) { return finite_key_unavailable(finite, k); });

  FiniteSolveOptions options;
  options.linear_solver = s.solver;
  options.threads = s.threads;
  options.compute_fisher = keys.empty() || std::any_of(keys.begin(), keys.end(), [](const std::string& k) {
                             return k == "fisher" || k == "fisher_rank" || k == "natural_gradient";
                           });
  const FiniteSolution solution = in_file(file, [&] { return solve(finite.mdp, finite.policy, options); });
  if (!solution.undefined_states.empty())
    note(err, file,
         "v and q are undefined (null) at " + std::to_string(solution.undefined_states.size()) +
             " state(s) not reachable from start from which termination is not certain, e.g. \"" +
             finite.mdp.state_names()[solution.undefined_states.front()] + "\"");
  if (!solution.gradient.allFinite())
    note(err, file,
         "some gradient entries are undefined (null): an action the policy never takes leads to a state that never "
         "terminates");

  if (wants_json(s)) {
    if (keys.empty() && !finite_key_unavailable(finite, "fisher").empty() && finite.policy.is_softmax())
      note(err, file, finite_key_unavailable(finite, "fisher"));
    out << finite_solution_json(finite, solution, keys) << "\n";
  } else {
    print_finite_report(out, file, finite, solution, s.rows);
  }
  return 0;
}

Runner declare(CLI::App& app) {
  auto s = std::make_shared<Settings>();
  set_help(app, {"pgtruth solve FILE [--json] [--keys K1,K2,...] [--rows N] [--solver S] [--threads T] [--memory-limit M]",
                 "[mpirun -n K] pgtruth solve FILE --engine petsc [--vectors F] [--json] [--keys K1,...]"},
           kAbout, kNotes);
  add_flag(app, "--json", s->json, "print one JSON object with the keys of docs/file-format.md");
  add_value(app, "--keys", "K1,K2", "print only these keys as JSON (implies --json), e.g. --keys J,gradient",
            [s](const std::string& text) { s->keys = text; });
  add_integer(app, "--rows", "N", s->rows, 1, std::numeric_limits<std::int64_t>::max(),
              "rows of the summary's tables (default 20); the rest is elided");
  add_value(app, "--solver", "S",
            "finite MDPs: auto (default: sparse LU up to 5000 non-terminal states and for gamma = 1, else multigrid "
            "BiCGSTAB), direct, or iterative (residuals certified)",
            [s](const std::string& text) {
              s->solver_given = true;
              if (text == "auto") s->solver = LinearSolver::automatic;
              else if (text == "direct") s->solver = LinearSolver::direct;
              else if (text == "iterative") s->solver = LinearSolver::iterative;
              else throw UsageError("--solver must be auto, direct or iterative, found '" + text + "'");
            });
  add_value(app, "--engine", "E",
            "embedded (default) or petsc: finite MDPs on PETSc and MPI, launched as mpirun -n K pgtruth solve FILE "
            "--engine petsc (docs/petsc.md); PETSc options such as -ksp_type and -pc_type come from PETSC_OPTIONS",
            [s](const std::string& text) {
              if (text != "embedded" && text != "petsc")
                throw UsageError("--engine must be embedded or petsc, found '" + text + "'");
              s->petsc = text == "petsc";
            });
  add_value(app, "--vectors", "F",
            "with --engine petsc: write v, the occupancy and the gradient to the file F in parallel (PETSc's binary "
            "format, docs/petsc.md)",
            [s](const std::string& text) { s->vectors = text; });
  add_threads(app, s->threads, "the linear solves");
  add_memory_limit(app, s->memory, "a problem");
  return [s, &app](std::ostream& out, std::ostream& err) {
    const std::vector<std::string> files = operands(app);
    if (files.empty()) throw UsageError("missing the problem FILE");
    if (files.size() > 1) throw UsageError("expected one problem FILE, found " + std::to_string(files.size()));
    return run_solve(*s, files.front(), out, err);
  };
}

}  // namespace

const Command kSolveCommand{"solve", "exact J, gradient, values, occupancy, Fisher of a problem file", &declare};

}  // namespace pgtruth::cli
