"""Batched neural rollouts: action values q(a) with one network call per step for all rollouts.

``RolloutActionValues`` plays each (history, action, rollout) to the end on its own, calling the
blueprint once per move. Here all H·A·R rollouts of a decision live as rows of one game batch
(``uedtp.envs.vector_env``) and advance in lockstep. One step:
  1. gather the rows whose game is still running, encode them (tensor + player one-hot);
  2. evaluate the network once on all of them and mask illegal actions;
  3. sample each row's action by inverse CDF from its own uniform: with common random numbers
     rollout j of every action at history h reads the same uniform stream U[h, j, t];
  4. apply all the actions at once.
When every game has ended, R(h, a) = mean_j return_j and q(a) = Σ_h w_h R(h, a).
For phantom games over a blueprint with a native copy (``uedtp.agents.protocol.native_network``),
steps 1-4 run fused in C (``PhantomBatch.rollout_native``: same uniforms, same order, same
inverse CDF, so the same games up to float32 rounding at a CDF boundary); ``native=False``
keeps the step loop through ``policy.probabilities`` (the reference).

``BatchedRolloutActionValues`` implements the ``ActionValues`` protocol of
``uedtp.search.update_equivalent.core``; ``rollout_returns_batched`` is the multi-root core used by
``uedtp.search.neural.search`` to serve many decisions (games) in one batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, native_network, sample_actions
from uedtp.envs.openspiel_games import as_game
from uedtp.envs.phantom.batch import PhantomBatch
from uedtp.envs.vector_env import GameBatch, batch_from_histories, policy_inputs


@dataclass(frozen=True)
class BatchRow:
    """A history held as one row of a game batch (what the batched beliefs hand out)."""

    batch: Any
    row: int

    def history(self) -> list[int]:
        return self.batch.histories([self.row])[0]


def root_batch(game: Any, states: Sequence[Any]) -> GameBatch:
    """A game batch with one row per state (``BatchRow``s of one batch are gathered directly)."""
    if states and all(isinstance(s, BatchRow) for s in states):
        owner = states[0].batch
        if all(s.batch is owner for s in states):
            return owner.select([s.row for s in states])
    return batch_from_histories(game, [list(s.history()) for s in states])


def play_out(policy: NetworkBlueprint, batch: GameBatch, uniform_rows: np.ndarray,
             uniforms: np.ndarray, native: bool = True, threads: int = 1) -> None:
    """Play every row of ``batch`` to the end with the policy, row r's t-th move from now on
    drawn with ``uniforms[uniform_rows[r], t]`` (fused in C when possible, module docstring)."""
    if native and isinstance(batch, PhantomBatch):
        net = native_network(policy)
        if net is not None:
            batch.rollout_native(net, policy.temperature, uniform_rows, uniforms, threads=threads)
            return
    steps = np.zeros(len(batch), dtype=np.int64)
    while True:
        live = batch.live_rows()
        if len(live) == 0:
            break
        if steps[live].max() >= uniforms.shape[1]:
            raise RuntimeError(f"rollouts longer than the {uniforms.shape[1]} uniforms provided")
        probs = policy.probabilities(policy_inputs(batch, live), batch.legal_mask(live))
        chosen = sample_actions(probs, uniforms[uniform_rows[live], steps[live]])
        batch.apply(live, chosen, check=False)
        steps[live] += 1


def rollout_returns_batched(policy: NetworkBlueprint, roots: GameBatch, actions: np.ndarray,
                            players: np.ndarray, rollouts: int, uniforms: np.ndarray,
                            native: bool = True, threads: int = 1) -> np.ndarray:
    """Mean return to ``players[h]`` of "apply actions[h, k], then the policy" per root h.

    ``actions`` is (H, A) (pad with -1 where a root has fewer legal actions), ``uniforms`` is
    (H, R, T) with T >= the longest possible continuation; returns (H, A) (NaN at padding).
    """
    H, A = actions.shape
    R = rollouts
    valid = actions >= 0
    h_idx, a_idx = np.nonzero(valid)                         # one entry per (root, action)
    rows_h = np.repeat(h_idx, R)
    rows_a = np.repeat(a_idx, R)
    rows_j = np.tile(np.arange(R), len(h_idx))
    batch = roots.select(rows_h)
    all_rows = np.arange(len(rows_h))
    batch.apply(all_rows, actions[rows_h, rows_a], check=True)
    if uniforms.shape[:2] != (H, R):
        raise ValueError(f"uniforms must be (H={H}, R={R}, T), got {uniforms.shape}")
    play_out(policy, batch, rows_h * R + rows_j, uniforms.reshape(H * R, uniforms.shape[2]),
             native, threads)
    ret = batch.returns()[all_rows, players[rows_h]]
    out = np.full((H, A), np.nan)
    means = ret.reshape(len(h_idx), R).mean(axis=1)
    out[h_idx, a_idx] = means
    return out


def max_continuation(game: Any) -> int:
    return as_game(game).max_game_length() + 1


class BatchedRolloutActionValues:
    """``ActionValues`` by lockstep neural rollouts (see module docstring)."""

    def __init__(self, policy: NetworkBlueprint, rollouts: int = 1,
                 common_random_numbers: bool = True, native: bool = True) -> None:
        if not isinstance(rollouts, (int, np.integer)) or rollouts <= 0:
            raise ValueError(f"rollouts per action must be a positive int, got {rollouts!r}")
        if not isinstance(policy, NetworkBlueprint):
            raise TypeError("BatchedRolloutActionValues needs a NetworkBlueprint (e.g. a "
                            f"TorchPolicy), got {type(policy).__name__}")
        self.policy = policy
        self.rollouts = int(rollouts)
        self.common_random_numbers = bool(common_random_numbers)
        self.native = bool(native)
        self.game = as_game(policy.game_string)

    def draw_uniforms(self, num_histories: int, num_actions: int, rng: np.random.Generator
                      ) -> np.ndarray:
        """(H, R, T) uniforms with CRN, else (H·A, R, T) independent ones (read per action)."""
        T = max_continuation(self.game)
        if self.common_random_numbers:
            return rng.random((num_histories, self.rollouts, T))
        return rng.random((num_histories * num_actions, self.rollouts, T))

    def returns(self, states: Sequence[Any], actions: Sequence[int], player: int,
                rng: np.random.Generator) -> np.ndarray:
        """(H, A) mean rollout returns to ``player`` per (history, action)."""
        roots = root_batch(self.game, states)
        H, A = len(states), len(actions)
        acts = np.tile(np.asarray(actions, dtype=np.int64), (H, 1))
        players = np.full(H, player, dtype=np.int64)
        uniforms = self.draw_uniforms(H, A, rng)
        if self.common_random_numbers:
            return rollout_returns_batched(self.policy, roots, acts, players, self.rollouts,
                                           uniforms, self.native)
        # independent streams: treat every (history, action) as its own root
        flat_roots = roots.select(np.repeat(np.arange(H), A))
        flat = rollout_returns_batched(self.policy, flat_roots, acts.reshape(-1, 1),
                                       np.repeat(players, A), self.rollouts, uniforms,
                                       self.native)
        return flat.reshape(H, A)

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        if len(states) != len(weights):
            raise ValueError(f"{len(states)} histories but {len(weights)} weights")
        return np.asarray(weights, dtype=float) @ self.returns(states, actions, player, rng)

