#pragma once
// Internal: policy_probabilities() a range of states at a time, so that a solve can compute
// the two halves of pi on two cores.
#include <Eigen/Core>

#include "pgtruth/finite/policy.hpp"

namespace pgtruth::detail {

/// Rows begin .. end-1 of policy_probabilities(mdp, policy), written into those rows of the
/// S x A matrix pi (terminal states' rows set to 0); the other rows are left as they are.
void policy_rows(const FiniteMdp& mdp, const FinitePolicy& policy, Index begin, Index end, Eigen::MatrixXd& pi);

}  // namespace pgtruth::detail
