"""Every exact quantity from Python equals `pgtruth solve --json` for the same case, to the last
bit (the same library code runs, and JSON carries doubles exactly), with the documented shapes."""
import math

import numpy as np
import pytest

import pgtruth
from conftest import CASES, command_json

# The 10^6-state gridworld is left to the benchmark (bench/python_bench.py): its JSON alone is
# about 200 MB.
SHIPPED = sorted(p.name for p in CASES.glob("*.json") if p.name != "gridworld-1000x1000.json")


def as_array(value):
    """A JSON value as a float array, null as NaN."""
    if isinstance(value, list):
        return np.array([as_array(v) for v in value], dtype=float) if value else np.zeros(0)
    return math.nan if value is None else float(value)


def assert_same(python, json_value, key):
    if isinstance(json_value, dict):
        assert set(python) == set(json_value), key
        for k in json_value:
            if k != "seconds":  # wall time
                assert_same(python[k], json_value[k], f"{key}.{k}")
    elif isinstance(json_value, (str, bool)) or (isinstance(json_value, list) and json_value and isinstance(json_value[0], str)):
        assert python == json_value, key
    elif isinstance(json_value, int) and not isinstance(python, np.ndarray):
        assert python == json_value and isinstance(python, int), key
    else:
        expected = as_array(json_value)
        got = np.asarray(python)
        assert got.dtype == np.float64, key
        assert got.shape == np.shape(expected), f"{key}: shape {got.shape}, expected {np.shape(expected)}"
        assert np.array_equal(got, expected, equal_nan=True), f"{key} differs from the command's"


@pytest.mark.parametrize("case", SHIPPED)
def test_every_key_equals_the_command(case):
    problem = pgtruth.load(CASES / case)
    solution = problem.solve()
    expected = command_json("solve", CASES / case, "--json", expect=0)
    assert list(solution) == list(expected), "the keys, in the spec's order"
    for key, value in expected.items():
        assert_same(solution[key], value, key)


@pytest.mark.parametrize("case", ["short-corridor.json", "slippery-gridworld.json", "machine-maintenance.json"])
def test_finite_shapes_follow_the_spec(case):
    problem = pgtruth.load(CASES / case)
    s = problem.solve()
    S, A, n = problem.num_states, problem.num_actions, problem.num_parameters
    for key, shape in {"v": (S,), "q": (S, A), "advantage": (S, A), "policy": (S, A), "occupancy": (S,),
                       "visitation": (S,), "gradient": (n,), "fisher": (n, n), "natural_gradient": (n,)}.items():
        assert s[key].shape == shape and s[key].dtype == np.float64, key
    assert isinstance(s.J, float) and isinstance(s.fisher_rank, int)


def test_lqg_shapes_follow_the_spec():
    problem = pgtruth.load(CASES / "three-state-stochastic.json")
    s = problem.solve()
    n, m = problem.matrices["B"].shape
    for key, shape in {"P": (n, n), "gradient": (m, n), "gradient_sigma": (m, m), "state_moment": (n, n),
                       "q_matrix": (n + m, n + m), "fisher": (m * n, m * n), "natural_gradient": (m, n)}.items():
        assert s[key].shape == shape, key
    assert s.optimal["K"].shape == (m, n)


def test_resolving_at_a_new_theta_equals_a_problem_built_at_it(tmp_path):
    """solve(theta) on one problem equals a solve of the problem file written with that theta."""
    import json
    document = json.loads((CASES / "machine-maintenance.json").read_text())
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    theta = np.array([0.1, 0.7, -1.3])
    document["policy"]["theta"] = theta.tolist()
    rebuilt = pgtruth.from_dict(document)
    a, b = problem.solve(theta), rebuilt.solve()
    for key in ("J", "v", "gradient", "fisher", "natural_gradient"):
        assert np.array_equal(a[key], b[key]), key
    assert problem.solve().J != a.J  # the problem's own theta is unchanged


def test_gradient_ascent_loop_reaches_the_corridors_optimum():
    """Exact gradient ascent on the short corridor, one solve a step, rises to its optimum
    J* = -(6 + 4 sqrt 2) (Sutton & Barto 2018, Example 13.1)."""
    problem = pgtruth.load(CASES / "short-corridor.json")
    theta, Js = problem.theta.copy(), []
    for _ in range(300):
        s = problem.solve(theta, fisher=False)
        Js.append(s.J)
        theta = theta + 0.1 * s.gradient
    assert all(b >= a - 1e-12 for a, b in zip(Js, Js[1:]))
    assert abs(Js[-1] - -(6 + 4 * math.sqrt(2))) < 1e-9
