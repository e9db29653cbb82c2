#pragma once
// The LQG workload of the benchmarks, also solved by the tests (tests/test_lqg_edges.cpp): n
// states, m = n / 10 controls, A Gaussian scaled to spectral radius 0.95, gamma = 0.99, K = 0.
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "pgtruth/lqg/problem.hpp"

namespace pgtruth::bench {

inline LqgProblem random_stable_lqg(Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::Index m = std::max<Eigen::Index>(1, n / 10);
  LqgProblem p;
  p.gamma = 0.99;
  p.A = Eigen::MatrixXd(n, n);
  for (Eigen::Index i = 0; i < p.A.size(); ++i) p.A(i) = normal(rng);
  p.A *= 0.95 / p.A.eigenvalues().cwiseAbs().maxCoeff();
  p.B = Eigen::MatrixXd(n, m);
  for (Eigen::Index i = 0; i < p.B.size(); ++i) p.B(i) = normal(rng) / std::sqrt(static_cast<double>(n));
  p.Q = Eigen::MatrixXd::Identity(n, n);
  p.R = Eigen::MatrixXd::Identity(m, m);
  p.N = Eigen::MatrixXd::Zero(n, m);
  p.W = 0.01 * Eigen::MatrixXd::Identity(n, n);
  p.x0_mean = Eigen::VectorXd::Ones(n);
  p.x0_cov = Eigen::MatrixXd::Identity(n, n);
  p.K = Eigen::MatrixXd::Zero(m, n);
  p.Sigma = 0.1 * Eigen::MatrixXd::Identity(m, m);
  return p;
}

}  // namespace pgtruth::bench
