"""The checker from Python gives the command line's verdicts and p-values for the same estimates,
and the built-in estimators the command's draws."""
import numpy as np
import pytest

import pgtruth
from conftest import CASES, command_json


def write_csv(path, estimates):
    np.savetxt(path, estimates, delimiter=",", fmt="%.17g")  # 17 digits: every double exactly
    return path


@pytest.mark.parametrize("case,estimator,shift", [
    ("short-corridor.json", "reinforce", 0.0),
    ("short-corridor.json", "reinforce", 3.0),          # a biased copy: inconsistent
    ("machine-maintenance.json", "gae", 0.0),
    ("scalar-lqr-stochastic.json", "reinforce-rtg", 0.0),
])
def test_verdict_and_p_value_equal_the_commands(tmp_path, case, estimator, shift):
    problem = pgtruth.load(CASES / case)
    estimates = problem.sample(estimator, episodes=3000, seed=11)
    estimates[:, 0] += shift
    report = pgtruth.check(estimates, problem)
    expected = command_json("check", CASES / case, "--estimates", write_csv(tmp_path / "x.csv", estimates), "--json")
    assert report.verdict == expected["verdict"]
    assert report.p_value == expected["p_value"]
    for key in ("truth", "mean", "stderr", "t"):
        assert np.array_equal(report.as_dict()[key], np.array(expected[key])), key
    assert report.coordinates_admitted == expected["test"]["coordinates_admitted"]
    assert report.coordinates_varying == expected["test"]["coordinates_varying"]
    assert report.statistics_used == expected["test"]["coordinates_admitted"] + sum(
        d["admitted"] for d in expected["test"]["directions"])
    if shift:
        assert report.verdict == "inconsistent"


def test_check_estimator_equals_the_command():
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    report = problem.check_estimator("reinforce-rtg", episodes=5000, seed=3, threads=2)
    expected = command_json("check", CASES / "machine-maintenance.json", "--estimator", "reinforce-rtg",
                            "--episodes", 5000, "--seed", 3, "--json", "--quiet")
    assert report.verdict == expected["verdict"] == "consistent"
    assert report.p_value == expected["p_value"]
    assert np.array_equal(report.mean, np.array(expected["mean"]))


def test_sampled_estimates_are_the_commands_draws():
    """sample() draws the episodes of `check --estimator` with the same seed (the same work
    batches and streams): their mean equals the command's to rounding (summed in another order),
    and the rows are the same bits for any number of threads."""
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    one = problem.sample("reinforce-rtg", episodes=5000, seed=3, threads=1)
    two = problem.sample("reinforce-rtg", episodes=5000, seed=3, threads=2)
    assert np.array_equal(one, two)
    expected = command_json("check", CASES / "machine-maintenance.json", "--estimator", "reinforce-rtg",
                            "--episodes", 5000, "--seed", 3, "--json", "--quiet")
    assert np.allclose(one.mean(axis=0), expected["mean"], rtol=1e-12, atol=1e-12)


def test_assert_unbiased_names_the_components_off():
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    estimates = problem.sample("qvalue", episodes=4000, seed=5)
    pgtruth.testing.assert_unbiased(estimates, problem)
    estimates[:, 2] += 3.0  # about 8.5 standard errors of the mean
    with pytest.raises(AssertionError, match=r"inconsistent[\s\S]*theta\[2\]: .* standard errors"):
        pgtruth.testing.assert_unbiased(estimates, problem)


def test_undecided_fails_unless_allowed():
    problem = pgtruth.load(CASES / "short-corridor.json")
    estimates = problem.sample("reinforce", episodes=20, seed=1)
    report = pgtruth.check(estimates, problem)
    if report.verdict == "undecided":
        with pytest.raises(AssertionError, match="undecided"):
            pgtruth.testing.assert_unbiased(estimates, problem)
        pgtruth.testing.assert_unbiased(estimates, problem, allow_undecided=True)


def test_lqg_todorov_estimator_samples():
    problem = pgtruth.load(CASES / "three-state-stochastic.json")
    estimates = problem.sample("todorov-kd", episodes=4000, seed=2)
    assert estimates.shape == (4000, 6)
    pgtruth.testing.assert_unbiased(estimates, problem)
