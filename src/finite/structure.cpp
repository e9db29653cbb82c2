#include "pgtruth/finite/structure.hpp"

#include <deque>

#include "pgtruth/error.hpp"

namespace pgtruth {
namespace {

/// Adjacency lists of the chain's positive-probability moves, forward and reversed.
struct Graph {
  std::vector<std::vector<Index>> forward, backward;
};

Graph chain_graph(const FiniteMdp& mdp, const Eigen::MatrixXd& pi) {
  const Index S = mdp.num_states();
  Graph g{std::vector<std::vector<Index>>(S), std::vector<std::vector<Index>>(S)};
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s)) continue;
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      if (!(pi(s, a) > 0.0)) continue;
      for (const Outcome& o : mdp.outcomes_of(s, a)) {
        if (!(o.probability > 0.0)) continue;
        g.forward[s].push_back(o.next);
        g.backward[o.next].push_back(s);
      }
    }
  }
  return g;
}

/// Breadth-first search from `seeds`; returns the visit order (nearest first) and marks.
std::vector<Index> breadth_first(const std::vector<std::vector<Index>>& edges,
                                 const std::vector<Index>& seeds, std::vector<char>& mark) {
  std::vector<Index> order;
  std::deque<Index> queue;
  for (Index s : seeds)
    if (!mark[s]) mark[s] = 1, queue.push_back(s);
  while (!queue.empty()) {
    const Index s = queue.front();
    queue.pop_front();
    order.push_back(s);
    for (Index t : edges[s])
      if (!mark[t]) mark[t] = 1, queue.push_back(t);
  }
  return order;
}

}  // namespace

ChainStructure analyse_chain(const FiniteMdp& mdp, const Eigen::MatrixXd& pi) {
  const Index S = mdp.num_states();
  const Graph g = chain_graph(mdp, pi);
  ChainStructure out;

  std::vector<Index> starts, terminals;
  for (Index s = 0; s < S; ++s) {
    if (mdp.start()(s) > 0.0) starts.push_back(s);
    if (mdp.is_terminal(s)) terminals.push_back(s);
  }
  out.reachable.assign(S, 0);
  const std::vector<Index> from_start = breadth_first(g.forward, starts, out.reachable);

  std::vector<char> reaches_terminal(S, 0);
  breadth_first(g.backward, terminals, reaches_terminal);

  // Improper: can reach a state that cannot reach a terminal state.
  std::vector<Index> dead_ends;
  for (Index s = 0; s < S; ++s)
    if (!reaches_terminal[s]) dead_ends.push_back(s);
  std::vector<char> improper(S, 0);
  breadth_first(g.backward, dead_ends, improper);
  out.proper.resize(S);
  for (Index s = 0; s < S; ++s) out.proper[s] = improper[s] ? 0 : 1;

  for (Index s : from_start)
    if (!reaches_terminal[s]) {
      out.trapped = s;
      break;
    }
  return out;
}

ChainStructure require_proper(const FiniteMdp& mdp, const Eigen::MatrixXd& pi) {
  ChainStructure chain = analyse_chain(mdp, pi);
  if (chain.trapped)
    throw IllPosedError("/gamma",
                        "gamma = 1 but the policy does not reach a terminal state with probability 1: "
                        "from state \"" + mdp.state_names()[*chain.trapped] +
                        "\" (reachable from start) no terminal state can be reached");
  return chain;
}

}  // namespace pgtruth
