"""The environment samples the problem's exact dynamics: its transitions and rewards against P
and R by a chi-square test at a fixed seed, and its episodes' returns against J by Monte Carlo."""
import bisect
import collections
import json

import numpy as np
import scipy.stats

import pgtruth
from conftest import CASES


def test_transitions_match_P_by_chi_square():
    """Every (s, a) of the slippery gridworld, 400 steps each, against the file's P and R.
    One chi-square statistic over all rows; the test fails with probability 1e-3 when correct."""
    document = json.loads((CASES / "slippery-gridworld.json").read_text())
    problem = pgtruth.load(CASES / "slippery-gridworld.json")
    env = pgtruth.FiniteEnv(problem)
    env.reset(seed=12345)
    statistic, dof = 0.0, 0
    for s in range(15):
        for a in range(4):
            p = np.array(document["P"][s][a])
            counts = np.zeros(16)
            for _ in range(400):
                env.reset(options={"state": s})
                s_next, reward, terminated, truncated, info = env.step(a)
                assert reward == document["R"][s][a] and terminated == (s_next == 15) and not truncated
                counts[s_next] += 1
            support = p > 0
            assert counts[~support].sum() == 0, "a move of probability 0"
            expected = 400 * p[support]
            statistic += ((counts[support] - expected) ** 2 / expected).sum()
            dof += support.sum() - 1
    assert scipy.stats.chi2.sf(statistic, dof) > 1e-3


def test_outcome_rewards_match_the_file_by_chi_square():
    """Machine maintenance has several outcomes to the same state with different rewards: the
    (next state, reward) pairs of each (s, a) against the file's outcome list."""
    document = json.loads((CASES / "machine-maintenance.json").read_text())
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    env = pgtruth.FiniteEnv(problem)
    env.reset(seed=7)
    statistic, dof = 0.0, 0
    for entry in document["transitions"]:
        s, a = problem.states.index(entry["state"]), problem.actions.index(entry["action"])
        expected = collections.Counter()
        listed = entry["next"]
        outcomes = listed if isinstance(listed, list) else [{"state": k, "p": p} for k, p in listed.items()]
        for o in outcomes:
            expected[(o["state"], entry.get("reward", 0) + o.get("reward", 0))] += o["p"]
        counts = collections.Counter()
        for _ in range(1000):
            env.reset(options={"state": s})
            s_next, reward, *_ = env.step(a)
            counts[(problem.states[s_next], reward)] += 1
        assert set(counts) <= set(expected)
        statistic += sum((counts[k] - 1000 * p) ** 2 / (1000 * p) for k, p in expected.items())
        dof += len(expected) - 1
    assert scipy.stats.chi2.sf(statistic, dof) > 1e-3


def episode_returns(problem, env, episodes, seed, discounted):
    """Returns of `episodes` episodes under the problem's policy, actions drawn from pi."""
    cumulative = np.cumsum(problem.probabilities(), axis=1).tolist()  # a ~ pi(.|s) by inversion
    last = problem.num_actions - 1
    rng = np.random.default_rng(seed)
    returns = np.empty(episodes)
    s, _ = env.reset(seed=seed)
    for i in range(episodes):
        s, _ = env.reset()
        total, discount = 0.0, 1.0
        while True:
            s, r, terminated, truncated, _ = env.step(min(bisect.bisect_right(cumulative[s], rng.random()), last))
            total += discount * r
            discount *= problem.gamma if discounted else 1.0
            if terminated or truncated:
                break
        returns[i] = total
    return returns


def test_discounted_returns_give_J():
    """Slippery gridworld (gamma = 0.95, a terminal cell): E[sum_t gamma^t r_t] = J. The mean of
    3000 episodes lies within 4 standard errors of J (failure probability 6e-5 when right)."""
    problem = pgtruth.load(CASES / "slippery-gridworld.json")
    returns = episode_returns(problem, pgtruth.FiniteEnv(problem), 3000, seed=2024, discounted=True)
    J = problem.solve().J
    assert abs(returns.mean() - J) < 4 * returns.std(ddof=1) / np.sqrt(len(returns))


def test_stopping_with_probability_one_minus_gamma_gives_J_undiscounted():
    """Machine maintenance (gamma = 0.9, no terminal state) with gamma_stops: E[sum_t r_t] = J,
    within 4 standard errors over 3000 episodes."""
    problem = pgtruth.load(CASES / "machine-maintenance.json")
    env = pgtruth.FiniteEnv(problem, gamma_stops=True)
    returns = episode_returns(problem, env, 3000, seed=99, discounted=False)
    J = problem.solve().J
    assert abs(returns.mean() - J) < 4 * returns.std(ddof=1) / np.sqrt(len(returns))


def test_gymnasium_contract():
    problem = pgtruth.load(CASES / "short-corridor.json")
    env = pgtruth.FiniteEnv(problem, max_episode_steps=3)
    s, info = env.reset(seed=0)
    assert s == 0 and info == {}
    a, b = env.reset(seed=5), env.reset(seed=5)
    assert a == b
    for t in range(3):
        s, r, terminated, truncated, info = env.step(0)  # "left" in s1 stays in s1
        assert (s, r, terminated) == (0, -1.0, False)
    assert truncated
