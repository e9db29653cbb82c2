#!/usr/bin/python3
"""pgtruth against the tools a researcher would otherwise reach for, in one run, on the same problems.

  bench/peers.py --build BUILD_DIR [--max-states N] [--max-dense N] [--max-lqg-n N]
                 [--timeout S] [--repeat R] [--repeat-below S] [--calls C] [--episodes N] [--json FILE]

Three comparisons, each measured in this run:

1. Finite MDPs: J and the full gradient of the spec's gridworld (slip 0.1, step reward -1,
   gamma 0.99, tabular softmax at theta = 0) from 10^3 to 10^6 states. Peers: scipy's sparse LU
   (splu: one factorisation, v by a solve, the occupancy by a transposed solve), scipy's BiCGSTAB
   with a Jacobi preconditioner (two solves, tolerance 1e-13), both with the adjoint gradient
   written by hand (grad J(s, a) = eta(s) pi(a|s) (q(s, a) - v(s))), and PyTorch autograd through
   a dense solve while the dense matrix fits (--max-dense).
2. LQG: J and dJ/dK on random stable systems (n = 50 to 1000, m = n / 10, spectral radius 0.95,
   gamma 0.99). Peer: scipy.linalg.solve_discrete_lyapunov for P and for the state moment X, with
   the gradient formula of Fazel et al. (2018, Lemma 1). Both value matrices are checked in the
   same residual, computed here in extended precision (numpy longdouble).
3. Sampling: reinforce-rtg on the corridor and the slippery gridworld; pgtruth's `check` command
   against a vectorised numpy sampler of the same estimator (episodes ended with probability
   1 - gamma at each step, as pgtruth does), whose mean is tested against the exact gradient.

Every measurement runs in a process of its own, so that its peak memory (max RSS, read by the
process after its first call) is that of one computation; for the Python peers it includes the
interpreter and the imported libraries. Times are wall-clock seconds from the problem's
description to J and the gradient, without reading the file or writing results: for pgtruth,
generating the MDP from the file's generator plus the solve; for the peers, building the
matrices with numpy plus the solve. Each time is the median of --repeat runs (5), each run a
new process; the methods of one problem run in rounds (each once a round, in turn), so that
they meet the same phases of the machine's speed; a measurement whose run takes over
--repeat-below seconds (5) is run once. pgtruth uses both cores; a row with --threads 1
shows it on one. Ratios are peer time / pgtruth time (above 1: pgtruth is faster).

Cold and warm: each process does the whole computation --calls times (2), from scratch each
time. The first call is cold: the memory it writes comes fresh from the kernel, at a page fault
a 4 KiB page (1.5 to 3 microseconds on our virtual machine), where a Python process has already
faulted in memory for its interpreter and imports. The last call is warm: it reuses memory the
earlier calls freed, as in a program or notebook that solves problem after problem (and as
timeit measures). Both are reported, each with its own ratios.
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


# ---------------------------------------------------------------------------------------------
# Finite MDPs: the spec's gridworld generator (docs/file-format.md, section 1)
# ---------------------------------------------------------------------------------------------

def gridworld_moves(width, height):
    """next[s, a]: the cell reached by action a (up, down, left, right) from cell s; off-grid stays."""
    s = np.arange(width * height)
    row, col = np.divmod(s, width)
    return np.stack([np.where(row > 0, s - width, s), np.where(row < height - 1, s + width, s),
                     np.where(col > 0, s - 1, s), np.where(col < width - 1, s + 1, s)], axis=1)


def gridworld_policy(n):
    """pi(a|s) of the tabular softmax at theta = 0 (uniform), as the bench files ask."""
    theta = np.zeros((n, 4))
    e = np.exp(theta - theta.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gridworld_system(g):
    """M = I - gamma P_pi over the non-terminal cells (the terminal cell is the last one), r_pi,
    start, and what the gradient needs. Built with numpy/scipy from the generator's definition."""
    import scipy.sparse as sp
    width, height, slip, step, gamma = g["width"], g["height"], g["slip"], g["step_reward"], g["gamma"]
    n = width * height
    moves = gridworld_moves(width, height)
    pi = gridworld_policy(n)
    weight = (1 - slip) * pi + slip / 4          # P_pi(s, next(s, b)) summed over b
    m = n - 1                                    # unknowns: every cell but the terminal one
    rows = np.repeat(np.arange(m), 4)
    cols = moves[:m].ravel()
    data = -gamma * weight[:m].ravel()
    keep = cols < m                              # moves into the terminal cell drop out (v = 0 there)
    rows = np.concatenate([np.arange(m), rows[keep]])
    cols = np.concatenate([np.arange(m), cols[keep]])
    data = np.concatenate([np.ones(m), data[keep]])
    M = sp.csc_matrix((data, (rows, cols)), shape=(m, m))
    return dict(M=M, r=np.full(m, float(step)), start=np.full(m, 1.0 / n), moves=moves, pi=pi,
                slip=slip, step=step, gamma=gamma, n=n)


def gridworld_gradient(sys_, v, eta):
    """q(s, a) = r + gamma sum_s' P(s'|s, a) v(s'); grad J(s, a) = eta(s) pi(a|s) (q(s, a) - v(s))
    (policy gradient theorem, tabular softmax); terminal rows are 0."""
    n, slip, gamma = sys_["n"], sys_["slip"], sys_["gamma"]
    v_all = np.append(v, 0.0)
    ahead = v_all[sys_["moves"]]
    q = sys_["step"] + gamma * ((1 - slip) * ahead + slip / 4 * ahead.sum(axis=1, keepdims=True))
    grad = sys_["pi"] * (q - v_all[:, None]) * np.append(eta, 0.0)[:, None]
    grad[n - 1] = 0.0
    return grad.ravel()


def backward_error(M, x, b):
    """|M x - b|_inf / (|M|_inf |x|_inf + |b|_inf), pgtruth's certificate for its iterative path."""
    norm_M = abs(M).sum(axis=1).max()
    return np.abs(M @ x - b).max() / (norm_M * np.abs(x).max() + np.abs(b).max())


def finite_scipy_splu(g):
    import scipy.sparse.linalg as spla
    t0 = time.perf_counter()
    s = gridworld_system(g)
    lu = spla.splu(s["M"])
    v = lu.solve(s["r"])
    eta = lu.solve(s["start"], trans="T")
    grad = gridworld_gradient(s, v, eta)
    J = float(s["start"] @ v)
    seconds = time.perf_counter() - t0
    return seconds, J, grad, max(backward_error(s["M"], v, s["r"]), backward_error(s["M"].T.tocsr(), eta, s["start"]))


def finite_scipy_bicgstab(g):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    t0 = time.perf_counter()
    s = gridworld_system(g)
    M = s["M"].tocsr()
    Mt = s["M"].T.tocsr()
    jacobi = sp.diags(1.0 / M.diagonal())
    v, info_v = spla.bicgstab(M, s["r"], tol=1e-13, atol=0.0, M=jacobi, maxiter=100000)
    eta, info_eta = spla.bicgstab(Mt, s["start"], tol=1e-13, atol=0.0, M=jacobi, maxiter=100000)
    grad = gridworld_gradient(s, v, eta)
    J = float(s["start"] @ v)
    seconds = time.perf_counter() - t0
    if info_v or info_eta:
        raise RuntimeError(f"bicgstab did not converge (info {info_v}, {info_eta})")
    return seconds, J, grad, max(backward_error(M, v, s["r"]), backward_error(Mt, eta, s["start"]))


def finite_torch_dense(g):
    """J(theta) through a dense solve, differentiated by PyTorch's autograd."""
    import torch
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    width, height, slip, step, gamma = g["width"], g["height"], g["slip"], g["step_reward"], g["gamma"]
    n = width * height
    m = n - 1
    moves = torch.from_numpy(gridworld_moves(width, height))
    theta = torch.zeros(n, 4, dtype=torch.float64, requires_grad=True)
    pi = torch.softmax(theta, dim=1)
    weight = (1 - slip) * pi + slip / 4
    rows = torch.arange(m).repeat_interleave(4)
    cols = moves[:m].reshape(-1)
    vals = gamma * weight[:m].reshape(-1)
    keep = cols < m
    P = torch.zeros(m, m, dtype=torch.float64).index_put((rows[keep], cols[keep]), vals[keep], accumulate=True)
    M = torch.eye(m, dtype=torch.float64) - P
    r = torch.full((m,), float(step), dtype=torch.float64)
    v = torch.linalg.solve(M, r)
    J = v.sum() / n
    J.backward()
    grad = theta.grad.numpy().ravel().copy()
    seconds = time.perf_counter() - t0
    residual = float((M @ v - r).abs().max() / (M.abs().sum(dim=1).max() * v.abs().max() + r.abs().max()))
    return seconds, float(J), grad, residual


FINITE_PEERS = {"scipy splu": finite_scipy_splu, "scipy bicgstab": finite_scipy_bicgstab,
                "torch dense": finite_torch_dense}


# ---------------------------------------------------------------------------------------------
# LQG (docs/file-format.md, section 2)
# ---------------------------------------------------------------------------------------------

def random_lqg(n, seed):
    """A random stable system: spectral radius of A 0.95, m = n / 10, K = 0, Sigma = 0.1 I."""
    rng = np.random.default_rng(seed)
    m = max(1, n // 10)
    A = rng.standard_normal((n, n))
    A *= 0.95 / max(abs(np.linalg.eigvals(A)))
    B = rng.standard_normal((n, m)) / math.sqrt(n)
    return {"problem": "lqg", "gamma": 0.99, "A": A.tolist(), "B": B.tolist(), "Q": np.eye(n).tolist(),
            "R": np.eye(m).tolist(), "W": (0.01 * np.eye(n)).tolist(),
            "x0": {"mean": np.ones(n).tolist(), "cov": np.eye(n).tolist()},
            "policy": {"K": np.zeros((m, n)).tolist(), "Sigma": (0.1 * np.eye(m)).tolist()}}


def lqg_arrays(problem, dtype=np.float64):
    a = {k: np.array(problem[k], dtype=dtype) for k in ("A", "B", "Q", "R", "W")}
    a["K"] = np.array(problem["policy"]["K"], dtype=dtype)
    a["Sigma"] = np.array(problem["policy"]["Sigma"], dtype=dtype)
    a["mean"] = np.array(problem["x0"]["mean"], dtype=dtype)
    a["cov"] = np.array(problem["x0"]["cov"], dtype=dtype)
    a["gamma"] = problem["gamma"]
    return a


def lqg_scipy(problem):
    """P = Q_K + At' P At and X = E0 + At X At' + gamma V / (1 - gamma), At = sqrt(gamma) (A - B K),
    by scipy.linalg.solve_discrete_lyapunov; dJ/dK = 2 [(R + gamma B'PB) K - gamma B'PA] X
    (Fazel et al. 2018, Lemma 1, discounted, N = 0); J = tr(P E0) + constants (stochastic)."""
    import scipy.linalg as sl
    a = lqg_arrays(problem)
    t0 = time.perf_counter()
    A, B, K, R, g = a["A"], a["B"], a["K"], a["R"], a["gamma"]
    At = math.sqrt(g) * (A - B @ K)
    QK = a["Q"] + K.T @ R @ K
    P = sl.solve_discrete_lyapunov(At.T, QK)
    E0 = a["cov"] + np.outer(a["mean"], a["mean"])
    V = B @ a["Sigma"] @ B.T + a["W"]
    X = sl.solve_discrete_lyapunov(At, E0 + g * V / (1 - g))
    grad = 2 * ((R + g * B.T @ P @ B) @ K - g * B.T @ P @ A) @ X
    J = float(np.trace(P @ E0) + (g * np.trace(P @ V) + np.trace(R @ a["Sigma"])) / (1 - g))
    seconds = time.perf_counter() - t0
    return seconds, J, grad, P


def lqg_value_residual(problem, P):
    """|At' P At - P + Q_K|_F / (|At|_F^2 |P|_F + |Q_K|_F) in extended precision (pgtruth's definition)."""
    a = lqg_arrays(problem, np.longdouble)
    At = np.sqrt(np.longdouble(a["gamma"])) * (a["A"] - a["B"] @ a["K"])
    QK = a["Q"] + a["K"].T @ a["R"] @ a["K"]
    P = P.astype(np.longdouble)
    r = np.sqrt(((At.T @ P @ At - P + QK) ** 2).sum())
    scale = (At ** 2).sum() * np.sqrt((P ** 2).sum()) + np.sqrt((QK ** 2).sum())
    return float(r / scale)


# ---------------------------------------------------------------------------------------------
# Sampling: reinforce-rtg, vectorised with numpy
# ---------------------------------------------------------------------------------------------

def small_finite_tables(path):
    """P[s, a, s'], R[s, a], start, terminal mask, pi and psi[s, a, :] = grad log pi(a|s) for the two
    shipped cases the sampling benchmark uses (list form with named states, and dense form)."""
    d = json.load(open(path))
    states = d["states"] if isinstance(d["states"], list) else [str(i) for i in range(d["states"])]
    actions = d["actions"] if isinstance(d["actions"], list) else [str(i) for i in range(d["actions"])]
    S, A = len(states), len(actions)
    index = {name: i for i, name in enumerate(states)}
    aindex = {name: i for i, name in enumerate(actions)}
    state_of = lambda x: x if isinstance(x, int) else index[x]
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    if "P" in d:
        P[:] = np.array(d["P"])
        R[:] = np.array(d["R"])
    else:
        for t in d["transitions"]:
            s, a = state_of(t["state"]), aindex[t["action"]] if isinstance(t["action"], str) else t["action"]
            R[s, a] = t.get("reward", 0.0)
            for name, p in t["next"].items():
                P[s, a, state_of(name)] += p
    start = np.zeros(S)
    for name, p in d["start"].items():
        start[index[name]] = p
    terminal = np.zeros(S, dtype=bool)
    for x in d.get("terminal", []):
        terminal[state_of(x)] = True
    pol = d["policy"]
    if pol["features"] == "tabular":
        phi = np.zeros((S, A, S * A))
        for s in range(S):
            for a in range(A):
                phi[s, a, s * A + a] = 1.0
    else:
        rows = pol["features"]["*"]
        phi = np.array([[rows[name] for name in actions] for _ in range(S)], dtype=float)
    theta = np.array(pol["theta"], dtype=float)
    logits = phi @ theta
    pi = np.exp(logits - logits.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    psi = phi - np.einsum("sb,sbd->sd", pi, phi)[:, None, :]
    return dict(P=P, R=R, start=start, terminal=terminal, pi=pi, psi=psi, gamma=d["gamma"])


def numpy_reinforce_rtg(t, episodes, seed, chunk=1 << 16):
    """Per-episode sum_t psi_t G_t with G_t the rest of the episode's return, every episode ended
    with probability 1 - gamma after each step (unbiased for the discounted gradient). Returns the
    estimates (episodes x d) and the number of environment steps taken."""
    rng = np.random.default_rng(seed)
    cum_pi = np.cumsum(t["pi"], axis=1)
    cum_pi[:, -1] = 1.0
    cum_P = np.cumsum(t["P"], axis=2)
    cum_P[:, :, -1] = 1.0
    cum_start = np.cumsum(t["start"])
    cum_start[-1] = 1.0
    psi, R, terminal, gamma = t["psi"], t["R"], t["terminal"], t["gamma"]
    d = psi.shape[2]
    out = np.empty((episodes, d))
    steps = 0
    for first in range(0, episodes, chunk):
        B = min(chunk, episodes - first)
        sum_psi = np.zeros((B, d))
        sum_psi_return_before = np.zeros((B, d))
        ret = np.zeros(B)
        alive = np.arange(B)
        s = np.searchsorted(cum_start, rng.random(B), side="right")
        while alive.size:
            a = (rng.random(alive.size)[:, None] >= cum_pi[s]).sum(axis=1)
            p = psi[s, a]
            sum_psi[alive] += p
            sum_psi_return_before[alive] += p * ret[alive, None]
            ret[alive] += R[s, a]
            nxt = (rng.random(alive.size)[:, None] >= cum_P[s, a]).sum(axis=1)
            keep = ~terminal[nxt]
            if gamma < 1:
                keep &= rng.random(alive.size) < gamma
            steps += alive.size
            alive, s = alive[keep], nxt[keep]
        out[first:first + B] = ret[:, None] * sum_psi - sum_psi_return_before
    return out, steps


# ---------------------------------------------------------------------------------------------
# Workers: one process per measurement
# ---------------------------------------------------------------------------------------------

def worker(kind, method, spec_path, out, calls):
    """Does the computation `calls` times; reports the first call's time (cold), the last's
    (warm), and the last call's results."""
    spec = json.load(open(spec_path))
    times = []
    for call in range(int(calls)):
        if kind == "finite":
            seconds, J, grad, residual = FINITE_PEERS[method](spec)
        else:
            seconds, J, grad, P = lqg_scipy(spec)
            residual = None
        times.append(seconds)
        if call == 0:
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if kind != "finite":
        P.astype(np.float64).tofile(out + ".P")
    np.asarray(grad, dtype=np.float64).tofile(out + ".gradient")
    print(json.dumps({"solve_seconds": times[0], "warm_seconds": times[-1], "peak_mb": peak_mb, "J": J,
                      "residual": residual}))


def run_measured(command, timeout, env=None):
    """Runs command; returns its last line parsed as JSON, or the error's text."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return f"over {timeout:.0f} s"
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return (stderr.strip().splitlines() or ["failed"])[-1][:80]
    return json.loads(lines[-1])


def pgtruth_solve_command(build, path, out, calls, threads=0):
    return [os.path.join(build, "bench", "pgtruth_bench_solve"), path, out, "--calls", str(calls),
            "--threads", str(threads)]


def peer_command(kind, method, path, out, calls):
    return [sys.executable, os.path.abspath(__file__), "--worker", kind, method, path, out, str(calls)]


# ---------------------------------------------------------------------------------------------
# The comparisons
# ---------------------------------------------------------------------------------------------

GRIDS = [(40, 25), (100, 100), (500, 200), (1000, 1000)]   # 10^3 ... 10^6 cells


def measure_rows(args, report, size, methods):
    """Measures the methods of one problem in rounds: each round runs every method once, in
    turn, so that all of them meet the same phases of the machine's speed (on a virtual machine
    it drifts by tens of percent over minutes). args.repeat rounds; a method whose run takes
    over args.repeat_below seconds, or fails, runs no more. Each method is a dict: row (the
    report's fields), command, env, out (its result files), seconds_of(result) and
    warm_of(result) (the cold and the warm call's time), residual_of(result). Prints a row a
    method with its median cold and warm times; the first method is the reference of the ratios
    and differences."""
    times = [[] for _ in methods]
    warm_times = [[] for _ in methods]
    peaks = [[] for _ in methods]
    last = [None] * len(methods)
    done = [False] * len(methods)
    for _ in range(args.repeat):
        for k, m in enumerate(methods):
            if done[k]:
                continue
            result = run_measured(m["command"], args.timeout, m.get("env"))
            last[k] = result
            if isinstance(result, str):
                done[k] = True
                continue
            times[k].append(m["seconds_of"](result)), peaks[k].append(result["peak_mb"])
            warm_times[k].append(m["warm_of"](result))
            done[k] = times[k][-1] > args.repeat_below
    reference = None
    for k, m in enumerate(methods):
        row = dict(m["row"], peak_mb=max(peaks[k]) if peaks[k] else None)
        if isinstance(last[k], str):
            print(f"{size:>9} {row['method']:<32} {last[k]}")
            report.append(dict(row, error=last[k]))
            continue
        seconds, warm = float(np.median(times[k])), float(np.median(warm_times[k]))
        row["runs"], row["all_seconds"], row["all_warm_seconds"] = len(times[k]), times[k], warm_times[k]
        grad = np.fromfile(m["out"] + ".gradient")
        residual = m["residual_of"](last[k])
        reference = reference or (seconds, last[k]["J"], grad, warm)
        J_diff = abs(last[k]["J"] - reference[1]) / abs(reference[1])
        grad_diff = np.abs(grad - reference[2]).max() / np.abs(reference[2]).max()
        ratio, warm_ratio = seconds / reference[0], warm / reference[3]
        print(f"{size:>9} {row['method']:<32} {seconds:>9.4f} {ratio:>8.2f} {warm:>9.4f} {warm_ratio:>8.2f} "
              f"{fmt(row['peak_mb'], '9.0f')} {J_diff:>11.1e} {grad_diff:>10.1e} {residual:>9.1e}")
        report.append(dict(row, seconds=seconds, ratio=ratio, warm_seconds=warm, warm_ratio=warm_ratio, J=last[k]["J"],
                           J_rel_diff=J_diff, grad_rel_diff=grad_diff, residual=residual))


TABLE_HEADER = (f"{'size':>9} {'method':<32} {'cold s':>9} {'ratio':>8} {'warm s':>9} {'ratio':>8} {'peak MB':>9} "
                f"{'J rel diff':>11} {'grad diff':>10} {'residual':>9}")


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def compare_finite(args, tmp, report):
    print("Finite: the spec's gridworld (slip 0.1, step reward -1, gamma 0.99, tabular softmax, theta = 0)")
    print("time = generate the MDP + J + full gradient; ratio = method time / pgtruth time")
    print(TABLE_HEADER)
    for width, height in GRIDS:
        n = width * height
        if n > args.max_states:
            break
        g = {"width": width, "height": height, "slip": 0.1, "step_reward": -1, "gamma": 0.99}
        spec_path = os.path.join(tmp, f"grid-{n}.spec.json")
        json.dump(g, open(spec_path, "w"))
        case_path = os.path.join(tmp, f"grid-{n}.json")
        json.dump({"problem": "finite", "gamma": g["gamma"],
                   "generator": {"type": "gridworld", "width": width, "height": height, "slip": g["slip"],
                                 "step_reward": g["step_reward"]},
                   "policy": {"type": "softmax", "features": "tabular", "theta": 0}}, open(case_path, "w"))
        runs = [("pgtruth", None), ("pgtruth, 1 thread", None)]
        runs += [(method, None) for method in FINITE_PEERS if method != "torch dense" or n <= args.max_dense]
        methods = []
        for k, (name, env) in enumerate(runs):
            ours = name.startswith("pgtruth")
            out = os.path.join(tmp, f"result-{k}")
            methods.append(dict(
                row={"problem": "gridworld", "states": n, "method": name}, env=env, out=out,
                command=pgtruth_solve_command(args.build, case_path, out, args.calls,
                                              1 if name == "pgtruth, 1 thread" else 0) if ours
                else peer_command("finite", name, spec_path, out, args.calls),
                seconds_of=(lambda r: r["load_seconds"] + r["solve_seconds"]) if ours else (lambda r: r["solve_seconds"]),
                warm_of=(lambda r: r["warm_load_seconds"] + r["warm_solve_seconds"]) if ours else (lambda r: r["warm_seconds"]),
                residual_of=(lambda r: max(r["bellman_residual"], r["flow_residual"])) if ours else (lambda r: r["residual"])))
        measure_rows(args, report, n, methods)
        sys.stdout.flush()
    print()


def compare_lqg(args, tmp, report):
    print("LQG: random stable systems (spectral radius 0.95, gamma 0.99, m = n/10); J and dJ/dK")
    print("residual of the value equation At'PAt - P + Q_K (relative, Frobenius, in extended precision)")
    print(TABLE_HEADER)
    for n in (50, 100, 300, 500, 1000):
        if n > args.max_lqg_n:
            break
        problem = random_lqg(n, seed=n)
        case_path = os.path.join(tmp, f"lqg-{n}.json")
        json.dump(problem, open(case_path, "w"))
        methods = []
        for k, name in enumerate(["pgtruth", "scipy solve_discrete_lyapunov"]):
            out = os.path.join(tmp, f"result-{k}")
            methods.append(dict(
                row={"problem": "lqg", "n": n, "method": name}, out=out,
                command=pgtruth_solve_command(args.build, case_path, out, args.calls) if k == 0
                else peer_command("lqg", "scipy", case_path, out, args.calls),
                seconds_of=lambda r: r["solve_seconds"],
                warm_of=(lambda r: r["warm_solve_seconds"]) if k == 0 else (lambda r: r["warm_seconds"]),
                residual_of=lambda r, out=out: lqg_value_residual(problem, np.fromfile(out + ".P").reshape(n, n))))
        measure_rows(args, report, n, methods)
        sys.stdout.flush()
    print()


def compare_sampling(args, report):
    pgtruth = os.path.join(args.build, "tools", "pgtruth")
    cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cases")
    print(f"Sampling: reinforce-rtg, {args.episodes} episodes; environment steps per second")
    print(f"{'case':<26} {'sampler':<28} {'steps/s':>10} {'ratio':>8} {'max |z|':>8}")
    for name in ("short-corridor.json", "slippery-gridworld.json"):
        path = os.path.join(cases, name)
        solved = json.loads(subprocess.run([pgtruth, "solve", path, "--json", "--keys", "expected_length,gradient"],
                                           check=True, capture_output=True, text=True).stdout)
        truth = np.array(solved["gradient"])
        rates = {}
        for threads in (1, 2):
            r = json.loads(subprocess.run([pgtruth, "check", path, "--estimator", "reinforce-rtg", "--episodes",
                                           str(args.episodes), "--threads", str(threads), "--seed", "1", "--json"],
                                          capture_output=True, text=True).stdout)
            rates[f"pgtruth check, {threads} thread{'s' if threads > 1 else ''}"] = (
                r["episodes_per_second"] * solved["expected_length"], max(abs(np.array(r["mean"]) - truth) / np.maximum(np.array(r["stderr"]), 1e-300)))
        tables = small_finite_tables(path)
        t0 = time.perf_counter()
        estimates, steps = numpy_reinforce_rtg(tables, args.episodes, seed=1)
        seconds = time.perf_counter() - t0
        mean = estimates.mean(axis=0)
        stderr = estimates.std(axis=0, ddof=1) / math.sqrt(args.episodes)
        z = np.where(stderr > 0, np.abs(mean - truth) / np.where(stderr > 0, stderr, 1), 0.0)
        rates["numpy, vectorised"] = (steps / seconds, float(z.max()))
        base = rates["numpy, vectorised"][0]
        for sampler, (rate, zmax) in rates.items():
            print(f"{name:<26} {sampler:<28} {rate:>10.3g} {rate / base:>8.2f} {zmax:>8.2f}")
            report.append({"problem": name, "method": sampler, "steps_per_second": rate, "ratio_to_numpy": rate / base,
                           "max_abs_z": zmax})
        sys.stdout.flush()
    print()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:7])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="build tree with the benchmarks (tools/bench-peers makes it)")
    parser.add_argument("--max-states", type=int, default=1_000_000)
    parser.add_argument("--max-dense", type=int, default=10_000, help="largest gridworld for the dense PyTorch solve")
    parser.add_argument("--max-lqg-n", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed to each measurement")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the median is reported")
    parser.add_argument("--repeat-below", type=float, default=5.0,
                        help="a measurement whose run takes longer than this many seconds is run once")
    parser.add_argument("--calls", type=int, default=2,
                        help="computations per process: the first is reported as cold, the last as warm")
    parser.add_argument("--episodes", type=int, default=1_000_000, help="episodes per sampling measurement")
    parser.add_argument("--skip", default="", help="comma-separated: finite, lqg, sampling")
    parser.add_argument("--json", help="also write every row to this file")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    report = []
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}; pgtruth build {args.build}")
    print(f"cold = the first call in a fresh process, warm = call {args.calls} in the same process\n")
    with tempfile.TemporaryDirectory(prefix="pgtruth-peers-") as tmp:
        if "finite" not in skip:
            compare_finite(args, tmp, report)
        if "lqg" not in skip:
            compare_lqg(args, tmp, report)
    if "sampling" not in skip:
        compare_sampling(args, report)
    if args.json:
        json.dump(report, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
