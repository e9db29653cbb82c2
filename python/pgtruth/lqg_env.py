"""An environment over an LQG problem, with Gymnasium's reset/step contract (no dependency on
gymnasium): the problem's exact linear dynamics, Gaussian noises and quadratic cost (spec §2)."""
import numpy as np

from . import _pgtruth
from .env import _Episodes


def _factor(covariance):
    """L with L L^T = covariance, for a positive semidefinite covariance (a singular one too)."""
    c = np.asarray(covariance, dtype=np.float64)
    if c.size == 0:
        return c
    w, V = np.linalg.eigh((c + c.T) / 2)
    return V * np.sqrt(np.clip(w, 0.0, None))


class LqgEnv(_Episodes):
    """Episodes of a :class:`pgtruth.LqgProblem`. Observations are states x, (n,) float64;
    actions are controls u, (m,) float64 (anything of m reals).

    A step from x with control u moves to x' = A x + B u + w, w ~ N(0, W), and costs
    l(x, u) = x'Qx + u'Ru + 2 x'Nu. The reward is -l (Gymnasium's rewards are maximised,
    pgtruth's LQG J is a cost and minimised); ``info["cost"]`` is l. An estimator of pgtruth's
    gradient dJ/dK therefore uses the costs, or negates what it computes from the rewards.

    The policy is the caller's. With the problem's policy, u = -K x + d, d ~ N(0, Sigma) in the
    stochastic formulation. In the deterministic formulation the policy is u = -K x and the
    environment adds d ~ N(0, Sigma) to u in the dynamics (not in the cost), as spec §2 says.

    Discounting as in :class:`pgtruth.FiniteEnv`: with ``gamma_stops=False`` episodes end only
    by truncation after ``max_episode_steps`` and J = E[sum_t gamma^t l_t]; with
    ``gamma_stops=True`` each step also ends the episode with probability 1 - gamma
    (``terminated``, ``info["stopped"] = True``) and J = E[sum_t l_t], undiscounted.

    reset(seed=None, options=None) -> (x, info), x ~ N(x0 mean, x0 cov); options={"state": x}.
    step(u) -> (x', reward, terminated, truncated, info)."""

    def __init__(self, problem, *, gamma_stops=False, max_episode_steps=None):
        if not gamma_stops and max_episode_steps is None:
            raise _pgtruth.InputError("LqgEnv: an LQG episode never terminates; give gamma_stops=True "
                                      "or max_episode_steps")
        if gamma_stops and problem.gamma >= 1.0:
            raise _pgtruth.InputError("LqgEnv: gamma_stops needs gamma < 1")
        self.problem = problem
        self.gamma_stops = bool(gamma_stops)
        self.max_episode_steps = max_episode_steps
        self.gamma = problem.gamma
        m = problem.matrices
        self._A, self._B, self._Q, self._R, self._N = m["A"], m["B"], m["Q"], m["R"], m["N"]
        self.state_dim, self.action_dim = self._B.shape
        self._mean0, self._factor0 = m["x0_mean"], _factor(m["x0_cov"])
        self._factor_w = _factor(m["W"])
        self._factor_d = _factor(m["Sigma"]) if problem.formulation == "deterministic" else None
        self._rng = np.random.default_rng()
        self._x = None
        self._steps = 0

    def _gaussian(self, factor):
        return factor @ self._rng.standard_normal(factor.shape[1])

    def reset(self, *, seed=None, options=None):
        self._reseed(seed)
        if options and "state" in options:
            x = np.array(options["state"], dtype=np.float64).reshape(-1)
            if x.shape != (self.state_dim,) or not np.all(np.isfinite(x)):
                raise _pgtruth.InputError(f"options['state']: expected {self.state_dim} finite numbers")
        else:
            x = self._mean0 + self._gaussian(self._factor0)
        self._x, self._steps = x, 0
        return x.copy(), {}

    def step(self, action):
        x = self._x
        if x is None:
            raise RuntimeError("step() before reset(), or after the episode ended: call reset()")
        u = np.asarray(action, dtype=np.float64).reshape(-1)
        if u.shape != (self.action_dim,) or not np.all(np.isfinite(u)):
            raise _pgtruth.InputError(f"action: expected {self.action_dim} finite numbers, found {action!r}")
        cost = float(x @ self._Q @ x + u @ self._R @ u + 2.0 * (x @ self._N @ u))
        applied = u if self._factor_d is None else u + self._gaussian(self._factor_d)
        x_next = self._A @ x + self._B @ applied + self._gaussian(self._factor_w)
        terminated, truncated, info = self._end_of_step(False)
        info["cost"] = cost
        self._x = None if terminated or truncated else x_next
        return x_next.copy(), -cost, terminated, truncated, info
