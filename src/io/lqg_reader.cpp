#include "io/lqg_reader.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <optional>

#include "io/format.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth::detail {
namespace {


/// A rows × cols matrix given as an array of rows; rows = -1 or cols = -1 takes what is given.
Eigen::MatrixXd read_matrix(const JsonNode& node, Eigen::Index rows, Eigen::Index cols, const std::string& what) {
  node.expect_array();
  const auto given_rows = static_cast<Eigen::Index>(node.size());
  if (given_rows == 0) node.fail("expected a matrix (an array of rows), found an empty array");
  if (rows >= 0 && given_rows != rows)
    node.fail("expected " + what + " with " + std::to_string(rows) + " rows, found " + std::to_string(given_rows));
  const JsonNode first = node.at(0);
  first.expect_array();
  if (cols < 0) cols = static_cast<Eigen::Index>(first.size());
  if (cols == 0) first.fail("expected a row of at least one number");
  Eigen::MatrixXd M(given_rows, cols);
  for (Eigen::Index i = 0; i < given_rows; ++i) {
    const JsonNode row = node.at(static_cast<std::size_t>(i));
    row.expect_array_of_size(static_cast<std::size_t>(cols), "entries in each row of " + what);
    for (Eigen::Index j = 0; j < cols; ++j) M(i, j) = row.at(static_cast<std::size_t>(j)).number();
  }
  return M;
}

Eigen::VectorXd read_vector(const JsonNode& node, Eigen::Index size, const std::string& what) {
  node.expect_array_of_size(static_cast<std::size_t>(size), "entries in " + what);
  Eigen::VectorXd v(size);
  for (Eigen::Index i = 0; i < size; ++i) v(i) = node.at(static_cast<std::size_t>(i)).number();
  return v;
}

void expect_symmetric(const JsonNode& node, const Eigen::MatrixXd& M, const std::string& what) {
  const double asymmetry = (M - M.transpose()).cwiseAbs().maxCoeff();
  if (asymmetry > 1e-12 * std::max(1.0, M.cwiseAbs().maxCoeff()))
    node.fail(what + " must be symmetric (|M - M'| reaches " + format_number(asymmetry, 6) + ")");
}

double smallest_eigenvalue(const Eigen::MatrixXd& M) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(M, Eigen::EigenvaluesOnly).eigenvalues().minCoeff();
}

/// Positive semi-definite up to rounding: smallest eigenvalue >= -1e-12 max(1, |M|).
void expect_semidefinite(const JsonNode& node, const Eigen::MatrixXd& M, const std::string& what) {
  const double lambda = smallest_eigenvalue(M);
  if (lambda < -1e-12 * std::max(1.0, M.cwiseAbs().maxCoeff()))
    node.fail(what + " must be positive semi-definite (its smallest eigenvalue is " + format_number(lambda, 6) + ")");
}

/// A symmetric positive semi-definite matrix of the given size.
Eigen::MatrixXd read_covariance(const JsonNode& node, Eigen::Index size, const std::string& what) {
  const Eigen::MatrixXd M = read_matrix(node, size, size, what);
  expect_symmetric(node, M, what);
  expect_semidefinite(node, M, what);
  return M;
}

}  // namespace

LqgProblem read_lqg_problem(const JsonNode& root, std::string_view text, const MemoryLimit& limit) {
  root.expect_keys({"problem", "name", "description", "gamma", "A", "B", "Q", "R", "N", "W", "x0", "policy",
                    "formulation"});
  LqgProblem p;
  if (const auto name = root.find("name")) p.name = name->string();
  if (const auto description = root.find("description")) p.description = description->string();
  const JsonNode gamma = root.at("gamma");
  p.gamma = gamma.number();
  if (!(p.gamma > 0.0 && p.gamma <= 1.0)) gamma.fail("gamma must be in (0, 1], found " + format_number(p.gamma, 6));
  p.gamma_complement = gamma_complement(gamma, text);  // exact where the double's 1 - gamma is not

  const JsonNode A = root.at("A");
  p.A = read_matrix(A, -1, -1, "A");
  if (p.A.rows() != p.A.cols())
    A.fail("A must be square, found " + std::to_string(p.A.rows()) + " x " + std::to_string(p.A.cols()));
  const Eigen::Index n = p.A.rows();
  p.B = read_matrix(root.at("B"), n, -1, "B (n x m)");
  const Eigen::Index m = p.B.cols();
  // A and B, read, are no larger than the file; the rest of the problem and its solve are
  // estimated from n and m before they are read.
  require_memory(A.where(), lqg_memory_bytes(static_cast<double>(n), static_cast<double>(m)),
                 "an LQG problem of " + std::to_string(n) + " states and " + std::to_string(m) + " controls", limit);

  const JsonNode Q = root.at("Q"), R = root.at("R");
  p.Q = read_matrix(Q, n, n, "Q (n x n)");
  expect_symmetric(Q, p.Q, "Q");
  p.R = read_matrix(R, m, m, "R (m x m)");
  expect_symmetric(R, p.R, "R");
  const double r_min = smallest_eigenvalue(p.R);
  if (!(r_min > 1e-14 * p.R.cwiseAbs().maxCoeff()))
    R.fail("R must be positive definite (its smallest eigenvalue is " + format_number(r_min, 6) + ")");
  const auto N = root.find("N");
  p.N = N ? read_matrix(*N, n, m, "N (n x m)") : Eigen::MatrixXd::Zero(n, m);
  Eigen::MatrixXd joint(n + m, n + m);
  joint << p.Q, p.N, p.N.transpose(), p.R;
  expect_semidefinite(N ? *N : Q, joint, "the stage cost [[Q, N], [N', R]]");

  const auto W = root.find("W");
  p.W = W ? read_covariance(*W, n, "W (n x n)") : Eigen::MatrixXd::Zero(n, n);

  const JsonNode x0 = root.at("x0");
  x0.expect_keys({"mean", "cov"});
  p.x0_mean = read_vector(x0.at("mean"), n, "x0.mean");
  p.x0_cov = read_covariance(x0.at("cov"), n, "x0.cov (n x n)");

  const JsonNode policy = root.at("policy");
  policy.expect_keys({"K", "Sigma"});
  p.K = read_matrix(policy.at("K"), m, n, "K (m x n)");
  const auto Sigma = policy.find("Sigma");
  p.Sigma = Sigma ? read_covariance(*Sigma, m, "Sigma (m x m)") : Eigen::MatrixXd::Zero(m, m);

  if (const auto formulation = root.find("formulation")) {
    const std::string& f = formulation->string();
    if (f == "stochastic") p.formulation = Formulation::stochastic;
    else if (f == "deterministic") p.formulation = Formulation::deterministic;
    else formulation->fail("unknown formulation \"" + f + "\" (expected \"stochastic\" or \"deterministic\")");
  }
  if (p.gamma == 1.0 && (!p.Sigma.isZero(0.0) || !p.W.isZero(0.0)))
    gamma.fail("gamma = 1 needs Sigma = 0 and W = 0: with noise the undiscounted cost is infinite");
  return p;
}

}  // namespace pgtruth::detail
