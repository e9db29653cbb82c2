// The LQG engine at the edges (issue 20, parts 3 and 4): closed loops near the unit circle,
// normal and Jordan-like, the issue's reproducers, and overflow. Every accepted answer is
// compared with an independent reference computed here in quadruple precision (GCC's
// __float128, 113-bit significand: a Kronecker-product solve by Gaussian elimination, not
// the solver's Schur method nor its double-double code), and must lie within the bound the
// solver reports; otherwise the solver must refuse with IllPosedError.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "random_lqg.hpp"
#include "pgtruth/error.hpp"
#include "pgtruth/io/problem_file.hpp"
#include "pgtruth/lqg/solver.hpp"

using namespace pgtruth;
using Eigen::MatrixXd;

namespace {

__extension__ typedef __float128 quad;

quad quad_abs(quad x) { return x < 0 ? -x : x; }

/// A dense matrix of quads, row-major.
struct QuadMatrix {
  Eigen::Index rows = 0, cols = 0;
  std::vector<quad> a;
  QuadMatrix(Eigen::Index r, Eigen::Index c) : rows(r), cols(c), a(static_cast<std::size_t>(r * c), 0) {}
  explicit QuadMatrix(const MatrixXd& M) : QuadMatrix(M.rows(), M.cols()) {
    for (Eigen::Index i = 0; i < rows; ++i)
      for (Eigen::Index j = 0; j < cols; ++j) (*this)(i, j) = M(i, j);
  }
  quad& operator()(Eigen::Index i, Eigen::Index j) { return a[static_cast<std::size_t>(i * cols + j)]; }
  quad operator()(Eigen::Index i, Eigen::Index j) const { return a[static_cast<std::size_t>(i * cols + j)]; }
  MatrixXd to_double() const {
    MatrixXd M(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
      for (Eigen::Index j = 0; j < cols; ++j) M(i, j) = static_cast<double>((*this)(i, j));
    return M;
  }
};

QuadMatrix operator*(const QuadMatrix& x, const QuadMatrix& y) {
  QuadMatrix z(x.rows, y.cols);
  for (Eigen::Index i = 0; i < x.rows; ++i)
    for (Eigen::Index j = 0; j < y.cols; ++j)
      for (Eigen::Index k = 0; k < x.cols; ++k) z(i, j) += x(i, k) * y(k, j);
  return z;
}
QuadMatrix operator+(QuadMatrix x, const QuadMatrix& y) {
  for (std::size_t k = 0; k < x.a.size(); ++k) x.a[k] += y.a[k];
  return x;
}
QuadMatrix scaled(quad s, QuadMatrix x) {
  for (quad& v : x.a) v *= s;
  return x;
}
QuadMatrix transpose(const QuadMatrix& x) {
  QuadMatrix t(x.cols, x.rows);
  for (Eigen::Index i = 0; i < x.rows; ++i)
    for (Eigen::Index j = 0; j < x.cols; ++j) t(j, i) = x(i, j);
  return t;
}

/// X = C + γ F X Fᵀ by vectorisation: (I − γ F ⊗ F) vec X = vec C, Gaussian elimination with
/// partial pivoting, all in quad. (P = Q_K + γ A_clᵀ P A_cl is the case F = A_clᵀ.)
QuadMatrix kronecker_stein(const QuadMatrix& F, const QuadMatrix& C, quad gamma) {
  const Eigen::Index n = F.rows, N = n * n;
  QuadMatrix T(N, N + 1);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const Eigen::Index row = i * n + j;  // (F X Fᵀ)_ij = Σ_kl F_ik X_kl F_jl
      for (Eigen::Index k = 0; k < n; ++k)
        for (Eigen::Index l = 0; l < n; ++l) T(row, k * n + l) = -gamma * F(i, k) * F(j, l);
      T(row, row) += 1;
      T(row, N) = C(i, j);
    }
  for (Eigen::Index c = 0; c < N; ++c) {
    Eigen::Index pivot = c;
    for (Eigen::Index r = c + 1; r < N; ++r)
      if (quad_abs(T(r, c)) > quad_abs(T(pivot, c))) pivot = r;
    for (Eigen::Index k = 0; k <= N; ++k) std::swap(T(c, k), T(pivot, k));
    for (Eigen::Index r = c + 1; r < N; ++r) {
      const quad f = T(r, c) / T(c, c);
      for (Eigen::Index k = c; k <= N; ++k) T(r, k) -= f * T(c, k);
    }
  }
  QuadMatrix X(n, n);
  for (Eigen::Index c = N - 1; c >= 0; --c) {
    quad s = T(c, N);
    for (Eigen::Index k = c + 1; k < N; ++k) s -= T(c, k) * X.a[static_cast<std::size_t>(k)];
    X.a[static_cast<std::size_t>(c)] = s / T(c, c);
  }
  return X;
}

/// X with A X = B by Gaussian elimination with partial pivoting, in quad.
QuadMatrix quad_solve(QuadMatrix A, QuadMatrix B) {
  const Eigen::Index N = A.rows, k = B.cols;
  for (Eigen::Index c = 0; c < N; ++c) {
    Eigen::Index pivot = c;
    for (Eigen::Index r = c + 1; r < N; ++r)
      if (quad_abs(A(r, c)) > quad_abs(A(pivot, c))) pivot = r;
    for (Eigen::Index j = 0; j < N; ++j) std::swap(A(c, j), A(pivot, j));
    for (Eigen::Index j = 0; j < k; ++j) std::swap(B(c, j), B(pivot, j));
    for (Eigen::Index r = c + 1; r < N; ++r) {
      const quad f = A(r, c) / A(c, c);
      for (Eigen::Index j = c; j < N; ++j) A(r, j) -= f * A(c, j);
      for (Eigen::Index j = 0; j < k; ++j) B(r, j) -= f * B(c, j);
    }
  }
  QuadMatrix X(N, k);
  for (Eigen::Index j = 0; j < k; ++j)
    for (Eigen::Index c = N - 1; c >= 0; --c) {
      quad s = B(c, j);
      for (Eigen::Index i = c + 1; i < N; ++i) s -= A(c, i) * X(i, j);
      X(c, j) = s / A(c, c);
    }
  return X;
}

quad trace(const QuadMatrix& M) {
  quad t = 0;
  for (Eigen::Index i = 0; i < M.rows; ++i) t += M(i, i);
  return t;
}

/// Every printed number of the problem the doubles define, in quad (the formulas of spec §2:
/// Q_K = Q + KᵀRK − NK − KᵀNᵀ, S = E₀ + γV/(1 − γ), J = tr(PS) [+ tr(RΣ)/(1 − γ)],
/// dJ/dK = 2[(R + γBᵀPB)K − γBᵀPA − Nᵀ]X, c = γ tr(PV)/(1 − γ) [+ tr(RΣ)/(1 − γ)],
/// q_matrix = [[Q, N], [Nᵀ, R]] + γ [A B]ᵀP[A B], q_constant = γ(tr(P W) + c) (S) or
/// γ(tr(P V) + c) (D), dJ/dΣ = (R + γBᵀPB)/(1 − γ) (S) or γBᵀPB/(1 − γ) (D), F = Σ⁻¹ ⊗ X̄ and
/// the natural gradient Σ G X̄⁻¹, X̄ = (1 − γ)X), and the optimum by Hewer's policy iteration
/// (Hewer 1971: K ← (R + γBᵀP_K B)⁻¹(Nᵀ + γBᵀP_K A), each P_K a Kronecker Stein solve), from
/// the file's own K: not SLICOT's deflating subspaces.
struct Reference {
  double J = 0;
  MatrixXd P, X, gradient;
  double value_constant = 0, q_constant = 0;
  MatrixXd q_matrix, gradient_sigma, fisher, natural_gradient;
  bool optimum = false;
  MatrixXd optimal_K, optimal_P;
  double optimal_J = 0;
};
Reference quad_reference(const LqgProblem& p) {
  const QuadMatrix A(p.A), B(p.B), K(p.K), Q(p.Q), R(p.R), N(p.N), W(p.W), Sigma(p.Sigma), cov(p.x0_cov);
  const QuadMatrix mean(MatrixXd(p.x0_mean));
  const quad gamma = p.gamma;
  const bool stochastic = p.formulation == Formulation::stochastic;
  const QuadMatrix V = B * Sigma * transpose(B) + W;
  QuadMatrix S = cov + mean * transpose(mean);
  quad noise_cost = 0;
  if (p.gamma < 1.0) {
    S = S + scaled(gamma / (1 - gamma), V);
    if (stochastic) noise_cost = trace(R * Sigma) / (1 - gamma);
  }
  const auto value_of = [&](const QuadMatrix& gain) {
    const QuadMatrix A_cl = A + scaled(-1, B * gain);
    const QuadMatrix Q_K = Q + transpose(gain) * R * gain + scaled(-1, N * gain) + scaled(-1, transpose(N * gain));
    return kronecker_stein(transpose(A_cl), Q_K, gamma);
  };
  const auto objective = [&](const QuadMatrix& P) { return trace(P * S) + noise_cost; };
  const QuadMatrix A_cl = A + scaled(-1, B * K);
  const QuadMatrix P = value_of(K);
  const QuadMatrix X = kronecker_stein(A_cl, S, gamma);
  const QuadMatrix M = (R + scaled(gamma, transpose(B) * P * B)) * K + scaled(-gamma, transpose(B) * P * A) +
                       scaled(-1, transpose(N));
  const QuadMatrix G = scaled(2, M * X);
  Reference ref;
  ref.J = static_cast<double>(objective(P)), ref.P = P.to_double(), ref.X = X.to_double(), ref.gradient = G.to_double();

  const quad c = p.gamma < 1.0 ? gamma * trace(P * V) / (1 - gamma) + noise_cost : 0;
  ref.value_constant = static_cast<double>(c);
  const Eigen::Index n = p.n(), m = p.m();
  QuadMatrix C(n, n + m), Qbar(n + m, n + m);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n + m; ++j) C(i, j) = j < n ? A(i, j) : B(i, j - n);
  for (Eigen::Index i = 0; i < n + m; ++i)
    for (Eigen::Index j = 0; j < n + m; ++j)
      Qbar(i, j) = i < n ? (j < n ? Q(i, j) : N(i, j - n)) : (j < n ? N(j, i - n) : R(i - n, j - n));
  ref.q_matrix = (Qbar + scaled(gamma, transpose(C) * P * C)).to_double();
  ref.q_constant = static_cast<double>(gamma * (trace(P * (stochastic ? W : V)) + c));
  if (p.gamma < 1.0) {
    const QuadMatrix BtPB = scaled(gamma, transpose(B) * P * B);
    ref.gradient_sigma = scaled(1 / (1 - gamma), stochastic ? R + BtPB : BtPB).to_double();
    QuadMatrix identity(m, m);
    for (Eigen::Index i = 0; i < m; ++i) identity(i, i) = 1;
    const QuadMatrix Sigma_inv = quad_solve(Sigma, identity), Xbar = scaled(1 - gamma, X);
    QuadMatrix F(m * n, m * n);
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index k = 0; k < m; ++k)
        for (Eigen::Index a = 0; a < n; ++a)
          for (Eigen::Index b = 0; b < n; ++b) F(i * n + a, k * n + b) = Sigma_inv(i, k) * Xbar(a, b);
    ref.fisher = F.to_double();
    ref.natural_gradient = transpose(quad_solve(Xbar, transpose(Sigma * G))).to_double();  // Y X̄ = Σ G
  }

  // Hewer's iteration from K (stable, as its P exists), until the gain stops moving.
  QuadMatrix gain = K, P_opt = P;
  for (int step = 0; step < 200; ++step) {
    const QuadMatrix H = transpose(N) + scaled(gamma, transpose(B) * P_opt * A);
    const QuadMatrix next = quad_solve(R + scaled(gamma, transpose(B) * P_opt * B), H);
    quad change = 0;
    for (std::size_t k = 0; k < next.a.size(); ++k) change = std::max(change, quad_abs(next.a[k] - gain.a[k]));
    gain = next;
    P_opt = value_of(gain);
    if (change < 1e-32) {
      ref.optimum = true;
      break;
    }
  }
  ref.optimal_K = gain.to_double();
  ref.optimal_P = P_opt.to_double();
  ref.optimal_J = static_cast<double>(objective(P_opt));
  return ref;
}

/// The smallest and largest bound / error over every printed quantity compared with a
/// reference: the first must stay >= 1, the second says how pessimistic the bounds are.
struct RatioRecord {
  double smallest = std::numeric_limits<double>::infinity(), largest = 0;
  std::string smallest_what, largest_what;
  void add(const std::string& what, double error, double bound) {
    if (!(error > 0)) return;
    const double ratio = bound / error;
    if (ratio < smallest) smallest = ratio, smallest_what = what;
    if (ratio > largest) largest = ratio, largest_what = what;
  }
};
RatioRecord& ratios() {
  static RatioRecord record;
  return record;
}

/// The largest singular value, for comparing with the spectral-norm bounds.
double norm2(const MatrixXd& M) { return Eigen::JacobiSVD<MatrixXd>(M).singularValues()(0); }

/// An orthogonal 3 × 3 matrix (a product of two Givens rotations), to hide a structure.
MatrixXd orthogonal3() {
  const double a = 0.7, b = 1.3;
  MatrixXd G1 = MatrixXd::Identity(3, 3), G2 = MatrixXd::Identity(3, 3);
  G1.block(0, 0, 2, 2) << std::cos(a), -std::sin(a), std::sin(a), std::cos(a);
  G2.block(1, 1, 2, 2) << std::cos(b), -std::sin(b), std::sin(b), std::cos(b);
  return G1 * G2;
}

/// A 3-state problem whose closed loop A − BK is `loop` up to the rounding of A = loop + BK:
/// γ = 1, no noise, Q = I, R = 1, x0 ~ N([1, 0.5, -0.25], 0.1 I).
LqgProblem problem_with_loop(const MatrixXd& loop) {
  LqgProblem p;
  p.gamma = 1.0;
  p.B = MatrixXd(3, 1);
  p.B << 0.5, -1.0, 2.0;
  p.K = MatrixXd(1, 3);
  p.K << 0.3, 0.1, -0.2;
  p.A = loop + p.B * p.K;
  p.Q = MatrixXd::Identity(3, 3);
  p.R = MatrixXd::Identity(1, 1);
  p.N = MatrixXd::Zero(3, 1);
  p.W = MatrixXd::Zero(3, 3);
  p.Sigma = MatrixXd::Zero(1, 1);
  p.x0_mean = Eigen::Vector3d(1.0, 0.5, -0.25);
  p.x0_cov = 0.1 * MatrixXd::Identity(3, 3);
  return p;
}

/// Normal: an orthogonal similarity of r [rotation by 0.4] ⊕ r/2. Jordan-like: of r I + N,
/// N the 3 × 3 shift (a defective eigenvalue r, whose computed copies move by about ε^(1/3)).
MatrixXd normal_loop(double r) {
  MatrixXd D = MatrixXd::Zero(3, 3);
  D.block(0, 0, 2, 2) << r * std::cos(0.4), -r * std::sin(0.4), r * std::sin(0.4), r * std::cos(0.4);
  D(2, 2) = r / 2;
  const MatrixXd U = orthogonal3();
  return U * D * U.transpose();
}
MatrixXd jordan_loop(double r) {
  MatrixXd D = r * MatrixXd::Identity(3, 3);
  D(0, 1) = D(1, 2) = 1.0;
  const MatrixXd U = orthogonal3();
  return U * D * U.transpose();
}

/// The outcome of one problem: refused, or each printed quantity within its bound of the
/// reference. The reference's own error (cond × 10⁻³⁴, cond ≤ 10²⁰ where anything is
/// accepted) is allowed as 10⁻¹⁴ of the bound's size at most, stated here: tolerance = bound
/// + 1e-20 × |reference|.
/// error <= bound + 1e-20 |reference| (the reference's own error), recorded in ratios().
void within(const std::string& what, double error, double bound, double reference) {
  CAPTURE(what);
  CAPTURE(error);
  CAPTURE(bound);
  CHECK(error <= bound + 1e-20 * std::abs(reference));
  if (error > 1e-20 * std::abs(reference)) ratios().add(what, error, bound);  // above the reference's resolution
}

/// The derived quantities (value and q constants, q_matrix, dJ/dSigma, Fisher, natural
/// gradient, optimum) within their reported bounds of the reference.
void check_derived_quantities(const LqgSolution& s, const Reference& ref) {
  const LqgErrorBounds& b = s.summary.error_bounds;
  within("J", std::abs(s.J - ref.J), b.J, ref.J);
  within("P", norm2(s.P - ref.P), b.P, norm2(ref.P));
  within("state_moment", norm2(s.state_moment - ref.X), b.state_moment, norm2(ref.X));
  within("gradient", (s.gradient - ref.gradient).norm(), b.gradient, ref.gradient.norm());
  within("value_constant", std::abs(s.value_constant - ref.value_constant), b.value_constant, ref.value_constant);
  within("q_matrix", norm2(s.q_matrix - ref.q_matrix), b.q_matrix, norm2(ref.q_matrix));
  within("q_constant", std::abs(s.q_constant - ref.q_constant), b.q_constant, ref.q_constant);
  if (s.gradient_sigma) {
    REQUIRE(ref.gradient_sigma.size() > 0);
    within("gradient_sigma", norm2(*s.gradient_sigma - ref.gradient_sigma), b.gradient_sigma, norm2(ref.gradient_sigma));
  }
  if (s.fisher) within("fisher", norm2(*s.fisher - ref.fisher), b.fisher, norm2(ref.fisher));
  if (s.natural_gradient) {
    CHECK(b.first_order.empty());  // X̄ is nonsingular in every case here: certified
    within("natural_gradient", (*s.natural_gradient - ref.natural_gradient).norm(), b.natural_gradient,
           ref.natural_gradient.norm());
  }
  if (s.optimal) {
    REQUIRE(ref.optimum);
    within("optimal K", norm2(s.optimal->K - ref.optimal_K), b.optimal_K, norm2(ref.optimal_K));
    within("optimal P", norm2(s.optimal->P - ref.optimal_P), b.optimal_P, norm2(ref.optimal_P));
    within("optimal J", std::abs(s.optimal->J - ref.optimal_J), b.optimal_J, ref.optimal_J);
  }
}

struct ReferenceCheck {
  bool refused = false;
  std::string reason;
  LqgSolution solution;
  Reference reference;
};
ReferenceCheck check_against_reference(const LqgProblem& p) {
  ReferenceCheck o;
  try {
    o.solution = solve(p);
  } catch (const IllPosedError& e) {
    o.refused = true;
    o.reason = e.what();
    return o;
  }
  o.reference = quad_reference(p);
  const LqgSolution& s = o.solution;
  const Reference& ref = o.reference;
  check_derived_quantities(s, ref);  // J, P, X, the gradient and every derived quantity
  CHECK(s.summary.stability_margin > 0.0);
  CHECK(s.summary.spectral_radius_bound < 1.0);
  CHECK(s.summary.spectral_radius_bound >= s.spectral_radius - 1e-15);
  return o;
}

}  // namespace

TEST_CASE("lqg edges: the issue's 2x2 reproducer is unstable once A - BK is formed exactly, and refused") {
  // fl(3 K) = 1, but 3 K = 1 − 2^-54 exactly: A − BK = [[a, 1], [2^-54, a]], eigenvalue
  // a + 2^-27 = 1.0000000024.
  LqgProblem p = problem_with_loop(MatrixXd::Identity(3, 3));  // for the other fields
  p.A = MatrixXd(2, 2);
  p.A << 0.999999995, 1, 1, 0.999999995;
  p.B = MatrixXd(2, 1);
  p.B << 0, 3;
  p.K = MatrixXd(1, 2);
  p.K << 0.3333333333333333, 0;
  p.Q = MatrixXd::Identity(2, 2), p.N = MatrixXd::Zero(2, 1), p.W = MatrixXd::Zero(2, 2);
  p.x0_mean = Eigen::Vector2d(1, 0), p.x0_cov = MatrixXd::Zero(2, 2);
  CHECK_THROWS_WITH_AS(solve(p),
                       "/policy/K: the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is "
                       "1.000000002 >= 1, so J is infinite",
                       IllPosedError);
}

TEST_CASE("lqg edges: a Jordan-like loop built at radius 0.99999999 (radius 1.0000012 in doubles) is refused") {
  CHECK_THROWS_AS(solve(problem_with_loop(jordan_loop(0.99999999))), IllPosedError);
}

TEST_CASE("lqg edges: normal closed loops at radius 1 - 10^-k, k = 1..10, within their bounds of a quad reference") {
  for (int k = 1; k <= 10; ++k) {
    const double r = 1.0 - std::pow(10.0, -k);
    CAPTURE(k);
    const ReferenceCheck o = check_against_reference(problem_with_loop(normal_loop(r)));
    // A normal loop is well conditioned for its radius: every one is accepted, its margin
    // is within a factor 2 of 1 − r, and J's bound is below 10⁻⁸ relative (so a J wrong by
    // 10⁻⁸ would fail the comparison above).
    REQUIRE_MESSAGE(!o.refused, o.reason);
    CHECK(o.solution.summary.stability_margin >= 0.5 * (1.0 - r));
    CHECK(o.solution.summary.stability_margin <= 1.0 - r + 1e-15);
    CHECK(o.solution.summary.error_bounds.J <= 1e-8 * std::abs(o.reference.J));
    if (k <= 4) CHECK(std::abs(o.solution.J - o.reference.J) <= 1e-8 * std::abs(o.reference.J));
  }
}

TEST_CASE("lqg edges: Jordan-like closed loops at radius 1 - 10^-k, k = 1..10, within their bounds or refused") {
  int accepted = 0;
  for (int k = 1; k <= 10; ++k) {
    const double r = 1.0 - std::pow(10.0, -k);
    CAPTURE(k);
    const ReferenceCheck o = check_against_reference(problem_with_loop(jordan_loop(r)));
    if (o.refused) {
      CHECK(o.reason.find("/policy/K: ") == 0);
      CHECK(o.reason.find('\n') == std::string::npos);
    } else {
      ++accepted;
    }
    // In doubles the loop is unstable from k = 6 on (ε^(1/3) ≈ 6·10⁻⁶): never accepted.
    if (k >= 6) CHECK(o.refused);
  }
  CHECK(accepted >= 2);  // the moderate ones are certified and answered
}

TEST_CASE("lqg edges: with gamma < 1, noise and a cross term, J, the gradient and X within their bounds") {
  for (const double r : {0.9, 0.999, 0.99999}) {
    CAPTURE(r);
    LqgProblem p = problem_with_loop(normal_loop(r));
    p.gamma = 0.95;
    p.N = MatrixXd(3, 1);
    p.N << 0.1, 0.0, -0.05;
    p.W = 0.01 * MatrixXd::Identity(3, 3);
    p.Sigma = 0.2 * MatrixXd::Identity(1, 1);
    for (const Formulation f : {Formulation::stochastic, Formulation::deterministic}) {
      p.formulation = f;
      const ReferenceCheck o = check_against_reference(p);
      REQUIRE_MESSAGE(!o.refused, o.reason);
      CHECK(o.solution.summary.error_bounds.J <= 1e-10 * std::abs(o.reference.J));
      CHECK(o.solution.summary.error_bounds.gradient <= 1e-8 * o.reference.gradient.norm());
    }
  }
}

TEST_CASE("lqg edges: gamma = 1 - 10^-k, k = 1..16, is the file's decimal: J, dJ/dK and dJ/dSigma of a scalar LQR in closed form") {
  // x' = a x + b u + w, u = -k x + d, stage cost q x^2 + r u^2 (stochastic formulation). With
  // a_K = a - b k: P = (q + r k^2) / (1 - gamma a_K^2), X = (E0 + gamma V / (1 - gamma)) /
  // (1 - gamma a_K^2), V = b^2 sigma + w, J = P E0 + gamma P V / (1 - gamma) + r sigma / (1 - gamma),
  // dJ/dk = 2 ((r + gamma b^2 P) k - gamma a b P) X (Fazel et al. 2018, Lemma 1, scalar), and
  // dJ/dsigma = (r + gamma b^2 P) / (1 - gamma). Evaluated in quad with 1 - gamma = 10^-k exactly:
  // the file's decimal gamma, whose double is up to 10% away in 1 - gamma at k = 16.
  const quad a = 1.2, b = 1, q = 1, r = 0.5, k = 0.5, sigma = 0.2, w = 0.1, E0 = 1.5;
  for (int digits = 1; digits <= 16; ++digits) {
    CAPTURE(digits);
    const std::string gamma_text = "0." + std::string(static_cast<std::size_t>(digits), '9');
    const std::string text = R"({"problem": "lqg", "gamma": )" + gamma_text +
                             R"(, "A": [[1.2]], "B": [[1]], "Q": [[1]], "R": [[0.5]], "W": [[0.1]],
        "x0": {"mean": [1], "cov": [[0.5]]}, "policy": {"K": [[0.5]], "Sigma": [[0.2]]}})";
    const auto problem = std::get<LqgProblem>(parse_problem(text));
    quad complement = 1;
    for (int i = 0; i < digits; ++i) complement /= 10;
    const quad gamma = 1 - complement, aK = a - b * k, V = b * b * sigma + w;
    const quad P = (q + r * k * k) / (1 - gamma * aK * aK);
    const quad X = (E0 + gamma * V / complement) / (1 - gamma * aK * aK);
    const quad J = P * E0 + gamma * P * V / complement + r * sigma / complement;
    const quad dk = 2 * ((r + gamma * b * b * P) * k - gamma * a * b * P) * X;
    const quad dsigma = (r + gamma * b * b * P) / complement;
    const LqgSolution s = solve(problem);
    const double J_ref = static_cast<double>(J), dk_ref = static_cast<double>(dk);
    CHECK(std::abs(s.J - J_ref) <= s.summary.error_bounds.J + 4e-16 * std::abs(J_ref));
    CHECK(s.summary.error_bounds.J <= 1e-10 * std::abs(J_ref));
    CHECK(std::abs(s.gradient(0, 0) - dk_ref) <= s.summary.error_bounds.gradient + 4e-16 * std::abs(dk_ref));
    CHECK(s.summary.error_bounds.gradient <= 1e-10 * std::abs(dk_ref));
    REQUIRE(s.gradient_sigma);
    CHECK((*s.gradient_sigma)(0, 0) == doctest::Approx(static_cast<double>(dsigma)).epsilon(1e-13));
  }
}

TEST_CASE("a gamma written below 1 whose double is 1 is refused at /gamma, finite and LQG alike") {
  // 1 - 10^-17 rounds to the double 1: no double gamma describes that discounted problem.
  const std::string lqg = R"({"problem": "lqg", "gamma": 0.99999999999999999, "A": [[0.5]], "B": [[1]], "Q": [[1]],
      "R": [[1]], "x0": {"mean": [1], "cov": [[0]]}, "policy": {"K": [[0]]}})";
  const std::string finite = R"({"problem": "finite", "gamma": 0.99999999999999999, "states": 1, "actions": 1,
      "start": [1], "P": [[[1]]], "R": [[1]], "policy": {"type": "direct", "theta": [[1]]}})";
  for (const std::string& text : {lqg, finite}) {
    CHECK_THROWS_WITH_AS(parse_problem(text, "x.json"),
                         doctest::Contains("x.json: /gamma: gamma = 0.99999999999999999 is below 1 by less than a double "
                                           "resolves"),
                         InputError);
  }
  // Written as 1, the same problems are undiscounted ones.
  CHECK_NOTHROW(parse_problem(R"({"problem": "lqg", "gamma": 1, "A": [[0.5]], "B": [[1]], "Q": [[1]], "R": [[1]],
      "x0": {"mean": [1], "cov": [[0]]}, "policy": {"K": [[0]]}})"));
}

TEST_CASE("lqg edges: costs of 1e300 are scaled internally, and an R of 1e308 whose J overflows is refused") {
  LqgProblem p = problem_with_loop(normal_loop(0.9));
  p.Q *= 1e300, p.R *= 1e300;
  p.x0_cov *= 1e-3;
  const ReferenceCheck o = check_against_reference(p);  // J ≈ 10^300: representable, and within its bound
  REQUIRE_MESSAGE(!o.refused, o.reason);
  CHECK(std::isfinite(o.solution.J));
  CHECK(o.solution.gradient.allFinite());

  LqgProblem huge = problem_with_loop(normal_loop(0.9));
  huge.R(0, 0) = 1e308;
  huge.K *= 10.0;  // K'RK = 1e308 x 0.14: J about 10^309
  huge.A = normal_loop(0.9) + huge.B * huge.K;
  try {
    solve(huge);
    FAIL("an overflowing J was not refused");
  } catch (const IllPosedError& e) {
    CHECK(std::string(e.what()).find("/R: overflow: J is about ") == 0);
    CHECK(std::string(e.what()).find("beyond the largest double") != std::string::npos);
  }
}

TEST_CASE("lqg edges: a tiny positive definite Sigma has a Fisher matrix; one whose inverse's bound overflows is refused") {
  // Scalar: X = (E0 + g (b^2 sigma + w)) / (1 - gamma a_K^2), Fisher = (1 - gamma) X / sigma.
  const auto text = [](const std::string& sigma) {
    return R"({"problem": "lqg", "gamma": 0.9, "A": [[1.2]], "B": [[0.8]], "Q": [[1]], "R": [[0.5]], "W": [[0.1]],
      "x0": {"mean": [1], "cov": [[0.5]]}, "policy": {"K": [[0.9]], "Sigma": [[)" + sigma + "]]}}";
  };
  const auto tiny = std::get<LqgProblem>(parse_problem(text("1e-30")));
  const LqgSolution s = solve(tiny);
  REQUIRE(s.fisher);
  const long double aK = 1.2L - 0.8L * 0.9L, X = (1.5L + 9.0L * (0.64L * 1e-30L + 0.1L)) / (1 - 0.9L * aK * aK);
  const long double fisher = 0.1L * X / 1e-30L;
  CHECK(std::abs((*s.fisher)(0, 0) - fisher) <= 1e-12L * fisher);
  CHECK(std::abs((*s.fisher)(0, 0) - fisher) <= s.summary.error_bounds.fisher + 1e-15L * fisher);

  const auto absurd = std::get<LqgProblem>(parse_problem(text("1e-300")));
  try {
    solve(absurd);
    FAIL("a Fisher matrix without a finite bound was printed");
  } catch (const IllPosedError& e) {
    CHECK(std::string(e.what()).find("/policy/Sigma: overflow: the error bound of the Fisher matrix") == 0);
  }
  LqgSolveOptions options;
  options.required.fisher = options.required.natural_gradient = false;
  CHECK(std::isfinite(solve(absurd, options).J));
}

TEST_CASE("lqg edges: pgtruth solve on the 2x2 reproducer exits 2 with one line") {
  const std::string path = "lqg-edges-reproducer.json";
  {
    std::ofstream(path) << R"({"problem": "lqg", "gamma": 1, "A": [[0.999999995, 1], [1, 0.999999995]],
      "B": [[0], [3]], "Q": [[1, 0], [0, 1]], "R": [[1]],
      "x0": {"mean": [1, 0], "cov": [[0, 0], [0, 0]]}, "policy": {"K": [[0.3333333333333333, 0]]}})";
  }
  std::ostringstream out, err;
  const int code = cli::run({"solve", path}, out, err);
  std::remove(path.c_str());
  CHECK(code == 2);
  CHECK(out.str().empty());
  CHECK(err.str() == path + ": /policy/K: the policy is unstable: the spectral radius of sqrt(gamma) (A - B K) is "
                            "1.000000002 >= 1, so J is infinite\n");
}

namespace {

/// P = sum_t (Ã^T)^t Q Ã^t by Smith's squared iteration (Smith 1968): P <- P + A^T P A, A <- A^2,
/// a second algorithm beside the Schur-form Stein solver.
MatrixXd smith_value(const LqgProblem& p) {
  MatrixXd A = std::sqrt(p.gamma) * (p.A - p.B * p.K), P = p.Q + p.K.transpose() * p.R * p.K;
  for (int k = 0; k < 40 && A.cwiseAbs().maxCoeff() > 1e-30; ++k) P += A.transpose() * P * A, A = A * A;
  return P;
}

}  // namespace

TEST_CASE("lqg edges: benign systems above n = 64 are answered, P within its bound of Smith's iteration") {
  for (Eigen::Index n : {80, 200}) {
    CAPTURE(n);
    const LqgProblem p = bench::random_stable_lqg(n, 1);
    const LqgSolution sol = solve(p);  // n = 80: redone in double-double if the double bounds are loose
    const double bound = sol.summary.error_bounds.P;
    // Smith's iteration is accurate to about n eps |P| (1e-11 here): P within its bound of it,
    // and within 1e-9 |P| of it, whatever the bound says.
    const MatrixXd difference = sol.P - smith_value(p);  // symmetric: its spectral norm from eigenvalues
    const double spectral = Eigen::SelfAdjointEigenSolver<MatrixXd>(difference, Eigen::EigenvaluesOnly)
                                .eigenvalues().cwiseAbs().maxCoeff();
    CHECK(spectral <= bound + 1e-10 * sol.P.norm());
    CHECK(spectral <= 1e-9 * sol.P.norm());
  }
}

TEST_CASE("lqg edges: a scalar LQR's derived quantities and optimum within their bounds of the closed forms") {
  // x' = a x + b u + w, u = -k x + d, stage cost q x^2 + r u^2 + 2 nc x u. With a_K = a - b k,
  // Q_K = q + r k^2 - 2 nc k, V = b^2 sigma + w, g = gamma / (1 - gamma) (spec §2, scalar):
  //   P = Q_K / (1 - gamma a_K^2), X = (E0 + g V) / (1 - gamma a_K^2),
  //   c = g P V [+ r sigma / (1 - gamma)], q_matrix = [[q + gamma a^2 P, nc + gamma a b P], [., r + gamma b^2 P]],
  //   q_constant = gamma (P w + c) (S) or gamma (P V + c) (D), dJ/dsigma = (r + gamma b^2 P) / (1 - gamma) (S)
  //   or gamma b^2 P / (1 - gamma) (D), dJ/dk = 2 ((r + gamma b^2 P) k - gamma a b P - nc) X,
  //   Fisher = (1 - gamma) X / sigma, natural gradient = sigma dJ/dk / ((1 - gamma) X);
  //   the optimum: the stabilising (positive) root of the scalar discrete Riccati equation
  //   P = q + gamma a^2 P - (nc + gamma a b P)^2 / (r + gamma b^2 P), i.e. of
  //   gamma b^2 P^2 + (r (1 - gamma a^2) - gamma q b^2 + 2 gamma a b nc) P - (q r - nc^2) = 0
  //   (Bertsekas 2017, §3.1, scalar; the product of the roots is -(q r - nc^2)/(gamma b^2) <= 0),
  //   K* = (nc + gamma a b P*) / (r + gamma b^2 P*), J* = P* E0 + g P* V [+ r sigma / (1 - gamma)].
  // All in quad, the root by Newton's method from the double formula.
  const quad a = 1.2, b = 0.8, q = 1, r = 0.5, nc = 0.1, k = 0.9, sigma = 0.2, w = 0.1, mean = 1, var = 0.5;
  for (const std::string gamma_text : {"0.5", "0.9", "0.99", "0.999999"}) {
    for (const std::string formulation : {"stochastic", "deterministic"}) {
      CAPTURE(gamma_text);
      CAPTURE(formulation);
      const std::string text = R"({"problem": "lqg", "gamma": )" + gamma_text + R"(, "formulation": ")" + formulation +
                               R"(", "A": [[1.2]], "B": [[0.8]], "Q": [[1]], "R": [[0.5]], "N": [[0.1]],
          "W": [[0.1]], "x0": {"mean": [1], "cov": [[0.5]]}, "policy": {"K": [[0.9]], "Sigma": [[0.2]]}})";
      const auto problem = std::get<LqgProblem>(parse_problem(text));
      const bool stochastic = formulation == "stochastic";
      const quad complement = *problem.gamma_complement, gamma = 1 - complement;
      const quad g = gamma / complement, aK = a - b * k, V = b * b * sigma + w, E0 = var + mean * mean;
      const quad P = (q + r * k * k - 2 * nc * k) / (1 - gamma * aK * aK);
      const quad X = (E0 + g * V) / (1 - gamma * aK * aK);
      const quad c = g * P * V + (stochastic ? r * sigma / complement : 0);
      const quad qc = gamma * (P * (stochastic ? w : V) + c);
      const quad dk = 2 * ((r + gamma * b * b * P) * k - gamma * a * b * P - nc) * X;
      const quad dsigma = ((stochastic ? r : 0) + gamma * b * b * P) / complement;
      const quad fisher = complement * X / sigma, natural = sigma * dk / (complement * X);
      const quad c2 = gamma * b * b, c1 = r * (1 - gamma * a * a) - gamma * q * b * b + 2 * gamma * a * b * nc,
                 c0 = -(q * r - nc * nc);
      const double d2 = static_cast<double>(c2), d1 = static_cast<double>(c1), d0 = static_cast<double>(c0);
      quad root = (-d1 + std::sqrt(d1 * d1 - 4 * d2 * d0)) / (2 * d2);
      for (int i = 0; i < 8; ++i) root -= (c2 * root * root + c1 * root + c0) / (2 * c2 * root + c1);
      const quad K_opt = (nc + gamma * a * b * root) / (r + gamma * b * b * root);
      const quad J_opt = root * E0 + g * root * V + (stochastic ? r * sigma / complement : 0);

      const LqgSolution s = solve(problem);
      const LqgErrorBounds& e = s.summary.error_bounds;
      const auto d = [](quad x) { return static_cast<double>(x); };
      within("scalar value_constant", std::abs(s.value_constant - d(c)), e.value_constant, d(c));
      within("scalar q_matrix", norm2(s.q_matrix - (MatrixXd(2, 2) << d(q + gamma * a * a * P), d(nc + gamma * a * b * P),
                                                   d(nc + gamma * a * b * P), d(r + gamma * b * b * P)).finished()),
             e.q_matrix, d(r + gamma * b * b * P));
      within("scalar q_constant", std::abs(s.q_constant - d(qc)), e.q_constant, d(qc));
      REQUIRE(s.gradient_sigma);
      within("scalar gradient_sigma", std::abs((*s.gradient_sigma)(0, 0) - d(dsigma)), e.gradient_sigma, d(dsigma));
      REQUIRE(s.fisher);
      within("scalar fisher", std::abs((*s.fisher)(0, 0) - d(fisher)), e.fisher, d(fisher));
      REQUIRE(s.natural_gradient);
      within("scalar natural_gradient", std::abs((*s.natural_gradient)(0, 0) - d(natural)), e.natural_gradient,
             d(natural));
      CHECK(e.first_order.empty());
      REQUIRE(s.optimal);
      within("scalar optimal K", std::abs(s.optimal->K(0, 0) - d(K_opt)), e.optimal_K, d(K_opt));
      within("scalar optimal P", std::abs(s.optimal->P(0, 0) - d(root)), e.optimal_P, d(root));
      within("scalar optimal J", std::abs(s.optimal->J - d(J_opt)), e.optimal_J, d(J_opt));
      // The bounds are tight enough to mean something: every one below 10^-9 relative.
      CHECK(e.value_constant <= 1e-9 * d(c));
      CHECK(e.natural_gradient <= 1e-9 * std::abs(d(natural)));
      CHECK(e.optimal_K <= 1e-9 * std::abs(d(K_opt)));
      CHECK(e.optimal_P <= 1e-9 * d(root));
    }
  }
}

/// A 3-state, 2-control problem whose closed loop is `loop` (non-normal for the Jordan-like
/// one), with γ = 0.95, noise, a cross term and a correlated Σ.
LqgProblem two_control_problem(const MatrixXd& loop) {
  LqgProblem p;
  p.gamma = 0.95;
  p.B = MatrixXd(3, 2);
  p.B << 0.5, 0.1, -1.0, 0.3, 2.0, -0.4;
  p.K = MatrixXd(2, 3);
  p.K << 0.3, 0.1, -0.2, -0.1, 0.25, 0.05;
  p.A = loop + p.B * p.K;
  p.Q = MatrixXd::Identity(3, 3);
  p.Q(0, 1) = p.Q(1, 0) = 0.3;
  p.R = MatrixXd(2, 2);
  p.R << 1.0, 0.2, 0.2, 0.5;
  p.N = MatrixXd(3, 2);
  p.N << 0.1, 0.0, 0.0, -0.05, 0.02, 0.03;
  p.W = 0.01 * MatrixXd::Identity(3, 3);
  p.Sigma = MatrixXd(2, 2);
  p.Sigma << 0.2, 0.05, 0.05, 0.1;
  p.x0_mean = Eigen::Vector3d(1.0, 0.5, -0.25);
  p.x0_cov = 0.1 * MatrixXd::Identity(3, 3);
  return p;
}

TEST_CASE("lqg edges: a non-normal 3x3 loop with 2 controls: every printed quantity within its bound of a quad reference") {
  int accepted = 0;
  for (const double r : {0.5, 0.9, 0.99, 0.999}) {
    for (const bool jordan : {false, true}) {
      for (const Formulation f : {Formulation::stochastic, Formulation::deterministic}) {
        CAPTURE(r);
        CAPTURE(jordan);
        LqgProblem p = two_control_problem(jordan ? jordan_loop(r) : normal_loop(r));
        p.formulation = f;
        const ReferenceCheck o = check_against_reference(p);
        if (o.refused) {
          CHECK(jordan);  // only the defective loop near the circle may be refused
          continue;
        }
        ++accepted;
        CHECK(o.solution.fisher);
        CHECK(o.solution.optimal);
      }
    }
  }
  CHECK(accepted >= 12);
}

namespace {

/// X̄ with eigenvalues about 1 and 10^-12: its natural gradient is known to about 10^-4 only.
LqgProblem nearly_singular_moment_problem() {
  LqgProblem p;
  p.gamma = 0.9;
  p.A = MatrixXd(2, 2);
  p.A << 0.5, 0.0, 0.0, 0.5;
  p.B = MatrixXd(2, 1);
  p.B << 1.0, 0.0;
  p.K = MatrixXd(1, 2);
  p.K << 0.1, 0.2;
  p.Q = MatrixXd::Identity(2, 2), p.R = MatrixXd::Identity(1, 1), p.N = MatrixXd::Zero(2, 1);
  p.W = MatrixXd::Zero(2, 2);
  p.Sigma = MatrixXd::Identity(1, 1);
  p.x0_mean = Eigen::Vector2d(1.0, 0.0);
  p.x0_cov = MatrixXd::Zero(2, 2);
  p.x0_cov(1, 1) = 1e-12;
  return p;
}

}  // namespace

TEST_CASE("lqg edges: a natural gradient whose bound exceeds the tolerance is refused only when required") {
  const LqgProblem p = nearly_singular_moment_problem();
  try {
    solve(p);
    FAIL("the natural gradient's loose bound was not refused");
  } catch (const IllPosedError& e) {
    CHECK(std::string(e.what()).find("/policy/K: ") == 0);
    CHECK(std::string(e.what()).find("the error bound of the natural gradient is ") != std::string::npos);
  }
  LqgSolveOptions options;
  options.required.natural_gradient = false;
  const LqgSolution s = solve(p, options);  // every other output is accurate
  REQUIRE(s.natural_gradient);
  CHECK(s.summary.error_bounds.natural_gradient > 1e-6 * s.natural_gradient->norm());
  const Reference ref = quad_reference(p);
  check_derived_quantities(s, ref);  // and still within its (loose) bound

  const std::string path = "lqg-edges-natural.json";
  {
    std::ofstream(path) << R"({"problem": "lqg", "gamma": 0.9, "A": [[0.5, 0], [0, 0.5]], "B": [[1], [0]],
      "Q": [[1, 0], [0, 1]], "R": [[1]], "x0": {"mean": [1, 0], "cov": [[0, 0], [0, 1e-12]]},
      "policy": {"K": [[0.1, 0.2]], "Sigma": [[1]]}})";
  }
  std::ostringstream out, err, out2, err2, out3, err3;
  const int answered = cli::run({"solve", path, "--keys", "J,gradient,fisher,optimal"}, out, err);
  const int refused = cli::run({"solve", path, "--keys", "J,natural_gradient"}, out2, err2);
  const int whole = cli::run({"solve", path, "--json"}, out3, err3);
  std::remove(path.c_str());
  CHECK(answered == 0);
  CHECK(out.str().find("\"optimal\"") != std::string::npos);
  CHECK(refused == 2);
  CHECK(out2.str().empty());
  CHECK(err2.str().find(path + ": /policy/K: ") == 0);
  CHECK(err2.str().find("the error bound of the natural gradient is ") != std::string::npos);
  const std::string line = err2.str();
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  CHECK(whole == 2);
}

TEST_CASE("lqg edges: bound / error ratios of every quantity compared with a reference") {
  // Last in the file: run with the cases above in one process (pgtruth_tests -tc="lqg edges*"),
  // it reports the range over them; alone (as ctest runs it) it has nothing to report.
  const RatioRecord& r = ratios();
  if (r.largest == 0) return;
  MESSAGE("smallest bound/error " << r.smallest << " (" << r.smallest_what << "), largest " << r.largest << " ("
                                  << r.largest_what << ")");
  CHECK(r.smallest >= 1.0);
}

TEST_CASE("lqg edges: a singular state moment: the natural gradient by the pseudo-inverse, its bound labelled first order") {
  // The second state is never excited: X̄ = diag(X̄₀₀, 0) and G's second column is 0 exactly, so
  // the natural gradient Σ G X̄⁺ is [Σ G₀₀ / X̄₀₀, 0] (F = Σ⁻¹ ⊗ X̄ is singular; F⁺g is the
  // minimum-norm solution). Its bound is Wedin's, a first-order estimate, and says so.
  LqgProblem p = nearly_singular_moment_problem();
  p.x0_cov(1, 1) = 0.0;
  const LqgSolution s = solve(p);
  REQUIRE(s.natural_gradient);
  const Reference ref = quad_reference(p);
  const double Xbar = (1.0 - p.gamma) * ref.X(0, 0);
  MatrixXd expected = MatrixXd::Zero(1, 2);
  expected(0, 0) = p.Sigma(0, 0) * ref.gradient(0, 0) / Xbar;
  const std::vector<std::string>& first_order = s.summary.error_bounds.first_order;
  CHECK(std::find(first_order.begin(), first_order.end(), "natural_gradient") != first_order.end());
  // `expected` is formed in doubles from the reference's rounded G₀₀ and X₀₀: 4 ulps of its own.
  const double own = 4.0 * std::numeric_limits<double>::epsilon() * expected.norm();
  within("natural_gradient (pseudo-inverse)", (*s.natural_gradient - expected).norm(),
         s.summary.error_bounds.natural_gradient + own, expected.norm());
  CHECK(s.summary.error_bounds.natural_gradient <= 1e-12 * expected.norm());  // an estimate, but a sharp one
}
