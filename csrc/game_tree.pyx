# cython: language_level=3
"""Tree-walk helpers for compiled game trees (uedtp.envs.game_tree.GameTree).

- ``KernelTree``: the tree's arrays as raw pointers for nogil kernels (see game_tree.pxd).
- ``mark_descendants``: one forward sweep; a node is in the subgame if it is a root or its
  parent is (parents precede children in the node order).
- ``public_closure``: breadth-first search over "shares some player's information state":
  one step takes a node, and for every player adds all nodes carrying the same
  information-state id (the common-knowledge closure, i.e. the public state).
"""
import numpy as np
cimport numpy as cnp

cnp.import_array()


cdef class KernelTree:
    """Pins a GameTree's arrays (C-contiguous, exact dtypes) and exposes them as a TreeView."""

    def __init__(self, tree):
        cdef cnp.ndarray player = np.ascontiguousarray(tree.player, dtype=np.int8)
        cdef cnp.ndarray parent = np.ascontiguousarray(tree.parent, dtype=np.int32)
        cdef cnp.ndarray child_start = np.ascontiguousarray(tree.child_start, dtype=np.int32)
        cdef cnp.ndarray num_children = np.ascontiguousarray(tree.num_children, dtype=np.int32)
        cdef cnp.ndarray chance_prob = np.ascontiguousarray(tree.chance_prob, dtype=np.float64)
        cdef cnp.ndarray node_infoset = np.ascontiguousarray(tree.node_infoset, dtype=np.int32)
        cdef cnp.ndarray utility = np.ascontiguousarray(tree.utility, dtype=np.float64)
        cdef cnp.ndarray infoset_player = np.ascontiguousarray(tree.infoset_player, dtype=np.int8)
        cdef cnp.ndarray infoset_offset = np.ascontiguousarray(tree.infoset_offset, dtype=np.int32)
        cdef cnp.ndarray infoset_node = np.ascontiguousarray(tree.infoset_node, dtype=np.int32)
        start, nodes = tree.infoset_nodes()
        cdef cnp.ndarray iset_node_start = np.ascontiguousarray(start, dtype=np.int32)
        cdef cnp.ndarray iset_nodes = np.ascontiguousarray(nodes, dtype=np.int32)
        # zero-length arrays still need a valid pointer
        keep = [player, parent, child_start, num_children, chance_prob, node_infoset, utility,
                infoset_player, infoset_offset, infoset_node, iset_node_start, iset_nodes]
        keep = [a if a.size else np.zeros(1, dtype=a.dtype) for a in keep]
        self._keep = keep
        self.v.num_nodes = <int>tree.num_nodes
        self.v.num_players = <int>tree.num_players
        self.v.num_infosets = <int>tree.num_infosets
        self.v.num_slots = <int>tree.num_slots
        self.v.player = <const signed char*>cnp.PyArray_DATA(keep[0])
        self.v.parent = <const int*>cnp.PyArray_DATA(keep[1])
        self.v.child_start = <const int*>cnp.PyArray_DATA(keep[2])
        self.v.num_children = <const int*>cnp.PyArray_DATA(keep[3])
        self.v.chance_prob = <const double*>cnp.PyArray_DATA(keep[4])
        self.v.node_infoset = <const int*>cnp.PyArray_DATA(keep[5])
        self.v.utility = <const double*>cnp.PyArray_DATA(keep[6])
        self.v.infoset_player = <const signed char*>cnp.PyArray_DATA(keep[7])
        self.v.infoset_offset = <const int*>cnp.PyArray_DATA(keep[8])
        self.v.infoset_node = <const int*>cnp.PyArray_DATA(keep[9])
        self.v.iset_node_start = <const int*>cnp.PyArray_DATA(keep[10])
        self.v.iset_nodes = <const int*>cnp.PyArray_DATA(keep[11])

    @property
    def num_nodes(self) -> int:
        return self.v.num_nodes

    @property
    def num_slots(self) -> int:
        return self.v.num_slots


def mark_descendants(const int[::1] parent, const unsigned char[::1] is_root):
    """uint8 mask of the nodes that are roots or descendants of roots."""
    cdef Py_ssize_t n = parent.shape[0], i
    out = np.zeros(n, dtype=np.uint8)
    cdef unsigned char[::1] m = out
    with nogil:
        for i in range(n):
            if is_root[i] or (parent[i] >= 0 and m[parent[i]]):
                m[i] = 1
    return out


def public_closure(int start, const int[:, ::1] observation_id, list id_start, list id_nodes,
                   long max_nodes):
    """Nodes connected to ``start`` through shared information-state ids of any player.

    ``id_start[p]`` / ``id_nodes[p]`` give, per player, the CSR list of nodes carrying each id.
    Returns (nodes as int32 array, complete flag); stops once more than ``max_nodes`` are found.
    """
    cdef int num_players = observation_id.shape[0]
    cdef Py_ssize_t n = observation_id.shape[1]
    seen = np.zeros(n, dtype=np.uint8)
    queue = np.empty(min(n, max_nodes + 1) + 1, dtype=np.int32)
    cdef unsigned char[::1] s = seen
    cdef int[::1] q = queue
    cdef const int[::1] st
    cdef const int[::1] nd
    cdef long head = 0, tail = 0, j
    cdef int node, p, oid, other
    cdef bint complete = True
    s[start] = 1
    q[tail] = start
    tail += 1
    while head < tail:
        node = q[head]
        head += 1
        for p in range(num_players):
            oid = observation_id[p, node]
            if oid < 0:
                continue
            st = id_start[p]
            nd = id_nodes[p]
            for j in range(st[oid], st[oid + 1]):
                other = nd[j]
                if not s[other]:
                    if tail > max_nodes:
                        complete = False
                        return queue[:tail].copy(), complete
                    s[other] = 1
                    q[tail] = other
                    tail += 1
    return queue[:tail].copy(), complete


def node_depths(const int[::1] parent):
    """Depth of every node (root 0) from the parent array (parents precede children)."""
    cdef Py_ssize_t n = parent.shape[0], i
    out = np.zeros(n, dtype=np.int16)
    cdef short[::1] d = out
    with nogil:
        for i in range(n):
            if parent[i] >= 0:
                d[i] = d[parent[i]] + 1
    return out
