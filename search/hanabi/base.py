"""What the Hanabi search agents share: option checks, searching seats, the decision record.

The four agents (``uedtp.search.hanabi.md.HanabiMDSearch``, ``uedtp.search.hanabi.neural.md.
HanabiNeuralMDSearch``, ``uedtp.search.hanabi.sparta.SpartaSearch``, ``uedtp.search.hanabi.sparta_joint.
JointSpartaSearch``) derive from ``HanabiSearchAgent``. One call of ``act`` is one decision and
appends exactly one ``HanabiDecision`` to ``decisions``: whether the seat searched, what the
decision cost (seconds, rollouts), the belief it used (support, exact, effective sample size)
and whether the move differs from the blueprint's. ``action_probabilities`` records nothing.
Both verbs take a live ``HanabiState`` of the agent's game (``for_game``, which
``uedtp.eval.specs.build_agent`` calls; without it any Hanabi game is accepted) or an OpenSpiel
``hanabi`` state, which ``check_state`` replays natively; anything else is refused.

``MDSearchAgent`` adds the decision of the two MD searches at a searching seat: steps 1-3 of
Algorithm 1 are ``uedtp.search.update_equivalent.core.UpdateEquivalentSearch.search`` (given the
blueprint's distribution the agent already computed, so the blueprint is asked once per
decision), step 4 acts on the updated policy (argmax or a sample) and records the decision.
"""
from __future__ import annotations

import dataclasses
import math
import time
from numbers import Integral, Real
from typing import Any, Iterable

import numpy as np

from uedtp.agents.protocol import ActMode, DecisionGuard, act_on_policy
from uedtp.envs.hanabi.convert import native_state
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.update_equivalent.history_sampler import Posterior, ZeroPosterior

__all__ = ["HanabiDecision", "HanabiSearchAgent", "MDSearchAgent", "FIRST_SEAT", "check_budget",
           "check_searchers", "check_skip", "is_sure_play", "mixed_bot_prior"]


@dataclasses.dataclass
class HanabiDecision:
    """What one decision of a Hanabi search agent cost and did (for evaluation tables)."""

    move_number: int
    player: int
    searched: bool                 # False: the seat played the blueprint without searching
    seconds: float
    rollouts: int
    support: int                   # hands in the belief used (0 if no belief was computed)
    exact: bool                    # belief enumerated exactly (False: importance sampled)
    ess: float                     # effective sample size of the belief weights
    deviated: bool                 # chose a move other than the blueprint bot's
    fallback: bool = False         # joint search fell back to the blueprint (range too large)
    belief_seconds: float = 0.0
    skipped: bool = False          # a searching seat skipped the search (sure play)


def check_budget(rollouts: object, seconds: object, what: str) -> tuple[int | None, float | None]:
    """Validate a per-decision budget: positive int rollouts and/or positive finite seconds,
    at least one of them given."""
    if rollouts is None and seconds is None:
        raise ValueError(f"{what} needs a budget: rollouts per decision and/or seconds per "
                         "decision")
    if rollouts is not None:
        if isinstance(rollouts, bool) or not isinstance(rollouts, Integral):
            raise TypeError(f"rollouts must be an int, got {type(rollouts).__name__}")
        if rollouts <= 0:
            raise ValueError(f"rollouts (per decision) must be > 0, got {rollouts}")
        rollouts = int(rollouts)
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, Real):
            raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
        if not (float(seconds) > 0.0 and math.isfinite(float(seconds))):
            raise ValueError(f"seconds (per decision) must be a finite number > 0, got {seconds}")
        seconds = float(seconds)
    return rollouts, seconds


FIRST_SEAT = "first"


def check_searchers(searchers: Iterable[int] | str | None) -> frozenset[int] | str | None:
    """None (every seat searches), a set of seat indices, or ``"first"`` (the seat the agent
    object first acts for: seat 0 when one object plays every seat, its own seat when each seat
    has its own object)."""
    if searchers is None:
        return None
    if isinstance(searchers, str):
        if searchers != FIRST_SEAT:
            raise ValueError(f"searchers must be None, seat indices or {FIRST_SEAT!r}, "
                             f"got {searchers!r}")
        return FIRST_SEAT
    out = set()
    for s in searchers:
        if isinstance(s, bool) or not isinstance(s, (int, Integral)) or not 0 <= s < 5:
            raise ValueError(f"searchers must be seat indices 0..4, got {s!r}")
        out.add(int(s))
    if not out:
        raise ValueError("searchers must name at least one seat (or be None for all seats)")
    return frozenset(out)


def check_skip(level: object) -> float | None:
    """None (search every decision) or a probability in (0, 1]."""
    if level is None:
        return None
    if isinstance(level, bool) or not isinstance(level, Real) or not 0.0 < float(level) <= 1.0:
        raise ValueError(f"skip_sure_plays must be None or a probability in (0, 1], got {level!r}")
    return float(level)


def is_sure_play(beliefs: Any, state: HanabiState, player: int, bot_move: int,
                 level: float, rng: np.random.Generator) -> bool:
    """Whether the blueprint's move plays a card that the player's belief
    (``uedtp.search.hanabi.beliefs.HanabiBeliefs``) says is playable with probability >= ``level``
    (a decision where search is skipped when asked to)."""
    H = state.game.hand_size()
    if not H <= bot_move < 2 * H:
        return False
    try:
        post = beliefs.posterior(state, player, rng)
    except ZeroPosterior:
        return False
    return beliefs.playable_probability(post, bot_move - H) >= level


def mixed_bot_prior(bot_move: int, legal: Iterable[int], epsilon: float) -> dict[int, float]:
    """The epsilon-mixed bot's distribution (1 - eps)·[bot move] + eps/#legal over ``legal``,
    computed as ``uedtp.agents.full_support.FullSupportPolicy`` computes it (same floats), so a
    search that already knows the bot move does not ask the bot again."""
    legal = [int(a) for a in legal]
    u = epsilon / len(legal)
    return {a: (1.0 - epsilon) * (1.0 if a == bot_move else 0.0) + u for a in legal}


class HanabiSearchAgent:
    """Base of the Hanabi search agents: searching seats and decision records (module
    docstring). Subclasses set ``searchers`` (``check_searchers``) and ``decisions``."""

    searchers: frozenset[int] | str | None = None
    decisions: list[HanabiDecision]
    guard: DecisionGuard = DecisionGuard(None, "a Hanabi search agent")   # no game: any game

    def for_game(self, game: Any) -> "HanabiSearchAgent":
        """Bind the agent to ``game`` (an ``uedtp.envs.hanabi.game.HanabiGame``): states of other
        Hanabi games (another player count, other rules) are refused from now on."""
        self.guard = DecisionGuard(game, type(self).__name__)
        return self

    def searches(self, player: int) -> bool:
        """Whether ``player``'s seat searches (``"first"`` becomes that seat at the first
        call)."""
        if self.searchers == FIRST_SEAT:
            self.searchers = frozenset({int(player)})
        return self.searchers is None or player in self.searchers

    def searchers_label(self) -> str:
        if self.searchers is None or isinstance(self.searchers, str):
            return "all" if self.searchers is None else str(self.searchers)
        return str(sorted(self.searchers))

    def check_state(self, state: Any) -> HanabiState:
        """The native state to decide at: ``state`` itself, or an OpenSpiel ``hanabi`` state
        replayed natively (``uedtp.envs.hanabi.convert.native_state``; TypeError naming the class for
        anything else); ``WrongStateError`` at a terminal state or a state of another game
        than ``for_game``'s."""
        native = native_state(state, type(self).__name__)
        self.guard.check(native)
        return native

    @staticmethod
    def decision(state: HanabiState, player: int, start: float, *, searched: bool,
                 deviated: bool, rollouts: int = 0, posterior: Posterior | None = None,
                 **extra: Any) -> HanabiDecision:
        """The record of a decision that began at ``start`` (``time.perf_counter``); the belief
        fields come from ``posterior`` (none: support 0, exact, ess 0)."""
        if posterior is None:
            support, exact, ess = 0, True, 0.0
        else:
            support, exact = posterior.support_size, posterior.exact
            ess = posterior.effective_sample_size
        return HanabiDecision(state.move_number(), player, searched, time.perf_counter() - start,
                              rollouts, support, exact, ess, deviated, **extra)


class MDSearchAgent(HanabiSearchAgent):
    """Base of the MD search agents: ``search`` (an ``UpdateEquivalentSearch``), ``act_mode``
    and ``values`` (with ``last_rollouts``) are set by the subclass."""

    search: Any
    act_mode: ActMode
    values: Any

    def searched_move(self, state: HanabiState, player: int, start: float,
                      prior: dict[int, float], reference_move: int) -> int:
        """Steps 1-4 at a searching seat: search from the blueprint distribution ``prior``,
        act on the updated policy (argmax or a sample), append the decision's record
        (deviation = move differs from ``reference_move``)."""
        self.values.last_rollouts = 0
        result = self.search.decide(state, prior=prior)
        move = act_on_policy(self.act_mode, self.search.rng, result.actions, result.policy)
        self.decisions.append(self.decision(
            state, player, start, searched=True, deviated=move != reference_move,
            rollouts=self.values.last_rollouts, posterior=result.posterior))
        return int(move)
