# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The native Hanabi engine: HLE rules on the plain struct of ``hanabi_state.pxd``, without the GIL.

One step of the engine (``apply_move``) takes the current player's move uid and
1. decrements ``turns_to_play`` if the deck was already empty when the move is made;
2. applies the move: a discard returns an information token and sends the card to the discard
   pile; a play either extends its colour's firework (finishing a colour returns a token if
   below the maximum) or costs a life and goes to the discard pile; a hint spends a token and
   updates the target's card knowledge (positive hint: the hinted value becomes known and the
   only plausible one; negative hint: the value is struck from the plausible set);
3. after a play or discard, draws the next deck card into the newest hand slot (if any left);
4. records the uid, passes the turn, and marks the state terminal when the lives are gone, all
   fireworks are complete, or ``turns_to_play`` reached 0.

Besides the functions declared in ``hanabi_engine.pxd`` this module has Python-level helpers
for tests and benchmarks (``config_error_message``, ``native_random_games``) and a
multi-threaded (OpenMP) random-rollout kernel ``rollout_scores``.
"""
from libc.string cimport memset
from libc.stdint cimport uint64_t
from cython.parallel cimport prange

from csrc.hanabi_state cimport (HanabiState, HanabiConfig, Move, CardKnowledge, MAX_PLAYERS,
                                MAX_HAND, MAX_COLORS, MAX_RANKS, MAX_CARD_IDS, MAX_DECK,
                                MAX_MOVES, MAX_HISTORY, MOVE_DISCARD, MOVE_PLAY,
                                MOVE_REVEAL_COLOR, MOVE_REVEAL_RANK)
from csrc.rng cimport Rng, rng_seed, rng_below, rng_next

cdef extern from *:
    """
    static inline int uedtp_ctz(unsigned int x) { return __builtin_ctz(x); }
    static const unsigned char uedtp_pc5[32] = {0,1,1,2,1,2,2,3,1,2,2,3,2,3,3,4,
                                                1,2,2,3,2,3,3,4,2,3,3,4,3,4,4,5};
    /* popcount of a <=5-bit mask by table (no -mpopcnt in the build flags) */
    static inline int uedtp_popcount(unsigned int x) { return uedtp_pc5[x & 31u]; }
    /* colour and rank of card id c = colour * 5 + rank, by table (avoids signed division) */
    static const unsigned char uedtp_color_of[25] = {0,0,0,0,0, 1,1,1,1,1, 2,2,2,2,2,
                                                     3,3,3,3,3, 4,4,4,4,4};
    static const unsigned char uedtp_rank_of[25] = {0,1,2,3,4, 0,1,2,3,4, 0,1,2,3,4,
                                                    0,1,2,3,4, 0,1,2,3,4};
    """
    const unsigned char* uedtp_color_of
    const unsigned char* uedtp_rank_of
    int uedtp_ctz(unsigned int x) noexcept nogil
    int uedtp_popcount(unsigned int x) noexcept nogil


# --------------------------------------------------------------------------------------------
# configuration

CONFIG_ERRORS = {
    CFG_BAD_PLAYERS: "num_players must be in 2..5",
    CFG_BAD_COLORS: "num_colors must be in 1..5",
    CFG_BAD_RANKS: "num_ranks must be in 1..5",
    CFG_BAD_HAND: "hand_size must be in 1..5 (or -1 for the HLE default: 5 for 2-3 players, "
                  "4 for 4-5)",
    CFG_BAD_INFO: f"max_information_tokens must be in 1..{MAX_INFO_TOKENS_LIMIT}",
    CFG_BAD_LIFE: f"max_life_tokens must be in 1..{MAX_LIFE_TOKENS_LIMIT}",
    CFG_DECK_TOO_SMALL: "the deck is too small to deal every player a full hand "
                        "(num_players * hand_size > deck size)",
}


def config_error_message(int code) -> str:
    """The message for a negative ``config_init`` return code."""
    return CONFIG_ERRORS.get(code, f"unknown configuration error code {code}")


cdef int config_init(HanabiConfig* cfg, int num_players, int num_colors, int num_ranks,
                     int hand_size, int max_info_tokens, int max_life_tokens) noexcept nogil:
    cdef int r, deck = 0
    if num_players < 2 or num_players > MAX_PLAYERS:
        return CFG_BAD_PLAYERS
    if num_colors < 1 or num_colors > MAX_COLORS:
        return CFG_BAD_COLORS
    if num_ranks < 1 or num_ranks > MAX_RANKS:
        return CFG_BAD_RANKS
    if hand_size == -1:
        hand_size = 5 if num_players < 4 else 4
    if hand_size < 1 or hand_size > MAX_HAND:
        return CFG_BAD_HAND
    if max_info_tokens < 1 or max_info_tokens > MAX_INFO_TOKENS_LIMIT:
        return CFG_BAD_INFO
    if max_life_tokens < 1 or max_life_tokens > MAX_LIFE_TOKENS_LIMIT:
        return CFG_BAD_LIFE
    memset(cfg, 0, sizeof(HanabiConfig))
    for r in range(num_ranks):
        if r == 0:
            cfg.copies[r] = 3
        elif r == num_ranks - 1:
            cfg.copies[r] = 1
        else:
            cfg.copies[r] = 2
        deck += cfg.copies[r] * num_colors
    if num_players * hand_size > deck:
        return CFG_DECK_TOO_SMALL
    cfg.num_players = num_players
    cfg.num_colors = num_colors
    cfg.num_ranks = num_ranks
    cfg.hand_size = hand_size
    cfg.max_info_tokens = max_info_tokens
    cfg.max_life_tokens = max_life_tokens
    cfg.deck_size = deck
    cfg.num_moves = 2 * hand_size + (num_players - 1) * (num_colors + num_ranks)
    return 0


# --------------------------------------------------------------------------------------------
# new games

cdef void state_new_game(HanabiState* s, const HanabiConfig* cfg, Rng* rng) noexcept nogil:
    cdef signed char deck[MAX_DECK]
    cdef int n = fill_ordered_deck(cfg, deck)
    _shuffle(deck, n, rng)
    state_new_game_from_deck(s, cfg, deck)


cdef inline void _shuffle(signed char* a, int n, Rng* rng) noexcept nogil:
    """Fisher-Yates shuffle of a[0:n]; each 64-bit draw yields two indices (32 bits each)."""
    cdef int i = n - 1, j
    cdef uint64_t x
    cdef signed char t
    while i > 0:
        x = rng_next(rng)
        j = <int>(((x >> 32) * <uint64_t>(i + 1)) >> 32)
        t = a[i]
        a[i] = a[j]
        a[j] = t
        i -= 1
        if i > 0:
            j = <int>(((x & <uint64_t>0xFFFFFFFF) * <uint64_t>(i + 1)) >> 32)
            t = a[i]
            a[i] = a[j]
            a[j] = t
            i -= 1


cdef void state_new_game_from_deck(HanabiState* s, const HanabiConfig* cfg,
                                   const signed char* deck) noexcept nogil:
    cdef int p, i
    memset(s, 0, sizeof(HanabiState))
    s.cfg = cfg[0]
    for i in range(cfg.deck_size):
        s.deck[i] = deck[i]
    for p in range(MAX_PLAYERS):
        for i in range(MAX_HAND):
            s.hands[p][i] = -1
            s.knowledge[p][i].color = -1
            s.knowledge[p][i].rank = -1
    s.info_tokens = cfg.max_info_tokens
    s.life_tokens = cfg.max_life_tokens
    s.turns_to_play = cfg.num_players
    for p in range(cfg.num_players):
        for i in range(cfg.hand_size):
            _draw(s, p)
    s.cur_player = 0
    s.terminal = 0


cdef int fill_ordered_deck(const HanabiConfig* cfg, signed char* out) noexcept nogil:
    cdef int c, r, k, n = 0
    for c in range(cfg.num_colors):
        for r in range(cfg.num_ranks):
            for k in range(cfg.copies[r]):
                out[n] = <signed char>(c * MAX_RANKS + r)
                n += 1
    return n


# --------------------------------------------------------------------------------------------
# moves

cdef Move move_from_uid(const HanabiConfig* cfg, int uid) noexcept nogil:
    cdef Move m
    cdef int H = cfg.hand_size, C = cfg.num_colors, R = cfg.num_ranks
    cdef int N1 = cfg.num_players - 1
    cdef int off = 1
    m.type = -1
    m.card_index = -1
    m.target_offset = -1
    m.color = -1
    m.rank = -1
    if uid < 0 or uid >= cfg.num_moves:
        return m
    if uid < H:
        m.type = MOVE_DISCARD
        m.card_index = <signed char>uid
        return m
    uid -= H
    if uid < H:
        m.type = MOVE_PLAY
        m.card_index = <signed char>uid
        return m
    uid -= H
    if uid < N1 * C:
        m.type = MOVE_REVEAL_COLOR
        while uid >= C:             # at most 3 subtractions; avoids an integer division
            uid -= C
            off += 1
        m.target_offset = <signed char>off
        m.color = <signed char>uid
        return m
    uid -= N1 * C
    m.type = MOVE_REVEAL_RANK
    while uid >= R:
        uid -= R
        off += 1
    m.target_offset = <signed char>off
    m.rank = <signed char>uid
    return m


cdef int move_to_uid(const HanabiConfig* cfg, Move m) noexcept nogil:
    cdef int H = cfg.hand_size, C = cfg.num_colors, R = cfg.num_ranks
    cdef int N1 = cfg.num_players - 1
    if m.type == MOVE_DISCARD or m.type == MOVE_PLAY:
        if m.card_index < 0 or m.card_index >= H:
            return -1
        return m.card_index + (H if m.type == MOVE_PLAY else 0)
    if m.target_offset < 1 or m.target_offset > N1:
        return -1
    if m.type == MOVE_REVEAL_COLOR:
        if m.color < 0 or m.color >= C:
            return -1
        return 2 * H + (m.target_offset - 1) * C + m.color
    if m.type == MOVE_REVEAL_RANK:
        if m.rank < 0 or m.rank >= R:
            return -1
        return 2 * H + N1 * C + (m.target_offset - 1) * R + m.rank
    return -1


cdef inline int _target(const HanabiState* s, int offset) noexcept nogil:
    cdef int t = s.cur_player + offset
    return t - s.cfg.num_players if t >= s.cfg.num_players else t


cdef inline unsigned int _color_mask(const HanabiState* s, int player) noexcept nogil:
    cdef unsigned int mask = 0
    cdef int i
    for i in range(s.hand_len[player]):
        mask |= 1u << uedtp_color_of[s.hands[player][i]]
    return mask


cdef inline unsigned int _rank_mask(const HanabiState* s, int player) noexcept nogil:
    cdef unsigned int mask = 0
    cdef int i
    for i in range(s.hand_len[player]):
        mask |= 1u << uedtp_rank_of[s.hands[player][i]]
    return mask


cdef bint move_is_legal(const HanabiState* s, int uid) noexcept nogil:
    cdef Move m
    if s.terminal or uid < 0 or uid >= s.cfg.num_moves:
        return 0
    m = move_from_uid(&s.cfg, uid)
    if m.type == MOVE_DISCARD:
        return m.card_index < s.hand_len[s.cur_player] and s.info_tokens < s.cfg.max_info_tokens
    if m.type == MOVE_PLAY:
        return m.card_index < s.hand_len[s.cur_player]
    if s.info_tokens <= 0:
        return 0
    if m.type == MOVE_REVEAL_COLOR:
        return (_color_mask(s, _target(s, m.target_offset)) >> m.color) & 1
    return (_rank_mask(s, _target(s, m.target_offset)) >> m.rank) & 1


cdef inline void _hand_masks(const HanabiState* s, int player, unsigned int* cmask,
                             unsigned int* rmask) noexcept nogil:
    """Bitmasks of the colours and of the ranks present in ``player``'s hand."""
    cdef unsigned int cm = 0, rm = 0
    cdef int i, card
    for i in range(s.hand_len[player]):
        card = s.hands[player][i]
        cm |= 1u << uedtp_color_of[card]
        rm |= 1u << uedtp_rank_of[card]
    cmask[0] = cm
    rmask[0] = rm


cdef int legal_moves(const HanabiState* s, int* out) noexcept nogil:
    cdef int n = 0, i, off, p
    cdef int H = s.cfg.hand_size, C = s.cfg.num_colors, R = s.cfg.num_ranks
    cdef int N = s.cfg.num_players
    cdef int hl = s.hand_len[s.cur_player]
    cdef int cbase, rbase
    cdef unsigned int cmask, rmask
    if s.terminal:
        return 0
    if s.info_tokens < s.cfg.max_info_tokens:
        for i in range(hl):
            out[n] = i
            n += 1
    for i in range(hl):
        out[n] = H + i
        n += 1
    if s.info_tokens <= 0:
        return n
    # colour hints come before all rank hints: write colours at n, ranks after the colours
    cdef unsigned int rmasks[MAX_PLAYERS]
    cbase = 2 * H
    p = s.cur_player
    for off in range(1, N):
        p += 1
        if p == N:
            p = 0
        _hand_masks(s, p, &cmask, &rmask)
        rmasks[off] = rmask
        for i in range(C):          # branch-free: always write, advance only if legal
            out[n] = cbase + i
            n += (cmask >> i) & 1
        cbase += C
    rbase = cbase
    for off in range(1, N):
        rmask = rmasks[off]
        for i in range(R):
            out[n] = rbase + i
            n += (rmask >> i) & 1
        rbase += R
    return n


cdef inline void _draw(HanabiState* s, int player) noexcept nogil:
    """Deal the next deck card (if any) into the newest slot with fresh, fully plausible knowledge."""
    cdef int k
    if s.deck_pos >= s.cfg.deck_size:
        return
    k = s.hand_len[player]
    s.hands[player][k] = s.deck[s.deck_pos]
    s.knowledge[player][k].color = -1
    s.knowledge[player][k].rank = -1
    s.knowledge[player][k].color_plausible = <unsigned char>((1 << s.cfg.num_colors) - 1)
    s.knowledge[player][k].rank_plausible = <unsigned char>((1 << s.cfg.num_ranks) - 1)
    s.deck_pos += 1
    s.hand_len[player] = k + 1


cdef inline int _remove_card(HanabiState* s, int player, int slot) noexcept nogil:
    """Take the card out of ``slot``; later cards (and their knowledge) shift down one slot."""
    cdef int card = s.hands[player][slot]
    cdef int i, j, last = s.hand_len[player] - 1
    for i in range(MAX_HAND - 1):   # fixed trip count, branch-free: slot i takes slot i+1 if i >= slot
        j = i + (i >= slot)
        s.hands[player][i] = s.hands[player][j]
        s.knowledge[player][i] = s.knowledge[player][j]
    s.hands[player][last] = -1
    s.knowledge[player][last].color = -1
    s.knowledge[player][last].rank = -1
    s.knowledge[player][last].color_plausible = 0
    s.knowledge[player][last].rank_plausible = 0
    s.hand_len[player] = last
    return card


cdef void apply_move(HanabiState* s, int uid) noexcept nogil:
    cdef Move m = move_from_uid(&s.cfg, uid)
    cdef int p = s.cur_player, card, c, r, i, t
    cdef bint draw = 0, complete = 0, match
    cdef unsigned char bit
    cdef CardKnowledge* kn
    if s.deck_pos >= s.cfg.deck_size:
        s.turns_to_play -= 1
    if m.type == MOVE_DISCARD:
        card = _remove_card(s, p, m.card_index)
        s.discarded[card] += 1
        s.discard_pile[s.discard_len] = <signed char>card
        s.discard_len += 1
        if s.info_tokens < s.cfg.max_info_tokens:
            s.info_tokens += 1
        draw = 1
    elif m.type == MOVE_PLAY:
        card = _remove_card(s, p, m.card_index)
        c = uedtp_color_of[card]
        r = uedtp_rank_of[card]
        if s.fireworks[c] == r:
            s.fireworks[c] += 1
            s.fireworks_sum += 1
            if s.fireworks[c] == s.cfg.num_ranks:
                if s.info_tokens < s.cfg.max_info_tokens:
                    s.info_tokens += 1
                complete = _all_complete(s)
        else:
            s.discarded[card] += 1
            s.discard_pile[s.discard_len] = <signed char>card
            s.discard_len += 1
            s.life_tokens -= 1
        draw = 1
    elif m.type == MOVE_REVEAL_COLOR:
        s.info_tokens -= 1
        t = _target(s, m.target_offset)
        bit = <unsigned char>(1 << m.color)
        for i in range(s.hand_len[t]):  # branch-free positive/negative update
            kn = &s.knowledge[t][i]
            match = uedtp_color_of[s.hands[t][i]] == m.color
            kn.color = m.color if match else kn.color
            kn.color_plausible = bit if match else kn.color_plausible & <unsigned char>(~bit)
    else:
        s.info_tokens -= 1
        t = _target(s, m.target_offset)
        bit = <unsigned char>(1 << m.rank)
        for i in range(s.hand_len[t]):
            kn = &s.knowledge[t][i]
            match = uedtp_rank_of[s.hands[t][i]] == m.rank
            kn.rank = m.rank if match else kn.rank
            kn.rank_plausible = bit if match else kn.rank_plausible & <unsigned char>(~bit)
    if s.num_moves_made < MAX_HISTORY:
        s.history[s.num_moves_made] = <signed char>uid
    s.num_moves_made += 1
    s.cur_player = p + 1 if p + 1 < s.cfg.num_players else 0
    if s.life_tokens <= 0 or s.turns_to_play <= 0 or complete:
        # the game is over; like HLE, no replacement card is drawn
        s.terminal = 1
    elif draw:
        _draw(s, p)


cdef inline bint _all_complete(const HanabiState* s) noexcept nogil:
    cdef int c
    for c in range(s.cfg.num_colors):
        if s.fireworks[c] < s.cfg.num_ranks:
            return 0
    return 1


cdef int fireworks_total(const HanabiState* s) noexcept nogil:
    cdef int c, total = 0
    for c in range(s.cfg.num_colors):
        total += s.fireworks[c]
    return total


cdef int state_score(const HanabiState* s) noexcept nogil:
    if s.life_tokens <= 0:
        return 0
    return fireworks_total(s)


# --------------------------------------------------------------------------------------------
# dealing chosen cards (belief sampling)

cdef int unseen_cards(const HanabiState* s, int player, int* counts) noexcept nogil:
    """Per card id, how many copies are in the undrawn deck or in ``player``'s hand.

    These are the cards ``player`` cannot see; returns their total.
    """
    cdef int i, total = 0
    for i in range(MAX_CARD_IDS):
        counts[i] = 0
    for i in range(s.deck_pos, s.cfg.deck_size):
        counts[s.deck[i]] += 1
        total += 1
    for i in range(s.hand_len[player]):
        counts[s.hands[player][i]] += 1
        total += 1
    return total


cdef int set_hand(HanabiState* s, int player, const signed char* cards, Rng* rng) noexcept nogil:
    cdef int counts[MAX_CARD_IDS]
    cdef int i, j, k, n, card, left
    cdef signed char t
    if player < 0 or player >= s.cfg.num_players:
        return SET_BAD_PLAYER
    n = s.hand_len[player]
    unseen_cards(s, player, counts)
    for i in range(n):
        card = cards[i]
        if (card < 0 or card >= MAX_CARD_IDS or card // MAX_RANKS >= s.cfg.num_colors
                or card % MAX_RANKS >= s.cfg.num_ranks):
            return SET_BAD_CARD
        if counts[card] <= 0:
            # undo the reservations made so far is unnecessary: counts is a local copy
            return SET_CARD_UNAVAILABLE
        counts[card] -= 1
    # commit: new hand, then the remaining multiset becomes the undrawn deck
    for i in range(n):
        s.hands[player][i] = cards[i]
    k = s.deck_pos
    for i in range(MAX_CARD_IDS):
        for j in range(counts[i]):
            s.deck[k] = <signed char>i
            k += 1
    if rng != NULL:
        shuffle_undrawn(s, rng)
    return 0


cdef int set_deck(HanabiState* s, const signed char* cards, int n) noexcept nogil:
    cdef int counts[MAX_CARD_IDS]
    cdef int i, card
    if n != s.cfg.deck_size - s.deck_pos:
        return SET_BAD_LENGTH
    for i in range(MAX_CARD_IDS):
        counts[i] = 0
    for i in range(s.deck_pos, s.cfg.deck_size):
        counts[s.deck[i]] += 1
    for i in range(n):
        card = cards[i]
        if card < 0 or card >= MAX_CARD_IDS:
            return SET_BAD_CARD
        if counts[card] <= 0:
            return SET_CARD_UNAVAILABLE
        counts[card] -= 1
    for i in range(n):
        s.deck[s.deck_pos + i] = cards[i]
    return 0


cdef void shuffle_undrawn(HanabiState* s, Rng* rng) noexcept nogil:
    _shuffle(&s.deck[s.deck_pos], s.cfg.deck_size - s.deck_pos, rng)


SET_ERRORS = {
    SET_BAD_PLAYER: "player out of range",
    SET_BAD_CARD: "card id out of range for this configuration",
    SET_CARD_UNAVAILABLE: "card is not available (not in the undrawn deck or the player's hand)",
    SET_BAD_LENGTH: "wrong number of cards",
}


def set_error_message(int code) -> str:
    """The message for a negative ``set_hand``/``set_deck`` return code."""
    return SET_ERRORS.get(code, f"unknown error code {code}")


# --------------------------------------------------------------------------------------------
# random play kernels

cdef int random_legal_move(const HanabiState* s, Rng* rng) noexcept nogil:
    """A uniformly random legal move (-1 if terminal): the same move as
    ``legal_moves(s, out)[rng_below(rng, n)]``, found without writing the list."""
    cdef int H = s.cfg.hand_size, C = s.cfg.num_colors, R = s.cfg.num_ranks
    cdef int N = s.cfg.num_players
    cdef int hl = s.hand_len[s.cur_player]
    cdef int d = hl if s.info_tokens < s.cfg.max_info_tokens else 0
    cdef int total = d + hl, k, off, p, c
    cdef unsigned int cm[MAX_PLAYERS]
    cdef unsigned int rm[MAX_PLAYERS]
    if s.terminal:
        return -1
    if s.info_tokens > 0:
        p = s.cur_player
        for off in range(1, N):
            p += 1
            if p == N:
                p = 0
            _hand_masks(s, p, &cm[off], &rm[off])
            total += uedtp_popcount(cm[off]) + uedtp_popcount(rm[off])
    k = rng_below(rng, total)
    if k < d:
        return k
    k -= d
    if k < hl:
        return H + k
    k -= hl
    for off in range(1, N):
        c = uedtp_popcount(cm[off])
        if k < c:
            return 2 * H + (off - 1) * C + _nth_bit(cm[off], k)
        k -= c
    for off in range(1, N):
        c = uedtp_popcount(rm[off])
        if k < c:
            return 2 * H + (N - 1) * C + (off - 1) * R + _nth_bit(rm[off], k)
        k -= c
    return -1


cdef inline int _nth_bit(unsigned int mask, int k) noexcept nogil:
    """Index of the k-th (0-based) set bit of mask."""
    while k > 0:
        mask &= mask - 1
        k -= 1
    return uedtp_ctz(mask)


cdef int random_playout(HanabiState* s, Rng* rng) noexcept nogil:
    """Play uniformly random legal moves until the game ends; return the number of moves made."""
    cdef int made = 0
    while not s.terminal:
        apply_move(s, random_legal_move(s, rng))
        made += 1
    return made


cdef int _one_rollout(const HanabiState* s, uint64_t seed, uint64_t stream,
                      bint shuffle_deck) noexcept nogil:
    """Score of one random playout from a private copy of ``s`` (thread-safe: all locals)."""
    cdef HanabiState work = s[0]
    cdef Rng rng
    rng_seed(&rng, seed, stream)
    if shuffle_deck:
        shuffle_undrawn(&work, &rng)
    random_playout(&work, &rng)
    return state_score(&work)


cdef void rollout_scores(const HanabiState* s, int n, uint64_t seed, bint shuffle_deck,
                         int num_threads, int* out) noexcept nogil:
    cdef int i
    for i in prange(n, num_threads=num_threads, schedule="static"):
        out[i] = _one_rollout(s, seed, <uint64_t>i, shuffle_deck)


cdef int _one_random_game(const HanabiConfig* cfg, const signed char* ordered, uint64_t seed,
                          uint64_t stream, int* score) noexcept nogil:
    """Deal game number ``stream`` (shuffling a copy of the canonical deck ``ordered``) and play
    it randomly; returns the moves made (thread-safe: all state is local)."""
    cdef HanabiState st
    cdef signed char deck[MAX_DECK]
    cdef Rng rng
    cdef int made, i
    rng_seed(&rng, seed, stream)
    for i in range(cfg.deck_size):
        deck[i] = ordered[i]
    _shuffle(deck, cfg.deck_size, &rng)
    state_new_game_from_deck(&st, cfg, deck)
    made = random_playout(&st, &rng)
    score[0] = state_score(&st)
    return made


cdef long long _random_games(const HanabiConfig* cfg, int n_games, uint64_t seed,
                             int num_threads, long long* score_sum) noexcept nogil:
    cdef long long moves = 0, scores = 0
    cdef int g, sc
    cdef signed char ordered[MAX_DECK]
    fill_ordered_deck(cfg, ordered)
    for g in prange(n_games, num_threads=num_threads, schedule="static"):
        sc = 0
        moves += _one_random_game(cfg, ordered, seed, <uint64_t>g, &sc)
        scores += sc
    score_sum[0] = scores
    return moves


def native_random_games(int players=2, int n_games=10000, uint64_t seed=0, int num_threads=1,
                        int colors=5, int ranks=5, int hand_size=-1, int max_information_tokens=8,
                        int max_life_tokens=3):
    """Deal and play ``n_games`` uniformly random games entirely in native code.

    Returns ``(total_moves, mean_score)``. ``num_threads`` > 1 spreads games over OpenMP threads.
    """
    cdef HanabiConfig cfg
    cdef long long score_sum = 0, moves
    cdef int code = config_init(&cfg, players, colors, ranks, hand_size,
                                max_information_tokens, max_life_tokens)
    if code != 0:
        raise ValueError(f"bad Hanabi configuration: {config_error_message(code)}")
    if n_games < 1:
        raise ValueError(f"n_games must be >= 1, got {n_games}")
    if num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    with nogil:
        moves = _random_games(&cfg, n_games, seed, num_threads, &score_sum)
    return int(moves), <double>score_sum / n_games
