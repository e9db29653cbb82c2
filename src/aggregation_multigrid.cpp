#include "aggregation_multigrid.hpp"

#include <algorithm>
#include <stdexcept>

#include "second_core.hpp"
#include "sparse_lu.hpp"

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
std::vector<int> match_pairs(const RowMajorMatrix& A, const RowMajorMatrix& At, int& pairs) {
  const int n = static_cast<int>(A.rows());
  std::vector<int> pair(static_cast<std::size_t>(n), -1), mark(static_cast<std::size_t>(n), -1), touched;
  std::vector<double> strength(static_cast<std::size_t>(n), 0.0);
  pairs = 0;
  for (int i = 0; i < n; ++i) {
    if (pair[i] >= 0) continue;
    touched.clear();
    for (const RowMajorMatrix* B : {&A, &At})  // row i of A, then column i of A
      for (RowMajorMatrix::InnerIterator it(*B, i); it; ++it) {
        const int j = static_cast<int>(it.col());
        if (j == i) continue;
        if (mark[j] != i) mark[j] = i, strength[j] = 0.0, touched.push_back(j);
        strength[j] -= 0.5 * it.value();
      }
    double strongest = 0.0;
    for (int j : touched) strongest = std::max(strongest, strength[j]);
    int best = -1;
    double best_strength = 0.0;
    for (int j : touched)
      if (pair[j] < 0 && strength[j] >= kStrongCoupling * strongest && strength[j] > best_strength)
        best = j, best_strength = strength[j];
    pair[i] = pairs;
    if (best >= 0) pair[best] = pairs;
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
  std::vector<int> mark(nc, -1), columns;
  std::vector<double> sum(nc, 0.0);
  for (std::size_t I = 0; I < nc; ++I) {
    columns.clear();
    for (int p = first[I]; p < first[I + 1]; ++p)
      for (RowMajorMatrix::InnerIterator it(A, members[static_cast<std::size_t>(p)]); it; ++it) {
        const int J = aggregate[static_cast<std::size_t>(it.col())];
        if (mark[static_cast<std::size_t>(J)] != static_cast<int>(I))
          mark[static_cast<std::size_t>(J)] = static_cast<int>(I), sum[static_cast<std::size_t>(J)] = 0.0, columns.push_back(J);
        sum[static_cast<std::size_t>(J)] += it.value();
      }
    std::sort(columns.begin(), columns.end());
    for (int J : columns) inner[size] = J, values[size] = sum[static_cast<std::size_t>(J)], ++size;
    outer[I + 1] = size;
  }
  Ac.resizeNonZeros(size);
}

/// Position in A's storage of each row's diagonal entry (every level matrix has one).
std::vector<int> diagonal_positions(const RowMajorMatrix& A) {
  std::vector<int> position(static_cast<std::size_t>(A.rows()), -1);
  const int* outer = A.outerIndexPtr();
  const int* column = A.innerIndexPtr();
  for (int i = 0; i < static_cast<int>(A.rows()); ++i)
    for (int p = outer[i]; p < outer[i + 1]; ++p)
      if (column[p] == i) position[static_cast<std::size_t>(i)] = p;
  return position;
}

/// One Gauss-Seidel sweep on A x = b, in increasing (forward) or decreasing row order:
///   x_i <- x_i + (b_i - sum_j a_ij x_j) / a_ii.
/// Written as x_i <- e_i - (a_ik / a_ii) x_k, where k is the neighbour updated just before i
/// (the last column below the diagonal going forward, the first above it going backward) and
/// e_i gathers every other term: e_i does not wait for x_k, so the chain of dependent
/// arithmetic from one row to the next is a single multiply-add (measured twice as fast as
/// the plain loop on a 10^4-state grid). A must be compressed, with sorted columns.
void gauss_seidel(const RowMajorMatrix& A, const std::vector<int>& diagonal_position,
                  const Eigen::VectorXd& inverse_diagonal, const Eigen::VectorXd& b, Eigen::VectorXd& x,
                  bool forward) {
  const int* outer = A.outerIndexPtr();
  const int* column = A.innerIndexPtr();
  const double* value = A.valuePtr();
  double* xs = x.data();
  const int n = static_cast<int>(A.rows()), step = forward ? 1 : -1;
  // The value just written, kept in a register for the next row: reading it back from memory
  // puts a store-to-load forwarding delay into the chain (sweeps timed alone on a 10^4-state
  // grid: 3.4 ns a row instead of 4.1; the same bits).
  double previous = 0.0;
  for (int k = 0, i = forward ? 0 : n - 1; k < n; ++k, i += step) {
    const int begin = outer[i], end = outer[i + 1];
    const int near = diagonal_position[static_cast<std::size_t>(i)] - step;
    const bool chained = near >= begin && near < end;
    const int skip = chained ? near : end;
    double others = 0.0;
    for (int p = begin; p < skip; ++p) others += value[p] * xs[column[p]];
    for (int p = skip + 1; p < end; ++p) others += value[p] * xs[column[p]];
    const double e = xs[i] + (b(i) - others) * inverse_diagonal(i);
    if (chained) {
      const int j = column[near];
      previous = e - inverse_diagonal(i) * value[near] * (j == i - step ? previous : xs[j]);
    } else {
      previous = e;
    }
    xs[i] = previous;
  }
}

}  // namespace

AggregationMultigrid::~AggregationMultigrid() = default;

AggregationMultigrid::AggregationMultigrid(const RowMajorMatrix& A, const RowMajorMatrix& At, SecondCore& second_core) {
  if (!A.isCompressed() || !At.isCompressed() || A.rows() != A.cols() || At.rows() != A.rows())
    throw std::invalid_argument("AggregationMultigrid: A and At must be square, compressed and of one size");
  levels_.emplace_back();
  levels_.back().A = &A, levels_.back().At = &At;
  levels_.back().inverse_diagonal = A.diagonal().cwiseInverse();
  if (!(levels_.back().inverse_diagonal.array() > 0.0).all() || !levels_.back().inverse_diagonal.allFinite())
    throw std::invalid_argument("AggregationMultigrid: every diagonal entry of A must be positive");
  while (levels_.size() < kMaxLevels) {
    const RowMajorMatrix& fine = *levels_.back().A;
    if (fine.rows() <= kDirectCoarsest) break;
    // Double pairwise aggregation: pairs of the states, then pairs of those pairs. Each Galerkin
    // product is formed for A and for A^T, one on each core: P^T A^T P = (P^T A P)^T.
    int pairs = 0, quads = 0;
    const std::vector<int> pair = match_pairs(fine, *levels_.back().At, pairs);
    RowMajorMatrix paired[2];
    second_core.run_both([&](int t) { galerkin(t ? *levels_.back().At : fine, pair, pairs, paired[t]); });
    const std::vector<int> quad = match_pairs(paired[0], paired[1], quads);
    auto coarse = std::make_unique<RowMajorMatrix>(), coarse_t = std::make_unique<RowMajorMatrix>();
    second_core.run_both([&](int t) { galerkin(paired[t], quad, quads, *(t ? coarse_t : coarse)); });
    const Eigen::VectorXd diagonal = coarse->diagonal();
    if (static_cast<double>(quads) * kMinCoarsening > static_cast<double>(fine.rows()) ||
        static_cast<double>(coarse->nonZeros()) > kMaxCoarseFill * static_cast<double>(fine.nonZeros()) ||
        !(diagonal.array() > 0.0).all() || !diagonal.allFinite())
      break;  // coarsening no longer pays (or an aggregate lost its diagonal): this is the coarsest
    std::vector<int>& aggregate = levels_.back().aggregate;
    aggregate.resize(pair.size());
    for (std::size_t i = 0; i < pair.size(); ++i) aggregate[i] = quad[static_cast<std::size_t>(pair[i])];
    levels_.emplace_back();
    levels_.back().A = coarse.get(), levels_.back().At = coarse_t.get();
    levels_.back().inverse_diagonal = diagonal.cwiseInverse();
    coarse_matrices_.push_back(std::move(coarse)), coarse_matrices_.push_back(std::move(coarse_t));
  }
  second_core.run_both([&](int t) {
    for (Level& level : levels_) level.diagonal_position[t] = diagonal_positions(t ? *level.At : *level.A);
  });
  for (std::size_t l = 1; l < levels_.size(); ++l) {
    const Eigen::Index n = levels_[l].A->rows();
    for (int d = 0; d < 2; ++d) levels_[l].b[d].resize(n), levels_[l].x[d].resize(n);
  }
  if (levels_.back().A->rows() <= kDirectCoarsest) {
    try {
      coarsest_lu_ = std::make_unique<SparseLu>(*levels_.back().A);
    } catch (const SingularMatrix&) {
      coarsest_lu_.reset();  // fall back to sweeps
    }
  }
}

double AggregationMultigrid::operator_complexity() const {
  double nonzeros = 0.0;
  for (const Level& level : levels_) nonzeros += static_cast<double>(level.A->nonZeros());
  return nonzeros / static_cast<double>(levels_.front().A->nonZeros());
}

void AggregationMultigrid::apply(const Eigen::VectorXd& r, Eigen::VectorXd& z, bool transposed) const {
  z.resize(r.size());
  cycle(0, r, z, transposed);
}

void AggregationMultigrid::cycle(std::size_t l, const Eigen::VectorXd& b, Eigen::VectorXd& x, bool transposed) const {
  const Level& level = levels_[l];
  const RowMajorMatrix& A = transposed ? *level.At : *level.A;
  if (l + 1 == levels_.size()) {
    if (coarsest_lu_) {
      x = transposed ? coarsest_lu_->solve_transposed(b) : coarsest_lu_->solve(b);
      return;
    }
    x.setZero();
    for (int sweep = 0; sweep < kCoarsestSweeps; ++sweep) {
      gauss_seidel(A, level.diagonal_position[transposed], level.inverse_diagonal, b, x, true);
      gauss_seidel(A, level.diagonal_position[transposed], level.inverse_diagonal, b, x, false);
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
  gauss_seidel(A, level.diagonal_position[transposed], level.inverse_diagonal, b, x, false);
  gauss_seidel(A, level.diagonal_position[transposed], level.inverse_diagonal, b, x, true);
}

}  // namespace pgtruth::detail
