#!/usr/bin/env python3
"""Two builds of the `pgtruth` command, timed side by side in one run (for a refactoring that
must not change speed): `pgtruth solve --keys J,gradient` on generated gridworlds of 10^4, 10^5
and 10^6 states, the builds alternating run by run so that both meet the same phases of a
shared machine. Prints each build's median wall time and the ratio new / base.

    bench/compare_builds.py BASE_PGTRUTH NEW_PGTRUTH [--repeat 7] [--sides 100,316,1000]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def gridworld(side):
    return {"problem": "finite", "name": f"gridworld {side}x{side}", "gamma": 0.99,
            "generator": {"type": "gridworld", "width": side, "height": side, "slip": 0.1, "step_reward": -1},
            "policy": {"type": "softmax", "features": "tabular", "theta": 0}}


def timed(command, path):
    start = time.perf_counter()
    run = subprocess.run([command, "solve", path, "--keys", "J,gradient"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"{command} failed on {path}: {run.stderr.strip()}")
    return seconds, run.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sides", default="100,316,1000")
    args = parser.parse_args()
    print(f"{'states':>8} {'base (s)':>10} {'new (s)':>10} {'new / base':>11}  outputs")
    with tempfile.TemporaryDirectory() as scratch:
        for side in (int(s) for s in args.sides.split(",")):
            path = os.path.join(scratch, f"gridworld-{side}.json")
            with open(path, "w") as f:
                json.dump(gridworld(side), f)
            times = {"base": [], "new": []}
            outputs = {}
            for _ in range(args.repeat):
                for name in ("base", "new"):
                    seconds, outputs[name] = timed(getattr(args, name), path)
                    times[name].append(seconds)
            base, new = statistics.median(times["base"]), statistics.median(times["new"])
            same = "same bytes" if outputs["base"] == outputs["new"] else "DIFFERENT"
            print(f"{side * side:>8} {base:>10.3f} {new:>10.3f} {new / base:>11.3f}  {same}")


if __name__ == "__main__":
    main()
