"""A Hanabi player's posterior over its own hand when its partners play a neural blueprint.

Target: P(h | what i has seen) ∝ prior(h) · Π_t π_net(m_t | partner's view at t under h), the
product over past partner moves m_t, π_net the network's probability of the move actually made.

One step of ``NeuralHanabiBeliefs.posterior`` (importance reweighting of a SmartBot posterior):
  1. the proposal: i's posterior under the epsilon-mixed SmartBot
     (``uedtp.search.hanabi.beliefs.HanabiBeliefs``), exact over every hint-consistent hand when they
     are few, importance-sampled otherwise; its weights are ∝ prior(h) · L_smart(h);
  2. if the proposal has at most ``max_hands`` hands, all of them are reweighted (exact neural
     posterior when the proposal was exact, since eps > 0 gives every consistent hand positive
     weight); otherwise ``max_hands`` hands are drawn from it and start with equal weights;
  3. for every past partner move t and every distinct hand of i at t, the partner's view is
     rebuilt (the traced pre-move snapshot with i's hand at t written in, SmartBot tables of that
     time) and encoded; one network call gives π_net(m_t | ·) for all of them (cached per game,
     time and hand at t);
     With a native copy of the network (``uedtp.agents.protocol.native_network``) the missing
     (time, hand) pairs of all partner moves are rebuilt, encoded and evaluated in one native
     call (``uedtp.csrc.hanabi_features.partner_move_log_probs``, no Python per pair; ``native=False``
     keeps the torch path, the reference);
  4. weights ← weights · L_net(h) / L_smart(h), normalised.
The effective sample size of the result says how well the SmartBot proposal covered the target.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from uedtp.agents.protocol import Encoding, NetworkBlueprint, native_network
from uedtp.csrc.hanabi_belief import GameTrace, log_count_prior
from uedtp.csrc.hanabi_features import encode_view, partner_move_log_probs
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.hanabi.beliefs import HanabiBeliefs, HanabiPosterior, HypotheticalStates

__all__ = ["NeuralHanabiBeliefs", "partner_views"]


def partner_views(trace: GameTrace, player: int, t: int, sources: np.ndarray,
                  hands: np.ndarray, which: Sequence[int], encoding: Encoding
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Encoded views (rows, legal masks) of the mover of traced move t, with ``player`` holding
    at t the hand that ``sources`` derives from ``hands[i]`` for each i in ``which``: the traced
    snapshot with that hand written in (the snapshot itself if it cannot coexist with the
    mover's real hand), SmartBot tables of that time (step 3's torch path; the native path is
    ``partner_move_log_probs``)."""
    snap = trace.snapshot(t)
    tables = trace.seats_at(t)
    actor = snap.current_player()
    partner = [snap.hand(actor)]
    rows = np.zeros((len(which), encoding.size), dtype=np.float32)
    masks = np.zeros((len(which), encoding.num_actions), dtype=bool)
    for r, i in enumerate(which):
        hyp = trace.hypothetical_snapshot(t, player, trace.hand_at(player, t, sources, hands[i]),
                                          actor, partner)
        if hyp is None:          # the hand cannot coexist with that partner hand
            hyp = snap
        encode_view(hyp, tables, actor, rows[r])
        masks[r] = encoding.legal_mask(hyp)
    return rows, masks


class NeuralHanabiBeliefs:
    """Own-hand posterior under a neural partner blueprint (module docstring).

    ``policy``: the ``TorchPolicy`` partners play. ``proposal_epsilon``: SmartBot mixing weight
    of the proposal posterior. ``max_hands``: most hands reweighted per decision.
    ``last_posterior`` and ``trace`` follow ``HanabiBeliefs`` so search code can use either.
    """

    def __init__(self, policy: NetworkBlueprint, proposal_epsilon: float = 0.1, *,
                 max_hands: int = 256, max_exact: int = 5000, num_samples: int = 2000,
                 native: bool = True) -> None:
        if not isinstance(policy, NetworkBlueprint):
            raise TypeError(f"policy must be a NetworkBlueprint (e.g. a TorchPolicy), got "
                            f"{type(policy).__name__}")
        if not 0.0 < float(proposal_epsilon) <= 1.0:
            raise ValueError(f"proposal_epsilon must be in (0, 1], got {proposal_epsilon!r}")
        if isinstance(max_hands, bool) or not isinstance(max_hands, int) or max_hands < 1:
            raise ValueError(f"max_hands must be an int >= 1, got {max_hands!r}")
        self.policy = policy
        self.smart = HanabiBeliefs("smart", float(proposal_epsilon), max_exact=max_exact,
                                   num_samples=num_samples)
        self.max_hands = max_hands
        self.bot = "smart"               # the tables the encoding reads
        self.last_posterior: HanabiPosterior | None = None
        self._cache: dict[tuple[int, int, int], float] = {}
        self._cache_trace: GameTrace | None = None
        self.network_rows = 0
        self.native = bool(native)

    def __repr__(self) -> str:
        return (f"NeuralHanabiBeliefs({self.policy!r}, proposal_epsilon={self.smart.epsilon}, "
                f"max_hands={self.max_hands})")

    def trace(self, state: HanabiState) -> GameTrace:
        return self.smart.trace(state)

    def _log_net(self, trace: GameTrace, player: int, hands: np.ndarray) -> np.ndarray:
        """Σ over past partner moves of log π_net(m_t | view at t under each hand)."""
        if trace is not self._cache_trace:
            self._cache.clear()
            self._cache_trace = trace
        length = trace.length
        total = np.zeros(len(hands))
        if length == 0 or hands.shape[1] == 0:
            return total
        actors = trace.actors()
        moves = trace.move_history()
        sources = trace.observer_sources(player)
        enc = self.policy.encoding
        net = native_network(self.policy) if self.native else None
        pending: list[tuple[int, int, int]] = []          # (t, key, hand index), native only
        per_t = []
        for t in range(length):
            actor = int(actors[t])
            if actor == player:
                continue
            keys = trace.hand_keys(player, t, sources, hands)
            per_t.append((t, keys))
            todo = {}
            for i, key in enumerate(keys.tolist()):
                if (player, t, key) not in self._cache and key not in todo:
                    todo[key] = i
            if todo and net is not None:
                pending.extend((t, key, i) for key, i in todo.items())
            elif todo:
                rows, masks = partner_views(trace, player, t, sources, hands, list(todo.values()),
                                            enc)
                probs = self.policy.probabilities(rows, masks)[:, int(moves[t])]
                self.network_rows += len(todo)
                with np.errstate(divide="ignore"):
                    logs = np.log(probs)
                for key, lp in zip(todo, logs.tolist()):
                    self._cache[(player, t, key)] = lp
        if pending and net is not None:
            logs = partner_move_log_probs(trace, player, [p[0] for p in pending], sources, hands,
                                          [p[2] for p in pending], net,
                                          float(self.policy.temperature))
            self.network_rows += len(pending)
            for (t, key, _), lp in zip(pending, logs.tolist()):
                self._cache[(player, t, key)] = lp
        for t, keys in per_t:
            total += np.array([self._cache[(player, t, k)] for k in keys.tolist()])
        return total

    def posterior(self, state: HanabiState, player: int,
                  rng: np.random.Generator) -> HanabiPosterior:
        post = self.smart.posterior(state, player, rng)      # ZeroPosterior propagates
        hands, weights = post.hands, np.asarray(post.weights, dtype=float)
        if hands.shape[1] == 0:
            self.last_posterior = post
            return post
        if len(hands) > self.max_hands:
            idx = np.unique(post.sample_indices(self.max_hands, rng), return_counts=True)
            hands, weights = hands[idx[0]], idx[1].astype(float)
        trace = self.smart.trace(state)
        _, counts = trace.candidate_masks(player)
        log_smart = self.smart.hand_log_weights(state, player, hands) - \
            log_count_prior(hands, counts)
        log_w = np.log(weights) + self._log_net(trace, player, hands) - log_smart
        keep = np.isfinite(log_w)
        if not keep.any():                    # the network rules out every proposal hand
            self.last_posterior = post
            return post
        w = np.where(keep, np.exp(log_w - log_w[keep].max()), 0.0)
        hands, w = hands[w > 0], w[w > 0]
        w /= w.sum()
        assert post.root is not None           # HanabiBeliefs posteriors keep their root
        self.last_posterior = HanabiPosterior(
            HypotheticalStates(post.root, player, hands, post.trace), w,
            post.exact and len(hands) == len(post.hands), len(hands), hands=hands, player=player,
            candidates=post.candidates, root=post.root, trace=post.trace,
            move_number=post.move_number)
        return self.last_posterior
