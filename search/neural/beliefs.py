"""Posteriors over histories under a neural blueprint, computed layer by layer in batches.

For player i at information state s_i the posterior is P(h | s_i) ∝ π_{-i}(h) over histories h
consistent with s_i (``uedtp.search.update_equivalent.history_sampler`` explains why). In Phantom Tic-Tac-Toe / Dark Hex
with reveal-nothing observations s_i is i's own attempts and what each revealed, so a history is
consistent iff replaying i's k-th attempt gives the same outcome (own stone or the opponent's)
as in the true game. The enumeration is a breadth-first search whose frontier is one game batch
(rows tagged with the decision, "root", they belong to, so many decisions share each step):

  1. rows where i is to move: if i has made all its attempts the row is a posterior history
     (moved to the output); otherwise apply i's next attempt and drop rows whose outcome
     differs from the true one or whose game ended;
  2. rows where the opponent moves: evaluate the blueprint once for all of them and branch on
     every legal action with positive probability, multiplying the row weight by it; drop
     children whose game ended;
  3. if a root's frontier exceeds ``max_frontier`` rows, resample it down to ``max_frontier``
     (systematic resampling; each survivor carries the mean weight) and mark it inexact.
The weights are exact products of blueprint probabilities until a resampling happens.
Other games fall back to ``uedtp.search.update_equivalent.history_sampler.HistorySampler`` with the same blueprint.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint
from uedtp.search.update_equivalent.history_sampler import HistorySampler, Posterior, ZeroPosterior
from uedtp.envs.openspiel_games import as_game
from uedtp.envs.vector_env import policy_inputs
from uedtp.envs.phantom.batch import PhantomBatch, supports
from uedtp.search.neural.rollouts import BatchRow


@dataclass
class RootPosteriors:
    """Posterior histories of several decisions as rows of one batch."""

    batch: PhantomBatch | None
    roots: np.ndarray         # root index of each row
    weights: np.ndarray       # normalised within each root
    exact: np.ndarray         # per root: no resampling happened
    visited: np.ndarray       # per root: rows expanded

    def rows_of(self, root: int) -> np.ndarray:
        return np.flatnonzero(self.roots == root)

    def posterior(self, root: int) -> Posterior:
        rows = self.rows_of(root)
        if len(rows) == 0:
            raise ZeroPosterior("no history consistent with the information state has positive "
                                "probability under the blueprint")
        states = [BatchRow(self.batch, int(r)) for r in rows]
        return Posterior(states, self.weights[rows], bool(self.exact[root]),
                         int(self.visited[root]))


def _systematic(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(weights / weights.sum())
    points = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(cdf, points, side="right"), len(weights) - 1)


def batched_posteriors(policy: NetworkBlueprint, truths: PhantomBatch, players: np.ndarray,
                       rng: np.random.Generator, max_frontier: int = 20_000) -> RootPosteriors:
    """Posteriors of ``players[r]`` at row r of ``truths`` for every row r (module docstring)."""
    n_roots = truths.n
    players = np.asarray(players, dtype=np.int64)
    if np.any(truths.done) or np.any(truths.current != players):
        raise ValueError("every root must be a live game with its player to move")
    K = truths.seq_len[np.arange(n_roots), players]                       # attempts so far
    own = truths.seq[np.arange(n_roots), players].astype(np.int64)        # (roots, cells)
    outcome = np.take_along_axis(truths.view[np.arange(n_roots), players], np.maximum(own, 0),
                                 axis=1)                                  # (roots, cells)
    frontier = PhantomBatch(truths.spec, n_roots)
    roots = np.arange(n_roots)
    weights = np.ones(n_roots)
    exact = np.ones(n_roots, dtype=bool)
    visited = np.zeros(n_roots, dtype=np.int64)
    found_batches, found_roots, found_weights = [], [], []
    while frontier.n:
        np.add.at(visited, roots, 1)
        rows = np.arange(frontier.n)
        mover = frontier.current
        me = mover == players[roots]
        k_now = frontier.seq_len[rows, players[roots]]
        target = me & (k_now == K[roots])
        if np.any(target):
            t = rows[target]
            found_batches.append(frontier.select(t))
            found_roots.append(roots[t])
            found_weights.append(weights[t])
        # 1. own attempts
        own_rows = rows[me & ~target]
        own_act = own[roots[own_rows], k_now[own_rows]]
        # 2. opponent branches
        opp_rows = rows[~me]
        if len(opp_rows):
            mask = frontier.legal_mask(opp_rows)
            probs = policy.probabilities(policy_inputs(frontier, opp_rows), mask)
            r_idx, a_idx = np.nonzero(probs > 0)
            opp_parent, opp_act, opp_prob = opp_rows[r_idx], a_idx, probs[r_idx, a_idx]
        else:
            opp_parent = np.zeros(0, dtype=np.int64)
            opp_act = np.zeros(0, dtype=np.int64)
            opp_prob = np.zeros(0)
        parents = np.concatenate([own_rows, opp_parent])
        acts = np.concatenate([own_act, opp_act])
        child_w = weights[parents] * np.concatenate([np.ones(len(own_rows)), opp_prob])
        child_roots = roots[parents]
        children = frontier.select(parents)
        children.apply(np.arange(children.n), acts, check=False)
        keep = ~children.done
        n_own = len(own_rows)
        if n_own:
            # the attempt must reveal what it revealed in the true game
            ok = children.view[np.arange(n_own), players[child_roots[:n_own]], own_act] == \
                outcome[child_roots[:n_own], k_now[own_rows]]
            keep[:n_own] &= ok
        keep_rows = np.flatnonzero(keep)
        frontier = children.select(keep_rows)
        roots, weights = child_roots[keep_rows], child_w[keep_rows]
        # 3. resample roots whose frontier is too large
        counts = np.bincount(roots, minlength=n_roots)
        if np.any(counts > max_frontier):
            selected = []
            for r in range(n_roots):
                rr = np.flatnonzero(roots == r)
                if len(rr) > max_frontier:
                    total = weights[rr].sum()
                    pick = rr[_systematic(weights[rr], max_frontier, rng)]
                    weights[pick] = total / max_frontier
                    exact[r] = False
                    selected.append(pick)
                else:
                    selected.append(rr)
            order = np.concatenate(selected)
            frontier, roots, weights = frontier.select(order), roots[order], weights[order]
    if not found_batches:
        return RootPosteriors(None, np.zeros(0, dtype=np.int64), np.zeros(0), exact, visited)
    batch = PhantomBatch.concat(found_batches)
    f_roots = np.concatenate(found_roots)
    f_w = np.concatenate(found_weights)
    totals = np.bincount(f_roots, weights=f_w, minlength=n_roots)
    return RootPosteriors(batch, f_roots, f_w / totals[f_roots], exact, visited)


class BatchedBeliefs:
    """``Beliefs`` (``uedtp.search.update_equivalent.core``) for a ``TorchPolicy`` blueprint."""

    def __init__(self, policy: NetworkBlueprint, max_frontier: int = 20_000,
                 fallback_max_nodes: int = 20_000, fallback_particles: int = 100) -> None:
        if not isinstance(max_frontier, (int, np.integer)) or max_frontier <= 0:
            raise ValueError(f"max_frontier must be a positive int, got {max_frontier!r}")
        self.policy = policy
        self.max_frontier = int(max_frontier)
        self.game = as_game(policy.game_string)
        self.fast = supports(self.game)
        self._fallback = HistorySampler(policy, fallback_max_nodes, fallback_particles)

    def posterior(self, state: Any, player: int, rng: np.random.Generator) -> Posterior:
        if not self.fast:
            return self._fallback.posterior(state, player, rng)
        truth = PhantomBatch.from_histories(self.game, [list(state.history())])
        return batched_posteriors(self.policy, truth, np.array([player]), rng,
                                  self.max_frontier).posterior(0)

    def posteriors(self, truths: PhantomBatch, players: Sequence[int] | np.ndarray,
                   rng: np.random.Generator) -> RootPosteriors:
        return batched_posteriors(self.policy, truths, np.asarray(players), rng,
                                  self.max_frontier)
