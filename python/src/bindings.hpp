#pragma once
// Internal: the parts of the extension module pgtruth._pgtruth, one file each.

#include <functional>
#include <memory>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/sampling/check.hpp"

namespace pgtruth::python {

namespace py = pybind11;

/// Problems are immutable once built: methods take theta (or K, Σ) per call, so the solver
/// and the samplers run without the GIL on a problem no other thread can change.
struct FiniteHandle {
  std::shared_ptr<const FiniteProblem> problem;
};
struct LqgHandle {
  std::shared_ptr<const LqgProblem> problem;
};

/// A loaded problem file or document as the handle of its kind.
py::object wrap(Problem&& problem);

/// The report of a check as a dict with the keys of `pgtruth check --json` (spec §3).
py::dict report_dict(const CheckResult& r);

/// `episodes` draws of `draw(rng, row)`, each writing one estimate of `dim` entries into a row
/// of the result (zero on entry), from the streams Rng(seed, b) of the check's work batches: the
/// same draws as `pgtruth check --estimator` with that seed, the same bits for any threads.
using RowDraw = std::function<void(Rng& rng, double* row)>;
py::array_t<double> sample_rows(long episodes, std::uint64_t seed, int threads, Eigen::Index dim, const RowDraw& draw);

void bind_errors(py::module_& m);
void bind_finite(py::module_& m);
void bind_lqg(py::module_& m);
void bind_check(py::module_& m);

}  // namespace pgtruth::python
