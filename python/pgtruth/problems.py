"""Problems: from a file, a dict in the problem-file format, or arrays; solved at any parameters."""
import json
import os

import numpy as np

from . import _pgtruth


class Solution(dict):
    """Every exact quantity of a solve, under the keys of ``pgtruth solve --json`` (spec §1 and
    §2): a dict whose arrays are NumPy arrays, also readable as attributes (``solution.gradient``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _sampling_arguments(estimator, episodes, seed, threads, lam, max_episode_steps, vhat_scale):
    return (str(estimator), int(episodes), int(seed), int(threads), float(lam), int(max_episode_steps), float(vhat_scale))


class _Problem:
    _suffix = ""

    def sample(self, estimator, episodes, seed=1, *, threads=0, lam=0.95, max_episode_steps=10_000_000, vhat_scale=1.0):
        """Per-episode estimates of the built-in estimator ``estimator`` (a name of
        ``pgtruth.estimator_names()``), shape (episodes, num_parameters): the draws of
        ``pgtruth check --estimator`` with the same seed, the same bits for any ``threads``."""
        run = getattr(_pgtruth, "_sample_" + self._suffix)
        return run(self._h, *_sampling_arguments(estimator, episodes, seed, threads, lam, max_episode_steps, vhat_scale))

    def check_estimator(self, estimator, episodes=20000, seed=1, *, alpha=0.01, threads=0, lam=0.95,
                        max_episode_steps=10_000_000, vhat_scale=1.0):
        """Runs a built-in estimator and judges it: the report of ``pgtruth check --estimator``."""
        from .check import CheckReport
        run = getattr(_pgtruth, "_check_" + self._suffix)
        args = _sampling_arguments(estimator, episodes, seed, threads, lam, max_episode_steps, vhat_scale)
        return CheckReport(run(self._h, args[0], args[1], args[2], float(alpha), *args[3:]))


class FiniteProblem(_Problem):
    """A finite MDP with a softmax (tabular or linear) or direct policy (spec §1).

    Build one with :func:`load`, :func:`from_dict` or :func:`finite_problem`. It is immutable:
    :meth:`solve`, :meth:`probabilities` and :meth:`score` take ``theta`` per call, so that a
    gradient-ascent loop costs one solve per step and no rebuilding of the MDP."""

    _suffix = "finite"

    def __init__(self, handle):
        self._h = handle

    name = property(lambda self: self._h.name)
    num_states = property(lambda self: self._h.num_states)
    num_actions = property(lambda self: self._h.num_actions)
    num_parameters = property(lambda self: self._h.num_parameters, doc="dim theta")
    states = property(lambda self: self._h.states)
    actions = property(lambda self: self._h.actions)
    gamma = property(lambda self: self._h.gamma)
    start = property(lambda self: self._h.start, doc="the initial distribution, shape (S,)")
    terminal = property(lambda self: self._h.terminal, doc="terminal states, boolean shape (S,)")
    policy_kind = property(lambda self: self._h.policy_kind, doc='"softmax-tabular", "softmax-linear" or "direct"')
    theta = property(lambda self: self._h.theta, doc="the problem's own theta: (S A,) or (d,); direct: (rows, A)")
    features = property(lambda self: self._h.features, doc="linear features phi(s, a), shape (S, A, d), or None")

    def solve(self, theta=None, *, fisher=True, solver="auto"):
        """Every exact quantity at ``theta`` (default: the problem's), as a :class:`Solution`."""
        return Solution(self._h.solve(theta, fisher, solver))

    def probabilities(self, theta=None):
        """pi(a|s), shape (S, A); rows of terminal states are 0."""
        return self._h.probabilities(theta)

    def score(self, state, action, theta=None):
        """grad_theta log pi(action|state) of a softmax policy, shape (num_parameters,)."""
        return self._h.score(state, action, theta)

    def with_theta(self, theta):
        """The same problem at another theta (for :meth:`sample` and :meth:`check_estimator`)."""
        return FiniteProblem(self._h.with_theta(theta))

    def expected_reward(self):
        """r(s, a) = sum_s' P(s'|s, a) reward(s, a, s'), shape (S, A)."""
        return self._h.expected_reward()

    def outcomes(self):
        """The transitions as compressed rows s * A + a: a dict of ``row_begin`` (S A + 1,),
        ``next``, ``probability`` and ``reward`` (one entry per outcome)."""
        return self._h.outcomes()

    def __repr__(self):
        return (f"<pgtruth.FiniteProblem {self.name!r}: {self.num_states} states, {self.num_actions} actions, "
                f"gamma = {self.gamma}, {self.policy_kind} policy, {self.num_parameters} parameters>")


class LqgProblem(_Problem):
    """A linear-quadratic-Gaussian problem with policy u = -K x + d, d ~ N(0, Sigma) (spec §2).
    Costs are minimised; theta = K flattened row by row."""

    _suffix = "lqg"

    def __init__(self, handle, document=None):
        self._h = handle
        self._document = document
        self._matrices_cache = self._sigma_inverse_cache = None

    name = property(lambda self: self._h.name)
    gamma = property(lambda self: self._h.gamma)
    formulation = property(lambda self: self._h.formulation)
    matrices = property(lambda self: self._h.matrices, doc="A, B, Q, R, N, W, x0_mean, x0_cov, K, Sigma")
    num_parameters = property(lambda self: self._h.matrices["K"].size)

    def to_dict(self):
        """The problem as a dict in the problem-file format."""
        if self._document is not None:
            return json.loads(json.dumps(self._document))
        m = self.matrices
        return {"problem": "lqg", "name": self.name, "gamma": self.gamma, "formulation": self.formulation,
                "A": m["A"].tolist(), "B": m["B"].tolist(), "Q": m["Q"].tolist(), "R": m["R"].tolist(),
                "N": m["N"].tolist(), "W": m["W"].tolist(),
                "x0": {"mean": m["x0_mean"].tolist(), "cov": m["x0_cov"].tolist()},
                "policy": {"K": m["K"].tolist(), "Sigma": m["Sigma"].tolist()}}

    def with_policy(self, K=None, Sigma=None):
        """The same problem with another K (m x n) and/or Sigma (m x m), checked as a file's."""
        d = self.to_dict()
        if K is not None:
            d["policy"]["K"] = _matrix(K, "K")
        if Sigma is not None:
            d["policy"]["Sigma"] = _matrix(Sigma, "Sigma")
        return from_dict(d, source="with_policy()")

    def policy_mean(self, x, K=None):
        """mu(x) = -K x, (m,) float64: the mean of the policy's control at state x (n,)."""
        K = self._own("K") if K is None else _matrix_array(K, "K", self._own("K").shape)
        return -K @ _vector(x, "x", K.shape[1])

    def score(self, x, u, K=None):
        """grad_K log pi(u | x) = -Sigma^-1 (u + K x) x^T, (m, n) float64 like K (theta = K row by
        row): the score of u ~ N(-K x, Sigma). Needs Sigma positive definite."""
        K = self._own("K") if K is None else _matrix_array(K, "K", self._own("K").shape)
        x, u = _vector(x, "x", K.shape[1]), _vector(u, "u", K.shape[0])
        return -np.outer(self._sigma_inverse() @ (u + K @ x), x)

    def _own(self, key):
        """The problem's matrix `key`, read once (the public `matrices` returns fresh copies)."""
        if self._matrices_cache is None:
            self._matrices_cache = self.matrices
        return self._matrices_cache[key]

    def _sigma_inverse(self):
        """Sigma^-1 through its Cholesky factor (computed once), or InputError."""
        if self._sigma_inverse_cache is None:
            try:
                L_inv = np.linalg.inv(np.linalg.cholesky(self._own("Sigma")))
            except np.linalg.LinAlgError:
                raise _pgtruth.InputError("/policy/Sigma: the score needs Sigma positive definite") from None
            self._sigma_inverse_cache = L_inv.T @ L_inv
        return self._sigma_inverse_cache

    def solve(self, K=None, Sigma=None, *, optimal=True, fisher=True):
        """Every exact quantity (spec §2) at K and Sigma (default: the problem's), as a :class:`Solution`."""
        problem = self if K is None and Sigma is None else self.with_policy(K, Sigma)
        return Solution(problem._h.solve(optimal, fisher))

    def __repr__(self):
        m = self.matrices
        return (f"<pgtruth.LqgProblem {self.name!r}: n = {m['A'].shape[0]}, m = {m['B'].shape[1]}, "
                f"gamma = {self.gamma}, {self.formulation}>")


def _wrap(handle, document=None):
    if isinstance(handle, _pgtruth._FiniteProblem):
        return FiniteProblem(handle)
    return LqgProblem(handle, document)


def load(path):
    """Reads a problem file (docs/file-format.md): a FiniteProblem or an LqgProblem."""
    return _wrap(_pgtruth.load(os.fspath(path)))


def from_dict(document, source="dict"):
    """A problem from a dict in the problem-file format; errors name ``source`` and the JSON pointer."""
    try:
        text = json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise _pgtruth.InputError(f"{source}: not a JSON document: {e}") from None
    return _wrap(_pgtruth.parse(text, source), document if document.get("problem") == "lqg" else None)


def _matrix(value, name):
    """A real 2-D array as nested lists for a problem document, refusing what JSON cannot hold."""
    try:
        a = np.asarray(value)
    except Exception as e:  # noqa: BLE001 - any conversion failure is the user's input
        raise _pgtruth.InputError(f"{name}: expected an array of real numbers ({e})") from None
    if a.dtype.kind not in "biuf":
        raise _pgtruth.InputError(f"{name}: expected an array of real numbers, found dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise _pgtruth.InputError(f"{name}: entry {list(bad)} is {a[bad]}, expected a finite number")
    return a.tolist()


def _matrix_array(value, name, shape):
    """A finite float64 array of the given shape, or InputError naming it."""
    a = np.array(_matrix(value, name), dtype=np.float64)
    if a.shape != shape:
        raise _pgtruth.InputError(f"{name}: expected shape {shape}, found {a.shape}")
    return a


def _vector(value, name, size):
    """A finite float64 vector of `size` entries, or InputError naming it."""
    try:
        a = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as e:
        raise _pgtruth.InputError(f"{name}: expected {size} real numbers ({e})") from None
    if a.shape != (size,) or not np.all(np.isfinite(a)):
        raise _pgtruth.InputError(f"{name}: expected {size} finite numbers, found {np.shape(value)} {value!r}")
    return a


def _csr(P, S, A):
    """The compressed rows of a scipy.sparse matrix (S A, S), indices sorted, duplicates summed."""
    if P.shape != (S * A, S):
        raise _pgtruth.InputError(f"P: expected a sparse matrix of shape (S A, S) = ({S * A}, {S}), found {P.shape}")
    m = P.tocsr(copy=True)
    m.sum_duplicates()
    m.sort_indices()
    return (m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data)


def finite_problem(P, R, start, gamma, *, terminal=None, policy="softmax", features=None, theta=None,
                   states=None, actions=None, name=""):
    """A finite MDP from arrays (spec §1, the dense form of P and R).

    P: transition probabilities, a dense array (S, A, S), P[s, a, s'], or a scipy.sparse matrix
       (S A, S) whose row s A + a is P(.|s, a); R: the expected reward r(s, a), shape (S, A);
    start: (S,); gamma in (0, 1]; terminal: state indices or a boolean mask (S,) (their rows of
    P and R are not read); policy "softmax" (tabular, or linear with ``features`` (S, A, d)) or
    "direct" (``theta`` the table pi(a|s) over the non-terminal states, (rows, A)).
    Raises pgtruth.InputError naming the argument and entry at fault."""
    csr = None
    if P is not None and hasattr(P, "tocsr"):
        R_shape = np.shape(R)
        if len(R_shape) != 2:
            raise _pgtruth.InputError(f"R: expected 2 dimensions (S, A), found {len(R_shape)}")
        csr, P = _csr(P, *R_shape), None
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating, np.integer)):
        raise _pgtruth.InputError(f"gamma: expected a number, found {type(gamma).__name__}")
    gamma = float(gamma)
    return FiniteProblem(_pgtruth._finite_problem(
        P, csr, R, start, terminal, gamma, repr(gamma), str(policy), features, theta,
        [str(s) for s in states] if states is not None else [], [str(a) for a in actions] if actions is not None else [],
        str(name)))


def lqg_problem(A, B, Q, R, *, K, Sigma, x0_mean, x0_cov, gamma, N=None, W=None, formulation="stochastic", name=""):
    """An LQG problem from arrays (spec §2): x' = A x + B u + w, u = -K x + d, d ~ N(0, Sigma),
    w ~ N(0, W), x0 ~ N(x0_mean, x0_cov), cost x'Qx + u'Ru + 2 x'N u. Built as the problem
    document and read by the file reader, so every check and message is the file's (the
    message names the JSON pointer, such as /Q)."""
    document = {"problem": "lqg", "name": str(name), "gamma": gamma, "formulation": formulation,
                "A": _matrix(A, "A"), "B": _matrix(B, "B"), "Q": _matrix(Q, "Q"), "R": _matrix(R, "R"),
                "x0": {"mean": np.ravel(_matrix(x0_mean, "x0_mean")).tolist(), "cov": _matrix(x0_cov, "x0_cov")},
                "policy": {"K": _matrix(K, "K"), "Sigma": _matrix(Sigma, "Sigma")}}
    if N is not None:
        document["N"] = _matrix(N, "N")
    if W is not None:
        document["W"] = _matrix(W, "W")
    return from_dict(document, source="lqg_problem()")
