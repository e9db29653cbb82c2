#include "cli/finite_report.hpp"

#include "cli/format.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

namespace pgtruth::cli {
namespace {

constexpr Index kMaxActionColumns = 4;

std::string num(double x) { return std::isnan(x) ? "undefined" : significant(unsigned_zero(x), 10); }

std::string pad(const std::string& s, std::size_t width) { return column(s, width); }

}  // namespace

std::string parameter_name(const FiniteProblem& p, Index i) {
  const FiniteMdp& mdp = p.mdp;
  const Index A = mdp.num_actions();
  switch (p.policy.kind) {
    case PolicyKind::softmax_tabular:
      return "theta[" + mdp.state_names()[i / A] + "," + mdp.action_names()[i % A] + "]";
    case PolicyKind::softmax_linear:
      return "theta[" + std::to_string(i) + "]";
    case PolicyKind::direct: {
      Index k = i / A;  // the k-th non-terminal state
      for (Index s = 0; s < mdp.num_states(); ++s)
        if (!mdp.is_terminal(s) && k-- == 0) return "pi(" + mdp.action_names()[i % A] + "|" + mdp.state_names()[s] + ")";
    }
  }
  return "theta[" + std::to_string(i) + "]";
}

namespace {

/// Indices 0..n-1, or the `limit` with the largest key, in index order.
std::vector<Index> shortlist(Index n, Index limit, const std::function<double(Index)>& key) {
  std::vector<Index> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), Index{0});
  if (n <= limit) return idx;
  std::partial_sort(idx.begin(), idx.begin() + limit, idx.end(),
                    [&](Index a, Index b) { return key(a) > key(b); });
  idx.resize(static_cast<std::size_t>(limit));
  std::sort(idx.begin(), idx.end());
  return idx;
}

void print_vector(std::ostream& out, const FiniteProblem& p, const Eigen::VectorXd& x, Index max_rows) {
  const auto shown = shortlist(x.size(), max_rows, [&](Index i) { return std::abs(x(i)); });
  std::size_t width = 0;
  for (Index i : shown) width = std::max(width, parameter_name(p, i).size());
  for (Index i : shown) out << "  " << pad(parameter_name(p, i), width + 1) << num(x(i)) << "\n";
  if (static_cast<Index>(shown.size()) < x.size())
    out << "  ... " << x.size() - static_cast<Index>(shown.size()) << " more entries (the list shows the "
        << shown.size() << " largest in magnitude; all of them: --json --keys gradient)\n";
}

std::string policy_description(const FinitePolicy& policy) {
  switch (policy.kind) {
    case PolicyKind::softmax_tabular: return "softmax policy, tabular features";
    case PolicyKind::softmax_linear: return "softmax policy, " + std::to_string(policy.features.cols()) + " linear features";
    case PolicyKind::direct: return "direct policy";
  }
  return "";
}

}  // namespace

void print_finite_report(std::ostream& out, const std::string& file, const FiniteProblem& p,
                         const FiniteSolution& sol, Index max_rows) {
  const FiniteMdp& mdp = p.mdp;
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const Index terminals = std::count(mdp.terminal().begin(), mdp.terminal().end(), 1);

  out << (p.name.empty() ? file : p.name + " (" + file + ")") << "\n";
  out << "finite MDP: " << S << " states (" << terminals << " terminal), " << A << " actions, gamma = "
      << num(mdp.gamma()) << "; " << policy_description(p.policy) << ", " << p.policy.num_parameters()
      << " parameters\n\n";

  out << "J = " << num(sol.J) << "    (expected discounted return from start; maximised)\n";
  out << "gradient dJ/dtheta:\n";
  print_vector(out, p, sol.gradient, max_rows);
  out << "gradient norm " << num(sol.gradient.norm()) << "\n";
  if (sol.natural_gradient) {
    out << "natural gradient F^+ gradient (Fisher rank " << *sol.fisher_rank << " of " << p.policy.num_parameters() << "):\n";
    print_vector(out, p, *sol.natural_gradient, max_rows);
  }
  out << "expected episode length (sum of occupancy) = " << num(sol.expected_length) << "\n\n";

  // The per-state table: the most visited states first when it must be shortened.
  const Index columns = std::min(A, kMaxActionColumns);
  const auto shown = shortlist(S, max_rows, [&](Index s) { return sol.occupancy(s); });
  std::size_t name_width = 5;
  for (Index s : shown) name_width = std::max(name_width, mdp.state_names()[s].size());
  constexpr std::size_t w = 14;
  out << pad("state", name_width + 1) << pad("v", w) << pad("occupancy", w);
  for (Index a = 0; a < columns; ++a) out << pad("pi(" + mdp.action_names()[a] + ")", w);
  for (Index a = 0; a < columns; ++a) out << pad("A(" + mdp.action_names()[a] + ")", w);
  out << "\n";
  for (Index s : shown) {
    out << pad(mdp.state_names()[s], name_width + 1);
    if (mdp.is_terminal(s)) {
      out << "terminal\n";
      continue;
    }
    out << pad(num(sol.v(s)), w) << pad(num(sol.occupancy(s)), w);
    for (Index a = 0; a < columns; ++a) out << pad(num(sol.policy(s, a)), w);
    for (Index a = 0; a < columns; ++a) out << pad(num(sol.advantage(s, a)), w);
    out << "\n";
  }
  if (static_cast<Index>(shown.size()) < S)
    out << "... " << S - static_cast<Index>(shown.size()) << " more states (the table shows the " << shown.size()
        << " most visited; all of them: --json --keys v,occupancy,policy,advantage)\n";
  if (A > columns) out << "(" << A - columns << " more actions: see --json)\n";
  if (!sol.undefined_states.empty())
    out << "note: v and q are undefined at " << sol.undefined_states.size()
        << " state(s) not reachable from start that never terminate (gamma = 1), for example \""
        << mdp.state_names()[sol.undefined_states.front()] << "\"\n";
  out << "\nsolver: " << sol.summary.brief_report() << "\n";
  out << sol.summary.error_bounds_report() << "\n";
}

}  // namespace pgtruth::cli
