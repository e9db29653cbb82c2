"""The calibrated check of estimates against the exact gradient (spec §3, docs/check-test.md)."""
import numpy as np

from . import _pgtruth


class CheckReport:
    """The outcome of a check, with the numbers of ``pgtruth check --json``.

    Attributes: ``verdict`` ("consistent", "inconsistent" or "undecided"), ``p_value``,
    ``alpha``, ``truth``, ``mean``, ``stderr`` and ``t`` (one entry per component of theta),
    ``estimates`` (their number), ``coordinates_varying`` (the components that vary above
    rounding), ``coordinates_admitted`` (those whose skewness and kurtosis let the test use them),
    ``directions`` (the fixed directions' statistics, the gradient's first), ``statistics_used``
    (the t statistics the test combined: admitted coordinates and admitted directions; the test
    is not a Hotelling T^2 and has no covariance rank, so this is its counterpart), ``reason`` and ``episodes_needed`` when undecided; ``as_dict()`` has
    every key of the command's JSON report."""

    def __init__(self, report):
        self._report = report
        self.verdict = report["verdict"]
        self.p_value = report["p_value"]
        self.alpha = report["alpha"]
        self.truth, self.mean, self.stderr, self.t = report["truth"], report["mean"], report["stderr"], report["t"]
        self.estimates = report["episodes"]
        self.coordinates_varying = report["test"]["coordinates_varying"]
        self.coordinates_admitted = report["test"]["coordinates_admitted"]
        self.directions = report["test"]["directions"]
        self.statistics_used = self.coordinates_admitted + sum(1 for d in self.directions if d["admitted"])
        self.smallest = report["test"].get("smallest")
        self.reason = report.get("reason", "")
        self.episodes_needed = report.get("episodes_needed", 0)
        self.variance_per_estimate = report["variance_per_episode"]

    @property
    def consistent(self):
        return self.verdict == "consistent"

    def as_dict(self):
        return dict(self._report)

    def components_off(self, threshold=3.0):
        """Indices of the components whose mean is more than ``threshold`` standard errors from
        the truth, largest |t| first."""
        order = np.argsort(-np.abs(self.t), kind="stable")
        return [int(i) for i in order if abs(self.t[i]) > threshold]

    def describe(self, names=None, limit=10):
        """One paragraph: the verdict, its p-value and the components that are off."""
        names = names or (lambda i: f"theta[{i}]")
        text = f"{self.verdict} with the exact gradient: p-value {self.p_value:.3g} at alpha = {self.alpha:g} " \
               f"({self.estimates} estimates)"
        if self.verdict == "undecided":
            return text + f": {self.reason}"
        off = self.components_off()
        lines = [f"  {names(i)}: mean {self.mean[i]:.6g}, truth {self.truth[i]:.6g}, {self.t[i]:+.2f} standard errors"
                 for i in off[:limit]]
        if len(off) > limit:
            lines.append(f"  ... {len(off) - limit} more components beyond 3 standard errors")
        if self.verdict == "inconsistent" and self.smallest is not None:
            lines.append(f"  the test rejected on the {self.smallest['name']} (t = {self.smallest['t']:.3g})")
        return text + (":\n" + "\n".join(lines) if lines else "")

    def __repr__(self):
        return f"<pgtruth.CheckReport {self.verdict}, p-value {self.p_value:.3g}, {self.estimates} estimates>"


def truth_of(problem, theta=None):
    """The exact gradient, flat (theta's order; K row by row for LQG)."""
    from .problems import FiniteProblem
    if isinstance(problem, FiniteProblem):
        return np.ravel(problem.solve(theta, fisher=False)["gradient"])
    if theta is not None:
        return np.ravel(problem.solve(K=np.reshape(theta, problem.matrices["K"].shape), optimal=False, fisher=False)["gradient"])
    return np.ravel(problem.solve(optimal=False, fisher=False)["gradient"])


def check(estimates, problem, *, alpha=0.01, theta=None, threads=0):
    """Judges ``estimates`` (N x num_parameters, one independent estimate per row) against the
    exact gradient of ``problem`` at ``theta`` (default: the problem's), or against ``problem``
    itself when it is an array (the truth). The library function of ``pgtruth check --estimates``,
    so the verdict and p-value equal the command's for the same numbers. ``threads``: 0 every
    core, 1 no helper thread; the report is the same for any."""
    from .problems import FiniteProblem, LqgProblem
    truth = truth_of(problem, theta) if isinstance(problem, (FiniteProblem, LqgProblem)) else problem
    return CheckReport(_pgtruth.check_estimates(estimates, truth, float(alpha), int(threads)))
