// pgtruth._pgtruth: the C++ engine for the Python package pgtruth (docs/python.md).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/version.hpp"

namespace pgtruth::python {

py::object wrap(Problem&& problem) {
  if (auto* finite = std::get_if<FiniteProblem>(&problem))
    return py::cast(FiniteHandle{std::make_shared<const FiniteProblem>(std::move(*finite))});
  return py::cast(LqgHandle{std::make_shared<const LqgProblem>(std::move(std::get<LqgProblem>(problem)))});
}

void bind_errors(py::module_& m) {
  // pgtruth.Error(ValueError), and below it InputError (the input breaks the spec) and
  // IllPosedError (well-formed, without a finite accurate answer); the message is the
  // command line's one line.
  static py::exception<Error> error(m, "Error", PyExc_ValueError);
  static py::exception<InputError> input(m, "InputError", error.ptr());
  static py::exception<IllPosedError> ill_posed(m, "IllPosedError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      input(e.what());
    } catch (const IllPosedError& e) {
      ill_posed(e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });
}

}  // namespace pgtruth::python

PYBIND11_MODULE(_pgtruth, m) {
  namespace py = pybind11;
  using namespace pgtruth::python;
  m.doc() = "The C++ engine of pgtruth; use the package pgtruth (docs/python.md).";
  m.attr("__version__") = pgtruth::kVersion;
  bind_errors(m);
  bind_finite(m);
  bind_lqg(m);
  bind_check(m);
  m.def("load", [](const std::string& path) { return wrap(pgtruth::load_problem(path)); }, py::arg("path"),
        "Reads a problem file (docs/file-format.md).");
  m.def("parse", [](const std::string& text, const std::string& source) { return wrap(pgtruth::parse_problem(text, source)); },
        py::arg("text"), py::arg("source") = "", "Reads a problem document held in a string.");
}
