// The PETSc engine of `pgtruth-mpi solve FILE --engine petsc` (docs/petsc.md): compiled into the
// pgtruth-mpi executable only, so that the plain command loads no MPI or PETSc library.
#include "cli/petsc_engine.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/options.hpp"
#include "pgtruth/error.hpp"
#include <mpi.h>

#include "pgtruth/finite/petsc_solver.hpp"
#include "pgtruth/io/solution_json.hpp"

namespace pgtruth::cli {


namespace {

using OrderedJson = nlohmann::ordered_json;

/// The keys this engine prints; v and occupancy only on request.
const std::vector<std::string> kKeys = {"problem", "states", "actions", "J", "gradient", "v", "occupancy", "solver"};

/// Vectors larger than this are not gathered on rank 0 for the JSON (write them with --vectors).
constexpr Index kMaxGatheredEntries = 10'000'000;

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

OrderedJson vector_json(const Eigen::VectorXd& x) {
  OrderedJson out = OrderedJson::array();
  for (Eigen::Index i = 0; i < x.size(); ++i) out.push_back(std::isnan(x(i)) ? OrderedJson() : OrderedJson(x(i)));
  return out;
}

/// The keys to print: --keys (checked), or by default all but v and occupancy.
std::vector<std::string> keys_of(const PetscEngineRequest& request) {
  if (!request.keys) return {"problem", "states", "actions", "J", "gradient", "solver"};
  const std::vector<std::string> keys = split_list(*request.keys);
  if (keys.empty()) throw UsageError("--keys needs at least one key");
  for (const std::string& key : keys)
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
      throw UsageError("unknown key '" + key +
                       "' in --keys for --engine petsc (known: problem, states, actions, J, gradient, v, occupancy, solver)");
  return keys;
}

bool has(const std::vector<std::string>& keys, const char* key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

int solve_on_ranks(const PetscEngineRequest& request, const std::string& file, std::ostream& out, std::ostream& err,
                   int rank) {
  if (request.solver_given) throw UsageError("--solver chooses the embedded engine's method; with --engine petsc use "
                                           "PETSc's -ksp_type and -pc_type (in PETSC_OPTIONS)");
  const bool json = request.json || request.keys;
  const std::vector<std::string> keys = keys_of(request);
  PetscSolveOptions options;
  if (request.vectors) options.vectors_file = *request.vectors;
  options.gather_vectors = json && (has(keys, "gradient") || has(keys, "v") || has(keys, "occupancy"));
  const PetscSolution solution = solve_petsc(file, options, request.memory);
  // (The vectors are gathered before their size is known: the check follows the solve.)
  const bool gradient_fits = solution.parameters <= kMaxGatheredEntries;
  if (json && (has(keys, "v") || has(keys, "occupancy")) && solution.states > kMaxGatheredEntries)
    throw UsageError("v and occupancy have " + std::to_string(solution.states) +
                     " entries, too many to print: write them with --vectors FILE");
  if (rank != 0) return 0;
  if (solution.undefined_states > 0)
    err << file << ": note: v is undefined (null) at " << solution.undefined_states
        << " state(s) not reachable from start from which termination is not certain\n";
  if (json) {
    OrderedJson o;
    for (const std::string& key : keys) {
      if (key == "problem") o[key] = "finite";
      else if (key == "states") o[key] = solution.states;
      else if (key == "actions") o[key] = solution.actions;
      else if (key == "J") o[key] = solution.J;
      else if (key == "gradient" && gradient_fits) o[key] = vector_json(solution.gradient);
      else if (key == "v") o[key] = vector_json(solution.v);
      else if (key == "occupancy") o[key] = vector_json(solution.occupancy);
      else if (key == "solver") o[key] = OrderedJson::parse(linear_solve_summary_json(solution.summary));
    }
    if (has(keys, "gradient") && !gradient_fits)
      err << file << ": note: the gradient (" << solution.parameters
          << " entries) is left out of the JSON: write it with --vectors FILE\n";
    out << o.dump() << "\n";
    return 0;
  }
  const LinearSolveSummary& s = solution.summary;
  out << file << ": " << solution.states << " states x " << solution.actions << " actions (PETSc engine)\n"
      << "J = " << nlohmann::json(solution.J).dump() << "  (certified error <= " << s.value_error << ")\n"
      << "gradient: " << solution.parameters << " entries, |g|_inf = " << solution.gradient_norm_inf
      << ", |g|_2 = " << solution.gradient_norm_2 << "  (certified error <= " << s.gradient_error << " an entry)\n"
      << "solver: " << s.brief_report() << ", " << s.iterations << " Krylov iterations\n";
  if (!options.vectors_file.empty())
    out << "vectors: " << options.vectors_file << " (v, occupancy, gradient in PETSc's binary format; docs/petsc.md)\n";
  return 0;
}

}  // namespace

int run_on_petsc(const PetscEngineRequest& request, const std::string& file, std::ostream& out, std::ostream& err) {
  // PETSc reads its own options (-ksp_type, -pc_type, ...) from PETSC_OPTIONS and .petscrc.
  const PetscSession session;
  const int rank = session.rank();
  // Every rank reads the same file and reaches the same decisions from reduced values, so a
  // refusal is thrown on every rank alike: rank 0 prints its line, every rank exits 2.
  try {
    return solve_on_ranks(request, file, out, err, rank);
  } catch (const UsageError& e) {
    if (rank == 0) err << "pgtruth solve: " << e.what() << " (see 'pgtruth solve --help')\n";
  } catch (const pgtruth::Error& e) {
    if (rank == 0) err << one_line(e.what()) << "\n";
  } catch (const std::exception& e) {
    // A failure on one rank alone (memory, PETSc): the others may be waiting in a collective.
    err << "pgtruth: rank " << rank << ": " << (dynamic_cast<const std::bad_alloc*>(&e) ? "out of memory" : e.what())
        << "\n";
    err.flush();
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  return 2;
}


}  // namespace pgtruth::cli
