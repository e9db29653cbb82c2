#include "pgtruth/lqg/riccati.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "linalg/fortran.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

Eigen::MatrixXd riccati_right_side(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                   const Eigen::MatrixXd& R, const Eigen::MatrixXd& N, double gamma,
                                   const Eigen::MatrixXd& P) {
  const Eigen::MatrixXd G = R + gamma * B.transpose() * P * B;
  const Eigen::MatrixXd H = N.transpose() + gamma * B.transpose() * P * A;
  return Q + gamma * A.transpose() * P * A - H.transpose() * G.ldlt().solve(H);
}

RiccatiSolution discounted_riccati(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                   const Eigen::MatrixXd& R, const Eigen::MatrixXd& N, double gamma) {
  const int n = static_cast<int>(A.rows()), m = static_cast<int>(B.cols());
  const Eigen::MatrixXd At = std::sqrt(gamma) * A, Bt = std::sqrt(gamma) * B;
  RiccatiSolution out;
  out.P.resize(n, n);
  const int two_n = 2 * n, lds = std::max(1, 2 * n + m), ldu = std::max(1, 2 * n), p = 0;
  std::vector<double> alfar(two_n), alfai(two_n), beta(two_n);
  std::vector<double> S(static_cast<std::size_t>(lds) * (2 * n + m)), T(static_cast<std::size_t>(lds) * two_n),
      U(static_cast<std::size_t>(ldu) * two_n);
  std::vector<int> iwork(static_cast<std::size_t>(std::max({1, m, two_n}))), bwork(static_cast<std::size_t>(two_n));
  // SB02OD's documented minimum is too small for large n (its own comments say so): be generous.
  const int ldwork = std::max({7 * (2 * n + 1) + 16, 16 * n, 2 * n + m, 3 * m, 64 * (2 * n + m)});
  std::vector<double> dwork(static_cast<std::size_t>(ldwork));
  const double tol = 0.0;
  int info = 0;
  const int ld_n = std::max(1, n), ld_m = std::max(1, m);
  sb02od_("D", "B", "N", "U", "N", "S", &n, &m, &p, At.data(), &ld_n, Bt.data(), &ld_n, Q.data(), &ld_n, R.data(),
          &ld_m, N.data(), &ld_n, &out.rcond, out.P.data(), &ld_n, alfar.data(), alfai.data(), beta.data(), S.data(),
          &lds, T.data(), &lds, U.data(), &ldu, &tol, iwork.data(), dwork.data(), &ldwork, bwork.data(), &info, 1, 1,
          1, 1, 1, 1);
  if (info != 0) {
    static const char* const reasons[] = {"",
                                          "the extended matrix pencil is singular",
                                          "the QZ algorithm failed",
                                          "reordering the generalized eigenvalues failed",
                                          "rounding moved eigenvalues across the unit circle",
                                          "the stable subspace does not have dimension n (is (A, B) stabilisable?)",
                                          "a singular matrix was met while forming the solution"};
    throw IllPosedError("", std::string("the discounted Riccati equation has no stabilising solution here: ") +
                                (info >= 1 && info <= 6 ? reasons[info] : "SLICOT SB02OD failed") +
                                " (SB02OD info " + std::to_string(info) + ")");
  }
  out.P = (out.P + out.P.transpose()) / 2.0;
  const Eigen::MatrixXd G = R + gamma * B.transpose() * out.P * B;
  out.K = G.ldlt().solve(N.transpose() + gamma * B.transpose() * out.P * A);
  const double scale = out.P.norm();
  const double r = (riccati_right_side(A, B, Q, R, N, gamma, out.P) - out.P).norm();
  out.residual = scale > 0 ? r / scale : r;
  return out;
}

}  // namespace pgtruth
