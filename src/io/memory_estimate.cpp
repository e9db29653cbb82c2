#include "io/memory_estimate.hpp"

#include <algorithm>
#include <cmath>

#include "io/format.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"  // kMaxDenseFisherParameters

namespace pgtruth::detail {
namespace {

// Bytes per unit of a finite problem's size at the peak of a full solve, fitted to the peak
// resident memory of `pgtruth solve` (all keys) on a 1000 x 1000 gridworld (985 MB), 300 x 300
// (95 MB) and Garnet MDPs of 10^6 x 3 x 4 (1231 MB), 10^5 x 3 x 4 (131 MB) and 2 x 10^4 x 2 x 50
// (173 MB) on 2026-12-07: the estimate is 87% to 97% of each (an estimate below the peak
// refuses no problem that fits). Sparse LU (gamma = 1, or at most 5000 states) adds its fill,
// which is not known before the factorisation.
constexpr double kPerState = 150;          // names, start, terminal, v, occupancy, visitation, solver vectors
constexpr double kPerRow = 33;             // outcome_begin, row reward, theta, pi, q, advantage (fitted)
constexpr double kPerOutcome = 17;         // next state, probability, reward: the transition table
constexpr double kPerSuccessorPair = 58;   // P_pi, its transpose, the multigrid hierarchy, the Krylov solver
constexpr double kPerFeature = 16;         // the features phi(s, a) and their differences from the mean

// An LQG solve holds a few dozen n x n and (n + m) x (n + m) matrices and the Schur forms
// and workspaces of the Lyapunov and Riccati solvers: 64 doubles per entry of (n + m)^2, which
// is 1.1 times the measured peak at n = 200, m = 1 (18 MB above the process's 7 MB) and 1.6
// times at n = 300, m = 50 (38 MB).
constexpr double kLqgDoublesPerEntry = 64;

// Reading a file holds its text and nlohmann/json's document: a list-form file of 2 x 10^5
// states (34 MB) peaked at 441 MB, of which the solve's estimate is 80 MB: 10.6 bytes a byte
// of file. Objects cost most (a tree node a member); a file of numbers costs less.
constexpr double kJsonBytesPerFileByte = 10;

}  // namespace

double finite_memory_bytes(const FiniteSize& z) {
  const double rows = z.states * z.actions;
  // The Fisher matrix: a block of A x A a state for a tabular softmax, made dense (with its
  // pseudo-inverse) up to kMaxDenseFisherParameters; d x d for d linear features.
  const double tabular_blocks = z.softmax_tabular ? 8 * rows * z.actions : 0;
  const double dense_dim = z.softmax_tabular ? (rows <= kMaxDenseFisherParameters ? rows : 0) : z.features;
  return kPerState * z.states + kPerRow * rows + kPerOutcome * z.outcomes + kPerSuccessorPair * z.successor_pairs +
         kPerFeature * rows * z.features + tabular_blocks + 3 * 8 * dense_dim * dense_dim;
}

double lqg_memory_bytes(double n, double m) { return kLqgDoublesPerEntry * 8 * (n + m) * (n + m); }

double json_memory_bytes(double file_bytes) { return kJsonBytesPerFileByte * file_bytes; }

std::string format_bytes(double bytes) {
  static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  double x = bytes;
  while (x >= 1024 && u < 6) x /= 1024, ++u;
  if (x >= 1024) return format_number(bytes, 3) + " bytes";
  return format_number(x, x < 10 ? 2 : 3) + " " + units[u];
}

void require_memory(const std::string& where, double bytes, const std::string& what, const MemoryLimit& limit) {
  const double available = limit.resolved_bytes();
  if (!(bytes > available)) return;
  const std::string origin = limit.origin.empty() ? (limit.bytes > 0 ? "the limit set" : "this machine's memory")
                                                  : limit.origin;
  throw InputError(where, what + " would need about " + format_bytes(bytes) + " of memory, more than the limit of " +
                              format_bytes(available) + " (" + origin + ")");
}

}  // namespace pgtruth::detail
