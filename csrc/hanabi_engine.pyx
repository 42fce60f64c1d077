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

Random play (``random_playout``, behind ``native_random_games`` and ``rollout_scores``) has its
own loop: a step draws k below the number of legal moves and applies the k-th legal move in
place, with the state's scalars in registers and every player's hand mask (colours and ranks
held, hence the legal hints) cached, so it never lists moves or decodes a uid. It plays exactly
the game of ``apply_move(random_legal_move())`` (``check_random_playout`` compares the two).

Besides the functions declared in ``hanabi_engine.pxd`` this module has Python-level helpers
for tests and benchmarks (``config_error_message``, ``native_random_games``,
``check_random_playout``) and a multi-threaded (OpenMP) random-rollout kernel
``rollout_scores``.
"""
from libc.string cimport memset, memcpy, memcmp
from libc.stdint cimport uint64_t, uint32_t
from cython.parallel cimport prange

from uedtp.csrc.hanabi_state cimport (HanabiState, HanabiConfig, Move, CardKnowledge, MAX_PLAYERS,
                                      MAX_HAND, MAX_COLORS, MAX_RANKS, MAX_CARD_IDS, MAX_DECK,
                                      MAX_MOVES, MAX_HISTORY, MOVE_DISCARD, MOVE_PLAY,
                                      MOVE_REVEAL_COLOR, MOVE_REVEAL_RANK)
from uedtp.csrc.rng cimport Rng, rng_seed, rng_below, rng_next

cdef extern from *:
    """
    #include <string.h>
    /* Zero / copy n bytes with plain 16-byte vector moves: for a few hundred bytes (one
       HanabiState) this is several times faster than the `rep stosq` / `rep movsq` that
       compilers emit for memset / struct copies of that size. */
    #if defined(__SSE2__)
    #include <emmintrin.h>
    __attribute__((optimize("no-tree-loop-distribute-patterns")))
    static inline void uedtp_zero(void* p, size_t n) {
        char* c = (char*)p;
        size_t i = 0;
        __m128i z = _mm_setzero_si128();
        for (; i + 16 <= n; i += 16) _mm_storeu_si128((__m128i*)(c + i), z);
        if (i < n) memset(c + i, 0, n - i);
    }
    __attribute__((optimize("no-tree-loop-distribute-patterns")))
    static inline void uedtp_copy(void* dst, const void* src, size_t n) {
        char* d = (char*)dst;
        const char* s = (const char*)src;
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            _mm_storeu_si128((__m128i*)(d + i), _mm_loadu_si128((const __m128i*)(s + i)));
        if (i < n) memcpy(d + i, s + i, n - i);
    }
    #else
    static inline void uedtp_zero(void* p, size_t n) { memset(p, 0, n); }
    static inline void uedtp_copy(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }
    #endif
    """
    void uedtp_zero(void* p, size_t n) noexcept nogil
    void uedtp_copy(void* dst, const void* src, size_t n) noexcept nogil


# Lookup tables, filled once at import by _fill_tables() (read-only afterwards, so safe to use
# from any thread). A "hand mask" packs the colours present in a hand into bits 0-4 and the
# ranks present into bits 5-9, so one OR per card gives both hint-legality masks.
cdef enum:
    RANK_SHIFT = 5
    LOW5 = 31
cdef unsigned char _COLOR_OF[MAX_CARD_IDS]      # card id -> colour
cdef unsigned char _RANK_OF[MAX_CARD_IDS]       # card id -> rank
cdef unsigned short _CARD_BITS[MAX_CARD_IDS]    # card id -> 1 << colour | 1 << (5 + rank)
cdef unsigned char _POP[1024]                   # popcount of a 10-bit mask
cdef unsigned char _NTH[32][MAX_COLORS]         # index of the k-th set bit of a 5-bit mask
cdef unsigned char _DIV[MAX_COLORS + 1][32]     # x // d for d in 1..5, x < 32
# Word masks of a hint's knowledge update (see _reveal_row), by kind (0 colour, 1 rank) and value.
cdef uint32_t _HINT_CLEAR[2]
cdef uint32_t _HINT_SET[2][MAX_COLORS]
cdef uint32_t _HINT_STRIKE[2][MAX_COLORS]
cdef uint32_t _HINT_CARDS[2][MAX_COLORS]        # bit c set: card id c has that colour/rank


def _fill_tables() -> None:
    """Fill the module's lookup tables (called once at import)."""
    cdef int c, m, k, d, x, bit, kind, value
    cdef CardKnowledge clear, setv, strike
    for c in range(MAX_CARD_IDS):
        _COLOR_OF[c] = c // MAX_RANKS
        _RANK_OF[c] = c % MAX_RANKS
        _CARD_BITS[c] = (1 << (c // MAX_RANKS)) | (1 << (RANK_SHIFT + c % MAX_RANKS))
    for m in range(1024):
        _POP[m] = bin(m).count("1")
    for m in range(32):
        k = 0
        for bit in range(MAX_COLORS):
            _NTH[m][bit] = 0
        for bit in range(MAX_COLORS):
            if (m >> bit) & 1:
                _NTH[m][k] = bit
                k += 1
    for d in range(MAX_COLORS + 1):
        for x in range(32):
            _DIV[d][x] = x // d if d > 0 else 0
    for kind in range(2):
        for value in range(MAX_COLORS):
            # bytewise through the struct, so the words are right in either byte order
            memset(&clear, 0, 4)
            memset(&setv, 0, 4)
            memset(&strike, 0, 4)
            if kind == 0:
                clear.color = -1
                clear.color_plausible = 0xFF
                setv.color = value
                setv.color_plausible = 1 << value
                strike.color_plausible = 1 << value
            else:
                clear.rank = -1
                clear.rank_plausible = 0xFF
                setv.rank = value
                setv.rank_plausible = 1 << value
                strike.rank_plausible = 1 << value
            memcpy(&_HINT_CLEAR[kind], &clear, 4)
            memcpy(&_HINT_SET[kind][value], &setv, 4)
            memcpy(&_HINT_STRIKE[kind][value], &strike, 4)
            _HINT_CARDS[kind][value] = 0
            for c in range(MAX_CARD_IDS):
                if (c % MAX_RANKS if kind else c // MAX_RANKS) == value:
                    _HINT_CARDS[kind][value] |= 1u << c


_fill_tables()


cdef inline int _sel(bint c, int a, int b) noexcept nogil:
    """``a if c else b`` as arithmetic (no branch to mispredict on random outcomes)."""
    return b ^ ((a ^ b) & -c)


cdef inline unsigned int _hand_bits(const HanabiState* s, int player) noexcept nogil:
    """Hand mask of ``player``: colours present in bits 0-4, ranks present in bits 5-9."""
    cdef unsigned int m = 0
    cdef int i
    for i in range(s.hand_len[player]):
        m |= _CARD_BITS[s.hands[player][i]]
    return m


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
    uedtp_zero(s, sizeof(HanabiState))
    s.cfg = cfg[0]
    memcpy(s.deck, deck, cfg.deck_size)
    _deal_hands(s)


cdef inline CardKnowledge _empty_knowledge() noexcept nogil:
    """Knowledge of an empty hand slot: no card, nothing plausible."""
    cdef CardKnowledge k
    k.color = -1
    k.rank = -1
    k.color_plausible = 0
    k.rank_plausible = 0
    return k


cdef inline CardKnowledge _fresh_knowledge(const HanabiState* s) noexcept nogil:
    """Knowledge of a newly drawn card: no hint yet, every colour and rank plausible."""
    cdef CardKnowledge k
    k.color = -1
    k.rank = -1
    k.color_plausible = <unsigned char>((1 << s.cfg.num_colors) - 1)
    k.rank_plausible = <unsigned char>((1 << s.cfg.num_ranks) - 1)
    return k


cdef inline void _deal_hands(HanabiState* s) noexcept nogil:
    """Deal every player a full hand from the top of ``s.deck`` into a zeroed state (``s.cfg`` and
    ``s.deck`` already set): empty slots hold card -1 with knowledge (-1, -1, 0, 0), dealt cards
    have fully plausible knowledge; tokens full, player 0 to move."""
    cdef int p, i, k = 0
    cdef int H = s.cfg.hand_size
    cdef CardKnowledge empty = _empty_knowledge()
    cdef CardKnowledge fresh = _fresh_knowledge(s)
    memset(s.hands, -1, sizeof(s.hands))
    for p in range(MAX_PLAYERS):
        for i in range(MAX_HAND):
            s.knowledge[p][i] = empty
    for p in range(s.cfg.num_players):
        for i in range(H):
            s.hands[p][i] = s.deck[k]
            s.knowledge[p][i] = fresh
            k += 1
        s.hand_len[p] = H
    s.deck_pos = k
    s.info_tokens = s.cfg.max_info_tokens
    s.life_tokens = s.cfg.max_life_tokens
    s.turns_to_play = s.cfg.num_players


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
    return t - (s.cfg.num_players & -(t >= s.cfg.num_players))


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
        return (_hand_bits(s, _target(s, m.target_offset)) >> m.color) & 1
    return (_hand_bits(s, _target(s, m.target_offset)) >> (RANK_SHIFT + m.rank)) & 1


cdef int legal_moves(const HanabiState* s, int* out) noexcept nogil:
    cdef int n = 0, i, off, p
    cdef int H = s.cfg.hand_size, C = s.cfg.num_colors, R = s.cfg.num_ranks
    cdef int N = s.cfg.num_players
    cdef int hl = s.hand_len[s.cur_player]
    cdef int cbase, rbase
    cdef unsigned int bits
    cdef unsigned int rmasks[MAX_PLAYERS]
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
    cbase = 2 * H
    p = s.cur_player
    for off in range(1, N):
        p += 1
        if p == N:
            p = 0
        bits = _hand_bits(s, p)
        rmasks[off] = bits >> RANK_SHIFT
        for i in range(C):          # branch-free: always write, advance only if legal
            out[n] = cbase + i
            n += (bits >> i) & 1
        cbase += C
    rbase = cbase
    for off in range(1, N):
        bits = rmasks[off]
        for i in range(R):
            out[n] = rbase + i
            n += (bits >> i) & 1
        rbase += R
    return n


# ---- one move, in pieces shared by apply_move and the random-playout loop ----------------------

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


cdef inline bint _do_card_move(HanabiState* s, int p, int slot, bint is_play) noexcept nogil:
    """Discard or play ``slot`` of player ``p`` (without the replacement draw).

    A discard returns an information token (if below the maximum) and sends the card to the
    discard pile; a play that fits extends its colour's firework, otherwise it costs a life and
    the card goes to the discard pile. Written branch-free (random moves make these outcomes
    unpredictable); only completing a colour branches. Returns whether every firework is now
    complete."""
    cdef int card = _remove_card(s, p, slot)
    cdef int c = _COLOR_OF[card]
    cdef int fits = is_play & (s.fireworks[c] == _RANK_OF[card])
    cdef int to_pile = fits ^ 1
    cdef int n = s.discard_len
    s.discarded[card] += to_pile
    s.discard_pile[n] = <signed char>_sel(to_pile, card, s.discard_pile[n])
    s.discard_len = n + to_pile
    s.life_tokens -= is_play & to_pile
    s.info_tokens += (is_play ^ 1) & (s.info_tokens < s.cfg.max_info_tokens)
    s.fireworks[c] += fits
    s.fireworks_sum += fits
    if fits and s.fireworks[c] == s.cfg.num_ranks:
        if s.info_tokens < s.cfg.max_info_tokens:
            s.info_tokens += 1
        return _all_complete(s)
    return 0


cdef inline void _do_reveal(HanabiState* s, int t, int is_rank, int value) noexcept nogil:
    """Hint colour ``value`` (is_rank 0) or rank ``value`` (is_rank 1) to player ``t``: spend a
    token and update the knowledge of t's cards (``_reveal_row``)."""
    s.info_tokens -= 1
    _reveal_row(&s.knowledge[t][0], &s.hands[t][0], s.hand_len[t], is_rank, value)


cdef inline void _reveal_row(CardKnowledge* row, const signed char* cards, int n, int is_rank,
                             int value) noexcept nogil:
    """Knowledge update of a hint: of the n cards, the ones whose colour (is_rank 0) or rank
    (is_rank 1) equals ``value`` learn it (it becomes the only plausible one); the others strike
    it from their plausible set.

    Branch-free and one 32-bit word per card: a ``CardKnowledge`` is the four bytes (color,
    rank, color_plausible, rank_plausible), so the kind of hint picks bytes ``is_rank`` and
    ``2 + is_rank``; the word masks come from tables built bytewise at import, so byte order
    does not matter."""
    # a card keeps w & keep (keep = ~strike, or ~clear on a match) and gains setv on a match
    cdef uint32_t keep_miss = ~_HINT_STRIKE[is_rank][value]
    cdef uint32_t keep_flip = keep_miss ^ ~_HINT_CLEAR[is_rank]
    cdef uint32_t setv = _HINT_SET[is_rank][value], w, m
    cdef uint32_t matching = _HINT_CARDS[is_rank][value]     # bit c set: card id c matches
    cdef int i
    for i in range(n):
        m = <uint32_t>0 - ((matching >> cards[i]) & 1)         # all ones on a match
        memcpy(&w, &row[i], 4)
        w = (w & (keep_miss ^ (keep_flip & m))) | (setv & m)
        memcpy(&row[i], &w, 4)


cdef inline void _begin_move(HanabiState* s) noexcept nogil:
    """A move made with the deck already empty uses up one of the final turns."""
    if s.deck_pos >= s.cfg.deck_size:
        s.turns_to_play -= 1


cdef inline void _end_move(HanabiState* s, int uid, int p, bint draw, bint complete) noexcept nogil:
    """Record ``uid``, pass the turn, detect the end; otherwise replace a played/discarded card."""
    if s.num_moves_made < MAX_HISTORY:
        s.history[s.num_moves_made] = <signed char>uid
    s.num_moves_made += 1
    s.cur_player = _sel(p + 1 < s.cfg.num_players, p + 1, 0)
    if s.life_tokens <= 0 or s.turns_to_play <= 0 or complete:
        # the game is over; like HLE, no replacement card is drawn
        s.terminal = 1
    elif draw:
        _draw(s, p)


cdef void apply_move(HanabiState* s, int uid) noexcept nogil:
    cdef int p = s.cur_player
    cdef int H = s.cfg.hand_size
    cdef int x, q, d, size
    cdef bint complete = 0, is_rank
    if uid < 0 or uid >= s.cfg.num_moves:
        return                      # not a move of this game: nothing to apply
    _begin_move(s)
    if uid < 2 * H:
        complete = _do_card_move(s, p, uid - (H & -(uid >= H)), uid >= H)
    else:
        # hints: colour hints to every target first, then rank hints (HLE order); the target
        # offset and the value come from a division table instead of a loop
        x = uid - 2 * H
        d = (s.cfg.num_players - 1) * s.cfg.num_colors
        is_rank = x >= d
        x -= d & -is_rank
        size = _sel(is_rank, s.cfg.num_ranks, s.cfg.num_colors)
        q = _DIV[size][x]                               # target offset - 1
        _do_reveal(s, _target(s, q + 1), is_rank, x - q * size)
    _end_move(s, uid, p, uid < 2 * H, complete)


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
    cdef int H = s.cfg.hand_size
    cdef int N = s.cfg.num_players
    cdef int p = s.cur_player
    cdef int hl = s.hand_len[p]
    cdef int d = hl if s.info_tokens < s.cfg.max_info_tokens else 0
    cdef int total = d + hl, k, q, target, is_rank, value
    cdef unsigned int bits[MAX_PLAYERS]
    if s.terminal:
        return -1
    if s.info_tokens > 0:
        for q in range(N):
            bits[q] = _hand_bits(s, q) if q != p else 0
            total += _POP[bits[q]]
    if total <= 0:
        return -1
    k = rng_below(rng, total)
    if k < d:
        return k
    k -= d
    if k < hl:
        return H + k
    return _kth_hint(&s.cfg, N, p, bits, k - hl, &target, &is_rank, &value)


cdef inline int _kth_hint(const HanabiConfig* cfg, const int N, int p, const unsigned int* bits,
                          int k, int* target, int* is_rank, int* value) noexcept nogil:
    """The k-th legal hint of player ``p`` in uid order (colour hints to the players at offsets
    1..N-1, then rank hints to them), given every player's hand mask ``bits``. Returns its uid
    and sets the target player, the kind (0 colour, 1 rank) and the value.

    Branch-free: the 2(N-1) groups (colour/rank x target) are scanned with a fixed trip count,
    counting the groups that end at or before k."""
    cdef int G = N - 1, j, q = p, acc = 0, base = 0, g = 0, off
    cdef bint past, rank
    cdef unsigned int groups[2 * MAX_PLAYERS]
    for j in range(G):
        q += 1
        q -= N & -(q >= N)
        groups[j] = bits[q] & LOW5
        groups[G + j] = bits[q] >> RANK_SHIFT
    for j in range(2 * G):
        acc += _POP[groups[j]]
        past = acc <= k
        g += past
        base = _sel(past, acc, base)
    rank = g >= G
    off = g - (G & -rank)                               # target offset - 1
    q = p + off + 1
    target[0] = q - (N & -(q >= N))
    is_rank[0] = rank
    value[0] = _NTH[groups[g]][k - base]
    return (2 * cfg.hand_size + _sel(rank, G * cfg.num_colors + off * cfg.num_ranks,
                                     off * cfg.num_colors) + value[0])


cdef int random_playout(HanabiState* s, Rng* rng) noexcept nogil:
    """Play uniformly random legal moves until the game ends; return the number of moves made.

    Dispatches on the number of players so that each copy of the loop (``_playout``) is
    compiled with N a constant (its per-player loops unroll)."""
    cdef int N = s.cfg.num_players
    if N == 2:
        return _playout(s, rng, 2)
    if N == 3:
        return _playout(s, rng, 3)
    if N == 4:
        return _playout(s, rng, 4)
    return _playout(s, rng, 5)


cdef inline int _playout(HanabiState* s, Rng* rng, const int N) noexcept nogil:
    """The random-playout loop of ``random_playout`` for N = ``s.cfg.num_players`` players.

    One step draws k uniformly below the number of legal moves and applies the k-th legal move
    (uid order) directly, without listing the moves or decoding a uid. It is the same game, with
    the same draws from ``rng``, as repeating ``apply_move(s, random_legal_move(s, rng))``
    (tests compare the two move by move); it is only faster: the scalar fields of the state live
    in locals (registers) until the game ends, and every player's hand mask and hint count are
    kept up to date incrementally, so a step never rescans the other hands."""
    cdef Rng r = rng[0]                  # local copy: stays in registers across the state writes
    cdef int H = s.cfg.hand_size, R = s.cfg.num_ranks
    cdef int max_info = s.cfg.max_info_tokens, deck_size = s.cfg.deck_size
    cdef int p = s.cur_player, info = s.info_tokens, life = s.life_tokens, pos = s.deck_pos
    cdef int turns = s.turns_to_play, nmm = s.num_moves_made, dlen = s.discard_len
    cdef int fsum = s.fireworks_sum
    cdef bint done = s.terminal, complete, is_play, fits, to_pile
    cdef int hl[MAX_PLAYERS]
    cdef unsigned int bits[MAX_PLAYERS]
    cdef int hints[MAX_PLAYERS]
    cdef int all_hints = 0, made = 0, q, h, d, total, k, uid, slot, card, c, i, j
    cdef int target, is_rank, value
    cdef CardKnowledge empty = _empty_knowledge()
    cdef CardKnowledge fresh = _fresh_knowledge(s)
    for q in range(N):
        hl[q] = s.hand_len[q]
        bits[q] = _hand_bits(s, q)
        hints[q] = _POP[bits[q]]
        all_hints += hints[q]
    while not done:
        h = hl[p]
        d = h & -(info < max_info)
        total = d + h + ((all_hints - hints[p]) & -(info > 0))
        if total <= 0:
            break                        # no legal move (cannot happen under HLE rules)
        k = rng_below(&r, total)
        turns -= pos >= deck_size        # a move made with the deck empty uses a final turn
        complete = 0
        if k < d + h:
            # play or discard: take the card out, later cards shift down (as _remove_card)
            is_play = k >= d
            slot = k - (d & -is_play)
            uid = slot + (H & -is_play)
            card = s.hands[p][slot]
            for i in range(MAX_HAND - 1):
                j = i + (i >= slot)
                s.hands[p][i] = s.hands[p][j]
                s.knowledge[p][i] = s.knowledge[p][j]
            h -= 1
            s.hands[p][h] = -1
            s.knowledge[p][h] = empty
            # outcome, branch-free as in _do_card_move
            c = _COLOR_OF[card]
            fits = is_play & (s.fireworks[c] == _RANK_OF[card])
            to_pile = fits ^ 1
            s.discarded[card] += to_pile
            s.discard_pile[dlen] = <signed char>_sel(to_pile, card, s.discard_pile[dlen])
            dlen += to_pile
            life -= is_play & to_pile
            info += (is_play ^ 1) & (info < max_info)
            s.fireworks[c] += fits
            fsum += fits
            if fits and s.fireworks[c] == R:
                info += info < max_info
                complete = _all_complete(s)
            if life > 0 and turns > 0 and not complete and pos < deck_size:
                s.hands[p][h] = s.deck[pos]      # replacement card (none once the game is over)
                s.knowledge[p][h] = fresh
                pos += 1
                h += 1
            hl[p] = h
            bits[p] = 0
            for i in range(h):
                bits[p] |= _CARD_BITS[s.hands[p][i]]
            all_hints += _POP[bits[p]] - hints[p]
            hints[p] = _POP[bits[p]]
        else:
            # hint (as _do_reveal)
            uid = _kth_hint(&s.cfg, N, p, bits, k - d - h, &target, &is_rank, &value)
            info -= 1
            _reveal_row(&s.knowledge[target][0], &s.hands[target][0], hl[target], is_rank, value)
        if nmm < MAX_HISTORY:
            s.history[nmm] = <signed char>uid
        nmm += 1
        p = _sel(p + 1 < N, p + 1, 0)
        done = life <= 0 or turns <= 0 or complete
        made += 1
    s.cur_player = p
    s.info_tokens = info
    s.life_tokens = life
    s.deck_pos = pos
    s.turns_to_play = turns
    s.num_moves_made = nmm
    s.discard_len = dlen
    s.fireworks_sum = fsum
    s.terminal = done
    for q in range(N):
        s.hand_len[q] = hl[q]
    rng[0] = r
    return made


cdef int _one_rollout(const HanabiState* s, uint64_t seed, uint64_t stream,
                      bint shuffle_deck) noexcept nogil:
    """Score of one random playout from a private copy of ``s`` (thread-safe: all locals)."""
    cdef HanabiState work
    cdef Rng rng
    uedtp_copy(&work, s, sizeof(HanabiState))
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
    """Deal game number ``stream`` (shuffling the canonical deck ``ordered``, MAX_DECK entries
    with zeros past the deck, in the new state's deck) and play it randomly; returns the moves
    made (thread-safe: all state is local)."""
    cdef HanabiState st
    cdef Rng rng
    cdef int made
    rng_seed(&rng, seed, stream)
    uedtp_zero(&st, sizeof(HanabiState))
    st.cfg = cfg[0]
    memcpy(st.deck, ordered, MAX_DECK)      # fixed size (a few vector moves); zeros past the deck
    _shuffle(st.deck, cfg.deck_size, &rng)
    _deal_hands(&st)
    made = random_playout(&st, &rng)
    score[0] = state_score(&st)
    return made


cdef long long _random_games(const HanabiConfig* cfg, int n_games, uint64_t seed,
                             int num_threads, long long* score_sum) noexcept nogil:
    cdef long long moves = 0, scores = 0
    cdef int g, sc
    cdef signed char ordered[MAX_DECK]
    memset(ordered, 0, MAX_DECK)
    fill_ordered_deck(cfg, ordered)
    for g in prange(n_games, num_threads=num_threads, schedule="static"):
        sc = 0
        moves += _one_random_game(cfg, ordered, seed, <uint64_t>g, &sc)
        scores += sc
    score_sum[0] = scores
    return moves


cdef int _config_for_games(HanabiConfig* cfg, int players, int colors, int ranks, int hand_size,
                           int max_information_tokens, int max_life_tokens,
                           int n_games) except -1:
    """Fill ``cfg`` for a batch of ``n_games`` native games; ValueError naming a bad setting."""
    cdef int code = config_init(cfg, players, colors, ranks, hand_size, max_information_tokens,
                                max_life_tokens)
    if code != 0:
        raise ValueError(f"bad Hanabi configuration: {config_error_message(code)}")
    if n_games < 1:
        raise ValueError(f"n_games must be >= 1, got {n_games}")
    return 0


def native_random_games(int players=2, int n_games=10000, uint64_t seed=0, int num_threads=1,
                        int colors=5, int ranks=5, int hand_size=-1, int max_information_tokens=8,
                        int max_life_tokens=3):
    """Deal and play ``n_games`` uniformly random games entirely in native code.

    Returns ``(total_moves, mean_score)``. ``num_threads`` > 1 spreads games over OpenMP threads.
    """
    cdef HanabiConfig cfg
    cdef long long score_sum = 0, moves
    _config_for_games(&cfg, players, colors, ranks, hand_size, max_information_tokens,
                      max_life_tokens, n_games)
    if num_threads < 1:
        raise ValueError(f"num_threads must be >= 1, got {num_threads}")
    with nogil:
        moves = _random_games(&cfg, n_games, seed, num_threads, &score_sum)
    return int(moves), <double>score_sum / n_games


# --------------------------------------------------------------------------------------------
# self-check of the random-play loop (used by the tests)

cdef void _check_one_game(const HanabiConfig* cfg, uint64_t seed, uint64_t stream,
                          long long* counts) noexcept nogil:
    """Play deal ``stream`` with the reference loop ``apply_move(random_legal_move())`` and with
    ``random_playout`` taking over after ``stream % (moves + 1)`` reference moves; compare the
    final states and generators byte for byte. Every reference move is also checked against
    ``legal_moves``, ``move_is_legal`` and the ``legal_moves(s)[rng_below(n)]`` rule.
    counts: [moves, mismatches, illegal]."""
    cdef HanabiState start, ref, fast
    cdef Rng rng0, rref, rfast, rcheck
    cdef int moves[MAX_MOVES]
    cdef int n, uid, made = 0, split, i
    cdef bint found
    rng_seed(&rng0, seed, stream)
    state_new_game(&start, cfg, &rng0)
    ref = start
    rref = rng0
    while not ref.terminal:
        n = legal_moves(&ref, moves)
        rcheck = rref
        uid = random_legal_move(&ref, &rref)
        found = 0
        for i in range(n):
            found = found or moves[i] == uid
        if (not found or not move_is_legal(&ref, uid) or n == 0
                or moves[rng_below(&rcheck, n)] != uid):
            counts[2] += 1
            return
        apply_move(&ref, uid)
        made += 1
    counts[0] += made
    split = <int>(stream % <uint64_t>(made + 1))
    fast = start
    rfast = rng0
    for i in range(split):
        apply_move(&fast, random_legal_move(&fast, &rfast))
    random_playout(&fast, &rfast)
    if (memcmp(&fast, &ref, sizeof(HanabiState)) != 0
            or memcmp(&rfast, &rref, sizeof(Rng)) != 0):
        counts[1] += 1


def check_random_playout(int players=2, int n_games=200, uint64_t seed=0, int colors=5,
                         int ranks=5, int hand_size=-1, int max_information_tokens=8,
                         int max_life_tokens=3) -> dict:
    """Check the fast random-play loop against the reference move-by-move loop on ``n_games``
    seeded deals (see ``_check_one_game``). Returns ``{"games", "moves", "mismatches",
    "illegal"}``; a correct engine has no mismatches and no illegal moves."""
    cdef HanabiConfig cfg
    cdef long long counts[3]
    cdef int g
    _config_for_games(&cfg, players, colors, ranks, hand_size, max_information_tokens,
                      max_life_tokens, n_games)
    counts[0] = counts[1] = counts[2] = 0
    with nogil:
        for g in range(n_games):
            _check_one_game(&cfg, seed, <uint64_t>g, counts)
    return {"games": n_games, "moves": int(counts[0]), "mismatches": int(counts[1]),
            "illegal": int(counts[2])}
