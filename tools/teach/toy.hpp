#pragma once
/// \file
/// The toy objective of the derivative-estimation literature,
///     J(θ) = E_{x ~ N(θ, 1)}[x² θ] = θ³ + θ,   dJ/dθ = 1 + 3θ²,
/// and its three classic single-sample estimators (Mohamed, Rosca, Figurnov & Mnih 2020,
/// "Monte Carlo gradient estimation in machine learning", JMLR 21, §2-§5):
///   naive               ∂f/∂θ with x held fixed:          x²               (biased: E = θ² + 1)
///   score-function      f ∂log p/∂θ + ∂f/∂θ:              θx³ − θ²x² + x²
///   reparameterisation  d/dθ f(θ + ε, θ), x = θ + ε:      x² + 2θx
/// Each is a polynomial in x, so its exact mean and variance follow from the moments of
/// N(θ, 1), m_k = θ m_{k−1} + (k − 1) m_{k−2}.

#include <Eigen/Core>
#include <optional>
#include <string_view>
#include <vector>

#include "pgtruth/random.hpp"

namespace pgtruth {

enum class ToyEstimator { naive, score_function, reparameterisation };

const char* toy_name(ToyEstimator e);
std::optional<ToyEstimator> toy_by_name(std::string_view name);
const std::vector<ToyEstimator>& toy_estimators();

double toy_objective(double theta);  ///< θ³ + θ
double toy_gradient(double theta);   ///< 1 + 3θ²

/// The estimator's coefficients c with estimate = Σ_k c_k x^k.
Eigen::VectorXd toy_polynomial(ToyEstimator e, double theta);

/// One sample of the estimator, x ~ N(θ, 1) drawn from `rng`.
double toy_sample(ToyEstimator e, double theta, Rng& rng);

/// The exact mean and variance of one sample.
double toy_mean(ToyEstimator e, double theta);
double toy_variance(ToyEstimator e, double theta);

}  // namespace pgtruth
