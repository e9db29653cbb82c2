#!/usr/bin/env python3
"""`pgtruth check` against dim theta: peak memory and time beside `pgtruth solve` on the same
gridworld (tabular softmax, 4 parameters per cell), run side by side. Issue: a check's peak
memory stays under twice the solve's.

    bench/check_memory.py [PGTRUTH]      (default build-bench/tools/pgtruth)
"""
import json, os, subprocess, sys, tempfile

pgtruth = sys.argv[1] if len(sys.argv) > 1 else "build-bench/tools/pgtruth"


def measure(args):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", pgtruth] + args, capture_output=True, text=True)
    seconds, kb = out.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb) / 1024.0


print(f"{'cells':>9} {'dim theta':>10} {'solve s':>8} {'solve MB':>9} {'check s':>8} {'check MB':>9} {'ratio MB':>9}")
with tempfile.TemporaryDirectory() as d:
    for side in (5, 16, 50, 158, 500):
        case = os.path.join(d, f"g{side}.json")
        with open(case, "w") as f:
            json.dump({"problem": "finite", "gamma": 0.99, "policy": {"type": "softmax", "features": "tabular", "theta": 0},
                       "generator": {"type": "gridworld", "width": side, "height": side, "slip": 0.1, "step_reward": -1}}, f)
        ts, ms = measure(["solve", case, "--keys", "J,gradient"])
        tc, mc = measure(["check", case, "--estimator", "reinforce-rtg", "--episodes", "2000", "--threads", "2"])
        print(f"{side * side:>9} {4 * side * side:>10} {ts:>8.2f} {ms:>9.1f} {tc:>8.2f} {mc:>9.1f} {mc / ms:>9.2f}", flush=True)
