"""An environment over a finite problem, with Gymnasium's reset/step contract (no dependency on
gymnasium): the problem's exact transitions and per-outcome rewards."""
import numpy as np

from . import _pgtruth


class _Episodes:
    """What both environments share: the random stream, and how a step ends an episode."""

    def _reseed(self, seed):
        if seed is not None:
            self._rng = np.random.default_rng(seed)

    def _end_of_step(self, terminated):
        """(terminated, truncated, info) after a step: `terminated` by the dynamics, else w.p.
        1 - gamma under gamma_stops (info["stopped"]), else truncated at max_episode_steps."""
        self._steps += 1
        info = {}
        if not terminated and self.gamma_stops and self._rng.random() >= self.gamma:
            terminated, info["stopped"] = True, True
        truncated = not terminated and self.max_episode_steps is not None and self._steps >= self.max_episode_steps
        return terminated, truncated, info


class FiniteEnv(_Episodes):
    """Episodes of a :class:`pgtruth.FiniteProblem`. Observations are state indices (int),
    actions are action indices (int).

    Discounting. By default an episode ends only on entering a terminal state (terminated) or
    after ``max_episode_steps`` steps (truncated), and the discount is the user's: the
    objective is J = E[sum_t gamma^t r_t]. With ``gamma_stops=True`` the episode also ends
    with probability 1 - gamma after every step (terminated, ``info["stopped"] = True``),
    pgtruth's own sampling scheme: then J = E[sum_t r_t], undiscounted, and a step t term
    needs no gamma^t (it survives with probability gamma^t). Episodes of a problem without
    terminal states, gamma < 1, need ``gamma_stops=True`` or a ``max_episode_steps``.

    reset(seed=None, options=None) -> (state, info); options={"state": s} starts at s.
    step(action) -> (state, reward, terminated, truncated, info)."""

    def __init__(self, problem, *, gamma_stops=False, max_episode_steps=None):
        self.problem = problem
        self.gamma_stops = bool(gamma_stops)
        self.max_episode_steps = max_episode_steps
        self.num_states, self.num_actions, self.gamma = problem.num_states, problem.num_actions, problem.gamma
        o = problem.outcomes()
        self._begin = o["row_begin"].tolist()
        self._next = o["next"].tolist()
        self._probability = o["probability"].tolist()
        self._reward = o["reward"].tolist()
        self._terminal = problem.terminal.tolist()
        self._start = problem.start
        self._rng = np.random.default_rng()
        self._state = None
        self._steps = 0

    def reset(self, *, seed=None, options=None):
        self._reseed(seed)
        if options and "state" in options:
            s = int(options["state"])
            if not 0 <= s < self.num_states:
                raise _pgtruth.InputError(f"options['state']: expected a state from 0 to {self.num_states - 1}, found {s}")
        else:
            s = int(self._rng.choice(self.num_states, p=self._start))
        self._state, self._steps = s, 0
        return s, {}

    def step(self, action):
        s = self._state
        if s is None:
            raise RuntimeError("step() before reset(), or after the episode ended: call reset()")
        if self._terminal[s]:
            raise RuntimeError(f"state {s} is terminal: the episode has ended; call reset()")
        a = int(action)
        if not 0 <= a < self.num_actions:
            raise _pgtruth.InputError(f"action: expected an action from 0 to {self.num_actions - 1}, found {action}")
        row = s * self.num_actions + a
        first, end = self._begin[row], self._begin[row + 1]
        u, k = self._rng.random(), end - 1  # the outcome drawn by its probability, in order
        for j in range(first, end - 1):
            u -= self._probability[j]
            if u < 0.0:
                k = j
                break
        s_next, reward = self._next[k], self._reward[k]
        terminated, truncated, info = self._end_of_step(self._terminal[s_next])
        self._state = None if terminated or truncated else s_next
        return s_next, reward, terminated, truncated, info
