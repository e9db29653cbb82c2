"""pgtruth: exact policy gradients of finite MDPs and LQG problems, and a calibrated check of
sampled estimators against them (docs/python.md is the reference).

    import pgtruth
    problem = pgtruth.load("cases/short-corridor.json")
    truth = problem.solve()                     # every exact quantity, as NumPy arrays
    estimates = problem.sample("reinforce", episodes=20000, seed=1)
    pgtruth.testing.assert_unbiased(estimates, problem)
"""
from ._pgtruth import Error, IllPosedError, InputError, __version__, estimator_names
from .problems import FiniteProblem, LqgProblem, Solution, finite_problem, from_dict, load, lqg_problem
from .check import CheckReport, check
from .env import FiniteEnv
from .lqg_env import LqgEnv
from . import testing

__all__ = ["Error", "InputError", "IllPosedError", "FiniteProblem", "LqgProblem", "Solution", "CheckReport",
           "FiniteEnv", "LqgEnv", "load", "from_dict", "finite_problem", "lqg_problem", "check", "estimator_names", "testing",
           "__version__"]
