"""Single-agent SPARTA for Hanabi (Lerer et al. 2020): one-ply Monte Carlo search over the
blueprint with a deviation threshold and UCB-style pruning; partners play the blueprint.

One decision of the searching player i at state s:
  1. belief: i's posterior over its own hand, assuming partners played the blueprint
     (uedtp.search.hanabi.beliefs; the same beliefs MD search uses);
  2. rounds: each round draws ``batch`` hands from the belief and runs one rollout per hand for
     every move still in the race ("apply the move, then every seat plays the blueprint bot"),
     all moves sharing the round's hands and deck shuffles (common random numbers);
  3. statistics: for every move, the mean and standard error of its paired difference to the
     blueprint move over the rollouts so far; its score is that mean, plus ``threshold`` for
     the blueprint move itself;
  4. pruning: a move whose score is below the best score by more than ``prune_z`` combined
     standard errors leaves the race (never the blueprint move); the search stops when one
     move is left or the budget (``rollouts`` and/or ``seconds``) is spent;
  5. act: the move with the best score, i.e. deviate from the blueprint only if a move's mean
     beats the blueprint move's by more than the threshold.

Over a neural blueprint (``uedtp.agents.protocol.NetworkBlueprint`` over ``uedtp.envs.hanabi.tensor``) the
steps are the same: the blueprint move is the network's most likely move, the belief weighs
partner moves by the network's probabilities (``uedtp.search.hanabi.neural.beliefs``; or the
epsilon-mixed SmartBot's with ``beliefs="smart"``), and a round's rollouts sample the network
(``uedtp.search.hanabi.neural.rollouts.NeuralRollouts``, fused native kernel) from the same deals
(stream i of the round's seed for the i-th hand) as the bot kernel would use.
"""
from __future__ import annotations

import math
import time
from numbers import Integral, Real
from typing import Any, Iterable

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, RuleBasedBlueprint, act_on_policy
from uedtp.csrc.hanabi_rollout import rollout_action_values
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.update_equivalent.history_sampler import ZeroPosterior
from uedtp.search.hanabi.base import (HanabiDecision, HanabiSearchAgent, check_budget,
                                      check_searchers, check_skip, is_sure_play)
from uedtp.search.hanabi.beliefs import HanabiBeliefs, bot_blueprint_parts
from uedtp.search.hanabi.neural.beliefs import NeuralHanabiBeliefs
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts

__all__ = ["SpartaSearch", "sparta_decision", "SpartaOutcome"]


class SpartaOutcome:
    """Result of one SPARTA search: chosen move, per-move scores, rollouts used."""

    __slots__ = ("move", "moves", "means", "stderrs", "alive", "rollouts", "rounds")

    def __init__(self, move: int, moves: list[int], means: np.ndarray, stderrs: np.ndarray,
                 alive: np.ndarray, rollouts: int, rounds: int) -> None:
        self.move = move
        self.moves = moves
        self.means = means
        self.stderrs = stderrs
        self.alive = alive
        self.rollouts = rollouts
        self.rounds = rounds


def sparta_decision(state: HanabiState, seats: Any, player: int, bp_move: int,
                    hands: np.ndarray, weights: np.ndarray, *, rollouts: int | None,
                    seconds: float | None, threshold: float, batch: int, prune: bool,
                    prune_z: float, rollout_epsilon: float, seed: int,
                    num_threads: int = 1, neural: NeuralRollouts | None = None
                    ) -> SpartaOutcome:
    """Steps 2-5 of the module docstring for a belief given as ``hands`` with ``weights``.

    Round r draws its ``batch`` hands from the belief with a generator seeded by (seed, r) and
    uses rollout seed (seed, r), so the search is a deterministic function of its inputs (the
    multi-agent variant replicates it for hypothetical hands). With ``neural`` the rollouts
    sample its network instead of playing the bot (``rollout_epsilon`` is then unused).
    """
    start = time.perf_counter()
    moves = [int(m) for m in state.legal_actions()]
    if bp_move not in moves:
        bp_move = moves[0]
    moves.remove(bp_move)
    moves.insert(0, bp_move)                    # the blueprint move is row 0
    M = len(moves)
    alive = np.ones(M, dtype=bool)
    s1 = np.zeros(M)
    s2 = np.zeros(M)
    n = 0
    used = 0
    rounds = 0
    has_hand = hands.shape[1] > 0
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    bias = np.zeros(M)
    bias[0] = threshold
    while M > 1:
        idx = np.flatnonzero(alive)
        if rollouts is not None and used + len(idx) * batch > rollouts and rounds > 0:
            break
        rng = np.random.default_rng([seed, rounds])
        pick = np.searchsorted(cdf, rng.random(batch), side="right").clip(max=len(cdf) - 1)
        h = hands[pick]
        round_seed = (seed * 1_000_003 + rounds) & ((1 << 62) - 1)
        if neural is not None:
            r = neural.values(state, seats, [moves[i] for i in idx], h if has_hand else None,
                              player, round_seed, batch)
        else:
            r = rollout_action_values(state, seats, [moves[i] for i in idx], batch,
                                      seed=round_seed, hands=h if has_hand else None,
                                      hand_player=player if has_hand else None,
                                      epsilon=rollout_epsilon, num_threads=num_threads)
        d = r - r[0]                            # paired differences to the blueprint move
        s1[idx] += d.sum(axis=1)
        s2[idx] += (d * d).sum(axis=1)
        n += batch
        used += len(idx) * batch
        rounds += 1
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, 0.0)
        se = np.sqrt(var / max(n - 1, 1))
        score = mean + bias
        if prune and len(idx) > 1:
            best = idx[int(np.argmax(score[idx]))]
            gap = score[best] - score
            worse = alive & (gap > prune_z * np.sqrt(se ** 2 + se[best] ** 2))
            worse[0] = False
            alive &= ~worse
        if alive.sum() == 1:
            break
        if seconds is not None and time.perf_counter() - start >= seconds:
            break
    mean = s1 / max(n, 1)
    var = np.maximum(s2 / max(n, 1) - mean * mean, 0.0)
    se = np.sqrt(var / max(n - 1, 1))
    score = np.where(alive, mean + bias, -np.inf)
    move = moves[int(np.argmax(score))] if M > 1 else moves[0]
    return SpartaOutcome(move, moves, mean, se, alive, used, rounds)


class SpartaSearch(HanabiSearchAgent):
    """Single-agent SPARTA (module docstring); implements the Agent protocol.

    ``blueprint``: a ``RuleBasedBlueprint``, e.g. a ``HanabiBotAgent`` or ``full_support_bot(...)``
    (its bot move is the blueprint move, its epsilon the belief's). ``rollouts`` (default 10,000)
    and/or ``seconds``: per-decision budget (> 0). ``threshold``: deviation margin (0.05).
    ``searchers``: the searching seats (default seat 0 only; partners play the blueprint).
    ``belief_epsilon``: epsilon of the belief's partner model when the blueprint has none.
    ``rollout_epsilon``: bot mixing inside rollouts (0: the deterministic bot, as SPARTA).
    A ``NetworkBlueprint`` (module docstring) may replace the bot: its most likely move is the
    blueprint move (non-searching seats play it), ``beliefs`` ("neural" or "smart") picks the
    partner likelihood, with ``belief_epsilon`` the SmartBot proposal's mixing weight.
    """

    def __init__(self, blueprint: RuleBasedBlueprint | NetworkBlueprint, *, rollouts: int | None = 10_000,
                 seconds: float | None = None, threshold: float = 0.05, batch: int = 16,
                 prune: bool = True, prune_z: float = 2.5,
                 searchers: Iterable[int] | str | None = (0,), belief_epsilon: float = 0.01,
                 rollout_epsilon: float = 0.0, max_exact: int = 5000, num_samples: int = 2000,
                 skip_sure_plays: float | None = None, num_threads: int = 1,
                 beliefs: str = "neural", seed: int | None = 0) -> None:
        self.network: NetworkBlueprint | None = None
        if isinstance(blueprint, NetworkBlueprint) and \
                not isinstance(blueprint, RuleBasedBlueprint):
            self.network = blueprint
            bot, eps = "smart", 0.0                 # the tables the network's features read
            if rollout_epsilon:
                raise ValueError("rollout_epsilon is for bot blueprints (a network blueprint's "
                                 "rollouts sample the network)")
            if beliefs not in ("neural", "smart"):
                raise ValueError(f"beliefs must be 'neural' or 'smart', got {beliefs!r}")
        else:
            bot, eps = bot_blueprint_parts(blueprint)
        self.rollouts, self.seconds = check_budget(rollouts, seconds, "SPARTA")
        self.skip_sure_plays = check_skip(skip_sure_plays)
        for name, value in (("threshold", threshold), ("prune_z", prune_z),
                            ("rollout_epsilon", rollout_epsilon),
                            ("belief_epsilon", belief_epsilon)):
            if isinstance(value, bool) or not isinstance(value, (int, float, Real)) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if rollout_epsilon > 1 or belief_epsilon > 1:
            raise ValueError("epsilons must be in [0, 1]")
        if isinstance(batch, bool) or not isinstance(batch, (int, Integral)) or batch < 1:
            raise ValueError(f"batch must be an int >= 1, got {batch!r}")
        self.bot = bot
        self.agent: Any = blueprint
        self.threshold = float(threshold)
        self.batch = int(batch)
        self.prune = bool(prune)
        self.prune_z = float(prune_z)
        self.searchers = check_searchers(searchers)
        self.rollout_epsilon = float(rollout_epsilon)
        self.num_threads = int(num_threads)
        self.neural: NeuralRollouts | None = None
        if self.network is not None and beliefs == "neural":
            if not 0 < belief_epsilon:
                raise ValueError("the neural belief needs belief_epsilon > 0 (its proposal)")
            self.beliefs: Any = NeuralHanabiBeliefs(self.network, float(belief_epsilon),
                                                    max_exact=max_exact,
                                                    num_samples=num_samples)
        else:
            self.beliefs = HanabiBeliefs(bot, eps if eps > 0 else float(belief_epsilon),
                                         max_exact=max_exact, num_samples=num_samples,
                                         num_threads=num_threads)
        if self.network is not None:
            self.neural = NeuralRollouts(self.network, threads=self.num_threads)
        self.rng = np.random.default_rng(seed)
        self.decisions = []
        self.last: SpartaOutcome | None = None

    def __repr__(self) -> str:
        what = repr(self.network) if self.network is not None else self.bot
        return (f"SpartaSearch({what}, rollouts={self.rollouts}, seconds={self.seconds}, "
                f"threshold={self.threshold}, searchers="
                f"{self.searchers_label()})")

    def blueprint_move(self, state: HanabiState) -> int:
        """The bot's move, or the network's most likely move (ties: the first legal)."""
        if self.network is None:
            return int(self.agent.bot_move(state))
        return act_on_policy("argmax", self.rng, self.network.action_probabilities(state))

    def action_probabilities(self, state: HanabiState) -> dict[int, float]:
        """Probability 1 on the move ``act`` would choose now (the search is deterministic
        given the agent's generator). No side effects: the search runs on a copy of the
        generator, no decision is recorded, the belief's cached posterior and a pending
        ``searchers="first"`` are left as they were, so a following ``act`` chooses the same
        move."""
        state = self.check_state(state)
        rng = np.random.default_rng()
        rng.bit_generator.state = self.rng.bit_generator.state
        cached, searchers = self.beliefs.last_posterior, self.searchers
        try:
            move, _, _ = self._decide(state, rng)
        finally:
            self.beliefs.last_posterior, self.searchers = cached, searchers
        return {move: 1.0}

    def act(self, state: HanabiState) -> int:
        """One decision: search (or play the blueprint) and record it."""
        state = self.check_state(state)
        move, record, outcome = self._decide(state, self.rng)
        self.decisions.append(record)
        if outcome is not None:
            self.last = outcome
        return move

    def _decide(self, state: HanabiState, rng: np.random.Generator
                ) -> tuple[int, HanabiDecision, SpartaOutcome | None]:
        """The move, its record and the search outcome (None if the seat did not search)."""
        start = time.perf_counter()
        player = state.current_player()
        bp = self.blueprint_move(state)
        legal = state.legal_actions()
        if not self.searches(player) or len(legal) == 1:
            return (bp if bp in legal else legal[0],
                    self.decision(state, player, start, searched=False, deviated=False), None)
        try:
            post = self.beliefs.posterior(state, player, rng)
        except ZeroPosterior:
            return bp, self.decision(state, player, start, searched=False, deviated=False), None
        belief_seconds = time.perf_counter() - start
        if self.skip_sure_plays is not None and is_sure_play(self.beliefs, state, player, bp,
                                                             self.skip_sure_plays, rng):
            return bp, self.decision(state, player, start, searched=False, deviated=False,
                                     skipped=True, posterior=post), None
        assert post.trace is not None          # HanabiBeliefs posteriors carry their trace
        seats = post.trace.seats()
        left = None if self.seconds is None else max(self.seconds - belief_seconds, 1e-3)
        out = sparta_decision(state, seats, player, bp, post.hands, post.weights,
                              rollouts=self.rollouts, seconds=left, threshold=self.threshold,
                              batch=self.batch, prune=self.prune, prune_z=self.prune_z,
                              rollout_epsilon=self.rollout_epsilon,
                              seed=int(rng.integers(0, 2**31 - 1)),
                              num_threads=self.num_threads, neural=self.neural)
        return out.move, self.decision(state, player, start, searched=True,
                                       deviated=out.move != bp, rollouts=out.rollouts,
                                       posterior=post, belief_seconds=belief_seconds), out
