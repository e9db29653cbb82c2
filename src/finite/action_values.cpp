#include "finite/action_values.hpp"

#include <limits>
#include <type_traits>
#include <vector>

namespace pgtruth::detail {

namespace {

/// a - b as a Real: exactly (two_sum) for double-double, rounded for double.
template <class Real>
Real difference(double a, double b) {
  if constexpr (std::is_same_v<Real, double>) return a - b;
  else return two_sum(a, -b);
}

/// The rows begin .. end-1 of `out` (zero on entry).
template <class Real>
void action_values_in(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, bool normalised_policy,
                      const Eigen::MatrixXd& r, const Unknowns& u, const std::vector<Real>& v, Index begin,
                      Index end, ActionValues& out) {
  const Index A = mdp.num_actions();
  const double gamma = mdp.gamma(), undefined = std::numeric_limits<double>::quiet_NaN();
  std::vector<Real> expected(static_cast<std::size_t>(A));  // sum P (v(s') - v(s)), per action
  std::vector<double> leave(static_cast<std::size_t>(A));
  std::vector<char> defined(static_cast<std::size_t>(A));
  std::vector<Real> D(static_cast<std::size_t>(A));
  for (Index s = begin; s < end; ++s) {
    if (mdp.is_terminal(s)) continue;
    const Index k = u.index_of[s];
    if (k < 0) {  // gamma = 1 and termination from s is not certain: v(s) is undefined
      out.q.row(s).setConstant(undefined), out.advantage.row(s).setConstant(undefined);
      continue;
    }
    const Real vs = v[static_cast<std::size_t>(k)];
    for (Index a = 0; a < A; ++a) {
      const auto i = static_cast<std::size_t>(a);
      Real sum = 0.0;
      double leaving = 0.0;
      bool ok = true;
      for (const Outcome& o : mdp.outcomes_of(s, a)) {
        if (o.probability == 0.0) continue;
        const Index j = u.index_of[o.next];
        if (j < 0) {
          leaving += o.probability;
          ok = ok && mdp.is_terminal(o.next);  // a move into a state whose v is undefined
        } else if (j != k) {
          sum += (v[static_cast<std::size_t>(j)] - vs) * o.probability;
        }
      }
      expected[i] = sum, leave[i] = leaving, defined[i] = ok;
      const Real q = Real(r(s, a)) + (difference<Real>(1.0, leaving) * vs + sum) * gamma;
      out.q(s, a) = ok ? value(q) : undefined;
      if (!normalised_policy) out.advantage(s, a) = ok ? value(q - vs) : undefined;
    }
    if (!normalised_policy) continue;
    Index top = 0;  // a*, the most probable action
    for (Index a = 1; a < A; ++a)
      if (pi(s, a) > pi(s, top)) top = a;
    const auto t = static_cast<std::size_t>(top);
    Real mean = 0.0;  // sum_b pi(b|s) D(b)
    bool all_defined = true;
    for (Index a = 0; a < A; ++a) {
      const auto i = static_cast<std::size_t>(a);
      all_defined = all_defined && (defined[i] || pi(s, a) == 0.0);
      if (!defined[i] || !defined[t]) continue;
      D[i] = difference<Real>(r(s, a), r(s, top)) +
             (difference<Real>(leave[t], leave[i]) * vs + expected[i] - expected[t]) * gamma;
      if (pi(s, a) != 0.0) mean += D[i] * pi(s, a);
    }
    for (Index a = 0; a < A; ++a) {
      const auto i = static_cast<std::size_t>(a);
      out.advantage(s, a) = all_defined && defined[i] && defined[t] ? value(D[i] - mean) : undefined;
    }
  }
}

}  // namespace

ActionValues action_values(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, bool normalised_policy,
                           const Eigen::MatrixXd& r, const Unknowns& u, const DoubleDoubleVector& v,
                           bool in_double_double, ExecutionContext& context) {
  const Index S = mdp.num_states(), A = mdp.num_actions();
  ActionValues out{Eigen::MatrixXd::Zero(S, A), Eigen::MatrixXd::Zero(S, A)};
  std::vector<double> leading;
  if (!in_double_double) {
    leading.resize(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) leading[k] = v[k].hi;
  }
  split_in_two(context, S, [&](int, Index begin, Index end) {
    if (in_double_double) action_values_in(mdp, pi, normalised_policy, r, u, v, begin, end, out);
    else action_values_in(mdp, pi, normalised_policy, r, u, leading, begin, end, out);
  });
  return out;
}

}  // namespace pgtruth::detail
