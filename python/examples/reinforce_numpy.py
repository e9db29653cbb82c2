"""REINFORCE in plain NumPy against pgtruth's environment, checked against the exact gradient.

The problem: Sutton & Barto's short corridor (2018, Example 13.1; in the second cell the actions
are switched), discounted with gamma = 0.9, a linear softmax policy. Each episode gives one
estimate of the policy gradient,

    g = sum_t gamma^t G_t grad log pi(a_t | s_t),   G_t = sum_{k >= t} gamma^(k - t) r_k,

whose mean is the exact gradient (Sutton et al. 2000). The common bug of dropping gamma^t
(Nota & Thomas 2020) gives another mean, and pgtruth's check says so.

    python3 reinforce_numpy.py
"""
import numpy as np

import pgtruth


def corridor(gamma=0.9):
    """States s1, s2, s3, goal (terminal); actions left, right; reward -1 a step."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 0] = P[0, 1, 1] = 1.0  # s1: left stays, right moves on
    P[1, 0, 2] = P[1, 1, 0] = 1.0  # s2: switched
    P[2, 0, 1] = P[2, 1, 3] = 1.0  # s3: right reaches the goal
    R = -np.ones((4, 2))
    return pgtruth.finite_problem(P, R, start=[1, 0, 0, 0], gamma=gamma, terminal=[3], features=FEATURES,
                                  states=["s1", "s2", "s3", "goal"], actions=["left", "right"])


# A linear softmax policy, pi(a|s) proportional to exp(theta . phi(s, a)): phi(s, left) = 0 and
# phi(s, right) = [1, s], so the cells can be told apart a little.
FEATURES = np.zeros((4, 2, 2))
FEATURES[:, 1, 0] = 1.0
FEATURES[:, 1, 1] = np.arange(4)


def softmax(logits):
    z = np.exp(logits - logits.max())
    return z / z.sum()


def reinforce_estimates(problem, theta, episodes, seed, drop_discount=False):
    """One REINFORCE estimate per episode, shape (episodes, len(theta)), for the linear
    softmax policy of FEATURES (pgtruth's "softmax" with features)."""
    A, gamma = problem.num_actions, problem.gamma
    env = pgtruth.FiniteEnv(problem)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    estimates = np.zeros((episodes, theta.size))
    for i in range(episodes):
        s, _ = env.reset()
        states, actions, rewards = [], [], []
        done = False
        while not done:
            a = rng.choice(A, p=softmax(FEATURES[s] @ theta))
            s_next, r, terminated, truncated, _ = env.step(a)
            states.append(s), actions.append(a), rewards.append(r)
            s, done = s_next, terminated or truncated
        G = 0.0
        for t in reversed(range(len(rewards))):
            G = rewards[t] + gamma * G
            s, a = states[t], actions[t]
            score = FEATURES[s, a] - softmax(FEATURES[s] @ theta) @ FEATURES[s]  # grad log pi(a|s)
            weight = G if drop_discount else gamma ** t * G
            estimates[i] += weight * score
    return estimates


def main():
    problem = corridor()
    theta = np.zeros(problem.num_parameters)
    estimates = reinforce_estimates(problem, theta, episodes=2000, seed=1)
    print(pgtruth.testing.assert_unbiased(estimates, problem, theta=theta).describe())
    buggy = reinforce_estimates(problem, theta, episodes=2000, seed=1, drop_discount=True)
    print("with gamma^t dropped:", pgtruth.check(buggy, problem, theta=theta).describe())


if __name__ == "__main__":
    main()
