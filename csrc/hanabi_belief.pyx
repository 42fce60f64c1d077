# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Native kernels of the Hanabi own-hand belief: game traces, hand enumeration/sampling and the
blueprint likelihood of past partner moves under hypothetical hands.

The belief of player i about its own hand h (see search/hanabi/beliefs.py) is
    P(h | what i saw) ∝ prior(h) · Π_t π_j(t)(m_t | i's hand at t under h)
over hands consistent with the hints i received; the prior counts the ways the unseen cards can
be dealt (Π_c n_c (n_c - 1) ... over the multiset of unseen copies n_c), and the product runs over
the past moves m_t of partners j(t), each the epsilon-mixed blueprint bot's probability.

One step of each kernel:
- ``GameTrace.extend``: replay one more move from the deal, storing the pre-move state and every
  seat's bot tables (the bots observe public events on the pre-move snapshot) and the mover's
  tables refreshed for its decision;
- ``enumerate_hands``: depth-first enumeration of every hand whose slots lie in the per-slot
  candidate sets and whose multiplicities fit the unseen counts (stops past a cap);
- ``sample_hands``: one sequential draw from a mixture of two count-weighted proposals (slot by
  slot, each card in proportion to its unseen copies), with the log importance ratio
  prior/proposal;
- ``GameTrace.log_likelihoods``: for one (past move t, hypothetical hand) pair, copy snapshot t,
  write i's hand at t (hypothetical cards for slots still held, public identities for cards since
  played or discarded), ask the mover's bot for its move and score the observed move
  (OpenMP over pairs, no GIL);
- ``GameTrace.replay_log_likelihoods``: the same, but replaying every seat's tables from move t0
  under the hypothesis, for tables that depend on the hypothesis (SmartBot's discard-finesse
  reading looks at other players' newest cards).
"""
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memcmp
from libc.math cimport log, exp, INFINITY
from libc.stdint cimport uint64_t
from cython.parallel cimport prange

import numpy as np

from uedtp.csrc.hanabi_state cimport (HanabiState, MAX_PLAYERS, MAX_HAND, MAX_CARD_IDS, MAX_RANKS,
                                      MAX_MOVES, MAX_HISTORY, MAX_DECK, MOVE_PLAY, MOVE_DISCARD, Move)
from uedtp.csrc.hanabi_engine cimport (state_new_game_from_deck, apply_move, legal_moves, move_is_legal,
                                       unseen_cards, move_from_uid)
from uedtp.csrc.hanabi_bots cimport (BotState, BotSeats, bot_init, bot_refresh, bot_decide,
                                     bots_observe_all, BOT_SIMPLE, BOT_SMART)
from uedtp.csrc.hanabi_engine_state cimport HanabiState as PyHanabiState
from uedtp.csrc.rng cimport Rng, rng_seed, rng_uniform

from uedtp.csrc.hanabi_bots import bot_kind, BOT_NAMES, same_public_record

# source codes of a past hand slot: 0..MAX_HAND-1 = current slot, PUBLIC_BASE + card = public card
cdef enum:
    PUBLIC_BASE = 32
PUBLIC = PUBLIC_BASE


# ----------------------------------------------------------------------------------------------
# Likelihood of one past move
# ----------------------------------------------------------------------------------------------

cdef double move_log_likelihood(const HanabiState* snap, const BotState* actor_table,
                                int player, const signed char* hand_at_t, int observed,
                                double eps) noexcept nogil:
    cdef HanabiState work = snap[0]
    cdef int moves[MAX_MOVES]
    cdef int j, n, uid
    cdef double p
    for j in range(work.hand_len[player]):
        work.hands[player][j] = hand_at_t[j]
    uid = bot_decide(actor_table, &work)
    n = legal_moves(&work, moves)
    if n <= 0:
        return -INFINITY
    if not move_is_legal(&work, uid):
        uid = moves[0]
    p = eps / n
    if uid == observed:
        p += 1.0 - eps
    if p <= 0.0:
        return -INFINITY
    return log(p)


cdef inline void hand_at(const short* src, int length, const signed char* hand,
                         signed char* out) noexcept nogil:
    cdef int j, code
    for j in range(length):
        code = src[j]
        if code < PUBLIC_BASE:
            out[j] = hand[code]
        else:
            out[j] = <signed char>(code - PUBLIC_BASE)


cdef double pair_log_likelihood(const HanabiState* snap, const BotState* table, int player,
                                const short* src, const signed char* hand, int observed,
                                double eps) noexcept nogil:
    cdef signed char h[MAX_HAND]
    hand_at(src, snap.hand_len[player], hand, h)
    return move_log_likelihood(snap, table, player, h, observed, eps)


cdef double replay_one(const HanabiState* states, const BotState* start_tables, const signed char* moves,
                       int n_players, int player, int t0, int t1, const short* src,
                       const signed char* hand, double eps) noexcept nogil:
    """Sum over t0 <= t < t1 (partner moves) of the log-likelihood with every seat's tables
    replayed from t0 under the hypothesis (src: MAX_HAND codes per move, rows t0..t1-1)."""
    cdef BotState tabs[MAX_PLAYERS]
    cdef HanabiState work
    cdef signed char h[MAX_HAND]
    cdef int t, j, actor
    cdef double total = 0.0
    memcpy(tabs, start_tables, n_players * sizeof(BotState))
    for t in range(t0, t1):
        work = states[t]
        hand_at(src + (t - t0) * MAX_HAND, work.hand_len[player], hand, h)
        for j in range(work.hand_len[player]):
            work.hands[player][j] = h[j]
        actor = work.cur_player
        if actor != player:
            bot_refresh(&tabs[actor], &work)
            total += move_log_likelihood(&work, &tabs[actor], player, h, moves[t], eps)
        bots_observe_all(tabs, n_players, &work, moves[t])
    return total


# ----------------------------------------------------------------------------------------------
# Likelihood cache: (move index, observer's hand at that move) -> log-likelihood
# ----------------------------------------------------------------------------------------------

cdef inline uint64_t mix64(uint64_t x) noexcept nogil:
    x ^= x >> 33
    x *= <uint64_t>0xFF51AFD7ED558CCD
    x ^= x >> 33
    return x


cdef class LikelihoodCache:
    """Open-addressing hash map from (past move t, observer's hand at t) to the log blueprint
    likelihood of that move, for one observer of one traced game. Entries never change: the
    snapshot, the mover's tables and the observed move at t are fixed once traced."""
    cdef uint64_t* keys          # 0 = empty slot
    cdef double* vals
    cdef long cap
    cdef readonly long size

    def __cinit__(self, long capacity=1 << 14):
        cdef long c = 16
        while c < capacity:
            c <<= 1
        self.keys = <uint64_t*>calloc(c, sizeof(uint64_t))
        self.vals = <double*>malloc(c * sizeof(double))
        if self.keys == NULL or self.vals == NULL:
            raise MemoryError("cannot allocate the likelihood cache")
        self.cap = c
        self.size = 0

    def __dealloc__(self):
        free(self.keys)
        free(self.vals)

    def __len__(self) -> int:
        return self.size

    cdef inline long find(self, uint64_t key) noexcept nogil:
        cdef long mask = self.cap - 1
        cdef long i = <long>(mix64(key) & <uint64_t>mask)
        while self.keys[i] != 0 and self.keys[i] != key:
            i = (i + 1) & mask
        return i

    cdef int reserve(self, long extra) except -1:
        """Make room for `extra` more keys at load factor <= 1/2."""
        cdef long c = self.cap
        cdef long i, j, old_cap = self.cap
        cdef uint64_t* ok = self.keys
        cdef double* ov = self.vals
        while 2 * (self.size + extra) > c:
            c <<= 1
        if c == old_cap:
            return 0
        self.keys = <uint64_t*>calloc(c, sizeof(uint64_t))
        self.vals = <double*>malloc(c * sizeof(double))
        if self.keys == NULL or self.vals == NULL:
            raise MemoryError("cannot grow the likelihood cache")
        self.cap = c
        for i in range(old_cap):
            if ok[i] != 0:
                j = self.find(ok[i])
                self.keys[j] = ok[i]
                self.vals[j] = ov[i]
        free(ok)
        free(ov)
        return 0


cdef inline uint64_t pair_key(int t, const short* src, int length, const signed char* hand) noexcept nogil:
    cdef uint64_t key = <uint64_t>(t + 1) << 32
    cdef int j, code, card
    for j in range(length):
        code = src[j]
        card = hand[code] if code < PUBLIC_BASE else code - PUBLIC_BASE
        key |= (<uint64_t>card) << (5 * j)
    return key


# ----------------------------------------------------------------------------------------------
# Game trace
# ----------------------------------------------------------------------------------------------

cdef class GameTrace:
    """Snapshots of one game for belief computation: ``GameTrace(bot, state)`` replays
    ``state``'s history from its deal with one ``bot`` ("simple", "holmes", "smart") per seat;
    ``extend(state)`` adds the moves of a later state of the same game."""

    def __cinit__(self):
        self.states = <HanabiState*>malloc((MAX_HISTORY + 1) * sizeof(HanabiState))
        self.tables = <BotState*>malloc((MAX_HISTORY + 1) * MAX_PLAYERS * sizeof(BotState))
        self.actor_tables = <BotState*>malloc(MAX_HISTORY * sizeof(BotState))
        if self.states == NULL or self.tables == NULL or self.actor_tables == NULL:
            raise MemoryError("cannot allocate a game trace")
        self.length = 0

    def __dealloc__(self):
        free(self.states)
        free(self.tables)
        free(self.actor_tables)

    def __init__(self, bot, PyHanabiState state):
        cdef int kind = bot_kind(bot)
        cdef int p, code
        if state is None:
            raise TypeError("state must be a native HanabiState, got None")
        state_new_game_from_deck(&self.states[0], &state.s.cfg, state.s.deck)
        for p in range(state.s.cfg.num_players):
            code = bot_init(&self.tables[p], kind, p, &self.states[0])
            if code != 0:
                raise ValueError(f"the {BOT_NAMES[kind]} bot cannot play this configuration "
                                 f"(error {code})")
        self.kind = kind
        self.num_players = state.s.cfg.num_players
        self.game = state.game
        self.length = 0
        self.extend(state)

    @property
    def bot_name(self) -> str:
        return BOT_NAMES[self.kind]

    def follows(self, PyHanabiState state) -> bool:
        """Whether ``state`` is this game at or after the traced point (same rules and deal
        prefix, history extending the traced one)."""
        cdef int t, i
        cdef const HanabiState* s0 = &self.states[0]
        if state is None or state.game != self.game:
            return False
        if memcmp(&s0.cfg, &state.s.cfg, sizeof(s0.cfg)) != 0:
            return False
        if state.s.num_moves_made < self.length:
            return False
        for t in range(self.length):
            if state.s.history[t] != self.moves[t]:
                return False
        for i in range(state.s.deck_pos):
            if s0.deck[i] != state.s.deck[i]:
                return False
        return True

    def extend(self, PyHanabiState state) -> None:
        """Record the moves of ``state`` not traced yet (ValueError if it is another game)."""
        cdef int t, uid, actor, N = self.num_players
        if not self.follows(state):
            raise ValueError("state does not continue the traced game (other deal or history)")
        if state.s.num_moves_made > MAX_HISTORY:
            raise ValueError(f"history longer than {MAX_HISTORY} moves")
        for t in range(self.length, state.s.num_moves_made):
            uid = state.s.history[t]
            if self.states[t].terminal or not move_is_legal(&self.states[t], uid):
                raise ValueError(f"move {uid} at position {t} is not legal when replayed")
            actor = self.states[t].cur_player
            self.actor_tables[t] = self.tables[t * MAX_PLAYERS + actor]
            bot_refresh(&self.actor_tables[t], &self.states[t])
            memcpy(&self.tables[(t + 1) * MAX_PLAYERS], &self.tables[t * MAX_PLAYERS],
                   N * sizeof(BotState))
            bots_observe_all(&self.tables[(t + 1) * MAX_PLAYERS], N, &self.states[t], uid)
            self.states[t + 1] = self.states[t]
            apply_move(&self.states[t + 1], uid)
            self.moves[t] = uid
            self.length = t + 1
        if not same_public_record(self.current_state(), state):
            raise ValueError("replaying the state's history from its deck does not reproduce its "
                             "public record (was a hand or the deck changed after the deal?)")

    def current_state(self) -> PyHanabiState:
        """The replayed state after the traced moves (real hands; do not hand it to a player)."""
        return PyHanabiState.wrap(&self.states[self.length], self.game)

    def seats(self) -> BotSeats:
        """Every seat's bot tables after the traced moves (a ``BotSeats`` for rollouts)."""
        cdef BotSeats out = BotSeats.__new__(BotSeats)
        memcpy(out.seats, &self.tables[self.length * MAX_PLAYERS],
               self.num_players * sizeof(BotState))
        out.kind = self.kind
        out.num_players = self.num_players
        out.moves_seen = self.length
        return out

    def actors(self) -> np.ndarray:
        """The mover of every traced move (int32, length ``length``)."""
        return np.array([self.states[t].cur_player for t in range(self.length)], dtype=np.int32)

    def move_history(self) -> np.ndarray:
        return np.array([self.moves[t] for t in range(self.length)], dtype=np.int32)

    def observer_sources(self, int player) -> np.ndarray:
        """Where each slot of ``player``'s hand before every traced move comes from.

        Returns an int16 array (length, MAX_HAND): entry [t, j] is the current slot holding the
        card that was in slot j before move t, or PUBLIC + card id if that card has since been
        played or discarded (its identity is public), or -1 beyond the hand. Cards are followed
        through the slot shifts of plays and discards.
        """
        cdef int t, j, k, uid, next_id, n
        cdef Move mv
        if not 0 <= player < self.num_players:
            raise ValueError(f"player must be in 0..{self.num_players - 1}, got {player}")
        held = list(range(self.states[0].hand_len[player]))
        next_id = len(held)
        snaps = []
        left_card = {}
        for t in range(self.length):
            snaps.append(list(held))
            uid = self.moves[t]
            if self.states[t].cur_player != player:
                continue
            mv = move_from_uid(&self.states[t].cfg, uid)
            if mv.type != MOVE_PLAY and mv.type != MOVE_DISCARD:
                continue
            k = mv.card_index
            left_card[held[k]] = int(self.states[t].hands[player][k])
            del held[k]
            if self.states[t + 1].hand_len[player] == self.states[t].hand_len[player]:
                held.append(next_id)
                next_id += 1
        if len(held) != self.states[self.length].hand_len[player]:
            raise RuntimeError("slot tracking lost a card (engine and trace disagree)")
        slot_of = {cid: s for s, cid in enumerate(held)}
        out = np.full((self.length, MAX_HAND), -1, dtype=np.int16)
        for t in range(self.length):
            for j, cid in enumerate(snaps[t]):
                out[t, j] = slot_of[cid] if cid in slot_of else PUBLIC_BASE + left_card[cid]
        return out

    def candidate_masks(self, int player, counts=None):
        """Per current slot of ``player``, the 25-bit mask of card ids consistent with every hint
        it received (positive and negative) and with at least one unseen copy; plus the unseen
        copies per card id (int32, 25). Both are public to ``player``. ``counts`` overrides the
        copies (e.g. ``public_counts()`` for a range conditioned on public information only)."""
        cdef const HanabiState* s = &self.states[self.length]
        cdef int cnt[MAX_CARD_IDS]
        cdef int i, c, r, cid
        cdef unsigned int m
        if not 0 <= player < self.num_players:
            raise ValueError(f"player must be in 0..{self.num_players - 1}, got {player}")
        if counts is None:
            unseen_cards(s, player, cnt)
        else:
            cv = np.asarray(counts)
            if cv.shape != (MAX_CARD_IDS,):
                raise ValueError(f"counts must have {MAX_CARD_IDS} entries")
            for i in range(MAX_CARD_IDS):
                cnt[i] = int(cv[i])
        masks = np.zeros(s.hand_len[player], dtype=np.uint32)
        for i in range(s.hand_len[player]):
            m = 0
            for c in range(s.cfg.num_colors):
                if not (s.knowledge[player][i].color_plausible >> c) & 1:
                    continue
                for r in range(s.cfg.num_ranks):
                    if (s.knowledge[player][i].rank_plausible >> r) & 1:
                        cid = c * MAX_RANKS + r
                        if cnt[cid] > 0:
                            m |= 1u << cid
            masks[i] = m
        return masks, np.array([cnt[i] for i in range(MAX_CARD_IDS)], dtype=np.int32)

    def public_counts(self) -> np.ndarray:
        """Copies of each card id not yet played or discarded (int32, 25): the cards whose
        place (some hand or the deck) is not public."""
        cdef const HanabiState* s = &self.states[self.length]
        cdef int c, r
        out = np.zeros(MAX_CARD_IDS, dtype=np.int32)
        for c in range(s.cfg.num_colors):
            for r in range(s.cfg.num_ranks):
                out[c * MAX_RANKS + r] = (s.cfg.copies[r] - s.discarded[c * MAX_RANKS + r]
                                          - (1 if s.fireworks[c] > r else 0))
        return out

    def snapshot(self, int t) -> PyHanabiState:
        """The traced state before move t (real hands; not for a player's eyes)."""
        if not 0 <= t <= self.length:
            raise ValueError(f"t must be in 0..{self.length}, got {t}")
        return PyHanabiState.wrap(&self.states[t], self.game)

    def seats_at(self, int t) -> BotSeats:
        """Every seat's bot tables before move t."""
        cdef BotSeats out = BotSeats.__new__(BotSeats)
        if not 0 <= t <= self.length:
            raise ValueError(f"t must be in 0..{self.length}, got {t}")
        memcpy(out.seats, &self.tables[t * MAX_PLAYERS], self.num_players * sizeof(BotState))
        out.kind = self.kind
        out.num_players = self.num_players
        out.moves_seen = t
        return out

    def hypothetical_snapshot(self, int t, int player, hand, int other, other_hands):
        """The state before move t with ``player`` holding ``hand`` and ``other`` holding the
        first row of ``other_hands`` that fits the remaining cards (the undrawn deck gets the
        rest, in canonical order); None if no row fits. Only the cards of the deck and of these
        two hands are redistributed (all of the hidden cards in a 2-player game)."""
        cdef HanabiState work = self.states[t]
        cdef int counts[MAX_CARD_IDS]
        cdef int left[MAX_CARD_IDS]
        cdef int i, k, c, n
        if not 0 <= t <= self.length:
            raise ValueError(f"t must be in 0..{self.length}, got {t}")
        if player == other or not (0 <= player < self.num_players and 0 <= other < self.num_players):
            raise ValueError("player and other must be two different seats")
        for i in range(MAX_CARD_IDS):
            counts[i] = 0
        for i in range(work.deck_pos, work.cfg.deck_size):
            counts[work.deck[i]] += 1
        for i in range(work.hand_len[player]):
            counts[work.hands[player][i]] += 1
        for i in range(work.hand_len[other]):
            counts[work.hands[other][i]] += 1
        h = np.asarray(hand, dtype=np.int64)
        if len(h) != work.hand_len[player]:
            raise ValueError(f"player {player} holds {work.hand_len[player]} cards at move {t}")
        for i in range(len(h)):
            c = h[i]
            if not 0 <= c < MAX_CARD_IDS or counts[c] <= 0:
                return None
            counts[c] -= 1
            work.hands[player][i] = c
        rows = np.asarray(other_hands, dtype=np.int64)
        for k in range(rows.shape[0]):
            memcpy(left, counts, sizeof(counts))
            ok = True
            for i in range(work.hand_len[other]):
                c = rows[k, i]
                if left[c] <= 0:
                    ok = False
                    break
                left[c] -= 1
            if not ok:
                continue
            for i in range(work.hand_len[other]):
                work.hands[other][i] = rows[k, i]
            n = work.deck_pos
            for c in range(MAX_CARD_IDS):
                for i in range(left[c]):
                    work.deck[n] = c
                    n += 1
            return PyHanabiState.wrap(&work, self.game)
        return None

    def own_table_masks(self, int player) -> np.ndarray:
        """The possibility sets ``player``'s own bot keeps for its own slots (HolmesBot and
        SmartBot; all cards for SimpleBot), refreshed for the current state."""
        cdef BotState b = self.tables[self.length * MAX_PLAYERS + player]
        cdef int i
        bot_refresh(&b, &self.states[self.length])
        n = self.states[self.length].hand_len[player]
        if self.kind == BOT_SIMPLE:
            return np.full(n, b.full_mask, dtype=np.uint32)
        return np.array([b.K[player][i] for i in range(n)], dtype=np.uint32)

    def finesse_sensitive_times(self) -> np.ndarray:
        """Moves after which some seat's tables may depend on another player's hidden hand:
        SmartBot discards of a slot that some seat's table holds as one known, playable card
        (the discard-finesse reading then checks the other players' newest cards, whatever the
        discarded card really was). Public; int32 array of move indices."""
        cdef int t, p, cid, c
        cdef unsigned int k
        cdef Move mv
        cdef BotState b
        out = []
        if self.kind != BOT_SMART:
            return np.zeros(0, dtype=np.int32)
        for t in range(self.length):
            mv = move_from_uid(&self.states[t].cfg, self.moves[t])
            if mv.type != MOVE_DISCARD:
                continue
            for p in range(self.num_players):
                b = self.tables[t * MAX_PLAYERS + p]
                bot_refresh(&b, &self.states[t])
                k = b.K[self.states[t].cur_player][mv.card_index]
                if k == 0 or (k & (k - 1)) != 0:
                    continue
                cid = 0
                while not (k >> cid) & 1u:
                    cid += 1
                c = cid // MAX_RANKS
                if self.states[t].fireworks[c] == cid % MAX_RANKS:
                    out.append(t)
                    break
        return np.array(out, dtype=np.int32)

    def log_likelihoods(self, int player, times, sources, hands, double epsilon,
                        int num_threads=2) -> np.ndarray:
        """Log blueprint probability of the observed move t = times[k] under hand hands[k].

        ``sources``: the (length, MAX_HAND) array of ``observer_sources(player)``; ``hands``:
        int8 (P, current hand length) hypothetical current hands of ``player``. Uses the mover's
        traced tables (valid when they do not depend on ``player``'s hand).
        """
        cdef int[::1] tv = np.ascontiguousarray(times, dtype=np.int32)
        cdef short[:, ::1] sv = np.ascontiguousarray(sources, dtype=np.int16)
        cdef signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
        cdef int P = tv.shape[0]
        cdef int k, t
        self._check_pairs(player, tv, sv, hv, epsilon, num_threads)
        out = np.empty(P, dtype=np.float64)
        cdef double[::1] ov = out
        if P == 0:
            return out
        with nogil:
            for k in prange(P, num_threads=num_threads, schedule="dynamic", chunksize=16):
                t = tv[k]
                ov[k] = pair_log_likelihood(&self.states[t], &self.actor_tables[t], player,
                                            &sv[t, 0], &hv[k, 0], self.moves[t], epsilon)
        return out

    def replay_log_likelihoods(self, int player, int t0, sources, hands, double epsilon,
                               int num_threads=2) -> np.ndarray:
        """Sum over partner moves t >= t0 of the log blueprint probability under each hand,
        replaying every seat's tables from t0 with the hypothetical hand in place."""
        cdef short[:, ::1] sv = np.ascontiguousarray(sources, dtype=np.int16)
        cdef signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
        cdef int U = hv.shape[0]
        cdef int k
        cdef int T = self.length
        cdef int N = self.num_players
        if not 0 <= t0 <= T:
            raise ValueError(f"t0 must be in 0..{T}, got {t0}")
        self._check_pairs(player, np.zeros(0, dtype=np.int32), sv, hv, epsilon, num_threads)
        out = np.zeros(U, dtype=np.float64)
        cdef double[::1] ov = out
        if U == 0 or t0 == T:
            return out
        with nogil:
            for k in prange(U, num_threads=num_threads, schedule="dynamic", chunksize=4):
                ov[k] = replay_one(self.states, &self.tables[t0 * MAX_PLAYERS], self.moves, N,
                                   player, t0, T, &sv[t0, 0], &hv[k, 0], epsilon)
        return out

    def sum_log_likelihoods(self, int player, int t_end, sources, hands,
                            LikelihoodCache cache, double epsilon, int num_threads=1,
                            long parallel_min=4096, times=None):
        """Σ over partner moves t < t_end of the log blueprint probability of the observed move
        under each hypothetical current hand (rows of ``hands``), looking each (t, hand at t) up
        in ``cache`` and evaluating only the missing ones (OpenMP when there are at least
        ``parallel_min``). Returns (float64 per hand, number of new evaluations)."""
        cdef short[:, ::1] sv = np.ascontiguousarray(sources, dtype=np.int16)
        cdef signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
        cdef int S = hv.shape[0]
        cdef int t, i, k, threads, length
        cdef long P = 0
        cdef long idx
        cdef uint64_t key
        if cache is None:
            raise TypeError("cache must be a LikelihoodCache")
        if not 0 <= t_end <= self.length:
            raise ValueError(f"t_end must be in 0..{self.length}, got {t_end}")
        self._check_pairs(player, np.zeros(0, dtype=np.int32), sv, hv, epsilon, num_threads)
        out = np.zeros(S, dtype=np.float64)
        cdef double[::1] ov = out
        if S == 0:
            return out, 0
        partner_times = [t for t in range(t_end) if self.states[t].cur_player != player]
        if times is not None:
            allowed = set(int(x) for x in times)
            partner_times = [t for t in partner_times if t in allowed]
        cdef int[::1] tv = np.array(partner_times, dtype=np.int32)
        cdef int nt = tv.shape[0]
        if nt == 0:
            return out, 0
        # 1. find the missing (t, hand at t) pairs, reserving their slots
        cache.reserve(<long>S * nt)
        pend_t = np.empty(<long>S * nt, dtype=np.int32)
        pend_i = np.empty(<long>S * nt, dtype=np.int32)
        cdef int[::1] pt = pend_t
        cdef int[::1] pi = pend_i
        with nogil:
            for k in range(nt):
                t = tv[k]
                length = self.states[t].hand_len[player]
                for i in range(S):
                    key = pair_key(t, &sv[t, 0], length, &hv[i, 0])
                    idx = cache.find(key)
                    if cache.keys[idx] == 0:
                        cache.keys[idx] = key
                        cache.size += 1
                        pt[P] = t
                        pi[P] = i
                        P += 1
        # 2. evaluate them
        vals = np.empty(max(P, 1), dtype=np.float64)
        cdef double[::1] vv = vals
        cdef long q
        threads = num_threads if P >= parallel_min else 1
        with nogil:
            for q in prange(P, num_threads=threads, schedule="dynamic", chunksize=16):
                vv[q] = pair_log_likelihood(&self.states[pt[q]], &self.actor_tables[pt[q]],
                                            player, &sv[pt[q], 0], &hv[pi[q], 0],
                                            self.moves[pt[q]], epsilon)
            for q in range(P):
                t = pt[q]
                key = pair_key(t, &sv[t, 0], self.states[t].hand_len[player], &hv[pi[q], 0])
                cache.vals[cache.find(key)] = vv[q]
            # 3. add up
            for k in range(nt):
                t = tv[k]
                length = self.states[t].hand_len[player]
                for i in range(S):
                    key = pair_key(t, &sv[t, 0], length, &hv[i, 0])
                    ov[i] += cache.vals[cache.find(key)]
        return out, int(P)

    def hand_keys(self, int player, int t, sources, hands) -> np.ndarray:
        """int64 key of ``player``'s hand before move t under each hypothetical current hand
        (the cache's key: distinct keys = distinct hands at t)."""
        cdef short[:, ::1] sv = np.ascontiguousarray(sources, dtype=np.int16)
        cdef signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
        cdef int i, length
        self._check_pairs(player, np.zeros(0, dtype=np.int32), sv, hv, 0.0, 1)
        if not 0 <= t < self.length:
            raise ValueError(f"t must be in 0..{self.length - 1}, got {t}")
        length = self.states[t].hand_len[player]
        out = np.empty(hv.shape[0], dtype=np.int64)
        for i in range(hv.shape[0]):
            out[i] = <long long>pair_key(t, &sv[t, 0], length, &hv[i, 0])
        return out

    def hand_at(self, int player, int t, sources, hand) -> list:
        """``player``'s hand before move t under one hypothetical current hand."""
        row = np.asarray(sources)[t]
        h = np.asarray(hand)
        out = []
        for j in range(self.states[t].hand_len[player]):
            code = int(row[j])
            out.append(int(h[code]) if code < PUBLIC_BASE else code - PUBLIC_BASE)
        return out

    def _check_pairs(self, int player, int[::1] tv, short[:, ::1] sv, signed char[:, ::1] hv,
                     double epsilon, int num_threads):
        cdef int k
        if not 0 <= player < self.num_players:
            raise ValueError(f"player must be in 0..{self.num_players - 1}, got {player}")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
        if num_threads < 1:
            raise ValueError(f"num_threads must be >= 1, got {num_threads}")
        if sv.shape[0] != self.length or sv.shape[1] != MAX_HAND:
            raise ValueError(f"sources must have shape ({self.length}, {MAX_HAND})")
        L = self.states[self.length].hand_len[player]
        if hv.shape[0] > 0 and hv.shape[1] != L:
            raise ValueError(f"hands must have {L} columns (player {player}'s hand length)")
        if tv.shape[0] and tv.shape[0] != hv.shape[0]:
            raise ValueError("times and hands must have the same length")
        for k in range(tv.shape[0]):
            if not 0 <= tv[k] < self.length:
                raise ValueError(f"time {tv[k]} outside the trace (length {self.length})")
        arr = np.asarray(hv)
        if arr.size and (arr.min() < 0 or arr.max() >= MAX_CARD_IDS):
            raise ValueError("hands contain invalid card ids")


# ----------------------------------------------------------------------------------------------
# Hypothesis enumeration and sampling
# ----------------------------------------------------------------------------------------------

cdef long enum_dfs(const unsigned int* masks, int L, int* counts, signed char* out,
                   long cap) noexcept nogil:
    """Write every hand (slot k in masks[k], copies within counts) to out, L bytes each, in
    lexicographic order; return their number, or -1 as soon as there are more than cap."""
    cdef signed char cur[MAX_HAND]
    cdef int nxt[MAX_HAND]
    cdef int k = 0
    cdef int c
    cdef long n = 0
    if L == 0:
        return 1 if cap >= 1 else -1
    nxt[0] = 0
    while k >= 0:
        c = nxt[k]
        while c < MAX_CARD_IDS and not (((masks[k] >> c) & 1u) and counts[c] > 0):
            c += 1
        if c >= MAX_CARD_IDS:
            k -= 1
            if k >= 0:
                counts[cur[k]] += 1
                nxt[k] = cur[k] + 1
            continue
        cur[k] = <signed char>c
        counts[c] -= 1
        if k == L - 1:
            if n >= cap:
                return -1
            memcpy(out + n * L, cur, L)
            n += 1
            counts[c] += 1
            nxt[k] = c + 1
        else:
            k += 1
            nxt[k] = 0
    return n


def enumerate_hands(masks, counts, long cap):
    """All hands with slot k in ``masks[k]`` (25-bit card-id masks) using at most ``counts[c]``
    copies of card c, as an int8 array (n, L); None if there are more than ``cap``."""
    cdef unsigned int[::1] mv = np.ascontiguousarray(masks, dtype=np.uint32)
    cdef int cnt[MAX_CARD_IDS]
    cdef int L = mv.shape[0]
    cdef long n
    cdef int i
    if L > MAX_HAND or L < 1:
        raise ValueError(f"masks must have 1..{MAX_HAND} slots, got {L}")
    if cap < 1:
        raise ValueError(f"cap must be >= 1, got {cap}")
    c = np.asarray(counts)
    if c.shape != (MAX_CARD_IDS,):
        raise ValueError(f"counts must have {MAX_CARD_IDS} entries")
    for i in range(MAX_CARD_IDS):
        cnt[i] = int(c[i])
    buf = np.empty(cap * L, dtype=np.int8)
    cdef signed char[::1] bv = buf
    with nogil:
        n = enum_dfs(&mv[0], L, cnt, &bv[0], cap)
    if n < 0:
        return None
    return buf[:n * L].reshape(n, L).copy()


def log_count_prior(hands, counts) -> np.ndarray:
    """log Π_k n^(k)(h_k): the unnormalised log-probability of dealing the hand from the unseen
    copies ``counts`` (falling factorial per card id), for each row of ``hands``."""
    cdef signed char[:, ::1] hv = np.ascontiguousarray(hands, dtype=np.int8)
    cdef int cnt[MAX_CARD_IDS]
    cdef int left[MAX_CARD_IDS]
    cdef int n = hv.shape[0]
    cdef int L = hv.shape[1] if hv.ndim == 2 else 0
    cdef int i, k, c
    cdef double acc
    cvals = np.asarray(counts)
    for i in range(MAX_CARD_IDS):
        cnt[i] = int(cvals[i])
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] ov = out
    for i in range(n):
        memcpy(left, cnt, sizeof(cnt))
        acc = 0.0
        for k in range(L):
            c = hv[i, k]
            if left[c] <= 0:
                acc = -INFINITY
                break
            acc += log(<double>left[c])
            left[c] -= 1
        ov[i] = acc
    return out


cdef double seq_log_q(const unsigned int* masks, int L, const int* counts,
                      const signed char* h) noexcept nogil:
    """Log-probability that the sequential count-weighted proposal on masks draws h."""
    cdef int left[MAX_CARD_IDS]
    cdef int k, c
    cdef long z
    cdef double acc = 0.0
    memcpy(left, counts, MAX_CARD_IDS * sizeof(int))
    for k in range(L):
        c = h[k]
        if not (masks[k] >> c) & 1u or left[c] <= 0:
            return -INFINITY
        z = 0
        for c in range(MAX_CARD_IDS):
            if (masks[k] >> c) & 1u:
                z += left[c]
        c = h[k]
        acc += log(<double>left[c]) - log(<double>z)
        left[c] -= 1
    return acc


cdef bint seq_draw(const unsigned int* masks, int L, const int* counts, Rng* rng,
                   signed char* h) noexcept nogil:
    cdef int left[MAX_CARD_IDS]
    cdef int k, c
    cdef long z, u
    memcpy(left, counts, MAX_CARD_IDS * sizeof(int))
    for k in range(L):
        z = 0
        for c in range(MAX_CARD_IDS):
            if (masks[k] >> c) & 1u:
                z += left[c]
        if z <= 0:
            return False
        u = <long>(rng_uniform(rng) * z)
        for c in range(MAX_CARD_IDS):
            if (masks[k] >> c) & 1u:
                u -= left[c]
                if u < 0:
                    break
        h[k] = <signed char>c
        left[c] -= 1
    return True


def sample_hands(masks_a, masks_b, counts, int num, double alpha, uint64_t seed,
                 int max_attempts=100):
    """``num`` hands from the mixture alpha·q_a + (1-alpha)·q_b of sequential proposals (slot
    by slot, each allowed card in proportion to its unseen copies; q_a on ``masks_a``, q_b on
    ``masks_b``), with log importance ratios log prior(h) - log q(h) for the count prior on
    ``masks_b``'s hands. Returns (int8 (num, L), float64 (num,)). Draws that reach an empty slot
    are retried (the normalising constant cancels in self-normalised weights)."""
    cdef unsigned int[::1] ma = np.ascontiguousarray(masks_a, dtype=np.uint32)
    cdef unsigned int[::1] mb = np.ascontiguousarray(masks_b, dtype=np.uint32)
    cdef int cnt[MAX_CARD_IDS]
    cdef int L = mb.shape[0]
    cdef int i, k, tries
    cdef Rng rng
    cdef double la, lb, m
    cdef bint ok
    if ma.shape[0] != L or L > MAX_HAND or L < 1:
        raise ValueError("masks_a and masks_b must have the same length (1..5)")
    if num < 1:
        raise ValueError(f"num must be >= 1, got {num}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    cvals = np.asarray(counts)
    for i in range(MAX_CARD_IDS):
        cnt[i] = int(cvals[i])
    hands = np.empty((num, L), dtype=np.int8)
    logw = np.empty(num, dtype=np.float64)
    cdef signed char[:, ::1] hv = hands
    cdef double[::1] wv = logw
    rng_seed(&rng, seed, 0)
    for i in range(num):
        tries = 0
        while True:
            tries += 1
            if tries > max_attempts:
                raise RuntimeError("could not draw a hand consistent with the hints and counts "
                                   f"in {max_attempts} attempts")
            if rng_uniform(&rng) < alpha:
                ok = seq_draw(&ma[0], L, cnt, &rng, &hv[i, 0])
            else:
                ok = seq_draw(&mb[0], L, cnt, &rng, &hv[i, 0])
            if ok:
                break
        la = seq_log_q(&ma[0], L, cnt, &hv[i, 0])
        lb = seq_log_q(&mb[0], L, cnt, &hv[i, 0])
        # log(alpha e^la + (1 - alpha) e^lb), stably
        if alpha <= 0.0:
            m = lb
        elif alpha >= 1.0:
            m = la
        else:
            m = la if la > lb else lb
            m = m + log(alpha * exp(la - m) + (1.0 - alpha) * exp(lb - m))
        wv[i] = m
    prior = log_count_prior(hands, counts)
    logw = prior - logw
    return hands, logw


