#include "linalg/sparse_lu.hpp"

#include <klu.h>

#include <new>
#include <string>

namespace pgtruth::detail {

// A row-major matrix's arrays, read as compressed columns, are those of A^T: KLU factorises
// A^T, so A x = b is KLU's transposed solve and A^T x = b its plain one.
struct SparseLu::Factors {
  klu_common common{};
  klu_symbolic* symbolic = nullptr;
  klu_numeric* numeric = nullptr;
  int n = 0;

  ~Factors() {
    if (numeric) klu_free_numeric(&numeric, &common);
    if (symbolic) klu_free_symbolic(&symbolic, &common);
  }
};

namespace {

[[noreturn]] void fail(const klu_common& common, const char* stage) {
  if (common.status == KLU_OUT_OF_MEMORY) throw std::bad_alloc();
  if (common.status == KLU_SINGULAR)
    throw SingularMatrix("a pivot is zero in column " + std::to_string(common.singular_col) +
                         " (KLU, sparse LU)");
  throw std::invalid_argument(std::string("KLU ") + stage + " failed (status " + std::to_string(common.status) + ")");
}

}  // namespace

SparseLu::SparseLu(const RowMajorMatrix& A) : factors_(std::make_unique<Factors>()) {
  if (A.rows() != A.cols() || !A.isCompressed())
    throw std::invalid_argument("SparseLu: the matrix must be square and compressed");
  Factors& f = *factors_;
  klu_defaults(&f.common);
  // Plain partial pivoting, without row scaling (as LAPACK's getrf): KLU's default threshold
  // (0.001) let the backward error grow to 2e-13 on random matrices of condition 30. The Bellman
  // matrices lose nothing by it: M = I - gamma P_pi has rows that dominate their diagonal, so
  // every column of M^T (what KLU factorises, see Factors) has its largest entry on the
  // diagonal, elimination keeps that, and no pivot leaves the diagonal.
  f.common.tol = 1.0;
  f.common.scale = 0;
  f.n = static_cast<int>(A.rows());
  if (f.n == 0) return;  // nothing to factorise; the solves return empty vectors
  // klu_analyze and klu_factor take non-const pointers but do not modify the arrays.
  int* starts = const_cast<int*>(A.outerIndexPtr());
  int* indices = const_cast<int*>(A.innerIndexPtr());
  double* values = const_cast<double*>(A.valuePtr());
  f.symbolic = klu_analyze(f.n, starts, indices, &f.common);
  if (!f.symbolic) fail(f.common, "analysis");
  f.numeric = klu_factor(starts, indices, values, f.symbolic, &f.common);
  if (!f.numeric) fail(f.common, "factorisation");
}

SparseLu::~SparseLu() = default;

Eigen::VectorXd SparseLu::solve(const Eigen::VectorXd& b) const { return solve_with(b, false); }

Eigen::VectorXd SparseLu::solve_transposed(const Eigen::VectorXd& b) const { return solve_with(b, true); }

Eigen::VectorXd SparseLu::solve_with(const Eigen::VectorXd& b, bool transposed) const {
  Eigen::VectorXd x = b;
  if (x.size() == 0) return x;
  const std::lock_guard<std::mutex> one_at_a_time(solving_);
  klu_common common = factors_->common;  // KLU writes its status here
  // KLU holds the factors of A^T (see Factors): its transposed solve is A's.
  const auto klu_solver = transposed ? &klu_solve : &klu_tsolve;
  if (!klu_solver(factors_->symbolic, factors_->numeric, factors_->n, 1, x.data(), &common)) fail(common, "solve");
  return x;
}

}  // namespace pgtruth::detail
