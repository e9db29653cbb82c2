"""REINFORCE in PyTorch, written the usual way (a per-episode surrogate loss, loss.backward()),
with the gradients collected per episode and checked against pgtruth's exact gradient.

The problem: Sutton & Barto's short corridor (2018, Example 13.1) with gamma = 0.9 and a linear
softmax policy, logits = phi(s, .) theta with theta a torch Parameter, the parameterisation of
pgtruth's softmax with features. The surrogate loss of an episode is

    loss = -sum_t gamma^t G_t log pi(a_t | s_t),

so -grad loss is the REINFORCE estimate. The common bug of normalising the returns by the batch's
mean and standard deviation changes the mean of the estimates, and pgtruth's check says so.

    python3 reinforce_torch.py
"""
import numpy as np
import torch

import pgtruth


def corridor(gamma=0.9):
    """States s1, s2, s3, goal (terminal); actions left, right; reward -1 a step."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    P[1, 0, 2] = P[1, 1, 0] = 1.0  # switched actions
    P[2, 0, 1] = P[2, 1, 3] = 1.0
    return pgtruth.finite_problem(P, -np.ones((4, 2)), start=[1, 0, 0, 0], gamma=gamma, terminal=[3], features=FEATURES)


# A linear softmax policy, logits = phi(s, .) theta: phi(s, left) = 0, phi(s, right) = [1, s].
FEATURES = np.zeros((4, 2, 2))
FEATURES[:, 1, 0] = 1.0
FEATURES[:, 1, 1] = np.arange(4)


def run_episode(env, theta, phi):
    s, _ = env.reset()
    log_probs, rewards, done = [], [], False
    while not done:
        dist = torch.distributions.Categorical(logits=phi[s] @ theta)
        a = dist.sample()
        log_probs.append(dist.log_prob(a))
        s, r, terminated, truncated, _ = env.step(a.item())
        rewards.append(r)
        done = terminated or truncated
    return log_probs, rewards


def discounted_returns(rewards, gamma):
    G, out = 0.0, []
    for r in reversed(rewards):
        G = r + gamma * G
        out.append(G)
    return torch.tensor(out[::-1], dtype=torch.float64)


def reinforce_estimates(problem, theta, episodes, seed, normalise_returns=False, batch=12):
    """One estimate per episode, shape (episodes, len(theta)): -grad of the episode's surrogate loss."""
    torch.manual_seed(seed)
    gamma = problem.gamma
    theta = torch.nn.Parameter(torch.tensor(theta, dtype=torch.float64))
    phi = torch.tensor(FEATURES)
    env = pgtruth.FiniteEnv(problem)
    env.reset(seed=seed)
    estimates = []
    for _ in range(episodes // batch):
        runs = [run_episode(env, theta, phi) for _ in range(batch)]
        returns = [discounted_returns(rewards, gamma) for _, rewards in runs]
        if normalise_returns:  # the bug: statistics of the batch's returns
            flat = torch.cat(returns)
            returns = [(G - flat.mean()) / (flat.std() + 1e-8) for G in returns]
        for (log_probs, _), G in zip(runs, returns):
            discounts = gamma ** torch.arange(len(G), dtype=torch.float64)
            loss = -(discounts * G * torch.stack(log_probs)).sum()
            theta.grad = None
            loss.backward()
            estimates.append(-theta.grad.numpy().copy())
    return np.array(estimates)


def main():
    torch.set_num_threads(1)
    problem = corridor()
    theta = np.zeros(problem.num_parameters)
    estimates = reinforce_estimates(problem, theta, episodes=1200, seed=1)
    print(pgtruth.testing.assert_unbiased(estimates, problem, theta=theta).describe())
    buggy = reinforce_estimates(problem, theta, episodes=1200, seed=1, normalise_returns=True)
    print("with returns normalised:", pgtruth.check(buggy, problem, theta=theta).describe())


if __name__ == "__main__":
    main()
