"""Many Phantom Tic-Tac-Toe / Dark Hex games stepped in lockstep (no Python per game).

The neural code (self-play training, batched rollouts, best-response learning, batched beliefs)
needs thousands of small games advanced together and their information-state tensors as one
array. ``PhantomBatch`` keeps ``n`` games as rows of small integer numpy arrays (board, stone
masks, each player's view and own tries, the history, mover, done, winner); the rules are not
repeated here: one step (``apply(rows, actions)``) is one call of the nogil batch kernel of
``csrc/phantom_games.pyx``, which for every listed row plays the move with the native engine's
``pg_apply`` (the same rule code ``NativeState`` and MMD search's fast path use):

  1. the mover ``p`` of each row tries cell ``a``; if the true board has it empty the stone is
     placed (success), otherwise the cell holds the opponent's stone (failure);
  2. the mover's view learns the cell's true content and its own-action sequence grows by ``a``;
  3. a success that completes a line (tic-tac-toe) or connects the mover's two edges (hex) ends
     the game, as does a full tic-tac-toe board;
  4. the turn passes after a success, and after a failure only in the abrupt versions.

``legal_mask`` and ``information_state_tensor`` are native kernels too. The tensor reproduces
OpenSpiel's ``information_state_tensor`` for ``phantom_ttt`` and ``dark_hex`` (reveal-nothing
observations) bit for bit, so a network trained on these batches plays ``pyspiel`` states
unchanged (tests check the parity on random games).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pyspiel

from uedtp.csrc.mlp import NativeMLP
from uedtp.csrc.phantom_games import (GameSpec, batch_apply, batch_rollout_native, batch_information_state_tensor,
                                      batch_legal_mask)
from uedtp.envs.openspiel_games import GameError, as_game

EMPTY, STONE0, STONE1 = 0, 1, 2


@dataclass(frozen=True)
class PhantomSpec:
    """Which phantom board game a batch plays and its tensor layout."""

    game_string: str
    board: str              # "ttt" or "hex"
    rows: int
    cols: int
    abrupt: bool

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    @property
    def num_actions(self) -> int:
        return self.cells

    @property
    def max_length(self) -> int:
        return 2 * self.cells - 1

    @property
    def cell_states(self) -> int:
        return 3 if self.board == "ttt" else 9

    @property
    def tensor_size(self) -> int:
        return self.cells * self.cell_states + self.cells * self.cells


@functools.lru_cache(maxsize=32)
def _native(spec: PhantomSpec) -> GameSpec:
    """The native engine's game (rules and win tables) for ``spec``."""
    return GameSpec("tictactoe" if spec.board == "ttt" else "hex", spec.rows, spec.cols,
                    spec.abrupt, False, game_string=spec.game_string)


@functools.lru_cache(maxsize=32)
def _spec_for(game_string: str) -> PhantomSpec:
    game = as_game(game_string)
    name = game.get_type().short_name
    params = game.get_parameters()
    if params.get("obstype", "reveal-nothing") != "reveal-nothing":
        raise GameError(f"{game_string}: only obstype=reveal-nothing is supported by PhantomBatch")
    if name == "phantom_ttt":
        version = params.get("gameversion", "classical")
        if version not in ("classical", "abrupt"):
            raise GameError(f"{game_string}: unknown phantom_ttt gameversion {version!r}")
        return PhantomSpec(str(game), "ttt", 3, 3, version == "abrupt")
    if name == "dark_hex":
        version = params.get("gameversion", "cdh")
        rows, cols = int(params["num_rows"]), int(params["num_cols"])
        if rows < 2 or cols < 2 or rows * cols > 16:
            # (OpenSpiel's edge rules for a single row or column are not the native engine's)
            raise GameError(f"{game_string}: PhantomBatch supports hex boards with "
                            "2 <= rows, cols and at most 16 cells")
        return PhantomSpec(str(game), "hex", rows, cols, version == "adh")
    raise GameError(f"PhantomBatch plays phantom_ttt and dark_hex only, not {name!r}")


def phantom_spec(game: "str | pyspiel.Game") -> PhantomSpec:
    """The spec of a supported game; ``GameError`` naming the reason otherwise."""
    return _spec_for(str(as_game(game)))


def supports(game: "str | pyspiel.Game") -> bool:
    try:
        phantom_spec(game)
        return True
    except (GameError, ValueError):
        return False


class PhantomBatch:
    """``n`` games of one phantom board game, stepped together (see module docstring)."""

    def __init__(self, game: "str | pyspiel.Game | PhantomSpec", n: int) -> None:
        spec = game if isinstance(game, PhantomSpec) else phantom_spec(game)
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"number of games must be a non-negative int, got {n!r}")
        self.spec = spec
        self._game = _native(spec)
        c = spec.cells
        self.board = np.zeros((n, c), dtype=np.int8)
        self.stones = np.zeros((n, 2), dtype=np.int64)
        self.view = np.zeros((n, 2, c), dtype=np.int8)
        self.seq = np.full((n, 2, c), -1, dtype=np.int8)
        self.seq_len = np.zeros((n, 2), dtype=np.int64)
        self.current = np.zeros(n, dtype=np.int64)
        self.done = np.zeros(n, dtype=bool)
        self.winner = np.full(n, -1, dtype=np.int64)
        self.hist = np.full((n, spec.max_length), -1, dtype=np.int8)
        self.hist_len = np.zeros(n, dtype=np.int64)

    # ------------------------------------------------------------------ basics
    @property
    def n(self) -> int:
        return len(self.current)

    @property
    def num_actions(self) -> int:
        return self.spec.num_actions

    @property
    def tensor_size(self) -> int:
        return self.spec.tensor_size

    def __len__(self) -> int:
        return self.n

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.done)

    def select(self, rows: Sequence[int] | np.ndarray) -> "PhantomBatch":
        """A new batch holding copies of ``rows`` (repeats allowed)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = PhantomBatch.__new__(PhantomBatch)
        out.spec, out._game = self.spec, self._game
        for name in self._FIELDS:
            setattr(out, name, getattr(self, name)[rows])
        return out

    _FIELDS = ("board", "stones", "view", "seq", "seq_len", "current", "done", "winner", "hist",
               "hist_len")

    @classmethod
    def concat(cls, batches: Sequence["PhantomBatch"]) -> "PhantomBatch":
        """One batch with the rows of ``batches`` in order (all of the same game)."""
        if not batches:
            raise ValueError("concat needs at least one batch")
        first = batches[0]
        if any(b.spec != first.spec for b in batches):
            raise ValueError("cannot concatenate batches of different games")
        out = PhantomBatch.__new__(PhantomBatch)
        out.spec, out._game = first.spec, first._game
        for name in cls._FIELDS:
            setattr(out, name, np.concatenate([getattr(b, name) for b in batches]))
        return out

    # ------------------------------------------------------------------ dynamics
    _DTYPES = {"board": np.int8, "stones": np.int64, "view": np.int8, "seq": np.int8,
               "seq_len": np.int64, "current": np.int64, "done": np.bool_, "winner": np.int64,
               "hist": np.int8, "hist_len": np.int64}

    def _field(self, name: str) -> np.ndarray:
        """Field ``name`` as the C-contiguous array of its dtype the kernels need (re-stored
        as such if a caller replaced it by another array)."""
        arr = getattr(self, name)
        want = self._DTYPES[name]
        if not (isinstance(arr, np.ndarray) and arr.dtype == want and arr.flags.c_contiguous):
            arr = np.ascontiguousarray(arr, dtype=want)
            setattr(self, name, arr)
        return arr

    @staticmethod
    def _index(values: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values, dtype=np.int64)

    def legal_mask(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(k, A) bool: the cells empty in the mover's view (all False for finished games)."""
        return batch_legal_mask(self._game, self._field("view"), self._field("current"),
                                self._field("done").view(np.uint8),
                                None if rows is None else self._index(rows))

    def apply(self, rows: np.ndarray, actions: np.ndarray, check: bool = True) -> None:
        """Mover of each row in ``rows`` tries cell ``actions[k]`` (one step, module doc).

        ``check`` (default) also rejects finished games, cells not empty in the mover's view and
        repeated rows; rows and cells are range-checked always. On an error nothing changes.
        """
        rows = self._index(rows)
        actions = self._index(actions)
        if rows.shape != actions.shape:
            raise ValueError(f"{len(rows)} rows but {len(actions)} actions")
        if len(rows) == 0:
            return
        batch_apply(self._game, self._field("board"), self._field("stones"),
                    self._field("view"), self._field("seq"), self._field("seq_len"),
                    self._field("current"), self._field("done").view(np.uint8),
                    self._field("winner"), self._field("hist"), self._field("hist_len"),
                    rows, actions, bool(check))

    def rollout_native(self, net: NativeMLP, temperature: float, uniform_rows: np.ndarray,
                       uniforms: np.ndarray, chunk: int = 1, threads: int = 1) -> None:
        """Play every row to the end with a native network (``uedtp.csrc.mlp.NativeMLP``): row r's
        t-th move from now on is drawn by inverse CDF from ``uniforms[uniform_rows[r], t]``, as
        the step loop over ``legal_mask`` / ``information_state_tensor`` + player one-hot /
        ``uedtp.agents.protocol.sample_actions`` / ``apply`` would (``batch_rollout_native``)."""
        batch_rollout_native(self._game, net, float(temperature), self._field("board"),
                             self._field("stones"), self._field("view"), self._field("seq"),
                             self._field("seq_len"), self._field("current"),
                             self._field("done").view(np.uint8), self._field("winner"),
                             self._field("hist"), self._field("hist_len"),
                             self._index(uniform_rows),
                             np.ascontiguousarray(uniforms, dtype=np.float64), int(chunk),
                             int(threads))

    def returns(self) -> np.ndarray:
        """(n, 2) returns: +1/-1 for a decided game, 0 for a draw or an unfinished game."""
        out = np.zeros((self.n, 2))
        decided = self.winner >= 0
        w = self.winner[decided]
        out[decided, w] = 1.0
        out[decided, 1 - w] = -1.0
        return out

    # ------------------------------------------------------------------ tensors
    def information_state_tensor(self, rows: np.ndarray | None = None,
                                 players: np.ndarray | None = None) -> np.ndarray:
        """(k, D) float32: OpenSpiel's information_state_tensor of ``players`` (default: movers)."""
        rows = np.arange(self.n) if rows is None else self._index(rows)
        players = self.current[rows] if players is None else self._index(players)
        return batch_information_state_tensor(self._game, self._field("view"),
                                              self._field("seq"), rows,
                                              np.ascontiguousarray(players, dtype=np.int64))

    # ------------------------------------------------------------------ conversion
    def histories(self, rows: np.ndarray | None = None) -> list[list[int]]:
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        return [self.hist[r, :self.hist_len[r]].astype(int).tolist() for r in rows]

    @classmethod
    def from_histories(cls, game: "str | pyspiel.Game | PhantomSpec",
                       histories: Sequence[Sequence[int]]) -> "PhantomBatch":
        """Replay action lists (all rows advance together, shorter ones stop early)."""
        batch = cls(game, len(histories))
        lengths = np.array([len(h) for h in histories], dtype=np.int64)
        if len(histories) and lengths.max() > batch.spec.max_length:
            raise ValueError(f"a history is longer than {batch.spec.max_length} moves")
        table = np.zeros((len(histories), int(lengths.max()) if len(histories) else 0),
                         dtype=np.int64)
        for i, h in enumerate(histories):
            table[i, :len(h)] = h
        for t in range(table.shape[1]):
            rows = np.flatnonzero(lengths > t)
            if np.any(batch.done[rows]):
                raise ValueError("a history continues after the end of its game")
            batch.apply(rows, table[rows, t])
        return batch

    @classmethod
    def from_states(cls, states: Sequence[Any]) -> "PhantomBatch":
        """Batch of the given states (``pyspiel.State`` or anything with ``history()``)."""
        if not states:
            raise ValueError("from_states needs at least one state")
        first = states[0]
        game = first.get_game() if hasattr(first, "get_game") else getattr(first, "game")
        return cls.from_histories(game, [list(s.history()) for s in states])
