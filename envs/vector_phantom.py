"""Many Phantom Tic-Tac-Toe / Dark Hex games stepped in lockstep with numpy (no Python per game).

The neural code (self-play training, batched rollouts, best-response learning, batched beliefs)
needs thousands of small games advanced together and their information-state tensors as one
array. ``PhantomBatch`` keeps ``n`` games as rows of small integer arrays; one step
(``apply(rows, actions)``) is a handful of vectorised array operations for all the rows:

  1. the mover ``p`` of each row tries cell ``a``; if the true board has it empty the stone is
     placed (success), otherwise the cell holds the opponent's stone (failure);
  2. the mover's view learns the cell's true content and its own-action sequence grows by ``a``;
  3. a success that completes a line (tic-tac-toe) or connects the mover's two edges (hex,
     by a precomputed table over stone bitmasks) ends the game, as does a full board;
  4. the turn passes after a success, and after a failure only in the abrupt versions.

``information_state_tensor`` reproduces OpenSpiel's ``information_state_tensor`` for
``phantom_ttt`` and ``dark_hex`` (reveal-nothing observations) bit for bit, so a network trained
on these batches plays ``pyspiel`` states unchanged (tests check the parity on random games).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyspiel

from envs.openspiel_games import GameError, as_game

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


def _hex_neighbours(rows: int, cols: int, cell: int) -> list[int]:
    r, c = divmod(cell, cols)
    out = []
    for dr, dc in ((-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0)):
        rr, cc = r + dr, c + dc
        if 0 <= rr < rows and 0 <= cc < cols:
            out.append(rr * cols + cc)
    return out


def _hex_connected(mask: int, rows: int, cols: int, player: int) -> bool:
    """Player 0 joins the top and bottom rows, player 1 the left and right columns."""
    cells = [i for i in range(rows * cols) if mask >> i & 1]
    if player == 0:
        start = [i for i in cells if i < cols]
        goal = lambda i: i >= (rows - 1) * cols  # noqa: E731
    else:
        start = [i for i in cells if i % cols == 0]
        goal = lambda i: i % cols == cols - 1  # noqa: E731
    seen, stack = set(start), list(start)
    while stack:
        i = stack.pop()
        if goal(i):
            return True
        for j in _hex_neighbours(rows, cols, i):
            if mask >> j & 1 and j not in seen:
                seen.add(j)
                stack.append(j)
    return False


@functools.lru_cache(maxsize=16)
def _win_table(board: str, rows: int, cols: int) -> np.ndarray:
    """win[p, mask] = True iff stones ``mask`` of player p win."""
    cells = rows * cols
    table = np.zeros((2, 1 << cells), dtype=bool)
    if board == "ttt":
        lines = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8),
                 (2, 4, 6)]
        masks = np.arange(1 << cells)
        for line in lines:
            bits = sum(1 << i for i in line)
            table[:, (masks & bits) == bits] = True
        return table
    for player in range(2):
        for mask in range(1 << cells):
            table[player, mask] = _hex_connected(mask, rows, cols, player)
    return table


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
        if rows * cols > 16:
            raise GameError(f"{game_string}: PhantomBatch supports boards of at most 16 cells")
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
        self._win = _win_table(spec.board, spec.rows, spec.cols)
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
        if spec.board == "ttt":
            # OpenSpiel tic-tac-toe planes: empty, nought (player 1), cross (player 0).
            self._plane = np.array([0, 2, 1], dtype=np.int64)
        else:
            # OpenSpiel hex cell states offset by 4: white (player 1) 3, empty 4, black 5.
            self._plane = np.array([4, 5, 3], dtype=np.int64)

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
        out.spec, out._win, out._plane = self.spec, self._win, self._plane
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
        out.spec, out._win, out._plane = first.spec, first._win, first._plane
        for name in cls._FIELDS:
            setattr(out, name, np.concatenate([getattr(b, name) for b in batches]))
        return out

    # ------------------------------------------------------------------ dynamics
    def legal_mask(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(k, A) bool: the cells empty in the mover's view (all False for finished games)."""
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        mask = self.view[rows, self.current[rows]] == EMPTY
        mask[self.done[rows]] = False
        return mask

    def apply(self, rows: np.ndarray, actions: np.ndarray, check: bool = True) -> None:
        """Mover of each row in ``rows`` tries cell ``actions[k]`` (one step, module doc)."""
        rows = np.asarray(rows, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        if rows.shape != actions.shape:
            raise ValueError(f"{len(rows)} rows but {len(actions)} actions")
        if len(rows) == 0:
            return
        p = self.current[rows]
        if check:
            if np.any(self.done[rows]):
                raise ValueError("cannot apply an action to a finished game")
            if np.any((actions < 0) | (actions >= self.spec.cells)):
                raise ValueError(f"actions must be cells in [0, {self.spec.cells})")
            if np.any(self.view[rows, p, actions] != EMPTY):
                bad = int(actions[self.view[rows, p, actions] != EMPTY][0])
                raise ValueError(f"illegal action {bad}: the cell is not empty in the mover's view")
            if len(np.unique(rows)) != len(rows):
                raise ValueError("each row may appear once per apply")
        success = self.board[rows, actions] == EMPTY
        stone = (p + 1).astype(np.int8)
        s_rows, s_act, s_p = rows[success], actions[success], p[success]
        self.board[s_rows, s_act] = stone[success]
        self.stones[s_rows, s_p] |= (np.int64(1) << s_act)
        self.view[rows, p, actions] = self.board[rows, actions]
        self.seq[rows, p, self.seq_len[rows, p]] = actions
        self.seq_len[rows, p] += 1
        self.hist[rows, self.hist_len[rows]] = actions
        self.hist_len[rows] += 1
        won = np.zeros(len(rows), dtype=bool)
        won[success] = self._win[s_p, self.stones[s_rows, s_p]]
        full = np.all(self.board[rows] != EMPTY, axis=1)
        self.winner[rows[won]] = p[won]
        self.done[rows[won | full]] = True
        switch = success | self.spec.abrupt
        self.current[rows[switch]] = 1 - p[switch]

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
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        players = self.current[rows] if players is None else np.asarray(players, dtype=np.int64)
        k, c = len(rows), self.spec.cells
        out = np.zeros((k, self.tensor_size), dtype=np.float32)
        planes = self._plane[self.view[rows, players]]                  # (k, c)
        cell = np.arange(c)[None, :]
        if self.spec.board == "ttt":
            index = planes * c + cell
        else:
            index = cell * 9 + planes
        np.put_along_axis(out, index, 1.0, axis=1)
        seq = self.seq[rows, players].astype(np.int64)                   # (k, c)
        valid = seq >= 0
        base = c * self.spec.cell_states
        index = base + np.arange(c)[None, :] * c + np.where(valid, seq, 0)
        r_idx = np.broadcast_to(np.arange(k)[:, None], index.shape)
        out[r_idx[valid], index[valid]] = 1.0
        return out

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
    def from_states(cls, states: Sequence[object]) -> "PhantomBatch":
        """Batch of the given states (``pyspiel.State`` or anything with ``history()``)."""
        if not states:
            raise ValueError("from_states needs at least one state")
        first = states[0]
        game = first.get_game() if hasattr(first, "get_game") else getattr(first, "game")
        return cls.from_histories(game, [list(s.history()) for s in states])
