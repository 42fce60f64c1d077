# cython: language_level=3
"""Declarations of the native Phantom Tic-Tac-Toe / Dark Hex kernels (phantom_games.pyx).

A state is a plain struct of bitboards (bit c = cell c, cells numbered row-major as in
OpenSpiel), so search kernels can copy, apply and roll out states without the GIL.
One step of the game (``pg_apply``): the player to move tries a cell it has not tried yet;
if the cell is empty its stone goes there (the game may end with a win, or a full board in
tic-tac-toe) and the turn passes; if the opponent already holds it, the mover learns that and
either moves again (classical versions) or loses the turn (abrupt versions).
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from uedtp.csrc.rng cimport Rng

cdef enum:
    PG_MAX_CELLS = 16
    PG_MAX_LEN = 32            # longest history is 2 * cells - 1 <= 31 moves
    PG_STACK = PG_MAX_LEN * PG_MAX_CELLS + 2
    PG_TICTACTOE = 0
    PG_HEX = 1
    PG_RUNNING = 0
    PG_WIN0 = 1
    PG_WIN1 = 2
    PG_DRAW = 3

ctypedef struct PGSpec:
    int board                  # PG_TICTACTOE or PG_HEX
    int abrupt                 # 1: trying an occupied cell passes the turn; 0: try again
    int reveal_turns           # 1: information states show who moved at every step
    int key_has_length         # 1: information states show the history length
    int rows
    int cols
    int cells
    uint32_t full              # mask of all cells
    const uint8_t* wins        # wins[(player << cells) | stones] == 1 iff the stones win

ctypedef struct PGState:
    uint32_t stones[2]         # stones on the board, per player
    uint32_t tried[2]          # cells each player has tried = the cells its view shows
    uint64_t seq[2]            # each player's tried cells in order, 4 bits per try
    uint32_t movers            # bit t set iff player 1 made move t
    uint8_t ntried[2]
    uint8_t current            # player to move
    uint8_t outcome            # PG_RUNNING, PG_WIN0, PG_WIN1 or PG_DRAW
    uint8_t length             # number of moves so far
    uint8_t history[PG_MAX_LEN]

# A player's information state, packed: equal keys iff equal OpenSpiel information_state_string.
ctypedef struct PGKey:
    uint64_t seq
    uint64_t rest

# What the conditioning player experienced along the true history: its information state at
# every position (history length, or its own number of tries when lengths are hidden) and the
# cell it tried there (-1 if it did not move there).
ctypedef struct PGTrajectory:
    int player
    int last                   # position of the target information state
    PGKey seen[PG_MAX_LEN + 1]
    int own[PG_MAX_LEN + 1]
    PGKey target

# A growable list of states with weights (enumeration / sampling output).
ctypedef struct PGFound:
    PGState* states
    double* weights
    long n
    long cap

cdef void pg_reset(PGState* s) noexcept nogil
cdef uint32_t pg_legal_mask(const PGSpec* g, const PGState* s) noexcept nogil
cdef void pg_apply(const PGSpec* g, PGState* s, int cell) noexcept nogil
cdef PGKey pg_key(const PGSpec* g, const PGState* s, int player) noexcept nogil
cdef double pg_return(const PGState* s, int player) noexcept nogil
# Uniform random play (every legal cell equally likely) to the end; returns player's return.
cdef double pg_rollout(const PGSpec* g, PGState* s, int player, Rng* rng) noexcept nogil

# Fill t from the true state (caller checks: not terminal, player to move).
cdef void pg_trajectory(const PGSpec* g, const PGState* truth, int player,
                        PGTrajectory* t) noexcept nogil
# Exact DFS; returns 0 on success, 1 if more than max_nodes nodes are needed, -1 out of memory.
cdef int pg_enumerate(const PGSpec* g, const PGTrajectory* t, long max_nodes,
                      PGFound* out, long* visited) noexcept nogil
# Sequential importance sampling; returns 0, 2 when too many dead ends, -1 out of memory.
cdef int pg_sample(const PGSpec* g, const PGTrajectory* t, long num_particles,
                   long max_attempts, Rng* rng, PGFound* out, long* visited) noexcept nogil
cdef void pg_found_free(PGFound* f) noexcept nogil
