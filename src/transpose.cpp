#include "transpose.hpp"

#include <vector>

namespace pgtruth::detail {

RowMajorMatrix transpose(const RowMajorMatrix& M, SecondCore& second_core) {
  const int rows = static_cast<int>(M.rows()), columns = static_cast<int>(M.cols());
  if (!M.isCompressed()) return RowMajorMatrix(M.transpose());
  const int* outer = M.outerIndexPtr();
  const int* inner = M.innerIndexPtr();
  const double* value = M.valuePtr();
  const int middle = rows / 2;
  const int first_row[2] = {0, middle}, end_row[2] = {middle, rows};

  // Entries of each column in each half of the rows; then, in place, where the half's next
  // entry of that column goes in M^T's storage.
  std::vector<int> next[2];
  second_core.run_both([&](int half) {
    next[half].assign(static_cast<std::size_t>(columns), 0);
    for (int p = outer[first_row[half]]; p < outer[end_row[half]]; ++p) ++next[half][static_cast<std::size_t>(inner[p])];
  });
  RowMajorMatrix T(columns, rows);
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
  second_core.run_both([&](int half) {
    int* at = next[half].data();
    for (int i = first_row[half]; i < end_row[half]; ++i)
      for (int p = outer[i]; p < outer[i + 1]; ++p) {
        const int q = at[inner[p]]++;
        t_inner[q] = i, t_value[q] = value[p];
      }
  });
  return T;
}

}  // namespace pgtruth::detail
