#include "linalg/aggregation_multigrid.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "parallel/context.hpp"
#include "linalg/sparse_lu.hpp"
#include "linalg/transpose.hpp"

namespace pgtruth::detail {
namespace {

constexpr Eigen::Index kDirectCoarsest = 1000;  ///< sparse LU on a coarsest level of at most this size
constexpr std::size_t kMaxLevels = 30;
constexpr double kStrongCoupling = 0.25;  ///< a partner couples at least this share of the strongest coupling
constexpr double kMinCoarsening = 1.5;    ///< stop when a level shrinks by less than this factor ...
constexpr double kMaxCoarseFill = 0.7;    ///< ... or keeps more than this share of the nonzeros
constexpr int kCoarsestSweeps = 4;        ///< symmetric Gauss-Seidel sweeps when the coarsest is not factorised

/// Pairwise matching (after Notay 2010, without the quality test of Napov & Notay 2012): each state still
/// unmatched, in order, is paired with the unmatched neighbour it is most strongly coupled to,
/// among those coupled at least kStrongCoupling times its strongest coupling; the strength of
/// i--j is -(a_ij + a_ji) / 2. Returns state -> pair, pairs numbered from 0; `pairs` their count.
/// (Sequential: the greedy order matters; matching the two halves of the states apart changes
/// the pairs near the middle and costs BiCGSTAB iterations.)
std::vector<int> match_pairs(const RowMajorMatrix& A, const RowMajorMatrix& At, int& pairs) {
  const int n = static_cast<int>(A.rows());
  std::vector<int> pair(static_cast<std::size_t>(n), -1);
  std::vector<std::pair<int, double>> strength;  // (j, strength of i--j) for the neighbours j of i
  pairs = 0;
  for (int i = 0; i < n; ++i) {
    if (pair[static_cast<std::size_t>(i)] >= 0) continue;
    strength.clear();
    for (const RowMajorMatrix* B : {&A, &At})  // row i of A, then column i of A: a few entries
      for (RowMajorMatrix::InnerIterator it(*B, i); it; ++it) {
        const int j = static_cast<int>(it.col());
        if (j == i) continue;
        auto at = std::find_if(strength.begin(), strength.end(), [&](const auto& e) { return e.first == j; });
        if (at == strength.end()) at = strength.insert(at, {j, 0.0});
        at->second -= 0.5 * it.value();
      }
    double strongest = 0.0;
    for (const auto& [j, s] : strength) strongest = std::max(strongest, s);
    int best = -1;
    double best_strength = 0.0;
    for (const auto& [j, s] : strength)
      if (pair[static_cast<std::size_t>(j)] < 0 && s >= kStrongCoupling * strongest && s > best_strength)
        best = j, best_strength = s;
    pair[static_cast<std::size_t>(i)] = pairs;
    if (best >= 0) pair[static_cast<std::size_t>(best)] = pairs;
    ++pairs;
  }
  return pair;
}

/// Sets Ac to the Galerkin matrix P^T A P of the piecewise-constant prolongation of `aggregate`:
/// entry (I, J) is the sum of a_ij over i in aggregate I and j in aggregate J. (Written into
/// the caller's matrix: Eigen 3.4's SparseMatrix has no move assignment, so assigning a
/// returned one would copy it.)
void galerkin(const RowMajorMatrix& A, const std::vector<int>& aggregate, int coarse, RowMajorMatrix& Ac) {
  const auto n = static_cast<std::size_t>(A.rows()), nc = static_cast<std::size_t>(coarse);
  std::vector<int> first(nc + 1, 0), members(n);  // the states of aggregate I: members[first[I] .. first[I+1])
  for (int k : aggregate) ++first[static_cast<std::size_t>(k) + 1];
  for (std::size_t k = 0; k < nc; ++k) first[k + 1] += first[k];
  {
    std::vector<int> next(first.begin(), first.end() - 1);
    for (std::size_t i = 0; i < n; ++i) members[static_cast<std::size_t>(next[static_cast<std::size_t>(aggregate[i])]++)] = static_cast<int>(i);
  }
  // Written straight into the coarse matrix's storage: it has at most as many entries as A.
  Ac.resize(coarse, coarse);
  Ac.resizeNonZeros(A.nonZeros());
  int* outer = Ac.outerIndexPtr();
  int* inner = Ac.innerIndexPtr();
  double* values = Ac.valuePtr();
  int size = 0;
  outer[0] = 0;
  for (std::size_t I = 0; I < nc; ++I) {
    const int row = size;
    for (int p = first[I]; p < first[I + 1]; ++p)
      for (RowMajorMatrix::InnerIterator it(A, members[static_cast<std::size_t>(p)]); it; ++it) {
        // Entry (I, J) += a_ij, the row kept sorted by column as it grows (a few entries).
        const int J = aggregate[static_cast<std::size_t>(it.col())];
        int at = size;
        while (at > row && inner[at - 1] > J) --at;
        if (at > row && inner[at - 1] == J) {
          values[at - 1] += it.value();
          continue;
        }
        for (int e = size; e > at; --e) inner[e] = inner[e - 1], values[e] = values[e - 1];
        inner[at] = J, values[at] = it.value(), ++size;
      }
    outer[I + 1] = size;
  }
  Ac.resizeNonZeros(size);
}

}  // namespace

AggregationMultigrid::~AggregationMultigrid() = default;

AggregationMultigrid::AggregationMultigrid(const RowMajorMatrix& A, ExecutionContext& context) {
  // (Each level's diagonal is checked where its splitting is made: JacobiSplitting refuses a
  // missing, zero, negative or infinite one with std::invalid_argument.)
  if (!A.isCompressed() || A.rows() != A.cols())
    throw std::invalid_argument("AggregationMultigrid: A must be square and compressed");
  // The current level's matrix and its transpose: the caller's A and A^T formed here, then
  // the coarse matrices, each pair dropped once the next is formed and the level split.
  RowMajorMatrix fine[2];
  {
    RowMajorMatrix At = transpose(A, context);
    fine[1].swap(At);  // (not assigned: Eigen 3.4's SparseMatrix has no move assignment)
  }
  const RowMajorMatrix* level_matrix[2] = {&A, &fine[1]};
  while (true) {
    levels_.emplace_back();
    Level& level = levels_.back();
    const RowMajorMatrix &Al = *level_matrix[0], &Alt = *level_matrix[1];
    if (levels_.size() > 1)  // the cycle's buffers
      for (int d = 0; d < 2; ++d) level.b[d].resize(Al.rows()), level.x[d].resize(Al.rows());
    // Double pairwise aggregation: pairs of the states, then pairs of those pairs. Each Galerkin
    // product is formed for A and for A^T, the two tasks of a pair: P^T A^T P = (P^T A P)^T.
    RowMajorMatrix coarse[2];
    bool coarsest = Al.rows() <= kDirectCoarsest || levels_.size() == kMaxLevels;
    if (!coarsest) {
      int pairs = 0, quads = 0;
      const std::vector<int> pair = match_pairs(Al, Alt, pairs);
      RowMajorMatrix paired[2];
      context.run_pair([&](int t) { galerkin(*level_matrix[t], pair, pairs, paired[t]); });
      const std::vector<int> quad = match_pairs(paired[0], paired[1], quads);
      context.run_pair([&](int t) { galerkin(paired[t], quad, quads, coarse[t]); });
      const Eigen::VectorXd diagonal = coarse[0].diagonal();
      coarsest = static_cast<double>(quads) * kMinCoarsening > static_cast<double>(Al.rows()) ||
                 static_cast<double>(coarse[0].nonZeros()) > kMaxCoarseFill * static_cast<double>(Al.nonZeros()) ||
                 !(diagonal.array() > 0.0).all() || !diagonal.allFinite();
      // (when coarsening no longer pays, or an aggregate lost its diagonal, this is the coarsest)
      if (!coarsest) {
        level.aggregate.resize(pair.size());
        for (std::size_t i = 0; i < pair.size(); ++i) level.aggregate[i] = quad[static_cast<std::size_t>(pair[i])];
      }
    }
    // The level's splittings: A^T's first, so that its compressed form is freed before A's
    // splitting is made, which then reuses those pages instead of faulting in fresh ones.
    level.A[1] = JacobiSplitting(Alt, context);
    RowMajorMatrix().swap(fine[1]);
    level.A[0] = JacobiSplitting(Al, context);
    if (coarsest) {
      if (Al.rows() <= kDirectCoarsest) {
        try {
          coarsest_lu_ = std::make_unique<SparseLu>(Al);
        } catch (const SingularMatrix&) {
          coarsest_lu_.reset();  // fall back to sweeps
        }
      }
      break;
    }
    // The coarse pair becomes the current one (swapped in: Eigen 3.4's SparseMatrix has no
    // move assignment); the finer A, when it is a coarse matrix of this hierarchy, is freed.
    for (int t = 0; t < 2; ++t) fine[t].swap(coarse[t]), level_matrix[t] = &fine[t];
  }
}

double AggregationMultigrid::operator_complexity() const {
  double nonzeros = 0.0;
  for (const Level& level : levels_) nonzeros += static_cast<double>(level.A[0].nonzeros());
  return nonzeros / static_cast<double>(levels_.front().A[0].nonzeros());
}

void AggregationMultigrid::apply(const Eigen::VectorXd& r, Eigen::VectorXd& z, bool transposed) const {
  z.resize(r.size());
  cycle(0, r, z, transposed);
}

void AggregationMultigrid::cycle(std::size_t l, const Eigen::VectorXd& b, Eigen::VectorXd& x, bool transposed) const {
  const Level& level = levels_[l];
  const JacobiSplitting& A = level.A[transposed];
  if (l + 1 == levels_.size()) {
    if (coarsest_lu_) {
      x = transposed ? coarsest_lu_->solve_transposed(b) : coarsest_lu_->solve(b);
      return;
    }
    x.setZero();
    for (int sweep = 0; sweep < kCoarsestSweeps; ++sweep) {
      A.gauss_seidel(b, x, true);
      A.gauss_seidel(b, x, false);
    }
    return;
  }
  // Restrict b, solve on the coarse level, prolong: x = P A_{l+1}^{-1} P^T b (approximately).
  const Level& next = levels_[l + 1];
  Eigen::VectorXd &next_b = next.b[transposed], &next_x = next.x[transposed];
  next_b.setZero();
  for (std::size_t i = 0; i < level.aggregate.size(); ++i) next_b(level.aggregate[i]) += b(static_cast<Eigen::Index>(i));
  cycle(l + 1, next_b, next_x, transposed);
  for (std::size_t i = 0; i < level.aggregate.size(); ++i) x(static_cast<Eigen::Index>(i)) = next_x(level.aggregate[i]);
  // Smooth what the piecewise-constant correction leaves: a backward and a forward sweep.
  A.gauss_seidel(b, x, false);
  A.gauss_seidel(b, x, true);
}

}  // namespace pgtruth::detail
