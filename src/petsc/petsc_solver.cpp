#include "pgtruth/finite/petsc_solver.hpp"

#include <petscksp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "finite/error_bounds.hpp"
#include "io/format.hpp"
#include "petsc/distributed_problem.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

/// A PETSc failure (out of memory, a bad option value) is not the user's problem file's.
void check(PetscErrorCode code, const char* call) {
  if (code != 0) throw std::runtime_error(std::string("PETSc: ") + call + " failed (error " + std::to_string(code) + ")");
}
#define PGTRUTH_PETSC(call) check((call), #call)

MPI_Comm world() { return PETSC_COMM_WORLD; }

double max_all(double x) {
  double y = 0;
  MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_MAX, world());
  return y;
}
double sum_all(double x) {
  double y = 0;
  MPI_Allreduce(&x, &y, 1, MPI_DOUBLE, MPI_SUM, world());
  return y;
}
long long sum_all(long long x) {
  long long y = 0;
  MPI_Allreduce(&x, &y, 1, MPI_LONG_LONG, MPI_SUM, world());
  return y;
}

/// RAII holders of PETSc objects.
struct OwnedMat { Mat m = nullptr; ~OwnedMat() { if (m) MatDestroy(&m); } };
struct OwnedVec { Vec v = nullptr; ~OwnedVec() { if (v) VecDestroy(&v); } };
struct OwnedKsp { KSP k = nullptr; ~OwnedKsp() { if (k) KSPDestroy(&k); } };

double norm(Vec x, NormType type) {
  PetscReal n = 0;
  PGTRUTH_PETSC(VecNorm(x, type, &n));
  return n;
}

/// This rank's states [first, end): an even split of S over the ranks.
struct StateRange {
  Index first = 0, end = 0;
};
StateRange my_states(Index S, int rank, int size) {
  const Index base = S / size, extra = S % size;
  const auto r = static_cast<Index>(rank);
  const Index first = r * base + std::min(r, extra);
  return {first, first + base + (r < extra ? 1 : 0)};
}

/// This rank's block of the system: rows u0 .. u0 + n - 1 of M (the unknowns of its states).
struct LocalSystem {
  Index u0 = 0, n = 0, N = 0;       ///< first unknown, local and global counts
  std::vector<Index> state_of;       ///< local unknown -> state
  Eigen::MatrixXd pi, r;             ///< pi(a|s) and r(s, a) of the local unknowns (n x A)
  std::vector<double> r_pi;
  std::vector<PetscInt> ghosts;      ///< unknowns of other ranks that the local rows reach
  double norm_inf = 0, off_identity = 0;  ///< |M|_inf and |gamma P_pi|_inf, over all ranks
  double min_row_sum = 0;            ///< min_k (M 1)_k, over all ranks
  long long nonzeros = 0;           ///< of M, over all ranks
  /// The data's rounding in forming the rows (error_bounds.hpp), the largest over all ranks.
  detail::FormationRow formation;
  double policy_error = 0;           ///< of a pi(a|s), relative
  OwnedMat M;
};

/// Assembles this rank's rows of M = I - gamma P_pi as the embedded bellman_system does: the
/// off-diagonal entries -gamma pi(a|s) P(s'|s,a) summed per column, the row sum (1 - gamma) +
/// gamma sum_a pi(a|s) P(leave the unknowns|s,a), the diagonal that sum plus the off-diagonal
/// magnitudes (so that 1 - gamma p_ss never cancels).
void assemble(const detail::DistributedProblem& problem, StateRange states, LocalSystem& sys) {
  const Index A = problem.num_actions();
  const double gamma = problem.gamma();
  const bool normalised = problem.policy_kind() != PolicyKind::direct;
  for (Index s = states.first; s < states.end; ++s)
    if (problem.unknown_of(s) >= 0) sys.state_of.push_back(s);
  sys.n = static_cast<Index>(sys.state_of.size());
  long long n = sys.n, u0 = 0, N = 0;
  MPI_Exscan(&n, &u0, 1, MPI_LONG_LONG, MPI_SUM, world());
  int rank = 0;
  MPI_Comm_rank(world(), &rank);
  if (rank == 0) u0 = 0;
  N = sum_all(n);
  sys.u0 = u0, sys.N = N;
  if (sys.n > 0 && problem.unknown_of(sys.state_of.front()) != sys.u0)
    throw std::logic_error("the unknowns of a rank's states are not numbered in order");
  sys.pi.setZero(sys.n, A);
  sys.r.setZero(sys.n, A);
  sys.r_pi.assign(static_cast<std::size_t>(sys.n), 0.0);

  // The rows in compressed form first (for the preallocation), then into the PETSc matrix.
  std::vector<PetscInt> row_begin{0}, columns;
  std::vector<PetscScalar> values;
  std::vector<PetscInt> diagonal_count, off_count;
  std::map<Index, double> row;  // column -> sum of pi P over the row's outcomes
  std::vector<PetscInt> ghosts;
  Eigen::RowVectorXd pi(A);
  Index k = -1, current = -1, outcomes = 0;  // outcomes: of the state's longest (s, a) row
  double leaving = 0, local_inf = 0, local_off = 0, local_min_row_sum = std::numeric_limits<double>::infinity();
  double reward_size = 0;  // sum_a pi sum_o P |R| of the state
  detail::FormationRow formation;
  double policy_error = 0;
  const auto close_row = [&]() {
    if (current < 0) return;
    const Index u = sys.u0 + k;
    double row_sum = problem.one_minus_gamma() + gamma * leaving;
    if (!normalised) {
      const double deficit = 1.0 - sys.pi.row(k).sum();
      if (std::abs(deficit) > 2.0 * static_cast<double>(A) * kEps) row_sum += gamma * deficit;
    }
    double diagonal = row_sum, off = 0;
    for (const auto& [column, p] : row)
      if (column != u) diagonal += gamma * p, off += gamma * p;
    PetscInt d = 0, o = 0;
    row[u];  // the diagonal is always stored
    for (const auto& [column, p] : row) {
      columns.push_back(static_cast<PetscInt>(column));
      values.push_back(column == u ? diagonal : -gamma * p);
      (column >= sys.u0 && column < sys.u0 + sys.n ? d : o) += 1;
    }
    row_begin.push_back(static_cast<PetscInt>(columns.size()));
    diagonal_count.push_back(d), off_count.push_back(o);
    local_inf = std::max(local_inf, std::abs(diagonal) + off);
    local_off = std::max(local_off, std::abs(diagonal - 1.0) + off);
    local_min_row_sum = std::min(local_min_row_sum, row_sum);
    sys.r_pi[static_cast<std::size_t>(k)] = sys.pi.row(k).dot(sys.r.row(k));
    const double pi_error =
        detail::policy_relative_error(problem.policy_kind(), A, problem.num_parameters(), problem.logit_size(current));
    const detail::FormationRow errors = detail::formation_row_errors(pi_error, A, outcomes, reward_size);
    formation.parameter_error = std::max(formation.parameter_error, errors.parameter_error);
    formation.reward_error = std::max(formation.reward_error, errors.reward_error);
    policy_error = std::max(policy_error, pi_error);
    row.clear(), leaving = 0, outcomes = 0, reward_size = 0;
  };
  problem.for_each_row(states.first, states.end, [&](Index s, Index a, const std::vector<Outcome>& row_outcomes) {
    const Index u = problem.unknown_of(s);
    if (u < 0) return;
    if (s != current) {
      close_row();
      current = s, ++k;
      problem.probabilities(s, pi);
      sys.pi.row(k) = pi;
    }
    double reward = 0, leave = 0;
    outcomes = std::max(outcomes, static_cast<Index>(row_outcomes.size()));
    for (const Outcome& o : row_outcomes) {
      reward += o.probability * o.reward;
      reward_size += pi(a) * o.probability * std::abs(o.reward);
      const Index j = problem.unknown_of(o.next);
      if (j < 0) {
        leave += o.probability;
        continue;
      }
      if (j < sys.u0 || j >= sys.u0 + sys.n) ghosts.push_back(static_cast<PetscInt>(j));
      if (pi(a) != 0.0) row[j] += pi(a) * o.probability;
    }
    sys.r(k, a) = reward;
    leaving += pi(a) * leave;
  });
  close_row();
  std::sort(ghosts.begin(), ghosts.end());
  ghosts.erase(std::unique(ghosts.begin(), ghosts.end()), ghosts.end());
  sys.ghosts = std::move(ghosts);
  sys.norm_inf = max_all(local_inf);
  sys.off_identity = max_all(local_off);
  sys.min_row_sum = -max_all(-local_min_row_sum);
  sys.nonzeros = sum_all(static_cast<long long>(columns.size()));
  sys.formation = {max_all(formation.parameter_error), max_all(formation.reward_error)};
  sys.policy_error = max_all(policy_error);

  PGTRUTH_PETSC(MatCreate(world(), &sys.M.m));
  PGTRUTH_PETSC(MatSetSizes(sys.M.m, static_cast<PetscInt>(sys.n), static_cast<PetscInt>(sys.n), static_cast<PetscInt>(N),
                            static_cast<PetscInt>(N)));
  PGTRUTH_PETSC(MatSetType(sys.M.m, MATAIJ));
  PGTRUTH_PETSC(MatSeqAIJSetPreallocation(sys.M.m, 0, diagonal_count.data()));
  PGTRUTH_PETSC(MatMPIAIJSetPreallocation(sys.M.m, 0, diagonal_count.data(), 0, off_count.data()));
  for (Index i = 0; i < sys.n; ++i) {
    const PetscInt global = static_cast<PetscInt>(sys.u0 + i), begin = row_begin[static_cast<std::size_t>(i)];
    PGTRUTH_PETSC(MatSetValues(sys.M.m, 1, &global, row_begin[static_cast<std::size_t>(i) + 1] - begin,
                               columns.data() + begin, values.data() + begin, INSERT_VALUES));
  }
  PGTRUTH_PETSC(MatAssemblyBegin(sys.M.m, MAT_FINAL_ASSEMBLY));
  PGTRUTH_PETSC(MatAssemblyEnd(sys.M.m, MAT_FINAL_ASSEMBLY));
}

/// The relative backward error |M x - b|_inf / (norm_M |x|_inf + |b|_inf) (Rigal & Gaches 1967)
/// of x for M x = b, or M^T x = b when `transposed`, formed afresh from M; `r` receives M x - b.
double backward_error(Mat M, bool transposed, Vec x, Vec b, double norm_M, Vec r) {
  PGTRUTH_PETSC(transposed ? MatMultTranspose(M, x, r) : MatMult(M, x, r));
  PGTRUTH_PETSC(VecAXPY(r, -1.0, b));
  const double residual = norm(r, NORM_INFINITY), scale = norm_M * norm(x, NORM_INFINITY) + norm(b, NORM_INFINITY);
  const double error = scale > 0 ? residual / scale : residual;
  return std::isfinite(error) ? error : std::numeric_limits<double>::infinity();
}

/// A Krylov solver of `op` with the options' method and preconditioner, overridden by PETSc's
/// options database; the true (unpreconditioned) residual norm, so that rtol means |r|_2 / |b|_2.
void make_ksp(Mat op, const PetscSolveOptions& options, OwnedKsp& ksp) {
  PGTRUTH_PETSC(KSPCreate(world(), &ksp.k));
  PGTRUTH_PETSC(KSPSetOperators(ksp.k, op, op));
  PGTRUTH_PETSC(KSPSetType(ksp.k, options.ksp_type.c_str()));
  PC pc = nullptr;
  PGTRUTH_PETSC(KSPGetPC(ksp.k, &pc));
  PGTRUTH_PETSC(PCSetType(pc, options.pc_type.c_str()));
  PGTRUTH_PETSC(KSPSetPCSide(ksp.k, PC_RIGHT));
  PGTRUTH_PETSC(KSPSetNormType(ksp.k, KSP_NORM_UNPRECONDITIONED));
  PGTRUTH_PETSC(KSPSetInitialGuessNonzero(ksp.k, PETSC_TRUE));
  PGTRUTH_PETSC(KSPSetFromOptions(ksp.k));
  PGTRUTH_PETSC(KSPSetUp(ksp.k));
}

/// x with M x = b (M^T x = b when `transposed`; `ksp` solves that system), continued round after
/// round, each with a stopping tolerance scaled by how far the last round's backward error was
/// from `target`, until the backward error formed from M is at most `target` (or 8 rounds).
/// Returns the backward error reached; adds the iterations.
double certified_solve(KSP ksp, Mat M, bool transposed, Vec b, Vec x, double norm_M, double target,
                       long max_iterations, long& iterations) {
  OwnedVec r;
  PGTRUTH_PETSC(VecDuplicate(b, &r.v));
  PGTRUTH_PETSC(VecSet(x, 0.0));
  double rtol = std::max(target * 100.0, 1e-14), error = std::numeric_limits<double>::infinity();
  for (int round = 0; round < 8; ++round) {
    PGTRUTH_PETSC(KSPSetTolerances(ksp, rtol, 0.0, PETSC_DEFAULT, static_cast<PetscInt>(max_iterations)));
    PGTRUTH_PETSC(KSPSolve(ksp, b, x));
    PetscInt its = 0;
    PGTRUTH_PETSC(KSPGetIterationNumber(ksp, &its));
    iterations += its;
    error = backward_error(M, transposed, x, b, norm_M, r.v);
    if (error <= target) break;
    if (!std::isfinite(error)) {
      PGTRUTH_PETSC(VecSet(x, 0.0));
      rtol /= 10.0;
    } else {
      rtol = std::max(rtol * std::min(0.5, target / error * 0.5), 1e-16);
    }
  }
  return error;
}

/// Copies the local values of a vector over the unknowns into one over this rank's states
/// (0 at terminal states, NaN where v is undefined).
void to_states(const detail::DistributedProblem& problem, StateRange states, const LocalSystem& sys, Vec unknowns,
               bool mark_undefined, Vec out) {
  const PetscScalar* x = nullptr;
  PetscScalar* y = nullptr;
  PGTRUTH_PETSC(VecGetArrayRead(unknowns, &x));
  PGTRUTH_PETSC(VecGetArray(out, &y));
  for (Index s = states.first; s < states.end; ++s) {
    const Index k = problem.unknown_of(s);
    y[s - states.first] = k >= 0 ? x[k - sys.u0]
                                 : (mark_undefined && problem.is_undefined(s) ? std::numeric_limits<double>::quiet_NaN() : 0.0);
  }
  PGTRUTH_PETSC(VecRestoreArray(out, &y));
  PGTRUTH_PETSC(VecRestoreArrayRead(unknowns, &x));
}

/// The whole of a distributed vector on rank 0 (empty elsewhere).
Eigen::VectorXd gather(Vec x) {
  VecScatter scatter = nullptr;
  OwnedVec all;
  PGTRUTH_PETSC(VecScatterCreateToZero(x, &scatter, &all.v));
  PGTRUTH_PETSC(VecScatterBegin(scatter, x, all.v, INSERT_VALUES, SCATTER_FORWARD));
  PGTRUTH_PETSC(VecScatterEnd(scatter, x, all.v, INSERT_VALUES, SCATTER_FORWARD));
  PGTRUTH_PETSC(VecScatterDestroy(&scatter));
  PetscInt n = 0;
  PGTRUTH_PETSC(VecGetLocalSize(all.v, &n));
  Eigen::VectorXd out(n);
  const PetscScalar* a = nullptr;
  PGTRUTH_PETSC(VecGetArrayRead(all.v, &a));
  std::copy(a, a + n, out.data());
  PGTRUTH_PETSC(VecRestoreArrayRead(all.v, &a));
  return out;
}

PetscSolution solve_distributed(const detail::DistributedProblem& problem, const PetscSolveOptions& options) {
  options.validate();
  const double clock_start = MPI_Wtime();
  int rank = 0, size = 1;
  MPI_Comm_rank(world(), &rank);
  MPI_Comm_size(world(), &size);
  const Index S = problem.num_states(), A = problem.num_actions();
  const double gamma = problem.gamma();
  const StateRange states = my_states(S, rank, size);
  LocalSystem sys;
  assemble(problem, states, sys);
  Mat M = sys.M.m;

  PetscSolution out;
  out.states = S, out.actions = A, out.parameters = problem.num_parameters();
  LinearSolveSummary& summary = out.summary;
  summary.unknowns = sys.N;
  summary.nonzeros = sys.nonzeros;
  out.undefined_states = 0;
  for (Index s = states.first; s < states.end; ++s) out.undefined_states += problem.is_undefined(s) ? 1 : 0;
  out.undefined_states = static_cast<Index>(sum_all(static_cast<long long>(out.undefined_states)));

  // r_pi and start over the unknowns.
  OwnedVec r_pi, start, v, eta;
  PGTRUTH_PETSC(MatCreateVecs(M, &v.v, &r_pi.v));
  PGTRUTH_PETSC(VecDuplicate(r_pi.v, &start.v));
  PGTRUTH_PETSC(VecDuplicate(v.v, &eta.v));
  {
    PetscScalar *b = nullptr, *p = nullptr;
    PGTRUTH_PETSC(VecGetArray(r_pi.v, &b));
    PGTRUTH_PETSC(VecGetArray(start.v, &p));
    for (Index k = 0; k < sys.n; ++k) b[k] = sys.r_pi[static_cast<std::size_t>(k)], p[k] = problem.start(sys.state_of[static_cast<std::size_t>(k)]);
    PGTRUTH_PETSC(VecRestoreArray(start.v, &p));
    PGTRUTH_PETSC(VecRestoreArray(r_pi.v, &b));
  }
  PetscReal norm_one = 0;
  PGTRUTH_PETSC(MatNorm(M, NORM_1, &norm_one));

  // The two solves: M v = r_pi, and M^T eta = start with M^T formed explicitly (any
  // preconditioner then serves it; not all of PETSc's apply their transpose).
  double inverse_norm = 0;
  if (sys.N > 0) {
    OwnedMat Mt;
    PGTRUTH_PETSC(MatTranspose(M, MAT_INITIAL_MATRIX, &Mt.m));
    OwnedKsp ksp_v, ksp_eta;
    make_ksp(M, options, ksp_v);
    make_ksp(Mt.m, options, ksp_eta);
    KSPType ksp_type = nullptr;
    PCType pc_type = nullptr;
    PC pc = nullptr;
    PGTRUTH_PETSC(KSPGetType(ksp_v.k, &ksp_type));
    PGTRUTH_PETSC(KSPGetPC(ksp_v.k, &pc));
    PGTRUTH_PETSC(PCGetType(pc, &pc_type));
    summary.method = std::string("PETSc ") + ksp_type + " (" + pc_type + " preconditioner) on " + std::to_string(size) +
                     (size == 1 ? " rank" : " ranks") + ", residuals certified";
    summary.bellman_residual = certified_solve(ksp_v.k, M, false, r_pi.v, v.v, sys.norm_inf, options.tolerance,
                                               options.max_iterations_per_round, summary.iterations);
    summary.flow_residual = certified_solve(ksp_eta.k, M, true, start.v, eta.v, norm_one, options.tolerance,
                                            options.max_iterations_per_round, summary.iterations);
    // |M^{-1}|_inf: M is a diagonally dominant M-matrix, so |M^{-1}|_inf <= 1 / min_k (M 1)_k
    // (Varah 1975), the row sums formed from 1 - gamma as the file writes it; where a row sum is 0
    // (gamma = 1), max(M^{-1} 1), M^{-1} >= 0 (the longest expected episode), one more solve.
    const double g = sys.off_identity;
    if (sys.min_row_sum > 0.0) {
      inverse_norm = 1.0 / sys.min_row_sum, summary.condition_is_bound = true;
    } else {
      OwnedVec ones, length;
      PGTRUTH_PETSC(VecDuplicate(v.v, &ones.v));
      PGTRUTH_PETSC(VecDuplicate(v.v, &length.v));
      PGTRUTH_PETSC(VecSet(ones.v, 1.0));
      long ignored = 0;
      certified_solve(ksp_v.k, M, false, ones.v, length.v, sys.norm_inf, options.tolerance,
                      options.max_iterations_per_round, ignored);
      inverse_norm = norm(length.v, NORM_INFINITY);
    }
    summary.condition = g * inverse_norm;
  } else {
    summary.method = "none (no state to solve for)";
  }
  // The refusals of the embedded solver, decided from values every rank holds alike.
  if (!std::isfinite(summary.condition) || summary.condition > options.max_condition)
    throw IllPosedError("", "the Bellman system I - gamma P_pi is ill-conditioned (condition number " +
                                detail::format_number(summary.condition, 3) + " > " +
                                detail::format_number(options.max_condition, 3) +
                                "; expected episode lengths reach " + detail::format_number(inverse_norm, 3) +
                                " steps)");
  if (!(summary.bellman_residual <= options.max_residual && summary.flow_residual <= options.max_residual))
    throw IllPosedError("", "the Bellman solve is inaccurate (relative residuals " +
                                detail::format_number(summary.bellman_residual, 3) + " and " +
                                detail::format_number(summary.flow_residual, 3) + " exceed " +
                                detail::format_number(options.max_residual, 3) + ")");

  // Error bounds as the embedded solver states them: |v - v*|_inf <= |M^{-1}|_inf |r_pi - M v|_inf
  // and |eta - eta*|_1 <= |M^{-1}|_inf |start - M^T eta|_1, the residuals bounded with their
  // rounding (k + 1) eps (|b| + |M| |x|) (Higham 2002, eq. 3.11), plus the rounding to double.
  const double v_size = norm(v.v, NORM_INFINITY), eta_sum = norm(eta.v, NORM_1);
  double value_residual = 0, flow_residual = 0;
  {
    OwnedVec r;
    PGTRUTH_PETSC(VecDuplicate(v.v, &r.v));
    const double k = sys.N > 0 ? static_cast<double>(sys.nonzeros) / static_cast<double>(sys.N) + 8.0 : 0.0;
    PGTRUTH_PETSC(MatMult(M, v.v, r.v));
    PGTRUTH_PETSC(VecAXPY(r.v, -1.0, r_pi.v));
    value_residual = norm(r.v, NORM_INFINITY) + k * kEps * (norm(r_pi.v, NORM_INFINITY) + sys.norm_inf * v_size);
    PGTRUTH_PETSC(MatMultTranspose(M, eta.v, r.v));
    PGTRUTH_PETSC(VecAXPY(r.v, -1.0, start.v));
    flow_residual = norm(r.v, NORM_1) + k * kEps * (norm(start.v, NORM_1) + sys.norm_inf * eta_sum);
  }
  // Plus the rounding of forming the system from the data, which the solves cannot see.
  double r_pi_size = 0;
  for (const double r : sys.r_pi) r_pi_size = std::max(r_pi_size, std::abs(r));
  const detail::FormationErrors formation =
      detail::formation_errors(sys.formation, sys.policy_error, sys.N, max_all(r_pi_size), eta_sum, inverse_norm);
  const double value_error = inverse_norm * value_residual + formation.value;
  summary.value_error = value_error + kEps / 2 * v_size;
  summary.occupancy_error = inverse_norm * flow_residual + kEps / 2 * eta_sum + formation.occupancy;
  PetscScalar J = 0;
  PGTRUTH_PETSC(VecDot(start.v, v.v, &J));
  out.J = J;

  // v at the unknowns the local rows reach on other ranks.
  OwnedVec ghost_values;
  {
    IS from = nullptr;
    VecScatter scatter = nullptr;
    PGTRUTH_PETSC(ISCreateGeneral(PETSC_COMM_SELF, static_cast<PetscInt>(sys.ghosts.size()), sys.ghosts.data(),
                                  PETSC_USE_POINTER, &from));
    PGTRUTH_PETSC(VecCreateSeq(PETSC_COMM_SELF, static_cast<PetscInt>(sys.ghosts.size()), &ghost_values.v));
    PGTRUTH_PETSC(VecScatterCreate(v.v, from, ghost_values.v, nullptr, &scatter));
    PGTRUTH_PETSC(VecScatterBegin(scatter, v.v, ghost_values.v, INSERT_VALUES, SCATTER_FORWARD));
    PGTRUTH_PETSC(VecScatterEnd(scatter, v.v, ghost_values.v, INSERT_VALUES, SCATTER_FORWARD));
    PGTRUTH_PETSC(VecScatterDestroy(&scatter));
    PGTRUTH_PETSC(ISDestroy(&from));
  }

  // q(s, a) = r(s, a) + gamma sum_s' P(s'|s,a) v(s'), then the gradient: for each state the
  // contraction of d pi(.|s) / d theta with eta(s) times the advantages (softmax; sum_a d pi = 0)
  // or q (direct), the policy gradient theorem (Sutton et al. 2000, Thm 1).
  const PolicyKind kind = problem.policy_kind();
  const bool tabular = kind == PolicyKind::softmax_tabular;
  OwnedVec gradient;
  if (tabular)
    PGTRUTH_PETSC(VecCreateMPI(world(), static_cast<PetscInt>((states.end - states.first) * A),
                               static_cast<PetscInt>(S * A), &gradient.v));
  else
    PGTRUTH_PETSC(VecCreateMPI(world(), PETSC_DECIDE, static_cast<PetscInt>(problem.num_parameters()), &gradient.v));
  PGTRUTH_PETSC(VecSet(gradient.v, 0.0));
  Eigen::VectorXd whole_gradient = tabular ? Eigen::VectorXd() : Eigen::VectorXd::Zero(problem.num_parameters());
  // The gradient's error bound (error_bounds.hpp, GradientErrorBound), state by state; q is
  // formed in double from v.
  double reward_size = sys.r.size() ? sys.r.cwiseAbs().maxCoeff() : 0.0;
  reward_size = max_all(reward_size);
  const double dw = detail::contracted_value_error(kind != PolicyKind::direct, gamma, value_error, true, reward_size, v_size);
  detail::GradientErrorBound bound(kind, A, summary.occupancy_error, dw, sys.policy_error, problem.feature_size());
  double non_finite = 0;
  {
    const PetscScalar *vl = nullptr, *gv = nullptr, *el = nullptr;
    PetscScalar* g = nullptr;
    PGTRUTH_PETSC(VecGetArrayRead(v.v, &vl));
    PGTRUTH_PETSC(VecGetArrayRead(eta.v, &el));
    PGTRUTH_PETSC(VecGetArrayRead(ghost_values.v, &gv));
    PGTRUTH_PETSC(VecGetArray(gradient.v, &g));
    const auto value_of = [&](Index j) {
      if (j >= sys.u0 && j < sys.u0 + sys.n) return vl[j - sys.u0];
      const auto it = std::lower_bound(sys.ghosts.begin(), sys.ghosts.end(), static_cast<PetscInt>(j));
      return gv[it - sys.ghosts.begin()];
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Eigen::RowVectorXd q(A), w(A);
    Index k = -1, current = -1;
    const auto close_state = [&]() {
      if (current < 0) return;
      const auto ps = sys.pi.row(k);
      const double e = el[k], value = vl[k];
      const Eigen::RowVectorXd contracted = kind == PolicyKind::direct ? q : Eigen::RowVectorXd(q.array() - value);
      w = e * contracted;
      if (tabular) {
        const double mean = ps.dot(w);
        for (Index a = 0; a < A; ++a) g[(current - states.first) * A + a] = ps(a) * (w(a) - mean);
      } else {
        problem.add_policy_derivative(current, w, whole_gradient);
      }
      bound.add_state(ps, contracted, std::abs(e));
    };
    problem.for_each_row(states.first, states.end, [&](Index s, Index a, const std::vector<Outcome>& outcomes) {
      if (problem.unknown_of(s) < 0) return;
      if (s != current) close_state(), current = s, ++k;
      double sum = 0;
      for (const Outcome& o : outcomes) {
        const Index j = problem.unknown_of(o.next);
        if (j >= 0) sum += o.probability * value_of(j);
        else if (problem.is_undefined(o.next)) sum = nan;
      }
      q(a) = sys.r(k, a) + gamma * sum;
    });
    close_state();
    PGTRUTH_PETSC(VecRestoreArray(gradient.v, &g));
    PGTRUTH_PETSC(VecRestoreArrayRead(ghost_values.v, &gv));
    PGTRUTH_PETSC(VecRestoreArrayRead(eta.v, &el));
    PGTRUTH_PETSC(VecRestoreArrayRead(v.v, &vl));
  }
  if (kind == PolicyKind::softmax_linear) {  // the ranks' parts combined as total() expects
    bound.bound = sum_all(bound.bound), bound.magnitude = sum_all(bound.magnitude), bound.term = max_all(bound.term);
  } else {
    bound.bound = max_all(bound.bound);
  }
  summary.gradient_error = bound.total(sys.N);
  if (!tabular) {  // theta is shared by all states: the ranks' terms summed, each rank keeps its block
    MPI_Allreduce(MPI_IN_PLACE, whole_gradient.data(), static_cast<int>(whole_gradient.size()), MPI_DOUBLE, MPI_SUM,
                  world());
    PetscInt lo = 0, hi = 0;
    PGTRUTH_PETSC(VecGetOwnershipRange(gradient.v, &lo, &hi));
    PetscScalar* g = nullptr;
    PGTRUTH_PETSC(VecGetArray(gradient.v, &g));
    for (PetscInt i = lo; i < hi; ++i) g[i - lo] = whole_gradient(i);
    PGTRUTH_PETSC(VecRestoreArray(gradient.v, &g));
  }
  out.gradient_norm_inf = norm(gradient.v, NORM_INFINITY);
  out.gradient_norm_2 = norm(gradient.v, NORM_2);
  non_finite = std::isfinite(out.gradient_norm_2) ? 0.0 : 1.0;
  if (!std::isfinite(out.J) || (non_finite > 0 && out.undefined_states == 0))
    throw IllPosedError("", std::string("overflow: the ") + (std::isfinite(out.J) ? "gradient" : "objective J") +
                                " is beyond the largest double (1.8e308); the rewards are too large for it");

  // The vectors over the states, gathered and/or written.
  if (options.gather_vectors || !options.vectors_file.empty()) {
    OwnedVec v_states, eta_states;
    PGTRUTH_PETSC(VecCreateMPI(world(), static_cast<PetscInt>(states.end - states.first), static_cast<PetscInt>(S),
                               &v_states.v));
    PGTRUTH_PETSC(VecDuplicate(v_states.v, &eta_states.v));
    to_states(problem, states, sys, v.v, true, v_states.v);
    to_states(problem, states, sys, eta.v, false, eta_states.v);
    PGTRUTH_PETSC(PetscObjectSetName(reinterpret_cast<PetscObject>(v_states.v), "v"));
    PGTRUTH_PETSC(PetscObjectSetName(reinterpret_cast<PetscObject>(eta_states.v), "occupancy"));
    PGTRUTH_PETSC(PetscObjectSetName(reinterpret_cast<PetscObject>(gradient.v), "gradient"));
    if (!options.vectors_file.empty()) {
      PetscViewer viewer = nullptr;
      PGTRUTH_PETSC(PetscViewerCreate(world(), &viewer));
      PGTRUTH_PETSC(PetscViewerSetType(viewer, PETSCVIEWERBINARY));
      PGTRUTH_PETSC(PetscViewerBinarySetSkipInfo(viewer, PETSC_TRUE));
      PGTRUTH_PETSC(PetscViewerFileSetMode(viewer, FILE_MODE_WRITE));
      PGTRUTH_PETSC(PetscViewerFileSetName(viewer, options.vectors_file.c_str()));
      PGTRUTH_PETSC(VecView(v_states.v, viewer));
      PGTRUTH_PETSC(VecView(eta_states.v, viewer));
      PGTRUTH_PETSC(VecView(gradient.v, viewer));
      PGTRUTH_PETSC(PetscViewerDestroy(&viewer));
    }
    if (options.gather_vectors) {
      out.v = gather(v_states.v);
      out.occupancy = gather(eta_states.v);
      out.gradient = gather(gradient.v);
    }
  }
  summary.seconds = MPI_Wtime() - clock_start;
  return out;
}

}  // namespace

void PetscSolveOptions::validate() const {
  if (!(max_condition >= 1.0)) throw std::invalid_argument("PetscSolveOptions::max_condition must be >= 1");
  if (!(max_residual > 0.0)) throw std::invalid_argument("PetscSolveOptions::max_residual must be > 0");
  if (!(tolerance > 0.0 && tolerance <= max_residual))
    throw std::invalid_argument("PetscSolveOptions::tolerance must be in (0, max_residual]");
  if (max_iterations_per_round < 1) throw std::invalid_argument("PetscSolveOptions::max_iterations_per_round must be >= 1");
}

PetscSession::PetscSession(int* argc, char*** argv) {
  check(PetscInitialize(argc, argv, nullptr, nullptr), "PetscInitialize");
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank_);
  MPI_Comm_size(PETSC_COMM_WORLD, &size_);
}

PetscSession::~PetscSession() { PetscFinalize(); }

PetscSolution solve_petsc(const std::filesystem::path& file, const PetscSolveOptions& options, const MemoryLimit& limit) {
  std::string name;
  const auto problem = detail::read_distributed_problem(file.string(), limit, name);
  try {
    return solve_distributed(*problem, options);
  } catch (Error& e) {
    e.set_source(file.string());
    throw;
  }
}

PetscSolution solve_petsc(const FiniteMdp& mdp, const FinitePolicy& policy, const PetscSolveOptions& options) {
  return solve_distributed(*detail::whole_problem(mdp, policy), options);
}

}  // namespace pgtruth
