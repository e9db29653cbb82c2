#include "linalg/transpose.hpp"

#include <cstdint>
#include <vector>

namespace pgtruth::detail {

RowMajorMatrix transpose(const RowMajorMatrix& M, ExecutionContext& context) {
  // One named result, returned on every path: Eigen 3.4's SparseMatrix has no move
  // constructor, so a function returning another object on some path (and thus without the
  // named return value optimisation) copies its result, 64 MB at 10^6 states.
  RowMajorMatrix T;
  if (!M.isCompressed()) {
    T = M.transpose();
    return T;
  }
  const int rows = static_cast<int>(M.rows()), columns = static_cast<int>(M.cols());
  const int* outer = M.outerIndexPtr();
  const int* inner = M.innerIndexPtr();
  const double* value = M.valuePtr();
  // Entries of each column in each half of the rows; then, in place, where the half's next
  // entry of that column goes in M^T's storage.
  std::vector<int> next[2];
  split_in_two(context, rows, [&](int half, std::int64_t first_row, std::int64_t end_row) {
    next[half].assign(static_cast<std::size_t>(columns), 0);
    for (int p = outer[first_row]; p < outer[end_row]; ++p) ++next[half][static_cast<std::size_t>(inner[p])];
  });
  T.resize(columns, rows);
  T.resizeNonZeros(M.nonZeros());
  int* t_outer = T.outerIndexPtr();
  int start = 0;
  for (std::size_t j = 0; j < static_cast<std::size_t>(columns); ++j) {
    const int in_first = next[0][j], in_second = next[1][j];
    t_outer[j] = start;
    next[0][j] = start, next[1][j] = start + in_first;
    start += in_first + in_second;
  }
  t_outer[columns] = start;

  int* t_inner = T.innerIndexPtr();
  double* t_value = T.valuePtr();
  split_in_two(context, rows, [&](int half, std::int64_t first_row, std::int64_t end_row) {
    int* at = next[half].data();
    for (int i = static_cast<int>(first_row); i < end_row; ++i)
      for (int p = outer[i]; p < outer[i + 1]; ++p) {
        const int q = at[inner[p]]++;
        t_inner[q] = i, t_value[q] = value[p];
      }
  });
  return T;
}

}  // namespace pgtruth::detail
