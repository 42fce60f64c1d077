"""A Hanabi player's posterior over its own hand, assuming its partners play the blueprint.

For player i at the current state, with h a hypothetical current hand of i,

    P(h | what i has seen) ∝ prior(h) · Π_t π(m_t | i's hand at t under h),

- h ranges over the hands consistent with every hint i received (positive and negative: the
  engine's per-slot plausibility masks) with at most as many copies of a card as i cannot see;
- prior(h) = Π_c n_c (n_c - 1) ··· (n_c - k_c + 1), the number of ways of being dealt those cards
  from the n_c unseen copies of each card c (k_c = copies of c in h): every arrangement of the
  unseen cards over i's hand and the undrawn deck is equally likely;
- the product runs over the past moves m_t of i's partners; π is the epsilon-mixed blueprint
  bot, (1 - eps)·[bot plays m_t] + eps/#legal, re-evaluated on a copy of the pre-move snapshot
  with i's hand at t written in: the hypothetical card for every slot still held now, the public
  identity for cards i has since played or discarded (cards are followed through slot shifts).

One step of ``HanabiBeliefs.posterior``:
  1. bring the game trace (pre-move snapshots and bot tables, uedtp.csrc.hanabi_belief.GameTrace) up
     to date with the state;
  2. enumerate every consistent hand if there are at most ``max_exact`` (exact posterior);
     otherwise draw ``num_samples`` hands from a mixture of count-weighted proposals (one on the
     hint masks, one also restricted to the player's own bot's convention table) and weight them
     by prior/proposal (importance sampling; the effective sample size is reported);
  3. for every past partner move, group the hands by i's hand at that time and evaluate the
     blueprint likelihood once per distinct group (native, OpenMP); results are cached per game,
     observer and move, so later decisions only evaluate new groups;
  4. weights ∝ prior (or importance ratio) × likelihood, normalised.

The partner bots' tables are public for SimpleBot and HolmesBot in any player count and for
SmartBot except after a discard of a playable card: SmartBot's discard-finesse reading looks at
the other players' newest cards, so from the first such move on, every seat's tables are replayed
under each hypothesis (exact, slower).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from uedtp.agents.protocol import RuleBasedBlueprint
from uedtp.csrc.hanabi_belief import (GameTrace, LikelihoodCache, enumerate_hands, log_count_prior,
                                      sample_hands)
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.update_equivalent.history_sampler import Posterior, ZeroPosterior

__all__ = ["HanabiBeliefs", "HanabiPosterior", "HypotheticalStates", "blueprint_parts",
           "bot_blueprint_parts", "posterior_histories"]


def bot_blueprint_parts(blueprint: Any) -> tuple[str, float]:
    """(bot name, epsilon) of a rule-based Hanabi blueprint (``uedtp.agents.protocol.RuleBasedBlueprint``:
    a pure bot has epsilon 0). TypeError for anything else."""
    if isinstance(blueprint, RuleBasedBlueprint):
        return blueprint.bot, float(blueprint.bot_epsilon)
    raise TypeError("Hanabi search needs a rule-based bot blueprint (uedtp.agents.protocol."
                    "RuleBasedBlueprint, e.g. uedtp.agents.hanabi.bots.HanabiBotAgent or "
                    f"uedtp.agents.full_support.full_support_bot(...)), got {type(blueprint).__name__}")


def blueprint_parts(blueprint: Any) -> tuple[str, float]:
    """(bot name, epsilon) of a *full-support* rule-based blueprint; ValueError if it lacks full
    support (a bare deterministic bot), as mirror-descent search needs log p(a) > -inf."""
    bot, eps = bot_blueprint_parts(blueprint)
    if eps <= 0.0:
        raise ValueError(f"the blueprint ({bot} bot) is deterministic: MD search needs a blueprint "
                         "with full support (log p(a) finite for every legal a); wrap it, e.g. "
                         f"uedtp.agents.full_support.full_support_bot({bot!r}, epsilon=0.01)")
    return bot, eps


class HypotheticalStates(Sequence):
    """The histories of a ``HanabiPosterior``: ``player`` holds ``hands[i]`` in copies of
    ``root``, the state of the game ``trace`` follows. Value estimators read ``hands``, ``root``
    and ``trace`` and hand them to the rollout kernel as they are; indexing builds a state copy
    on demand (the other unseen cards form the undrawn deck in canonical order)."""

    def __init__(self, root: HanabiState, player: int, hands: np.ndarray,
                 trace: GameTrace | None = None) -> None:
        self.root = root
        self.player = player
        self.hands = hands
        self.trace = trace

    def __len__(self) -> int:
        return len(self.hands)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        state = self.root.clone()
        state.set_hand(self.player, [int(c) for c in self.hands[index]])
        return state


def posterior_histories(states: Sequence[Any], player: int,
                        what: str) -> tuple[HanabiState, Any, np.ndarray]:
    """(root to roll out from, the posterior's trace, hands of ``player``) of the histories of a
    ``HanabiPosterior`` (``HypotheticalStates``, e.g. from ``posterior.draw``): the hands go to
    the rollout kernel as they are, no state is copied; TypeError for anything else."""
    if not isinstance(states, HypotheticalStates) or states.trace is None:
        raise TypeError(f"{what} needs the histories of a uedtp.search.hanabi.beliefs.HanabiPosterior "
                        f"(HypotheticalStates with its trace), got {type(states).__name__}")
    if states.player != player:
        raise ValueError(f"the histories are hands of player {states.player}, not {player}")
    root, hands = states.root, states.hands
    if states.trace.length != root.move_number():
        raise ValueError("the posterior's trace has moved on since it was built (a posterior "
                         "from an earlier decision?)")
    if hands.shape[1] == 0:
        root = states[0]       # a player without cards: its one history (canonical deck order)
    return root, states.trace, hands


@dataclasses.dataclass
class HanabiPosterior(Posterior):
    """Posterior over ``player``'s hand: ``hands[k]`` (card ids per slot) with ``weights[k]``;
    ``states`` lazily gives the matching hypothetical states. ``candidates`` is the number of
    hint-consistent hands when they were enumerated (exact), else None (importance sampling)."""

    hands: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0), np.int8))
    player: int = 0
    candidates: int | None = None
    likelihood_evaluations: int = 0
    move_number: int = -1
    root: HanabiState | None = None
    trace: GameTrace | None = None

    def subset(self, indices: np.ndarray, weights: np.ndarray) -> "HanabiPosterior":
        """The hands at ``indices`` (repeats allowed) with the given ``weights``; the root and
        trace are shared, no state is copied."""
        hands = self.hands[np.asarray(indices)]
        assert self.root is not None and self.trace is not None   # set by HanabiBeliefs
        return dataclasses.replace(
            self, states=HypotheticalStates(self.root, self.player, hands, self.trace),
            weights=np.asarray(weights, dtype=float), hands=hands)

    @property
    def true_hand_index(self) -> int | None:
        """Index of the real hand of ``player`` in ``hands`` (for tests/diagnostics), or None."""
        if self.root is None:
            return None
        real = np.array(self.root.hand(self.player), dtype=np.int8)
        hit = np.nonzero((self.hands == real).all(axis=1))[0]
        return int(hit[0]) if len(hit) else None


# below this many native evaluations one thread is faster than waking an OpenMP team
PARALLEL_MIN = 4096


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


class HanabiBeliefs:
    """Own-hand posterior under an epsilon-mixed rule-based bot blueprint (module docstring).

    ``epsilon`` is the blueprint's mixing weight; 0 makes the likelihood an indicator (strict
    filtering, as in SPARTA). ``max_exact``: largest number of hint-consistent hands enumerated
    exactly; beyond it ``num_samples`` hands are importance-sampled, a share ``proposal_mix`` of
    them from the player's own convention table. One object follows one game at a time (its
    trace and likelihood cache are rebuilt when a state of another game arrives).
    """

    def __init__(self, bot: str = "smart", epsilon: float = 0.01, *, max_exact: int = 5000,
                 num_samples: int = 2000, proposal_mix: float = 0.5,
                 num_threads: int = 1) -> None:
        from uedtp.csrc.hanabi_bots import bot_kind
        bot_kind(bot)                                 # TypeError/ValueError on a bad name
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, Real)):
            raise TypeError(f"epsilon must be a real number, got {type(epsilon).__name__}")
        if not 0.0 <= float(epsilon) <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
        if isinstance(proposal_mix, bool) or not isinstance(proposal_mix, (int, float, Real)) \
                or not 0.0 <= float(proposal_mix) <= 1.0:
            raise ValueError(f"proposal_mix must be a number in [0, 1], got {proposal_mix!r}")
        self.bot = bot
        self.epsilon = float(epsilon)
        self.max_exact = _check_positive_int("max_exact", max_exact)
        self.num_samples = _check_positive_int("num_samples", num_samples)
        self.proposal_mix = float(proposal_mix)
        self.num_threads = _check_positive_int("num_threads", num_threads)
        self._trace: GameTrace | None = None
        self.last_posterior: HanabiPosterior | None = None
        self._caches: dict[int, LikelihoodCache] = {}

    def __repr__(self) -> str:
        return (f"HanabiBeliefs(bot={self.bot!r}, epsilon={self.epsilon}, "
                f"max_exact={self.max_exact}, num_samples={self.num_samples})")

    # ---- trace ---------------------------------------------------------------------------
    def trace(self, state: HanabiState) -> GameTrace:
        """The game trace synchronised with ``state`` (extended, or rebuilt for a new game)."""
        if not isinstance(state, HanabiState):
            raise TypeError(f"Hanabi beliefs need a uedtp.envs.hanabi.game.HanabiState, got "
                            f"{type(state).__name__}")
        tr = self._trace
        if tr is not None and tr.follows(state):
            if tr.length < state.move_number():
                tr.extend(state)
            return tr
        self._trace = GameTrace(self.bot, state)
        self._caches.clear()
        self.last_posterior = None
        return self._trace

    # ---- posterior -----------------------------------------------------------------------
    def posterior(self, state: HanabiState, player: int,
                  rng: np.random.Generator) -> HanabiPosterior:
        """The posterior over ``player``'s current hand (see the module docstring)."""
        trace = self.trace(state)
        if state.is_terminal():
            raise ValueError("cannot compute beliefs on a terminal state")
        last = self.last_posterior
        if (last is not None and last.trace is trace and last.player == player
                and last.move_number == trace.length):
            return last                     # same decision asked twice: same posterior
        state = state.clone()               # the posterior keeps it; callers mutate theirs
        if isinstance(player, bool) or not isinstance(player, (int, Integral)) \
                or not 0 <= player < trace.num_players:
            raise ValueError(f"player must be in 0..{trace.num_players - 1}, got {player!r}")
        masks, counts = trace.candidate_masks(player)
        if len(masks) == 0:
            hands = np.zeros((1, 0), dtype=np.int8)
            self.last_posterior = HanabiPosterior(
                HypotheticalStates(state, player, hands, trace), np.ones(1), True, 1, hands=hands,
                player=player, candidates=1, root=state, trace=trace,
                move_number=trace.length)
            return self.last_posterior
        found = enumerate_hands(masks, counts, self.max_exact)
        if found is not None:
            hands = found
            exact, candidates = True, len(hands)
            log_base = log_count_prior(hands, counts)
        else:
            exact, candidates = False, None
            own = trace.own_table_masks(player) & masks
            own = np.where(own == 0, masks, own)
            seed = int(rng.integers(0, 2**63 - 1))
            raw, log_ratio = sample_hands(own, masks, counts, self.num_samples,
                                          self.proposal_mix, seed)
            codes = np.zeros(len(raw), dtype=np.int64)
            for k in range(raw.shape[1]):
                codes |= raw[:, k].astype(np.int64) << (5 * k)
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            hands, inverse = raw[first], inverse.reshape(-1)
            top = log_ratio.max()
            mass = np.zeros(len(hands))
            np.add.at(mass, inverse, np.exp(log_ratio - top))
            log_base = np.log(mass) + top
        log_lik, evaluated = self._log_likelihood(trace, player, hands)
        log_w = log_base + log_lik
        if not np.isfinite(log_w).any():
            raise ZeroPosterior(f"no hand of player {player} is consistent with the observed "
                                "moves under the blueprint (epsilon = 0 and a partner deviated?)")
        w = np.exp(log_w - log_w.max())
        keep = w > 0.0
        if not keep.all():
            hands, w = hands[keep], w[keep]
        w /= w.sum()
        self.last_posterior = HanabiPosterior(
            HypotheticalStates(state, player, hands, trace), w, exact, len(hands), hands=hands,
            player=player, candidates=candidates, likelihood_evaluations=evaluated, root=state,
            trace=trace, move_number=trace.length)
        return self.last_posterior

    def playable_probability(self, posterior: HanabiPosterior, slot: int) -> float:
        """Posterior probability that the card in ``slot`` is playable now."""
        if posterior.root is None:
            raise ValueError("the posterior has no root state")
        fireworks = np.array(posterior.root.fireworks())
        cards = posterior.hands[:, slot].astype(np.int64)
        ok = (cards % 5) == fireworks[cards // 5]
        return float(np.sum(posterior.weights[ok]))

    def hand_log_weights(self, state: HanabiState, player: int, hands: Any) -> np.ndarray:
        """Unnormalised log posterior weight (count prior × blueprint likelihood) of given
        current hands of ``player``; -inf for hands that contradict the hints or counts."""
        trace = self.trace(state)
        masks, counts = trace.candidate_masks(player)
        arr = np.asarray(hands, dtype=np.int8).reshape(-1, len(masks))
        ok = np.ones(len(arr), dtype=bool)
        for k, m in enumerate(masks):
            ok &= ((np.uint64(m) >> arr[:, k].astype(np.uint64)) & np.uint64(1)).astype(bool)
        out = np.full(len(arr), -np.inf)
        if ok.any():
            good = arr[ok]
            log_lik, _ = self._log_likelihood(trace, player, good)
            out[ok] = log_count_prior(good, counts) + log_lik
        return out

    # ---- likelihood ----------------------------------------------------------------------
    def _log_likelihood(self, trace: GameTrace, player: int,
                        hands: np.ndarray) -> tuple[np.ndarray, int]:
        """Σ over past partner moves of log π(m_t | hand at t), with per-(move, hand-at-t) caching.
        Returns (log-likelihood per hand, number of new native evaluations)."""
        length = trace.length
        if length == 0 or len(hands) == 0:
            return np.zeros(len(hands)), 0
        sources = trace.observer_sources(player)
        actors = trace.actors()
        sensitive = [int(t) for t in trace.finesse_sensitive_times() if actors[t] != player]
        t0 = min(sensitive) if sensitive else length
        cache = self._caches.get(player)
        if cache is None:
            cache = self._caches[player] = LikelihoodCache()
        total, evaluated = trace.sum_log_likelihoods(player, t0, sources, hands, cache,
                                                     self.epsilon, self.num_threads, PARALLEL_MIN)
        if t0 < length:
            moves = int(np.sum(actors[t0:] != player))
            threads = self.num_threads if len(hands) * moves >= PARALLEL_MIN else 1
            total = total + trace.replay_log_likelihoods(player, t0, sources, hands,
                                                         self.epsilon, threads)
            evaluated += len(hands) * moves
        return total, evaluated
