"""Uniform-blueprint beliefs and rollouts for Phantom Tic-Tac-Toe and (Abrupt) Dark Hex, natively.

- ``enumerate_histories`` / ``sample_histories`` / ``posterior``: the same posterior as
  ``uedtp.search.update_equivalent.history_sampler`` with ``UniformAgent`` (same histories, same order,
  same weights, same node count), computed on the native twins of ``uedtp.envs.phantom.native``; its
  ``states`` is a sequence of ``NativeState`` objects;
- ``NativeUniformBeliefs`` / ``NativeRolloutActionValues``: drop-in ``Beliefs`` and
  ``ActionValues`` for ``uedtp.search.update_equivalent.core.UpdateEquivalentSearch``.

One step of a decision with both: replay the true history natively, enumerate (or importance
sample) the histories consistent with the player's information state, draw G of them, and run
the rollouts "apply a, then uniform play" for every action in one nogil batch (common random
numbers: rollout j of every action at a history uses the same seed), then average.
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from uedtp.csrc.phantom_games import HistoryBatch, enumerate_consistent, rollout_values, sample_consistent
from uedtp.envs.phantom.native import as_native
from uedtp.search.update_equivalent.history_sampler import (EnumerationLimitExceeded, Posterior,
                                                            SamplingShortfall, ZeroPosterior,
                                                            posterior_with_fallbacks)

_MAX_SEED = 2**63 - 1


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


def _normalised(raw: np.ndarray, exact: bool, visited: int, states: HistoryBatch) -> Posterior:
    total = float(np.sum(raw))
    if len(raw) == 0 or total <= 0.0:
        raise ZeroPosterior("no history consistent with the information state has positive "
                            "probability under the blueprint")
    return Posterior(states, raw / total, exact, visited)  # type: ignore[arg-type]


def enumerate_histories(state: Any, player: int, max_nodes: int = 200_000) -> Posterior:
    """Native ``uedtp.search.update_equivalent.history_sampler.enumerate_histories`` with the uniform blueprint."""
    batch, raw, visited = enumerate_consistent(as_native(state), player, max_nodes)
    if batch is None:
        raise EnumerationLimitExceeded(
            f"more than {max_nodes} nodes needed to enumerate the histories of player {player}")
    return _normalised(raw, True, visited, batch)


def sample_histories(state: Any, player: int, num_particles: int, rng: np.random.Generator,
                     max_attempts_per_particle: int = 100) -> Posterior:
    """Native sequential importance sampling (seeded from ``rng``); ``SamplingShortfall`` if
    too few particles are found."""
    batch, raw, visited = sample_particles(state, player, num_particles, rng,
                                           max_attempts_per_particle)
    return _normalised(raw, False, visited, batch)


def sample_particles(state: Any, player: int, num_particles: int, rng: np.random.Generator,
                     max_attempts_per_particle: int = 100) -> tuple[Any, np.ndarray, int]:
    """``sample_histories`` before normalisation: (native batch, raw weights, nodes visited)."""
    native = as_native(state)
    seed = int(rng.integers(0, _MAX_SEED))
    try:
        batch, raw, visited = sample_consistent(native, player, num_particles, seed,
                                                max_attempts_per_particle)
    except RuntimeError as err:
        if "found only" not in str(err):
            raise
        # the kernel keeps no partial particles: a shortfall with nothing to reuse
        raise SamplingShortfall(str(err)) from None
    return batch, raw, visited


def posterior(state: Any, player: int, rng: np.random.Generator, max_nodes: int = 20_000,
              num_particles: int = 100) -> Posterior:
    """Exact posterior if it fits in ``max_nodes`` nodes, importance sampling otherwise, then
    the fallbacks of ``history_sampler.posterior_with_fallbacks`` (never raises on a hard
    state but ``SamplingFailed`` / ``ZeroPosterior``, on which search keeps its blueprint)."""
    native = as_native(state)
    return posterior_with_fallbacks(
        lambda n: enumerate_histories(native, player, n),
        lambda k, m: sample_particles(native, player, k, rng, m),
        max_nodes=max_nodes, num_particles=num_particles)


class NativeUniformBeliefs:
    """``Beliefs`` for the uniform blueprint: like ``HistorySampler(UniformAgent())``, natively."""

    def __init__(self, max_nodes: int = 20_000, num_particles: int = 100) -> None:
        max_nodes = _int("max_nodes", max_nodes)
        num_particles = _int("num_particles", num_particles)
        if max_nodes <= 0 or num_particles <= 0:
            raise ValueError(f"max_nodes and num_particles must be positive, got {max_nodes} "
                             f"and {num_particles}")
        self.max_nodes = max_nodes
        self.num_particles = num_particles

    def posterior(self, state: Any, player: int, rng: np.random.Generator) -> Posterior:
        return posterior(state, player, rng, self.max_nodes, self.num_particles)


class NativeRolloutActionValues:
    """``ActionValues`` by uniform rollouts, natively: like ``RolloutActionValues(UniformAgent())``.

    Draws ``rollouts`` seeds per history from ``rng`` exactly as the Python class does (so the
    caller's generator advances identically with common random numbers); the rollouts run in
    one nogil batch, over ``num_threads`` OpenMP threads (results do not depend on it).
    """

    def __init__(self, rollouts: int = 1, common_random_numbers: bool = True,
                 num_threads: int = 1) -> None:
        rollouts, num_threads = _int("rollouts", rollouts), _int("num_threads", num_threads)
        if rollouts <= 0:
            raise ValueError(f"rollouts per action must be positive, got {rollouts}")
        if num_threads <= 0:
            raise ValueError(f"num_threads must be positive, got {num_threads}")
        self.rollouts = rollouts
        self.common_random_numbers = bool(common_random_numbers)
        self.num_threads = num_threads

    def returns(self, states: Sequence[Any], actions: Sequence[int], player: int,
                rng: np.random.Generator) -> np.ndarray:
        """Mean rollout return per (history, action), shape (len(states), len(actions))."""
        natives = [as_native(s) for s in states]
        # one draw of shape (H, R) yields the same numbers, and leaves rng in the same state,
        # as RolloutActionValues' H draws of size R
        seeds = rng.integers(0, _MAX_SEED, size=(len(natives), self.rollouts)).astype(np.uint64)
        return rollout_values(natives, list(actions), player, seeds,
                              self.common_random_numbers, self.num_threads)

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        if len(states) != len(weights):
            raise ValueError(f"{len(states)} histories but {len(weights)} weights")
        means = self.returns(states, actions, player, rng)
        return np.asarray(weights, dtype=np.float64) @ means
