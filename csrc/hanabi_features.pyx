# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Native feature encoding of a Hanabi player's view, and a lockstep batch of games for networks.

One step of the encoder (``encode_into``) writes, for the player p it encodes for (seats are
relative: offset k means player (p + k) mod N), a zeroed float row with:
  1. partners' cards: per offset 1..N-1 and slot, a one-hot of the card id, and whether that card
     is playable / worthless / valuable now;
  2. per offset 0..N-1 and slot: present flag; the engine's HLE knowledge (colour and rank
     plausibility, positively hinted colour / rank); the *convention knowledge* K, the set of
     identities SmartBot's public tables allow for that card (25 bits, read from p's own bot
     table after its start-of-turn refresh; K is a function of the public record); predicates on
     K (playable, worthless, valuable: yes / maybe; probability playable and worthless over the
     identities; known; whether the slot is the player's chop);
  3. p's own slots refined by what p sees (SmartBot's "eyes": identities all of whose copies are
     gone or visible are removed): 25 bits and five predicates;
  4. the board: fireworks, information and life tokens, deck size, discards, and per card id
     whether it is playable, worthless or valuable;
  5. the last two moves: actor offset and move uid;
  6. per hint move, its raw effect on the receiver's public table (touches, acceptable under
     SmartBot's play convention, reveals a playable card, reads as a warning, identities
     eliminated, touches the chop, share touched).
Predicates follow SmartBot's definitions (worthless: below the pile or a lower rank of its
colour is all gone; valuable: last live copy and not worthless).

``LockstepGames`` keeps many games (state struct + one bot table per seat) in C arrays; one step
encodes every live game for its player to move, masks legal moves and applies one move per game
(every seat's table observes it first), so a network can act for all games in one call.

``LockstepGames.rollout_native`` fuses that loop with a native network (``uedtp.csrc.mlp``): the games
are split into chunks of columns, and each chunk (one OpenMP task, without the GIL) repeats
encode -> one ``mlp_forward`` over its live games -> inverse-CDF sample from the game's own
uniform (``sample_row``, the order and arithmetic of ``uedtp.agents.protocol.sample_actions``) ->
observe + apply until all its games are finished; Python is never re-entered per step.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport uint64_t, int64_t
from cython.parallel cimport prange

import numpy as np
cimport numpy as cnp

from uedtp.csrc.hanabi_state cimport (HanabiState, MAX_PLAYERS, MAX_HAND, MAX_CARD_IDS, MAX_RANKS,
                                      MAX_MOVES, MAX_COLORS)
from uedtp.csrc.hanabi_engine cimport (apply_move, legal_moves, move_is_legal, state_score,
                                       fireworks_total, set_hand, shuffle_undrawn, unseen_cards)
from uedtp.csrc.hanabi_bots cimport BotState, BotSeats, bot_refresh, bot_decide, bots_observe_all
from uedtp.csrc.hanabi_engine_state cimport HanabiState as PyHanabiState
from uedtp.csrc.rng cimport Rng, rng_seed
from uedtp.csrc.mlp cimport NativeMLP, MLP, mlp_forward, mlp_workspace, sample_row
from uedtp.csrc.hanabi_belief cimport GameTrace
from libc.math cimport log, INFINITY

cnp.import_array()

cdef extern from *:
    int __builtin_popcount(unsigned int x) nogil

cdef enum:
    NCARD = 25
    CARD_FLAGS = 3
    SLOT_FEATURES = 56          # 1 present + 20 HLE knowledge + 25 K + 10 predicates
    EYE_FEATURES = 30           # 25 E bits + 5 predicates
    HISTORY = 2
    DECK_BINS = 7               # deck size 0..5, more than 5
    HINT_FEATURES = 7           # per hint move: see hint_features_into


def feature_layout(int players, int hand_size, int num_actions, int max_info_tokens=8,
                   int max_life_tokens=3) -> dict:
    """Sizes of the blocks of the encoding, in order (their sum is the row length)."""
    if not 2 <= players <= MAX_PLAYERS or not 1 <= hand_size <= MAX_HAND or num_actions < 1:
        raise ValueError(f"unsupported layout: players={players}, hand_size={hand_size}, "
                         f"num_actions={num_actions}")
    return {
        "partner_cards": (players - 1) * hand_size * (NCARD + CARD_FLAGS),
        "slot_knowledge": players * hand_size * SLOT_FEATURES,
        "own_eyes": hand_size * EYE_FEATURES,
        "board": (MAX_COLORS * 6 + max_info_tokens + 1 + max_life_tokens + 1 + 1 + DECK_BINS
                  + NCARD + 3 * NCARD),
        "last_moves": HISTORY * (players + num_actions),
        "hints": (num_actions - 2 * hand_size) * HINT_FEATURES,
    }


def feature_size(int players, int hand_size, int num_actions, int max_info_tokens=8,
                 int max_life_tokens=3) -> int:
    return sum(feature_layout(players, hand_size, num_actions, max_info_tokens,
                              max_life_tokens).values())


ctypedef struct Board:
    unsigned int playable
    unsigned int worthless
    unsigned int valuable
    int gone[MAX_CARD_IDS]


cdef void board_masks(const HanabiState* s, const BotState* b, Board* bd) noexcept nogil:
    cdef int c, r, w, cid, f
    cdef bint dead
    bd.playable = 0
    bd.worthless = 0
    bd.valuable = 0
    for cid in range(MAX_CARD_IDS):
        bd.gone[cid] = b.gone[cid]
    for c in range(s.cfg.num_colors):
        f = s.fireworks[c]
        for r in range(s.cfg.num_ranks):
            cid = c * MAX_RANKS + r
            if r == f:
                bd.playable |= 1u << cid
            dead = r < f
            if not dead:
                for w in range(f, r):
                    if bd.gone[c * MAX_RANKS + w] >= s.cfg.copies[w]:
                        dead = True
                        break
            if dead:
                bd.worthless |= 1u << cid
            elif bd.gone[cid] == s.cfg.copies[r] - 1:
                bd.valuable |= 1u << cid


cdef inline int tri(unsigned int k, unsigned int x) noexcept nogil:
    """0 = no member of k is in x, 1 = all are, 2 = some are (k non-empty)."""
    if k == 0 or (k & x) == 0:
        return 0
    if (k & ~x) == 0:
        return 1
    return 2


cdef int chop_of(const BotState* b, int q, const Board* bd) noexcept nogil:
    """SmartBot's chop of player q from the public tables (-1 if none)."""
    cdef int i, best = -1, n = b.rec_len[q]
    cdef unsigned int k
    cdef double pw, best_pw = -1.0
    for i in range(n):
        k = b.K[q][i]
        if tri(k, bd.playable) == 1 or tri(k, bd.worthless) == 1:
            return -1
    for i in range(n):
        k = b.K[q][i]
        if tri(k, bd.valuable) == 1:
            continue
        pw = (__builtin_popcount(k & bd.worthless) / <double>__builtin_popcount(k)) if k else 0.0
        if pw > best_pw:
            best_pw = pw
            best = i
    return best


cdef bint could_be_valuable_with(const Board* bd, unsigned int k, int rank) noexcept nogil:
    """SmartBot: valuable(K) = MAYBE and some valuable member of K has this rank."""
    cdef int cid
    if tri(k, bd.valuable) != 2:
        return False
    for cid in range(MAX_CARD_IDS):
        if (k >> cid) & 1 and cid % MAX_RANKS == rank and (bd.valuable >> cid) & 1:
            return True
    return False


cdef void hint_features_into(const HanabiState* s, const BotState* b, int p, const Board* bd,
                             float* out) noexcept nogil:
    """Per hint move of p (in move-uid order), what the hint would do to the receiver's public
    table K (the raw information only): touches a card; acceptable (makes some card surely
    playable, or its newest touched still-ambiguous card really is playable); reveals a
    playable card; would read as a warning (the avoided rank); identities eliminated / 50;
    touches the receiver's chop; share of the hand touched."""
    cdef int N = s.cfg.num_players, H = s.cfg.hand_size
    cdef int C = s.cfg.num_colors, R = s.cfg.num_ranks
    cdef int off, q, a, i, n, c, r, cid, chop, avoid, score, after, idx
    cdef unsigned int attr, touched, k, k2
    cdef bint reveals, first_found, first_ok
    cdef float* f
    for off in range(1, N):
        q = (p + off) % N
        n = s.hand_len[q]
        chop = chop_of(b, q, bd)
        avoid = -1
        if off == 1 and chop >= 0 and could_be_valuable_with(bd, b.K[q][chop],
                                                                s.hands[q][chop] % MAX_RANKS):
            avoid = s.hands[q][chop] % MAX_RANKS
        for a in range(C + R):
            attr = 0
            if a < C:
                for r in range(R):
                    attr |= 1u << (a * MAX_RANKS + r)
                idx = (off - 1) * C + a
            else:
                for c in range(C):
                    attr |= 1u << (c * MAX_RANKS + a - C)
                idx = (N - 1) * C + (off - 1) * R + a - C
            f = out + idx * HINT_FEATURES
            touched = 0
            for i in range(n):
                if (1u << s.hands[q][i]) & attr:
                    touched |= 1u << i
            if touched == 0:
                continue
            score = 0
            reveals = False
            first_found = False
            first_ok = False
            for i in range(n - 1, -1, -1):
                k = b.K[q][i] if i < b.rec_len[q] else 0
                k2 = (k & attr) if (touched >> i) & 1 else (k & ~attr)
                score += __builtin_popcount(k) - __builtin_popcount(k2)
                if tri(k, bd.playable) != 2:
                    continue
                after = tri(k2, bd.playable)
                if after == 1:
                    reveals = True
                elif (touched >> i) & 1 and after == 2 and not first_found:
                    first_found = True
                    first_ok = ((bd.playable >> s.hands[q][i]) & 1u) != 0
            f[0] = 1.0
            f[1] = 1.0 if reveals or (first_found and first_ok) else 0.0
            f[2] = 1.0 if reveals else 0.0
            f[3] = 1.0 if a >= C and a - C == avoid else 0.0
            f[4] = score / 50.0
            f[5] = 1.0 if chop >= 0 and (touched >> chop) & 1 else 0.0
            f[6] = __builtin_popcount(touched) / <float>H


cdef void encode_into(const HanabiState* s, BotState* b, int p, float* row) noexcept nogil:
    """Write player p's view of s into row (zeroed, feature_size floats); b is p's bot table."""
    cdef int N = s.cfg.num_players
    cdef int H = s.cfg.hand_size
    cdef int A = s.cfg.num_moves
    cdef int off, q, i, cid, c, r, pos, base, n, back, t, actor
    cdef unsigned int k, e, bit
    cdef int eyes[MAX_CARD_IDS]
    cdef int chop
    cdef Board bd
    bot_refresh(b, s)
    board_masks(s, b, &bd)
    pos = 0
    # 1. partners' cards
    for off in range(1, N):
        q = (p + off) % N
        for i in range(s.hand_len[q]):
            cid = s.hands[q][i]
            base = pos + i * (NCARD + CARD_FLAGS)
            row[base + cid] = 1.0
            bit = 1u << cid
            row[base + NCARD] = 1.0 if bd.playable & bit else 0.0
            row[base + NCARD + 1] = 1.0 if bd.worthless & bit else 0.0
            row[base + NCARD + 2] = 1.0 if bd.valuable & bit else 0.0
        pos += H * (NCARD + CARD_FLAGS)
    # 2. knowledge per slot
    for off in range(N):
        q = (p + off) % N
        chop = chop_of(b, q, &bd)
        for i in range(s.hand_len[q]):
            base = pos + i * SLOT_FEATURES
            row[base] = 1.0
            for c in range(s.cfg.num_colors):
                if (s.knowledge[q][i].color_plausible >> c) & 1:
                    row[base + 1 + c] = 1.0
            for r in range(s.cfg.num_ranks):
                if (s.knowledge[q][i].rank_plausible >> r) & 1:
                    row[base + 6 + r] = 1.0
            if s.knowledge[q][i].color >= 0:
                row[base + 11 + s.knowledge[q][i].color] = 1.0
            if s.knowledge[q][i].rank >= 0:
                row[base + 16 + s.knowledge[q][i].rank] = 1.0
            k = b.K[q][i] if i < b.rec_len[q] else 0
            for cid in range(MAX_CARD_IDS):
                if (k >> cid) & 1:
                    row[base + 21 + cid] = 1.0
            base += 46
            t = tri(k, bd.playable)
            row[base] = 1.0 if t == 1 else 0.0
            row[base + 1] = 1.0 if t == 2 else 0.0
            t = tri(k, bd.worthless)
            row[base + 2] = 1.0 if t == 1 else 0.0
            row[base + 3] = 1.0 if t == 2 else 0.0
            t = tri(k, bd.valuable)
            row[base + 4] = 1.0 if t == 1 else 0.0
            row[base + 5] = 1.0 if t == 2 else 0.0
            n = __builtin_popcount(k)
            if n > 0:
                row[base + 6] = __builtin_popcount(k & bd.playable) / <float>n
                row[base + 7] = __builtin_popcount(k & bd.worthless) / <float>n
            row[base + 8] = 1.0 if n == 1 else 0.0
            row[base + 9] = 1.0 if i == chop else 0.0
        pos += H * SLOT_FEATURES
    # 3. own slots refined by eyesight
    memset(eyes, 0, sizeof(eyes))
    for off in range(1, N):
        q = (p + off) % N
        for i in range(s.hand_len[q]):
            eyes[s.hands[q][i]] += 1
    for i in range(b.rec_len[p]):
        k = b.K[p][i]
        if __builtin_popcount(k) == 1:
            for cid in range(MAX_CARD_IDS):
                if (k >> cid) & 1:
                    eyes[cid] += 1
    for i in range(s.hand_len[p]):
        k = b.K[p][i] if i < b.rec_len[p] else 0
        e = k
        if __builtin_popcount(k) > 1:
            for cid in range(MAX_CARD_IDS):
                if (k >> cid) & 1 and bd.gone[cid] + eyes[cid] >= s.cfg.copies[cid % MAX_RANKS]:
                    e &= ~(1u << cid)
        base = pos + i * EYE_FEATURES
        for cid in range(MAX_CARD_IDS):
            if (e >> cid) & 1:
                row[base + cid] = 1.0
        t = tri(e, bd.playable)
        row[base + 25] = 1.0 if t == 1 else 0.0
        row[base + 26] = 1.0 if t == 2 else 0.0
        n = __builtin_popcount(e)
        if n > 0:
            row[base + 27] = __builtin_popcount(e & bd.playable) / <float>n
        row[base + 28] = 1.0 if tri(e, bd.worthless) == 1 else 0.0
        row[base + 29] = 1.0 if tri(e, bd.valuable) == 1 else 0.0
    pos += H * EYE_FEATURES
    # 4. board
    for c in range(MAX_COLORS):
        if c < s.cfg.num_colors:
            row[pos + c * 6 + s.fireworks[c]] = 1.0
    pos += MAX_COLORS * 6
    row[pos + s.info_tokens] = 1.0
    pos += s.cfg.max_info_tokens + 1
    row[pos + s.life_tokens] = 1.0
    pos += s.cfg.max_life_tokens + 1
    n = s.cfg.deck_size - s.deck_pos
    row[pos] = n / 50.0
    row[pos + 1 + (n if n < DECK_BINS - 1 else DECK_BINS - 1)] = 1.0
    pos += 1 + DECK_BINS
    for cid in range(MAX_CARD_IDS):
        if cid % MAX_RANKS < s.cfg.num_ranks:
            row[pos + cid] = s.discarded[cid] / <float>s.cfg.copies[cid % MAX_RANKS]
            bit = 1u << cid
            row[pos + NCARD + 3 * cid] = 1.0 if bd.playable & bit else 0.0
            row[pos + NCARD + 3 * cid + 1] = 1.0 if bd.worthless & bit else 0.0
            row[pos + NCARD + 3 * cid + 2] = 1.0 if bd.valuable & bit else 0.0
    pos += 4 * NCARD
    # 5. last moves (turns rotate, so the k-th last move was made by cur_player - 1 - k)
    for back in range(HISTORY):
        t = s.num_moves_made - 1 - back
        if t >= 0:
            actor = ((s.cur_player - 1 - back) % N + N) % N
            row[pos + ((actor - p) % N + N) % N] = 1.0
            row[pos + N + s.history[t]] = 1.0
        pos += N + A
    # 6. what each hint would do
    hint_features_into(s, b, p, &bd, row + pos)


cdef void legal_mask_into(const HanabiState* s, cnp.uint8_t* out) noexcept nogil:
    cdef int moves[MAX_MOVES]
    cdef int j, n = legal_moves(s, moves)
    for j in range(n):
        out[moves[j]] = 1


cdef inline int row_size(const HanabiState* s) noexcept nogil:
    cdef int N = s.cfg.num_players, H = s.cfg.hand_size
    return ((N - 1) * H * (NCARD + CARD_FLAGS) + N * H * SLOT_FEATURES + H * EYE_FEATURES
            + MAX_COLORS * 6 + s.cfg.max_info_tokens + 1 + s.cfg.max_life_tokens + 1 + 1
            + DECK_BINS + 4 * NCARD + HISTORY * (N + s.cfg.num_moves)
            + (s.cfg.num_moves - 2 * H) * HINT_FEATURES)


cdef int rollout_chunk(HanabiState* states, BotState* tables, int n, const MLP* net,
                       double temperature, const double* uniforms, Py_ssize_t ldu,
                       const int64_t* cols, int rsize, int A, int64_t* trace,
                       Py_ssize_t ldt) noexcept nogil:
    """Play games 0..n-1 (states, MAX_PLAYERS tables each) to the end in lockstep with the
    network: game g's k-th move reads uniforms[cols[g] * ldu + k]. trace (NULL: none) gets
    game g's k-th move at trace[g * ldt + k]. Returns 0, 1 if out of memory, 2 if the
    uniforms ran out, 3 if the network left a live game without a legal move."""
    cdef float* x = <float*>malloc(<Py_ssize_t>n * rsize * sizeof(float))
    cdef unsigned char* mask = <unsigned char*>malloc(<Py_ssize_t>n * A)
    cdef double* probs = <double*>malloc(<Py_ssize_t>n * A * sizeof(double))
    cdef float* work = <float*>malloc(mlp_workspace(net, n) * sizeof(float))
    cdef int* live = <int*>malloc(n * sizeof(int))
    cdef int* steps = <int*>malloc(n * sizeof(int))
    cdef int g, k, m, nlive = 0, code = 0, move
    cdef HanabiState* s
    if x == NULL or mask == NULL or probs == NULL or work == NULL or live == NULL \
            or steps == NULL:
        code = 1
    else:
        for g in range(n):
            steps[g] = 0
            if not states[g].terminal:
                live[nlive] = g
                nlive += 1
    while code == 0 and nlive > 0:
        memset(x, 0, <Py_ssize_t>nlive * rsize * sizeof(float))
        memset(mask, 0, <Py_ssize_t>nlive * A)
        for k in range(nlive):
            g = live[k]
            s = &states[g]
            if steps[g] >= ldu:
                code = 2
                break
            encode_into(s, &tables[g * MAX_PLAYERS + s.cur_player], s.cur_player,
                        x + <Py_ssize_t>k * rsize)
            legal_mask_into(s, mask + <Py_ssize_t>k * A)
        if code:
            break
        if mlp_forward(net, nlive, x, rsize, mask, A, temperature, work, probs, A, NULL) >= 0:
            code = 3
            break
        m = 0
        for k in range(nlive):
            g = live[k]
            s = &states[g]
            move = sample_row(probs + <Py_ssize_t>k * A, A, uniforms[cols[g] * ldu + steps[g]])
            if trace != NULL and steps[g] < ldt:
                trace[g * ldt + steps[g]] = move
            steps[g] += 1
            bots_observe_all(&tables[g * MAX_PLAYERS], s.cfg.num_players, s, move)
            apply_move(s, move)
            if not s.terminal:
                live[m] = g
                m += 1
        nlive = m
    free(x)
    free(mask)
    free(probs)
    free(work)
    free(live)
    free(steps)
    return code


cdef enum:
    PUBLIC_BASE = 32            # uedtp.csrc.hanabi_belief: source code of a card that left the hand


cdef bint hypothetical_into(const HanabiState* snap, int player, const signed char* hand,
                            int other, HanabiState* work) noexcept nogil:
    """``work`` = snap with ``player`` holding ``hand`` and ``other`` its own cards, the
    undrawn deck refilled in canonical order (``GameTrace.hypothetical_snapshot`` with
    other_hands = [other's real hand]); False (work = snap) if the cards do not fit."""
    cdef int counts[MAX_CARD_IDS]
    cdef int i, c, n
    work[0] = snap[0]
    for i in range(MAX_CARD_IDS):
        counts[i] = 0
    for i in range(snap.deck_pos, snap.cfg.deck_size):
        counts[snap.deck[i]] += 1
    for i in range(snap.hand_len[player]):
        counts[snap.hands[player][i]] += 1
    for i in range(snap.hand_len[other]):
        counts[snap.hands[other][i]] += 1
    for i in range(snap.hand_len[player]):
        c = hand[i]
        if c < 0 or c >= MAX_CARD_IDS or counts[c] <= 0:
            work[0] = snap[0]
            return False
        counts[c] -= 1
        work.hands[player][i] = <signed char>c
    for i in range(snap.hand_len[other]):
        c = snap.hands[other][i]
        if counts[c] <= 0:
            work[0] = snap[0]
            return False
        counts[c] -= 1
    n = snap.deck_pos
    for c in range(MAX_CARD_IDS):
        for i in range(counts[c]):
            work.deck[n] = <signed char>c
            n += 1
    return True


cdef int view_probabilities(const HanabiState* s, const BotState* table, int actor, const MLP* net,
                            double temperature, float* row, int rsize, unsigned char* mask, int A,
                            float* wk, double* probs) noexcept nogil:
    """The network's move probabilities from ``actor``'s view of ``s`` (a copy of ``table``,
    the actor's SmartBot table, is refreshed by the encoder): one row encoded, one native
    forward pass. The one copy of "view -> probabilities" the pair loops and ``view_argmax``
    share, so a move computed at a real state and at a traced hypothetical one uses the same
    arithmetic. Returns ``mlp_forward``'s code (-1: fine)."""
    cdef BotState work_table = table[0]
    memset(row, 0, rsize * sizeof(float))
    memset(mask, 0, A)
    encode_into(s, &work_table, actor, row)
    legal_mask_into(s, mask)
    return mlp_forward(net, 1, row, rsize, mask, A, temperature, wk, probs, A, NULL)


cdef inline int first_argmax(const double* p, int A) noexcept nogil:
    """The first index of the largest entry (``np.argmax``)."""
    cdef int j, best = 0
    for j in range(1, A):
        if p[j] > p[best]:
            best = j
    return best


def _partner_pass(GameTrace trace, int player, ts, sources, hands, which, NativeMLP net,
                  double temperature, bint argmax):
    """The loop of ``partner_move_log_probs`` (argmax False) and ``partner_move_argmax``."""
    cdef const int[::1] tv = np.ascontiguousarray(ts, dtype=np.intc)
    cdef const int[::1] wv = np.ascontiguousarray(which, dtype=np.intc)
    cdef const short[:, ::1] sv = np.ascontiguousarray(sources, dtype=np.int16)
    cdef const signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
    cdef Py_ssize_t K = tv.shape[0], k
    cdef int t, j, code, actor, rsize, A, bad = 0
    cdef signed char at_t[MAX_HAND]
    cdef HanabiState work
    logs = np.zeros(K, dtype=np.float64)
    best = np.zeros(K, dtype=np.int64)
    if K == 0:
        return best if argmax else logs
    if wv.shape[0] != K:
        raise ValueError(f"{K} times but {wv.shape[0]} hand indices")
    if not 0 <= player < trace.num_players or sv.shape[0] < trace.length:
        raise ValueError("bad player or sources")
    for k in range(K):
        if not 0 <= tv[k] < trace.length or trace.states[tv[k]].cur_player == player:
            raise ValueError(f"move {tv[k]} is not a traced partner move")
        if not 0 <= wv[k] < hv.shape[0]:
            raise ValueError(f"hand index {wv[k]} out of range")
        for j in range(trace.states[tv[k]].hand_len[player]):
            code = sv[tv[k], j]
            if not (0 <= code < hv.shape[1] or PUBLIC_BASE <= code < PUBLIC_BASE + MAX_CARD_IDS):
                raise ValueError(f"bad source code {code}")
    rsize = row_size(&trace.states[0])
    A = trace.states[0].cfg.num_moves
    if net.input_size != rsize or net.num_actions != A:
        raise ValueError(f"the network maps {net.input_size} inputs to {net.num_actions} moves; "
                         f"this game needs {rsize} -> {A}")
    cdef float[::1] row = np.zeros(rsize, dtype=np.float32)
    cdef unsigned char[::1] mask = np.zeros(A, dtype=np.uint8)
    cdef double[::1] probs = np.zeros(A, dtype=np.float64)
    cdef float[::1] wk = np.zeros(mlp_workspace(&net.net, 1), dtype=np.float32)
    cdef double[::1] ov = logs
    cdef int64_t[::1] bv = best
    with nogil:
        for k in range(K):
            t = tv[k]
            actor = trace.states[t].cur_player
            for j in range(trace.states[t].hand_len[player]):
                code = sv[t, j]
                at_t[j] = hv[wv[k], code] if code < PUBLIC_BASE else <signed char>(code - PUBLIC_BASE)
            hypothetical_into(&trace.states[t], player, at_t, actor, &work)
            if view_probabilities(&work, &trace.tables[t * MAX_PLAYERS + actor], actor, &net.net,
                                  temperature, &row[0], rsize, &mask[0], A, &wk[0],
                                  &probs[0]) >= 0:
                bad = 1
                break
            if argmax:
                bv[k] = first_argmax(&probs[0], A)
            else:
                ov[k] = log(probs[trace.moves[t]]) if probs[trace.moves[t]] > 0 else -INFINITY
    if bad:
        raise RuntimeError("a traced position has no legal move")
    return best if argmax else logs


def partner_move_log_probs(GameTrace trace, int player, ts, sources, hands, which,
                           NativeMLP net, double temperature) -> np.ndarray:
    """log pi_net(m_t | the mover's view before move t) for every pair k, t = ts[k] (a partner
    move), ``player``'s hand at t given by ``sources`` (``GameTrace.observer_sources``) and the
    current hand ``hands[which[k]]``: the view is the traced snapshot with that hand written in
    (the snapshot itself if it does not fit), encoded with the mover's tables of that time; one
    native forward pass per pair, without the GIL (the loop of
    ``uedtp.search.hanabi.neural.beliefs``)."""
    return _partner_pass(trace, player, ts, sources, hands, which, net, temperature, False)


def partner_move_argmax(GameTrace trace, int player, ts, sources, hands, which,
                        NativeMLP net, double temperature) -> np.ndarray:
    """The network's most likely move (int64 move uids; ties: the lowest uid) at the same
    hypothetical views as ``partner_move_log_probs``: the mover's view before move ts[k] with
    ``player`` holding the hand given by ``sources`` and ``hands[which[k]]`` (strict range
    filtering over a greedy network blueprint, ``uedtp.search.hanabi.sparta_joint``)."""
    return _partner_pass(trace, player, ts, sources, hands, which, net, temperature, True)


def view_argmax(PyHanabiState state, BotSeats seats, int player, NativeMLP net,
                double temperature) -> int:
    """The network's most likely move (ties: the lowest uid) from ``player``'s view of
    ``state`` with ``seats``' tables: the arithmetic of ``partner_move_argmax``, so at a real
    position it equals that function's answer for the true hand."""
    _check_view_args(state, seats, player)
    cdef int rsize = row_size(&state.s), A = state.s.cfg.num_moves
    if net.input_size != rsize or net.num_actions != A:
        raise ValueError(f"the network maps {net.input_size} inputs to {net.num_actions} moves; "
                         f"this game needs {rsize} -> {A}")
    if state.s.terminal:
        raise ValueError("no move at a terminal state")
    cdef float[::1] row = np.zeros(rsize, dtype=np.float32)
    cdef unsigned char[::1] mask = np.zeros(A, dtype=np.uint8)
    cdef double[::1] probs = np.zeros(A, dtype=np.float64)
    cdef float[::1] wk = np.zeros(mlp_workspace(&net.net, 1), dtype=np.float32)
    if view_probabilities(&state.s, &seats.seats[player], player, &net.net, temperature,
                          &row[0], rsize, &mask[0], A, &wk[0], &probs[0]) >= 0:
        raise RuntimeError("the position has no legal move")
    return first_argmax(&probs[0], A)


def _check_view_args(PyHanabiState state, BotSeats seats, int player):
    if state is None or seats is None:
        raise TypeError("need a native HanabiState and a BotSeats")
    if seats.kind != 2:
        raise ValueError(f"the encoding reads SmartBot tables; got {seats.bot_name} seats")
    seats.check_follows(state)
    if not 0 <= player < state.s.cfg.num_players:
        raise ValueError(f"cannot encode for player {player} (terminal state?)")


def encode_view(PyHanabiState state, BotSeats seats, int player, float[::1] out) -> None:
    """Write ``player``'s view of ``state`` into ``out`` (``seats`` must follow the game)."""
    _check_view_args(state, seats, player)
    cdef int size = row_size(&state.s)
    if out.shape[0] != size:
        raise ValueError(f"out has {out.shape[0]} entries, the encoding has {size}")
    memset(&out[0], 0, size * sizeof(float))
    encode_into(&state.s, &seats.seats[player], player, &out[0])


def legal_mask(PyHanabiState state) -> np.ndarray:
    """Boolean mask over move uids of the legal moves (all False on a terminal state)."""
    out = np.zeros(state.s.cfg.num_moves, dtype=np.uint8)
    cdef cnp.uint8_t[::1] view = out
    if not state.s.terminal:
        legal_mask_into(&state.s, &view[0])
    return out.view(bool)


cdef class LockstepGames:
    """Up to ``capacity`` Hanabi games (each a state plus SmartBot tables for every seat)
    advanced together: ``live()``, ``encode(idx)``, ``legal_masks(idx)``, ``step(idx, moves)``.
    """
    cdef HanabiState* states
    cdef BotState* tables
    cdef readonly int size
    cdef readonly int capacity
    cdef readonly int row_size
    cdef readonly int num_actions
    cdef object game

    def __cinit__(self, int capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.states = <HanabiState*>malloc(capacity * sizeof(HanabiState))
        self.tables = <BotState*>malloc(capacity * MAX_PLAYERS * sizeof(BotState))
        if self.states == NULL or self.tables == NULL:
            raise MemoryError()
        self.capacity = capacity
        self.size = 0
        self.row_size = -1
        self.num_actions = -1

    def __dealloc__(self):
        free(self.states)
        free(self.tables)

    def add(self, PyHanabiState state, BotSeats seats, int first_move=-1, object hand=None,
            int hand_player=-1, object seed=None, uint64_t stream=0) -> int:
        """Copy ``state`` and ``seats`` in as a new game; returns its index.

        With ``hand``, ``hand_player``'s cards are replaced by it and the rest of the cards that
        player cannot see are shuffled into the undrawn deck with rng stream ``stream`` of
        ``seed``; with only ``seed``, the undrawn deck is reshuffled. Then ``first_move`` (if
        >= 0) is played (every seat observes it).
        """
        cdef Rng rng
        cdef HanabiState* w
        cdef signed char cards[MAX_HAND]
        cdef int j, code
        _check_view_args(state, seats, max(state.s.cur_player, 0))
        if state.s.terminal:
            raise ValueError("cannot add a finished game")
        if self.size >= self.capacity:
            raise ValueError(f"LockstepGames is full ({self.capacity} games)")
        if self.size > 0 and (state.s.cfg.num_players != self.states[0].cfg.num_players
                              or state.s.cfg.num_moves != self.states[0].cfg.num_moves):
            raise ValueError("every game of a LockstepGames must use the same rules")
        if first_move >= 0 and (first_move >= state.s.cfg.num_moves
                                or not move_is_legal(&state.s, first_move)):
            raise ValueError(f"first_move {first_move} is not legal in this state")
        w = &self.states[self.size]
        w[0] = state.s
        if seed is not None:
            rng_seed(&rng, <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF), stream)
        if hand is not None:
            if seed is None:
                raise ValueError("a replacement hand needs a seed for the deck shuffle")
            if not 0 <= hand_player < state.s.cfg.num_players:
                raise ValueError(f"hand_player must be a seat, got {hand_player}")
            arr = np.asarray(hand, dtype=np.int64).reshape(-1)
            if len(arr) != state.s.hand_len[hand_player]:
                raise ValueError(f"hand has {len(arr)} cards, player {hand_player} holds "
                                 f"{state.s.hand_len[hand_player]}")
            for j in range(len(arr)):
                if not 0 <= arr[j] < MAX_CARD_IDS:
                    raise ValueError(f"bad card id {arr[j]} in hand")
                cards[j] = <signed char>arr[j]
            code = set_hand(w, hand_player, cards, &rng)
            if code != 0:
                raise ValueError(f"hand {list(arr)} is not available to player {hand_player} "
                                 f"(code {code})")
        elif seed is not None:
            shuffle_undrawn(w, &rng)
        memcpy(&self.tables[self.size * MAX_PLAYERS], seats.seats,
               state.s.cfg.num_players * sizeof(BotState))
        if first_move >= 0:
            bots_observe_all(&self.tables[self.size * MAX_PLAYERS], w.cfg.num_players, w,
                             first_move)
            apply_move(w, first_move)
        if self.size == 0:
            self.game = state.game
            self.row_size = row_size(&state.s)
            self.num_actions = state.s.cfg.num_moves
        self.size += 1
        return self.size - 1

    def live(self) -> np.ndarray:
        """Indices of the games not finished yet."""
        out = np.fromiter((i for i in range(self.size) if not self.states[i].terminal),
                          dtype=np.int64)
        return out

    cdef int _check_idx(self, const cnp.int64_t[::1] idx) except -1:
        cdef Py_ssize_t j
        for j in range(idx.shape[0]):
            if not 0 <= idx[j] < self.size:
                raise ValueError(f"game index {idx[j]} out of range 0..{self.size - 1}")
            if self.states[idx[j]].terminal:
                raise ValueError(f"game {idx[j]} is finished")
        return 0

    def encode(self, idx) -> np.ndarray:
        """(len(idx), row_size) float32 views of the player to move in each game."""
        cdef const cnp.int64_t[::1] ix = np.ascontiguousarray(idx, dtype=np.int64)
        self._check_idx(ix)
        out = np.zeros((ix.shape[0], max(self.row_size, 0)), dtype=np.float32)
        cdef float[:, ::1] o = out
        cdef Py_ssize_t j
        cdef HanabiState* s
        with nogil:
            for j in range(ix.shape[0]):
                s = &self.states[ix[j]]
                encode_into(s, &self.tables[ix[j] * MAX_PLAYERS + s.cur_player], s.cur_player,
                            &o[j, 0])
        return out

    def bot_moves(self, idx) -> np.ndarray:
        """(len(idx),) int64: the move SmartBot (the seats' tables) would make in each game."""
        cdef const cnp.int64_t[::1] ix = np.ascontiguousarray(idx, dtype=np.int64)
        self._check_idx(ix)
        out = np.zeros(ix.shape[0], dtype=np.int64)
        cdef cnp.int64_t[::1] o = out
        cdef Py_ssize_t j
        cdef HanabiState* s
        cdef BotState* b
        for j in range(ix.shape[0]):
            s = &self.states[ix[j]]
            b = &self.tables[ix[j] * MAX_PLAYERS + s.cur_player]
            bot_refresh(b, s)
            o[j] = bot_decide(b, s)
        return out

    def legal_masks(self, idx) -> np.ndarray:
        """(len(idx), num_actions) boolean legal-move masks."""
        cdef const cnp.int64_t[::1] ix = np.ascontiguousarray(idx, dtype=np.int64)
        self._check_idx(ix)
        out = np.zeros((ix.shape[0], max(self.num_actions, 0)), dtype=np.uint8)
        cdef cnp.uint8_t[:, ::1] o = out
        cdef Py_ssize_t j
        with nogil:
            for j in range(ix.shape[0]):
                legal_mask_into(&self.states[ix[j]], &o[j, 0])
        return out.view(bool)

    def step(self, idx, moves) -> None:
        """Play ``moves[j]`` in game ``idx[j]`` (all checked legal first; ValueError otherwise,
        with nothing applied)."""
        cdef const cnp.int64_t[::1] ix = np.ascontiguousarray(idx, dtype=np.int64)
        cdef const cnp.int64_t[::1] mv = np.ascontiguousarray(moves, dtype=np.int64)
        cdef Py_ssize_t j
        cdef HanabiState* s
        if ix.shape[0] != mv.shape[0]:
            raise ValueError(f"{ix.shape[0]} games but {mv.shape[0]} moves")
        self._check_idx(ix)
        for j in range(ix.shape[0]):
            s = &self.states[ix[j]]
            if not 0 <= mv[j] < s.cfg.num_moves or not move_is_legal(s, <int>mv[j]):
                raise ValueError(f"move {mv[j]} is not legal in game {ix[j]}")
        with nogil:
            for j in range(ix.shape[0]):
                s = &self.states[ix[j]]
                bots_observe_all(&self.tables[ix[j] * MAX_PLAYERS], s.cfg.num_players, s,
                                 <int>mv[j])
                apply_move(s, <int>mv[j])

    def rollout_native(self, NativeMLP net, double temperature, uniforms, columns_of,
                       int chunk=1, int num_threads=1, trace=None) -> None:
        """Play every game to the end with the native network ``net`` at ``temperature``
        (module docstring): game j's k-th move is drawn with ``uniforms[columns_of[j], k]``.
        Games are cut into chunks of ``chunk`` consecutive games, run as OpenMP tasks over
        ``num_threads`` threads (the games do not depend on either). ``trace`` (optional, int64
        (size, T), filled with -1 by the caller) receives every game's moves after the first."""
        cdef const double[:, ::1] u = np.ascontiguousarray(uniforms, dtype=np.float64)
        cdef const int64_t[::1] cols = np.ascontiguousarray(columns_of, dtype=np.int64)
        cdef int64_t[:, ::1] tr
        cdef int64_t* trp = NULL
        cdef Py_ssize_t ldt = 0
        cdef int c, nchunks, first, n, worst = 0
        if self.size == 0:
            return
        if net.input_size != self.row_size or net.num_actions != self.num_actions:
            raise ValueError(f"the network maps {net.input_size} inputs to {net.num_actions} "
                             f"moves; these games need {self.row_size} -> {self.num_actions}")
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if chunk < 1 or num_threads < 1:
            raise ValueError(f"chunk and num_threads must be >= 1, got {chunk}, {num_threads}")
        if cols.shape[0] != self.size:
            raise ValueError(f"{cols.shape[0]} columns for {self.size} games")
        for c in range(self.size):
            if not 0 <= cols[c] < u.shape[0]:
                raise ValueError(f"column {cols[c]} out of range 0..{u.shape[0] - 1}")
        if u.shape[1] == 0:
            raise ValueError("need at least one uniform per column")
        if trace is not None:
            tr = trace
            if tr.shape[0] != self.size:
                raise ValueError(f"trace needs {self.size} rows")
            trp = &tr[0, 0]
            ldt = tr.shape[1]
        nchunks = (self.size + chunk - 1) // chunk
        codes = np.zeros(nchunks, dtype=np.intc)
        cdef int[::1] cv = codes
        with nogil:
            for c in prange(nchunks, num_threads=num_threads, schedule="dynamic"):
                first = c * chunk
                n = self.size - first if self.size - first < chunk else chunk
                cv[c] = rollout_chunk(&self.states[first], &self.tables[first * MAX_PLAYERS], n,
                                      &net.net, temperature, &u[0, 0], u.shape[1], &cols[first],
                                      self.row_size, self.num_actions,
                                      trp + first * ldt if trp != NULL else NULL, ldt)
        worst = int(codes.max())
        if worst == 1:
            raise MemoryError()
        if worst == 2:
            raise RuntimeError(f"rollouts longer than the {u.shape[1]} uniforms provided")
        if worst == 3:
            raise RuntimeError("a live game has no legal move")

    def scores(self, str scoring="hle") -> np.ndarray:
        """Per game, the HLE score (0 after losing every life) or the fireworks total."""
        if scoring not in ("hle", "points"):
            raise ValueError(f"scoring must be 'hle' or 'points', got {scoring!r}")
        return np.array([state_score(&self.states[i]) if scoring == "hle"
                         else fireworks_total(&self.states[i]) for i in range(self.size)],
                        dtype=np.int64)

    def state(self, int i) -> PyHanabiState:
        """A copy of game ``i``'s state as a ``HanabiState``."""
        if not 0 <= i < self.size:
            raise ValueError(f"game index {i} out of range 0..{self.size - 1}")
        return PyHanabiState.wrap(&self.states[i], self.game)
