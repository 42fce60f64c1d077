"""Native fast path for Phantom Tic-Tac-Toe and (Abrupt) Dark Hex under the uniform blueprint.

The games are re-implemented as bitboard structs in ``csrc/phantom_games.pyx`` (exact parity with
OpenSpiel's rules and information states); this module is their Python face:

- ``supports(game)``, ``game_spec(game)``: which OpenSpiel games have a native twin;
- ``from_pyspiel(state)`` / ``to_pyspiel(native)``: convert by replaying the history;
- ``enumerate_histories`` / ``sample_histories`` / ``posterior``: the same posterior as
  ``envs.history_sampler`` with ``UniformAgent`` (same histories, same order, same weights, same
  node count), computed natively; its ``states`` is a sequence of ``NativeState`` objects;
- ``NativeUniformBeliefs`` / ``NativeRolloutActionValues``: drop-in ``Beliefs`` and
  ``ActionValues`` for ``search.update_equivalent.UpdateEquivalentSearch``.

One step of a decision with both: replay the true history natively, enumerate (or importance
sample) the histories consistent with the player's information state, draw G of them, and run
the rollouts "apply a, then uniform play" for every action in one nogil batch (common random
numbers: rollout j of every action at a history uses the same seed), then average.
"""
from __future__ import annotations

import functools
import operator
from typing import Any, Sequence

import numpy as np
import pyspiel

from csrc.phantom_games import (GameSpec, HistoryBatch, NativeState, enumerate_consistent,
                                rollout_values, sample_consistent)
from envs.history_sampler import EnumerationLimitExceeded, Posterior, ZeroPosterior
from envs.openspiel_games import as_game, load_game

__all__ = ["GameSpec", "NativeState", "HistoryBatch", "supports", "game_spec", "from_pyspiel",
           "as_native", "to_pyspiel", "enumerate_histories", "sample_histories", "posterior",
           "NativeUniformBeliefs", "NativeRolloutActionValues"]

_OBSTYPES = {"reveal-nothing": False, "reveal-numturns": True}
_PTTT_VERSIONS = {"classical": False, "abrupt": True}
_HEX_VERSIONS = {"cdh": False, "adh": True}
_MAX_SEED = 2**63 - 1


def _spec_args(game: pyspiel.Game) -> tuple[str, int, int, bool, bool] | str:
    """GameSpec arguments for ``game``, or a string saying why it has no native twin."""
    name = game.get_type().short_name
    params = game.get_parameters()
    obstype = params.get("obstype", "reveal-nothing")
    if obstype not in _OBSTYPES:
        return f"obstype {obstype!r} is not supported"
    if name == "phantom_ttt":
        version = params.get("gameversion", "classical")
        if version not in _PTTT_VERSIONS:
            return f"phantom_ttt gameversion {version!r} is not supported"
        return "tictactoe", 3, 3, _PTTT_VERSIONS[version], _OBSTYPES[obstype]
    if name == "dark_hex":
        version = params.get("gameversion", "cdh")
        if version not in _HEX_VERSIONS:
            return f"dark_hex gameversion {version!r} is not supported"
        rows, cols = int(params["num_rows"]), int(params["num_cols"])
        if rows < 2 or cols < 2 or rows * cols > 16:
            return (f"dark_hex board {rows}x{cols} is not supported "
                    "(need 2 <= rows, cols and at most 16 cells)")
        return "hex", rows, cols, _HEX_VERSIONS[version], _OBSTYPES[obstype]
    return f"game {name!r} has no native implementation (phantom_ttt and dark_hex only)"


@functools.lru_cache(maxsize=32)
def _spec_for(game_string: str) -> GameSpec:
    args = _spec_args(load_game(game_string))
    if isinstance(args, str):
        raise ValueError(f"{game_string}: {args}")
    return GameSpec(*args, game_string=game_string)


def supports(game: "str | pyspiel.Game") -> bool:
    """True iff ``game`` (a string or pyspiel.Game) has a native implementation."""
    try:
        return not isinstance(_spec_args(as_game(game)), str)
    except ValueError:
        return False


def game_spec(game: "str | pyspiel.Game") -> GameSpec:
    """The native twin of ``game``; ValueError naming the reason if there is none."""
    return _spec_for(str(as_game(game)))


def from_pyspiel(state: pyspiel.State) -> NativeState:
    """The native state with the same history as ``state``."""
    if not isinstance(state, pyspiel.State):
        raise TypeError(f"expected a pyspiel.State, got {type(state).__name__}")
    return game_spec(state.get_game()).from_history(state.history())


def as_native(state: Any) -> NativeState:
    """``state`` itself if native, else its conversion from a pyspiel.State."""
    return state if isinstance(state, NativeState) else from_pyspiel(state)


def to_pyspiel(state: NativeState, game: pyspiel.Game | None = None) -> pyspiel.State:
    """The OpenSpiel state with the same history (``game`` defaults to the spec's game)."""
    if not isinstance(state, NativeState):
        raise TypeError(f"expected a NativeState, got {type(state).__name__}")
    game = game if game is not None else load_game(state.game.game_string)
    if str(game) != state.game.game_string:
        raise ValueError(f"state belongs to {state.game.game_string}, not {game}")
    out = game.new_initial_state()
    for action in state.history():
        out.apply_action(action)
    return out


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


def _normalised(raw: np.ndarray, exact: bool, visited: int, states: Sequence[Any]) -> Posterior:
    total = float(np.sum(raw))
    if len(raw) == 0 or total <= 0.0:
        raise ZeroPosterior("no history consistent with the information state has positive "
                            "probability under the blueprint")
    return Posterior(states, raw / total, exact, visited)  # type: ignore[arg-type]


def enumerate_histories(state: Any, player: int, max_nodes: int = 200_000) -> Posterior:
    """Native ``envs.history_sampler.enumerate_histories`` with the uniform blueprint."""
    batch, raw, visited = enumerate_consistent(as_native(state), player, max_nodes)
    if batch is None:
        raise EnumerationLimitExceeded(
            f"more than {max_nodes} nodes needed to enumerate the histories of player {player}")
    return _normalised(raw, True, visited, batch)


def sample_histories(state: Any, player: int, num_particles: int, rng: np.random.Generator,
                     max_attempts_per_particle: int = 100) -> Posterior:
    """Native sequential importance sampling (seeded from ``rng``)."""
    native = as_native(state)
    seed = int(rng.integers(0, _MAX_SEED))
    batch, raw, visited = sample_consistent(native, player, num_particles, seed,
                                            max_attempts_per_particle)
    return _normalised(raw, False, visited, batch)


def posterior(state: Any, player: int, rng: np.random.Generator, max_nodes: int = 20_000,
              num_particles: int = 100) -> Posterior:
    """Exact posterior if it fits in ``max_nodes`` nodes, importance sampling otherwise."""
    native = as_native(state)
    try:
        return enumerate_histories(native, player, max_nodes)
    except EnumerationLimitExceeded:
        return sample_histories(native, player, num_particles, rng)


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
