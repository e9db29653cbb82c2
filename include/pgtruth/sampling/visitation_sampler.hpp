#pragma once
/// \file
/// Sampling the discounted visitation d(s) = eta(s) / sum_s' eta(s') of a finite MDP.
///
/// The restart sampler: draw s_0 ~ start and follow the chain under pi; before each step stop
/// with probability 1 - gamma and return the current state. A state is returned at time t with
/// probability (1 - gamma) gamma^t Pr(s_t = s), i.e. proportional to eta(s) (Sutton & Barto 2018,
/// eq. 9.3 with discounting; Konda & Tsitsiklis 2003). An episode that ends in a terminal state
/// first is discarded and the sampler restarts, so the returned states are exactly d-distributed.
#include <Eigen/Core>

#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/random.hpp"

namespace pgtruth {

/// One draw s ~ d under the policy table pi (S x A). Requires gamma < 1 and a start distribution
/// that reaches a non-terminal state (throws std::invalid_argument otherwise).
Index sample_visitation_state(const FiniteMdp& mdp, const Eigen::MatrixXd& pi, Rng& rng);

}  // namespace pgtruth
