// The finite problem: built from arrays, solved at any theta, its policy's probabilities and
// scores, its transitions for the environment, and its estimators.
#include <cmath>
#include <limits>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "finite_from_arrays.hpp"
#include "io/format.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/finite/solver.hpp"
#include "pgtruth/finite/structure.hpp"
#include "pgtruth/io/solution_json.hpp"

namespace pgtruth::python {
namespace {

using Array = py::array_t<double, py::array::c_style>;
using IndexArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

const char* kind_name(PolicyKind k) {
  switch (k) {
    case PolicyKind::softmax_tabular: return "softmax-tabular";
    case PolicyKind::softmax_linear: return "softmax-linear";
    case PolicyKind::direct: return "direct";
  }
  return "";
}

/// The direct policy's rows must be distributions, as in a file (spec §1, "Direct").
void check_direct_rows(const Eigen::VectorXd& theta, Index A, const std::string& name) {
  for (Index k = 0; k < theta.size() / A; ++k) {
    for (Index a = 0; a < A; ++a)
      if (theta(k * A + a) < 0.0)
        throw InputError(name + "[" + std::to_string(k) + ", " + std::to_string(a) + "]",
                         "a probability must not be negative, found " + detail::format_number(theta(k * A + a), 15));
    const double sum = theta.segment(k * A, A).sum();
    if (std::abs(sum - 1.0) > 1e-9)
      throw InputError(name + "[" + std::to_string(k) + "]", "probabilities sum to " + detail::format_number(sum, 15) + ", expected 1");
  }
}

/// theta of `policy`'s kind from a user's array: flat (n,), or (rows, A) for a direct policy.
Eigen::VectorXd read_theta(const FiniteMdp& mdp, PolicyKind kind, Index n, py::handle value, const std::string& name) {
  const Index A = mdp.num_actions();
  const bool table = kind == PolicyKind::direct && py::array::ensure(value) && py::array::ensure(value).ndim() == 2;
  const Array a = table ? real_array(value, name, {n / A, A}) : real_array(value, name, {n});
  Eigen::VectorXd theta = to_vector(a);
  if (kind == PolicyKind::direct) check_direct_rows(theta, A, name);
  return theta;
}

/// The problem's policy, at `theta` when given.
FinitePolicy policy_at(const FiniteProblem& p, const py::object& theta) {
  FinitePolicy policy = p.policy;
  if (!theta.is_none()) policy.theta = read_theta(p.mdp, policy.kind, policy.num_parameters(), theta, "theta");
  return policy;
}

/// A vector in the shape of theta: (rows, A) for a direct policy (spec §1, "Exact quantities").
py::array_t<double> theta_shaped(const FiniteProblem& p, const Eigen::VectorXd& x) {
  if (p.policy.kind != PolicyKind::direct) return to_numpy(x);
  const Index A = p.mdp.num_actions();
  return to_numpy(Eigen::MatrixXd(x.reshaped<Eigen::RowMajor>(x.size() / A, A)));
}

/// An integer argument (Python int or NumPy integer, not a float), or InputError naming it.
long integer(py::handle x, const char* name, const char* what) {
  PyObject* i = PyNumber_Index(x.ptr());
  if (!i) {
    PyErr_Clear();
    throw InputError(name, std::string("expected ") + what + " (an index or a name), found " +
                               std::string(py::str(py::type::of(x).attr("__name__"))));
  }
  long v = PyLong_AsLong(i);
  Py_DECREF(i);
  if (v == -1 && PyErr_Occurred()) PyErr_Clear(), v = std::numeric_limits<long>::max();
  return v;
}

Index state_index(const FiniteMdp& mdp, py::handle s, const char* name) {
  if (py::isinstance<py::str>(s)) {
    const auto key = s.cast<std::string>();
    for (Index i = 0; i < mdp.num_states(); ++i)
      if (mdp.state_names()[static_cast<std::size_t>(i)] == key) return i;
    throw InputError(name, "unknown state \"" + key + "\"");
  }
  const long i = integer(s, name, "a state");
  if (i < 0 || i >= mdp.num_states()) throw InputError(name, "expected a state from 0 to " + std::to_string(mdp.num_states() - 1) + ", found " + std::to_string(i));
  return i;
}

Index action_index(const FiniteMdp& mdp, py::handle a, const char* name) {
  if (py::isinstance<py::str>(a)) {
    const auto key = a.cast<std::string>();
    for (Index i = 0; i < mdp.num_actions(); ++i)
      if (mdp.action_names()[static_cast<std::size_t>(i)] == key) return i;
    throw InputError(name, "unknown action \"" + key + "\"");
  }
  const long i = integer(a, name, "an action");
  if (i < 0 || i >= mdp.num_actions()) throw InputError(name, "expected an action from 0 to " + std::to_string(mdp.num_actions() - 1) + ", found " + std::to_string(i));
  return i;
}

py::dict summary_dict(const LinearSolveSummary& s) {
  py::dict d;
  d["method"] = s.method, d["unknowns"] = s.unknowns, d["nonzeros"] = s.nonzeros;
  d["bellman_residual"] = s.bellman_residual, d["flow_residual"] = s.flow_residual;
  d["condition"] = s.condition, d["condition_is_bound"] = s.condition_is_bound;
  const auto bound = [&d](const char* key, const std::optional<double>& x) {
    if (x) d[key] = *x;
  };
  d["value_error"] = s.value_error;  // each bound beside the one it derives from, as solve --json
  bound("J_error", s.J_error), bound("q_error", s.q_error), bound("advantage_error", s.advantage_error);
  d["occupancy_error"] = s.occupancy_error;
  bound("expected_length_error", s.expected_length_error), bound("visitation_error", s.visitation_error);
  d["gradient_error"] = s.gradient_error;
  bound("fisher_error", s.fisher_error), bound("natural_gradient_error", s.natural_gradient_error);
  d["iterations"] = s.iterations, d["seconds"] = s.seconds;
  return d;
}

/// Every key of `solve --json` that the solution holds, in the spec's order.
py::dict solution_dict(const FiniteProblem& p, const FiniteSolution& s) {
  py::dict d;
  d["problem"] = "finite", d["states"] = p.mdp.state_names(), d["actions"] = p.mdp.action_names(), d["sense"] = "reward";
  d["J"] = s.J, d["v"] = to_numpy(s.v), d["q"] = to_numpy(s.q), d["advantage"] = to_numpy(s.advantage);
  d["policy"] = to_numpy(s.policy), d["occupancy"] = to_numpy(s.occupancy), d["expected_length"] = s.expected_length;
  d["visitation"] = to_numpy(s.visitation), d["gradient"] = theta_shaped(p, s.gradient);
  if (s.fisher) d["fisher"] = to_numpy(*s.fisher);
  if (s.fisher_rank) d["fisher_rank"] = *s.fisher_rank;
  if (s.natural_gradient) d["natural_gradient"] = theta_shaped(p, *s.natural_gradient);
  d["solver"] = summary_dict(s.summary);
  return d;
}

LinearSolver linear_solver(const std::string& name) {
  if (name == "auto") return LinearSolver::automatic;
  if (name == "direct") return LinearSolver::direct;
  if (name == "iterative") return LinearSolver::iterative;
  throw InputError("solver", "expected \"auto\", \"direct\" or \"iterative\", found \"" + name + "\"");
}

/// Builds the problem from arrays (the Python function pgtruth.finite_problem prepares them).
FiniteHandle from_arrays(py::object P, py::object csr, py::object R, py::object start, py::object terminal, double gamma,
                         const std::string& gamma_text, const std::string& policy_type, py::object features,
                         py::object theta, std::vector<std::string> states, std::vector<std::string> actions,
                         const std::string& name) {
  const Array r = real_array(R, "R", {-1, -1});
  const Index S = r.shape(0), A = r.shape(1);
  if (S < 1 || A < 1) throw InputError("R", "expected at least one state and one action, found shape " + shape_text({S, A}));
  const auto names = [](std::vector<std::string> given, Index n, const char* what) {
    if (!given.empty() && static_cast<Index>(given.size()) != n)
      throw InputError(what, "expected " + std::to_string(n) + " names, found " + std::to_string(given.size()));
    return given;
  };
  FiniteArrays in;
  in.num_states = S, in.num_actions = A, in.R = r.data(), in.gamma = gamma, in.gamma_text = gamma_text;
  in.state_names = names(std::move(states), S, "states"), in.action_names = names(std::move(actions), A, "actions");
  const Array start_array = real_array(start, "start", {S});
  in.start = start_array.data();
  // Terminal states: a boolean mask of S entries, or state indices, each at most once.
  in.terminal.assign(static_cast<std::size_t>(S), 0);
  if (!terminal.is_none()) {
    py::array t = py::array::ensure(terminal);
    if (!t) throw InputError("terminal", "expected a boolean mask or a list of state indices");
    if (t.dtype().kind() == 'b') {
      const Array mask = real_array(t, "terminal", {S});
      for (Index s = 0; s < S; ++s) in.terminal[static_cast<std::size_t>(s)] = mask.data()[s] != 0.0;
    } else if (t.size() > 0) {
      if (t.dtype().kind() != 'i' && t.dtype().kind() != 'u')
        throw InputError("terminal", "expected a boolean mask or integer state indices, found dtype " + std::string(py::str(t.dtype())));
      const IndexArray idx = IndexArray::ensure(t);
      if (idx.ndim() != 1) throw InputError("terminal", "expected one dimension, found " + std::to_string(idx.ndim()));
      for (py::ssize_t k = 0; k < idx.size(); ++k) {
        const std::int64_t s = idx.data()[k];
        const std::string where = "terminal[" + std::to_string(k) + "]";
        if (s < 0 || s >= S) throw InputError(where, "expected a state from 0 to " + std::to_string(S - 1) + ", found " + std::to_string(s));
        if (in.terminal[static_cast<std::size_t>(s)]) throw InputError(where, "the state " + std::to_string(s) + " is listed twice");
        in.terminal[static_cast<std::size_t>(s)] = 1;
      }
    }
  }
  // Transitions: dense P (S, A, S), or compressed rows (indptr, indices, data) of a (S A, S) matrix.
  std::vector<std::int64_t> dense_begin;
  Array probability;
  IndexArray begin, next;
  if (!P.is_none()) {
    probability = real_array(P, "P", {S, A, S});
    for (Index row = 0; row <= S * A; ++row) dense_begin.push_back(row * S);
    in.P = {dense_begin.data(), nullptr, probability.data()};
  } else {
    const auto parts = csr.cast<py::tuple>();
    begin = IndexArray::ensure(parts[0]), next = IndexArray::ensure(parts[1]);
    probability = real_array(parts[2], "P", {-1});
    if (!begin || !next || begin.ndim() != 1 || next.ndim() != 1 || begin.size() != S * A + 1 || next.size() != probability.size())
      throw InputError("P", "expected a sparse matrix of shape (S A, S) = " + shape_text({S * A, S}));
    const std::int64_t* b = begin.data();
    if (b[0] != 0 || b[S * A] != next.size()) throw InputError("P", "the sparse matrix's row offsets are inconsistent");
    for (Index row = 0; row < S * A; ++row)
      if (b[row + 1] < b[row]) throw InputError("P", "the sparse matrix's row offsets decrease");
    in.P = {b, next.data(), probability.data()};
  }
  FiniteProblem problem;
  problem.name = name;
  problem.mdp = finite_mdp_from_arrays(in);
  FinitePolicy& policy = problem.policy;
  if (policy_type == "softmax") {
    if (features.is_none()) {
      policy.kind = PolicyKind::softmax_tabular;
    } else {
      const Array phi = real_array(features, "features", {S, A, -1});
      if (phi.shape(2) < 1) throw InputError("features", "expected at least one feature");
      policy.kind = PolicyKind::softmax_linear;
      policy.features = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          phi.data(), S * A, phi.shape(2));
    }
  } else if (policy_type == "direct") {
    policy.kind = PolicyKind::direct;
    if (theta.is_none()) throw InputError("theta", "a direct policy needs theta, its table pi(a|s) over the non-terminal states");
  } else {
    throw InputError("policy", "unknown policy type \"" + policy_type + "\" (expected \"softmax\" or \"direct\")");
  }
  const Index n = expected_num_parameters(problem.mdp, policy.kind, policy.features.cols());
  policy.theta = theta.is_none() ? Eigen::VectorXd::Zero(n) : read_theta(problem.mdp, policy.kind, n, theta, "theta");
  if (problem.mdp.gamma() == 1.0) require_proper(problem.mdp, policy_probabilities(problem.mdp, policy));
  return {std::make_shared<const FiniteProblem>(std::move(problem))};
}

}  // namespace

void bind_finite(py::module_& m) {
  py::class_<FiniteHandle>(m, "_FiniteProblem", "A finite MDP with a parameterised policy (spec §1).")
      .def_property_readonly("name", [](const FiniteHandle& h) { return h.problem->name; })
      .def_property_readonly("num_states", [](const FiniteHandle& h) { return h.problem->mdp.num_states(); })
      .def_property_readonly("num_actions", [](const FiniteHandle& h) { return h.problem->mdp.num_actions(); })
      .def_property_readonly("num_parameters", [](const FiniteHandle& h) { return h.problem->policy.num_parameters(); })
      .def_property_readonly("states", [](const FiniteHandle& h) { return h.problem->mdp.state_names(); })
      .def_property_readonly("actions", [](const FiniteHandle& h) { return h.problem->mdp.action_names(); })
      .def_property_readonly("gamma", [](const FiniteHandle& h) { return h.problem->mdp.gamma(); })
      .def_property_readonly("start", [](const FiniteHandle& h) { return to_numpy(h.problem->mdp.start()); })
      .def_property_readonly("terminal", [](const FiniteHandle& h) {
        py::array_t<bool> t(h.problem->mdp.num_states());
        for (Index s = 0; s < h.problem->mdp.num_states(); ++s) t.mutable_data()[s] = h.problem->mdp.is_terminal(s);
        return t;
      })
      .def_property_readonly("policy_kind", [](const FiniteHandle& h) { return kind_name(h.problem->policy.kind); })
      .def_property_readonly("theta", [](const FiniteHandle& h) { return theta_shaped(*h.problem, h.problem->policy.theta); })
      .def_property_readonly("features", [](const FiniteHandle& h) -> py::object {
        const FiniteProblem& p = *h.problem;
        if (p.policy.kind != PolicyKind::softmax_linear) return py::none();
        const Index S = p.mdp.num_states(), A = p.mdp.num_actions(), d = p.policy.features.cols();
        py::array_t<double> phi({S, A, d});
        Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(phi.mutable_data(), S * A, d) = p.policy.features;
        return phi;
      })
      .def("with_theta", [](const FiniteHandle& h, py::object theta) {
        auto copy = std::make_shared<FiniteProblem>(*h.problem);
        copy->policy = policy_at(*h.problem, theta);
        if (copy->mdp.gamma() == 1.0) require_proper(copy->mdp, policy_probabilities(copy->mdp, copy->policy));
        return FiniteHandle{std::move(copy)};
      }, py::arg("theta"), "The same MDP and policy kind at another theta (a copy of the problem).")
      .def("expected_reward", [](const FiniteHandle& h) { return to_numpy(h.problem->mdp.expected_reward()); })
      .def("outcomes", [](const FiniteHandle& h) {
        const FiniteMdp& mdp = h.problem->mdp;
        const Index rows = mdp.num_states() * mdp.num_actions(), K = mdp.num_outcomes();
        py::array_t<std::int64_t> begin(rows + 1), next(K);
        py::array_t<double> probability(K), reward(K);
        for (Index row = 0; row <= rows; ++row) begin.mutable_data()[row] = mdp.outcome_begin()[static_cast<std::size_t>(row)];
        for (Index row = 0; row < rows; ++row)
          for (Index k = mdp.outcome_begin()[static_cast<std::size_t>(row)]; k < mdp.outcome_begin()[static_cast<std::size_t>(row) + 1]; ++k) {
            const Outcome o = mdp.outcome(row, k);
            next.mutable_data()[k] = o.next, probability.mutable_data()[k] = o.probability, reward.mutable_data()[k] = o.reward;
          }
        py::dict d;
        d["row_begin"] = begin, d["next"] = next, d["probability"] = probability, d["reward"] = reward;
        return d;
      }, "The transitions as compressed rows s * A + a: outcome k has next[k], probability[k], reward[k].")
      .def("solve", [](const FiniteHandle& h, py::object theta, bool fisher, const std::string& solver) {
        const FinitePolicy policy = policy_at(*h.problem, theta);
        FiniteSolveOptions options;
        options.compute_fisher = fisher && policy.is_softmax();
        options.linear_solver = linear_solver(solver);
        FiniteSolution solution;
        {
          py::gil_scoped_release release;
          solution = solve(h.problem->mdp, policy, options);
        }
        // The dense Fisher matrix only where `solve --json` prints it.
        if (!finite_key_unavailable(*h.problem, "fisher").empty()) solution.fisher.reset();
        return solution_dict(*h.problem, solution);
      }, py::arg("theta") = py::none(), py::arg("fisher") = true, py::arg("solver") = "auto")
      .def("probabilities", [](const FiniteHandle& h, py::object theta) {
        return to_numpy(policy_probabilities(h.problem->mdp, policy_at(*h.problem, theta)));
      }, py::arg("theta") = py::none())
      .def("score", [](const FiniteHandle& h, py::object state, py::object action, py::object theta) {
        const FiniteMdp& mdp = h.problem->mdp;
        const Index s = state_index(mdp, state, "state"), a = action_index(mdp, action, "action");
        const FinitePolicy policy = policy_at(*h.problem, theta);
        if (!policy.is_softmax()) throw InputError("policy", "the score is defined for softmax policies only");
        if (mdp.is_terminal(s)) throw InputError("state", "state " + std::to_string(s) + " is terminal: no action is taken there");
        return to_numpy(score(mdp, policy, policy_probabilities(mdp, policy), s, a));
      }, py::arg("state"), py::arg("action"), py::arg("theta") = py::none());
  m.def("_finite_problem", &from_arrays, py::arg("P"), py::arg("csr"), py::arg("R"), py::arg("start"), py::arg("terminal"),
        py::arg("gamma"), py::arg("gamma_text"), py::arg("policy"), py::arg("features"), py::arg("theta"),
        py::arg("states"), py::arg("actions"), py::arg("name"));
}

}  // namespace pgtruth::python
