# cython: language_level=3
"""Native Phantom Tic-Tac-Toe and (Abrupt) Dark Hex: states, information-state keys, exact
posterior enumeration, importance sampling, uniform rollouts, and the step / legal-mask /
information-state-tensor kernels of ``uedtp.envs.phantom.batch.PhantomBatch`` (games kept as numpy
rows), all without the GIL and all on the one rule function ``pg_apply``.

Rules, as OpenSpiel plays them (``phantom_ttt``, ``dark_hex``):
- player 0 ('x', black in hex) moves first; a player sees only its own stones and the opponent
  stones it bumped into; it may try any cell its view shows as empty;
- one step (``pg_apply``): if the tried cell is empty the stone is placed and the turn passes;
  if the opponent holds it, the mover's view learns that, and the mover tries again (classical
  versions) or loses the turn (abrupt versions ``gameversion=abrupt`` / ``adh``);
- tic-tac-toe ends on a line (+1/-1) or a full board (0); hex ends when black connects the first
  and last rows, or white the first and last columns (neighbours of (r, c): (r-1, c),
  (r-1, c+1), (r, c+1), (r+1, c), (r+1, c-1), (r, c-1)).
- a player's information state is its view, its own tries in order, and for dark hex (and
  ``obstype=reveal-numturns``) the history length (and who moved when); ``pg_key`` packs exactly
  that, so equal keys mean equal ``information_state_string``.

One step of the enumeration (``pg_enumerate``): pop a node; if the conditioning player is to move
with the target information state, record it; at the player's own earlier decisions follow the
cell it really tried; at the opponent's nodes push every legal child (probability 1/#legal under
the uniform blueprint) whose information state for the player is the one it had at that position
along the true history. Same order, same weights and same node count as
``uedtp.search.update_equivalent.history_sampler.enumerate_histories`` with ``UniformAgent``.

One rollout (``pg_rollout``): the player to move picks uniformly among its legal cells with its
own xoshiro stream, until the game ends. ``rollout_values`` runs every (history, action, rollout)
as an independent task (OpenMP ``prange`` for large batches), so results do not depend on the
number of threads.

One step of the fused neural rollouts (``batch_rollout_native``, rows of a ``PhantomBatch`` cut
into chunks, one OpenMP task per chunk, no GIL): every live row of the chunk is encoded
(information-state tensor + player one-hot, as ``uedtp.envs.vector_env.policy_inputs``) and masked,
one ``uedtp.csrc.mlp`` forward pass gives their move probabilities, each row samples by inverse CDF
from its own uniform (the arithmetic of ``uedtp.agents.protocol.sample_actions``) and the moves are
applied with ``pg_apply``, until every row of the chunk has finished.
"""
from libc.stdint cimport int8_t, uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memset, memcpy
from cython.parallel cimport prange

import numpy as np
cimport numpy as cnp

from uedtp.csrc.rng cimport Rng, rng_seed, rng_below
from uedtp.csrc.mlp cimport NativeMLP, MLP, mlp_forward, mlp_workspace, sample_row

cnp.import_array()

cdef extern from *:
    int __builtin_popcount(unsigned int x) nogil
    int __builtin_ctz(unsigned int x) nogil

TERMINAL_PLAYER = -4          # pyspiel.PlayerId.TERMINAL
cdef long _PARALLEL_GRAIN = 512

# The eight tic-tac-toe lines as cell masks (rows, columns, diagonals).
cdef uint32_t[8] _LINES = [0x007, 0x038, 0x1C0, 0x049, 0x092, 0x124, 0x111, 0x054]


# ---------------------------------------------------------------------------------------------
# Game rules
# ---------------------------------------------------------------------------------------------

cdef void pg_reset(PGState* s) noexcept nogil:
    memset(s, 0, sizeof(PGState))


cdef uint32_t pg_legal_mask(const PGSpec* g, const PGState* s) noexcept nogil:
    if s.outcome != PG_RUNNING:
        return 0
    return (~s.tried[s.current]) & g.full


cdef void pg_apply(const PGSpec* g, PGState* s, int cell) noexcept nogil:
    cdef int p = s.current
    cdef uint32_t bit = (<uint32_t>1) << cell
    s.tried[p] |= bit
    s.seq[p] |= (<uint64_t>cell) << (4 * s.ntried[p])
    s.ntried[p] += 1
    if p == 1:
        s.movers |= (<uint32_t>1) << s.length
    s.history[s.length] = <uint8_t>cell
    s.length += 1
    if s.stones[1 - p] & bit:               # bumped into the opponent's stone
        if g.abrupt:
            s.current = 1 - p
        return
    s.stones[p] |= bit
    if g.wins[(p << g.cells) | s.stones[p]]:
        s.outcome = PG_WIN0 + p
    elif g.board == PG_TICTACTOE and (s.stones[0] | s.stones[1]) == g.full:
        s.outcome = PG_DRAW
    s.current = 1 - p


cdef PGKey pg_key(const PGSpec* g, const PGState* s, int player) noexcept nogil:
    cdef PGKey k
    k.seq = s.seq[player]
    k.rest = s.ntried[player] | ((<uint64_t>s.stones[player]) << 5)
    if s.ntried[player]:                    # who "x" and "o" are; invisible before any try
        k.rest |= (<uint64_t>player) << 60
    if g.key_has_length:
        k.rest |= (<uint64_t>s.length) << 21
    if g.reveal_turns:
        k.rest |= (<uint64_t>s.movers) << 27
    return k


cdef inline bint _key_eq(PGKey a, PGKey b) noexcept nogil:
    return a.seq == b.seq and a.rest == b.rest


cdef double pg_return(const PGState* s, int player) noexcept nogil:
    if s.outcome == PG_WIN0:
        return 1.0 if player == 0 else -1.0
    if s.outcome == PG_WIN1:
        return -1.0 if player == 0 else 1.0
    return 0.0


cdef inline int _nth_bit(uint32_t mask, int n) noexcept nogil:
    cdef int i
    for i in range(n):
        mask &= mask - 1
    return __builtin_ctz(mask)


cdef double pg_rollout(const PGSpec* g, PGState* s, int player, Rng* rng) noexcept nogil:
    cdef uint32_t legal
    while s.outcome == PG_RUNNING:
        legal = (~s.tried[s.current]) & g.full
        pg_apply(g, s, _nth_bit(legal, rng_below(rng, __builtin_popcount(legal))))
    return pg_return(s, player)


# ---------------------------------------------------------------------------------------------
# Posterior: exact enumeration and sequential importance sampling
# ---------------------------------------------------------------------------------------------

cdef inline int _position(const PGSpec* g, const PGState* s, int player) noexcept nogil:
    return s.length if g.key_has_length else s.ntried[player]


cdef void pg_trajectory(const PGSpec* g, const PGState* truth, int player,
                        PGTrajectory* t) noexcept nogil:
    cdef PGState node
    cdef int i, pos
    pg_reset(&node)
    t.player = player
    for i in range(PG_MAX_LEN + 1):
        t.own[i] = -1
    for i in range(truth.length):
        pos = _position(g, &node, player)
        t.seen[pos] = pg_key(g, &node, player)
        if node.current == player:
            t.own[pos] = truth.history[i]
        pg_apply(g, &node, truth.history[i])
    t.last = _position(g, truth, player)
    t.target = pg_key(g, truth, player)
    t.seen[t.last] = t.target


cdef inline bint _consistent(const PGSpec* g, const PGTrajectory* t,
                             const PGState* s) noexcept nogil:
    """The player's information state at s is one it had along the true history."""
    cdef int pos = _position(g, s, t.player)
    return pos <= t.last and _key_eq(pg_key(g, s, t.player), t.seen[pos])


cdef inline bint _is_target(const PGSpec* g, const PGTrajectory* t,
                            const PGState* s) noexcept nogil:
    return (s.outcome == PG_RUNNING and s.current == t.player
            and _key_eq(pg_key(g, s, t.player), t.target))


cdef int _children(const PGSpec* g, const PGTrajectory* t, const PGState* node,
                   PGState* out, double* prob) noexcept nogil:
    """Consistent non-terminal children of node (ascending cells); returns their number."""
    cdef int n = 0, pos, cell
    cdef uint32_t legal
    cdef double p
    if node.current == t.player:
        pos = _position(g, node, t.player)
        if pos > t.last or t.own[pos] < 0 or not _key_eq(pg_key(g, node, t.player), t.seen[pos]):
            return 0
        out[0] = node[0]
        pg_apply(g, &out[0], t.own[pos])
        prob[0] = 1.0
        if out[0].outcome != PG_RUNNING or not _consistent(g, t, &out[0]):
            return 0
        return 1
    legal = pg_legal_mask(g, node)
    p = 1.0 / __builtin_popcount(legal)
    while legal:
        cell = __builtin_ctz(legal)
        legal &= legal - 1
        out[n] = node[0]
        pg_apply(g, &out[n], cell)
        if out[n].outcome == PG_RUNNING and _consistent(g, t, &out[n]):
            prob[n] = p
            n += 1
    return n


cdef int _found_push(PGFound* f, const PGState* s, double w) noexcept nogil:
    cdef long cap
    cdef PGState* ns
    cdef double* nw
    if f.n == f.cap:
        cap = 64 if f.cap == 0 else 2 * f.cap
        ns = <PGState*>realloc(f.states, cap * sizeof(PGState))
        if ns == NULL:
            return -1
        f.states = ns
        nw = <double*>realloc(f.weights, cap * sizeof(double))
        if nw == NULL:
            return -1
        f.weights = nw
        f.cap = cap
    f.states[f.n] = s[0]
    f.weights[f.n] = w
    f.n += 1
    return 0


cdef void pg_found_free(PGFound* f) noexcept nogil:
    free(f.states)
    free(f.weights)
    f.states = NULL
    f.weights = NULL
    f.n = 0
    f.cap = 0


cdef int pg_enumerate(const PGSpec* g, const PGTrajectory* t, long max_nodes,
                      PGFound* out, long* visited) noexcept nogil:
    cdef PGState* stack = <PGState*>malloc(PG_STACK * sizeof(PGState))
    cdef double* wstack = <double*>malloc(PG_STACK * sizeof(double))
    cdef PGState kids[PG_MAX_CELLS]
    cdef double probs[PG_MAX_CELLS]
    cdef PGState node
    cdef double w
    cdef int top, k, n
    cdef int code = 0
    visited[0] = 0
    if stack == NULL or wstack == NULL:
        free(stack)
        free(wstack)
        return -1
    pg_reset(&stack[0])
    wstack[0] = 1.0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        w = wstack[top]
        visited[0] += 1
        if visited[0] > max_nodes:
            code = 1
            break
        if _is_target(g, t, &node):
            if _found_push(out, &node, w) < 0:
                code = -1
                break
            continue
        n = _children(g, t, &node, kids, probs)
        for k in range(n):
            stack[top] = kids[k]
            wstack[top] = w * probs[k]
            top += 1
    free(stack)
    free(wstack)
    return code


cdef int pg_sample(const PGSpec* g, const PGTrajectory* t, long num_particles,
                   long max_attempts, Rng* rng, PGFound* out, long* visited) noexcept nogil:
    cdef PGState kids[PG_MAX_CELLS]
    cdef double probs[PG_MAX_CELLS]
    cdef PGState node
    cdef double w, total
    cdef long attempts = 0
    cdef int n, k
    visited[0] = 0
    while out.n < num_particles:
        attempts += 1
        if attempts > max_attempts:
            return 2
        pg_reset(&node)
        w = 1.0
        while True:
            visited[0] += 1
            if _is_target(g, t, &node):
                if _found_push(out, &node, w) < 0:
                    return -1
                break
            n = _children(g, t, &node, kids, probs)
            if n == 0:
                break                                   # dead end: start a new particle
            total = 0.0
            for k in range(n):
                total += probs[k]
            node = kids[rng_below(rng, n)]              # probabilities are equal (uniform)
            w *= total
    return 0


# ---------------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------------

cdef void _hex_tables(uint8_t* wins, int rows, int cols) noexcept nogil:
    cdef int cells = rows * cols, p, r, c
    cdef uint32_t full = ((<uint32_t>1) << cells) - 1
    cdef uint32_t first_row = ((<uint32_t>1) << cols) - 1
    cdef uint32_t last_row = first_row << (cols * (rows - 1))
    cdef uint32_t first_col = 0, last_col = 0, m, reach, grown, start, goal
    for r in range(rows):
        first_col |= (<uint32_t>1) << (r * cols)
        last_col |= (<uint32_t>1) << (r * cols + cols - 1)
    for p in range(2):
        start = first_row if p == 0 else first_col
        goal = last_row if p == 0 else last_col
        for m in range((<uint32_t>1) << cells):
            reach = m & start
            while True:
                grown = (reach | (reach >> cols) | ((reach & ~last_col) >> (cols - 1))
                         | ((reach & ~last_col) << 1) | (reach << cols)
                         | ((reach & ~first_col) << (cols - 1)) | ((reach & ~first_col) >> 1))
                grown &= m & full
                if grown == reach:
                    break
                reach = grown
            wins[(p << cells) | m] = 1 if (reach & goal) else 0


cdef void _tictactoe_tables(uint8_t* wins) noexcept nogil:
    cdef int p, i
    cdef uint32_t m, line
    for p in range(2):
        for m in range(512):
            wins[(p << 9) | m] = 0
            for i in range(8):
                line = _LINES[i]
                if m & line == line:
                    wins[(p << 9) | m] = 1


cdef class GameSpec:
    """One supported game variant: board kind and size, version, what information states show.

    ``board`` is ``"tictactoe"`` (3x3 only) or ``"hex"`` (2 <= rows, cols and rows*cols <= 16);
    ``abrupt`` passes the turn after a move into an occupied cell; ``reveal_turns`` is OpenSpiel's
    ``obstype=reveal-numturns``. ``game_string`` names the OpenSpiel game it mirrors.
    """
    cdef PGSpec spec
    cdef uint8_t* wins_buf
    cdef readonly str board
    cdef readonly str game_string
    cdef readonly bint abrupt
    cdef readonly bint reveal_turns

    def __cinit__(self, str board, int rows, int cols, bint abrupt, bint reveal_turns,
                  str game_string=""):
        self.wins_buf = NULL
        if board == "tictactoe":
            if rows != 3 or cols != 3:
                raise ValueError(f"tic-tac-toe boards are 3x3, got {rows}x{cols}")
        elif board == "hex":
            if rows < 2 or cols < 2 or rows * cols > PG_MAX_CELLS:
                raise ValueError(f"hex boards need 2 <= rows, cols and rows*cols <= "
                                 f"{PG_MAX_CELLS}, got {rows}x{cols}")
        else:
            raise ValueError(f"board must be 'tictactoe' or 'hex', got {board!r}")
        cdef int cells = rows * cols
        self.wins_buf = <uint8_t*>malloc(2 << cells)
        if self.wins_buf == NULL:
            raise MemoryError()
        if board == "tictactoe":
            _tictactoe_tables(self.wins_buf)
        else:
            _hex_tables(self.wins_buf, rows, cols)
        self.board = board
        self.game_string = game_string
        self.abrupt = abrupt
        self.reveal_turns = reveal_turns
        self.spec.board = PG_TICTACTOE if board == "tictactoe" else PG_HEX
        self.spec.abrupt = abrupt
        self.spec.reveal_turns = reveal_turns
        self.spec.key_has_length = 1 if (board == "hex" or reveal_turns) else 0
        self.spec.rows = rows
        self.spec.cols = cols
        self.spec.cells = cells
        self.spec.full = ((<uint32_t>1) << cells) - 1
        self.spec.wins = self.wins_buf

    def __dealloc__(self):
        free(self.wins_buf)

    @property
    def rows(self) -> int:
        return self.spec.rows

    @property
    def cols(self) -> int:
        return self.spec.cols

    @property
    def num_cells(self) -> int:
        return self.spec.cells

    def new_initial_state(self) -> NativeState:
        cdef NativeState s = NativeState.__new__(NativeState)
        s.game = self
        pg_reset(&s.s)
        return s

    def from_history(self, actions) -> NativeState:
        """Replay ``actions`` from the initial state (ValueError on an illegal action)."""
        cdef NativeState s = self.new_initial_state()
        cdef long a
        cdef int i = 0
        for x in actions:
            a = -1 if (isinstance(x, bool) or not isinstance(x, (int, np.integer))) else x
            if (a < 0 or a >= self.spec.cells or s.s.length >= PG_MAX_LEN
                    or not (pg_legal_mask(&self.spec, &s.s) >> a) & 1):
                try:
                    s.apply_action(x)         # raises the precise error
                except (ValueError, TypeError) as err:
                    raise type(err)(f"history {list(actions)!r}, move {i}: {err}") from None
            pg_apply(&self.spec, &s.s, a)
            i += 1
        return s

    def __repr__(self) -> str:
        return (f"GameSpec({self.board!r}, {self.rows}x{self.cols}, abrupt={self.abrupt}, "
                f"reveal_turns={self.reveal_turns}, game={self.game_string!r})")


cdef class NativeState:
    """A native history: the OpenSpiel-like state methods the search code calls, plus
    ``information_state_key``. ``clone``/``child``/``apply_action`` as in ``pyspiel.State``."""
    cdef PGState s
    cdef readonly GameSpec game

    def current_player(self) -> int:
        return TERMINAL_PLAYER if self.s.outcome != PG_RUNNING else self.s.current

    def is_terminal(self) -> bool:
        return self.s.outcome != PG_RUNNING

    def is_chance_node(self) -> bool:
        return False

    def legal_actions(self, player=None) -> list:
        cdef uint32_t legal = pg_legal_mask(&self.game.spec, &self.s)
        if player is not None and player != self.current_player():
            return []
        out = []
        while legal:
            out.append(__builtin_ctz(legal))
            legal &= legal - 1
        return out

    def returns(self) -> list:
        return [pg_return(&self.s, 0), pg_return(&self.s, 1)]

    def apply_action(self, action) -> None:
        if isinstance(action, bool) or not isinstance(action, (int, np.integer)):
            raise TypeError(f"action must be an int, got {type(action).__name__}")
        if self.s.outcome != PG_RUNNING:
            raise ValueError(f"cannot apply action {action} to a terminal state")
        a = int(action)
        if a < 0 or a >= self.game.spec.cells:
            raise ValueError(f"action {a} out of range [0, {self.game.spec.cells})")
        if not (pg_legal_mask(&self.game.spec, &self.s) >> a) & 1:
            raise ValueError(f"illegal action {a}: player {self.s.current} already tried "
                             f"that cell (legal: {self.legal_actions()})")
        pg_apply(&self.game.spec, &self.s, a)

    def clone(self) -> NativeState:
        cdef NativeState c = NativeState.__new__(NativeState)
        c.game = self.game
        c.s = self.s
        return c

    def child(self, action) -> NativeState:
        c = self.clone()
        c.apply_action(action)
        return c

    def history(self) -> list:
        return [self.s.history[i] for i in range(self.s.length)]

    def history_str(self) -> str:
        return ", ".join(str(self.s.history[i]) for i in range(self.s.length))

    def move_number(self) -> int:
        return self.s.length

    def information_state_key(self, int player) -> int:
        """An int that is equal for two states iff their information_state_string are."""
        if player != 0 and player != 1:
            raise ValueError(f"player must be 0 or 1, got {player}")
        cdef PGKey k = pg_key(&self.game.spec, &self.s, player)
        return (int(k.rest) << 64) | int(k.seq)

    def __repr__(self) -> str:
        return f"NativeState({self.game.game_string or self.game.board}, {self.history()})"


cdef NativeState _wrap(GameSpec game, const PGState* s):
    cdef NativeState out = NativeState.__new__(NativeState)
    out.game = game
    out.s = s[0]
    return out


cdef class HistoryBatch:
    """A read-only sequence of native states (a posterior's support), materialised on access."""
    cdef PGState* states
    cdef readonly long n
    cdef readonly GameSpec game

    def __cinit__(self):
        self.states = NULL
        self.n = 0

    def __dealloc__(self):
        free(self.states)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.n))]
        cdef long i = index
        if i < 0:
            i += self.n
        if i < 0 or i >= self.n:
            raise IndexError(f"history index {index} out of range for {self.n} histories")
        return _wrap(self.game, &self.states[i])

    def __iter__(self):
        for i in range(self.n):
            yield _wrap(self.game, &self.states[i])


cdef HistoryBatch _batch(GameSpec game, PGFound* f):
    """Take ownership of f's states; return them as a HistoryBatch (f's weights are kept)."""
    cdef HistoryBatch b = HistoryBatch.__new__(HistoryBatch)
    b.game = game
    b.states = f.states
    b.n = f.n
    f.states = NULL
    return b


cdef cnp.ndarray _weights_array(const PGFound* f):
    cdef cnp.ndarray[cnp.float64_t, ndim=1] w = np.empty(f.n, dtype=np.float64)
    if f.n:
        memcpy(&w[0], f.weights, f.n * sizeof(double))
    return w


cdef _check_truth(NativeState truth, int player):
    if truth.s.outcome != PG_RUNNING:
        raise ValueError("cannot condition on a terminal state")
    if truth.s.current != player:
        raise ValueError(f"player {player} is not to move (current player {truth.s.current})")


def enumerate_consistent(NativeState truth, int player, long max_nodes):
    """Exact posterior support under the uniform blueprint.

    Returns ``(batch, raw_weights, nodes_visited)``; ``batch`` is None when more than
    ``max_nodes`` nodes would be needed. Raw weights are the opponent's probabilities.
    """
    if max_nodes <= 0:
        raise ValueError(f"max_nodes must be positive, got {max_nodes}")
    _check_truth(truth, player)
    cdef PGTrajectory t
    cdef PGFound f
    cdef long visited = 0
    cdef int code
    memset(&f, 0, sizeof(PGFound))
    with nogil:
        pg_trajectory(&truth.game.spec, &truth.s, player, &t)
        code = pg_enumerate(&truth.game.spec, &t, max_nodes, &f, &visited)
    try:
        if code == -1:
            raise MemoryError("out of memory while enumerating histories")
        if code == 1:
            return None, np.zeros(0), visited
        weights = _weights_array(&f)
        return _batch(truth.game, &f), weights, visited
    finally:
        pg_found_free(&f)


def sample_consistent(NativeState truth, int player, long num_particles, uint64_t seed,
                      long max_attempts_per_particle=100):
    """Sequential importance sampling: ``(batch, raw_weights, nodes_visited)``."""
    if num_particles <= 0:
        raise ValueError(f"num_particles must be positive, got {num_particles}")
    if max_attempts_per_particle <= 0:
        raise ValueError(f"max_attempts_per_particle must be positive, "
                         f"got {max_attempts_per_particle}")
    _check_truth(truth, player)
    cdef PGTrajectory t
    cdef PGFound f
    cdef Rng rng
    cdef long visited = 0
    cdef int code
    memset(&f, 0, sizeof(PGFound))
    rng_seed(&rng, seed, 0)
    with nogil:
        pg_trajectory(&truth.game.spec, &truth.s, player, &t)
        code = pg_sample(&truth.game.spec, &t, num_particles,
                         max_attempts_per_particle * num_particles, &rng, &f, &visited)
    try:
        if code == -1:
            raise MemoryError("out of memory while sampling histories")
        if code == 2:
            raise RuntimeError(f"sequential importance sampling found only {f.n} of "
                               f"{num_particles} particles")
        weights = _weights_array(&f)
        return _batch(truth.game, &f), weights, visited
    finally:
        pg_found_free(&f)


cdef double _rollout_task(const PGSpec* g, const PGState* start, int action, int player,
                          uint64_t seed, uint64_t stream) noexcept nogil:
    cdef PGState s = start[0]
    cdef Rng rng
    rng_seed(&rng, seed, stream)
    pg_apply(g, &s, action)
    return pg_rollout(g, &s, player, &rng)


def rollout_values(states, actions, int player, seeds, bint common_random_numbers=True,
                   int num_threads=1):
    """Mean return to ``player`` of "apply action k at history h, then uniform play", per (h, k).

    ``seeds[h, j]`` seeds the j-th rollout at history h; with common random numbers every action
    uses stream j of that seed, otherwise action k uses its own stream. Each rollout has its own
    generator, so the result does not depend on ``num_threads`` (batches of fewer than
    ``4 * 512`` rollouts always run on the calling thread). Returns an array (H, A).
    """
    if num_threads <= 0:
        raise ValueError(f"num_threads must be positive, got {num_threads}")
    cdef long H = len(states), A = len(actions), R
    cdef cnp.ndarray[cnp.uint64_t, ndim=2] sd = np.ascontiguousarray(seeds, dtype=np.uint64)
    if sd.shape[0] != H:
        raise ValueError(f"seeds must have one row per history ({H}), got shape {seeds.shape}")
    R = sd.shape[1]
    if R <= 0:
        raise ValueError("seeds must have at least one column (one per rollout)")
    if A == 0:
        raise ValueError("no actions to evaluate")
    cdef GameSpec game = None
    cdef PGState* buf = <PGState*>malloc(max(H, 1) * sizeof(PGState))
    cdef int* acts = <int*>malloc(A * sizeof(int))
    cdef double* out = <double*>malloc(max(H * A * R, 1) * sizeof(double))
    cdef NativeState st
    cdef const PGSpec* g = NULL
    cdef uint32_t legal
    cdef double total
    cdef long h, k, j, t, T = H * A * R
    cdef uint64_t stream
    cdef const uint64_t* sp
    if buf == NULL or acts == NULL or out == NULL:
        free(buf); free(acts); free(out)
        raise MemoryError()
    try:
        for k in range(A):
            acts[k] = int(actions[k])
        for h in range(H):
            st = states[h]
            if game is None:
                game = st.game
            elif st.game is not game:
                raise ValueError("all histories must belong to the same game")
            if st.s.outcome != PG_RUNNING or st.s.current != player:
                raise ValueError(f"history {st.history()} is terminal or player {player} "
                                 f"is not to move")
            legal = pg_legal_mask(&game.spec, &st.s)
            for k in range(A):
                if acts[k] < 0 or acts[k] >= game.spec.cells or not (legal >> acts[k]) & 1:
                    raise ValueError(f"action {acts[k]} is not legal at history {st.history()}")
            buf[h] = st.s
        res = np.zeros((H, A), dtype=np.float64)
        if H == 0:
            return res
        sp = &sd[0, 0]
        g = &game.spec
        with nogil:
            if num_threads == 1 or T < 4 * _PARALLEL_GRAIN:     # a team costs more than it saves
                for t in range(T):
                    h = t // (A * R)
                    k = (t // R) % A
                    j = t % R
                    stream = 0 if common_random_numbers else <uint64_t>(k + 1)
                    out[t] = _rollout_task(g, &buf[h], acts[k], player,
                                           sp[h * R + j], stream)
            else:
                for t in prange(T, num_threads=num_threads, schedule="dynamic", chunksize=64):
                    out[t] = _rollout_task(g, &buf[t // (A * R)],
                                           acts[(t // R) % A], player,
                                           sp[(t // (A * R)) * R + t % R],
                                           0 if common_random_numbers
                                           else <uint64_t>((t // R) % A + 1))
        for h in range(H):
            for k in range(A):
                total = 0.0
                for j in range(R):
                    total += out[(h * A + k) * R + j]
                res[h, k] = total / R
        return res
    finally:
        free(buf)
        free(acts)
        free(out)


def uniform_rollouts(NativeState state, long n, uint64_t seed, int player):
    """``n`` uniform playouts from ``state``: (mean return to player, total moves played)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if player != 0 and player != 1:
        raise ValueError(f"player must be 0 or 1, got {player}")
    cdef double total = 0.0
    cdef long moves = 0, i
    cdef PGState s
    cdef Rng rng
    cdef const PGSpec* g = &state.game.spec
    with nogil:
        for i in range(n):
            s = state.s
            rng_seed(&rng, seed, <uint64_t>i)
            total += pg_rollout(g, &s, player, &rng)
            moves += s.length - state.s.length
    return total / n, moves


cdef double _expect(const PGSpec* g, const PGState* s, int player) noexcept nogil:
    """Exact expected return to player when both play uniformly (plain recursion, no memo)."""
    cdef uint32_t legal
    cdef PGState c
    cdef double total = 0.0
    cdef int n
    if s.outcome != PG_RUNNING:
        return pg_return(s, player)
    legal = (~s.tried[s.current]) & g.full
    n = __builtin_popcount(legal)
    while legal:
        c = s[0]
        pg_apply(g, &c, __builtin_ctz(legal))
        legal &= legal - 1
        total += _expect(g, &c, player)
    return total / n


def exact_values(states, actions, int player):
    """Exact expected return to ``player`` of "apply action k at history h, then uniform play"
    for every (h, k): an array (H, A). The cost is the size of the subtrees (no memo), so use it
    on mid/late-game histories."""
    cdef long H = len(states), A = len(actions), h, k
    cdef NativeState st
    res = np.zeros((H, A), dtype=np.float64)
    cdef double[:, ::1] r = res
    cdef PGState c
    cdef int a
    for h in range(H):
        st = states[h]
        if st.s.outcome != PG_RUNNING or st.s.current != player:
            raise ValueError(f"history {st.history()} is terminal or player {player} "
                             f"is not to move")
        for k in range(A):
            a = int(actions[k])
            if (a < 0 or a >= st.game.spec.cells
                    or not (pg_legal_mask(&st.game.spec, &st.s) >> a) & 1):
                raise ValueError(f"action {a} is not legal at history {st.history()}")
            c = st.s
            with nogil:
                pg_apply(&st.game.spec, &c, a)
                r[h, k] = _expect(&st.game.spec, &c, player)
    return res


# ---------------------------------------------------------------------------------------------
# Batches stored as numpy arrays (uedtp.envs.phantom.batch.PhantomBatch)
# ---------------------------------------------------------------------------------------------
# A PhantomBatch keeps n games as rows of small arrays (board, per-player stone masks, views,
# own-try sequences, history, current player, done, winner). One step of ``batch_apply``: for
# every listed row, load the few fields ``pg_apply`` reads (stones, mover, tries so far, length)
# into a PGState, let ``pg_apply`` play the move (the one copy of the rules: placing or
# failing, win/full-board detection from the GameSpec's tables, turn passing, abrupt vs
# classical), and write what changed back into the rows' arrays. ``batch_legal_mask`` asks
# ``pg_legal_mask`` the same way, and ``batch_information_state_tensor`` writes OpenSpiel's
# information_state_tensor (cell planes of the player's view, then its tries in order).

# Cell content (0 empty, 1 player 0's stone, 2 player 1's) -> OpenSpiel tensor plane: tic-tac-toe
# planes are empty, nought (player 1), cross (player 0); hex cell states are offset by 4 so that
# white (player 1) is 3, empty 4, black (player 0) 5.
cdef int[3] _TTT_PLANE = [0, 2, 1]
cdef int[3] _HEX_PLANE = [4, 5, 3]


cdef inline int _cell_states(const PGSpec* g) noexcept nogil:
    return 3 if g.board == PG_TICTACTOE else 9


def batch_tensor_size(GameSpec game) -> int:
    """Length of the information_state_tensor of ``game`` (reveal-nothing observations)."""
    cdef const PGSpec* g = &game.spec
    return g.cells * _cell_states(g) + g.cells * g.cells


cdef long _row_index(long r, long n) except -1:
    """A row index as numpy reads it (negative counts from the end); IndexError outside."""
    cdef long i = r + n if r < 0 else r
    if i < 0 or i >= n:
        raise IndexError(f"row {r} is out of range for a batch of {n} games")
    return i


cdef uint32_t _tried_mask(const int8_t[:, :, ::1] view, long r, int p, int cells) noexcept nogil:
    """Cells player p has tried in row r = the cells its view does not show as empty."""
    cdef uint32_t m = 0
    cdef int c
    for c in range(cells):
        if view[r, p, c] != 0:
            m |= (<uint32_t>1) << c
    return m


def batch_apply(GameSpec game, int8_t[:, ::1] board, int64_t[:, ::1] stones,
                int8_t[:, :, ::1] view, int8_t[:, :, ::1] seq, int64_t[:, ::1] seq_len,
                int64_t[::1] current, uint8_t[::1] done, int64_t[::1] winner,
                int8_t[:, ::1] hist, int64_t[::1] hist_len, const int64_t[::1] rows,
                const int64_t[::1] actions, bint check=True) -> None:
    """The mover of row ``rows[k]`` tries cell ``actions[k]``, for every k (in place).

    With ``check`` the rows must be live, distinct, and the cells empty in the movers' views;
    actions and rows are always range-checked. On an error nothing is changed.
    """
    cdef const PGSpec* g = &game.spec
    cdef long n = current.shape[0], k, K = rows.shape[0], r, a, i
    cdef int p
    cdef bint bad_done = False, bad_range = False
    cdef long illegal = -1
    if actions.shape[0] != K:
        raise ValueError(f"{K} rows but {actions.shape[0]} actions")
    if (board.shape[0] != n or board.shape[1] != g.cells or view.shape[0] != n
            or view.shape[1] != 2 or view.shape[2] != g.cells or seq.shape[0] != n
            or seq.shape[2] != g.cells or stones.shape[0] != n or seq_len.shape[0] != n
            or done.shape[0] != n or winner.shape[0] != n or hist.shape[0] != n
            or hist.shape[1] != 2 * g.cells - 1 or hist_len.shape[0] != n):
        raise ValueError("batch arrays do not match the game's shape")
    cdef long* idx = <long*>malloc(max(K, 1) * sizeof(long))
    cdef uint8_t* seen = NULL
    if idx == NULL:
        raise MemoryError()
    try:
        for k in range(K):
            idx[k] = _row_index(rows[k], n)
        for k in range(K):
            r, a = idx[k], actions[k]
            if done[r]:
                bad_done = True
            if a < 0 or a >= g.cells:
                bad_range = True
            elif illegal < 0 and view[r, current[r] & 1, a] != 0:
                illegal = a
        if check and bad_done:
            raise ValueError("cannot apply an action to a finished game")
        if bad_range:
            raise ValueError(f"actions must be cells in [0, {g.cells})")
        if check and illegal >= 0:
            raise ValueError(f"illegal action {illegal}: the cell is not empty in the mover's "
                             f"view")
        if check and K > 1:
            seen = <uint8_t*>malloc(n)
            if seen == NULL:
                raise MemoryError()
            memset(seen, 0, n)
            for k in range(K):
                if seen[idx[k]]:
                    raise ValueError("each row may appear once per apply")
                seen[idx[k]] = 1
        for k in range(K):
            r = idx[k]
            p = current[r]
            if (p != 0 and p != 1) or seq_len[r, p] >= g.cells or hist_len[r] >= hist.shape[1]:
                raise ValueError(f"row {r} cannot take another move (finished or corrupt game)")
        with nogil:
            for k in range(K):
                _apply_row(g, board, stones, view, seq, seq_len, current, done, winner, hist,
                           hist_len, idx[k], <int>actions[k])
    finally:
        free(idx)
        free(seen)


def batch_legal_mask(GameSpec game, const int8_t[:, :, ::1] view, const int64_t[::1] current,
                     const uint8_t[::1] done, rows=None):
    """(k, cells) bool: the cells the mover of each row may try (none in finished games)."""
    cdef const PGSpec* g = &game.spec
    cdef long n = current.shape[0], k, K, r
    cdef const int64_t[::1] rv
    if rows is None:
        K = n
    else:
        rv = rows
        K = rv.shape[0]
    out = np.zeros((K, g.cells), dtype=np.bool_)
    if K == 0:
        return out
    cdef uint8_t[:, ::1] o = out.view(np.uint8)
    cdef long* idx = <long*>malloc(K * sizeof(long))
    cdef PGState s
    cdef uint32_t legal
    cdef int p, c
    if idx == NULL:
        raise MemoryError()
    try:
        if view.shape[0] != n or view.shape[2] != g.cells or done.shape[0] != n:
            raise ValueError("batch arrays do not match the game's shape")
        for k in range(K):
            idx[k] = k if rows is None else _row_index(rv[k], n)
        with nogil:
            for k in range(K):
                r = idx[k]
                p = <int>(current[r] & 1)
                s.current = <uint8_t>p
                s.outcome = PG_DRAW if done[r] else PG_RUNNING
                s.tried[p] = _tried_mask(view, r, p, g.cells)
                legal = pg_legal_mask(g, &s)
                while legal:
                    c = __builtin_ctz(legal)
                    o[k, c] = 1
                    legal &= legal - 1
        return out
    finally:
        free(idx)


def batch_information_state_tensor(GameSpec game, const int8_t[:, :, ::1] view,
                                   const int8_t[:, :, ::1] seq, const int64_t[::1] rows,
                                   const int64_t[::1] players):
    """(k, D) float32: OpenSpiel's information_state_tensor of ``players[k]`` at ``rows[k]``.

    Layout (reveal-nothing observations): the player's view as one-hot cell states (tic-tac-toe:
    plane-major, 3 planes; hex: cell-major, 9 states), then one one-hot row of ``cells`` per try
    in order (all zero for tries not made yet).
    """
    cdef const PGSpec* g = &game.spec
    cdef long n = view.shape[0], k, K = rows.shape[0], r
    cdef int cells = g.cells, states = _cell_states(g), base = g.cells * _cell_states(g)
    cdef int p, c, v, a
    if players.shape[0] != K:
        raise ValueError(f"{K} rows but {players.shape[0]} players")
    if view.shape[2] != cells or seq.shape[0] != n or seq.shape[2] != cells:
        raise ValueError("batch arrays do not match the game's shape")
    out = np.zeros((K, base + cells * cells), dtype=np.float32)
    if K == 0:
        return out
    cdef float[:, ::1] o = out
    cdef long* idx = <long*>malloc(K * sizeof(long))
    if idx == NULL:
        raise MemoryError()
    try:
        for k in range(K):
            idx[k] = _row_index(rows[k], n)
            if players[k] != 0 and players[k] != 1:
                raise ValueError(f"player must be 0 or 1, got {players[k]}")
            for c in range(cells):
                if view[idx[k], players[k], c] < 0 or view[idx[k], players[k], c] > 2:
                    raise ValueError(f"row {idx[k]}: corrupt view (cell {c} holds "
                                     f"{view[idx[k], players[k], c]})")
                if seq[idx[k], players[k], c] >= cells:
                    raise ValueError(f"row {idx[k]}: corrupt try sequence")
        with nogil:
            for k in range(K):
                r, p = idx[k], <int>players[k]
                for c in range(cells):
                    v = view[r, p, c]
                    if g.board == PG_TICTACTOE:
                        o[k, _TTT_PLANE[v] * cells + c] = 1.0
                    else:
                        o[k, c * states + _HEX_PLANE[v]] = 1.0
                for c in range(cells):
                    a = seq[r, p, c]
                    if a >= 0:
                        o[k, base + c * cells + a] = 1.0
        return out
    finally:
        free(idx)


cdef void _encode_row(const PGSpec* g, const int8_t[:, :, ::1] view, const int8_t[:, :, ::1] seq,
                      long r, int p, float* out) noexcept nogil:
    """Tensor of player p at row r (``batch_information_state_tensor``) + p's one-hot."""
    cdef int cells = g.cells, states = _cell_states(g), base = g.cells * _cell_states(g)
    cdef int c, v, a
    for c in range(cells):
        v = view[r, p, c]
        if g.board == PG_TICTACTOE:
            out[_TTT_PLANE[v] * cells + c] = 1.0
        else:
            out[c * states + _HEX_PLANE[v]] = 1.0
    for c in range(cells):
        a = seq[r, p, c]
        if a >= 0:
            out[base + c * cells + a] = 1.0
    out[base + cells * cells + p] = 1.0


cdef void _apply_row(const PGSpec* g, int8_t[:, ::1] board, int64_t[:, ::1] stones,
                     int8_t[:, :, ::1] view, int8_t[:, :, ::1] seq, int64_t[:, ::1] seq_len,
                     int64_t[::1] current, uint8_t[::1] done, int64_t[::1] winner,
                     int8_t[:, ::1] hist, int64_t[::1] hist_len, long r, int a) noexcept nogil:
    """The mover of row r tries cell a (the body of ``batch_apply``)."""
    cdef PGState s
    cdef int p = <int>current[r]
    s.stones[0] = <uint32_t>stones[r, 0]
    s.stones[1] = <uint32_t>stones[r, 1]
    s.tried[0] = 0
    s.tried[1] = 0
    s.seq[0] = 0
    s.seq[1] = 0
    s.movers = 0
    s.ntried[0] = 0
    s.ntried[1] = 0
    s.ntried[p] = <uint8_t>seq_len[r, p]
    s.current = <uint8_t>p
    s.outcome = PG_RUNNING
    s.length = <uint8_t>hist_len[r]
    pg_apply(g, &s, a)
    if s.stones[p] != <uint32_t>stones[r, p]:
        board[r, a] = <int8_t>(p + 1)
        stones[r, p] = s.stones[p]
    view[r, p, a] = board[r, a]
    seq[r, p, seq_len[r, p]] = <int8_t>a
    seq_len[r, p] += 1
    hist[r, hist_len[r]] = <int8_t>a
    hist_len[r] += 1
    if s.outcome != PG_RUNNING:
        done[r] = 1
        if s.outcome == PG_WIN0 or s.outcome == PG_WIN1:
            winner[r] = s.outcome - PG_WIN0
    current[r] = s.current


cdef int _rollout_chunk(const PGSpec* g, const MLP* net, double temperature, long first, int n,
                        int8_t[:, ::1] board, int64_t[:, ::1] stones, int8_t[:, :, ::1] view,
                        int8_t[:, :, ::1] seq, int64_t[:, ::1] seq_len, int64_t[::1] current,
                        uint8_t[::1] done, int64_t[::1] winner, int8_t[:, ::1] hist,
                        int64_t[::1] hist_len, const int64_t[::1] urow,
                        const double[:, ::1] uniforms) noexcept nogil:
    """Rows first..first+n-1 to the end (module docstring); 0, 1 out of memory, 2 out of
    uniforms, 3 a live row without a legal cell."""
    cdef int D = net.input_size, A = g.cells
    cdef long T = uniforms.shape[1]
    cdef float* x = <float*>malloc(<long>n * D * sizeof(float))
    cdef unsigned char* mask = <unsigned char*>malloc(<long>n * A)
    cdef double* probs = <double*>malloc(<long>n * A * sizeof(double))
    cdef float* work = <float*>malloc(mlp_workspace(net, n) * sizeof(float))
    cdef long* live = <long*>malloc(n * sizeof(long))
    cdef long* steps = <long*>malloc(n * sizeof(long))
    cdef int k, m, c, p, nlive = 0, code = 0
    cdef long r
    if x == NULL or mask == NULL or probs == NULL or work == NULL or live == NULL \
            or steps == NULL:
        code = 1
    else:
        for k in range(n):
            steps[k] = 0
            if not done[first + k]:
                live[nlive] = k
                nlive += 1
    while code == 0 and nlive > 0:
        memset(x, 0, <long>nlive * D * sizeof(float))
        memset(mask, 0, <long>nlive * A)
        for k in range(nlive):
            r = first + live[k]
            if steps[live[k]] >= T:
                code = 2
                break
            p = <int>(current[r] & 1)
            _encode_row(g, view, seq, r, p, x + <long>k * D)
            for c in range(A):
                if view[r, p, c] == 0:
                    mask[<long>k * A + c] = 1
        if code:
            break
        if mlp_forward(net, nlive, x, D, mask, A, temperature, work, probs, A, NULL) >= 0:
            code = 3
            break
        m = 0
        for k in range(nlive):
            r = first + live[k]
            c = sample_row(probs + <long>k * A, A, uniforms[urow[r], steps[live[k]]])
            steps[live[k]] += 1
            _apply_row(g, board, stones, view, seq, seq_len, current, done, winner, hist,
                       hist_len, r, c)
            if not done[r]:
                live[m] = live[k]
                m += 1
        nlive = m
    free(x)
    free(mask)
    free(probs)
    free(work)
    free(live)
    free(steps)
    return code


def batch_rollout_native(GameSpec game, NativeMLP net, double temperature,
                         int8_t[:, ::1] board, int64_t[:, ::1] stones, int8_t[:, :, ::1] view,
                         int8_t[:, :, ::1] seq, int64_t[:, ::1] seq_len, int64_t[::1] current,
                         uint8_t[::1] done, int64_t[::1] winner, int8_t[:, ::1] hist,
                         int64_t[::1] hist_len, const int64_t[::1] urow,
                         const double[:, ::1] uniforms, int chunk=1,
                         int num_threads=1) -> None:
    """Play every row of a batch to the end with ``net`` (module docstring): row r's t-th move
    from here on is drawn with ``uniforms[urow[r], t]``. Rows are cut into chunks of ``chunk``
    (OpenMP tasks over ``num_threads``); the result depends on neither."""
    cdef const PGSpec* g = &game.spec
    cdef long n = current.shape[0], r, c, nchunks, first
    cdef int size
    if net.input_size != batch_tensor_size(game) + 2 or net.num_actions != g.cells:
        raise ValueError(f"the network maps {net.input_size} inputs to {net.num_actions} "
                         f"actions; this game needs {batch_tensor_size(game) + 2} -> {g.cells}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if chunk < 1 or num_threads < 1:
        raise ValueError(f"chunk and num_threads must be >= 1, got {chunk}, {num_threads}")
    if (board.shape[0] != n or board.shape[1] != g.cells or view.shape[0] != n
            or view.shape[1] != 2 or view.shape[2] != g.cells or seq.shape[0] != n
            or seq.shape[2] != g.cells or stones.shape[0] != n or seq_len.shape[0] != n
            or done.shape[0] != n or winner.shape[0] != n or hist.shape[0] != n
            or hist.shape[1] != 2 * g.cells - 1 or hist_len.shape[0] != n
            or urow.shape[0] != n):
        raise ValueError("batch arrays do not match the game's shape")
    for r in range(n):
        if not 0 <= urow[r] < uniforms.shape[0]:
            raise ValueError(f"uniform row {urow[r]} out of range 0..{uniforms.shape[0] - 1}")
        if not done[r] and (current[r] < 0 or current[r] > 1):
            raise ValueError(f"row {r}: corrupt current player {current[r]}")
    if n == 0:
        return
    nchunks = (n + chunk - 1) // chunk
    codes = np.zeros(nchunks, dtype=np.intc)
    cdef int[::1] cv = codes
    with nogil:
        for c in prange(nchunks, num_threads=num_threads, schedule="dynamic"):
            first = c * chunk
            size = <int>(n - first if n - first < chunk else chunk)
            cv[c] = _rollout_chunk(g, &net.net, temperature, first, size, board, stones, view,
                                   seq, seq_len, current, done, winner, hist, hist_len, urow,
                                   uniforms)
    worst = int(codes.max())
    if worst == 1:
        raise MemoryError()
    if worst == 2:
        raise RuntimeError(f"rollouts longer than the {uniforms.shape[1]} uniforms provided")
    if worst == 3:
        raise RuntimeError("a live game has no legal cell")
