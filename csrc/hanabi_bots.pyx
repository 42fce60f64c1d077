# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Rule-based Hanabi bots (SimpleBot, HolmesBot, SmartBot, ValueBot) as nogil functions on the state struct.

One step of a bot is either
- ``bot_observe``: fold one public event (a play/discard with the card's identity, or a hint with
  its touched slots) seen on the pre-move snapshot into the bot's tables, after the start-of-turn
  refresh of those tables; or
- ``bot_decide``: run the bot's ordered list of rules on the acting player's view (other hands,
  board, own tables; never the own hand) and return the first move a rule produces.

The rules follow the behaviour of the classic bots as specified in the project's reference
document (shared/reference/hanabi_bots.md, sections 3-6); this is an independent
implementation written from that description. SmartBot has a permissive fallback for empty
possibility sets (they count as 10 identities, probability 1/2, every predicate MAYBE), so it can
be run on hypothetical hands that contradict its conventions.
"""
from libc.string cimport memset, memcpy, memcmp
from libc.stdint cimport uint64_t
from cython.parallel cimport prange

import numpy as np
cimport numpy as cnp

from uedtp.csrc.hanabi_state cimport (HanabiState, HanabiConfig, MAX_PLAYERS, MAX_HAND, MAX_COLORS,
                                      MAX_RANKS, MAX_CARD_IDS, MOVE_DISCARD, MOVE_PLAY,
                                      MOVE_REVEAL_COLOR, MOVE_REVEAL_RANK, MAX_DECK,
                                      MAX_HISTORY)
from uedtp.csrc.hanabi_engine cimport (config_init, state_new_game, state_new_game_from_deck,
                                       apply_move, move_is_legal, state_score, fireworks_total)
from uedtp.csrc.rng cimport Rng, rng_seed

cdef extern from *:
    int __builtin_ctz(unsigned int x) nogil

cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    /* Over the 25 card ids: bit i of *last set iff gone[i] == copies[i] - 1 (the last live
       copy), bit i of *none set iff gone[i] >= copies[i] (none left); copies_m1[i] is
       copies[i] - 1. Eight ids per 64-bit word on little-endian machines (exact bytewise
       equality and unsigned >=), a plain loop elsewhere. */
    static inline unsigned int uedtp_msbs(uint64_t m) {   /* bit k = top bit of byte k */
        return (unsigned int)(((m >> 7) * 0x0102040810204080ULL) >> 56);
    }
    static inline void uedtp_gone_masks(const unsigned char* gone, const unsigned char* copies,
                                        const unsigned char* copies_m1, unsigned int* last,
                                        unsigned int* none) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const uint64_t H = 0x8080808080808080ULL, L = 0x7F7F7F7F7F7F7F7FULL;
        unsigned int a = 0, b = 0;
        int off;
        for (off = 0; off < 24; off += 8) {
            uint64_t g, c, c1, t, d;
            memcpy(&g, gone + off, 8);
            memcpy(&c, copies + off, 8);
            memcpy(&c1, copies_m1 + off, 8);
            t = g ^ c1;                                      /* zero byte: equal */
            a |= uedtp_msbs(~((((t & L) + L) | t)) & H) << off;
            d = (g | H) - (c & L);                           /* top bit: low 7 bits g >= c */
            b |= uedtp_msbs(((g & ~c) | (~(g ^ c) & d)) & H) << off;
        }
        a |= (unsigned int)(gone[24] == copies_m1[24]) << 24;
        b |= (unsigned int)(gone[24] >= copies[24]) << 24;
        *last = a;
        *none = b;
    #else
        unsigned int a = 0, b = 0;
        int i;
        for (i = 0; i < 25; i++) {
            a |= (unsigned int)(gone[i] == copies_m1[i]) << i;
            b |= (unsigned int)(gone[i] >= copies[i]) << i;
        }
        *last = a;
        *none = b;
    #endif
    }
    """
    void uedtp_gone_masks(const unsigned char* gone, const unsigned char* copies,
                          const unsigned char* copies_m1, unsigned int* last,
                          unsigned int* none) noexcept nogil

# Three-valued answers of a predicate over a set of identities.
cdef enum:
    T_NO = 0
    T_YES = 1
    T_MAYBE = 2

BOT_NAMES = ("simple", "holmes", "smart", "value")


# ----------------------------------------------------------------------------------------------
# Board summary: identity masks derived from the fireworks and the gone counts
# ----------------------------------------------------------------------------------------------

ctypedef struct Board:
    int N
    int H                         # configured hand size (for move uids)
    int C
    int R
    unsigned int full
    unsigned int color_mask[MAX_COLORS]
    unsigned int rank_mask[MAX_RANKS + 1]   # index R (a "6") is the empty mask
    unsigned int playable         # rank == pile height
    unsigned int trash            # rank < pile height ("value <= pile")
    unsigned int smart_worthless  # trash, or a lower live rank of the colour is all gone
    unsigned int smart_valuable   # last live copy and not smart-worthless
    unsigned int holmes_valuable  # not yet played and last copy (no dead-colour test)
    int lowest                    # min over colours of pile height (rank index of "lowest playable")


cdef inline int popc(unsigned int x) noexcept nogil:
    """Number of set bits (SWAR; the build has no -mpopcnt, so __builtin_popcount would be a
    libgcc call)."""
    x = x - ((x >> 1) & 0x55555555u)
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u)
    x = (x + (x >> 4)) & 0x0F0F0F0Fu
    return <int>((x * 0x01010101u) >> 24)


# Per number of ranks R: the copies of every card id's rank (0 past the ranks), and that minus 1,
# as the 25-id byte rows board_init compares the gone counts with; filled at import from
# config_init (the only place a HanabiConfig's copies are set), so they equal cfg.copies.
cdef unsigned char _COPIES_ROW[MAX_RANKS + 1][32]
cdef unsigned char _COPIES_M1_ROW[MAX_RANKS + 1][32]


def _fill_copies_rows() -> None:
    """Fill _COPIES_ROW and _COPIES_M1_ROW (called once at import)."""
    cdef HanabiConfig cfg
    cdef int R, c, r, n
    for R in range(1, MAX_RANKS + 1):
        if config_init(&cfg, 2, MAX_COLORS, R, 1, 8, 3) != 0:
            raise RuntimeError("config_init failed while filling the copies rows")
        for c in range(32):
            _COPIES_ROW[R][c] = 0
            _COPIES_M1_ROW[R][c] = 0xFF
        for c in range(MAX_COLORS):
            for r in range(R):
                n = cfg.copies[r]
                _COPIES_ROW[R][c * MAX_RANKS + r] = n
                _COPIES_M1_ROW[R][c * MAX_RANKS + r] = n - 1


_fill_copies_rows()


cdef void board_init(Board* bd, const HanabiState* s, const BotState* b) noexcept nogil:
    """Fill the board summary from the fireworks and the bot's gone counts, with whole-mask
    operations: one pass over the card ids finds the last live copies and the exhausted ids,
    then each colour's masks follow from its pile height (ranks below it are trash) and its
    lowest exhausted rank at or above the pile (every higher rank of the colour is dead)."""
    cdef const HanabiConfig* cfg = &s.cfg
    cdef int c, r, f
    cdef unsigned int col, below, last_copy = 0, exhausted = 0, g, dead
    cdef unsigned int rank_row = 0
    bd.N = cfg.num_players
    bd.H = cfg.hand_size
    bd.C = cfg.num_colors
    bd.R = cfg.num_ranks
    bd.full = 0
    bd.playable = 0
    bd.trash = 0
    bd.smart_worthless = 0
    bd.smart_valuable = 0
    bd.holmes_valuable = 0
    bd.lowest = MAX_RANKS + 1
    for c in range(bd.C):
        rank_row |= 1u << (c * MAX_RANKS)
    uedtp_gone_masks(b.gone, _COPIES_ROW[bd.R], _COPIES_M1_ROW[bd.R], &last_copy, &exhausted)
    for r in range(MAX_RANKS + 1):
        bd.rank_mask[r] = rank_row << r if r < bd.R else 0
    for c in range(MAX_COLORS):
        bd.color_mask[c] = 0
    for c in range(bd.C):
        f = s.fireworks[c]
        if f < bd.lowest:
            bd.lowest = f
        col = ((1u << bd.R) - 1) << (c * MAX_RANKS)
        below = ((1u << f) - 1) << (c * MAX_RANKS)            # ranks under the pile height
        g = exhausted & col & ~below
        dead = col & ~((g & (0u - g)) * 2 - 1) if g else 0     # above the lowest exhausted rank
        bd.color_mask[c] = col
        bd.full |= col
        if f < bd.R:
            bd.playable |= 1u << (c * MAX_RANKS + f)
        bd.trash |= below
        bd.smart_worthless |= below | dead
        bd.smart_valuable |= last_copy & col & ~below & ~dead
        bd.holmes_valuable |= last_copy & col & ~below


cdef inline int tri(unsigned int k, unsigned int x) noexcept nogil:
    """YES if every member of k is in x, NO if none is, MAYBE otherwise (and for an empty set)."""
    if k == 0:
        return T_MAYBE
    if (k & ~x) == 0:
        return T_YES
    if (k & x) == 0:
        return T_NO
    return T_MAYBE


cdef inline int set_size(unsigned int k) noexcept nogil:
    """Number of identities; an empty (contradicted) set counts as 10 (permissive fallback)."""
    if k == 0:
        return 10
    return popc(k)


cdef inline void prob_of(unsigned int k, unsigned int x, int* num, int* den) noexcept nogil:
    """Fraction of the identities of k that are in x, as num/den (1/2 for an empty set)."""
    if k == 0:
        num[0] = 1
        den[0] = 2
    else:
        num[0] = popc(k & x)
        den[0] = popc(k)


cdef inline int single_id(unsigned int k) noexcept nogil:
    """The identity of a singleton set, else -1."""
    if k == 0 or (k & (k - 1)) != 0:
        return -1
    return __builtin_ctz(k)


cdef inline int common_rank(const Board* bd, unsigned int k) noexcept nogil:
    """The rank shared by every member of k, else -1 (also -1 for an empty set)."""
    cdef int r
    if k == 0:
        return -1
    for r in range(bd.R):
        if (k & ~bd.rank_mask[r]) == 0:
            return r
    return -1


# ----------------------------------------------------------------------------------------------
# Move uids (HLE order) and event decoding
# ----------------------------------------------------------------------------------------------

cdef inline int uid_discard(const Board* bd, int slot) noexcept nogil:
    return slot


cdef inline int uid_play(const Board* bd, int slot) noexcept nogil:
    return bd.H + slot


cdef inline int uid_color(const Board* bd, int me, int target, int c) noexcept nogil:
    return 2 * bd.H + ((target - me + bd.N) % bd.N - 1) * bd.C + c


cdef inline int uid_rank(const Board* bd, int me, int target, int r) noexcept nogil:
    return 2 * bd.H + (bd.N - 1) * bd.C + ((target - me + bd.N) % bd.N - 1) * bd.R + r


cdef inline int card_color(int cid) noexcept nogil:
    return cid // MAX_RANKS


cdef inline int card_rank(int cid) noexcept nogil:
    return cid % MAX_RANKS


cdef BotEvent bot_event(const HanabiState* pre, int uid) noexcept nogil:
    cdef BotEvent ev
    cdef const HanabiConfig* cfg = &pre.cfg
    cdef int H = cfg.hand_size
    cdef int N = cfg.num_players
    cdef int C = cfg.num_colors
    cdef int R = cfg.num_ranks
    cdef int k, offset, i, cid
    ev.actor = pre.cur_player
    ev.slot = -1
    ev.target = -1
    ev.color = -1
    ev.rank = -1
    ev.card = -1
    ev.touched = 0
    if uid < H:
        ev.type = MOVE_DISCARD
        ev.slot = uid
        ev.card = pre.hands[ev.actor][uid]
        return ev
    if uid < 2 * H:
        ev.type = MOVE_PLAY
        ev.slot = uid - H
        ev.card = pre.hands[ev.actor][ev.slot]
        return ev
    k = uid - 2 * H
    if k < (N - 1) * C:
        ev.type = MOVE_REVEAL_COLOR
        offset = k // C + 1
        ev.color = k % C
    else:
        k -= (N - 1) * C
        ev.type = MOVE_REVEAL_RANK
        offset = k // R + 1
        ev.rank = k % R
    ev.target = (ev.actor + offset) % N
    for i in range(pre.hand_len[ev.target]):
        cid = pre.hands[ev.target][i]
        if ev.type == MOVE_REVEAL_COLOR:
            if card_color(cid) == ev.color:
                ev.touched |= 1u << i
        elif card_rank(cid) == ev.rank:
            ev.touched |= 1u << i
    return ev


# ----------------------------------------------------------------------------------------------
# Slot records
# ----------------------------------------------------------------------------------------------

cdef inline void blank_slot(BotState* b, int p, int i) noexcept nogil:
    b.K[p][i] = b.full_mask
    b.kcol[p][i] = -1
    b.krank[p][i] = -1
    b.flags[p][i] = 0


cdef void drop_slot(BotState* b, int p, int i, bint append) noexcept nogil:
    """Remove slot i of player p, shift the newer slots down, append a blank one if a card is drawn."""
    cdef int n = b.rec_len[p]
    cdef int j
    for j in range(i, n - 1):
        b.K[p][j] = b.K[p][j + 1]
        b.kcol[p][j] = b.kcol[p][j + 1]
        b.krank[p][j] = b.krank[p][j + 1]
        b.flags[p][j] = b.flags[p][j + 1]
    if append:
        blank_slot(b, p, n - 1)
    else:
        b.rec_len[p] = n - 1


cdef inline bint is_reclaim(const HanabiState* pre, const BotEvent* ev) noexcept nogil:
    """The receiver reads a rank hint as a mere token-spending filler (reference section 2)."""
    return (pre.info_tokens == pre.cfg.max_info_tokens
            and ev.actor == (ev.target + 1) % pre.cfg.num_players
            and (ev.touched & 1u) != 0)


cdef inline int filler_hint(const Board* bd, const HanabiState* s, int me) noexcept nogil:
    """At full tokens: rank-hint the right partner with the rank of its oldest card."""
    cdef int p = (me - 1 + bd.N) % bd.N
    return uid_rank(bd, me, p, card_rank(s.hands[p][0]))


# ----------------------------------------------------------------------------------------------
# SimpleBot
# ----------------------------------------------------------------------------------------------

cdef void simple_observe(BotState* b, const HanabiState* pre, const BotEvent* ev,
                         const Board* bd) noexcept nogil:
    cdef int p, i, c, r
    cdef bint draws = pre.deck_pos < pre.cfg.deck_size
    if ev.type == MOVE_DISCARD:
        drop_slot(b, ev.actor, ev.slot, draws)
    elif ev.type == MOVE_PLAY:
        drop_slot(b, ev.actor, ev.slot, draws)
        c = card_color(ev.card)
        r = card_rank(ev.card)
        for p in range(bd.N):
            for i in range(b.rec_len[p]):
                if not (b.flags[p][i] & FLAG_PLAYABLE):
                    continue
                if b.krank[p][i] == bd.R - 1:
                    continue
                if b.kcol[p][i] >= 0 and b.kcol[p][i] != c:
                    continue
                if b.krank[p][i] >= 0 and b.krank[p][i] != r:
                    continue
                b.flags[p][i] &= ~FLAG_PLAYABLE
    elif ev.type == MOVE_REVEAL_COLOR:
        for i in range(b.rec_len[ev.target]):
            if ev.touched & (1u << i):
                b.kcol[ev.target][i] = ev.color
                b.krank[ev.target][i] = pre.fireworks[ev.color]
                b.flags[ev.target][i] |= FLAG_PLAYABLE
    else:
        if is_reclaim(pre, ev):
            return
        for i in range(b.rec_len[ev.target]):
            if ev.touched & (1u << i):
                b.krank[ev.target][i] = ev.rank
                b.flags[ev.target][i] |= FLAG_PLAYABLE


cdef int simple_decide(const BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int me = b.me
    cdef int n = s.hand_len[me]
    cdef int i, best_i, best_v, off, p, c, r, cid, score, best_score, best_uid
    cdef bint reject
    # 1. play the playable-flagged slot with the lowest known rank
    best_i = -1
    best_v = 1000
    for i in range(n):
        if b.flags[me][i] & FLAG_PLAYABLE:
            if b.krank[me][i] < best_v:
                best_v = b.krank[me][i]
                best_i = i
    if best_i >= 0:
        return uid_play(bd, best_i)
    # 2. hint: partners from the left, colours then ranks; every touched card must be playable
    if s.info_tokens > 0:
        best_score = 0
        best_uid = -1
        for off in range(1, bd.N):
            p = (me + off) % bd.N
            for c in range(bd.C):
                score = 0
                reject = False
                for i in range(s.hand_len[p]):
                    cid = s.hands[p][i]
                    if card_color(cid) != c:
                        continue
                    if not (bd.playable >> cid) & 1u:
                        reject = True
                        break
                    if not (b.flags[p][i] & FLAG_PLAYABLE):
                        score += 1
                if not reject and score > best_score:
                    best_score = score
                    best_uid = uid_color(bd, me, p, c)
            for r in range(bd.R):
                score = 0
                reject = False
                for i in range(s.hand_len[p]):
                    cid = s.hands[p][i]
                    if card_rank(cid) != r:
                        continue
                    if not (bd.playable >> cid) & 1u:
                        reject = True
                        break
                    if not (b.flags[p][i] & FLAG_PLAYABLE):
                        score += 1
                if not reject and score > best_score:
                    best_score = score
                    best_uid = uid_rank(bd, me, p, r)
        if best_score > 0:
            return best_uid
    # 3. filler hint at full tokens, 4. else discard the oldest card
    if s.info_tokens == s.cfg.max_info_tokens:
        return filler_hint(bd, s, me)
    return uid_discard(bd, 0)


cdef unsigned int exhausted_mask(const BotState* b, const HanabiState* s, const int* counted) noexcept nogil:
    """Identities whose every copy is gone or accounted for by `counted`."""
    cdef unsigned int m = 0
    cdef int c, r, cid
    for c in range(MAX_COLORS):         # branch-free: the test's outcome is unpredictable
        for r in range(MAX_RANKS):
            cid = c * MAX_RANKS + r
            m |= <unsigned int>(b.gone[cid] + counted[cid] == s.cfg.copies[r]) << cid
    return m


# ----------------------------------------------------------------------------------------------
# HolmesBot
# ----------------------------------------------------------------------------------------------

cdef void holmes_located(const BotState* b, const HanabiState* s, int* located) noexcept nogil:
    cdef int p, i
    for i in range(MAX_CARD_IDS):
        located[i] = 0
    for p in range(s.cfg.num_players):
        for i in range(b.rec_len[p]):
            if b.kcol[p][i] >= 0 and b.krank[p][i] >= 0 and b.krank[p][i] < MAX_RANKS:
                located[b.kcol[p][i] * MAX_RANKS + b.krank[p][i]] += 1


cdef void holmes_update_slot(BotState* b, const Board* bd, int p, int i,
                             unsigned int exhausted) noexcept nogil:
    """Refresh steps (a)-(e) of one slot: fix lone colour/rank, prune, derive sticky flags.

    ``exhausted``: identities whose copies are all gone or located in fully known slots."""
    cdef unsigned int k, remove, banned
    cdef int c, r, found
    cdef unsigned char fl = b.flags[p][i]
    # identities ruled out by counts and by the sticky flags (flags do not change in (a)-(b))
    banned = exhausted
    if fl & FLAG_VALUABLE:
        banned |= ~bd.holmes_valuable
    if fl & FLAG_PLAYABLE:
        banned |= ~bd.playable
    if fl & FLAG_WORTHLESS:
        banned |= ~bd.trash
    while True:
        k = b.K[p][i]
        # (a) a lone possible colour / rank becomes known
        if b.kcol[p][i] < 0:
            found = -1
            for c in range(bd.C):
                if k & bd.color_mask[c]:
                    if found == -1:
                        found = c
                    else:
                        found = -2
                        break
            if found >= 0:
                b.kcol[p][i] = found
        if b.krank[p][i] < 0:
            found = -1
            for r in range(bd.R):
                if k & bd.rank_mask[r]:
                    if found == -1:
                        found = r
                    else:
                        found = -2
                        break
            if found >= 0:
                b.krank[p][i] = found
        # (b) prune (only while the card is not fully known)
        if b.kcol[p][i] >= 0 and b.krank[p][i] >= 0:
            break
        remove = k & banned
        if remove == 0:
            break
        b.K[p][i] = k & ~remove
    k = b.K[p][i]
    # (c) worthless
    if fl & FLAG_WORTHLESS:
        return
    if not (fl & (FLAG_PLAYABLE | FLAG_VALUABLE)) and (k & ~bd.trash) == 0:
        b.flags[p][i] = fl | FLAG_WORTHLESS
        return
    # (d) valuable, (e) playable
    if (k & ~bd.holmes_valuable) == 0:
        b.flags[p][i] |= FLAG_VALUABLE
    if (k & ~bd.playable) == 0:
        b.flags[p][i] |= FLAG_PLAYABLE


cdef void holmes_refresh(BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int located[MAX_CARD_IDS]
    cdef int again[MAX_CARD_IDS]
    cdef int p, i
    cdef unsigned int ex
    cdef bint changed
    holmes_located(b, s, located)
    while True:
        ex = exhausted_mask(b, s, located)
        for p in range(bd.N):
            for i in range(b.rec_len[p]):
                holmes_update_slot(b, bd, p, i, ex)
        holmes_located(b, s, again)
        changed = False
        for i in range(MAX_CARD_IDS):
            if again[i] != located[i]:
                changed = True
            located[i] = again[i]
        if not changed:
            break


cdef int holmes_chop(const BotState* b, int p) noexcept nogil:
    """Next discard of p: none if p holds a playable/worthless-flagged card, else the oldest
    slot not flagged valuable (none if all are)."""
    cdef int i
    for i in range(b.rec_len[p]):
        if b.flags[p][i] & (FLAG_PLAYABLE | FLAG_WORTHLESS):
            return -1
    for i in range(b.rec_len[p]):
        if not (b.flags[p][i] & FLAG_VALUABLE):
            return i
    return -1


cdef inline bint holmes_could_be_valuable(const Board* bd, unsigned int k, int r) noexcept nogil:
    return (k & bd.rank_mask[r] & bd.holmes_valuable) != 0


cdef void holmes_observe(BotState* b, const HanabiState* pre, const BotEvent* ev,
                         const Board* bd) noexcept nogil:
    cdef int p, i, d, f
    cdef bint draws = pre.deck_pos < pre.cfg.deck_size
    cdef bint warning
    cdef unsigned int bit
    if ev.type == MOVE_DISCARD:
        b.gone[ev.card] += 1
        drop_slot(b, ev.actor, ev.slot, draws)
    elif ev.type == MOVE_PLAY:
        bit = 1u << ev.card
        if (bd.playable & bit) and not (bd.holmes_valuable & bit):
            for p in range(bd.N):
                for i in range(b.rec_len[p]):
                    if ((b.flags[p][i] & FLAG_PLAYABLE) and not (b.flags[p][i] & FLAG_VALUABLE)
                            and (b.K[p][i] & bit)):
                        b.flags[p][i] &= ~FLAG_PLAYABLE
        b.gone[ev.card] += 1
        drop_slot(b, ev.actor, ev.slot, draws)
    elif ev.type == MOVE_REVEAL_COLOR:
        p = ev.target
        f = pre.fireworks[ev.color]
        for i in range(b.rec_len[p]):
            if ev.touched & (1u << i):
                b.K[p][i] &= bd.color_mask[ev.color]
                b.kcol[p][i] = ev.color
                if b.krank[p][i] < 0 and not (b.flags[p][i] & FLAG_WORTHLESS):
                    b.K[p][i] &= bd.rank_mask[f]
                    b.krank[p][i] = f
            else:
                b.K[p][i] &= ~bd.color_mask[ev.color]
    else:
        p = ev.target
        if is_reclaim(pre, ev):
            return
        d = holmes_chop(b, p)
        warning = (d >= 0 and (ev.touched & (1u << d)) != 0
                   and holmes_could_be_valuable(bd, b.K[p][d], ev.rank))
        if warning:
            b.flags[p][d] |= FLAG_VALUABLE
            if ev.rank == bd.lowest:
                b.flags[p][d] |= FLAG_PLAYABLE
        for i in range(b.rec_len[p]):
            if ev.touched & (1u << i):
                b.K[p][i] &= bd.rank_mask[ev.rank]
                b.krank[p][i] = ev.rank
                if b.kcol[p][i] < 0 and not warning and not (b.flags[p][i] & FLAG_WORTHLESS):
                    b.flags[p][i] |= FLAG_PLAYABLE
            else:
                b.K[p][i] &= ~bd.rank_mask[ev.rank]


cdef int holmes_best_hint(const BotState* b, const HanabiState* s, const Board* bd, int p,
                          int* best_score) noexcept nogil:
    """Best helpful hint to p (colours then ranks, strict maximum of newly-playable cards
    touched); returns its uid (or -1) and stores its score (0 if none)."""
    cdef int me = b.me
    cdef int n = s.hand_len[p]
    cdef int c, r, i, cid, score, d, avoid, best_uid
    cdef bint reject
    best_uid = -1
    best_score[0] = 0
    d = holmes_chop(b, p)
    avoid = -1
    if d >= 0:
        r = card_rank(s.hands[p][d])
        if holmes_could_be_valuable(bd, b.K[p][d], r):
            avoid = r
    for c in range(bd.C):
        score = 0
        reject = False
        for i in range(n):
            cid = s.hands[p][i]
            if card_color(cid) != c:
                continue
            if (bd.playable >> cid) & 1u:
                if not (b.flags[p][i] & FLAG_PLAYABLE):
                    score += 1
            elif b.krank[p][i] < 0 and not (b.flags[p][i] & FLAG_WORTHLESS):
                reject = True
                break
        if not reject and score > best_score[0]:
            best_score[0] = score
            best_uid = uid_color(bd, me, p, c)
    for r in range(bd.R):
        if r == avoid:
            continue
        score = 0
        reject = False
        for i in range(n):
            cid = s.hands[p][i]
            if card_rank(cid) != r:
                continue
            if (bd.playable >> cid) & 1u:
                if not (b.flags[p][i] & FLAG_PLAYABLE):
                    score += 1
            elif b.kcol[p][i] < 0 and not (b.flags[p][i] & FLAG_WORTHLESS):
                reject = True
                break
        if not reject and score > best_score[0]:
            best_score[0] = score
            best_uid = uid_rank(bd, me, p, r)
    return best_uid


cdef int holmes_decide(const BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int me = b.me
    cdef int n = s.hand_len[me]
    cdef int L = (me + 1) % bd.N
    cdef int d, cid, uid, score, i, best_i, best_v, v, off, p, best_score, best_uid
    # 1. warn the left partner if its chop card is the last copy
    if s.info_tokens > 0:
        d = holmes_chop(b, L)
        if d >= 0:
            cid = s.hands[L][d]
            if (bd.holmes_valuable >> cid) & 1u:
                uid = holmes_best_hint(b, s, bd, L, &score)
                if score > 0:
                    return uid
                return uid_rank(bd, me, L, card_rank(cid))
    # 2. play the playable-flagged slot with the lowest known rank (unknown first)
    best_i = -1
    best_v = 1000
    for i in range(n):
        if b.flags[me][i] & FLAG_PLAYABLE:
            v = b.krank[me][i]
            if v < best_v:
                best_v = v
                best_i = i
    if best_i >= 0:
        return uid_play(bd, best_i)
    # 3. helpful hint
    if s.info_tokens > 0:
        best_score = 0
        best_uid = -1
        for off in range(1, bd.N):
            p = (me + off) % bd.N
            uid = holmes_best_hint(b, s, bd, p, &score)
            if score > best_score:
                best_score = score
                best_uid = uid
        if best_score > 0:
            return best_uid
    # 4. mystery play near the end of the deck
    if s.cfg.deck_size - s.deck_pos <= 1 and s.life_tokens > 0:
        for i in range(n - 1, -1, -1):
            if b.flags[me][i] & FLAG_WORTHLESS:
                continue
            if b.kcol[me][i] >= 0 and b.krank[me][i] >= 0:
                continue
            return uid_play(bd, i)
    # 5. filler hint at full tokens
    if s.info_tokens == s.cfg.max_info_tokens:
        return filler_hint(bd, s, me)
    # 6. discard: worthless, else first not valuable, else the highest known rank
    for i in range(n):
        if b.flags[me][i] & FLAG_WORTHLESS:
            return uid_discard(bd, i)
    for i in range(n):
        if not (b.flags[me][i] & FLAG_VALUABLE):
            return uid_discard(bd, i)
    best_i = 0
    best_v = b.krank[me][0]
    for i in range(1, n):
        if b.krank[me][i] > best_v:
            best_v = b.krank[me][i]
            best_i = i
    return uid_discard(bd, best_i)


# ----------------------------------------------------------------------------------------------
# ValueBot
# ----------------------------------------------------------------------------------------------

cdef inline bint value_last_copy(const BotState* b, const HanabiState* s, int cid) noexcept nogil:
    """Exactly one copy of cid is left unseen (and it has not been played)."""
    return b.seen[cid] != SEEN_DONE and b.seen[cid] + 1 == s.cfg.copies[card_rank(cid)]


cdef bint value_could_be_valuable(const BotState* b, const HanabiState* s, const Board* bd,
                                  int r) noexcept nogil:
    cdef int c
    for c in range(bd.C):
        if value_last_copy(b, s, c * MAX_RANKS + r):
            return True
    return False


cdef void value_observe(BotState* b, const HanabiState* pre, const BotEvent* ev,
                        const Board* bd) noexcept nogil:
    cdef int p, i, c, r, d, lowest_after, cid
    cdef bint draws = pre.deck_pos < pre.cfg.deck_size
    cdef bint warning
    if ev.type == MOVE_DISCARD:
        drop_slot(b, ev.actor, ev.slot, draws)
        if b.seen[ev.card] != SEEN_DONE:
            b.seen[ev.card] += 1
    elif ev.type == MOVE_PLAY:
        drop_slot(b, ev.actor, ev.slot, draws)
        c = card_color(ev.card)
        r = card_rank(ev.card)
        if pre.fireworks[c] == r:
            if not value_last_copy(b, pre, ev.card):
                for p in range(bd.N):
                    for i in range(b.rec_len[p]):
                        if not (b.flags[p][i] & FLAG_PLAYABLE):
                            continue
                        if b.krank[p][i] == bd.R - 1:
                            continue
                        if b.kcol[p][i] >= 0 and b.kcol[p][i] != c:
                            continue
                        if b.krank[p][i] >= 0 and b.krank[p][i] != r:
                            continue
                        b.flags[p][i] &= ~FLAG_PLAYABLE
            b.seen[ev.card] = SEEN_DONE
            lowest_after = MAX_RANKS + 1
            for i in range(bd.C):
                d = pre.fireworks[i] + (1 if i == c else 0)
                if d < lowest_after:
                    lowest_after = d
            if lowest_after > r:          # every card of this rank is now trash
                for p in range(bd.N):
                    for i in range(b.rec_len[p]):
                        if b.krank[p][i] == r:
                            b.flags[p][i] |= FLAG_WORTHLESS
        elif b.seen[ev.card] != SEEN_DONE:
            b.seen[ev.card] += 1
    elif ev.type == MOVE_REVEAL_COLOR:
        p = ev.target
        c = ev.color
        for i in range(b.rec_len[p]):
            if not (ev.touched & (1u << i)):
                continue
            b.kcol[p][i] = c
            if b.krank[p][i] < 0:
                b.krank[p][i] = pre.fireworks[c]
            r = b.krank[p][i]
            cid = c * MAX_RANKS + r
            if r < bd.R and b.seen[cid] == SEEN_DONE:
                b.flags[p][i] |= FLAG_WORTHLESS
            else:
                if r == pre.fireworks[c]:
                    b.flags[p][i] |= FLAG_PLAYABLE
                if r < bd.R and value_last_copy(b, pre, cid):
                    b.flags[p][i] |= FLAG_VALUABLE
    else:
        p = ev.target
        d = holmes_chop(b, p)
        warning = (value_could_be_valuable(b, pre, bd, ev.rank) and d >= 0
                   and (ev.touched & (1u << d)) != 0)
        if is_reclaim(pre, ev):
            return
        if warning:
            b.flags[p][d] |= FLAG_VALUABLE
            if ev.rank == bd.lowest:
                b.flags[p][d] |= FLAG_PLAYABLE
        for i in range(b.rec_len[p]):
            if ev.touched & (1u << i):
                b.krank[p][i] = ev.rank
                if not warning:
                    b.flags[p][i] |= FLAG_PLAYABLE


cdef int value_best_hint(const BotState* b, const HanabiState* s, const Board* bd, int p,
                         int* best_score) noexcept nogil:
    """SimpleBot's helpful hint with ValueBot's acceptance rules (see the reference, section 4)."""
    cdef int me = b.me
    cdef int n = s.hand_len[p]
    cdef int c, r, i, cid, score, d, avoid, best_uid
    cdef bint reject
    best_uid = -1
    best_score[0] = 0
    avoid = -1
    d = holmes_chop(b, p)
    if d >= 0 and value_could_be_valuable(b, s, bd, card_rank(s.hands[p][d])):
        avoid = card_rank(s.hands[p][d])
    for c in range(bd.C):
        score = 0
        reject = False
        for i in range(n):
            cid = s.hands[p][i]
            if card_color(cid) != c:
                continue
            if (bd.playable >> cid) & 1u:
                if not (b.flags[p][i] & FLAG_PLAYABLE):
                    score += 1
            elif b.krank[p][i] < 0:
                reject = True
                break
        if not reject and score > best_score[0]:
            best_score[0] = score
            best_uid = uid_color(bd, me, p, c)
    for r in range(bd.R):
        if r == avoid:
            continue
        score = 0
        reject = False
        for i in range(n):
            cid = s.hands[p][i]
            if card_rank(cid) != r:
                continue
            if not (bd.playable >> cid) & 1u:
                reject = True
                break
            if not (b.flags[p][i] & FLAG_PLAYABLE):
                score += 1
        if not reject and score > best_score[0]:
            best_score[0] = score
            best_uid = uid_rank(bd, me, p, r)
    return best_uid


cdef int value_decide(const BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int me = b.me
    cdef int n = s.hand_len[me]
    cdef int L = (me + 1) % bd.N
    cdef int d, cid, uid, score, i, best_i, best_v, off, p, best_score, best_uid
    # 1. warn the left partner if its chop card is the last copy
    if s.info_tokens > 0:
        d = holmes_chop(b, L)
        if d >= 0:
            cid = s.hands[L][d]
            if value_last_copy(b, s, cid):
                uid = value_best_hint(b, s, bd, L, &score)
                if score > 0:
                    return uid
                return uid_rank(bd, me, L, card_rank(cid))
    # 2. play the playable-flagged slot with the lowest known rank
    best_i = -1
    best_v = 1000
    for i in range(n):
        if (b.flags[me][i] & FLAG_PLAYABLE) and b.krank[me][i] < best_v:
            best_v = b.krank[me][i]
            best_i = i
    if best_i >= 0:
        return uid_play(bd, best_i)
    # 3. helpful hint
    if s.info_tokens > 0:
        best_score = 0
        best_uid = -1
        for off in range(1, bd.N):
            p = (me + off) % bd.N
            uid = value_best_hint(b, s, bd, p, &score)
            if score > best_score:
                best_score = score
                best_uid = uid
        if best_score > 0:
            return best_uid
    # 4. filler hint at full tokens
    if s.info_tokens == s.cfg.max_info_tokens:
        return filler_hint(bd, s, me)
    # 5. discard: worthless, else first not valuable, else the highest known rank
    for i in range(n):
        if b.flags[me][i] & FLAG_WORTHLESS:
            return uid_discard(bd, i)
    for i in range(n):
        if not (b.flags[me][i] & FLAG_VALUABLE):
            return uid_discard(bd, i)
    best_i = 0
    best_v = b.krank[me][0]
    for i in range(1, n):
        if b.krank[me][i] > best_v:
            best_v = b.krank[me][i]
            best_i = i
    return uid_discard(bd, best_i)


# ----------------------------------------------------------------------------------------------
# SmartBot
# ----------------------------------------------------------------------------------------------

cdef void smart_located(const BotState* b, int N, int* located) noexcept nogil:
    cdef int p, i, x
    memset(located, 0, MAX_CARD_IDS * sizeof(int))
    for p in range(N):
        for i in range(b.rec_len[p]):
            x = single_id(b.K[p][i])
            if x >= 0:
                located[x] += 1


cdef void smart_refresh(BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int located[MAX_CARD_IDS]
    cdef int again[MAX_CARD_IDS]
    cdef int p, i
    cdef unsigned int ex
    cdef bint changed
    smart_located(b, bd.N, located)
    while True:
        ex = exhausted_mask(b, s, located)
        for p in range(bd.N):
            for i in range(b.rec_len[p]):
                if popc(b.K[p][i]) > 1:
                    b.K[p][i] &= ~ex
        smart_located(b, bd.N, again)
        changed = memcmp(again, located, MAX_CARD_IDS * sizeof(int)) != 0
        memcpy(located, again, MAX_CARD_IDS * sizeof(int))
        if not changed:
            break


cdef int smart_chop(const BotState* b, const Board* bd, int p) noexcept nogil:
    """Public next discard of p: none if some card is known playable or worthless; else the
    not-known-valuable slot most likely worthless (oldest on ties); none if all are valuable."""
    cdef int i, best, num, den, bnum, bden
    cdef unsigned int k
    for i in range(b.rec_len[p]):
        k = b.K[p][i]
        if tri(k, bd.playable) == T_YES or tri(k, bd.smart_worthless) == T_YES:
            return -1
    best = -1
    bnum = -1
    bden = 1
    for i in range(b.rec_len[p]):
        k = b.K[p][i]
        if tri(k, bd.smart_valuable) == T_YES:
            continue
        prob_of(k, bd.smart_worthless, &num, &den)
        if num * bden > bnum * den:
            bnum = num
            bden = den
            best = i
    return best


cdef inline bint smart_could_be_valuable_with(const Board* bd, unsigned int k, int r) noexcept nogil:
    return tri(k, bd.smart_valuable) == T_MAYBE and (k & bd.smart_valuable & bd.rank_mask[r]) != 0


cdef void smart_no_warning(BotState* b, const HanabiState* pre, const Board* bd, int actor) noexcept nogil:
    """The actor did not warn its left partner, so that partner's chop card is not valuable."""
    cdef int q, d
    if pre.deck_pos >= pre.cfg.deck_size or pre.info_tokens <= 0:
        return
    q = (actor + 1) % bd.N
    d = smart_chop(b, bd, q)
    if d >= 0:
        b.K[q][d] &= ~bd.smart_valuable


cdef void smart_hint_pass(BotState* b, const Board* bd, int p, unsigned int attr,
                          unsigned int touched, bint* revealed, int* candidate) noexcept nogil:
    """Apply a hint's raw information newest->oldest, noting whether it made some card surely
    playable and the newest touched card whose playability it left open."""
    cdef int i, before, after
    revealed[0] = False
    candidate[0] = -1
    for i in range(b.rec_len[p] - 1, -1, -1):
        before = tri(b.K[p][i], bd.playable)
        if touched & (1u << i):
            b.K[p][i] &= attr
        else:
            b.K[p][i] &= ~attr
        if before == T_MAYBE:
            after = tri(b.K[p][i], bd.playable)
            if after == T_YES:
                revealed[0] = True
            elif (touched & (1u << i)) and after == T_MAYBE and candidate[0] < 0:
                candidate[0] = i


cdef void smart_observe(BotState* b, const HanabiState* pre, const BotEvent* ev,
                        const Board* bd) noexcept nogil:
    cdef int A = ev.actor
    cdef int B, Q, d, p, newest, cand
    cdef bint draws = pre.deck_pos < pre.cfg.deck_size
    cdef bint revealed, reclaim, warning, found
    cdef unsigned int k
    if ev.type == MOVE_DISCARD or ev.type == MOVE_PLAY:
        smart_no_warning(b, pre, bd, A)
        if ev.type == MOVE_DISCARD:
            k = b.K[A][ev.slot]
            if single_id(k) >= 0 and tri(k, bd.playable) == T_YES:
                # discard finesse: the (only) player holding this card as its newest learns it
                found = False
                for p in range(bd.N):
                    if p == A or p == b.me:
                        continue
                    newest = pre.hand_len[p] - 1
                    if newest >= 0 and pre.hands[p][newest] == ev.card:
                        b.K[p][newest] = 1u << ev.card
                        found = True
                        break
                if not found and b.rec_len[b.me] > 0:
                    b.K[b.me][b.rec_len[b.me] - 1] = 1u << ev.card
        b.gone[ev.card] += 1
        drop_slot(b, A, ev.slot, draws)
        return
    B = ev.target
    Q = (A + 1) % bd.N
    if ev.type == MOVE_REVEAL_COLOR:
        smart_hint_pass(b, bd, B, bd.color_mask[ev.color], ev.touched, &revealed, &cand)
        if not revealed and cand >= 0:
            b.K[B][cand] &= bd.playable
        if B != Q:
            smart_no_warning(b, pre, bd, A)
        return
    d = smart_chop(b, bd, Q)
    reclaim = is_reclaim(pre, ev)
    warning = (not reclaim and B == Q and d >= 0 and (ev.touched & (1u << d)) != 0
               and smart_could_be_valuable_with(bd, b.K[B][d], ev.rank))
    if warning:
        b.K[B][d] &= bd.smart_valuable
    smart_hint_pass(b, bd, B, bd.rank_mask[ev.rank], ev.touched, &revealed, &cand)
    if not warning and not reclaim and not revealed and cand >= 0:
        b.K[B][cand] &= bd.playable
    if B != Q:
        smart_no_warning(b, pre, bd, A)


cdef int smart_best_hint(const BotState* b, const HanabiState* s, const Board* bd, int p,
                         int* best_score) noexcept nogil:
    """Most informative acceptable hint to p (identities eliminated; a hint is acceptable if it
    makes some card surely playable or its newest touched open card really is playable)."""
    cdef int me = b.me
    cdef int n = s.hand_len[p]
    cdef int avoid = -1
    cdef int d, i, attr_i, score, best_uid, after
    cdef int c = 0
    cdef int r = 0
    cdef unsigned int present_c = 0
    cdef unsigned int present_r = 0
    cdef unsigned int attr, touched, k, k2
    cdef bint reveals, first_found, first_ok
    cdef int size_before[MAX_HAND]      # per card, independent of the hint: hoisted
    cdef int tri_before[MAX_HAND]
    if p == (me + 1) % bd.N:
        d = smart_chop(b, bd, p)
        if d >= 0 and smart_could_be_valuable_with(bd, b.K[p][d], card_rank(s.hands[p][d])):
            avoid = card_rank(s.hands[p][d])
    for i in range(n):
        present_c |= 1u << card_color(s.hands[p][i])
        present_r |= 1u << card_rank(s.hands[p][i])
        size_before[i] = set_size(b.K[p][i])
        tri_before[i] = tri(b.K[p][i], bd.playable)
    best_score[0] = -1
    best_uid = -1
    for attr_i in range(bd.C + bd.R):
        if attr_i < bd.C:
            c = attr_i
            if not (present_c >> c) & 1u:
                continue
            attr = bd.color_mask[c]
        else:
            r = attr_i - bd.C
            if not (present_r >> r) & 1u or r == avoid:
                continue
            attr = bd.rank_mask[r]
        touched = 0
        for i in range(n):
            if (1u << s.hands[p][i]) & attr:
                touched |= 1u << i
        score = 0
        reveals = False
        first_found = False
        first_ok = False
        for i in range(n - 1, -1, -1):
            k = b.K[p][i]
            if touched & (1u << i):
                k2 = k & attr
            else:
                k2 = k & ~attr
            score += size_before[i] - set_size(k2)
            if tri_before[i] != T_MAYBE:
                continue
            after = tri(k2, bd.playable)
            if after == T_YES:
                reveals = True
            elif (touched & (1u << i)) and after == T_MAYBE and not first_found:
                first_found = True
                first_ok = ((bd.playable >> s.hands[p][i]) & 1u) != 0
        if not (reveals or (first_found and first_ok)):
            continue
        if score > best_score[0]:
            best_score[0] = score
            if attr_i < bd.C:
                best_uid = uid_color(bd, me, p, c)
            else:
                best_uid = uid_rank(bd, me, p, r)
    return best_uid


cdef int smart_play_rule(const BotState* b, const Board* bd, int n,
                         const unsigned int* E) noexcept nogil:
    """P: play a card my eyes prove playable; prefer ones the others do not know, then low ranks."""
    cdef int me = b.me
    cdef int i, pk, score, v, best, best_i
    best = -1000
    best_i = -1
    for i in range(n):
        pk = tri(b.K[me][i], bd.playable)
        if pk == T_NO:
            continue
        if tri(E[i], bd.playable) != T_YES:
            continue
        v = common_rank(bd, E[i])
        score = 6 - (v + 1 if v >= 0 else -1)
        if pk != T_YES:
            score += 100
        if score > best:
            best = score
            best_i = i
    return best_i


cdef int smart_mystery_rule(const BotState* b, const HanabiState* s, const Board* bd, int n,
                            const unsigned int* E) noexcept nogil:
    """M: near the end of the deck, play the card most likely playable (newest on ties)."""
    cdef int lives = s.life_tokens
    cdef int threshold, i, num, den, bnum, bden, best_i
    if lives >= 3:
        threshold = 3
    else:
        threshold = 1
    if s.cfg.deck_size - s.deck_pos > threshold:
        return -1
    best_i = -1
    bnum = -1
    bden = 1
    for i in range(n - 1, -1, -1):
        if tri(E[i], bd.playable) != T_MAYBE:
            continue
        prob_of(E[i], bd.playable, &num, &den)
        if num * bden > bnum * den:
            bnum = num
            bden = den
            best_i = i
    return best_i


cdef int smart_decide(const BotState* b, const HanabiState* s, const Board* bd) noexcept nogil:
    cdef int me = b.me
    cdef int n = s.hand_len[me]
    cdef int L = (me + 1) % bd.N
    cdef int eyes[MAX_CARD_IDS]
    cdef unsigned int E[MAX_HAND]
    cdef unsigned int ex, k
    cdef int p, i, x, d, cid, uid, score, count, off, best_score, best_uid, num, den
    cdef int bnum, bden, best_i, best_v, v, wk
    cdef bint deck_empty = s.deck_pos >= s.cfg.deck_size
    # eyes: the partners' cards plus my own singleton slots; E = eye-refined own sets
    for i in range(MAX_CARD_IDS):
        eyes[i] = 0
    for p in range(bd.N):
        if p == me:
            for i in range(n):
                x = single_id(b.K[me][i])
                if x >= 0:
                    eyes[x] += 1
        else:
            for i in range(s.hand_len[p]):
                eyes[s.hands[p][i]] += 1
    ex = exhausted_mask(b, s, eyes)
    for i in range(n):
        k = b.K[me][i]
        if popc(k) == 1:
            E[i] = k
        else:
            E[i] = k & ~ex
    # 0. with the deck gone, gamble first
    if deck_empty:
        i = smart_play_rule(b, bd, n, E)
        if i >= 0:
            return uid_play(bd, i)
        i = smart_mystery_rule(b, s, bd, n, E)
        if i >= 0:
            return uid_play(bd, i)
    # 1. W: warn the left partner about a valuable chop card
    if s.info_tokens > 0:
        d = smart_chop(b, bd, L)
        if d >= 0:
            cid = s.hands[L][d]
            if (bd.smart_valuable >> cid) & 1u:
                uid = smart_best_hint(b, s, bd, L, &score)
                if score > 0:
                    return uid
                return uid_rank(bd, me, L, card_rank(cid))
    # 2. F: discard finesse
    if s.info_tokens < s.cfg.max_info_tokens:
        for i in range(n):
            x = single_id(b.K[me][i])
            if x < 0 or (bd.smart_valuable >> x) & 1u or not (bd.playable >> x) & 1u:
                continue
            count = 0
            for p in range(bd.N):
                if p != me and s.hand_len[p] > 0 and s.hands[p][s.hand_len[p] - 1] == x:
                    count += 1
            if count == 1:
                return uid_discard(bd, i)
    # 3. P
    i = smart_play_rule(b, bd, n, E)
    if i >= 0:
        return uid_play(bd, i)
    # 4. H: helpful hint
    if s.info_tokens > 0:
        best_score = 0
        best_uid = -1
        for off in range(1, bd.N):
            p = (me + off) % bd.N
            uid = smart_best_hint(b, s, bd, p, &score)
            if score > best_score:
                best_score = score
                best_uid = uid
        if best_score > 0:
            return best_uid
    # 5. M
    i = smart_mystery_rule(b, s, bd, n, E)
    if i >= 0:
        return uid_play(bd, i)
    # 6. filler hint at full tokens
    if s.info_tokens == s.cfg.max_info_tokens:
        return filler_hint(bd, s, me)
    # 7. D1: (privately) known trash, publicly surest first
    best_i = -1
    bnum = 1000
    bden = 1
    for i in range(n):
        wk = tri(b.K[me][i], bd.smart_worthless)
        if wk == T_NO:
            continue
        if wk == T_MAYBE and tri(E[i], bd.smart_worthless) != T_YES:
            continue
        prob_of(b.K[me][i], bd.smart_worthless, &num, &den)
        if num * bden < bnum * den:
            bnum = num
            bden = den
            best_i = i
    if best_i >= 0:
        return uid_discard(bd, best_i)
    # D2: my public chop
    d = smart_chop(b, bd, me)
    if d >= 0:
        return uid_discard(bd, d)
    # D3: everything is valuable: throw the highest rank
    best_i = 0
    best_v = common_rank(bd, b.K[me][0])
    for i in range(1, n):
        v = common_rank(bd, b.K[me][i])
        if v > best_v:
            best_v = v
            best_i = i
    return uid_discard(bd, best_i)


# ----------------------------------------------------------------------------------------------
# Dispatch
# ----------------------------------------------------------------------------------------------

cdef int bot_init(BotState* b, int kind, int me, const HanabiState* s) noexcept nogil:
    cdef Board bd
    cdef int p, i
    if kind < 0 or kind >= NUM_BOT_KINDS:
        return BOT_ERR_KIND
    if me < 0 or me >= s.cfg.num_players:
        return BOT_ERR_SEAT
    if s.cfg.num_players < 2 or s.cfg.num_players > MAX_PLAYERS or s.cfg.hand_size < 1:
        return BOT_ERR_CONFIG
    memset(b, 0, sizeof(BotState))
    b.kind = kind
    b.me = me
    b.fresh_at = -1
    board_init(&bd, s, b)
    b.full_mask = bd.full
    for p in range(MAX_PLAYERS):
        b.rec_len[p] = s.hand_len[p] if p < s.cfg.num_players else 0
        for i in range(MAX_HAND):
            blank_slot(b, p, i)
    return 0


cdef void bot_refresh(BotState* b, const HanabiState* s) noexcept nogil:
    cdef Board bd
    cdef int p
    if b.fresh_at == s.num_moves_made:
        return
    for p in range(s.cfg.num_players):
        if b.rec_len[p] > s.hand_len[p]:
            b.rec_len[p] = s.hand_len[p]
    if b.kind == BOT_HOLMES:
        board_init(&bd, s, b)
        holmes_refresh(b, s, &bd)
    elif b.kind == BOT_SMART:
        board_init(&bd, s, b)
        smart_refresh(b, s, &bd)
    b.fresh_at = s.num_moves_made


cdef void bot_observe_event(BotState* b, const HanabiState* pre, const BotEvent* ev) noexcept nogil:
    cdef Board bd
    bot_refresh(b, pre)
    board_init(&bd, pre, b)
    if b.kind == BOT_SIMPLE:
        simple_observe(b, pre, ev, &bd)
    elif b.kind == BOT_HOLMES:
        holmes_observe(b, pre, ev, &bd)
    elif b.kind == BOT_VALUE:
        value_observe(b, pre, ev, &bd)
    else:
        smart_observe(b, pre, ev, &bd)
    b.fresh_at = -1


cdef void bot_observe(BotState* b, const HanabiState* pre, int uid) noexcept nogil:
    cdef BotEvent ev = bot_event(pre, uid)
    bot_observe_event(b, pre, &ev)


cdef void bots_observe_all(BotState* bots, int n, const HanabiState* pre, int uid) noexcept nogil:
    cdef BotEvent ev = bot_event(pre, uid)
    cdef Board bd
    cdef int p
    for p in range(n):
        bot_refresh(&bots[p], pre)
    # the gone counts are public, so every seat's board summary is the same
    board_init(&bd, pre, &bots[0])
    for p in range(n):
        if bots[p].kind == BOT_SIMPLE:
            simple_observe(&bots[p], pre, &ev, &bd)
        elif bots[p].kind == BOT_HOLMES:
            holmes_observe(&bots[p], pre, &ev, &bd)
        elif bots[p].kind == BOT_VALUE:
            value_observe(&bots[p], pre, &ev, &bd)
        else:
            smart_observe(&bots[p], pre, &ev, &bd)
        bots[p].fresh_at = -1


cdef int bot_decide(const BotState* b, const HanabiState* s) noexcept nogil:
    cdef BotState fresh
    cdef const BotState* use = b
    cdef Board bd
    if b.fresh_at != s.num_moves_made:
        memcpy(&fresh, b, sizeof(BotState))
        bot_refresh(&fresh, s)
        use = &fresh
    board_init(&bd, s, use)
    if use.kind == BOT_SIMPLE:
        return simple_decide(use, s, &bd)
    if use.kind == BOT_HOLMES:
        return holmes_decide(use, s, &bd)
    if use.kind == BOT_VALUE:
        return value_decide(use, s, &bd)
    return smart_decide(use, s, &bd)


# ----------------------------------------------------------------------------------------------
# Whole self-play games in native code (tests, score tables, benchmarks)
# ----------------------------------------------------------------------------------------------

cdef int play_self_game(HanabiState* s, int kind, long long* moves) noexcept nogil:
    """Play the game in ``s`` to the end with one bot of ``kind`` per seat.

    Returns -1 on success, or the number of the first move a bot chose that was illegal.
    """
    cdef BotState bots[MAX_PLAYERS]
    cdef int p, uid
    cdef int N = s.cfg.num_players
    for p in range(N):
        bot_init(&bots[p], kind, p, s)
    while not s.terminal:
        bot_refresh(&bots[s.cur_player], s)
        uid = bot_decide(&bots[s.cur_player], s)
        if not move_is_legal(s, uid):
            return s.num_moves_made
        bots_observe_all(bots, N, s, uid)
        apply_move(s, uid)
        moves[0] += 1
    return -1


def bot_kind(name) -> int:
    """The BotKind number of a bot name ('simple', 'holmes', 'smart', 'value'; case-insensitive,
    an optional 'bot' suffix is accepted)."""
    if not isinstance(name, str):
        raise TypeError(f"bot name must be a str, got {type(name).__name__}")
    key = name.lower()
    if key.endswith("bot"):
        key = key[:-3]
    if key not in BOT_NAMES:
        raise ValueError(f"unknown bot {name!r}; expected one of {', '.join(BOT_NAMES)}")
    return BOT_NAMES.index(key)


cdef void _config_or_raise(HanabiConfig* cfg, int players, int hand_size, int colors, int ranks,
                           int max_info, int max_life) except *:
    cdef int code = config_init(cfg, players, colors, ranks, hand_size, max_info, max_life)
    if code != 0:
        from uedtp.csrc.hanabi_engine import config_error_message
        raise ValueError(f"bad Hanabi configuration: {config_error_message(code)}")


def play_deck(bot, int players, deck, int hand_size=-1):
    """Self-play one game of ``bot`` on a given deck order (card ids colour*5+rank, draw order).

    Returns ``(fireworks_total, lives_lost, hle_score, moves)``.
    """
    cdef HanabiConfig cfg
    cdef HanabiState s
    cdef signed char d[MAX_DECK]
    cdef long long moves = 0
    cdef int kind = bot_kind(bot)
    cdef int bad, i
    _config_or_raise(&cfg, players, hand_size, 5, 5, 8, 3)
    cards = list(deck)
    if sorted(cards) != sorted(int(x) for x in _full_deck(&cfg)):
        raise ValueError("deck must be a permutation of the full deck (card ids colour*5+rank)")
    for i in range(cfg.deck_size):
        d[i] = <signed char>cards[i]
    state_new_game_from_deck(&s, &cfg, d)
    with nogil:
        bad = play_self_game(&s, kind, &moves)
    if bad >= 0:
        raise RuntimeError(f"{BOT_NAMES[kind]} bot chose an illegal move at move {bad}")
    return fireworks_total(&s), cfg.max_life_tokens - s.life_tokens, state_score(&s), int(moves)


cdef list _full_deck(const HanabiConfig* cfg):
    out = []
    for c in range(cfg.num_colors):
        for r in range(cfg.num_ranks):
            out.extend([c * MAX_RANKS + r] * cfg.copies[r])
    return out


def self_play_games(bot, int players, int n_games, uint64_t seed=0, int num_threads=1,
                    int hand_size=-1):
    """Deal ``n_games`` seeded games (game g uses rng stream g of ``seed``) and self-play them.

    Returns ``(fireworks, lives_lost, moves)`` as int32 numpy arrays of length n_games; the HLE
    score is ``np.where(lives_lost == 3, 0, fireworks)``. Results do not depend on num_threads.
    """
    cdef HanabiConfig cfg
    cdef int kind = bot_kind(bot)
    cdef int g
    if n_games < 1:
        raise ValueError(f"n_games must be >= 1, got {n_games}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    _config_or_raise(&cfg, players, hand_size, 5, 5, 8, 3)
    fw = np.zeros(n_games, dtype=np.int32)
    lost = np.zeros(n_games, dtype=np.int32)
    mv = np.zeros(n_games, dtype=np.int32)
    cdef int[::1] fwv = fw
    cdef int[::1] lostv = lost
    cdef int[::1] mvv = mv
    cdef int bad_games = 0
    with nogil:
        for g in prange(n_games, num_threads=num_threads, schedule="dynamic"):
            bad_games += _one_game(&cfg, kind, seed, g, &fwv[g], &lostv[g], &mvv[g])
    if bad_games:
        raise RuntimeError(f"{BOT_NAMES[kind]} bot chose an illegal move in {bad_games} games")
    return fw, lost, mv


cdef int _one_game(const HanabiConfig* cfg, int kind, uint64_t seed, int g, int* fw, int* lost,
                   int* mv) noexcept nogil:
    cdef HanabiState s
    cdef Rng rng
    cdef long long moves = 0
    cdef int bad
    rng_seed(&rng, seed, <uint64_t>g)
    state_new_game(&s, cfg, &rng)
    bad = play_self_game(&s, kind, &moves)
    fw[0] = fireworks_total(&s)
    lost[0] = cfg.max_life_tokens - s.life_tokens
    mv[0] = <int>moves
    return 1 if bad >= 0 else 0


# ----------------------------------------------------------------------------------------------
# Python-visible bot seats
# ----------------------------------------------------------------------------------------------

def same_public_record(PyHanabiState a, PyHanabiState b) -> bool:
    """Whether two states of one configuration agree on everything public: history, whose turn,
    fireworks, discards, tokens, hand lengths, deck position and the hint knowledge of every
    slot (hands and the undrawn deck may differ)."""
    cdef int i
    if a is None or b is None:
        raise TypeError("both states must be native HanabiState objects")
    if memcmp(&a.s.cfg, &b.s.cfg, sizeof(HanabiConfig)) != 0:
        return False
    if (a.s.num_moves_made != b.s.num_moves_made or a.s.cur_player != b.s.cur_player
            or a.s.info_tokens != b.s.info_tokens or a.s.life_tokens != b.s.life_tokens
            or a.s.deck_pos != b.s.deck_pos or a.s.terminal != b.s.terminal):
        return False
    for i in range(min(a.s.num_moves_made, MAX_HISTORY)):
        if a.s.history[i] != b.s.history[i]:
            return False
    for i in range(MAX_COLORS):
        if a.s.fireworks[i] != b.s.fireworks[i]:
            return False
    for i in range(MAX_CARD_IDS):
        if a.s.discarded[i] != b.s.discarded[i]:
            return False
    for i in range(MAX_PLAYERS):
        if a.s.hand_len[i] != b.s.hand_len[i]:
            return False
    # HLE card knowledge is public (it records every hint's touched slots)
    if memcmp(a.s.knowledge, b.s.knowledge, sizeof(a.s.knowledge)) != 0:
        return False
    return True


def same_state(PyHanabiState a, PyHanabiState b) -> bool:
    """Whether two states are the same game at the same point: the public record plus every
    hand and the whole deck order."""
    cdef int p, i
    if not same_public_record(a, b):
        return False
    for i in range(a.s.cfg.deck_size):
        if a.s.deck[i] != b.s.deck[i]:
            return False
    for p in range(MAX_PLAYERS):
        for i in range(a.s.hand_len[p]):
            if a.s.hands[p][i] != b.s.hands[p][i]:
                return False
    return True


cdef void _check_seats_state(BotSeats seats, PyHanabiState state) except *:
    if state is None:
        raise TypeError("state must be a native HanabiState, got None")
    if state.s.cfg.num_players != seats.num_players:
        raise ValueError(f"state has {state.s.cfg.num_players} players, bots were built "
                         f"for {seats.num_players}")
    if state.s.num_moves_made != seats.moves_seen:
        raise ValueError(f"bots have observed {seats.moves_seen} moves but the state has "
                         f"{state.s.num_moves_made}: feed every move to observe() first")


cdef class BotSeats:
    """One bot per seat (all of one kind) following one game through public events.

    ``BotSeats(bot, state)`` starts the bots at the beginning of the game in ``state`` (an
    ``uedtp.csrc.hanabi_engine_state.HanabiState`` with no moves made); ``BotSeats.replay(bot, state)``
    builds them for any state by replaying its history from its deal. Every move of the game must
    be fed to ``observe(pre_move_state, uid)`` *before* it is applied; ``decide(state)`` returns the
    move of the player to move, reading only that player's view.
    """

    def check_follows(self, state) -> None:
        """Raise (TypeError/ValueError naming the mismatch) unless these seats follow ``state``:
        same number of players and every move of ``state`` observed."""
        _check_seats_state(self, state)
    def __init__(self, bot, PyHanabiState state):
        cdef int kind = bot_kind(bot)
        cdef int p, code
        if state.s.num_moves_made != 0:
            raise ValueError(
                f"BotSeats(bot, state) needs a state with no moves made (got "
                f"{state.s.num_moves_made}); use BotSeats.replay(bot, state) for a later state")
        for p in range(state.s.cfg.num_players):
            code = bot_init(&self.seats[p], kind, p, &state.s)
            if code != 0:
                raise ValueError(f"bots cannot play this configuration (error {code})")
        self.kind = kind
        self.num_players = state.s.cfg.num_players
        self.moves_seen = 0

    @staticmethod
    def replay(bot, PyHanabiState state):
        """Bots for ``state`` built by replaying its move history from its deal.

        Returns ``(seats, replayed)``: ``replayed`` is the state rebuilt from the deck array; use
        ``same_public_record(replayed, state)`` to check that the replay saw the same public
        events (hands may differ if a hand was replaced after the deal).
        """
        cdef PyHanabiState start = PyHanabiState.__new__(PyHanabiState)
        cdef BotSeats seats
        cdef int t, uid
        state_new_game_from_deck(&start.s, &state.s.cfg, state.s.deck)
        start.game = state.game
        seats = BotSeats(bot, start)
        for t in range(state.s.num_moves_made):
            uid = state.s.history[t]
            seats.observe(start, uid)
            apply_move(&start.s, uid)
        return seats, start

    @property
    def bot_name(self) -> str:
        return BOT_NAMES[self.kind]

    def observe(self, PyHanabiState pre_state, int uid):
        """Let every seat observe move ``uid`` on the state *before* it is applied."""
        cdef int p
        _check_seats_state(self, pre_state)
        if pre_state.s.terminal:
            raise ValueError("cannot observe a move on a terminal state")
        if uid < 0 or uid >= pre_state.s.cfg.num_moves or not move_is_legal(&pre_state.s, uid):
            raise ValueError(f"move {uid} is not legal in this state")
        bots_observe_all(self.seats, self.num_players, &pre_state.s, uid)
        self.moves_seen += 1

    def decide(self, PyHanabiState state) -> int:
        """The move uid of the bot of the player to move."""
        _check_seats_state(self, state)
        if state.s.terminal:
            raise ValueError("the game is over: no move to decide")
        return bot_decide(&self.seats[state.s.cur_player], &state.s)

    def copy(self):
        """An independent copy of every seat's tables."""
        cdef BotSeats other = BotSeats.__new__(BotSeats)
        memcpy(other.seats, self.seats, sizeof(self.seats))
        other.kind = self.kind
        other.num_players = self.num_players
        other.moves_seen = self.moves_seen
        return other

    def possibilities(self, int seat, int player) -> list:
        """Per slot of ``player``, the card ids seat ``seat``'s bot still considers possible
        (HolmesBot and SmartBot; SimpleBot and ValueBot keep no such table: all cards)."""
        cdef int i, cid
        if not 0 <= seat < self.num_players or not 0 <= player < self.num_players:
            raise ValueError(f"seat and player must be in 0..{self.num_players - 1}")
        out = []
        for i in range(self.seats[seat].rec_len[player]):
            out.append([cid for cid in range(MAX_CARD_IDS)
                         if (self.seats[seat].K[player][i] >> cid) & 1u])
        return out
