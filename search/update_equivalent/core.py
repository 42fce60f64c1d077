"""Update-equivalent decision-time search (Algorithm 1 of Sokota et al., ICLR 2024).

One decision at information state s_i of the player i to move:
  1. beliefs: histories h ~ P_π(h | s_i), the posterior under the blueprint π (either the whole
     support with exact weights, or G samples with equal weights);
  2. values: q(a) = mean over those histories of the return of "play a, then everyone plays π";
  3. update: π'(·|s_i) = U(π(·|s_i), q) with the learner's local update U (MD, MMD, greedy);
  4. act: sample from π' (or take its argmax).
If every player searches at every decision against the same π, the joint policy played is the
learner's next iterate U(π) — no public belief state is needed, only the acting player's own
posterior and rollouts under π.

This module knows nothing about a concrete game: beliefs, action values and the local update
are passed in through small protocols. A decision at a terminal or chance state, or at a state
of another game than ``game``, is refused (``uedtp.agents.protocol.DecisionGuard``). When the beliefs
find no posterior (``NoPosterior``: a zero posterior, or sampling and every fallback failed) the
decision keeps the blueprint; ``SearchResult.fallback`` names the fallback a decision used and
``UpdateEquivalentSearch.fallbacks`` counts them (``fallback_rate``).
"""
from __future__ import annotations

import collections
import dataclasses
import time
from typing import Any, Literal, Protocol

import numpy as np

from uedtp.agents.protocol import DecisionGuard, act_on_policy

from uedtp.search.update_equivalent.history_sampler import (Blueprint, NoPosterior, Posterior,
                                                            ZeroPosterior)
from uedtp.search.update_equivalent.action_values import ActionValues
from uedtp.search.update_equivalent.local_updates import LocalUpdate


class Beliefs(Protocol):
    def posterior(self, state: Any, player: int, rng: np.random.Generator) -> Posterior:
        ...


@dataclasses.dataclass
class SearchResult:
    """Everything one search produced, for logging and evaluation."""

    actions: list[int]
    blueprint_policy: np.ndarray
    q: np.ndarray
    policy: np.ndarray
    support_size: int
    histories_used: int
    exact_beliefs: bool
    seconds: float
    posterior: Posterior | None = None      # the posterior searched over (None: none found)
    fallback: str | None = None             # history_sampler.FALLBACK_LEVELS / "zero_posterior"

    def as_dict(self) -> dict[int, float]:
        return {a: float(p) for a, p in zip(self.actions, self.policy)}


class UpdateEquivalentSearch:
    """Algorithm 1 with pluggable beliefs, action values and local update.

    ``num_histories=None`` uses the full posterior support with its weights (exact mode when the
    beliefs are exact and the values are ``ExactActionValues``); an integer G draws G histories.
    ``game``: the game it plays (states of other games are refused; None: not checked).
    """

    def __init__(self, blueprint: Blueprint, update: LocalUpdate, beliefs: Beliefs,
                 values: ActionValues, *, num_histories: int | None = 10,
                 act_mode: Literal["sample", "argmax"] = "sample", seed: int | None = 0,
                 game: Any = None) -> None:
        if num_histories is not None and num_histories <= 0:
            raise ValueError(f"num_histories must be positive (or None for the full support), "
                             f"got {num_histories}")
        if act_mode not in ("sample", "argmax"):
            raise ValueError(f"act_mode must be 'sample' or 'argmax', got {act_mode!r}")
        self.blueprint = blueprint
        self.update = update
        self.beliefs = beliefs
        self.values = values
        self.num_histories = num_histories
        self.act_mode = act_mode
        self.rng = np.random.default_rng(seed)
        self.last_result: SearchResult | None = None
        self.guard = DecisionGuard(game, type(self).__name__)
        self.decisions = 0
        self.fallbacks: collections.Counter[str] = collections.Counter()

    @property
    def fallback_rate(self) -> float:
        """Fraction of decisions that used a fallback (``fallbacks``)."""
        return sum(self.fallbacks.values()) / max(1, self.decisions)

    def _record(self, result: SearchResult) -> SearchResult:
        self.decisions += 1
        if result.fallback is not None:
            self.fallbacks[result.fallback] += 1
        self.last_result = result
        return result

    def decide(self, state: Any, prior: dict[int, float] | None = None) -> SearchResult:
        """Steps 1-3 at ``state``; ``prior``: the blueprint's distribution there if the caller
        has already computed it (otherwise the blueprint is asked)."""
        self.guard.check(state)
        start = time.perf_counter()
        player = state.current_player()
        if prior is None:
            prior = self.blueprint.action_probabilities(state)
        actions = sorted(prior)
        p = np.array([prior[a] for a in actions], dtype=float)
        try:
            posterior = self.beliefs.posterior(state, player, self.rng)
        except NoPosterior as err:
            # Either the blueprint says this information state cannot happen, or no sampler
            # found a consistent history: there is no posterior to search over, so the
            # learner's update is undefined here; keep the blueprint.
            reason = "zero_posterior" if isinstance(err, ZeroPosterior) else "blueprint"
            return self._record(SearchResult(actions, p, np.zeros_like(p), p, 0, 0,
                                             isinstance(err, ZeroPosterior),
                                             time.perf_counter() - start, fallback=reason))
        histories = (posterior if self.num_histories is None
                     else posterior.draw(self.num_histories, self.rng))
        q = self.values.action_values(histories.states, histories.weights, actions, player,
                                      self.rng)
        policy = self.update.apply(p, q)
        return self._record(SearchResult(actions, p, q, policy, posterior.support_size,
                                         histories.support_size, posterior.exact,
                                         time.perf_counter() - start, posterior,
                                         posterior.fallback))

    def action_probabilities(self, state: Any) -> dict[int, float]:
        return self.decide(state).as_dict()

    def act(self, state: Any) -> int:
        result = self.decide(state)
        return act_on_policy(self.act_mode, self.rng, result.actions, result.policy)
