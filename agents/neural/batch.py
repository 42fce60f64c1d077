"""Agents that choose actions for many games at once, and seat-swapped batched matches.

A *batch actor* has ``act_batch(batch, rows) -> actions``: one action for the player to move in
each of ``rows`` of a game batch (``uedtp.envs.vector_env``). One step of ``play_match``: find the live
rows, split them by which actor owns the player to move, ask each actor once for all its rows,
apply the actions; repeat until every game has ended. Seats alternate (A is player 0 in the
even games), so first-move advantage cancels.

- ``NetActor(policy)``: a ``TorchPolicy`` evaluated once per step for all its rows;
- ``UniformActor``: uniform over the legal actions;
- ``AgentActor(agent, game)``: any ``Agent`` with ``act(state)`` (rebuilds a ``pyspiel`` state
  per row from its history; slow, for agents without a batched form).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np
import pyspiel

from uedtp.agents.neural.policy import TorchPolicy
from uedtp.agents.protocol import sample_actions
from uedtp.envs.openspiel_games import as_game
from uedtp.envs.vector_env import GameBatch, make_batch, policy_inputs


class BatchActor(Protocol):
    def act_batch(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        ...


class NetActor:
    """Sample from (or, with ``greedy``, take the argmax of) a ``TorchPolicy``."""

    def __init__(self, policy: TorchPolicy, seed: int | None = 0, greedy: bool = False) -> None:
        self.policy = policy
        self.greedy = greedy
        self.rng = np.random.default_rng(seed)

    def probabilities(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        return self.policy.probabilities(policy_inputs(batch, rows), batch.legal_mask(rows))

    def act_batch(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        probs = self.probabilities(batch, rows)
        if self.greedy:
            return np.argmax(probs, axis=1)
        return sample_actions(probs, self.rng.random(len(rows)))


class UniformActor:
    def __init__(self, seed: int | None = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def act_batch(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        mask = batch.legal_mask(rows).astype(float)
        return sample_actions(mask / mask.sum(axis=1, keepdims=True), self.rng.random(len(rows)))


class AgentActor:
    """Any per-state ``Agent`` as a batch actor (one ``pyspiel`` state rebuilt per row)."""

    def __init__(self, agent: Any, game: "str | pyspiel.Game") -> None:
        self.agent = agent
        self.game = as_game(game)

    def act_batch(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(rows), dtype=np.int64)
        for k, history in enumerate(batch.histories(rows)):
            state = self.game.new_initial_state()
            for a in history:
                state.apply_action(a)
            out[k] = self.agent.act(state)
        return out


@dataclasses.dataclass
class MatchResult:
    """Returns of actor A over seat-swapped games (mean ± standard error)."""

    returns: np.ndarray           # A's return per game
    seats: np.ndarray             # A's seat per game

    @property
    def games(self) -> int:
        return len(self.returns)

    @property
    def mean(self) -> float:
        return float(np.mean(self.returns))

    @property
    def stderr(self) -> float:
        return float(np.std(self.returns, ddof=1) / np.sqrt(len(self.returns)))

    def seat_means(self) -> tuple[float, float]:
        return (float(np.mean(self.returns[self.seats == 0])),
                float(np.mean(self.returns[self.seats == 1])))

    def as_dict(self) -> dict[str, float]:
        s0, s1 = self.seat_means()
        return {"games": self.games, "mean": self.mean, "stderr": self.stderr,
                "as_player0": s0, "as_player1": s1,
                "win_rate": float(np.mean(self.returns > 0)),
                "loss_rate": float(np.mean(self.returns < 0))}

    def __str__(self) -> str:
        return f"{self.mean:+.3f} ± {self.stderr:.3f} over {self.games} games"


def play_match(game: "str | pyspiel.Game", actor_a: BatchActor, actor_b: BatchActor,
               num_games: int, seed: int | None = 0, chunk: int = 4096) -> MatchResult:
    """A against B over ``num_games`` seat-swapped games played in lockstep batches."""
    if num_games <= 0:
        raise ValueError(f"num_games must be positive, got {num_games}")
    game = as_game(game)
    returns, seats = [], []
    for start in range(0, num_games, chunk):
        n = min(chunk, num_games - start)
        batch = make_batch(game, n, seed=None if seed is None else seed + start)
        seat_a = (np.arange(start, start + n) % 2).astype(np.int64)
        while True:
            live = batch.live_rows()
            if len(live) == 0:
                break
            mover = batch.current[live]
            for actor, owner in ((actor_a, True), (actor_b, False)):
                rows = live[(mover == seat_a[live]) == owner]
                if len(rows):
                    batch.apply(rows, actor.act_batch(batch, rows))
        ret = batch.returns()
        returns.append(ret[np.arange(n), seat_a])
        seats.append(seat_a)
    return MatchResult(np.concatenate(returns), np.concatenate(seats))
