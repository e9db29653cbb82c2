#pragma once
/// \file
/// The discounted discrete algebraic Riccati equation with a cross term,
///
///     P = Q + γ AᵀPA − (N + γ AᵀPB)(R + γ BᵀPB)⁻¹(Nᵀ + γ BᵀPA),
///     K = (R + γ BᵀPB)⁻¹(Nᵀ + γ BᵀPA),
///
/// whose stabilising solution gives the best linear policy u = −K x of the discounted LQ
/// problem with stage cost xᵀQx + uᵀRu + 2xᵀNu (Bertsekas 2017, Dynamic Programming and
/// Optimal Control I, §3.1; the discount enters as Ã = √γ A, B̃ = √γ B). Method: the
/// deflating subspace of the extended symplectic pencil (Van Dooren 1981), SLICOT SB02OD.
/// Requires R ≻ 0, [[Q, N], [Nᵀ, R]] ⪰ 0, (√γ A, B) stabilisable and detectable; otherwise
/// throws IllPosedError. Cost O(n³).

#include <Eigen/Core>

namespace pgtruth {

struct RiccatiSolution {
  Eigen::MatrixXd P;
  Eigen::MatrixXd K;
  double residual = 0;   ///< |right side − P|_F / |P|_F
  double rcond = 0;      ///< SB02OD's reciprocal condition estimate of the final solve
};

RiccatiSolution discounted_riccati(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                   const Eigen::MatrixXd& R, const Eigen::MatrixXd& N, double gamma);

/// The right side of the equation above at P, for residuals and tests.
Eigen::MatrixXd riccati_right_side(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q,
                                   const Eigen::MatrixXd& R, const Eigen::MatrixXd& N, double gamma,
                                   const Eigen::MatrixXd& P);

}  // namespace pgtruth
