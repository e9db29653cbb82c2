#pragma once
// Internal: bounds on the absolute error of each printed quantity of a finite solve (issue 20),
// from the certified errors of v and eta (solver.cpp) plus the rounding of the operations that
// form the quantity. Each bound is an upper bound, evaluated in double and raised by 2^-20
// relative to cover the rounding of its own evaluation. They cover the solve, the forming, and
// (through formation_error_bound) the rounding of the system formed from the problem's data in
// double (pi, r = sum P R, gamma pi P, r_pi, the rows' leaving probabilities): docs/numerics.md.
// u = eps / 2 is the unit roundoff; a double-double operation errs by at most 7u^2 relative
// (Joldes, Muller & Popescu 2017), charged here as 2 eps^2 = 8u^2.
#include <Eigen/Core>

#include "finite/bellman_matrix.hpp"
#include "pgtruth/finite/fisher.hpp"
#include "pgtruth/finite/mdp.hpp"
#include "pgtruth/finite/policy.hpp"

namespace pgtruth::detail {

/// x raised by 2^-20 relative: a sum of up to 10^9 nonnegative terms rounds down by less.
double rounded_up(double x);

/// The most outcomes of one (state, action) row: the terms of one row's sums.
Index max_outcomes(const FiniteMdp& mdp);

/// What the action values were formed from and in, for the bounds of q and A.
struct ActionValueInputs {
  double value_bound = 0;   ///< |v - v*|_inf of the v the action values were formed from
  double gamma = 0;
  double reward_size = 0;   ///< max |r(s,a)|
  double value_size = 0;    ///< max |v|
  Index outcomes = 0;       ///< max_outcomes()
  bool in_double_double = false;
  /// The relative error charged per operation: 2 eps^2 (double-double) or eps (double).
  double unit() const;
};

/// The errors of v and eta caused by forming the Bellman system in double from the problem's
/// data (pi from theta, the entries gamma pi P summed over actions, the row sums, r_pi), which
/// the refinement, solving the formed system, cannot see. M is a row diagonally dominant
/// M-matrix determined by its off-diagonal entries and row sums; when each of those has relative
/// error at most e, every entry of M^-1 has relative error at most
/// rho = (1 + e')^(n-1) / (1 - e')^n - 1, e' = e / (1 - e) (Alfa, Xue & Ye 2002: det M and its
/// cofactors are polynomials of degree n and n - 1 with nonnegative coefficients in those
/// parameters), whatever M's condition. Hence, entrywise,
///   |v - v*| <= rho M^-1 |r_pi| + (1 + rho) M^-1 |dr|,   |eta - eta*| <= rho eta (start >= 0),
/// bounded in the max norm with |M^-1|_inf and in the 1-norm by rho |eta|_1. In the units of
/// system.r (scaled rewards).
struct FormationErrors {
  double value = 0;      ///< |v - v*|_inf
  double occupancy = 0;  ///< |eta - eta*|_1
  double relative = 0;   ///< rho
  double policy = 0;     ///< the largest relative error of a pi(a|s)
};
FormationErrors formation_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                                      const Unknowns& u, const BellmanSystem& system, double reward_scale,
                                      const Eigen::VectorXd& eta, double inverse_norm);

/// The relative error of a pi(a|s) computed in double against pi from theta exactly: a softmax's
/// exp, sum and division, (2A + 8) u; linear features (d of them) add the logits' rounding,
/// doubled by the normalisation, 2 (d + 2) u logit_size with logit_size = max_a sum_i |phi_ai
/// theta_i|; a direct policy is data (0).
double policy_relative_error(PolicyKind kind, Index actions, Index features, double logit_size);

/// One state's share of formation_error_bound: the largest relative error of its entries of M
/// (gamma pi P summed over actions, and its row sum), and the absolute error of its r_pi, from
/// pi's relative error, its longest (s, a) row and reward_size = sum_a pi sum_o P |R|.
struct FormationRow {
  double parameter_error = 0, reward_error = 0;
};
FormationRow formation_row_errors(double pi_error, Index actions, Index outcomes, double reward_size);

/// From the rows' largest errors (the maxima of FormationRow's and of pi's relative error) over
/// n unknowns: rho and the errors of v and eta above, with r_pi_size = max |r_pi| and
/// eta_abs_sum = |eta|_1 (the engines that gather their rows otherwise share this).
FormationErrors formation_errors(const FormationRow& largest, double policy_error, Index n, double r_pi_size,
                                 double eta_abs_sum, double inverse_norm);

/// |q - q*|_inf for q(s,a) = r + gamma [(1 - leave) v(s) + sum_{s' != s} P (v(s') - v(s))]
/// (action_values.hpp). Linear in v with coefficients gamma P over the staying states, whose
/// sum is gamma (1 - leave) <= gamma as the row sums to one (self-loop taken as one minus the
/// rest): gamma (1 + (k+2) eps) dv; plus (k + 4) unit (max|r| + 3 max|v|) for the k-term sum,
/// and u max|q| for the rounding to double.
double action_value_error_bound(const ActionValueInputs& in, double q_size);

/// |A - A*|_inf. Softmax (`normalised`): D(a) = q(s,a) - q(s,a*) is linear in v with
/// coefficients gamma (P_a - P_a*), |P_a - P_a*|_1 <= 2 as both rows sum to one, so
/// |dD| <= 2 gamma (1 + (k+2) eps) dv, and dD(a*) = 0 exactly; A(a) = D(a) - sum_b pi_b D(b)
/// then errs by |dD| (1 + max_s (1 - pi(a*|s))). Rounding: D's (k + 6) unit (2 max|r| + 5 max|v|)
/// twice, the mean's (A + 2) unit 4 (max|r| + max|v|), and u max|A|. Direct policy, A = q - v(s):
/// coefficients of total weight 1 + gamma, and (k + 5) unit (max|r| + 4 max|v|) + u max|A|.
double advantage_error_bound(const ActionValueInputs& in, bool normalised, double most_others, Index actions,
                             double advantage_size);

/// |J - J*| for J = sum_k start(k) v(k) in double-double, rounded: sum|start| dv, the sum's
/// (n + 4) 2 eps^2 sum|start v|, and u |J|.
double objective_error_bound(double start_sum, double value_bound, Index terms, double start_value_sum, double J);

/// |L - L*| for the expected length L = sum_k eta(k) in double-double, rounded: the refined
/// eta's l1 error eta_bound, the sum's (n + 4) 2 eps^2 sum|eta|, and u L.
double expected_length_error_bound(double eta_bound, Index terms, double eta_abs_sum, double length);

/// |d - d*|_1 for d = eta / L: |eta/L - eta*/L*|_1 <= (|eta - eta*|_1 + |L - L*|) / L (as
/// |eta*|_1 = L*), plus u sum|d| for the divisions. 0 when L = 0 (d = 0 = d*).
double visitation_error_bound(double occupancy_error, double length_error, double length, double visitation_sum);

/// |F - F*|_2, hence also every entry's error, for F = sum_s d(s) sum_a pi psi psi^T formed by
/// fisher() (pi and the features taken as exact data):
///   tabular: block s is d(s) B_s with B = diag(pi_a (1 - pi_a)) - pi pi^T, |B|_2 <= |B|_inf =
///     2 max_a pi_a (1 - pi_a); each block errs by (|dd(s)| + (A + 3) eps d(s)) 2 max_a pi_a (1 - pi_a),
///     |dd(s)| <= visitation_error, and |F|_2 is the largest block's;
///   linear: with c_a the centred features and h_a = |phi_a - phi_a*| + sum_b pi_b |phi_b - phi_a*|
///     (>= |c_a| entrywise, and >= c_a's rounding / ((A + 2) u)), visitation_error
///     max_s sum_a pi_a |h_a|^2 + ((A + S_visited + 3) eps + 3 (A + 2) eps) sum_s d(s) sum_a pi_a
///     |h_a|^2: the sum's rounding is entrywise below gamma_N sum w |h| |h|^T, whose 2-norm is at
///     most its trace (a nonnegative PSD matrix), and the centring's rounding adds 2 |dc| |c| w.
double fisher_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                          const Eigen::VectorXd& visitation, double visitation_error);

/// The Fisher matrix's error (spectral norm) from the data's rounding (FormationErrors): d within
/// rho relative entrywise (as eta) and each pi within `policy_error` relative. Tabular: each
/// block's entries d pi_a (1 - pi_a), d pi_a pi_b move by (rho + 3 policy_error) of themselves,
/// so its 2-norm by that times 2 d max_a pi_a (1 - pi_a); linear: F = sum_s d sum_a pi (phi -
/// mean)(phi - mean)^T moves by at most (rho + 4 policy_error) sum_s d sum_a pi |phi_a|^2 (the
/// trace of the nonnegative sum bounds the 2-norm of each part).
double fisher_data_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                               const Eigen::VectorXd& visitation, double rho, double policy_error);

/// |x - x*|_inf for the tabular closed form x_s = L (A_s - mean_a A_s) at visited states:
/// |dL| max|A_s - mean| + L 2 advantage_error + (A + 3) eps L 2 max|A|.
double tabular_natural_gradient_error_bound(const FiniteMdp& mdp, const Eigen::MatrixXd& advantage,
                                            const Eigen::VectorXd& visitation, double length,
                                            double length_error, double advantage_error);

/// |x - x*|_2 (so also the max norm) for a linear softmax's x ~ F^+ g: the a posteriori form of
/// the rank-preserving perturbation bound for F^+ g (Wedin 1973; Stewart & Sun 1990, §III.3),
/// with R = range(F*) = span of the features' differences phi(s,a) - phi(s,a*) at visited states
/// (dimension r = `rank`, taken as computed):
///   |x - x*| <= |P_perp x| + (|F x - g| + |dF| |x| + |dg|_2) / (lambda_r(F) - e - |dF|),
/// since x - x* = P_perp x + (P_R x - x*) and F*(P_R x - x*) = F* x - g*. lambda_r(F) is the
/// r-th largest eigenvalue of the printed F, computed with error e <= 16 (dim + 8) eps |F|_2
/// (a backward-stable symmetric eigensolver; Golub & Van Loan 2013, §8.3), lower-bounded by
/// Weyl's inequality; |P_perp x| <= |x - D^T y| for any y, y from a least-squares fit, with
/// its rounding. |dg|_2 <= sqrt(dim) gradient_error. Throws IllPosedError when |dF| + e reaches
/// half of lambda_r(F): the rank could change under the perturbation and no bound holds.
/// Returns +infinity beyond 2e7 entries of D (too large to form; documented).
double linear_natural_gradient_error_bound(const FiniteMdp& mdp, const FinitePolicy& policy, const Eigen::MatrixXd& pi,
                                           const Eigen::VectorXd& visitation, const Eigen::MatrixXd& F,
                                           const Eigen::VectorXd& x, const Eigen::VectorXd& gradient, Index rank,
                                           double fisher_error, double gradient_error);

/// A bound on the gradient's error, |g - g*|_inf, added up state by state (the embedded and the
/// PETSc engines). With w(s,.) the contracted row (the advantages of a softmax, q of a direct
/// policy), t_s = sum_a dpi(a|s) w_a / eta(s) each state's term, and dw a bound on the error of
/// D(a) = q(s,a) - q(s,top) (softmax) or of q (contracted_value_error):
///   tabular: max_s [ occupancy_error |t_s|_inf + eta(s) 2 (1 - pi(top|s)) dw ] (an entry has one
///            state; dA(b) <= 2 dw, dA(top) <= (1 - pi(top|s)) dw as D(top) = 0, and pi_b <= 1 - pi(top|s)),
///   linear:  occupancy_error max_s |t_s|_inf + sum_s eta(s) 4 max|phi| dw,
///   direct:  occupancy_error max|w| + max_s eta(s) dw,
/// plus the contraction's rounding: tabular, per entry eta pi_b (4 eps |w_b - mean| + A eps
/// sum_a pi_a |w_a|); linear, (A + 4 + states) eps times the sum of the terms' magnitudes;
/// direct, 2 eps eta |w|. A softmax's pi(a|s), each within relative p = policy_error of pi from
/// theta exactly, moves eta pi_a (w_a - sum_b pi_b w_b) by at most eta p (1 + p) (pi_a |w_a -
/// mean| + sum_b pi_b |w_b|): 2 p eta (|t_s|_inf + sum_b pi_b |w_b|) per tabular entry, 2 p eta
/// max|phi| (sum_a pi_a |w_a - mean| + sum_b pi_b |w_b|) summed over states for linear features.
class GradientErrorBound {
 public:
  using Row = Eigen::Ref<const Eigen::RowVectorXd, 0, Eigen::InnerStride<>>;  // a matrix's row, not copied
  GradientErrorBound(PolicyKind kind, Index actions, double occupancy_error, double dw, double policy_error, double phi)
      : kind_(kind), actions_(static_cast<double>(actions)), occupancy_error_(occupancy_error), dw_(dw),
        policy_error_(policy_error), phi_(phi) {}
  /// Adds a state's share: pi(.|s), its contracted row w(s,.) and |eta(s)|.
  void add_state(const Row& pi, const Row& w, double eta);
  /// The bound over `states` unknowns. Ranks that each added their states combine `bound` and
  /// `magnitude` (sums for linear features, else `bound` by max) and `term` (max) first.
  double total(Index states) const;
  double bound = 0, term = 0, magnitude = 0;  // term: max_s |t_s|_inf (linear features)

 private:
  PolicyKind kind_;
  double actions_, occupancy_error_, dw_, policy_error_, phi_;
};

/// dw above: 6 gamma |dv| for D and 3 gamma |dv| for q (q = r + gamma ((1 - leave) v(s) + sum P
/// (v(s') - v(s)))), plus 8 eps (max|r| + 2 max|v|) when the action values were formed in double
/// (not in double-double from a refined v).
double contracted_value_error(bool softmax, double gamma, double value_error, bool formed_in_double, double reward_size,
                              double v_size);

}  // namespace pgtruth::detail
