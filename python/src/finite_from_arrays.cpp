#include "finite_from_arrays.hpp"

#include <cmath>
#include <optional>

#include "io/format.hpp"
#include "io/json_node.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth::python {
namespace {

constexpr double kSumTolerance = 1e-9;  // spec §1, as the reader

std::string number(double x) { return detail::format_number(x, 15); }

std::vector<std::string> names_or_indices(std::vector<std::string> names, Index n) {
  if (!names.empty()) return names;
  for (Index i = 0; i < n; ++i) names.push_back(std::to_string(i));
  return names;
}

}  // namespace

FiniteMdp finite_mdp_from_arrays(const FiniteArrays& in) {
  const Index S = in.num_states, A = in.num_actions;
  if (!(in.gamma > 0.0 && in.gamma <= 1.0)) throw InputError("gamma", "gamma must be in (0, 1], found " + number(in.gamma));
  std::optional<double> complement;
  if (in.gamma < 1.0)
    if (const auto c = detail::decimal_complement(in.gamma_text); c && *c > 0.0) complement = *c;
  const Eigen::VectorXd start = Eigen::Map<const Eigen::VectorXd>(in.start, S);
  for (Index s = 0; s < S; ++s)
    if (start(s) < 0.0) throw InputError("start[" + std::to_string(s) + "]", "a probability must not be negative, found " + number(start(s)));
  if (std::abs(start.sum() - 1.0) > kSumTolerance)
    throw InputError("start", "start probabilities sum to " + number(start.sum()) + ", expected 1");
  FiniteMdpBuilder mdp(S, A);
  mdp.state_names(names_or_indices(in.state_names, S)).action_names(names_or_indices(in.action_names, A));
  mdp.gamma(in.gamma, complement).start(start).terminal(in.terminal);
  for (Index s = 0; s < S; ++s) {
    const bool terminal = in.terminal[static_cast<std::size_t>(s)] != 0;
    for (Index a = 0; a < A; ++a) {
      const Index row = s * A + a;
      if (!terminal) {
        const std::string where = "P[" + std::to_string(s) + ", " + std::to_string(a) + "]";
        double sum = 0.0;
        for (std::int64_t k = in.P.row_begin[row]; k < in.P.row_begin[row + 1]; ++k) {
          const double p = in.P.probability[k];
          const std::int64_t next = in.P.next ? in.P.next[k] : k - in.P.row_begin[row];
          if (next < 0 || next >= S) throw InputError(where, "a next state must be in 0 to " + std::to_string(S - 1) + ", found " + std::to_string(next));
          if (p < 0.0) throw InputError(where, "a probability must not be negative, found " + number(p));
          sum += p;
          if (p > 0.0) mdp.add_outcome(next, p, in.R[row]);
        }
        if (std::abs(sum - 1.0) > kSumTolerance) throw InputError(where, "probabilities sum to " + number(sum) + ", expected 1");
      }
      mdp.end_row();
    }
  }
  return std::move(mdp).build();
}

}  // namespace pgtruth::python
