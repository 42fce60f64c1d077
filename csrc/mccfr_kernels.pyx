# cython: language_level=3
"""Monte Carlo CFR traversals on a compiled game tree (seeded xoshiro RNG, nogil recursion).

External sampling, one traversal for player i (``external_sampling``): at chance nodes sample
one outcome; at another player's node sample one action from its regret-matching policy and
add that policy to its average (stochastically weighted averaging); at i's nodes try every
action, and add v(a) - sum_b sigma(b) v(b) to i's cumulative regrets.

Outcome sampling, one traversal for player i (``outcome_sampling``): sample a single terminal
history, at i's nodes from (epsilon · uniform + (1 - epsilon) · sigma), elsewhere on-policy.
With w = u_i(z) / q(z) (q = probability the sample took) the sampled action a gets regret
pi_-i(h) · w · (pi(ha -> z) - pi(h -> z)) and every other action -pi_-i(h) · w · pi(h -> z); i's
average gets sigma weighted by pi_i(h) / q(h).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint64_t
from uedtp.csrc.game_tree cimport KernelTree, TreeView, NODE_CHANCE, NODE_TERMINAL
from uedtp.csrc.rng cimport Rng, rng_seed, rng_uniform

cnp.import_array()


def new_rng_state(unsigned long long seed, unsigned long long stream=0):
    """A 4-word xoshiro256** state seeded from (seed, stream), as a uint64 array."""
    cdef Rng r
    rng_seed(&r, seed, stream)
    out = np.empty(4, dtype=np.uint64)
    cdef uint64_t[::1] o = out
    cdef int i
    for i in range(4):
        o[i] = r.s[i]
    return out


ctypedef struct _Ctx:
    const TreeView* t
    int player
    double* regret
    double* avg
    double* work          # per depth: max_actions slots of policy, then max_actions of values
    int max_actions
    int max_depth
    Rng* rng
    double epsilon


cdef inline void _match(const double* r, double* out, int n) noexcept nogil:
    cdef int j
    cdef double s = 0.0
    for j in range(n):
        if r[j] > 0.0:
            s += r[j]
    for j in range(n):
        out[j] = (r[j] / s if r[j] > 0.0 else 0.0) if s > 0.0 else 1.0 / n


cdef inline int _sample(const double* p, int n, double u) noexcept nogil:
    cdef int j
    cdef double acc = 0.0
    for j in range(n - 1):
        acc += p[j]
        if u < acc:
            return j
    return n - 1


cdef int _sample_chance(const TreeView* t, int n, double u) noexcept nogil:
    cdef int cs = t.child_start[n], nc = t.num_children[n], j
    cdef double acc = 0.0
    for j in range(nc - 1):
        acc += t.chance_prob[cs + j]
        if u < acc:
            return j
    return nc - 1


cdef double _es(_Ctx* c, int n, int depth) noexcept nogil:
    cdef const TreeView* t = c.t
    cdef int nc = t.num_children[n], cs, k, off, j, pl
    cdef double* sigma
    cdef double* vals
    cdef double v
    if nc == 0:
        return t.utility[<Py_ssize_t>c.player * t.num_nodes + n]
    cs = t.child_start[n]
    pl = t.player[n]
    if pl == NODE_CHANCE:
        return _es(c, cs + _sample_chance(t, n, rng_uniform(c.rng)), depth + 1)
    k = t.node_infoset[n]
    off = t.infoset_offset[k]
    sigma = c.work + <Py_ssize_t>depth * 2 * c.max_actions
    vals = sigma + c.max_actions
    _match(c.regret + off, sigma, nc)
    if pl != c.player:
        for j in range(nc):
            c.avg[off + j] += sigma[j]
        return _es(c, cs + _sample(sigma, nc, rng_uniform(c.rng)), depth + 1)
    v = 0.0
    for j in range(nc):
        vals[j] = _es(c, cs + j, depth + 1)
        v += sigma[j] * vals[j]
    for j in range(nc):
        c.regret[off + j] += vals[j] - v
    return v


cdef double _os(_Ctx* c, int n, int depth, double my_reach, double opp_reach,
                double sample_reach, double* tail) noexcept nogil:
    """Returns w = u_i(z) / q(z) of the sampled terminal; writes pi(n -> z) into tail[0]."""
    cdef const TreeView* t = c.t
    cdef int nc = t.num_children[n], cs, k, off, j, a, pl
    cdef double* sigma
    cdef double w, p, q, child_tail, cf, eps
    if nc == 0:
        tail[0] = 1.0
        return t.utility[<Py_ssize_t>c.player * t.num_nodes + n] / sample_reach
    cs = t.child_start[n]
    pl = t.player[n]
    if pl == NODE_CHANCE:
        a = _sample_chance(t, n, rng_uniform(c.rng))
        p = t.chance_prob[cs + a]
        w = _os(c, cs + a, depth + 1, my_reach, opp_reach * p, sample_reach * p, &child_tail)
        tail[0] = p * child_tail
        return w
    k = t.node_infoset[n]
    off = t.infoset_offset[k]
    sigma = c.work + <Py_ssize_t>depth * 2 * c.max_actions
    _match(c.regret + off, sigma, nc)
    if pl != c.player:
        a = _sample(sigma, nc, rng_uniform(c.rng))
        p = sigma[a]
        w = _os(c, cs + a, depth + 1, my_reach, opp_reach * p, sample_reach * p, &child_tail)
        tail[0] = p * child_tail
        return w
    eps = c.epsilon
    # sample from the epsilon-exploring policy (stored in the value half of the work row)
    for j in range(nc):
        sigma[c.max_actions + j] = eps / nc + (1.0 - eps) * sigma[j]
    a = _sample(sigma + c.max_actions, nc, rng_uniform(c.rng))
    q = sigma[c.max_actions + a]
    p = sigma[a]
    w = _os(c, cs + a, depth + 1, my_reach * p, opp_reach, sample_reach * q, &child_tail)
    cf = opp_reach * w
    for j in range(nc):
        if j == a:
            c.regret[off + j] += cf * child_tail * (1.0 - p)
        else:
            c.regret[off + j] -= cf * child_tail * p
    for j in range(nc):
        c.avg[off + j] += my_reach / sample_reach * sigma[j]
    tail[0] = p * child_tail
    return w


cdef _Ctx _context(KernelTree tree, int player, double[::1] regret, double[::1] avg,
                   double[::1] work, int max_actions, int max_depth, uint64_t[::1] rng_state):
    cdef _Ctx c
    if regret.shape[0] < tree.v.num_slots or avg.shape[0] < tree.v.num_slots:
        raise ValueError("slot arrays are smaller than the tree")
    if work.shape[0] < 2 * max_actions * (max_depth + 1) or rng_state.shape[0] != 4:
        raise ValueError("work buffer / rng state too small")
    if not 0 <= player < tree.v.num_players:
        raise ValueError(f"player {player} out of range")
    c.t = &tree.v
    c.player = player
    c.regret = &regret[0]
    c.avg = &avg[0]
    c.work = &work[0]
    c.max_actions = max_actions
    c.max_depth = max_depth
    c.rng = <Rng*>&rng_state[0]
    c.epsilon = 0.0
    return c


def external_sampling(KernelTree tree, int player, double[::1] regret, double[::1] avg,
                      double[::1] work, int max_actions, int max_depth,
                      uint64_t[::1] rng_state, int traversals=1):
    """``traversals`` external-sampling traversals for ``player``; returns the mean root value."""
    cdef _Ctx c = _context(tree, player, regret, avg, work, max_actions, max_depth, rng_state)
    cdef double total = 0.0
    cdef int i
    with nogil:
        for i in range(traversals):
            total += _es(&c, 0, 0)
    return total / traversals


def outcome_sampling(KernelTree tree, int player, double[::1] regret, double[::1] avg,
                     double[::1] work, int max_actions, int max_depth,
                     uint64_t[::1] rng_state, double epsilon, int traversals=1):
    """``traversals`` outcome-sampling traversals for ``player``; returns the mean of w."""
    cdef _Ctx c = _context(tree, player, regret, avg, work, max_actions, max_depth, rng_state)
    cdef double total = 0.0, tail
    cdef int i
    if not 0.0 < epsilon <= 1.0:
        raise ValueError(f"epsilon must be in (0, 1], got {epsilon}")
    c.epsilon = epsilon
    with nogil:
        for i in range(traversals):
            total += _os(&c, 0, 0, 1.0, 1.0, 1.0, &tail)
    return total / traversals
