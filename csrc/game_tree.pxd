# cython: language_level=3
"""Raw-pointer view of a compiled game tree (uedtp.envs.game_tree.GameTree) shared by the kernels.

``KernelTree(tree)`` keeps the numpy arrays alive and exposes them as a ``TreeView`` struct so
nogil kernels in cfr_kernels / mccfr_kernels can walk the tree without Python objects.
"""

cdef enum:
    NODE_CHANCE = -1
    NODE_TERMINAL = -4

ctypedef struct TreeView:
    int num_nodes
    int num_players
    int num_infosets
    int num_slots
    const signed char* player       # acting player, NODE_CHANCE or NODE_TERMINAL
    const int* parent
    const int* child_start
    const int* num_children
    const double* chance_prob       # probability of the edge into a node from a chance parent
    const int* node_infoset         # decision infoset of the acting player, -1 otherwise
    const double* utility           # [num_players * num_nodes], row p = utilities of player p
    const signed char* infoset_player
    const int* infoset_offset       # [num_infosets + 1]: slot range of each infoset
    const int* infoset_node         # one node of each infoset
    const int* iset_node_start      # [num_infosets + 1]: CSR of the nodes of each infoset
    const int* iset_nodes


cdef class KernelTree:
    cdef TreeView v
    cdef object _keep
