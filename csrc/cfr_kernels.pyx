# cython: language_level=3
"""Per-iteration tree passes of the CFR family, tabular MMD and best response (nogil).

One CFR traversal for player p (``cfr_traverse``):
  1. forward sweep (parents first): reach[n] = product of chance and *other* players' policy
     probabilities on the path (counterfactual reach), own[n] = product of p's probabilities;
  2. backward sweep (children first): value[n] = p's expected utility below n under the policy;
     at p's nodes add reach[n] * value[child_j] into cfv[slot j] and reach[n] into
     iset_reach[infoset]; nodes the others never reach (reach 0) are skipped.
Then ``regret_update`` turns counterfactual values into instantaneous regrets
r(I,a) = cfv(I,a) - sum_b policy(I,b) cfv(I,b), folds them into the cumulative regrets with the
algorithm's rule (CFR, RM+, DCFR discounting, predictive RM+) and writes the next policy by
regret matching; ``average_update`` adds own-reach-weighted policies into the average.
``mmd_update`` applies the magnetic-mirror-descent step at every infoset, and
``best_response_value`` computes a best-response value by memoised recursion.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, log, INFINITY, fabs
from uedtp.csrc.game_tree cimport KernelTree, TreeView, NODE_CHANCE, NODE_TERMINAL

cnp.import_array()

RULE_CFR = 0
RULE_RM_PLUS = 1
RULE_DCFR = 2
RULE_PREDICTIVE_RM_PLUS = 3


cdef void _forward(const TreeView* t, int p, const double* policy, double* reach,
                   double* own) noexcept nogil:
    cdef int n, j, cs, nc, off, pl
    reach[0] = 1.0
    own[0] = 1.0
    for n in range(t.num_nodes):
        nc = t.num_children[n]
        if nc == 0:
            continue
        cs = t.child_start[n]
        pl = t.player[n]
        if pl == NODE_CHANCE:
            for j in range(nc):
                reach[cs + j] = reach[n] * t.chance_prob[cs + j]
                own[cs + j] = own[n]
        else:
            off = t.infoset_offset[t.node_infoset[n]]
            if pl == p:
                for j in range(nc):
                    reach[cs + j] = reach[n]
                    own[cs + j] = own[n] * policy[off + j]
            else:
                for j in range(nc):
                    reach[cs + j] = reach[n] * policy[off + j]
                    own[cs + j] = own[n]


cdef double _backward(const TreeView* t, int p, const double* policy, const double* reach,
                      double* value, double* cfv, double* iset_reach) noexcept nogil:
    cdef int n, j, cs, nc, off, pl, k
    cdef double v, r
    cdef const double* util = t.utility + <Py_ssize_t>p * t.num_nodes
    for n in range(t.num_nodes - 1, -1, -1):
        if reach[n] == 0.0:
            # unreachable for the others: its value is multiplied by a zero on every path that
            # could use it (bitwise-identical results, and sparse policies skip whole subtrees)
            value[n] = 0.0
            continue
        pl = t.player[n]
        nc = t.num_children[n]
        if nc == 0:
            value[n] = util[n]
            continue
        cs = t.child_start[n]
        v = 0.0
        if pl == NODE_CHANCE:
            for j in range(nc):
                v += t.chance_prob[cs + j] * value[cs + j]
        else:
            k = t.node_infoset[n]
            off = t.infoset_offset[k]
            for j in range(nc):
                v += policy[off + j] * value[cs + j]
            if pl == p:
                r = reach[n]
                if r != 0.0:
                    iset_reach[k] += r
                    for j in range(nc):
                        cfv[off + j] += r * value[cs + j]
        value[n] = v
    return value[0]


def cfr_traverse(KernelTree tree, int player, const double[::1] policy, double[::1] reach,
                 double[::1] own, double[::1] value, double[::1] cfv, double[::1] iset_reach):
    """Forward + backward sweep for ``player``; accumulates into ``cfv``/``iset_reach``.

    Returns the player's expected utility at the root under ``policy``.
    """
    cdef const TreeView* t = &tree.v
    cdef double root
    _check_len(tree, policy, reach, own, value, cfv, iset_reach)
    with nogil:
        _forward(t, player, &policy[0], &reach[0], &own[0])
        root = _backward(t, player, &policy[0], &reach[0], &value[0], &cfv[0], &iset_reach[0])
    return root


cdef _check_len(KernelTree tree, const double[::1] policy, double[::1] reach, double[::1] own,
                double[::1] value, double[::1] cfv, double[::1] iset_reach):
    if (policy.shape[0] < tree.v.num_slots or cfv.shape[0] < tree.v.num_slots
            or reach.shape[0] < tree.v.num_nodes or own.shape[0] < tree.v.num_nodes
            or value.shape[0] < tree.v.num_nodes or iset_reach.shape[0] < tree.v.num_infosets
            or tree.v.num_nodes == 0 or policy.shape[0] == 0 or cfv.shape[0] == 0
            or iset_reach.shape[0] == 0):
        raise ValueError("kernel buffers are smaller than the tree")


cdef inline void _match(const double* x, double* out, int n,
                        const double* fallback) noexcept nogil:
    """Regret matching: out ∝ max(x, 0); ``fallback`` (uniform if NULL) when none is positive."""
    cdef int j
    cdef double s = 0.0
    for j in range(n):
        if x[j] > 0.0:
            s += x[j]
    if s > 0.0:
        for j in range(n):
            out[j] = x[j] / s if x[j] > 0.0 else 0.0
    elif fallback != NULL:
        for j in range(n):
            out[j] = fallback[j]
    else:
        for j in range(n):
            out[j] = 1.0 / n


def regret_update(KernelTree tree, int player, int rule, double[::1] policy,
                  const double[::1] cfv, double[::1] regret, double[::1] scratch,
                  double regret_weight=1.0, double pos_discount=1.0, double neg_discount=1.0,
                  fallback=None):
    """Fold instantaneous regrets of ``player``'s infosets into ``regret``; write next policy.

    rule: RULE_CFR (R += w r), RULE_RM_PLUS (R = max(R + r, 0)), RULE_DCFR (R += r, then positive
    entries times ``pos_discount`` and negative ones times ``neg_discount``), or
    RULE_PREDICTIVE_RM_PLUS (R = max(R + r, 0); next policy ∝ max(R + r, 0)).
    ``scratch`` (>= max actions) holds temporary values; ``fallback`` (a slot array, default
    uniform) is played where no regret is positive.
    """
    cdef const TreeView* t = &tree.v
    cdef int k, j, lo, nc
    cdef double base, r, x
    cdef const double[::1] fb
    cdef const double* fbp = NULL
    if (policy.shape[0] < t.num_slots or cfv.shape[0] < t.num_slots
            or regret.shape[0] < t.num_slots):
        raise ValueError("slot arrays are smaller than the tree")
    if fallback is not None:
        fb = fallback
        if fb.shape[0] < t.num_slots:
            raise ValueError("fallback policy is smaller than the tree")
        fbp = &fb[0]
    if rule < 0 or rule > 3:
        raise ValueError(f"unknown regret rule {rule}")
    with nogil:
        for k in range(t.num_infosets):
            if t.infoset_player[k] != player:
                continue
            lo = t.infoset_offset[k]
            nc = t.infoset_offset[k + 1] - lo
            base = 0.0
            for j in range(nc):
                base += policy[lo + j] * cfv[lo + j]
            for j in range(nc):
                r = cfv[lo + j] - base
                x = regret[lo + j]
                if rule == 0:
                    x = x + regret_weight * r
                elif rule == 2:
                    x = x + r
                    x = x * (pos_discount if x > 0.0 else neg_discount)
                else:
                    x = x + r
                    if x < 0.0:
                        x = 0.0
                regret[lo + j] = x
                scratch[j] = x + r if rule == 3 else x
            _match(&scratch[0], &policy[lo], nc, fbp + lo if fbp != NULL else NULL)
    return None


def average_update(KernelTree tree, int player, const double[::1] policy, const double[::1] own,
                   double[::1] avg, double decay, double weight):
    """avg ← decay · avg + weight · own_reach(I) · policy(I, ·) at ``player``'s infosets."""
    cdef const TreeView* t = &tree.v
    cdef int k, j, lo, hi
    cdef double w
    if avg.shape[0] < t.num_slots or policy.shape[0] < t.num_slots:
        raise ValueError("slot arrays are smaller than the tree")
    with nogil:
        for k in range(t.num_infosets):
            if t.infoset_player[k] != player:
                continue
            lo = t.infoset_offset[k]
            hi = t.infoset_offset[k + 1]
            w = weight * own[t.infoset_node[k]]
            for j in range(lo, hi):
                avg[j] = decay * avg[j] + w * policy[j]
    return None


def normalize_slots(KernelTree tree, const double[::1] weights, double[::1] out):
    """Per-infoset normalisation of non-negative slot weights (uniform where all are zero)."""
    cdef const TreeView* t = &tree.v
    cdef int k, j, lo, nc
    cdef double s
    if weights.shape[0] < t.num_slots or out.shape[0] < t.num_slots:
        raise ValueError("slot arrays are smaller than the tree")
    with nogil:
        for k in range(t.num_infosets):
            lo = t.infoset_offset[k]
            nc = t.infoset_offset[k + 1] - lo
            s = 0.0
            for j in range(nc):
                s += weights[lo + j]
            for j in range(nc):
                out[lo + j] = weights[lo + j] / s if s > 0.0 else 1.0 / nc
    return None


def regret_matching(KernelTree tree, const double[::1] regret, double[::1] out):
    """Policy ∝ positive part of the regrets at every infoset."""
    cdef const TreeView* t = &tree.v
    cdef int k, lo, nc
    with nogil:
        for k in range(t.num_infosets):
            lo = t.infoset_offset[k]
            nc = t.infoset_offset[k + 1] - lo
            _match(&regret[lo], &out[lo], nc, NULL)
    return None


def mmd_update(KernelTree tree, double[::1] policy, const double[::1] magnet,
               const double[::1] cfv, const double[::1] iset_reach, double eta, double alpha):
    """One magnetic-mirror-descent step at every infoset, in place.

    q(I,a) = cfv(I,a) / reach(I) (0 where unreachable);
    policy'(a) ∝ exp((log policy(a) + eta·alpha·log magnet(a) + eta·q(a)) / (1 + eta·alpha)).
    """
    cdef const TreeView* t = &tree.v
    cdef int k, j, lo, nc
    cdef double q, e, mx, s, inv, rk
    cdef double* energy
    if (policy.shape[0] < t.num_slots or magnet.shape[0] < t.num_slots
            or cfv.shape[0] < t.num_slots or iset_reach.shape[0] < t.num_infosets):
        raise ValueError("arrays are smaller than the tree")
    buf = np.empty(max(1, t.num_slots), dtype=np.float64)
    cdef double[::1] ebuf = buf
    energy = &ebuf[0]
    inv = 1.0 / (1.0 + eta * alpha)
    with nogil:
        for k in range(t.num_infosets):
            lo = t.infoset_offset[k]
            nc = t.infoset_offset[k + 1] - lo
            rk = iset_reach[k]
            mx = -INFINITY
            for j in range(nc):
                q = cfv[lo + j] / rk if rk > 0.0 else 0.0
                e = ((log(policy[lo + j]) if policy[lo + j] > 0.0 else -INFINITY)
                     + eta * alpha * (log(magnet[lo + j]) if magnet[lo + j] > 0.0 else -INFINITY)
                     + eta * q) * inv
                energy[lo + j] = e
                if e > mx:
                    mx = e
            s = 0.0
            for j in range(nc):
                e = exp(energy[lo + j] - mx) if mx > -INFINITY else 1.0
                energy[lo + j] = e
                s += e
            for j in range(nc):
                policy[lo + j] = energy[lo + j] / s
    return None


# --------------------------------------------------------------------------- best response
ctypedef struct _BR:
    const TreeView* t
    int p
    const double* policy
    const double* reach
    double* value
    unsigned char* done
    int* best


cdef double _br_value(_BR* c, int n) noexcept nogil:
    cdef const TreeView* t = c.t
    cdef int pl, j, cs, nc, off, k
    cdef double v
    if c.done[n]:
        return c.value[n]
    pl = t.player[n]
    nc = t.num_children[n]
    v = 0.0
    if nc == 0:
        v = t.utility[<Py_ssize_t>c.p * t.num_nodes + n]
    else:
        cs = t.child_start[n]
        if pl == NODE_CHANCE:
            for j in range(nc):
                v += t.chance_prob[cs + j] * _br_value(c, cs + j)
        elif pl != c.p:
            off = t.infoset_offset[t.node_infoset[n]]
            for j in range(nc):
                if c.policy[off + j] != 0.0:
                    v += c.policy[off + j] * _br_value(c, cs + j)
        else:
            k = t.node_infoset[n]
            if c.best[k] < 0:
                _br_choose(c, k)
            v = _br_value(c, cs + c.best[k])
    c.value[n] = v
    c.done[n] = 1
    return v


cdef void _br_choose(_BR* c, int k) noexcept nogil:
    """Best action at infoset k: argmax_a sum_{m in k} reach(m) · value(child(m, a))."""
    cdef const TreeView* t = c.t
    cdef int nc = t.infoset_offset[k + 1] - t.infoset_offset[k]
    cdef int j, i, m, best = 0
    cdef double q, best_q = -INFINITY
    for j in range(nc):
        q = 0.0
        for i in range(t.iset_node_start[k], t.iset_node_start[k + 1]):
            m = t.iset_nodes[i]
            if c.reach[m] != 0.0:
                q += c.reach[m] * _br_value(c, t.child_start[m] + j)
        if q > best_q:
            best_q = q
            best = j
    c.best[k] = best


def best_response_value(KernelTree tree, int player, const double[::1] policy,
                        double[::1] reach, double[::1] own, double[::1] value,
                        int[::1] best_action):
    """Value of ``player``'s best response to ``policy`` (the other players' part of it).

    ``best_action`` (one int per infoset, filled with -1 by the caller) receives the chosen
    action index at every infoset the recursion visits; ``value`` receives node values under the
    best response (only at visited nodes).
    """
    cdef _BR c
    cdef double root
    if (policy.shape[0] < tree.v.num_slots or reach.shape[0] < tree.v.num_nodes
            or own.shape[0] < tree.v.num_nodes or value.shape[0] < tree.v.num_nodes
            or best_action.shape[0] < tree.v.num_infosets):
        raise ValueError("kernel buffers are smaller than the tree")
    done = np.zeros(tree.v.num_nodes, dtype=np.uint8)
    cdef unsigned char[::1] d = done
    c.t = &tree.v
    c.p = player
    c.policy = &policy[0]
    c.reach = &reach[0]
    c.value = &value[0]
    c.done = &d[0]
    c.best = &best_action[0]
    with nogil:
        _forward(c.t, player, c.policy, &reach[0], &own[0])
        root = _br_value(&c, 0)
    return root


def expected_values(KernelTree tree, const double[::1] policy, double[::1] value, int player):
    """Backward sweep only: ``player``'s expected utility at every node under ``policy``."""
    cdef const TreeView* t = &tree.v
    cdef int n, j, cs, nc, off
    cdef double v
    cdef const double* util = t.utility + <Py_ssize_t>player * t.num_nodes
    if value.shape[0] < t.num_nodes or policy.shape[0] < t.num_slots:
        raise ValueError("buffers are smaller than the tree")
    with nogil:
        for n in range(t.num_nodes - 1, -1, -1):
            nc = t.num_children[n]
            if nc == 0:
                value[n] = util[n]
                continue
            cs = t.child_start[n]
            v = 0.0
            if t.player[n] == NODE_CHANCE:
                for j in range(nc):
                    v += t.chance_prob[cs + j] * value[cs + j]
            else:
                off = t.infoset_offset[t.node_infoset[n]]
                for j in range(nc):
                    v += policy[off + j] * value[cs + j]
            value[n] = v
    return value[0]


def forward_reach(KernelTree tree, const double[::1] policy, int player, double[::1] reach,
                  double[::1] own):
    """Forward sweep only: reach[n] = chance x other players' probabilities, own[n] = player's."""
    if (policy.shape[0] < tree.v.num_slots or reach.shape[0] < tree.v.num_nodes
            or own.shape[0] < tree.v.num_nodes):
        raise ValueError("buffers are smaller than the tree")
    with nogil:
        _forward(&tree.v, player, &policy[0], &reach[0], &own[0])
    return None
