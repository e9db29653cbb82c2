#pragma once
/// \file
/// Graph structure of the Markov chain a policy induces on a finite MDP: which states are
/// reachable from `start`, and which reach a terminal state with probability 1.
///
/// In a finite chain, absorption from s is certain iff every state reachable from s has a
/// path to a terminal state (Kemeny & Snell 1960, Finite Markov Chains, Thm 3.1.1); so
/// properness is decided exactly on the graph of positive-probability moves, with no solve.

#include <Eigen/Core>
#include <optional>
#include <vector>

#include "pgtruth/finite/mdp.hpp"

namespace pgtruth {

struct ChainStructure {
  std::vector<char> reachable;  ///< reachable from a state with start(s) > 0
  std::vector<char> proper;     ///< reaches a terminal state with probability 1
  /// A state reachable from start from which no terminal state can be reached, if any
  /// (the one nearest to start); with gamma = 1 it makes the problem ill-posed.
  std::optional<Index> trapped;
};

/// Edges are the moves s -> s' with sum_a pi(a|s) P(s'|s,a) > 0.
ChainStructure analyse_chain(const FiniteMdp& mdp, const Eigen::MatrixXd& pi);

/// For gamma = 1: throws IllPosedError at "/gamma", naming the trapped state, unless the
/// policy reaches a terminal state with probability 1 from every state reachable from start
/// (spec §1). Returns the chain's structure.
ChainStructure require_proper(const FiniteMdp& mdp, const Eigen::MatrixXd& pi);

}  // namespace pgtruth
