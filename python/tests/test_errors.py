"""Bad input raises pgtruth.InputError (a ValueError) with one line naming the field: the command
line's line for files and documents, the argument and entry for arrays. Never a crash."""
import json

import numpy as np
import pytest

import pgtruth
from conftest import CASES, run_command

P2 = np.array([[[0.5, 0.5], [0.0, 1.0]], [[1.0, 0.0], [0.2, 0.8]]])
R2 = np.array([[1.0, 0.0], [0.0, 2.0]])
START = np.array([1.0, 0.0])


def build(**changes):
    args = dict(P=P2, R=R2, start=START, gamma=0.9)
    args.update(changes)
    return pgtruth.finite_problem(**args)


def test_the_exception_is_a_value_error():
    assert issubclass(pgtruth.InputError, ValueError) and issubclass(pgtruth.IllPosedError, ValueError)


def test_file_errors_carry_the_commands_line(tmp_path):
    document = json.loads((CASES / "two-state.json").read_text())
    document["gamma"] = 1.5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    code, _, err = run_command("solve", path)
    assert code == 2
    with pytest.raises(pgtruth.InputError) as e:
        pgtruth.load(path)
    assert str(e.value) == f"{path}: /gamma: gamma must be in (0, 1], found 1.5"
    assert str(e.value) in err


def test_dict_errors_name_the_pointer():
    document = json.loads((CASES / "short-corridor.json").read_text())
    document["transitions"][2]["next"] = {"s3": 0.8}
    with pytest.raises(pgtruth.InputError, match=r"^dict: /transitions/2/next: probabilities sum to 0.8, expected 1$"):
        pgtruth.from_dict(document)
    with pytest.raises(pgtruth.InputError, match="not a JSON document"):
        pgtruth.from_dict({"problem": "finite", "gamma": float("nan")})


@pytest.mark.parametrize("changes,message", [
    (dict(P=P2[:, :, :1]), r"^P: expected shape \(2, 2, 2\), found \(2, 2, 1\)$"),
    (dict(P=P2[0]), r"^P: expected 3 dimensions"),
    (dict(R=np.array([[1.0, np.nan], [0.0, 2.0]])), r"^R: entry \[0, 1\] is nan, expected a finite number$"),
    (dict(R=R2.astype(complex)), r"^R: expected an array of real numbers, found dtype complex128$"),
    (dict(R=np.array([["a", "b"], ["c", "d"]])), r"^R: expected an array of real numbers, found dtype <U1$"),
    (dict(R=np.array([[object(), 1], [2, 3]], dtype=object)), r"^R: expected an array of real numbers, found dtype object$"),
    (dict(start=np.array([0.5, 0.4])), r"^start: start probabilities sum to 0.9, expected 1$"),
    (dict(start=np.array([1.5, -0.5])), r"^start\[1\]: a probability must not be negative, found -0.5$"),
    (dict(P=np.array([[[0.5, 0.3], [0.0, 1.0]], [[1.0, 0.0], [0.2, 0.8]]])), r"^P\[0, 0\]: probabilities sum to 0.8, expected 1$"),
    (dict(gamma=1.5), r"^gamma: gamma must be in \(0, 1\], found 1.5$"),
    (dict(gamma="0.9"), r"^gamma: expected a number, found str$"),
    (dict(terminal=[2]), r"^terminal\[0\]: expected a state from 0 to 1, found 2$"),
    (dict(terminal=[1, 1]), r"^terminal\[1\]: the state 1 is listed twice$"),
    (dict(theta=np.zeros(3)), r"^theta: expected shape \(4,\), found \(3,\)$"),
    (dict(features=np.zeros((2, 2))), r"^features: expected 3 dimensions"),
    (dict(policy="greedy"), r'^policy: unknown policy type "greedy"'),
    (dict(policy="direct"), r"^theta: a direct policy needs theta"),
    (dict(policy="direct", theta=[[0.5, 0.6], [0.5, 0.5]]), r"^theta\[0\]: probabilities sum to 1.1, expected 1$"),
    (dict(policy="direct", theta=[[1.5, -0.5], [0.5, 0.5]]), r"^theta\[0, 1\]: a probability must not be negative, found -0.5$"),
    (dict(R=[[1.0, 2.0], [3.0]]), r"^R: expected an array of real numbers, found list$"),
])
def test_malformed_arrays_name_the_argument(changes, message):
    with pytest.raises(pgtruth.InputError, match=message):
        build(**changes)


def test_ill_posed_problem_raises_ill_posed_error():
    """gamma = 1 and a policy that never reaches a terminal state (there is none)."""
    with pytest.raises(pgtruth.IllPosedError, match="gamma = 1 but the policy does not reach a terminal state"):
        build(gamma=1.0)


def test_calls_check_their_arguments():
    problem = build()
    with pytest.raises(pgtruth.InputError, match=r"^theta: expected 1 dimension \(4,\), found 2$"):
        problem.solve(np.zeros((2, 2)))
    with pytest.raises(pgtruth.InputError, match=r"^theta: entry \[1\] is inf"):
        problem.solve([0.0, np.inf, 0.0, 0.0])
    with pytest.raises(pgtruth.InputError, match="^state: expected a state from 0 to 1, found 5$"):
        problem.score(5, 0)
    with pytest.raises(pgtruth.InputError, match="^estimator: unknown estimator 'reinforcee'"):
        problem.sample("reinforcee", 10)
    with pytest.raises(pgtruth.InputError, match=r"^estimates: expected shape \(-1, 4\), found \(10, 3\)$"):
        pgtruth.check(np.zeros((10, 3)), problem)
    with pytest.raises(pgtruth.InputError, match=r"^estimates: row 3 \(counted from 0\): entry 0 of the estimate is nan, not a finite number$"):
        x = np.zeros((10, 4))
        x[3, 0] = np.nan
        pgtruth.check(x, problem)
    with pytest.raises(pgtruth.InputError, match="^solver: expected"):
        problem.solve(solver="lu")


def test_lqg_arrays_are_checked_by_the_reader():
    d = json.loads((CASES / "scalar-lqr-stochastic.json").read_text())
    args = dict(A=d["A"], B=d["B"], Q=d["Q"], R=d["R"], W=d["W"], K=d["policy"]["K"], Sigma=d["policy"]["Sigma"],
                x0_mean=d["x0"]["mean"], x0_cov=d["x0"]["cov"], gamma=0.9)
    pgtruth.lqg_problem(**args)
    with pytest.raises(pgtruth.InputError, match=r"^lqg_problem\(\): /R: "):
        pgtruth.lqg_problem(**{**args, "R": [[-1.0]]})
    with pytest.raises(pgtruth.InputError, match=r"^Q: entry \[0, 0\] is nan"):
        pgtruth.lqg_problem(**{**args, "Q": [[np.nan]]})
    with pytest.raises(pgtruth.InputError, match="^K: expected an array of real numbers, found dtype complex128"):
        pgtruth.lqg_problem(**{**args, "K": [[1j]]})
