"""Multi-agent (joint) SPARTA for 2-player Hanabi: the public-belief search baseline.

Every player searches with single-agent SPARTA (uedtp.search.hanabi.sparta.sparta_decision), but then a
partner can only keep an exact belief if it knows the *searched* policy: the likelihood of a
searched move m under a hypothesis h about the partner's own hand is whether the searcher's
search, run as if the partner held h, would have chosen m. So every search is replicated for
every hand in the partner's range. Ranges are public: player p's range is the set of p's hands
consistent with the hints, with the public card counts (cards not played or discarded) and
with every move of p's partner q (strict: the blueprint's move, or the replicated search's).

One decision of player q at move T:
  1. blueprint moves of p filter q's range exactly (q's hint-consistent hands are enumerated
     with the public counts; more than ``max_exact`` -> q's range is unknown);
  2. for every earlier search move of p at t (a "frame"), the distinct hands q could have held
     at t are counted; if there are at most ``max_range``, p's search at t is replicated for
     each (p's private belief then = p's range at t reweighted by the counts p saw under that
     hand; same seed, same hand list), and the hands under which it would not have chosen the
     observed move leave q's range; otherwise q's range is unknown;
  3. if q's range is known, q searches with the private belief range × count factor given
     p's real hand (the function the replications reproduce) and stores its range and seed as
     a frame for p; if not, q falls back to the blueprint move, and since the fall-back test
     only reads public information, p knows it.
The replications are the cost (SPARTA reported ~90 core-hours per game); ``decisions`` records
each move's time, rollouts (including replications) and whether it fell back.

Over a neural blueprint (``uedtp.agents.protocol.NetworkBlueprint`` over ``uedtp.envs.hanabi.tensor``)
the steps are the same, with the network in the bot's places, as in single-agent SPARTA
(``uedtp.search.hanabi.sparta``):
  - a move that is not searched (a fall-back, a move of another agent) is the network's most
    likely move, which is deterministic, so strict filtering stays exact: in step 1 a hand h of
    p stays in p's range at a blueprint move m of q iff the network's argmax from q's view
    (traced snapshot with p holding h at that time, the neural belief's encoding) is m
    (``uedtp.search.hanabi.neural.greedy.GreedyMoves``: the move at the real position and at a
    traced copy holding the true hand come out of one computation, so the true hand is never
    filtered out); the argmax per (time, p's hand then) is cached for the game;
  - a search's blueprint move is the network's argmax at the position it searches from, and its
    rollouts sample the network (``uedtp.search.hanabi.neural.rollouts.NeuralRollouts``, the fused
    native kernel) with the same seeds, so a replication reproduces the real search;
  - the SmartBot tables of the trace are those the network's features read; ``rollout_epsilon``
    must be 0 (the rollouts sample the network).
The public record is shared by objects over the same network weights (a digest of them).

Limits: 2 players (as the original). The record of which moves were searched is public and
shared by the joint SPARTA objects of one game in the same process (one object per seat works;
moves made by other agents are taken as blueprint moves). SmartBot's discard-finesse dependence of the partner's tables on
hidden hands is ignored here (it is vacuous under strict filtering in 2p, see
shared/reference/hanabi_bots.md §9).
"""
from __future__ import annotations

import collections
import dataclasses
import math
import time
from numbers import Integral, Real
from typing import Any

import numpy as np

from uedtp.agents.protocol import NetworkBlueprint, RuleBasedBlueprint, network_digest
from uedtp.csrc.hanabi_belief import GameTrace, LikelihoodCache, enumerate_hands, log_count_prior
from uedtp.envs.hanabi.game import HanabiState
from uedtp.search.hanabi.base import HanabiDecision, HanabiSearchAgent, check_budget
from uedtp.search.hanabi.beliefs import bot_blueprint_parts
from uedtp.search.hanabi.neural.greedy import GreedyMoves
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts
from uedtp.search.hanabi.sparta import sparta_decision

__all__ = ["JointSpartaSearch"]

# public game records shared by the joint SPARTA objects playing the seats of one game
_SHARED: "collections.OrderedDict[tuple, _GameMemory]" = collections.OrderedDict()
_SHARED_GAMES = 8


@dataclasses.dataclass
class _Frame:
    """A search move: who searched at move t, its public range then, and its seed."""
    t: int
    actor: int
    move: int
    hands: np.ndarray          # the actor's public range at t (its hands at t)
    counts: np.ndarray         # public counts at t
    seed: int


@dataclasses.dataclass
class _GameMemory:
    trace: GameTrace
    status: dict[int, str]                         # move index -> "search" | "blueprint"
    frames: list[_Frame]
    replicated: dict[tuple[int, int], bool]        # (frame t, key of observer's hand) -> chosen
    caches: dict[int, LikelihoodCache]
    greedy: dict[tuple[int, int, int], int]        # (player, t, key of player's hand) -> argmax


def _private_weights(frame_hands: np.ndarray, counts: np.ndarray,
                     other_hand: list[int]) -> np.ndarray:
    """Weights of a public range once the other player's hand is seen: the count prior of each
    hand given the cards left after removing ``other_hand`` (0 where they do not fit)."""
    left = np.array(counts, dtype=np.int32)
    for c in other_hand:
        left[c] -= 1
    if (left < 0).any():
        return np.zeros(len(frame_hands))
    lw = log_count_prior(frame_hands, left)
    if not np.isfinite(lw).any():
        return np.zeros(len(frame_hands))
    w = np.exp(lw - lw[np.isfinite(lw)].max())
    return w / w.sum()


def network_key(policy: NetworkBlueprint) -> tuple[Any, ...]:
    """What identifies a network blueprint across the objects of one game: a digest of its
    weights and its temperature (objects loaded from one checkpoint agree), or the object
    itself when it offers no digest."""
    digest = network_digest(policy)
    if digest is None:
        return ("object", id(policy))
    return ("weights", digest, float(policy.temperature))


class JointSpartaSearch(HanabiSearchAgent):
    """Multi-agent SPARTA with range replication (module docstring); Agent protocol.

    ``rollouts`` (> 0) per search, ``threshold``, ``batch``, ``prune_z``, ``rollout_epsilon``:
    as in ``SpartaSearch`` (searches must be deterministic, so there is no time budget).
    ``max_range``: largest number of partner hands for which a search is replicated;
    ``max_exact``: largest hint-consistent range that is enumerated.
    A ``NetworkBlueprint`` may replace the bot (module docstring): its most likely move is the
    blueprint move, the rollouts sample it (``rollout_epsilon`` must stay 0).
    """

    def __init__(self, blueprint: RuleBasedBlueprint | NetworkBlueprint, *,
                 rollouts: int = 10_000,
                 seconds: float | None = None, threshold: float = 0.05, batch: int = 16,
                 prune_z: float = 2.5, max_range: int = 200, max_exact: int = 20_000,
                 rollout_epsilon: float = 0.0, num_threads: int = 1,
                 seed: int | None = 0) -> None:
        self.network: NetworkBlueprint | None = None
        self.greedy: GreedyMoves | None = None
        self.neural: NeuralRollouts | None = None
        self._network_key: tuple[Any, ...] | None = None
        if isinstance(blueprint, NetworkBlueprint) and \
                not isinstance(blueprint, RuleBasedBlueprint):
            if isinstance(rollout_epsilon, (int, float)) and rollout_epsilon != 0:
                raise ValueError("rollout_epsilon is for bot blueprints (a network blueprint's "
                                 "rollouts sample the network)")
            self.network = blueprint
            self.bot = "smart"                      # the tables the network's features read
        else:
            self.bot, _ = bot_blueprint_parts(blueprint)
        self.agent: Any = blueprint
        if seconds is not None:
            raise ValueError("joint SPARTA replicates searches exactly, so it needs a rollout "
                             "budget; seconds per decision is not supported")
        self.rollouts, _ = check_budget(rollouts, None, "joint SPARTA")
        for name, value, lo in (("max_range", max_range, 1), ("max_exact", max_exact, 1),
                                ("batch", batch, 1), ("num_threads", num_threads, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, Integral)) or value < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {value!r}")
        for name, number in (("threshold", threshold), ("prune_z", prune_z),
                             ("rollout_epsilon", rollout_epsilon)):
            if isinstance(number, bool) or not isinstance(number, (int, float, Real)) \
                    or not math.isfinite(number) or number < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {number!r}")
        self.threshold = float(threshold)
        self.batch = int(batch)
        self.prune_z = float(prune_z)
        self.max_range = int(max_range)
        self.max_exact = int(max_exact)
        self.rollout_epsilon = float(rollout_epsilon)
        self.num_threads = int(num_threads)
        self.joint_seed = 0 if seed is None else int(seed)
        if self.network is not None:
            self.greedy = GreedyMoves(self.network)
            self.neural = NeuralRollouts(self.network, threads=self.num_threads)
            self._network_key = network_key(self.network)
        self._game: _GameMemory | None = None
        self.decisions = []
        self.replications = 0

    def __repr__(self) -> str:
        what = repr(self.network) if self.network is not None else self.bot
        return (f"JointSpartaSearch({what}, rollouts={self.rollouts}, "
                f"max_range={self.max_range})")

    def action_probabilities(self, state: HanabiState) -> dict[int, float]:
        """Probability 1 on the move ``act`` would choose now. Nothing is recorded: neither a
        decision nor the search frame (only the memo of replicated searches fills up)."""
        state = self.check_state(state)
        move, _, _ = self._decide(state)
        return {move: 1.0}

    # ---- game memory ---------------------------------------------------------------------
    def _memory(self, state: HanabiState) -> _GameMemory:
        """The public record of this game (shared by the joint SPARTA objects of all seats in
        this process: it holds only public information)."""
        mem = self._game
        if mem is None or not mem.trace.follows(state):
            n = state.num_players() * state.game.hand_size()
            key: tuple[Any, ...] = (self.bot, self.rollouts, self.threshold, self.batch, self.prune_z,
                   self.max_range, self.max_exact, self.rollout_epsilon, self.joint_seed,
                   tuple(state.deal_order()[:n]))
            if self._network_key is not None:   # the rule-based key stays as it was
                key = key + (self._network_key,)
            mem = _SHARED.get(key)
            if mem is None or not mem.trace.follows(state):
                if state.move_number() != 0:
                    raise ValueError("joint SPARTA must see its game from the first move (it "
                                     "records which moves were searched)")
                mem = _GameMemory(GameTrace(self.bot, state), {}, [], {}, {}, {})
                _SHARED[key] = mem
                while len(_SHARED) > _SHARED_GAMES:
                    _SHARED.popitem(last=False)
            self._game = mem
        mem.trace.extend(state)
        for t in range(mem.trace.length):
            # moves made by other kinds of agents count as blueprint moves
            mem.status.setdefault(t, "blueprint")
        return mem

    def _search(self, snap: HanabiState, seats: Any, player: int, bp: int, hands: np.ndarray,
                weights: np.ndarray, seed: int) -> tuple[int, int]:
        out = sparta_decision(snap, seats, player, bp, hands, weights, rollouts=self.rollouts,
                              seconds=None, threshold=self.threshold, batch=self.batch,
                              prune=True, prune_z=self.prune_z,
                              rollout_epsilon=self.rollout_epsilon, seed=seed,
                              num_threads=self.num_threads, neural=self.neural)
        return out.move, out.rollouts

    def _search_blueprint_move(self, snap: HanabiState, seats: Any, player: int) -> int:
        """The blueprint move a search from ``snap`` starts from: the bot's move at ``snap``,
        or the network's argmax there."""
        if self.greedy is None:
            return int(seats.decide(snap))
        return self.greedy.move(snap, seats, player)

    def _filter_greedy(self, mem: _GameMemory, player: int, hands: np.ndarray,
                       sources: np.ndarray, times: list[int]) -> np.ndarray:
        """The hands of ``hands`` under which the network's argmax at each of ``times`` (blueprint
        moves of the partner) is the move made; times in order, survivors only (cached per
        (player, time, player's hand then))."""
        tr = mem.trace
        assert self.greedy is not None
        moves = tr.move_history()
        for t in times:
            if len(hands) == 0:
                break
            keys = tr.hand_keys(player, t, sources, hands)
            uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            todo = [j for j, k in enumerate(uniq.tolist()) if (player, t, k) not in mem.greedy]
            if todo:
                best = self.greedy.partner_moves(tr, player, t, sources, hands,
                                                 first[todo].tolist())
                for j, m in zip(todo, best.tolist()):
                    mem.greedy[(player, t, int(uniq[j]))] = int(m)
            made = int(moves[t])
            ok = np.array([mem.greedy[(player, t, k)] == made for k in uniq.tolist()],
                          dtype=bool)
            hands = hands[ok[inverse.reshape(-1)]]
        return hands

    def _replicate(self, mem: _GameMemory, frame: _Frame, observer: int,
                   observer_hand_t: list[int]) -> tuple[bool, int]:
        """Would the frame's search have chosen its move if ``observer`` had held
        ``observer_hand_t`` at the frame's time? (rollouts used)"""
        tr = mem.trace
        w = _private_weights(frame.hands, frame.counts, observer_hand_t)
        keep = w > 0
        if not keep.any():
            return False, 0
        hands, w = frame.hands[keep], w[keep]
        snap = tr.hypothetical_snapshot(frame.t, observer, observer_hand_t, frame.actor, hands)
        if snap is None:
            return False, 0
        seats = tr.seats_at(frame.t)
        bp = self._search_blueprint_move(snap, seats, frame.actor)
        move, used = self._search(snap, seats, frame.actor, bp, hands, w, frame.seed)
        return move == frame.move, used

    def _range(self, mem: _GameMemory, player: int) -> tuple[np.ndarray | None, int]:
        """``player``'s public range now (None if unknown) and the rollouts spent replicating."""
        tr = mem.trace
        counts = tr.public_counts()
        masks, _ = tr.candidate_masks(player, counts)
        if len(masks) == 0:
            return np.zeros((1, 0), dtype=np.int8), 0
        hands = enumerate_hands(masks, counts, self.max_exact)
        if hands is None:
            return None, 0
        sources = tr.observer_sources(player)
        actors = tr.actors()
        bp_times = [t for t in range(tr.length)
                    if actors[t] != player and mem.status[t] == "blueprint"]
        if self.greedy is None:
            cache = mem.caches.setdefault(player, LikelihoodCache())
            ll, _ = tr.sum_log_likelihoods(player, tr.length, sources, hands, cache, 0.0, 1,
                                           1 << 30, times=bp_times)
            hands = hands[np.isfinite(ll)]
        else:
            hands = self._filter_greedy(mem, player, hands, sources, bp_times)
        used = 0
        for frame in mem.frames:
            if frame.actor == player or len(hands) == 0:
                continue
            keys = tr.hand_keys(player, frame.t, sources, hands)
            uniq, first = np.unique(keys, return_index=True)
            todo = [(int(k), int(i)) for k, i in zip(uniq, first)
                    if (frame.t, int(k)) not in mem.replicated]
            if len(uniq) > self.max_range:
                return None, used
            for k, i in todo:
                chosen, n = self._replicate(mem, frame, player,
                                            tr.hand_at(player, frame.t, sources, hands[i]))
                mem.replicated[(frame.t, k)] = chosen
                used += n
                self.replications += 1
            ok = np.array([mem.replicated[(frame.t, int(k))] for k in keys], dtype=bool)
            hands = hands[ok]
        if len(hands) == 0:
            return None, used
        return hands, used

    # ---- Agent protocol ------------------------------------------------------------------
    def act(self, state: HanabiState) -> int:
        """One decision: search (or fall back), then record the decision and, publicly, whether
        this move was searched (with the search's frame for the partner's replications)."""
        move, record, frame = self._decide(state)
        mem = self._game
        assert mem is not None
        mem.status[record.move_number] = "blueprint" if record.fallback else "search"
        if frame is not None:
            mem.frames.append(frame)
        self.decisions.append(record)
        return move

    def _decide(self, state: HanabiState) -> tuple[int, HanabiDecision, _Frame | None]:
        """The move, its record and the frame to publish (None after a fall-back)."""
        state = self.check_state(state)
        if state.num_players() != 2:
            raise ValueError(f"joint SPARTA is implemented for 2 players (as the original); "
                             f"got {state.num_players()}")
        start = time.perf_counter()
        mem = self._memory(state)
        tr = mem.trace
        T = tr.length
        player = state.current_player()
        partner = 1 - player
        if self.greedy is None:
            bp = int(self.agent.bot_move(state))
        else:                                    # the traced tables (the features read them)
            bp = self.greedy.move(state, tr.seats(), player)
        legal = state.legal_actions()
        rng_hands, used = self._range(mem, player)
        move, support, ess = bp, 0, 0.0
        frame = None
        fallback = rng_hands is None
        if rng_hands is not None and len(legal) > 1:
            counts = tr.public_counts()
            w = _private_weights(rng_hands, counts, state.hand(partner))
            keep = w > 0
            hands, w = rng_hands[keep], w[keep]
            seed = (self.joint_seed * 1_000_003 + 7919 * T + 13) & ((1 << 31) - 1)
            snap = tr.hypothetical_snapshot(T, partner, state.hand(partner), player, hands)
            assert snap is not None                # the partner's real hand is in the range
            if self.greedy is not None:            # as the replications compute it
                bp = self._search_blueprint_move(snap, tr.seats(), player)
            move, n = self._search(snap, tr.seats(), player, bp, hands, w, seed)
            used += n
            support, ess = len(hands), float(1.0 / np.sum(w ** 2))
            frame = _Frame(T, player, move, rng_hands, counts, seed)
        elif rng_hands is not None:
            # a single legal move: record it as a (trivial) search with its range
            frame = _Frame(T, player, move, rng_hands, tr.public_counts(), 0)
        record = HanabiDecision(T, player, not fallback, time.perf_counter() - start, used,
                                support, True, ess, move != bp, fallback=fallback)
        return int(move), record, frame
