#include "linalg/jacobi_splitting.hpp"

#include "parallel/context.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pgtruth::detail {

JacobiSplitting::JacobiSplitting(const RowMajorMatrix& A, ExecutionContext& context) {
  if (!A.isCompressed() || A.rows() != A.cols())
    throw std::invalid_argument("JacobiSplitting: the matrix must be square and compressed");
  const int n = static_cast<int>(A.rows());
  const int* outer = A.outerIndexPtr();
  const int* column = A.innerIndexPtr();
  const double* value = A.valuePtr();
  off_diagonal_ = A.nonZeros() - n;
  const auto entries = static_cast<std::size_t>(std::max<Eigen::Index>(off_diagonal_, 0));
  // Uninitialised: each half writes its rows (row i of C starts where row i of A does, less
  // the i diagonal entries before it).
  begin_ = std::make_unique_for_overwrite<int[]>(static_cast<std::size_t>(n) + 1);
  column_ = std::make_unique_for_overwrite<int[]>(entries);
  coefficient_ = std::make_unique_for_overwrite<double[]>(entries);
  diagonal_.resize(n);
  split_in_two(context, n, [&](int, std::int64_t first_row, std::int64_t end_row) {
    for (auto i = static_cast<int>(first_row); i < end_row; ++i) {
      int at = outer[i];  // the diagonal entry's position in the sorted row
      while (at < outer[i + 1] && column[at] < i) ++at;
      const double a_ii = at < outer[i + 1] && column[at] == i ? value[at] : 0.0;
      if (!(a_ii > 0.0) || !std::isfinite(a_ii))
        throw std::invalid_argument("JacobiSplitting: diagonal entry " + std::to_string(i) +
                                    " must be stored, positive and finite");
      diagonal_(i) = a_ii;
      int k = outer[i] - i;
      begin_[i] = k;
      const auto put = [&](int p) { column_[k] = column[p], coefficient_[k] = -value[p] / a_ii, ++k; };
      const bool left = at > outer[i] && column[at - 1] == i - 1;
      const bool right = at + 1 < outer[i + 1] && column[at + 1] == i + 1;
      if (left) put(at - 1);
      for (int p = outer[i]; p < at - left; ++p) put(p);
      for (int p = at + 1 + right; p < outer[i + 1]; ++p) put(p);
      if (right) put(at + 1);
    }
  });
  begin_[n] = static_cast<int>(off_diagonal_);
}

void JacobiSplitting::multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const {
  const int n = static_cast<int>(rows());
  out.resize(n);
  const double* xs = x.data();
  for (int i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int p = begin_[i]; p < begin_[i + 1]; ++p) sum += coefficient_[p] * xs[column_[p]];
    out(i) = diagonal_(i) * (xs[i] - sum);
  }
}

void JacobiSplitting::gauss_seidel(const Eigen::VectorXd& b, Eigen::VectorXd& x, bool forward) const {
  const int n = static_cast<int>(rows());
  const int* begin = begin_.get();
  const int* column = column_.get();
  const double* c = coefficient_.get();
  double* xs = x.data();
  double previous = 0.0;  // x of the row updated just before
  if (forward) {
    for (int i = 0; i < n; ++i) {
      const int first = begin[i], end = begin[i + 1];
      const bool chained = first < end && column[first] == i - 1;  // row i - 1 first: updated just before
      double sum = b(i) / diagonal_(i);
      for (int p = first + chained; p < end; ++p) sum += c[p] * xs[column[p]];
      previous = chained ? sum + c[first] * previous : sum;
      xs[i] = previous;
    }
  } else {
    for (int i = n - 1; i >= 0; --i) {
      const int first = begin[i], end = begin[i + 1];
      const bool chained = first < end && column[end - 1] == i + 1;  // row i + 1 last: updated just before
      double sum = b(i) / diagonal_(i);
      for (int p = first; p < end - chained; ++p) sum += c[p] * xs[column[p]];
      previous = chained ? sum + c[end - 1] * previous : sum;
      xs[i] = previous;
    }
  }
}

}  // namespace pgtruth::detail
