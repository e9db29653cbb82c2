#pragma once
// Internal: right-preconditioned BiCGSTAB.
#include <Eigen/Core>
#include <cmath>

namespace pgtruth::detail {

/// BiCGSTAB (van der Vorst 1992, SIAM J. Sci. Stat. Comput. 13, Alg. "Bi-CGSTAB"; Saad 2003,
/// "Iterative Methods for Sparse Linear Systems", Alg. 7.7) on A x = b, preconditioned on the
/// right (A B u = b, x = B u), so that r is the residual b - A x of the iterate itself.
/// Continues from the x given. Stops when the recurrence residual satisfies
///   |r|_2 <= tolerance (norm_A |x|_inf + |b|_inf),
/// which bounds the normwise backward error |r|_inf / (norm_A |x|_inf + |b|_inf) by tolerance
/// as long as the recurrence follows the true residual (the caller certifies that), or after
/// max_iterations. `multiply(y, out)` sets out = A y; `precondition(y, out)` sets out = B y.
/// A breakdown (r0 . r = 0) restarts from the current iterate. Returns the iterations taken.
template <class Multiply, class Precondition>
long bicgstab(const Multiply& multiply, const Precondition& precondition, const Eigen::VectorXd& b,
              Eigen::VectorXd& x, double norm_A, double tolerance, long max_iterations) {
  using Eigen::VectorXd;
  const Eigen::Index n = b.size();
  const double b_max = n ? b.cwiseAbs().maxCoeff() : 0.0;
  // False on NaN; an iterate gone NaN stops the loop through the checks on alpha and omega.
  const auto converged = [&](const VectorXd& r) {
    return r.norm() <= tolerance * (norm_A * x.cwiseAbs().maxCoeff() + b_max);
  };
  VectorXd r(n), r0(n), p(n), v(n), s(n), t(n), y(n), z(n);
  multiply(x, t);
  r = b - t;
  if (n == 0 || converged(r)) return 0;
  double rho = 1.0, alpha = 1.0, omega = 1.0;
  // A new shadow residual r0 = r and search directions from zero, from the current iterate.
  const auto restart = [&] { r0 = r, rho = alpha = omega = 1.0, p.setZero(), v.setZero(); };
  restart();
  for (long k = 1; k <= max_iterations; ++k) {
    const double rho_next = r0.dot(r);
    if (!(std::abs(rho_next) > 1e-30 * r0.norm() * r.norm())) {  // breakdown
      restart();
      continue;
    }
    const double beta = (rho_next / rho) * (alpha / omega);
    rho = rho_next;
    p = r + beta * (p - omega * v);
    precondition(p, y);
    multiply(y, v);
    alpha = rho / r0.dot(v);
    s = r - alpha * v;
    if (converged(s)) {
      x += alpha * y;
      return k;
    }
    precondition(s, z);
    multiply(z, t);
    const double tt = t.squaredNorm();
    omega = tt > 0.0 ? t.dot(s) / tt : 0.0;
    x += alpha * y + omega * z;
    r = s - omega * t;
    if (converged(r) || !std::isfinite(omega) || !std::isfinite(alpha)) return k;
    if (omega == 0.0) restart();
  }
  return max_iterations;
}

}  // namespace pgtruth::detail
