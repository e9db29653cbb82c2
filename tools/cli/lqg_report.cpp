#include "cli/lqg_report.hpp"

#include "cli/format.hpp"

namespace pgtruth::cli {
namespace {

std::string num(double x) { return significant(unsigned_zero(x), 10); }

std::string bound(double x) { return significant(x, 2); }

constexpr Eigen::Index kMaxShown = 8;  // larger matrices: see --json

void print_named_matrix(std::ostream& out, const std::string& name, const Eigen::MatrixXd& M) {
  out << name << " (" << M.rows() << " x " << M.cols() << ")";
  if (M.rows() > kMaxShown || M.cols() > kMaxShown) {
    out << ": too large to show here; see --json --keys\n";
    return;
  }
  out << ":\n";
  print_matrix(out, M);
}

}  // namespace

void print_matrix(std::ostream& out, const Eigen::MatrixXd& M, const std::string& indent) {
  for (Eigen::Index i = 0; i < M.rows(); ++i) {
    out << indent;
    for (Eigen::Index j = 0; j < M.cols(); ++j) {
      const std::string s = num(M(i, j));
      out << std::string(s.size() < 17 ? 17 - s.size() : 1, ' ') << s;
    }
    out << "\n";
  }
}

void print_lqg_report(std::ostream& out, const std::string& file, const LqgProblem& p, const LqgSolution& s) {
  out << (p.name.empty() ? file : p.name + " (" + file + ")") << "\n";
  out << "LQG: n = " << p.n() << " states, m = " << p.m() << " controls, gamma = " << num(p.gamma) << ", "
      << (p.formulation == Formulation::stochastic ? "stochastic" : "deterministic")
      << " formulation; policy u = -K x + d, d ~ N(0, Sigma)\n\n";
  out << "J = " << num(s.J) << " +- " << bound(s.summary.error_bounds.J)
      << "    (expected discounted cost; minimised)\n";
  print_named_matrix(out, "gradient dJ/dK", s.gradient);
  out << "gradient norm " << num(s.gradient.norm()) << " (error at most " << bound(s.summary.error_bounds.gradient)
      << ")\n";
  if (s.gradient_sigma) print_named_matrix(out, "gradient dJ/dSigma", *s.gradient_sigma);
  if (s.natural_gradient) {
    print_named_matrix(out, "natural gradient (Fisher rank " + std::to_string(*s.fisher_rank) + ")", *s.natural_gradient);
    out << "natural gradient error at most " << bound(s.summary.error_bounds.natural_gradient)
        << (s.summary.error_bounds.first_order.empty() ? "" : " (first-order estimate)") << "\n";
  }
  out << "spectral radius of sqrt(gamma)(A - B K) = " << num(s.spectral_radius) << ", certified <= "
      << num(s.summary.spectral_radius_bound) << " (stability margin " << bound(s.summary.stability_margin) << ")\n\n";
  out << "value v(x) = x'Px + " << num(s.value_constant) << "\n";
  print_named_matrix(out, "P", s.P);
  print_named_matrix(out, "state moment sum_t gamma^t E[x_t x_t']", s.state_moment);
  out << "Q(x,u) = [x;u]' q_matrix [x;u] + " << num(s.q_constant) << "\n";
  if (s.optimal) {
    out << "\noptimal linear policy (discounted Riccati equation), J* = " << num(s.optimal->J) << " +- "
        << bound(s.summary.error_bounds.optimal_J) << "\n";
    print_named_matrix(out, "K*", s.optimal->K);
    out << "K* error at most " << bound(s.summary.error_bounds.optimal_K) << "\n";
  } else {
    out << "\nno optimal policy: " << s.optimal_unavailable << "\n";
  }
  out << "\nsolver: " << s.summary.brief_report() << "\n";
}

}  // namespace pgtruth::cli
