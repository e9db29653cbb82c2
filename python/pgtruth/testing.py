"""Assertions for a user's test suite (pytest or unittest)."""
from .check import check


def assert_unbiased(estimates, problem, *, alpha=0.01, theta=None, allow_undecided=False):
    """Asserts that the mean of ``estimates`` (N x num_parameters, independent per-episode
    estimates) is the exact policy gradient of ``problem`` at ``theta``, by pgtruth's calibrated
    test at level ``alpha`` (a false alarm with probability at most alpha).

    Fails (AssertionError) when the test finds them inconsistent, naming the components that
    are off and by how many standard errors; and when it cannot decide at this number of
    estimates (heavy tails), saying how many it needs, unless ``allow_undecided``.
    Returns the :class:`pgtruth.CheckReport`."""
    report = check(estimates, problem, alpha=alpha, theta=theta)
    if report.verdict == "inconsistent" or (report.verdict == "undecided" and not allow_undecided):
        raise AssertionError("estimates " + report.describe())
    return report
