"""The Python package's costs (docs/benchmarks.md, "Python"), not a test:

  * a solve from Python against the C++ solve it wraps (FiniteSolution::summary.seconds, the
    wall time of pgtruth::solve in the same call) on the 10^5- and 10^6-state gridworlds;
  * pgtruth.check on 10^6 estimates of 100 parameters against NumPy's mean of them, on every
    core and on one thread.

    PYTHONPATH=build/python python3 bench/python_bench.py [--repeats 3] [--skip-million] [--check-only]
"""
import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import pgtruth

ROOT = Path(__file__).resolve().parent.parent


def gridworld(width, height):
    return pgtruth.from_dict({"problem": "finite", "gamma": 1, "policy": {"type": "softmax", "theta": 0},
                              "generator": {"type": "gridworld", "width": width, "height": height, "slip": 0.1}})


def bench_solve(name, problem, repeats):
    ratios, walls, cores = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = problem.solve(fisher=False)
        wall = time.perf_counter() - t0
        walls.append(wall), cores.append(s.solver["seconds"]), ratios.append(wall / s.solver["seconds"])
    print(f"{name}: Python solve {statistics.median(walls):.3f} s, C++ solve {statistics.median(cores):.3f} s, "
          f"ratio {statistics.median(ratios):.3f} (median of {repeats}; {s.solver['method']})")


def bench_check(repeats):
    """NumPy's mean, the check on every core and the check on one thread, alternating, on the
    same array; the ratios are of medians. Wall times, and for NumPy and the one-thread check
    also CPU times: on a shared machine the wall time also counts the time without a core."""
    rng = np.random.default_rng(1)
    estimates = rng.standard_normal((1_000_000, 100))
    truth = np.zeros(100)
    wall = {"mean": [], "check": [], "check_1": []}
    cpu = {"mean": [], "check_1": []}
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        estimates.mean(axis=0)
        wall["mean"].append(time.perf_counter() - t0), cpu["mean"].append(time.process_time() - c0)
        t0 = time.perf_counter()
        report = pgtruth.check(estimates, truth)
        wall["check"].append(time.perf_counter() - t0)
        t0, c0 = time.perf_counter(), time.process_time()
        pgtruth.check(estimates, truth, threads=1)
        wall["check_1"].append(time.perf_counter() - t0), cpu["check_1"].append(time.process_time() - c0)
    mean, check, check_1 = (statistics.median(wall[k]) for k in ("mean", "check", "check_1"))
    cpu_mean, cpu_check_1 = statistics.median(cpu["mean"]), statistics.median(cpu["check_1"])
    print(f"check of 10^6 x 100 estimates: {check:.3f} s every core, {check_1:.3f} s one thread; NumPy mean {mean:.3f} s; "
          f"ratio {check / mean:.2f} (every core), {check_1 / mean:.2f} (threads=1); CPU time ratio at threads=1 "
          f"{cpu_check_1 / cpu_mean:.2f} ({cpu_check_1:.3f} s / {cpu_mean:.3f} s) (medians of {repeats}; verdict {report.verdict})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--check-only", action="store_true", help="only the check against NumPy's mean")
    args = parser.parse_args()
    if args.check_only:
        return bench_check(args.repeats)
    bench_solve("gridworld 316 x 316 (99 856 states)", gridworld(316, 316), args.repeats)
    if not args.skip_million:
        bench_solve("gridworld 1000 x 1000 (10^6 states)", pgtruth.load(ROOT / "cases" / "gridworld-1000x1000.json"), args.repeats)
    bench_check(args.repeats)


if __name__ == "__main__":
    main()
