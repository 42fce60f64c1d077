"""MMD (or any local-update) search on a neural blueprint, for one decision or many at once.

One decision at information state s_i (Algorithm 1 of Sokota et al. 2024, batched):
  1. the blueprint's distribution p = π(·|s_i) (one network call for all decisions);
  2. the posterior over histories (``uedtp.search.neural.beliefs``: one batched BFS for all decisions)
     and G histories drawn from it per decision;
  3. q(a) = mean over the G histories of R rollouts "a, then π" (``uedtp.search.neural.rollouts``:
     all decisions' rollouts advance in one lockstep batch);
  4. π' = U(p, q) with the local update (MMD by default) and the action sampled from π' (or its
     argmax).

``NeuralSearch`` is both an ``Agent`` (``act``/``action_probabilities`` on a ``pyspiel`` state)
and a batch actor (``act_batch`` on rows of a ``PhantomBatch``), so seat-swapped matches and
best-response learning can query thousands of decisions per step. ``neural_mmd_search`` builds
the same search as an ``UpdateEquivalentSearch`` from the protocol pieces (any OpenSpiel game).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from uedtp.agents.protocol import DecisionGuard, NetworkBlueprint, act_on_policy
from uedtp.envs.openspiel_games import as_game, require_two_player_zero_sum
from uedtp.envs.vector_env import GameBatch, policy_inputs
from uedtp.envs.phantom.batch import PhantomBatch, supports
from uedtp.search.neural.rollouts import (BatchedRolloutActionValues, max_continuation,
                                     rollout_returns_batched)
from uedtp.search.update_equivalent.local_updates import LocalUpdate, MagneticMirrorDescent
from uedtp.search.neural.beliefs import BatchedBeliefs
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch


@dataclass
class BatchSearchResult:
    """Per decision: legal actions, blueprint p, q, updated policy, histories used."""

    actions: list[np.ndarray]
    blueprint: list[np.ndarray]
    q: list[np.ndarray]
    policy: list[np.ndarray]
    support: np.ndarray
    seconds: float


class NeuralSearch:
    """Update-equivalent search on a ``TorchPolicy`` blueprint (see module docstring)."""

    def __init__(self, policy: NetworkBlueprint, update: LocalUpdate, *, num_histories: int = 16,
                 rollouts: int = 2, max_frontier: int = 20_000,
                 act_mode: Literal["sample", "argmax"] = "sample", seed: int | None = 0) -> None:
        game = as_game(policy.game_string)
        if not supports(game):
            raise ValueError(f"NeuralSearch needs a Phantom Tic-Tac-Toe / Dark Hex game, got "
                             f"{game}; use neural_mmd_search for other games")
        for name, value in (("num_histories", num_histories), ("rollouts", rollouts)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if act_mode not in ("sample", "argmax"):
            raise ValueError(f"act_mode must be 'sample' or 'argmax', got {act_mode!r}")
        self.policy = policy
        self.update = update
        self.game = game
        self.num_histories = int(num_histories)
        self.rollouts = int(rollouts)
        self.act_mode = act_mode
        self.beliefs = BatchedBeliefs(policy, max_frontier)
        self.rng = np.random.default_rng(seed)
        self.decisions = 0
        self.seconds = 0.0
        self.guard = DecisionGuard(game, type(self).__name__)
        self.fallbacks: dict[str, int] = {}     # "zero_posterior": decisions kept the blueprint

    @property
    def seconds_per_decision(self) -> float:
        return self.seconds / max(1, self.decisions)

    def search_batch(self, batch: PhantomBatch, rows: np.ndarray) -> BatchSearchResult:
        start = time.perf_counter()
        rows = np.asarray(rows, dtype=np.int64)
        truths = batch.select(rows)
        players = truths.current.copy()
        masks = truths.legal_mask()
        prior = self.policy.probabilities(policy_inputs(truths, np.arange(truths.n)), masks)
        post = self.beliefs.posteriors(truths, players, self.rng)
        G, A = self.num_histories, truths.num_actions
        picks, owners = [], []
        support = np.zeros(len(rows), dtype=np.int64)
        for r in range(len(rows)):
            mine = post.rows_of(r)
            support[r] = len(mine)
            if len(mine):
                picks.append(mine[self.rng.choice(len(mine), size=G, p=post.weights[mine])])
                owners.append(np.full(G, r))
        q_all = np.zeros((len(rows), A))
        if picks:
            pick = np.concatenate(picks)
            owner = np.concatenate(owners)
            assert post.batch is not None     # some decision has a non-empty support
            roots = post.batch.select(pick)
            acts = np.where(masks[owner], np.arange(A)[None, :], -1)
            uniforms = self.rng.random((len(pick), self.rollouts, max_continuation(self.game)))
            ret = rollout_returns_batched(self.policy, roots, acts, players[owner],
                                          self.rollouts, uniforms)
            np.add.at(q_all, owner, np.nan_to_num(ret))
            q_all /= G
        out = BatchSearchResult([], [], [], [], support, 0.0)
        for r in range(len(rows)):
            legal = np.flatnonzero(masks[r])
            p = prior[r, legal]
            q = q_all[r, legal]
            out.actions.append(legal)
            out.blueprint.append(p)
            out.q.append(q)
            out.policy.append(self.update.apply(p, q) if support[r] else p)
        if not support.all():
            self.fallbacks["zero_posterior"] = (self.fallbacks.get("zero_posterior", 0)
                                                + int((support == 0).sum()))
        out.seconds = time.perf_counter() - start
        self.decisions += len(rows)
        self.seconds += out.seconds
        return out

    def act_batch(self, batch: GameBatch, rows: np.ndarray) -> np.ndarray:
        if not isinstance(batch, PhantomBatch):
            raise TypeError(f"neural search plays native phantom games, got {type(batch).__name__}")
        result = self.search_batch(batch, rows)
        return np.array([act_on_policy(self.act_mode, self.rng, a, p)
                         for a, p in zip(result.actions, result.policy)], dtype=np.int64)

    def _single(self, state: Any) -> BatchSearchResult:
        self.guard.check(state)
        batch = PhantomBatch.from_histories(self.game, [list(state.history())])
        return self.search_batch(batch, np.array([0]))

    def action_probabilities(self, state: Any) -> dict[int, float]:
        result = self._single(state)
        return {int(a): float(p) for a, p in zip(result.actions[0], result.policy[0])}

    def act(self, state: Any) -> int:
        result = self._single(state)
        return act_on_policy(self.act_mode, self.rng, result.actions[0], result.policy[0])


def neural_mmd(policy: NetworkBlueprint, eta: float = 10.0, alpha: float = 0.01, **kwargs: Any
               ) -> NeuralSearch:
    """MMD search (uniform magnet) on a neural blueprint, batched (phantom games)."""
    require_two_player_zero_sum(as_game(policy.game_string), "MMD search")
    return NeuralSearch(policy, MagneticMirrorDescent(eta, alpha), **kwargs)


def neural_mmd_search(policy: NetworkBlueprint, eta: float = 10.0, alpha: float = 0.01, *,
                      num_histories: int = 16, rollouts: int = 2, max_frontier: int = 20_000,
                      act_mode: Literal["sample", "argmax"] = "sample", seed: int | None = 0
                      ) -> UpdateEquivalentSearch:
    """The same search assembled from the ``Beliefs``/``ActionValues`` protocol pieces."""
    game = as_game(policy.game_string)
    require_two_player_zero_sum(game, "MMD search")
    return UpdateEquivalentSearch(policy, MagneticMirrorDescent(eta, alpha),
                                  BatchedBeliefs(policy, max_frontier),
                                  BatchedRolloutActionValues(policy, rollouts),
                                  num_histories=num_histories, act_mode=act_mode, seed=seed,
                                  game=game)
