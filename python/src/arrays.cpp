#include "arrays.hpp"

#include <cmath>

#include "pgtruth/error.hpp"

namespace pgtruth::python {

std::string shape_text(const std::vector<py::ssize_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {

/// Whether x_0 … x_{n−1} are all finite: x 0 is 0 for a finite x and NaN otherwise, summed in
/// four interleaved partial sums so that the loop vectorises (10^8 entries in a few milliseconds).
bool all_finite(const double* x, py::ssize_t n) {
  double zero[4] = {};
  py::ssize_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int l = 0; l < 4; ++l) zero[l] += x[i + l] * 0.0;
  for (; i < n; ++i) zero[0] += x[i] * 0.0;
  return (zero[0] + zero[1]) + (zero[2] + zero[3]) == 0.0;
}

}  // namespace

py::array_t<double, py::array::c_style> real_array(py::handle value, const std::string& name,
                                                   const std::vector<py::ssize_t>& shape, bool finite) {
  const auto fail = [&](const std::string& message) { throw InputError(name, message); };
  py::array raw;
  try {
    raw = py::array::ensure(value);
  } catch (const py::error_already_set&) {
  }
  if (!raw) fail("expected an array of real numbers, found " + std::string(py::str(py::type::of(value).attr("__name__"))));
  const char kind = raw.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    fail("expected an array of real numbers, found dtype " + std::string(py::str(raw.dtype())));
  if (raw.ndim() != static_cast<py::ssize_t>(shape.size()))
    fail("expected " + std::to_string(shape.size()) + " dimension" + (shape.size() == 1 ? "" : "s") + " " +
         shape_text(shape) + ", found " + std::to_string(raw.ndim()));
  std::vector<py::ssize_t> found(raw.shape(), raw.shape() + raw.ndim());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] >= 0 && found[i] != shape[i]) fail("expected shape " + shape_text(shape) + ", found " + shape_text(found));
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(raw);
  if (!a) throw py::error_already_set();
  const double* x = a.data();
  if (finite && !all_finite(x, a.size()))
    for (py::ssize_t i = 0; i < a.size(); ++i)
      if (!std::isfinite(x[i])) {
        std::string where;  // the multi-index of the first non-finite entry
        py::ssize_t rest = i;
        for (py::ssize_t d = a.ndim(); d-- > 0;) where = std::to_string(rest % a.shape(d)) + (where.empty() ? "" : ", ") + where, rest /= a.shape(d);
        fail("entry [" + where + "] is " + (std::isnan(x[i]) ? "nan" : x[i] > 0 ? "inf" : "-inf") + ", expected a finite number");
      }
  return a;
}

Eigen::VectorXd to_vector(const py::array_t<double, py::array::c_style>& a) {
  return Eigen::Map<const Eigen::VectorXd>(a.data(), a.size());
}

py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
  py::array_t<double> out(v.size());
  Eigen::Map<Eigen::VectorXd>(out.mutable_data(), v.size()) = v;
  return out;
}

py::array_t<double> to_numpy(const Eigen::MatrixXd& m) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  py::array_t<double> out({m.rows(), m.cols()});
  Eigen::Map<RowMajor>(out.mutable_data(), m.rows(), m.cols()) = m;
  return out;
}

}  // namespace pgtruth::python
