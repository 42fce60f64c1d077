"""Batches of games with one interface, for the neural trainers, rollouts and best responses.

A *game batch* holds ``n`` games and offers: ``current`` / ``done`` arrays, ``legal_mask(rows)``,
``apply(rows, actions)``, ``returns()``, ``information_state_tensor(rows, players)``,
``select(rows)``, ``histories(rows)`` and ``from_histories``. Two implementations:

- ``uedtp.envs.phantom.batch.PhantomBatch``: Phantom Tic-Tac-Toe / Dark Hex in numpy (fast path);
- ``PyspielBatch``: any other OpenSpiel sequential game (Kuhn, Leduc, ...), one ``pyspiel.State``
  per row; chance nodes are resolved by sampling right after every step (so a row is always at
  a decision node or finished). One step is a Python loop over the rows, fine for small games.

``make_batch(game, n, seed)`` picks the fast path when there is one; ``policy_inputs`` gives the
network input (tensor + player one-hot, as ``uedtp.envs.tensor_obs``) for rows of either kind.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
import pyspiel

from uedtp.envs.phantom import batch as vector_phantom
from uedtp.envs.openspiel_games import GameError, as_game, sample_chance_outcome
from uedtp.envs.tensor_obs import with_player


class PyspielBatch:
    """``n`` OpenSpiel games as a game batch (see module docstring)."""

    def __init__(self, game: "str | pyspiel.Game", n: int, seed: int | None = 0) -> None:
        self.game = as_game(game)
        info = self.game.get_type()
        if info.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL or self.game.num_players() != 2:
            raise GameError(f"PyspielBatch needs a sequential two-player game, got {self.game}")
        if not info.provides_information_state_tensor:
            raise GameError(f"{self.game} does not provide an information_state_tensor")
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"number of games must be a non-negative int, got {n!r}")
        self.rng = np.random.default_rng(seed)
        self.states = [self.game.new_initial_state() for _ in range(n)]
        self.num_actions = self.game.num_distinct_actions()
        self.tensor_size = int(np.prod(self.game.information_state_tensor_shape()))
        self.current = np.zeros(n, dtype=np.int64)
        self.done = np.zeros(n, dtype=bool)
        for r in range(n):
            self._settle(r)

    def _settle(self, r: int) -> None:
        state = self.states[r]
        while state.is_chance_node():
            state.apply_action(sample_chance_outcome(state, self.rng))
        self.done[r] = state.is_terminal()
        self.current[r] = -1 if self.done[r] else state.current_player()

    @property
    def n(self) -> int:
        return len(self.states)

    def __len__(self) -> int:
        return self.n

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.done)

    def select(self, rows: Sequence[int] | np.ndarray) -> "PyspielBatch":
        out = PyspielBatch.__new__(PyspielBatch)
        out.game, out.rng = self.game, np.random.default_rng(self.rng.integers(2**63))
        out.num_actions, out.tensor_size = self.num_actions, self.tensor_size
        rows = np.asarray(rows, dtype=np.int64)
        out.states = [self.states[r].clone() for r in rows]
        out.current, out.done = self.current[rows].copy(), self.done[rows].copy()
        return out

    def legal_mask(self, rows: np.ndarray | None = None) -> np.ndarray:
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        mask = np.zeros((len(rows), self.num_actions), dtype=bool)
        for k, r in enumerate(rows):
            if not self.done[r]:
                mask[k, self.states[r].legal_actions()] = True
        return mask

    def apply(self, rows: np.ndarray, actions: np.ndarray, check: bool = True) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        if rows.shape != actions.shape:
            raise ValueError(f"{len(rows)} rows but {len(actions)} actions")
        for r, a in zip(rows, actions):
            state = self.states[r]
            if check:
                if self.done[r]:
                    raise ValueError("cannot apply an action to a finished game")
                if int(a) not in state.legal_actions():
                    raise ValueError(f"illegal action {int(a)} in {self.game}")
            state.apply_action(int(a))
            self._settle(int(r))

    def returns(self) -> np.ndarray:
        out = np.zeros((self.n, 2))
        for r, state in enumerate(self.states):
            if state.is_terminal():
                out[r] = state.returns()
        return out

    def information_state_tensor(self, rows: np.ndarray | None = None,
                                 players: np.ndarray | None = None) -> np.ndarray:
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        players = self.current[rows] if players is None else np.asarray(players, dtype=np.int64)
        out = np.zeros((len(rows), self.tensor_size), dtype=np.float32)
        for k, (r, p) in enumerate(zip(rows, players)):
            out[k] = np.asarray(self.states[r].information_state_tensor(int(p)),
                                dtype=np.float32).ravel()
        return out

    def histories(self, rows: np.ndarray | None = None) -> list[list[int]]:
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        return [list(self.states[r].history()) for r in rows]

    @classmethod
    def from_histories(cls, game: "str | pyspiel.Game", histories: Sequence[Sequence[int]],
                       seed: int | None = 0) -> "PyspielBatch":
        out = cls(game, 0, seed)
        for h in histories:
            state = out.game.new_initial_state()
            for a in h:
                state.apply_action(int(a))
            out.states.append(state)
        out.current = np.zeros(len(out.states), dtype=np.int64)
        out.done = np.zeros(len(out.states), dtype=bool)
        for r in range(len(out.states)):
            out._settle(r)
        return out


GameBatch = Union[vector_phantom.PhantomBatch, PyspielBatch]


def make_batch(game: "str | pyspiel.Game", n: int, seed: int | None = 0) -> GameBatch:
    """``n`` fresh games: numpy fast path for phantom games, ``PyspielBatch`` otherwise."""
    game = as_game(game)
    if vector_phantom.supports(game):
        return vector_phantom.PhantomBatch(game, n)
    return PyspielBatch(game, n, seed)


def batch_from_histories(game: "str | pyspiel.Game", histories: Sequence[Sequence[int]],
                         seed: int | None = 0) -> GameBatch:
    game = as_game(game)
    if vector_phantom.supports(game):
        return vector_phantom.PhantomBatch.from_histories(game, histories)
    return PyspielBatch.from_histories(game, histories, seed)


def policy_inputs(batch: GameBatch, rows: np.ndarray, players: np.ndarray | None = None
                  ) -> np.ndarray:
    """Network inputs (tensor + player one-hot) of ``rows`` for ``players`` (default: movers)."""
    rows = np.asarray(rows, dtype=np.int64)
    players = batch.current[rows] if players is None else np.asarray(players, dtype=np.int64)
    return with_player(batch.information_state_tensor(rows, players), players, 2)
