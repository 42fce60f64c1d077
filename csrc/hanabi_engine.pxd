# cython: language_level=3
"""Declarations of the native Hanabi engine (implemented in hanabi_engine.pyx).

All functions are nogil and operate on the plain struct in hanabi_state.pxd, so bots,
belief code and rollout kernels can call them from prange loops.
"""
from csrc.hanabi_state cimport HanabiState, HanabiConfig, Move
from csrc.rng cimport Rng

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
