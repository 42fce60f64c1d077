# cython: language_level=3
"""Declarations of the Hanabi belief kernels (implemented in hanabi_belief.pyx).

A ``GameTrace`` keeps, for one game, the pre-move state before every move and every seat's bot
tables at that moment, so the likelihood of a past partner move can be re-evaluated under a
hypothetical hand of the observer by overwriting that hand in a copy of the snapshot.
"""
from uedtp.csrc.hanabi_state cimport HanabiState, MAX_HISTORY
from uedtp.csrc.hanabi_bots cimport BotState


cdef class GameTrace:
    cdef HanabiState* states          # states[t]: the state before move t (t = 0..length)
    cdef BotState* tables             # tables[t * MAX_PLAYERS + p]: seat p's tables before move t
    cdef BotState* actor_tables       # actor_tables[t]: the mover's tables refreshed at states[t]
    cdef signed char moves[MAX_HISTORY]
    cdef readonly int length          # moves recorded
    cdef readonly int kind            # BotKind of every seat
    cdef readonly int num_players
    cdef readonly object game


# Log-probability that the epsilon-mixed bot of the mover at snapshot t plays move `observed`
# when `player`'s hand at t is `hand_at_t` (hand_len[player] card ids at t): (1 - eps) if the bot
# picks it (an illegal bot move counts as the first legal move, as in the rollout kernel) plus
# eps / (number of legal moves).
cdef double move_log_likelihood(const HanabiState* snap, const BotState* actor_table,
                                int player, const signed char* hand_at_t, int observed,
                                double eps) noexcept nogil
