// Times the exact finite-MDP solve on slippery gridworlds of growing size, against a
// baseline measured in the same run: plain policy evaluation (assemble I - gamma P_pi, one
// sparse LU, one solve for v). The ratio is what the gradient, occupancy, q, residuals and
// condition number cost on top of evaluating the policy.
//
//   pgtruth_bench [--max-states N] [--repeat R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "linalg/aggregation_multigrid.hpp"
#include "finite/bellman_matrix.hpp"
#include "linalg/bicgstab.hpp"
#include "linalg/sparse_lu.hpp"
#include "pgtruth/finite/solver.hpp"

using namespace pgtruth;

namespace {

/// The spec's gridworld dynamics (docs/file-format.md, "Generated problems"), W x W cells.
FiniteMdp gridworld(Index W, double slip, double gamma) {
  const Index S = W * W, A = 4;
  FiniteMdpBuilder m(S, A);
  m.gamma(gamma).action_names({"up", "down", "left", "right"});
  m.start(Eigen::VectorXd::Constant(S, 1.0 / static_cast<double>(S)));
  std::vector<char> terminal(static_cast<std::size_t>(S), 0);
  terminal[static_cast<std::size_t>(S - 1)] = 1;
  m.terminal(terminal);
  const int dr[4] = {-1, 1, 0, 0}, dc[4] = {0, 0, -1, 1};
  const auto target = [&](Index s, int move) {
    const Index r = s / W + dr[move], c = s % W + dc[move];
    return (r < 0 || r >= W || c < 0 || c >= W) ? s : r * W + c;
  };
  for (Index s = 0; s < S; ++s)
    for (int a = 0; a < A; ++a) {
      if (!terminal[static_cast<std::size_t>(s)]) {
        m.add_outcome(target(s, a), 1.0 - slip, -1.0);
        for (int move = 0; move < 4; ++move) m.add_outcome(target(s, move), slip / 4, -1.0);
      }
      m.end_row();
    }
  return std::move(m).build();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Baseline: v = (I - gamma P_pi)^{-1} r_pi with the solver the full solve uses at this size
/// (the same sparse LU; or the same multigrid hierarchy and one BiCGSTAB solve to the same
/// backward error), nothing else.
double evaluate_only(const FiniteMdp& m, const Eigen::MatrixXd& pi, bool iterative) {
  // M and r_pi over the non-terminal states, assembled as the full solve assembles them.
  const detail::Unknowns u = detail::number_unknowns(m, std::vector<char>(m.num_states(), 1));
  detail::ExecutionContext context(2);  // the pairs on two threads, as the solve runs them
  const detail::BellmanSystem system = detail::bellman_system(m, pi, true, u, context);
  const detail::RowMajorMatrix& M = system.M;
  const Eigen::VectorXd& r = system.r_pi;
  const Index S = M.rows();
  if (iterative) {
    const detail::AggregationMultigrid multigrid(M, context);
    Eigen::VectorXd v = Eigen::VectorXd::Zero(S);
    // Products on the calling thread, as the solver's Krylov solves make them.
    const auto product = [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) { multigrid.multiply(y, out, false); };
    detail::bicgstab(product,
                     [&](const Eigen::VectorXd& y, Eigen::VectorXd& out) { multigrid.apply(y, out, false); }, r, v,
                     system.norms.inf, FiniteSolveOptions{}.iterative_tolerance, 2 * S + 100);
    return v.sum();
  }
  const detail::SparseLu lu(M);
  const Eigen::VectorXd v = lu.solve(r);
  return v.sum();
}

}  // namespace

int main(int argc, char** argv) {
  Index max_states = 100'000;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--max-states")) max_states = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
  }
  std::printf("slippery gridworld, slip 0.1, gamma 0.99, tabular softmax with random theta; best of %d runs\n", repeat);
  std::printf("%9s %10s %12s %12s %8s %11s %12s %12s %10s\n", "states", "path", "evaluate s", "solve s", "ratio",
              "iterations", "bellman res", "flow res", "condition");
  for (Index W : {32, 100, 316, 1000}) {
    const Index S = W * W;
    if (S > max_states) break;
    const FiniteMdp m = gridworld(W, 0.1, 0.99);
    FinitePolicy policy;
    policy.kind = PolicyKind::softmax_tabular;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal(0.0, 1.0);
    policy.theta.resize(S * 4);
    for (Index i = 0; i < policy.theta.size(); ++i) policy.theta(i) = normal(rng);
    const Eigen::MatrixXd pi = policy_probabilities(m, policy);
    FiniteSolveOptions options;
    options.compute_fisher = false;
    double best_eval = 1e300, best_solve = 1e300, sink = 0;
    FiniteSolution sol;
    for (int k = 0; k < repeat; ++k) {
      auto t0 = std::chrono::steady_clock::now();
      sink += evaluate_only(m, pi, S > options.iterative_above);
      best_eval = std::min(best_eval, seconds_since(t0));
      t0 = std::chrono::steady_clock::now();
      sol = solve(m, policy, options);
      best_solve = std::min(best_solve, seconds_since(t0));
    }
    std::printf("%9lld %10s %12.4f %12.4f %8.2f %11ld %12.1e %12.1e %10.3g\n", static_cast<long long>(S),
                sol.summary.iterations > 0 ? "BiCGSTAB" : "sparse LU", best_eval, best_solve,
                best_solve / best_eval, sol.summary.iterations, sol.summary.bellman_residual, sol.summary.flow_residual, sol.summary.condition);
    if (sink == 12345.0) std::puts("");  // keep the baseline's work observable
  }
  return 0;
}
