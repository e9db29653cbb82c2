"""The two worked examples run, pass pgtruth's assertion, and their planted bugs are caught."""
import importlib.util

import numpy as np
import pytest

import pgtruth
from conftest import ROOT


def example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "python" / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_reinforce_is_unbiased_and_dropping_gamma_t_is_caught():
    ex = example("reinforce_numpy")
    problem = ex.corridor()
    theta = np.array([1.0, -0.5])  # not the uniform policy
    estimates = ex.reinforce_estimates(problem, theta, episodes=2000, seed=1)
    pgtruth.testing.assert_unbiased(estimates, problem, theta=theta)
    buggy = ex.reinforce_estimates(problem, theta, episodes=2000, seed=1, drop_discount=True)
    with pytest.raises(AssertionError, match="inconsistent"):
        pgtruth.testing.assert_unbiased(buggy, problem, theta=theta)


def test_torch_reinforce_is_unbiased_and_normalised_returns_are_caught():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    ex = example("reinforce_torch")
    problem = ex.corridor()
    theta = np.linspace(-0.5, 0.5, problem.num_parameters)
    estimates = ex.reinforce_estimates(problem, theta, episodes=1200, seed=1)
    pgtruth.testing.assert_unbiased(estimates, problem, theta=theta)
    buggy = ex.reinforce_estimates(problem, theta, episodes=1200, seed=1, normalise_returns=True)
    with pytest.raises(AssertionError, match="inconsistent"):
        pgtruth.testing.assert_unbiased(buggy, problem, theta=theta)
