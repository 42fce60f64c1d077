"""MD search for Hanabi: Algorithm 1 (uedtp.search.update_equivalent.core) with the mirror-descent update on
an epsilon-mixed rule-based bot blueprint, over the native engine.

One decision of a searching player i at state s:
  1. beliefs: G hands of i drawn from i's posterior over its own hand, assuming every partner
     played the blueprint (uedtp.search.hanabi.beliefs: exact enumeration or importance sampling);
  2. values: for every legal move a, rollouts "apply a, then every seat plays the blueprint to
     the end" (uedtp.csrc.hanabi_rollout, native): column j of the batch gives i the j-th sampled hand
     and a reshuffled deck, and is shared by every move (common random numbers); q(a) is the
     mean return of a's row over the columns the budget allows;
  3. update: p'(a) ∝ p(a)·exp(eta·q(a)) with p the blueprint's full-support distribution
     (1 - eps)·[bot move] + eps/#legal;
  4. act: argmax_a [log p(a) + eta·q(a)] (as in the paper; an action-dependent deviation
     threshold) or a sample from p'.
One pass: the bot is asked for its move once per decision (p is the epsilon mixture around it,
``uedtp.search.hanabi.base.mixed_bot_prior``), and the G sampled hands go from the posterior to the
rollout kernel as they are, with the bot tables of the trace the posterior was built from (no
state is copied per hand). Steps 1-3 are ``UpdateEquivalentSearch.search``, step 4 and the
decision record ``uedtp.search.hanabi.base.MDSearchAgent.searched_move``.
If every player searches, the joint policy played is one simultaneous MD step on the whole game
from the blueprint (update equivalence); any subset of seats may search, the others play the
blueprint (its most likely move in argmax mode, a sample in sample mode).

With an epsilon-mixed bot blueprint every non-bot move has the same probability eps/n (n legal
moves), so the argmax rule of step 4 deviates from the bot move b to the best other move a exactly
when q(a) - q(b) > log((1 - eps + eps/n) / (eps/n)) / eta (``deviation_threshold``): SPARTA's
decision rule with an eta-dependent threshold (about 1.2 points at eps = 0.01, n = 12, eta = 6).
Argmax MD and SPARTA then differ only in that threshold and in how rollouts are spent.

Optional compute saving (``skip_sure_plays=level``, off by default, the same rule in SPARTA):
a searching seat does not search when the blueprint plays a card its belief says is playable
with probability >= level; it plays the blueprint move.

Budgets: ``rollouts`` per decision (columns = rollouts // #legal, the G hands reused cyclically
with fresh deck shuffles if there are more columns than hands) and/or ``seconds`` per decision
(columns are run in chunks until the time is used up; at least one chunk).
"""
from __future__ import annotations

import math
import time
from numbers import Integral
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from uedtp.csrc.hanabi_rollout import rollout_action_values
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.hanabi.base import (MDSearchAgent, check_budget, check_searchers, check_skip,
                                      is_sure_play, mixed_bot_prior)
from uedtp.search.hanabi.beliefs import HanabiBeliefs, blueprint_parts, posterior_histories
from uedtp.search.update_equivalent.local_updates import MirrorDescent
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch

__all__ = ["HanabiRolloutValues", "HanabiMDSearch", "deviation_threshold"]


def deviation_threshold(epsilon: float, num_legal: int, eta: float) -> float:
    """Value gain over the bot move that argmax MD search needs before it deviates, for an
    epsilon-mixed blueprint with ``num_legal`` moves (module docstring).

    >>> round(deviation_threshold(0.01, 12, 6.0), 3)
    1.18
    """
    if not 0.0 < epsilon < 1.0:
        raise ValueError(f"epsilon must be in (0, 1), got {epsilon}")
    if num_legal < 2:
        raise ValueError(f"num_legal must be >= 2, got {num_legal}")
    if not eta > 0.0:
        raise ValueError(f"eta must be > 0, got {eta}")
    off = epsilon / num_legal
    return math.log((1.0 - epsilon + off) / off) / eta


class HanabiRolloutValues:
    """``ActionValues`` for Hanabi: a posterior's hands in one native rollout batch.

    ``states`` are the histories of a ``HanabiPosterior`` (``posterior_histories``): column j
    of the batch gives ``player`` hand j mod G, the bot tables are the posterior's trace's.
    ``epsilon`` is the mixing weight of the bots in the rollouts (the blueprint's). After each
    call ``last_rollouts`` holds the number of rollouts run.
    """

    def __init__(self, epsilon: float, *, rollouts: int | None = 1000,
                 seconds: float | None = None, chunk: int = 16, scoring: str = "hle",
                 num_threads: int = 1) -> None:
        self.rollouts, self.seconds = check_budget(rollouts, seconds, "HanabiRolloutValues")
        if not 0.0 <= float(epsilon) <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
        if chunk < 1 or num_threads < 1:
            raise ValueError("chunk and num_threads must be >= 1")
        self.epsilon = float(epsilon)
        self.chunk = int(chunk)
        self.scoring = scoring
        self.num_threads = int(num_threads)
        self.last_rollouts = 0

    def action_values(self, states: Sequence[Any], weights: np.ndarray, actions: Sequence[int],
                      player: int, rng: np.random.Generator) -> np.ndarray:
        start = time.perf_counter()
        actions = [int(a) for a in actions]
        root, trace, hands = posterior_histories(states, player, "HanabiRolloutValues")
        weights = np.asarray(weights, dtype=float)
        seats = trace.seats()
        G = len(hands)
        total = G if self.rollouts is None else max(1, self.rollouts // len(actions))
        if self.seconds is not None and self.rollouts is None:
            total = 1 << 30                      # until the time is used up
        sums = np.zeros(len(actions))
        wsum = 0.0
        done = 0
        base = int(rng.integers(0, 2**62))
        c = 0
        while done < total:
            n = min(self.chunk if self.seconds is not None else total, total - done)
            cols = (np.arange(done, done + n) % G)
            h = hands[cols]
            r = rollout_action_values(root, seats, actions, n, seed=base + c,
                                      hands=h if h.shape[1] else None,
                                      hand_player=player if h.shape[1] else None,
                                      epsilon=self.epsilon, scoring=self.scoring,
                                      num_threads=self.num_threads)
            w = weights[cols]
            sums += r @ w
            wsum += float(w.sum())
            done += n
            c += 1
            if self.seconds is not None and time.perf_counter() - start >= self.seconds:
                break
        self.last_rollouts = done * len(actions)
        return sums / wsum


class HanabiMDSearch(MDSearchAgent):
    """MD search agent for Hanabi (module docstring); implements the Agent protocol.

    ``blueprint``: a full-support rule-based bot, e.g. ``full_support_bot("smart", 0.01)``
    (ValueError for a deterministic bot). ``eta``: MD step size. ``rollouts`` / ``seconds``:
    per-decision budget (> 0). ``num_histories``: posterior samples G per decision.
    ``searchers``: seats that search (None = all: the update-equivalent setting).
    ``rollout_epsilon``: bot mixing inside rollouts (default: the blueprint's epsilon, so q is
    the blueprint's action value). Belief options go to ``HanabiBeliefs``.
    """

    def __init__(self, blueprint: Any, eta: float, *, rollouts: int | None = 1000,
                 seconds: float | None = None, num_histories: int = 64,
                 searchers: Iterable[int] | str | None = None,
                 act_mode: Literal["argmax", "sample"] = "argmax",
                 rollout_epsilon: float | None = None, max_exact: int = 5000,
                 num_samples: int = 2000, skip_sure_plays: float | None = None,
                 num_threads: int = 1, seed: int | None = 0) -> None:
        bot, eps = blueprint_parts(blueprint)      # ValueError without full support
        self.skip_sure_plays = check_skip(skip_sure_plays)
        check_budget(rollouts, seconds, "MD search")
        if isinstance(num_histories, bool) or not isinstance(num_histories, (int, Integral)) \
                or num_histories < 1:
            raise ValueError(f"num_histories must be an int >= 1, got {num_histories!r}")
        if act_mode not in ("argmax", "sample"):
            raise ValueError(f"act_mode must be 'argmax' or 'sample', got {act_mode!r}")
        self.blueprint = blueprint
        self.bot = bot
        self.epsilon = eps
        self.eta = float(MirrorDescent(eta).eta)
        self.act_mode = act_mode
        self.searchers = check_searchers(searchers)
        self.rollout_epsilon = eps if rollout_epsilon is None else float(rollout_epsilon)
        self.seed = seed
        self.beliefs = HanabiBeliefs(bot, eps, max_exact=max_exact, num_samples=num_samples,
                                     num_threads=num_threads)
        self.values = HanabiRolloutValues(self.rollout_epsilon, rollouts=rollouts,
                                          seconds=seconds, num_threads=num_threads)
        self.search = UpdateEquivalentSearch(blueprint, MirrorDescent(eta), self.beliefs,
                                             self.values, num_histories=int(num_histories),
                                             act_mode=act_mode, seed=seed)
        self.decisions = []

    def __repr__(self) -> str:
        budget = (f"rollouts={self.values.rollouts}" if self.values.rollouts is not None
                  else f"seconds={self.values.seconds}")
        return (f"HanabiMDSearch({self.bot}, epsilon={self.epsilon}, eta={self.eta}, {budget}, "
                f"searchers={self.searchers_label()})")

    def bot_move(self, state: HanabiState) -> int:
        """The deterministic bot's move (the blueprint's most likely move)."""
        return int(self.blueprint.bot_move(state))

    # ---- Agent protocol ------------------------------------------------------------------
    def action_probabilities(self, state: HanabiState) -> dict[int, float]:
        """p' = MD update of the blueprint at a searching seat; the blueprint elsewhere."""
        state = self.check_state(state)
        if not self.searches(state.current_player()):
            return self.blueprint.action_probabilities(state)
        return self.search.decide(state).as_dict()

    def act(self, state: HanabiState) -> int:
        """One decision; the bot is asked for its move once (the blueprint distribution the
        search starts from is the epsilon mixture around that move)."""
        state = self.check_state(state)
        start = time.perf_counter()
        player = state.current_player()
        legal = state.legal_actions()
        bot_move = self.bot_move(state)
        if not self.searches(player) or len(legal) == 1:
            move = bot_move if self.act_mode == "argmax" or len(legal) == 1 \
                else int(self.blueprint.act(state))
            self.decisions.append(self.decision(state, player, start, searched=False,
                                                deviated=move != bot_move))
            return move
        if self.skip_sure_plays is not None and is_sure_play(self.beliefs, state, player,
                                                             bot_move, self.skip_sure_plays,
                                                             self.search.rng):
            self.decisions.append(self.decision(state, player, start, searched=False,
                                                deviated=False, skipped=True,
                                                posterior=self.beliefs.last_posterior))
            return bot_move
        prior = mixed_bot_prior(bot_move, legal, self.epsilon)
        return self.searched_move(state, player, start, prior, bot_move)
