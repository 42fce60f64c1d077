# cython: language_level=3
"""Declarations of the bot-blueprint rollout kernel (implemented in hanabi_rollout.pyx).

One rollout: copy the state and the per-seat bot tables, optionally give one player a sampled
hand (the rest of the unseen cards reshuffled) or just reshuffle the undrawn deck, optionally
apply a first move, then let every seat play its bot (epsilon-mixed with uniform legal moves)
to the end of the game. Rollout i draws all its randomness from ``rng_seed(seed, i)``, so the
results do not depend on the thread count and rollouts with the same i share their deal
(common random numbers across first moves).
"""
from libc.stdint cimport uint64_t

from uedtp.csrc.hanabi_state cimport HanabiState
from uedtp.csrc.hanabi_bots cimport BotState
from uedtp.csrc.rng cimport Rng

# Play the game in s to its end with one bot per seat; epsilon: probability of replacing a bot
# move by a uniform legal move. Returns the fireworks total if keep_points else the HLE score.
cdef int bot_playout(HanabiState* s, BotState* bots, double epsilon, Rng* rng,
                     bint keep_points) noexcept nogil

# One rollout as described above (hand: hand_len[hand_player] card ids, or NULL; first_move -1
# for none). Thread-safe: works on private copies.
cdef int bot_rollout(const HanabiState* s, const BotState* bots, uint64_t seed, uint64_t stream,
                     int first_move, int hand_player, const signed char* hand, bint reshuffle,
                     double epsilon, bint keep_points) noexcept nogil

# out[m * n + i] = rollout i after first move first_moves[m] (num_first = 0: no first move, n
# outputs). hands: NULL, or n hands of hand_stride entries each (hand_stride 0: one shared hand).
cdef void bot_rollouts(const HanabiState* s, const BotState* bots, int n, uint64_t seed,
                       const int* first_moves, int num_first, int hand_player,
                       const signed char* hands, int hand_stride, bint reshuffle, double epsilon,
                       bint keep_points, int num_threads, int* out) noexcept nogil
