"""Problems built from arrays equal the same problems read from files: the same MDP, hence the
same bits in every exact quantity."""
import json

import numpy as np
import pytest
import scipy.sparse

import pgtruth
from conftest import CASES

KEYS = ("J", "v", "q", "advantage", "policy", "occupancy", "expected_length", "visitation", "gradient")


def assert_same_solution(a, b, keys=KEYS):
    for key in keys:
        assert np.array_equal(a[key], b[key], equal_nan=True), key


def dense_arrays(document):
    """P (S, A, S), R (S, A), start, terminal of a problem document's dense or list form."""
    states, actions = document["states"], document["actions"]
    S, A = (states if isinstance(states, int) else len(states)), (actions if isinstance(actions, int) else len(actions))
    names = [str(i) for i in range(S)] if isinstance(states, int) else states
    anames = [str(i) for i in range(A)] if isinstance(actions, int) else actions
    index = lambda ref, table: ref if isinstance(ref, int) else table.index(ref)
    start = np.zeros(S)
    if isinstance(document["start"], dict):
        for k, p in document["start"].items():
            start[names.index(k)] = p
    else:
        start[:] = document["start"]
    terminal = [index(t, names) for t in document.get("terminal", [])]
    if "P" in document:
        P = np.array([[[0.0] * S if row is None else row for row in rows] if s not in terminal else np.zeros((A, S))
                      for s, rows in enumerate(document["P"])], dtype=float)
        R = np.array([r if s not in terminal else [0.0] * A for s, r in enumerate(document["R"])], dtype=float)
        return P, R, start, terminal
    P, R = np.zeros((S, A, S)), np.zeros((S, A))
    for entry in document["transitions"]:
        s, a = index(entry["state"], names), index(entry["action"], anames)
        for name, p in entry["next"].items():  # the shipped list-form cases use {state: p}
            P[s, a, names.index(name)] += p
        R[s, a] = entry.get("reward", 0.0)
    return P, R, start, terminal


def test_dense_arrays_equal_the_file():
    document = json.loads((CASES / "slippery-gridworld.json").read_text())
    P, R, start, terminal = dense_arrays(document)
    built = pgtruth.finite_problem(P, R, start, document["gamma"], terminal=terminal, theta=document["policy"]["theta"])
    assert_same_solution(built.solve(), pgtruth.load(CASES / "slippery-gridworld.json").solve(), KEYS + ("fisher", "natural_gradient"))


def test_sparse_arrays_equal_dense_ones():
    document = json.loads((CASES / "slippery-gridworld.json").read_text())
    P, R, start, terminal = dense_arrays(document)
    S, A = R.shape
    sparse = scipy.sparse.coo_matrix(P.reshape(S * A, S))  # any scipy.sparse format
    a = pgtruth.finite_problem(sparse, R, start, document["gamma"], terminal=terminal).solve()
    b = pgtruth.finite_problem(P, R, start, document["gamma"], terminal=terminal).solve()
    assert_same_solution(a, b)


def test_linear_features_equal_the_file():
    """The short corridor (list form, linear features with a "*" default) from arrays."""
    document = json.loads((CASES / "short-corridor.json").read_text())
    P, R, start, terminal = dense_arrays(document)
    features = np.zeros((4, 2, 2))
    features[:, 1] = [1, 0]  # right
    features[:, 0] = [0, 1]  # left
    built = pgtruth.finite_problem(P, R, start, 1, terminal=terminal, features=features, theta=[0.0, 0.0],
                                   states=document["states"], actions=document["actions"])
    from_file = pgtruth.load(CASES / "short-corridor.json")
    assert built.states == from_file.states
    assert_same_solution(built.solve(), from_file.solve(), KEYS + ("fisher", "natural_gradient"))
    assert built.solve().J == -12.0  # Sutton & Barto (2018), Example 13.1, at p = 1/2


def test_direct_policy_equals_the_document():
    document = json.loads((CASES / "slippery-gridworld.json").read_text())
    P, R, start, terminal = dense_arrays(document)
    table = np.full((15, 4), 0.25)
    table[:, 3] = 0.4
    table[:, 0] = 0.1
    built = pgtruth.finite_problem(P, R, start, document["gamma"], terminal=terminal, policy="direct", theta=table)
    document["policy"] = {"type": "direct", "theta": table.tolist()}
    read = pgtruth.from_dict(document)
    assert built.policy_kind == "direct" and built.solve().gradient.shape == (15, 4)
    assert_same_solution(built.solve(), read.solve())


def test_lqg_from_arrays_equals_the_file():
    d = json.loads((CASES / "three-state-stochastic.json").read_text())
    built = pgtruth.lqg_problem(d["A"], d["B"], d["Q"], d["R"], N=d.get("N"), W=d.get("W"), K=d["policy"]["K"],
                                Sigma=d["policy"]["Sigma"], x0_mean=d["x0"]["mean"], x0_cov=d["x0"]["cov"],
                                gamma=d["gamma"], formulation=d["formulation"])
    a, b = built.solve(), pgtruth.load(CASES / "three-state-stochastic.json").solve()
    for key in ("J", "P", "gradient", "gradient_sigma", "state_moment", "fisher", "natural_gradient"):
        assert np.array_equal(a[key], b[key]), key
    assert np.array_equal(a.optimal["K"], b.optimal["K"])


def test_lqg_resolve_at_a_new_K():
    """solve(K) equals the problem written with that K; the scalar case's closed form
    dJ/dk = 2((r + gamma b^2 P) k - gamma a b P) X (the case's _closed_form) holds at it."""
    problem = pgtruth.load(CASES / "scalar-lqr-stochastic.json")
    s = problem.solve(K=[[0.6]])
    a, b, q, r, gamma, w, s0, mu0, sigma2 = 1.2, 1.0, 1.0, 0.5, 0.9, 0.1, 0.5, 1.0, 0.2
    k = 0.6
    aK = a - b * k
    P = (q + r * k * k) / (1 - gamma * aK * aK)
    X = (s0 + mu0 ** 2 + gamma * (b * b * sigma2 + w) / (1 - gamma)) / (1 - gamma * aK * aK)
    assert abs(s.gradient[0, 0] - 2 * ((r + gamma * b * b * P) * k - gamma * a * b * P) * X) < 1e-12 * abs(s.gradient[0, 0])
    assert problem.matrices["K"][0, 0] == 0.5


def test_non_contiguous_and_integer_arrays_are_converted():
    """A strided view or an integer array is copied to float64, with the same result."""
    document = json.loads((CASES / "slippery-gridworld.json").read_text())
    P, R, start, terminal = dense_arrays(document)
    wide = np.zeros((16, 8))
    wide[:, ::2] = R
    a = pgtruth.finite_problem(P, wide[:, ::2], start, 0.95, terminal=terminal).solve()
    b = pgtruth.finite_problem(P, R, start, 0.95, terminal=terminal).solve()
    assert_same_solution(a, b)
    assert pgtruth.finite_problem(P, R.astype(int), start, 0.95, terminal=terminal).solve().J == b.J
