"""The LQG environment samples the problem's exact dynamics and cost: next states against
A x + B u and the noise covariance by chi-square statistics at fixed seeds, returns against J by
Monte Carlo, and a REINFORCE written against it against dJ/dK with the calibrated check."""
import numpy as np
import pytest
import scipy.stats

import pgtruth
from conftest import CASES


def next_states(env, x, u, count):
    """`count` independent successors of state x under control u."""
    out = np.empty((count, env.state_dim))
    for i in range(count):
        env.reset(options={"state": x})
        out[i], *_ = env.step(u)
    return out


def assert_gaussian(samples, mean, covariance):
    """Samples of N(mean, covariance) (covariance positive definite): the mean's Mahalanobis
    statistic is chi-square(n) and the sum of the samples' is chi-square(count n), exactly; each
    test fails with probability 1e-3 when the samples are right."""
    count, n = samples.shape
    inverse = np.linalg.inv(covariance)
    d = samples.mean(axis=0) - mean
    assert scipy.stats.chi2.sf(count * d @ inverse @ d, n) > 1e-3
    e = samples - mean
    total = np.einsum("ij,jk,ik->", e, inverse, e)
    assert 1e-3 / 2 < scipy.stats.chi2.cdf(total, count * n) < 1 - 1e-3 / 2


def test_stochastic_step_is_A_x_plus_B_u_plus_process_noise():
    problem = pgtruth.load(CASES / "double-integrator-stochastic.json")
    m = problem.matrices
    env = pgtruth.LqgEnv(problem, max_episode_steps=1)
    env.reset(seed=2024)
    x, u = np.array([0.7, -0.3]), np.array([1.5])
    assert_gaussian(next_states(env, x, u, 4000), m["A"] @ x + m["B"] @ u, m["W"])


def test_deterministic_formulation_adds_the_policy_noise_in_the_dynamics():
    problem = pgtruth.load(CASES / "double-integrator-deterministic.json")
    m = problem.matrices
    env = pgtruth.LqgEnv(problem, max_episode_steps=1)
    env.reset(seed=99)
    x, u = np.array([0.2, 0.4]), np.array([-0.5])
    assert_gaussian(next_states(env, x, u, 4000), m["A"] @ x + m["B"] @ u, m["B"] @ m["Sigma"] @ m["B"].T + m["W"])


def test_reward_is_minus_the_step_cost():
    """l(x, u) = x'Qx + u'Ru + 2 x'Nu, by hand for the scalar LQR: Q = 1, R = 0.5, N = 0."""
    env = pgtruth.LqgEnv(pgtruth.load(CASES / "scalar-lqr-stochastic.json"), max_episode_steps=5)
    env.reset(seed=1, options={"state": [2.0]})
    _, reward, terminated, truncated, info = env.step([-1.0])
    assert info["cost"] == 4.5 and reward == -4.5 and not terminated and not truncated


def test_cross_term_enters_the_cost():
    document = pgtruth.load(CASES / "scalar-lqr-stochastic.json").to_dict()
    document["N"] = [[0.25]]
    env = pgtruth.LqgEnv(pgtruth.from_dict(document), max_episode_steps=5)
    env.reset(options={"state": [2.0]})
    assert env.step([-1.0])[4]["cost"] == 4.5 + 2 * 2.0 * 0.25 * -1.0


def test_initial_states_follow_x0():
    problem = pgtruth.load(CASES / "double-integrator-stochastic.json")
    m = problem.matrices
    env = pgtruth.LqgEnv(problem, gamma_stops=True)
    env.reset(seed=5)
    assert_gaussian(np.array([env.reset()[0] for _ in range(4000)]), m["x0_mean"], m["x0_cov"])


def rollout_costs(env, problem, rng, episodes):
    """Per-episode lists of (state, control, cost) under the problem's own policy."""
    K, L = problem.matrices["K"], np.linalg.cholesky(problem.matrices["Sigma"])
    result = []
    for _ in range(episodes):
        x, _ = env.reset()
        steps, done = [], False
        while not done:
            u = -K @ x + L @ rng.standard_normal(L.shape[0])
            x_next, _, terminated, truncated, info = env.step(u)
            steps.append((x, u, info["cost"]))
            x, done = x_next, terminated or truncated
        result.append(steps)
    return result


@pytest.fixture(scope="module")
def scalar_episodes():
    """10 000 episodes of the scalar LQR under its own policy, ending w.p. 1 - gamma."""
    problem = pgtruth.load(CASES / "scalar-lqr-stochastic.json")
    env = pgtruth.LqgEnv(problem, gamma_stops=True)
    env.reset(seed=31)
    return problem, rollout_costs(env, problem, np.random.default_rng(32), 10000)


def test_episodes_with_gamma_stops_give_J_in_expectation(scalar_episodes):
    """With episodes ending w.p. 1 - gamma, the undiscounted return's mean is J; the mean is
    within 4.5 standard errors of it (a false alarm w.p. below 1e-5)."""
    problem, episodes = scalar_episodes
    returns = np.array([sum(c for _, _, c in steps) for steps in episodes])
    se = returns.std(ddof=1) / np.sqrt(returns.size)
    assert abs(returns.mean() - problem.solve().J) < 4.5 * se


def test_score_is_the_derivative_of_the_gaussian_log_density():
    """Against central differences of scipy's log density of N(-K x, Sigma) in each entry of K."""
    problem = pgtruth.load(CASES / "double-integrator-stochastic.json")
    m = problem.matrices
    x, u, h = np.array([0.3, -1.1]), np.array([0.4]), 1e-6
    score = problem.score(x, u)
    assert score.shape == m["K"].shape
    for i, j in np.ndindex(m["K"].shape):
        plus, minus = m["K"].copy(), m["K"].copy()
        plus[i, j] += h
        minus[i, j] -= h
        difference = (scipy.stats.multivariate_normal.logpdf(u, -plus @ x, m["Sigma"])
                      - scipy.stats.multivariate_normal.logpdf(u, -minus @ x, m["Sigma"])) / (2 * h)
        assert score[i, j] == pytest.approx(difference, rel=1e-7, abs=1e-9)
    np.testing.assert_array_equal(problem.policy_mean(x), -m["K"] @ x)


def test_reinforce_against_the_environment_is_unbiased_and_a_sign_slip_is_caught(scalar_episodes):
    """sum_t psi_t (sum_{k >= t} l_k) per episode is unbiased for dJ/dK under gamma stopping;
    the same from the rewards (-l) estimates -dJ/dK, which the check must reject."""
    problem, episodes = scalar_episodes
    estimates = []
    for steps in episodes:
        tails = np.cumsum([c for _, _, c in steps][::-1])[::-1]
        estimates.append(sum(problem.score(x, u) * tail for (x, u, _), tail in zip(steps, tails)).reshape(-1))
    estimates = np.array(estimates)
    pgtruth.testing.assert_unbiased(estimates, problem)
    with pytest.raises(AssertionError, match="inconsistent"):
        pgtruth.testing.assert_unbiased(-estimates, problem)


def test_bad_input_is_refused_naming_it():
    problem = pgtruth.load(CASES / "scalar-lqr-stochastic.json")
    with pytest.raises(pgtruth.InputError, match="never terminates"):
        pgtruth.LqgEnv(problem)
    env = pgtruth.LqgEnv(problem, gamma_stops=True)
    env.reset(seed=0)
    with pytest.raises(pgtruth.InputError, match="action"):
        env.step([np.nan])
    with pytest.raises(pgtruth.InputError, match="action"):
        env.step([1.0, 2.0])
    with pytest.raises(pgtruth.InputError, match="options"):
        env.reset(options={"state": [1.0, 2.0]})
    with pytest.raises(pgtruth.InputError, match="^x: "):
        problem.score([1.0, 2.0], [0.0])
    deterministic = problem.with_policy(Sigma=[[0.0]])
    with pytest.raises(pgtruth.InputError, match="Sigma"):
        deterministic.score([1.0], [0.0])
