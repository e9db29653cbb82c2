#pragma once
/// \file
/// The largest parameter count for which dense parameter × parameter matrices (the Fisher
/// matrix, its sampled check) are formed and printed, finite and LQG alike.

#include <Eigen/Core>

namespace pgtruth {

inline constexpr Eigen::Index kMaxDenseFisherParameters = 4096;

}  // namespace pgtruth
