#pragma once
// Internal: NumPy arrays in, NumPy arrays out. Every array a user passes is checked here, and a
// fault is an InputError that names the argument ("P: expected 3 dimensions (S, A, S), found 2").

#include <Eigen/Core>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <string>
#include <vector>

namespace pgtruth::python {

namespace py = pybind11;

/// A C-contiguous float64 array: `value` converted from any real numeric dtype (integers and
/// booleans included; a non-contiguous view is copied). Refuses complex, object and string
/// dtypes, NaN and infinity (unless `finite` is false: the caller refuses them itself), and a
/// shape other than `shape` (-1: any extent), naming `name`.
py::array_t<double, py::array::c_style> real_array(py::handle value, const std::string& name,
                                                   const std::vector<py::ssize_t>& shape, bool finite = true);

/// The shape as text, "(4, 2, 4)".
std::string shape_text(const std::vector<py::ssize_t>& shape);

Eigen::VectorXd to_vector(const py::array_t<double, py::array::c_style>& a);

py::array_t<double> to_numpy(const Eigen::VectorXd& v);
/// A matrix as a C-order 2-D array of the same shape.
py::array_t<double> to_numpy(const Eigen::MatrixXd& m);

}  // namespace pgtruth::python
