#pragma once
/// \file
/// The discrete Lyapunov (Stein) equations
///
///     Aᵀ X A − X + Q = 0        (solve)               e.g. LQG value:  P = Q_K + Ãᵀ P Ã
///     A X Aᵀ − X + Q = 0        (solve_transposed)    e.g. state moment: X = E₀ + Ã X Ãᵀ
///
/// for symmetric Q. A unique solution exists iff no two eigenvalues of A multiply to 1; when
/// the spectral radius of A is below 1 it is X = Σ_t (Aᵀ)ᵗ Q Aᵗ, positive semi-definite for
/// Q ⪰ 0. Method: real Schur factorisation A = U S Uᵀ (LAPACK DGEES), computed once in the
/// constructor, then the Bartels-Stewart / Barraud back substitution on S with its 1×1 and
/// 2×2 (complex pair) blocks (SLICOT SB03MD with FACT = 'F'). Cost: O(n³) for the
/// factorisation, O(n³) per solve; backward stable.
///
/// References: Bartels & Stewart (1972), Comm. ACM 15:820-826; Barraud (1977), IEEE TAC
/// 22:883-885; SLICOT SB03MD (Sima 1997).

#include <Eigen/Core>
#include <complex>

namespace pgtruth {

class DiscreteLyapunovSolver {
 public:
  /// Factorises A (n × n). Throws IllPosedError if the Schur factorisation fails.
  explicit DiscreteLyapunovSolver(const Eigen::MatrixXd& A);

  /// X with Aᵀ X A − X + Q = 0. Throws IllPosedError when A has (almost) reciprocal eigenvalues.
  /// Then `refinements` steps of iterative refinement in working precision (Higham 2002,
  /// "Accuracy and Stability of Numerical Algorithms", ch. 12; ch. 16 on why Bartels-Stewart
  /// solutions can gain from it): R = Q + Aᵀ X A − X, X ← X + solve(R). A step costs the
  /// residual's two products and a solve with the Schur form at hand (about half a first
  /// solve); on random stable systems of n = 50 to 1000 one step lowers the relative residual,
  /// measured in extended precision, 18 to 30 times (to 0.01 to 0.07 unit roundoff).
  Eigen::MatrixXd solve(const Eigen::MatrixXd& Q, int refinements = 0) const;
  /// X with A X Aᵀ − X + Q = 0, refined likewise.
  Eigen::MatrixXd solve_transposed(const Eigen::MatrixXd& Q, int refinements = 0) const;

  /// Eigenvalues of A, from its Schur form.
  const Eigen::VectorXcd& eigenvalues() const { return eigenvalues_; }
  /// max |λ(A)|.
  double spectral_radius() const;

  /// |Aᵀ X A − X + Q|_F / (|A|_F² |X|_F + |Q|_F), the relative residual of solve().
  double residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const;
  /// The same for solve_transposed().
  double residual_transposed(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q) const;

 private:
  // trana = 'N' for Aᵀ X A − X + Q = 0, 'T' for A X Aᵀ − X + Q = 0.
  Eigen::MatrixXd solve_with(const Eigen::MatrixXd& Q, char trana) const;
  Eigen::MatrixXd solve_refined(const Eigen::MatrixXd& Q, char trana, int refinements) const;
  Eigen::MatrixXd residual_matrix(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q, char trana) const;
  double relative_residual(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Q, char trana) const;
  Eigen::MatrixXd A_;      // the matrix itself, for residuals
  Eigen::MatrixXd schur_;  // S in A = U S Uᵀ
  Eigen::MatrixXd U_;
  Eigen::VectorXcd eigenvalues_;
};

}  // namespace pgtruth
