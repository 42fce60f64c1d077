"""Monte Carlo action values of a neural Hanabi blueprint, rollouts stepped in lockstep.

A decision's rollouts form a grid: first move a (row) x column g (a sampled hand of the acting
player plus a reshuffle of the cards that player cannot see, drawn from rng stream g of the
seed, so every row shares column g's deal: common random numbers). One step of the batched
rollout engine:
  1. encode the view of the player to move in every live rollout (native,
     ``uedtp.csrc.hanabi_features.LockstepGames.encode``) and their legal masks;
  2. one network call gives every live rollout's move probabilities;
  3. each rollout samples its move by inverse CDF from its own uniform ``U[g, k]`` (column g,
     its k-th move), every seat's SmartBot table observes the move, and the move is applied;
until every rollout has finished; the value of (a, g) is its HLE score (or fireworks total).
``batched=False`` runs the same rollouts one at a time (one network call per rollout and
step) with the same uniforms: the values are the same, only slower (the benchmark's baseline).
``native=True`` (default) runs steps 1-3 fused in C when the blueprint has a native copy
(``uedtp.agents.protocol.native_network``): ``LockstepGames.rollout_native`` plays every rollout to
the end without returning to Python, reading the same uniforms in the same order and sampling
with the same inverse CDF, so it plays the same games as the torch path (up to a uniform that
falls within float32 rounding of a CDF boundary). ``record_moves`` keeps every rollout's moves
after the first in ``last_moves`` ((rows, MAX_ROLLOUT_MOVES), -1 padded) for comparisons.
``chunk`` (games per native forward pass) defaults to 1: one row per pass uses BLAS sgemv,
which OpenBLAS runs on the calling thread, while a multi-row sgemm may start OpenBLAS's own
threads and then runs several times slower on a busy machine (measured, 2 cores); batches of
rows were no faster single-threaded.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, native_network, sample_actions
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_features import LockstepGames
from uedtp.envs.hanabi.game import HanabiState

MAX_ROLLOUT_MOVES = 128          # no Hanabi game lasts longer (uedtp.csrc.hanabi_state MAX_HISTORY)
SCORINGS = ("hle", "points")


def column_uniforms(seed: int, columns: int) -> np.ndarray:
    """(columns, MAX_ROLLOUT_MOVES) uniforms for move sampling; row g is shared by every first
    move (common random numbers)."""
    return np.random.default_rng([int(seed), 0x5EED]).random((columns, MAX_ROLLOUT_MOVES))


class NeuralRollouts:
    """Rollouts of a neural Hanabi blueprint (``TorchPolicy`` over ``uedtp.envs.hanabi.tensor``).

    ``values(root, seats, actions, hands, player, seed)`` returns the (len(actions), G) matrix
    of rollout returns (module docstring). ``rollouts_run`` and ``network_calls`` count the
    work done so far.
    """

    def __init__(self, policy: NetworkBlueprint, scoring: str = "hle",
                 batched: bool = True, native: bool = True, threads: int = 1,
                 chunk: int = 1, record_moves: bool = False) -> None:
        if not isinstance(policy, NetworkBlueprint) or \
                not policy.encoding.game_string.startswith("hanabi_native"):
            raise TypeError("NeuralRollouts needs a NetworkBlueprint (e.g. a TorchPolicy) over the "
                            "native Hanabi encoding "
                            f"(uedtp.envs.hanabi.tensor), got {policy!r}")
        if scoring not in SCORINGS:
            raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}")
        self.policy = policy
        self.scoring = scoring
        self.batched = bool(batched)
        self.native = bool(native)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be an int >= 1, got {threads!r}")
        if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk must be an int >= 1, got {chunk!r}")
        self.threads = threads
        self.chunk = chunk
        self.record_moves = bool(record_moves)
        self.last_moves: np.ndarray | None = None
        self.native_calls = 0
        self.rollouts_run = 0
        self.network_calls = 0
        self.seconds = 0.0

    def _games(self, root: HanabiState, seats: BotSeats, actions: Sequence[int],
               hands: np.ndarray | None, player: int, seed: int, columns: int) -> LockstepGames:
        games = LockstepGames(len(actions) * columns)
        for a in actions:
            for g in range(columns):
                hand = None if hands is None or hands.shape[1] == 0 else hands[g % len(hands)]
                games.add(root, seats, first_move=int(a), hand=hand, hand_player=player,
                          seed=seed, stream=g)
        return games

    def _run(self, games: LockstepGames, idx: np.ndarray, columns_of: np.ndarray,
             uniforms: np.ndarray) -> None:
        steps = np.zeros(games.size, dtype=np.int64)
        live = idx[np.isin(idx, games.live())]
        while len(live):
            probs = self.policy.probabilities(games.encode(live), games.legal_masks(live))
            self.network_calls += 1
            moves = sample_actions(probs, uniforms[columns_of[live], steps[live]])
            if self.last_moves is not None:
                self.last_moves[live, steps[live]] = moves
            games.step(live, moves)
            steps[live] += 1
            live = live[np.isin(live, games.live())]

    def values(self, root: HanabiState, seats: BotSeats, actions: Sequence[int],
               hands: np.ndarray | None, player: int, seed: int,
               columns: int | None = None) -> np.ndarray:
        """Returns R[a, g] of "play actions[a] at root (with ``player`` holding hands[g mod G]),
        then everyone samples the blueprint"; ``columns`` defaults to the number of hands."""
        start = time.perf_counter()
        actions = [int(a) for a in actions]
        if not actions:
            raise ValueError("need at least one first move")
        if hands is not None:
            hands = np.asarray(hands, dtype=np.int8)
            if hands.ndim != 2 or len(hands) == 0:
                raise ValueError(f"hands must be a non-empty (G, hand length) array, got shape "
                                 f"{hands.shape}")
        G = columns if columns is not None else (1 if hands is None else len(hands))
        if G < 1:
            raise ValueError(f"columns must be >= 1, got {G}")
        games = self._games(root, seats, actions, hands, player, seed, G)
        uniforms = column_uniforms(seed, G)
        columns_of = np.tile(np.arange(G), len(actions))
        self.last_moves = np.full((games.size, MAX_ROLLOUT_MOVES), -1, dtype=np.int64) \
            if self.record_moves else None
        net = native_network(self.policy) if self.native and self.batched else None
        if net is not None:
            games.rollout_native(net, float(self.policy.temperature), uniforms, columns_of,
                                 chunk=self.chunk, num_threads=self.threads,
                                 trace=self.last_moves)
            self.native_calls += 1
        elif self.batched:
            self._run(games, np.arange(games.size), columns_of, uniforms)
        else:
            for j in range(games.size):
                self._run(games, np.array([j]), columns_of, uniforms)
        self.rollouts_run += games.size
        self.seconds += time.perf_counter() - start
        return games.scores(self.scoring).reshape(len(actions), G).astype(float)
