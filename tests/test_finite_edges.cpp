// Certified accuracy at the edges (issue 20): discounts near 1 and peaked softmax policies,
// against a reference computed here independently, in quadruple precision (__float128, 113-bit
// significand): a dense Gaussian elimination of (I - gamma P_pi) v = r_pi formed from the file's
// doubles, the gradient from the policy gradient theorem with q - v, and the natural gradient
// from its tabular closed form (Kakade 2001). Every printed vector must be within 1e-8 of the
// reference relative to the reference's own largest entry, or the solve must be refused.
#include <doctest/doctest.h>

#include <quadmath.h>

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <sstream>
#include <vector>

#include "pgtruth/error.hpp"
#include "io/json_node.hpp"
#include "pgtruth/finite/solver.hpp"
#include "support.hpp"

using namespace pgtruth;

namespace {

using Quad = __float128;

/// A finite MDP in the dense form with a tabular softmax policy; P rows of dyadic
/// probabilities, so that the doubles sum to exactly 1 and the quad reference needs no
/// interpretation of rounding.
struct Dense {
  int S = 0, A = 0;
  double gamma = 0.9;
  std::string gamma_text;  // gamma as written in the file when set, else the double's 17 digits
  std::vector<double> P;  // P[(s*A + a)*S + s']
  std::vector<double> R;  // R[s*A + a]
  std::vector<double> start, theta;
  bool one_hot_features = false;  // a linear softmax whose features are one-hot: tabular in effect

  /// gamma as the file writes it.
  std::string gamma_string() const {
    if (!gamma_text.empty()) return gamma_text;
    std::ostringstream o;
    o.precision(17);
    o << gamma;
    return o.str();
  }

  std::string json() const {
    std::ostringstream o;
    o.precision(17);
    o << R"({"problem":"finite","states":)" << S << R"(,"actions":)" << A << R"(,"gamma":)" << gamma_string();
    o << R"(,"start":[)";
    for (int s = 0; s < S; ++s) o << (s ? "," : "") << start[s];
    o << R"(],"P":[)";
    for (int s = 0; s < S; ++s) {
      o << (s ? "," : "") << "[";
      for (int a = 0; a < A; ++a) {
        o << (a ? "," : "") << "[";
        for (int t = 0; t < S; ++t) o << (t ? "," : "") << P[(s * A + a) * S + t];
        o << "]";
      }
      o << "]";
    }
    o << R"(],"R":[)";
    for (int s = 0; s < S; ++s) {
      o << (s ? "," : "") << "[";
      for (int a = 0; a < A; ++a) o << (a ? "," : "") << R[s * A + a];
      o << "]";
    }
    if (one_hot_features) {
      o << R"(],"policy":{"type":"softmax","features":{)";
      for (int s = 0; s < S; ++s) {
        o << (s ? "," : "") << '"' << s << R"(":{)";
        for (int a = 0; a < A; ++a) {
          o << (a ? "," : "") << '"' << a << R"(":[)";
          for (int i = 0; i < S * A; ++i) o << (i ? "," : "") << (i == s * A + a ? 1 : 0);
          o << "]";
        }
        o << "}";
      }
      o << R"(},"theta":[)";
    } else {
      o << R"(],"policy":{"type":"softmax","features":"tabular","theta":[)";
    }
    for (std::size_t i = 0; i < theta.size(); ++i) o << (i ? "," : "") << theta[i];
    o << "]}}";
    return o.str();
  }
};

struct Reference {
  std::vector<Quad> v, eta, gradient, natural;
  std::vector<Quad> q, advantage, visitation, fisher;  // q, A: S x A row-major; F: (SA)^2, row-major
  Quad J = 0, length = 0;
};

/// x with M x = b by Gaussian elimination with partial pivoting, in quad.
std::vector<Quad> dense_solve(std::vector<Quad> M, std::vector<Quad> b, int n) {
  for (int c = 0; c < n; ++c) {
    int pivot = c;
    for (int r = c + 1; r < n; ++r)
      if (fabsq(M[r * n + c]) > fabsq(M[pivot * n + c])) pivot = r;
    for (int k = 0; k < n; ++k) std::swap(M[c * n + k], M[pivot * n + k]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < n; ++r) {
      const Quad f = M[r * n + c] / M[c * n + c];
      for (int k = c; k < n; ++k) M[r * n + k] -= f * M[c * n + k];
      b[r] -= f * b[c];
    }
  }
  std::vector<Quad> x(n);
  for (int r = n - 1; r >= 0; --r) {
    Quad sum = b[r];
    for (int k = r + 1; k < n; ++k) sum -= M[r * n + k] * x[k];
    x[r] = sum / M[r * n + r];
  }
  return x;
}

/// The reference in quad. Without `data`, of the problem the file states: pi from theta in quad,
/// gamma the file's decimal. With `data` (the solver's pi as doubles), of the problem the error
/// bounds are stated for, "the system formed from the problem's doubles" (docs/numerics.md): pi
/// those doubles; r(s,a) = sum P R, M's off-diagonal entries -gamma pi P and r_pi = pi . r as formed
/// in double (one rounding each of the data, in the solver's order); each row of M summing to 1 - gamma as the
/// decimal's complement rounded to double; everything after that in quad.
Reference reference(const Dense& m, const Eigen::MatrixXd* data = nullptr) {
  const int S = m.S, A = m.A;
  // The decimal written in the file, read in quad (libquadmath's strtoflt128): the problem the
  // file states, whose 1 - gamma the nearest double to gamma would miss by up to 1e-17.
  const double gamma_double = std::strtod(m.gamma_string().c_str(), nullptr);  // as the reader reads it
  const Quad gamma = data ? Quad(gamma_double) : strtoflt128(m.gamma_string().c_str(), nullptr);
  std::vector<Quad> pi(S * A);
  for (int s = 0; s < S; ++s) {
    if (data) {
      for (int a = 0; a < A; ++a) pi[s * A + a] = (*data)(s, a);
      continue;
    }
    Quad top = m.theta[s * A];
    for (int a = 1; a < A; ++a) top = fmaxq(top, m.theta[s * A + a]);
    Quad sum = 0;
    for (int a = 0; a < A; ++a) sum += pi[s * A + a] = expq(Quad(m.theta[s * A + a]) - top);
    for (int a = 0; a < A; ++a) pi[s * A + a] /= sum;
  }
  std::vector<Quad> M(S * S, 0), Mt(S * S, 0), r(S, 0), start(m.start.begin(), m.start.end());
  Eigen::MatrixXd rewards(S, A);
  for (int s = 0; s < S; ++s)
    for (int a = 0; a < A; ++a) {
      double sum = 0.0;  // r(s,a) as FiniteMdp::expected_reward forms it: sum over outcomes of P R
      for (int t = 0; t < S; ++t) sum += m.P[(s * A + a) * S + t] * m.R[s * A + a];
      rewards(s, a) = sum;
    }
  for (int s = 0; s < S; ++s) {
    if (data) {
      r[s] = data->row(s).dot(rewards.row(s));  // as bellman_system() forms r_pi
      for (int t = 0; t < S; ++t) {
        double entry = 0.0;  // summed over actions in double, as bellman_system() does
        for (int a = 0; a < A; ++a)
          if (t != s && m.P[(s * A + a) * S + t] != 0.0) entry += -gamma_double * (*data)(s, a) * m.P[(s * A + a) * S + t];
        M[s * S + t] = entry;
      }
      Quad off = 0;  // the diagonal from the row sum 1 - gamma (no terminal states here)
      for (int t = 0; t < S; ++t) off += t == s ? 0 : M[s * S + t];
      M[s * S + s] = Quad(*detail::decimal_complement(m.gamma_string())) - off;
      continue;
    }
    M[s * S + s] += 1;
    for (int a = 0; a < A; ++a) {
      r[s] += pi[s * A + a] * m.R[s * A + a];
      for (int t = 0; t < S; ++t) M[s * S + t] -= gamma * pi[s * A + a] * m.P[(s * A + a) * S + t];
    }
  }
  for (int s = 0; s < S; ++s)
    for (int t = 0; t < S; ++t) Mt[t * S + s] = M[s * S + t];
  Reference out;
  out.v = dense_solve(M, r, S);
  out.eta = dense_solve(Mt, start, S);
  Quad& length = out.length;
  for (int s = 0; s < S; ++s) out.J += start[s] * out.v[s], length += out.eta[s];
  out.gradient.resize(S * A), out.natural.resize(S * A), out.q.resize(S * A), out.advantage.resize(S * A);
  out.visitation.resize(S), out.fisher.assign(static_cast<std::size_t>(S * A * S * A), 0);
  for (int s = 0; s < S; ++s) {
    // F = sum_s d(s) (diag pi_s - pi_s pi_s^T), the tabular Fisher matrix (one-hot features: the same).
    out.visitation[s] = out.eta[s] / length;
    for (int a = 0; a < A; ++a)
      for (int b = 0; b < A; ++b) {
        Quad others = 0;  // the diagonal pi_a (1 - pi_a) as pi_a sum_{c != a} pi_c: 1 - pi_a cancels even in quad
        for (int c = 0; c < A; ++c) others += c == a ? 0 : pi[s * A + c];
        out.fisher[(s * A + a) * S * A + s * A + b] =
            out.visitation[s] * (a == b ? pi[s * A + a] * others : -pi[s * A + a] * pi[s * A + b]);
      }
  }
  for (int s = 0; s < S; ++s) {
    // A(s,a) = sum_b pi(b|s) (q(s,a) - q(s,b)): at a peaked policy q - v would cancel even in quad.
    std::vector<Quad> q(A), adv(A, 0);
    Quad mean = 0;
    for (int a = 0; a < A; ++a) {
      q[a] = m.R[s * A + a];
      for (int t = 0; t < S; ++t) q[a] += gamma * Quad(m.P[(s * A + a) * S + t]) * out.v[t];
    }
    for (int a = 0; a < A; ++a) {
      for (int b = 0; b < A; ++b) adv[a] += pi[s * A + b] * (q[a] - q[b]);
      mean += adv[a] / A;
    }
    for (int a = 0; a < A; ++a) {
      out.q[s * A + a] = q[a], out.advantage[s * A + a] = adv[a];
      out.gradient[s * A + a] = out.eta[s] * pi[s * A + a] * adv[a];  // tabular: eta pi (q - v)
      out.natural[s * A + a] = length * (adv[a] - mean);
    }
  }
  return out;
}

/// max_i |x_i - ref_i| / max_i |ref_i|, in quad (0 when both are 0).
double normwise_error(const Eigen::VectorXd& x, const std::vector<Quad>& ref) {
  Quad err = 0, size = 0;
  for (std::size_t i = 0; i < ref.size(); ++i)
    err = fmaxq(err, fabsq(Quad(x(static_cast<Eigen::Index>(i))) - ref[i])), size = fmaxq(size, fabsq(ref[i]));
  return size == 0 ? static_cast<double>(err) : static_cast<double>(err / size);
}

double largest(const std::vector<Quad>& x) {
  Quad size = 0;
  for (const Quad& xi : x) size = fmaxq(size, fabsq(xi));
  return static_cast<double>(size);
}

/// Within 1e-8 of the reference relative to its largest entry; a reference vector below the
/// double range (1e-290) must print as no more than that (its nearest doubles, 0 or subnormal).
bool close(const Eigen::VectorXd& x, const std::vector<Quad>& ref) {
  if (largest(ref) > 1e-290) return normwise_error(x, ref) < 1e-8;
  return x.cwiseAbs().maxCoeff() <= 1e-290;
}

/// The largest ratio reported bound / measured error over the cases solved, per quantity.
std::map<std::string, double>& loosest() {
  static std::map<std::string, double> ratios;
  return ratios;
}

/// The observed ratios, as a test's message (ctest runs each test case alone).
void report_loosest() {
  for (const auto& [name, ratio] : loosest()) MESSAGE(name << ": bound / error up to " << ratio);
  loosest().clear();
}

/// A slack of 8 eps of the largest entry: the advantages' mean uses the probabilities' doubles,
/// whose sum differs from 1 by a few eps, so it may differ from the reference's by eps |A|.
constexpr double kDataRounding = 8 * std::numeric_limits<double>::epsilon();

/// |printed - reference| <= bound + the data's rounding: the assertion behind every bound. It fails
/// for a result off by more than its bound, e.g. a bound of 0 on a wrong number (checked below).
bool within_bound(double error, double bound, double reference_size) {
  return error <= bound + kDataRounding * reference_size;
}

/// Whether the bounds must also be small beside their quantities: for 1 - gamma >= 1e-8 (1e-4 with
/// linear features). Closer
/// to 1 the data's rounding, bounded through |M^-1| ~ 1 / (1 - gamma), makes them loose
/// (docs/numerics.md, "The data and the formed system"); they must still hold.
bool& bounds_must_be_tight() {
  static bool tight = true;
  return tight;
}

/// Checks `error` against `bound` and records the ratio; the bound must also be small beside the
/// quantity (1e-2 of its largest entry) where bounds_must_be_tight().
void check_bound(const std::string& name, double error, double bound, double reference_size) {
  CAPTURE(name);
  CAPTURE(error);
  CAPTURE(bound);
  CHECK(within_bound(error, bound, reference_size));
  CHECK_FALSE(within_bound(error + 2.0 * (bound + kDataRounding * reference_size) + 1e-300, bound, reference_size));
  if (bounds_must_be_tight()) CHECK(bound <= 1e-2 * reference_size + 1e-290);
  // The ratio to the error, or to half an ulp of the largest entry when the error is below it.
  const double floor = std::numeric_limits<double>::epsilon() / 2 * reference_size;
  if (std::max(error, floor) > 0.0) loosest()[name] = std::max(loosest()[name], bound / std::max(error, floor));
}

/// max |x - ref| over entries (0 when ref is empty), in quad, rounded to double.
double max_error(const Eigen::MatrixXd& x, const std::vector<Quad>& ref) {
  Quad err = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      err = fmaxq(err, fabsq(Quad(x(i, j)) - ref[static_cast<std::size_t>(i * x.cols() + j)]));
  return static_cast<double>(err);
}

/// Every printed quantity within its reported bound of the quad reference.
void check_bounds(const FiniteSolution& sol, const Reference& ref) {
  const LinearSolveSummary& b = sol.summary;
  REQUIRE(b.J_error);
  REQUIRE(b.q_error);
  REQUIRE(b.advantage_error);
  REQUIRE(b.expected_length_error);
  REQUIRE(b.visitation_error);
  REQUIRE(b.fisher_error);
  REQUIRE(b.natural_gradient_error);
  const double J = static_cast<double>(fabsq(ref.J));
  check_bound("J", static_cast<double>(fabsq(Quad(sol.J) - ref.J)), *b.J_error, J);
  check_bound("v", max_error(sol.v, ref.v), b.value_error, largest(ref.v));
  check_bound("q", max_error(sol.q, ref.q), *b.q_error, largest(ref.q));
  check_bound("advantage", max_error(sol.advantage, ref.advantage), *b.advantage_error, largest(ref.advantage));
  Quad occupancy = 0, visitation = 0;  // sums of absolute errors
  for (std::size_t s = 0; s < ref.eta.size(); ++s) {
    const auto i = static_cast<Eigen::Index>(s);
    occupancy += fabsq(Quad(sol.occupancy(i)) - ref.eta[s]), visitation += fabsq(Quad(sol.visitation(i)) - ref.visitation[s]);
  }
  check_bound("occupancy", static_cast<double>(occupancy), b.occupancy_error, static_cast<double>(ref.length));
  check_bound("expected_length", static_cast<double>(fabsq(Quad(sol.expected_length) - ref.length)),
              *b.expected_length_error, static_cast<double>(ref.length));
  check_bound("visitation", static_cast<double>(visitation), *b.visitation_error, 1.0);
  check_bound("gradient", max_error(sol.gradient, ref.gradient), b.gradient_error, largest(ref.gradient));
  check_bound("natural_gradient", max_error(*sol.natural_gradient, ref.natural), *b.natural_gradient_error,
              largest(ref.natural));
  // The Fisher bound is on the 2-norm: the difference (exact in quad, then rounded) by its singular values.
  REQUIRE(sol.fisher);
  const Eigen::Index n = sol.fisher->rows();
  Eigen::MatrixXd difference(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      difference(i, j) = static_cast<double>(Quad((*sol.fisher)(i, j)) - ref.fisher[static_cast<std::size_t>(i * n + j)]);
  const double fisher_error = n ? Eigen::JacobiSVD<Eigen::MatrixXd>(difference).singularValues()(0) * (1 + 1e-14) : 0.0;
  check_bound("fisher (2-norm)", fisher_error, *b.fisher_error, largest(ref.fisher));
}

/// Either refused (IllPosedError) or every printed vector within 1e-8 of the reference and every
/// printed quantity within its reported bound; returns whether it was solved.
bool solved_accurately(const Dense& m, LinearSolver solver = LinearSolver::automatic) {
  const FiniteProblem p = test::parse_finite(m.json());
  FiniteSolution sol;
  try {
    FiniteSolveOptions options;
    options.linear_solver = solver;
    sol = solve(p.mdp, p.policy, options);
  } catch (const IllPosedError& e) {
    MESSAGE("refused: " << e.what());
    return false;
  }
  const Reference ref = reference(m);
  CAPTURE(m.json());
  CHECK(close(sol.v, ref.v));
  CHECK(close(sol.occupancy, ref.eta));
  CHECK(std::abs(sol.J - static_cast<double>(ref.J)) <= 1e-8 * std::abs(static_cast<double>(ref.J)) + 1e-290);
  CHECK(close(sol.gradient, ref.gradient));
  // The reported bounds hold against the problem the file states, with no allowance: they cover
  // the solve, the forming of each quantity, and the data's rounding (docs/numerics.md).
  Quad gradient_error = 0;
  for (Eigen::Index i = 0; i < sol.gradient.size(); ++i)
    gradient_error = fmaxq(gradient_error, fabsq(Quad(sol.gradient(i)) - ref.gradient[static_cast<std::size_t>(i)]));
  CHECK(static_cast<double>(gradient_error) <= sol.summary.gradient_error);
  CHECK(max_error(sol.advantage, ref.advantage) <= *sol.summary.advantage_error);
  REQUIRE(sol.natural_gradient);
  CHECK(close(*sol.natural_gradient, ref.natural));
  CHECK(max_error(*sol.natural_gradient, ref.natural) <= *sol.summary.natural_gradient_error);
  CHECK(*sol.fisher_rank <= (m.A - 1) * m.S);
  const LinearSolveSummary& b = sol.summary;
  CHECK(max_error(sol.v, ref.v) <= b.value_error);
  CHECK(max_error(sol.q, ref.q) <= *b.q_error);
  CHECK(static_cast<double>(fabsq(Quad(sol.J) - ref.J)) <= *b.J_error);
  Quad occupancy = 0, visitation = 0;
  for (std::size_t s = 0; s < ref.eta.size(); ++s) {
    const auto i = static_cast<Eigen::Index>(s);
    occupancy += fabsq(Quad(sol.occupancy(i)) - ref.eta[s]), visitation += fabsq(Quad(sol.visitation(i)) - ref.visitation[s]);
  }
  CHECK(static_cast<double>(occupancy) <= b.occupancy_error);
  CHECK(static_cast<double>(visitation) <= *b.visitation_error);
  CHECK(static_cast<double>(fabsq(Quad(sol.expected_length) - ref.length)) <= *b.expected_length_error);
  // Linear features add the logits' rounding to pi's, and F's small eigenvalues amplify it.
  bounds_must_be_tight() = 1.0 - m.gamma >= (m.one_hot_features ? 1e-4 : 1e-8);
  check_bounds(sol, reference(m, &sol.policy));
  return true;
}

/// gamma = 1 - 10^-k as a decimal text, "0.99...9" with k nines.
std::string nines(int k) { return "0." + std::string(static_cast<std::size_t>(k), '9'); }

/// The two-state stay/switch MDP of issue 20's reproducers.
Dense two_state(double gamma, std::vector<double> theta) {
  Dense m;
  m.S = 2, m.A = 2, m.gamma = gamma;
  m.P = {1, 0, 0, 1, 0, 1, 1, 0};
  m.R = {1, 0, 0, 2};
  m.start = {1, 0};
  m.theta = std::move(theta);
  return m;
}

/// Four states on a ring, actions clockwise and anticlockwise, with a reward for each step.
Dense ring(double gamma, double peak) {
  Dense m;
  m.S = 4, m.A = 2, m.gamma = gamma;
  m.P.assign(4 * 2 * 4, 0.0);
  for (int s = 0; s < 4; ++s) m.P[(s * 2 + 0) * 4 + (s + 1) % 4] = 1, m.P[(s * 2 + 1) * 4 + (s + 3) % 4] = 1;
  m.R = {1, 0.5, -1, 2, 0.25, 3, -0.5, 1};
  m.start = {0.25, 0.25, 0.25, 0.25};
  for (int s = 0; s < 4; ++s) m.theta.push_back(s % 2 ? peak : -peak), m.theta.push_back(s % 2 ? -peak : peak);
  return m;
}

/// Random MDP: probabilities in sixteenths, rewards in [-1, 1], theta uniform in [-peak, peak].
Dense random_mdp(std::mt19937_64& rng, int S, int A, double gamma, double peak) {
  Dense m;
  m.S = S, m.A = A, m.gamma = gamma;
  m.P.assign(S * A * S, 0.0);
  std::uniform_int_distribution<int> state(0, S - 1);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int row = 0; row < S * A; ++row)
    for (int k = 0; k < 16; ++k) m.P[row * S + state(rng)] += 1.0 / 16;
  for (int i = 0; i < S * A; ++i) m.R.push_back(unit(rng)), m.theta.push_back(peak * unit(rng));
  m.start.assign(S, 0.0), m.start[0] = 1;
  return m;
}

}  // namespace

TEST_CASE("gamma = 1 - 10^-k, k = 1..12: the gradient of issue 20's reproducer to 1e-8, never refused") {
  for (int k = 1; k <= 12; ++k) {
    CAPTURE(k);
    Dense m = two_state(1.0 - std::pow(10.0, -k), {3, -3, -3, 3});
    CHECK(solved_accurately(m));  // gamma written as the 17 digits of the double nearest 1 - 10^-k
    m.gamma_text = nines(k);
    CHECK(solved_accurately(m));  // gamma written as the decimal 1 - 10^-k
  }
  for (int k = 13; k <= 16; ++k) {  // accurate or refused (ill-conditioned beyond 1e14)
    CAPTURE(k);
    Dense m = two_state(1.0 - std::pow(10.0, -k), {3, -3, -3, 3});
    m.gamma_text = nines(k);
    solved_accurately(m);
  }
  report_loosest();
}

TEST_CASE("the reproducer at gamma = 0.99999999999: each state's gradient entries sum to 0") {
  const FiniteProblem p = test::parse_finite(two_state(0.99999999999, {3, -3, -3, 3}).json());
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CHECK(std::abs(sol.gradient(0) + sol.gradient(1)) <= 1e-9 * sol.gradient.cwiseAbs().maxCoeff());
  CHECK(std::abs(sol.gradient(2) + sol.gradient(3)) <= 1e-9 * sol.gradient.cwiseAbs().maxCoeff());
  CHECK(sol.gradient(0) == doctest::Approx(608366.76).epsilon(1e-7));  // issue 20's 50-digit figure, rounded
}

TEST_CASE("peaked tabular softmax, |theta| up to 700: gradient, natural gradient and rank of F") {
  for (double peak : {1.0, 6.0, 7.0, 20.0, 50.0, 200.0, 354.0, 700.0}) {
    CAPTURE(peak);
    CHECK(solved_accurately(two_state(0.9, {-peak, peak, peak, -peak})));
    CHECK(solved_accurately(ring(0.9, peak)));
    CHECK(solved_accurately(ring(1.0 - 1e-9, peak)));
  }
  // Issue 20's figures: rank 2, natural gradient [5, -5, -10, 10] at theta = [-7, 7, 7, -7].
  const FiniteProblem p = test::parse_finite(two_state(0.9, {-7, 7, 7, -7}).json());
  const FiniteSolution sol = solve(p.mdp, p.policy);
  CHECK(*sol.fisher_rank == 2);
  CHECK((*sol.natural_gradient - Eigen::Vector4d(5, -5, -10, 10)).cwiseAbs().maxCoeff() < 1e-5);
  report_loosest();
}

TEST_CASE("linear softmax with one-hot features, peaked in one state only: the tabular natural gradient") {
  // F's eigenvalues differ by the ratio of the states' peakedness (e^-600 at peak 300): an
  // eigen-decomposition of F drops the peaked state's direction; the least-squares form keeps it.
  int solved = 0;
  for (double peak : {1.0, 7.0, 20.0, 50.0, 200.0, 300.0, 350.0}) {
    CAPTURE(peak);
    Dense m = two_state(0.9, {-peak, peak, 1, -1});
    m.one_hot_features = true;
    Dense r = ring(1.0 - 1e-6, peak);
    r.theta[4] = r.theta[5] = 0.5;  // one state far less peaked than the others
    r.one_hot_features = true;
    // Accurate or refused at every peak; answered at the moderate ones.
    const bool both = solved_accurately(m) & solved_accurately(r);
    if (peak <= 7.0) CHECK(both);
    solved += both ? 1 : 0;
  }
  MESSAGE(solved << " of 7 peaks answered");
  report_loosest();
  // At peak 20 pi = exp(-40) makes F's smallest kept eigenvalue (about 1e-18) smaller than F's
  // error bound (about 1e-16): the rank could change, so no bound holds for the natural gradient.
  Dense twenty = two_state(0.9, {-20, 20, 1, -1});
  twenty.one_hot_features = true;
  const FiniteProblem q = test::parse_finite(twenty.json());
  CHECK_THROWS_WITH_AS(solve(q.mdp, q.policy),
                       doctest::Contains("the natural gradient's error cannot be bounded: the Fisher matrix's error bound"),
                       IllPosedError);
  FiniteSolveOptions no_fisher;
  no_fisher.compute_fisher = false;
  CHECK(solve(q.mdp, q.policy, no_fisher).summary.J_error);  // the other keys remain available
  // At peak 700 pi = exp(-1400) is 0 in double: F is singular there, mathematically it is not.
  Dense m = two_state(0.9, {-700, 700, 1, -1});
  m.one_hot_features = true;
  const FiniteProblem p = test::parse_finite(m.json());
  CHECK_THROWS_WITH_AS(solve(p.mdp, p.policy), doctest::Contains("natural gradient cannot be computed"), IllPosedError);
}

TEST_CASE("random MDPs at extreme discounts and peaked policies: accurate or refused") {
  std::mt19937_64 rng(20);
  int solved = 0, cases = 0;
  for (int k : {0, 2, 6, 10, 12})  // gamma = 0.5 (k = 0), else the decimal 1 - 10^-k
    for (double peak : {0.5, 10.0, 60.0})
      for (int trial = 0; trial < 3; ++trial, ++cases) {
        CAPTURE(k);
        CAPTURE(peak);
        CAPTURE(trial);
        Dense m = random_mdp(rng, 6, 3, k ? 1.0 - std::pow(10.0, -k) : 0.5, peak);
        if (k) m.gamma_text = nines(k);
        solved += solved_accurately(m) ? 1 : 0;
      }
  CHECK(solved == cases);  // none of these is beyond the solver's reach
  report_loosest();
}

TEST_CASE("the iterative path near gamma = 1: Krylov corrections refine v and eta as the LU does") {
  std::mt19937_64 rng(26);
  for (double gamma : {0.999, 1 - 1e-6, 1 - 1e-9})
    for (double peak : {0.5, 30.0}) {
      CAPTURE(gamma);
      CAPTURE(peak);
      CHECK(solved_accurately(random_mdp(rng, 40, 3, gamma, peak), LinearSolver::iterative));
      CHECK(solved_accurately(ring(gamma, peak), LinearSolver::iterative));
    }
  report_loosest();
}

TEST_CASE("tabular gradients sum to zero over each state's actions, on every shipped case and random theta") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (const std::string& name : test::shipped_cases()) {
    FiniteProblem p = test::load_case(name);
    if (p.policy.kind != PolicyKind::softmax_tabular || p.mdp.num_states() > 2000) continue;
    CAPTURE(name);
    const Index A = p.mdp.num_actions();
    for (double peak : {0.0, 3.0, 30.0}) {
      for (Index i = 0; i < p.policy.theta.size(); ++i) p.policy.theta(i) = peak * unit(rng);
      const FiniteSolution sol = solve(p.mdp, p.policy);
      const double scale = sol.gradient.cwiseAbs().maxCoeff();
      for (Index s = 0; s < p.mdp.num_states(); ++s)
        CHECK(std::abs(sol.gradient.segment(s * A, A).sum()) <= 1e-12 * scale);
      CHECK(*sol.fisher_rank <= p.policy.num_parameters() - p.mdp.num_states());
    }
  }
}

TEST_CASE("1 - gamma from the file's decimal text: exact decimal subtraction, against libquadmath") {
  // 1 - x computed in quad from strtoflt128(x), rounded to double: correct to about 1e-34
  // absolute, so within half an ulp of the exact complement except at a rounding tie.
  for (const std::string x : {"0.9", "0.99999999", "0.999999999999", "0.9999999999999999999", "0.123456789",
                              "9.99999999999e-1", "99999999999.9e-11", "0.5", "0.999999999999E0", "7e-300",
                              "0.30000000000000004", "0.0000001"}) {
    CAPTURE(x);
    const auto complement = detail::decimal_complement(x);
    REQUIRE(complement);
    const double reference = static_cast<double>(1 - strtoflt128(x.c_str(), nullptr));
    CHECK(*complement == doctest::Approx(reference).epsilon(2.3e-16));
  }
  CHECK(*detail::decimal_complement("0.999999999999") == 1e-12);  // the double nearest 10^-12
  CHECK_FALSE(detail::decimal_complement("1.5"));
  CHECK_FALSE(detail::decimal_complement("1"));
  CHECK_FALSE(detail::decimal_complement("-0.5"));
  CHECK(detail::top_level_number_text(R"({"a": {"gamma": 0.5}, "gamma": 0.999000, "b": [1]})", "gamma") == "0.999000");
  CHECK_FALSE(detail::top_level_number_text(R"({"gamma": 1, "x": 0.5})", "gamma"));
  CHECK_FALSE(detail::top_level_number_text(R"({"g": 0.5})", "gamma"));
}

TEST_CASE("rewards near the double range: scaled internally, or refused naming the overflow") {
  Dense m = two_state(0.9, {0, 0, 0, 0});
  m.R = {1e307, 0, 0, 2e306};
  Dense unit = m;
  unit.R = {1, 0, 0, 0.2};
  const FiniteProblem big = test::parse_finite(m.json()), small = test::parse_finite(unit.json());
  const FiniteSolution a = solve(big.mdp, big.policy), b = solve(small.mdp, small.policy);
  CHECK((a.gradient / 1e307 - b.gradient).cwiseAbs().maxCoeff() <= 1e-14 * b.gradient.cwiseAbs().maxCoeff());
  CHECK(a.J / 1e307 == doctest::Approx(b.J).epsilon(1e-14));
  m.R = {1.7e308, 0, 0, 0};  // v = 1.7e308 / (1 - 0.9 ...) is beyond the double range
  const FiniteProblem over = test::parse_finite(m.json());
  CHECK_THROWS_WITH_AS(solve(over.mdp, over.policy), doctest::Contains("overflow: the objective J is beyond"), IllPosedError);

  // Subnormal rewards (2^-1062 and 2^-1061, exact): the results are 2^-1062 times those of
  // rewards 1 and 2, rounded to the subnormals, and every bound covers that rounding.
  Dense tiny = two_state(0.9, {0.5, -0.5, 0.25, 1});
  tiny.R = {std::ldexp(1.0, -1062), 0, 0, std::ldexp(1.0, -1061)};
  Dense ones = tiny;
  ones.R = {1, 0, 0, 2};
  const FiniteProblem t = test::parse_finite(tiny.json()), o = test::parse_finite(ones.json());
  const FiniteSolution st = solve(t.mdp, t.policy), so = solve(o.mdp, o.policy);
  const auto scaled_error = [](const Eigen::MatrixXd& x, const Eigen::MatrixXd& unit) {
    return (x - unit * std::ldexp(1.0, -1062)).cwiseAbs().maxCoeff();  // exact: the products are subnormal doubles' sums
  };
  CHECK(st.J > 0.0);
  CHECK(std::abs(st.J - so.J * std::ldexp(1.0, -1062)) <= *st.summary.J_error);
  CHECK(scaled_error(st.v, so.v) <= st.summary.value_error);
  CHECK(scaled_error(st.gradient, so.gradient) <= st.summary.gradient_error);
  CHECK(st.summary.gradient_error > 0.0);
}

TEST_CASE("a feature of -1e308: the Fisher matrix overflows and is refused at /policy/features; the gradient is finite") {
  const FiniteProblem p = test::parse_finite(R"({"problem":"finite","states":["A","B"],"actions":["stay","switch"],
    "gamma":0.9,"start":[1,0],"P":[[[1,0],[0,1]],[[0,1],[1,0]]],"R":[[1,0],[0,2]],
    "policy":{"type":"softmax","features":{"A":{"stay":[-1e308,0],"switch":[0,1]},"B":{"stay":[0,0],"switch":[0,1]}},"theta":[0,0]}})");
  CHECK_THROWS_WITH_AS(solve(p.mdp, p.policy), doctest::Contains("/policy/features: overflow: the Fisher matrix"),
                       IllPosedError);
  FiniteSolveOptions no_fisher;
  no_fisher.compute_fisher = false;
  const FiniteSolution sol = solve(p.mdp, p.policy, no_fisher);
  // theta = 0: dJ/dtheta_0 = eta(A) (1/2)(1/2) 1e308 (q(A,switch) - q(A,stay)), as the definition
  // gives, with eta and q by value iteration.
  const test::IterativeEvaluation it = test::evaluate_by_iteration(p, Eigen::MatrixXd::Constant(2, 2, 0.5));
  const double expected = it.occupancy(0) * 0.25e308 * (it.q(0, 1) - it.q(0, 0));
  CHECK(sol.gradient(0) == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("a direct policy of one-decimal probabilities at gamma = 0.999999999999: the decimals' distribution") {
  // Rows 0.1, 0.2, 0.7 and 0.6, 0.3, 0.1 sum to 1 as decimals, not as doubles; near gamma = 1 the
  // difference (1e-16) would act as a change of discount of the same size, 1e-4 of 1 - gamma.
  const std::vector<std::vector<std::string>> rows{{"0.1", "0.2", "0.7"}, {"0.6", "0.3", "0.1"}};
  const std::string gamma = "0.999999999999";
  // Action a moves to state a % 2 with reward a - 1; start in state 0.
  std::ostringstream text;
  text << R"({"problem":"finite","states":2,"actions":3,"gamma":)" << gamma << R"(,"start":[1,0],"P":[)";
  for (int s = 0; s < 2; ++s) text << (s ? "," : "") << "[[1,0],[0,1],[1,0]]";
  text << R"(],"R":[[-1,0,1],[-1,0,1]],"policy":{"type":"direct","theta":[[)" << rows[0][0] << "," << rows[0][1] << ","
       << rows[0][2] << "],[" << rows[1][0] << "," << rows[1][1] << "," << rows[1][2] << "]]}}";
  const FiniteProblem p = test::parse_finite(text.str());
  const FiniteSolution sol = solve(p.mdp, p.policy);
  // The quad reference: v = (I - gamma P_pi)^{-1} r_pi from the decimals, by Cramer's rule.
  const Quad g = strtoflt128(gamma.c_str(), nullptr);
  Quad pi[2][3];
  for (int s = 0; s < 2; ++s)
    for (int a = 0; a < 3; ++a) pi[s][a] = strtoflt128(rows[s][a].c_str(), nullptr);
  Quad M[2][2], r[2];
  for (int s = 0; s < 2; ++s) {
    const Quad to0 = pi[s][0] + pi[s][2], to1 = pi[s][1];
    M[s][0] = (s == 0 ? 1 : 0) - g * to0, M[s][1] = (s == 1 ? 1 : 0) - g * to1;
    r[s] = -pi[s][0] + pi[s][2];
  }
  const Quad det = M[0][0] * M[1][1] - M[0][1] * M[1][0];
  const Quad v0 = (r[0] * M[1][1] - M[0][1] * r[1]) / det, v1 = (M[0][0] * r[1] - r[0] * M[1][0]) / det;
  CHECK(std::abs(sol.J - static_cast<double>(v0)) <= 1e-14 * std::abs(static_cast<double>(v0)));
  CHECK(std::abs(sol.v(1) - static_cast<double>(v1)) <= 1e-14 * std::abs(static_cast<double>(v1)));
}
