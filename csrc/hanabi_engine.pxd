# cython: language_level=3
"""Declarations of the native Hanabi engine (implemented in hanabi_engine.pyx).

All functions are nogil and operate on the plain struct in hanabi_state.pxd, so bots,
belief code and rollout kernels can call them from prange loops.
"""
from uedtp.csrc.hanabi_state cimport HanabiState, HanabiConfig, Move
from uedtp.csrc.rng cimport Rng

# Fill cfg from parameters; returns 0 on success, or a negative code naming the bad field
# (see hanabi_engine.pyx CONFIG_ERRORS). Never raises.
cdef int config_init(HanabiConfig* cfg, int num_players, int num_colors, int num_ranks,
                     int hand_size, int max_info_tokens, int max_life_tokens) noexcept nogil

# Start a game: shuffle a full deck with rng (Fisher-Yates) and deal; player 0 starts.
cdef void state_new_game(HanabiState* s, const HanabiConfig* cfg, Rng* rng) noexcept nogil
# Start a game with a given deck order (card ids, length cfg.deck_size) and deal.
cdef void state_new_game_from_deck(HanabiState* s, const HanabiConfig* cfg,
                                   const signed char* deck) noexcept nogil

cdef Move move_from_uid(const HanabiConfig* cfg, int uid) noexcept nogil
cdef int move_to_uid(const HanabiConfig* cfg, Move m) noexcept nogil
cdef bint move_is_legal(const HanabiState* s, int uid) noexcept nogil
# Write the legal move uids (ascending) for the current player to out; return their count.
cdef int legal_moves(const HanabiState* s, int* out) noexcept nogil
# Apply a legal move (caller checks legality); draws, updates knowledge, tokens, turn, terminal.
cdef void apply_move(HanabiState* s, int uid) noexcept nogil
# HLE score: 0 if all life tokens are lost, else the sum of the fireworks.
cdef int state_score(const HanabiState* s) noexcept nogil
cdef int fireworks_total(const HanabiState* s) noexcept nogil

# ---- additions (append-only) ---------------------------------------------------------------
from libc.stdint cimport uint64_t

# Return codes of config_init (0 = success) and of set_hand/set_deck.
cdef enum:
    CFG_BAD_PLAYERS = -1
    CFG_BAD_COLORS = -2
    CFG_BAD_RANKS = -3
    CFG_BAD_HAND = -4
    CFG_BAD_INFO = -5
    CFG_BAD_LIFE = -6
    CFG_DECK_TOO_SMALL = -7
    SET_BAD_PLAYER = -11
    SET_BAD_CARD = -12
    SET_CARD_UNAVAILABLE = -13
    SET_BAD_LENGTH = -14
    # Limits that keep every game within MAX_HISTORY moves (moves <= 2*deck + colours + max_info).
    MAX_INFO_TOKENS_LIMIT = 20
    MAX_LIFE_TOKENS_LIMIT = 100

# config_init: hand_size == -1 selects the HLE default (5 for 2-3 players, 4 for 4-5).

# Fill out[0..deck_size) with the full deck in canonical order (colour-major, then rank, copies);
# return deck_size.
cdef int fill_ordered_deck(const HanabiConfig* cfg, signed char* out) noexcept nogil
# Per card id, copies in the undrawn deck plus in `player`'s hand (the cards `player` cannot
# see); counts must have MAX_CARD_IDS entries. Returns their total.
cdef int unseen_cards(const HanabiState* s, int player, int* counts) noexcept nogil
# Replace `player`'s hand (hand_len[player] cards; knowledge kept) with `cards`, drawn from the
# cards that player cannot see (undrawn deck + own hand); the rest becomes the undrawn deck,
# shuffled with rng, or in canonical card-id order if rng is NULL. Returns 0, or SET_* (state
# unchanged) if the player is out of range or a card is not available.
cdef int set_hand(HanabiState* s, int player, const signed char* cards, Rng* rng) noexcept nogil
# Put the undrawn deck in the given order (n must equal the number of undrawn cards, and the
# cards must be exactly that multiset). Returns 0 or SET_* (state unchanged).
cdef int set_deck(HanabiState* s, const signed char* cards, int n) noexcept nogil
# Fisher-Yates shuffle of the undrawn part of the deck.
cdef void shuffle_undrawn(HanabiState* s, Rng* rng) noexcept nogil
# A uniformly random legal move (-1 if terminal); equals legal_moves(s)[rng_below(rng, n)].
cdef int random_legal_move(const HanabiState* s, Rng* rng) noexcept nogil
# Play uniformly random legal moves until terminal; returns the number of moves made.
cdef int random_playout(HanabiState* s, Rng* rng) noexcept nogil
# n independent random playouts from copies of s (rollout i uses rng stream i of seed; if
# shuffle_deck, its undrawn deck is reshuffled first), OpenMP over num_threads; scores to out.
cdef void rollout_scores(const HanabiState* s, int n, uint64_t seed, bint shuffle_deck,
                         int num_threads, int* out) noexcept nogil
