"""Action values q(a) at an information state, averaged over histories from the posterior.

One step: for every history h (with weight w_h) and legal action a, estimate the return to the
acting player of "apply a at h, then every player follows the blueprint to the end", and
average: q(a) = Σ_h w_h R(h, a).

- ``ExactActionValues``: R is the exact expectation under the blueprint (a memoised tree walk);
  used by the exact mode in small games, where update equivalence is then exact.
- ``RolloutActionValues``: R is the mean of Monte Carlo rollouts; with common random numbers
  the j-th rollout of every action at history h uses the same random stream, which reduces
  the variance of differences between actions.

Both work on any state object with ``clone/apply_action/legal_actions/current_player/
is_terminal/is_chance_node/chance_outcomes/returns`` (OpenSpiel's ``pyspiel.State``).
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

from uedtp.search.update_equivalent.history_sampler import Blueprint


class ActionValues(Protocol):
    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        ...


class ExactActionValues:
    """Exact expected returns under the blueprint, memoised per history."""

    def __init__(self, blueprint: Blueprint, cache_limit: int = 5_000_000) -> None:
        self.blueprint = blueprint
        self._cache: dict[str, np.ndarray] = {}
        self._cache_limit = cache_limit

    def value(self, state: Any) -> np.ndarray:
        """Expected returns (all players) from ``state`` when everyone plays the blueprint."""
        if state.is_terminal():
            return np.asarray(state.returns(), dtype=float)
        key = state.history_str()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        if state.is_chance_node():
            outcomes = state.chance_outcomes()
        else:
            outcomes = self.blueprint.action_probabilities(state).items()
        total: float | np.ndarray = 0.0
        for action, prob in outcomes:
            if prob > 0.0:
                total = total + prob * self.value(state.child(action))
        if len(self._cache) < self._cache_limit:
            self._cache[key] = np.asarray(total, dtype=float)
        return np.asarray(total, dtype=float)

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator | None = None) -> np.ndarray:
        q = np.zeros(len(actions))
        for state, w in zip(states, weights):
            for k, action in enumerate(actions):
                q[k] += w * self.value(state.child(action))[player]
        return q


def rollout_returns(state: Any, blueprint: Blueprint, rng: np.random.Generator) -> np.ndarray:
    """Play ``state`` (modified in place) to the end under the blueprint; return the returns."""
    while not state.is_terminal():
        if state.is_chance_node():
            actions, probs = zip(*state.chance_outcomes())
        else:
            actions, probs = zip(*blueprint.action_probabilities(state).items())
        # the draw of uedtp.agents.protocol.sample_action (one uniform, inverse CDF: the same action
        # for the same generator state) written out, as it runs at every rollout step
        u = rng.random()
        cumulative = 0.0
        chosen = actions[-1]
        for action, prob in zip(actions, probs):
            cumulative += prob
            if u < cumulative:
                chosen = action
                break
        state.apply_action(chosen)
    return np.asarray(state.returns(), dtype=float)


class RolloutActionValues:
    """Monte Carlo action values: ``rollouts`` playouts per (history, action)."""

    def __init__(self, blueprint: Blueprint, rollouts: int = 1,
                 common_random_numbers: bool = True) -> None:
        if rollouts <= 0:
            raise ValueError(f"rollouts per action must be positive, got {rollouts}")
        self.blueprint = blueprint
        self.rollouts = rollouts
        self.common_random_numbers = common_random_numbers

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        q = np.zeros(len(actions))
        for state, w in zip(states, weights):
            seeds = rng.integers(0, 2**63 - 1, size=self.rollouts)
            for k, action in enumerate(actions):
                total = 0.0
                for j in range(self.rollouts):
                    stream = (np.random.default_rng(seeds[j]) if self.common_random_numbers
                              else rng)
                    child = state.clone()
                    child.apply_action(action)
                    total += rollout_returns(child, self.blueprint, stream)[player]
                q[k] += w * total / self.rollouts
        return q
