# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Rollout kernel: Monte Carlo returns of a rule-based bot blueprint, without the GIL, over OpenMP.

One step of the kernel is one rollout i: copy the state and the per-seat bot tables; draw the
hidden information from stream i of the seed (a sampled hand for one player with the remaining
unseen cards reshuffled, or a reshuffle of the undrawn deck); apply the first move under test if
any (every seat observes it on the pre-move state); then each seat plays its bot, a move being
replaced with probability epsilon by a uniform legal move, until the game ends; the score is the
HLE score (0 after losing every life) or the fireworks total.

Rollouts with the same index share their stream, so values of different first moves are
estimated with common random numbers, and results do not depend on the number of threads.
"""
from libc.string cimport memcpy
from libc.stdint cimport uint64_t
from cython.parallel cimport prange

import numpy as np

from uedtp.csrc.hanabi_state cimport HanabiState, MAX_PLAYERS, MAX_MOVES, MAX_CARD_IDS, MAX_RANKS
from uedtp.csrc.hanabi_engine cimport (apply_move, legal_moves, move_is_legal, state_score,
                                       fireworks_total, set_hand, shuffle_undrawn, unseen_cards)
from uedtp.csrc.hanabi_bots cimport BotState, BotSeats, bot_refresh, bot_decide, bots_observe_all
from uedtp.csrc.hanabi_engine_state cimport HanabiState as PyHanabiState
from uedtp.csrc.rng cimport Rng, rng_seed, rng_uniform, rng_below

SCORINGS = ("hle", "points")


cdef int bot_playout(HanabiState* s, BotState* bots, double epsilon, Rng* rng,
                     bint keep_points) noexcept nogil:
    cdef int moves[MAX_MOVES]
    cdef int N = s.cfg.num_players
    cdef int p, uid, n
    while not s.terminal:
        bot_refresh(&bots[s.cur_player], s)
        uid = bot_decide(&bots[s.cur_player], s)
        if epsilon > 0.0 and rng_uniform(rng) < epsilon:
            n = legal_moves(s, moves)
            uid = moves[rng_below(rng, n)]
        elif not move_is_legal(s, uid):
            # cannot happen on-policy; keeps off-policy (hypothetical) states from corrupting
            n = legal_moves(s, moves)
            uid = moves[0]
        bots_observe_all(bots, N, s, uid)
        apply_move(s, uid)
    if keep_points:
        return fireworks_total(s)
    return state_score(s)


cdef int bot_rollout(const HanabiState* s, const BotState* bots, uint64_t seed, uint64_t stream,
                     int first_move, int hand_player, const signed char* hand, bint reshuffle,
                     double epsilon, bint keep_points) noexcept nogil:
    cdef HanabiState work = s[0]
    cdef BotState local[MAX_PLAYERS]
    cdef Rng rng
    cdef int p
    memcpy(local, bots, s.cfg.num_players * sizeof(BotState))
    rng_seed(&rng, seed, stream)
    if hand != NULL:
        set_hand(&work, hand_player, hand, &rng)
    elif reshuffle:
        shuffle_undrawn(&work, &rng)
    if first_move >= 0 and not work.terminal:
        bots_observe_all(local, work.cfg.num_players, &work, first_move)
        apply_move(&work, first_move)
    return bot_playout(&work, local, epsilon, &rng, keep_points)


cdef void bot_rollouts(const HanabiState* s, const BotState* bots, int n, uint64_t seed,
                       const int* first_moves, int num_first, int hand_player,
                       const signed char* hands, int hand_stride, bint reshuffle, double epsilon,
                       bint keep_points, int num_threads, int* out) noexcept nogil:
    cdef int total = n * (num_first if num_first > 0 else 1)
    cdef int j, i, first
    cdef const signed char* hand
    for j in prange(total, num_threads=num_threads, schedule="dynamic", chunksize=4):
        i = j % n
        first = first_moves[j // n] if num_first > 0 else -1
        hand = NULL
        if hands != NULL:
            hand = hands + <long>i * hand_stride
        out[j] = bot_rollout(s, bots, seed, <uint64_t>i, first, hand_player, hand, reshuffle,
                             epsilon, keep_points)


# ----------------------------------------------------------------------------------------------
# Python API
# ----------------------------------------------------------------------------------------------

cdef uint64_t _seed(object seed) except? 0xFFFFFFFFFFFFFFFF:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)


def _check_common(PyHanabiState state, BotSeats bots, int n, double epsilon, str scoring,
                  int num_threads):
    if state is None or bots is None:
        raise TypeError("state must be a native HanabiState and bots a BotSeats")
    if n < 1:
        raise ValueError(f"n (rollouts) must be >= 1, got {n}")
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {SCORINGS}, got {scoring!r}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    bots.check_follows(state)


def _hands_array(PyHanabiState state, object hands, object hand_player, int n):
    """Validate sampled hands: returns (player, int8 array (n or 1, hand_len), stride)."""
    cdef int counts[MAX_CARD_IDS]
    cdef int p, L, i, c
    p = state.s.cur_player if hand_player is None else int(hand_player)
    if not 0 <= p < state.s.cfg.num_players:
        raise ValueError(f"hand_player must be in 0..{state.s.cfg.num_players - 1}, got {p}")
    L = state.s.hand_len[p]
    arr = np.asarray(hands)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"hands must hold integer card ids, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != L or arr.shape[0] not in (1, n):
        raise ValueError(f"hands must have shape ({L},), (1, {L}) or ({n}, {L}) for player {p} "
                         f"holding {L} cards; got {np.asarray(hands).shape}")
    ncol, nrank = state.s.cfg.num_colors, state.s.cfg.num_ranks
    if arr.size and (arr.min() < 0 or (arr % MAX_RANKS).max() >= nrank
                     or (arr // MAX_RANKS).max() >= ncol):
        raise ValueError("hands contain card ids outside this configuration")
    unseen_cards(&state.s, p, counts)
    avail = np.array([counts[c] for c in range(MAX_CARD_IDS)])
    for i in range(arr.shape[0]):
        need = np.bincount(arr[i], minlength=MAX_CARD_IDS)
        if np.any(need > avail):
            bad = [int(c) for c in np.nonzero(need > avail)[0]]
            raise ValueError(f"hand {i} ({arr[i].tolist()}) uses cards player {p} cannot hold "
                             f"(not enough unseen copies of card ids {bad})")
    out = np.ascontiguousarray(arr, dtype=np.int8)
    return p, out, (0 if out.shape[0] == 1 else L)


def _run(PyHanabiState state, BotSeats bots, int n, object seed, list first_moves,
         object hands, object hand_player, bint reshuffle, double epsilon, str scoring,
         int num_threads):
    cdef uint64_t sd = _seed(seed)
    cdef int num_first = len(first_moves)
    cdef int p = -1
    cdef int stride = 0
    cdef const signed char* hp = NULL
    cdef bint keep = scoring == "points"
    cdef signed char[:, ::1] hv
    cdef int m
    for m in first_moves:
        if state.s.terminal or not move_is_legal(&state.s, m):
            raise ValueError(f"first move {m} is not legal in this state")
    fm = np.ascontiguousarray(first_moves if num_first else [0], dtype=np.int32)
    cdef int[::1] fmv = fm
    if hands is not None:
        p, harr, stride = _hands_array(state, hands, hand_player, n)
        hv = harr
        hp = &hv[0, 0]
    elif hand_player is not None:
        raise ValueError("hand_player given without hands")
    out = np.empty(n * (num_first if num_first else 1), dtype=np.int32)
    cdef int[::1] ov = out
    with nogil:
        bot_rollouts(&state.s, bots.seats, n, sd, &fmv[0], num_first, p, hp, stride, reshuffle,
                     epsilon, keep, num_threads, &ov[0])
    return out


def rollout_scores(PyHanabiState state, BotSeats bots, int n, seed=0, first_move=None,
                   hands=None, hand_player=None, bint reshuffle=True, double epsilon=0.0,
                   str scoring="hle", int num_threads=2):
    """Scores of ``n`` bot rollouts from ``state`` (int32 array of length n).

    ``bots`` are the per-seat bot tables synchronised with ``state`` (a ``BotSeats`` that has
    observed every move so far). Rollout i uses RNG stream i of ``seed``: it first gives
    ``hand_player`` (default: the player to move) hand ``hands[i]`` (or the single hand
    ``hands``) and reshuffles the other unseen cards, or, without hands, reshuffles the undrawn
    deck if ``reshuffle``; then applies ``first_move`` if given; then all seats follow their
    bots, each move replaced with probability ``epsilon`` by a uniform legal move. ``scoring``
    is "hle" (0 when all lives are lost) or "points" (fireworks total).
    """
    _check_common(state, bots, n, epsilon, scoring, num_threads)
    firsts = [] if first_move is None else [int(first_move)]
    return _run(state, bots, n, seed, firsts, hands, hand_player, reshuffle, epsilon, scoring,
                num_threads)


def rollout_action_values(PyHanabiState state, BotSeats bots, moves, int n, seed=0,
                          hands=None, hand_player=None, bint reshuffle=True,
                          double epsilon=0.0, str scoring="hle", int num_threads=2):
    """Rollout returns of each first move in ``moves`` with common random numbers.

    Returns an int32 array of shape (len(moves), n): row m holds the ``n`` rollouts that start
    with ``moves[m]``; column i uses the same RNG stream (same sampled hand and deck) for every
    move. Other arguments as in ``rollout_scores``.
    """
    _check_common(state, bots, n, epsilon, scoring, num_threads)
    firsts = [int(m) for m in moves]
    if not firsts:
        raise ValueError("moves must not be empty")
    out = _run(state, bots, n, seed, firsts, hands, hand_player, reshuffle, epsilon, scoring,
               num_threads)
    return out.reshape(len(firsts), n)


cdef class RolloutRng:
    """The RNG stream a rollout uses (stream ``stream`` of ``seed``), exposed for Python-level
    reference implementations and tests of the kernel."""
    cdef Rng r

    def __init__(self, seed, stream):
        rng_seed(&self.r, _seed(seed), _seed(stream))

    def uniform(self) -> float:
        """Uniform float in [0, 1)."""
        return rng_uniform(&self.r)

    def below(self, int n) -> int:
        """Uniform int in [0, n)."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        return rng_below(&self.r, n)

    def shuffle_undrawn(self, PyHanabiState state) -> None:
        """Reshuffle the undrawn deck of ``state`` in place with this stream."""
        shuffle_undrawn(&state.s, &self.r)

    def set_hand(self, PyHanabiState state, int player, cards) -> None:
        """Give ``player`` the hand ``cards`` and reshuffle the other unseen cards with this
        stream (as a rollout does)."""
        cdef signed char buf[8]
        cdef int i, code
        _, arr, _ = _hands_array(state, np.asarray(cards), player, 1)
        for i in range(arr.shape[1]):
            buf[i] = arr[0, i]
        code = set_hand(&state.s, player, buf, &self.r)
        if code != 0:
            raise ValueError(f"cannot give player {player} the cards {list(cards)} (code {code})")
