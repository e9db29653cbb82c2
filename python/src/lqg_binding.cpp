// The LQG problem: its matrices and its exact solution (spec §2). A problem at another K or Σ
// is built anew by the package (pgtruth.LqgProblem.solve), through the file reader's checks.
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "pgtruth/io/solution_json.hpp"
#include "pgtruth/lqg/solver.hpp"

namespace pgtruth::python {
namespace {

py::dict lqg_solution_dict(const LqgProblem& p, const LqgSolution& s) {
  py::dict d;
  d["problem"] = "lqg";
  d["formulation"] = p.formulation == Formulation::stochastic ? "stochastic" : "deterministic";
  d["sense"] = "cost", d["J"] = s.J, d["P"] = to_numpy(s.P), d["value_constant"] = s.value_constant;
  d["gradient"] = to_numpy(s.gradient);
  if (s.gradient_sigma) d["gradient_sigma"] = to_numpy(*s.gradient_sigma);
  d["state_moment"] = to_numpy(s.state_moment), d["q_matrix"] = to_numpy(s.q_matrix), d["q_constant"] = s.q_constant;
  if (s.fisher) d["fisher"] = to_numpy(*s.fisher);
  if (s.fisher_rank) d["fisher_rank"] = *s.fisher_rank;
  if (s.natural_gradient) d["natural_gradient"] = to_numpy(*s.natural_gradient);
  d["spectral_radius"] = s.spectral_radius;
  if (s.optimal) {
    py::dict o;
    o["K"] = to_numpy(s.optimal->K), o["P"] = to_numpy(s.optimal->P), o["J"] = s.optimal->J;
    d["optimal"] = o;
  }
  const LqgSolveSummary& m = s.summary;
  py::dict solver, bounds;
  bounds["J"] = m.error_bounds.J, bounds["P"] = m.error_bounds.P, bounds["state_moment"] = m.error_bounds.state_moment,
  bounds["gradient"] = m.error_bounds.gradient, bounds["value_constant"] = m.error_bounds.value_constant;
  if (s.gradient_sigma) bounds["gradient_sigma"] = m.error_bounds.gradient_sigma;
  bounds["q_matrix"] = m.error_bounds.q_matrix, bounds["q_constant"] = m.error_bounds.q_constant;
  if (s.fisher) bounds["fisher"] = m.error_bounds.fisher;
  if (s.natural_gradient) bounds["natural_gradient"] = m.error_bounds.natural_gradient;
  if (s.optimal) {
    py::dict o;
    o["K"] = m.error_bounds.optimal_K, o["P"] = m.error_bounds.optimal_P, o["J"] = m.error_bounds.optimal_J;
    bounds["optimal"] = o;
  }
  py::list first_order;
  for (const std::string& key : m.error_bounds.first_order) first_order.append(key);
  solver["method"] = m.method, solver["value_residual"] = m.value_residual, solver["moment_residual"] = m.moment_residual;
  solver["riccati_residual"] = m.riccati_residual, solver["seconds"] = m.seconds, solver["precision"] = m.precision;
  solver["spectral_radius_bound"] = m.spectral_radius_bound, solver["stability_margin"] = m.stability_margin;
  solver["stein_condition"] = m.stein_condition, solver["error_bounds"] = bounds;
  solver["first_order_bounds"] = first_order;
  d["solver"] = solver;
  return d;
}

}  // namespace

void bind_lqg(py::module_& m) {
  py::class_<LqgHandle>(m, "_LqgProblem", "A linear-quadratic-Gaussian problem with a linear-Gaussian policy (spec §2).")
      .def_property_readonly("name", [](const LqgHandle& h) { return h.problem->name; })
      .def_property_readonly("description", [](const LqgHandle& h) { return h.problem->description; })
      .def_property_readonly("gamma", [](const LqgHandle& h) { return h.problem->gamma; })
      .def_property_readonly("formulation", [](const LqgHandle& h) {
        return h.problem->formulation == Formulation::stochastic ? "stochastic" : "deterministic";
      })
      .def_property_readonly("matrices", [](const LqgHandle& h) {
        const LqgProblem& p = *h.problem;
        py::dict d;
        d["A"] = to_numpy(p.A), d["B"] = to_numpy(p.B), d["Q"] = to_numpy(p.Q), d["R"] = to_numpy(p.R), d["N"] = to_numpy(p.N);
        d["W"] = to_numpy(p.W), d["x0_mean"] = to_numpy(p.x0_mean), d["x0_cov"] = to_numpy(p.x0_cov);
        d["K"] = to_numpy(p.K), d["Sigma"] = to_numpy(p.Sigma);
        return d;
      })
      .def("solve", [](const LqgHandle& h, bool optimal, bool fisher) {
        LqgSolveOptions options;
        options.compute_optimal = optimal, options.compute_fisher = fisher;
        LqgSolution s;
        {
          py::gil_scoped_release release;
          s = solve(*h.problem, options);
        }
        if (s.fisher && !lqg_key_unavailable(*h.problem, s, "fisher").empty()) s.fisher.reset();
        return lqg_solution_dict(*h.problem, s);
      }, py::arg("optimal") = true, py::arg("fisher") = true);
}

}  // namespace pgtruth::python
