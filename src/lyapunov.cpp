#include "pgtruth/lyapunov.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "fortran.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

DiscreteLyapunovSolver::DiscreteLyapunovSolver(const Eigen::MatrixXd& A) : A_(A), schur_(A), U_(A.rows(), A.rows()) {
  const int n = static_cast<int>(A.rows());
  eigenvalues_.resize(n);
  if (n == 0) return;
  std::vector<double> wr(n), wi(n);
  int sdim = 0, info = 0, lwork = -1;
  double query = 0;
  dgees_("V", "N", nullptr, &n, schur_.data(), &n, &sdim, wr.data(), wi.data(), U_.data(), &n, &query, &lwork,
         nullptr, &info, 1, 1);
  lwork = std::max(static_cast<int>(query), 3 * n);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgees_("V", "N", nullptr, &n, schur_.data(), &n, &sdim, wr.data(), wi.data(), U_.data(), &n, work.data(), &lwork,
         nullptr, &info, 1, 1);
  if (info != 0)
    throw IllPosedError("", "the real Schur factorisation (LAPACK DGEES) failed to converge (info " +
                                std::to_string(info) + ")");
  for (int i = 0; i < n; ++i) eigenvalues_(i) = {wr[static_cast<std::size_t>(i)], wi[static_cast<std::size_t>(i)]};
}

double DiscreteLyapunovSolver::spectral_radius() const {
  return eigenvalues_.size() ? eigenvalues_.cwiseAbs().maxCoeff() : 0.0;
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_with(const Eigen::MatrixXd& Q, char trana) const {
  const int n = static_cast<int>(A_.rows());
  if (n == 0) return Eigen::MatrixXd(0, 0);
  // SB03MD solves op(A)' X op(A) - X = scale C; with C = -Q that is our equation.
  Eigen::MatrixXd X = -Q;
  Eigen::MatrixXd S = schur_, U = U_;  // SB03MD does not modify them with FACT = 'F', but takes non-const
  double scale = 1.0, sep = 0.0, ferr = 0.0;
  std::vector<double> wr(n), wi(n);
  const int ldwork = std::max(n * n, 2 * n) + 8;
  std::vector<double> dwork(static_cast<std::size_t>(ldwork));
  int iwork = 0, info = 0;
  const char tr[2] = {trana, 0};
  sb03md_("D", "X", "F", tr, &n, S.data(), &n, U.data(), &n, X.data(), &n, &scale, &sep, &ferr, wr.data(),
          wi.data(), &iwork, dwork.data(), &ldwork, &info, 1, 1, 1, 1);
  if (info == n + 1)
    throw IllPosedError("", "the Lyapunov equation is singular: the closed-loop matrix has (almost) reciprocal "
                            "eigenvalues (lambda_i lambda_j = 1)");
  if (info != 0) throw IllPosedError("", "the Lyapunov solver (SLICOT SB03MD) failed (info " + std::to_string(info) + ")");
  X /= scale;
  return (X + X.transpose()) / 2.0;  // exact symmetry (SB03MD returns it up to rounding)
}

Eigen::MatrixXd DiscreteLyapunovSolver::residual_matrix(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q,
                                                        char trana) const {
  return trana == 'N' ? Eigen::MatrixXd(A_.transpose() * X * A_ - X + Q) : Eigen::MatrixXd(A_ * X * A_.transpose() - X + Q);
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_refined(const Eigen::MatrixXd& Q, char trana, int refinements) const {
  Eigen::MatrixXd X = solve_with(Q, trana);
  for (int k = 0; k < refinements; ++k) X += solve_with(residual_matrix(X, Q, trana), trana);
  return X;
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve(const Eigen::MatrixXd& Q, int refinements) const {
  return solve_refined(Q, 'N', refinements);
}

Eigen::MatrixXd DiscreteLyapunovSolver::solve_transposed(const Eigen::MatrixXd& Q, int refinements) const {
  return solve_refined(Q, 'T', refinements);
}

double DiscreteLyapunovSolver::relative_residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q, char trana) const {
  const double scale = A_.squaredNorm() * X.norm() + Q.norm();
  const double r = residual_matrix(X, Q, trana).norm();
  return scale > 0 ? r / scale : r;
}

double DiscreteLyapunovSolver::residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const {
  return relative_residual(X, Q, 'N');
}

double DiscreteLyapunovSolver::residual_transposed(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const {
  return relative_residual(X, Q, 'T');
}

}  // namespace pgtruth
