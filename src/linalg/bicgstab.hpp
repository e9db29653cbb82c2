#pragma once
// Internal: right-preconditioned BiCGSTAB.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

namespace pgtruth::detail {

/// Calls step(begin, size) for the consecutive chunks of [0, n), in order. The updates of one
/// BiCGSTAB step are done a chunk at a time, so that the chunk's vectors are read from memory
/// once and stay in the core's cache for every update and sum of the step: on the 10^6-state
/// gridworld the vectors are 8 MB each, far larger than any cache. The chunks are fixed, so
/// the order of every sum is.
template <class Step>
void for_each_chunk(Eigen::Index n, const Step& step) {
  constexpr Eigen::Index kChunk = 1024;  // 8 KiB of each vector: the seven in play fit in L2
  for (Eigen::Index begin = 0; begin < n; begin += kChunk) step(begin, std::min(kChunk, n - begin));
}

/// BiCGSTAB (van der Vorst 1992, SIAM J. Sci. Stat. Comput. 13, Alg. "Bi-CGSTAB"; Saad 2003,
/// "Iterative Methods for Sparse Linear Systems", Alg. 7.7) on A x = b, preconditioned on the
/// right (A B u = b, x = B u), so that r is the residual b - A x of the iterate itself. One
/// step, with y = B p and z = B s:
///   p = r + beta (p - omega v),  v = A y,  alpha = rho / (r0 . v),  s = r - alpha v,
///   t = A z,  omega = (t . s) / (t . t),  x += alpha y + omega z,  r = s - omega t,
///   rho' = r0 . r,  beta' = (rho' / rho) (alpha / omega).
/// Continues from the x given. Stops when the recurrence residual satisfies
///   |r|_2 <= tolerance (norm_A |x|_inf + |b|_inf),
/// which bounds the normwise backward error |r|_inf / (norm_A |x|_inf + |b|_inf) by tolerance
/// as long as the recurrence follows the true residual (the caller certifies that), or after
/// max_iterations. `multiply(y, out)` sets out = A y; `precondition(y, out)` sets out = B y.
/// A breakdown (r0 . r = 0) restarts from the current iterate. Returns the iterations taken.
///
/// Memory: seven vectors besides b. s is kept in r's storage (r is not needed once s is
/// formed), z in y's (x takes its alpha y as soon as alpha is known), and the updates and sums
/// between two products are fused into one pass over the vectors (for_each_chunk).
template <class Multiply, class Precondition>
long bicgstab(const Multiply& multiply, const Precondition& precondition, const Eigen::VectorXd& b,
              Eigen::VectorXd& x, double norm_A, double tolerance, long max_iterations) {
  using Eigen::VectorXd;
  const Eigen::Index n = b.size();
  const double b_max = n ? b.cwiseAbs().maxCoeff() : 0.0;
  // False on NaN; an iterate gone NaN stops the loop through the checks on alpha and omega.
  const auto converged = [&](double r_norm, double x_max) { return r_norm <= tolerance * (norm_A * x_max + b_max); };
  VectorXd r(n), r0(n), p(n), v(n), t(n), y(n);
  multiply(x, t);
  r = b - t;
  double r_norm = r.norm();
  if (n == 0 || converged(r_norm, x.cwiseAbs().maxCoeff())) return 0;
  double rho = 1.0, alpha = 1.0, omega = 1.0, rho_next = 0.0, r0_norm = 0.0;
  // A new shadow residual r0 = r and search directions from zero, from the current iterate.
  const auto restart = [&] {
    r0 = r, rho = alpha = omega = 1.0, p.setZero(), v.setZero();
    r0_norm = r_norm, rho_next = r_norm * r_norm;
  };
  restart();
  // x += c d and r -= c A d (A d given), in one pass; returns |r|_2^2, |x|_inf and, when
  // asked, r0 . r of the new r.
  struct Moved {
    double r_squared = 0.0, x_max = 0.0, r0_dot_r = 0.0;
  };
  const auto move = [&](double c, const VectorXd& d, const VectorXd& Ad, bool with_r0) {
    Moved out;
    for_each_chunk(n, [&](Eigen::Index i, Eigen::Index m) {
      auto xi = x.segment(i, m), ri = r.segment(i, m);
      xi += c * d.segment(i, m);
      ri -= c * Ad.segment(i, m);
      out.r_squared += ri.squaredNorm();
      out.x_max = std::max(out.x_max, xi.cwiseAbs().maxCoeff());
      if (with_r0) out.r0_dot_r += r0.segment(i, m).dot(ri);
    });
    return out;
  };
  for (long k = 1; k <= max_iterations; ++k) {
    if (!(std::abs(rho_next) > 1e-30 * r0_norm * r_norm)) {  // breakdown
      restart();
      continue;
    }
    const double beta = (rho_next / rho) * (alpha / omega);
    rho = rho_next;
    p = r + beta * (p - omega * v);  // one pass already
    precondition(p, y);
    multiply(y, v);
    alpha = rho / r0.dot(v);
    // x += alpha y; s = r - alpha v, kept in r.
    const Moved to_s = move(alpha, y, v, false);
    VectorXd& s = r;
    r_norm = std::sqrt(to_s.r_squared);
    if (converged(r_norm, to_s.x_max)) return k;
    VectorXd& z = y;
    precondition(s, z);
    multiply(z, t);
    double tt = 0.0, ts = 0.0;
    for_each_chunk(n, [&](Eigen::Index i, Eigen::Index m) {
      tt += t.segment(i, m).squaredNorm();
      ts += t.segment(i, m).dot(s.segment(i, m));
    });
    omega = tt > 0.0 ? ts / tt : 0.0;
    // x += omega z; r = s - omega t; and rho' = r0 . r for the next step.
    const Moved to_r = move(omega, z, t, true);
    rho_next = to_r.r0_dot_r;
    r_norm = std::sqrt(to_r.r_squared);
    if (converged(r_norm, to_r.x_max) || !std::isfinite(omega) || !std::isfinite(alpha)) return k;
    if (omega == 0.0) restart();
  }
  return max_iterations;
}

}  // namespace pgtruth::detail
