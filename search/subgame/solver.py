"""Decision-time subgame solving at a public state (the public-belief baseline), 2p zero-sum.

One decision of player i at history h*:
  1. public state: the common-knowledge closure of h*, i.e. every history reachable from h* by
     repeatedly swapping to a history that gives some player the same information state
     (``PublicStateIndex.closure`` on a compiled tree: breadth-first search over shared
     information-state ids of both players; ``uedtp.search.subgame.closure`` for games too large to compile:
     depth-first searches over pyspiel states pruned on information-state strings);
  2. roots: the closure's top-most histories, weighted by the blueprint's reach —
     w(r) = chance(r) · pi_i(r) with the resolve gadget, chance(r) · pi_0(r) · pi_1(r) without;
  3. subgame tree (``extract_subgame``): the roots' descendants, cut at a depth with the
     blueprint's expected values at the leaves when larger than ``max_nodes``; with the resolve
     gadget a chance node picks root r ∝ w(r) and the opponent o, at its information state J(r),
     chooses to opt out (receiving its counterfactual value of J under the blueprint — by default
     its best-response value, which makes re-solving safe) or to enter r;
  4. solve it for a budget of iterations (CFR+, DCFR, ...: ``solve_subgame``); player i plays
     the solved average policy at its information state.
The number of histories in the public state is reported at every decision: it is what blows
up in games with little public information.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from uedtp.csrc import cfr_kernels as K
from uedtp.csrc.game_tree import KernelTree, mark_descendants, node_depths, public_closure
from uedtp.envs.game_tree import CHANCE, TERMINAL, GameTree
from uedtp.search.cfr.cfr import TreeSolver
from uedtp.search.cfr.solvers import WARM_START_SOLVERS, solver_class

GADGETS = ("resolve", "none")
OPT_OUT_VALUES = ("best_response", "blueprint")
ALGORITHMS = WARM_START_SOLVERS       # the registry's solvers that take a warm start


class SubgameTooLargeError(RuntimeError):
    """The public state or its subgame exceeds the configured caps (the caller falls back)."""


# --------------------------------------------------------------------------- public states
@dataclasses.dataclass
class PublicState:
    """Histories of one public state: all of them (``histories``) and the top-most (``roots``)."""

    node: int
    histories: np.ndarray
    roots: np.ndarray
    complete: bool

    @property
    def size(self) -> int:
        return int(self.histories.shape[0])


class PublicStateIndex:
    """Per-player lists of the nodes that carry each information-state id, for closures."""

    def __init__(self, tree: GameTree) -> None:
        self.tree = tree
        self._starts: list[np.ndarray] = []
        self._nodes: list[np.ndarray] = []
        decision = tree.player >= 0        # public states are sets of decision points
        for p in range(tree.num_players):
            ids = np.where(decision, tree.observation_id[p], -1)
            known = np.flatnonzero(ids >= 0).astype(np.int32)
            order = np.argsort(ids[known], kind="stable")
            nodes = known[order]
            counts = np.bincount(ids[nodes], minlength=int(ids.max()) + 1 if nodes.size else 0)
            start = np.zeros(counts.shape[0] + 1, dtype=np.int32)
            np.cumsum(counts, out=start[1:])
            self._starts.append(start)
            self._nodes.append(np.ascontiguousarray(nodes, dtype=np.int32))
        self._obs = np.ascontiguousarray(np.where(decision, tree.observation_id, -1),
                                         dtype=np.int32)

    def closure(self, node: int, max_histories: int = 1_000_000) -> PublicState:
        """The public state of ``node`` (``complete`` False if it has more than the cap)."""
        if not 0 <= node < self.tree.num_nodes:
            raise ValueError(f"node {node} out of range")
        if max_histories <= 0:
            raise ValueError(f"max_histories must be positive, got {max_histories}")
        nodes, complete = public_closure(int(node), self._obs, self._starts, self._nodes,
                                         int(max_histories))
        nodes = np.sort(nodes)
        return PublicState(int(node), nodes, top_most(self.tree.parent, nodes), bool(complete))


def top_most(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The nodes of ``nodes`` with no ancestor in ``nodes`` (sorted)."""
    inset = np.zeros(parent.shape[0], dtype=np.uint8)
    inset[nodes] = 1
    below = mark_descendants(np.ascontiguousarray(parent, dtype=np.int32), inset)
    par = parent[nodes]
    has_marked_parent = (par >= 0) & (below[np.maximum(par, 0)] == 1)
    return np.sort(nodes[~has_marked_parent]).astype(np.int32)


# --------------------------------------------------------------------------- subgames
@dataclasses.dataclass
class Subgame:
    """A subgame tree cut from ``source`` with its header (plain chance node or resolve gadget)."""

    tree: GameTree
    source: GameTree
    searcher: int
    roots: np.ndarray                 # source nodes of the roots
    weights: np.ndarray               # normalised root probabilities
    infoset_map: np.ndarray           # subgame infoset -> source infoset (-1 for gadget ones)
    gadget: str
    depth_limit: int | None           # source depth of the leaves, if cut
    opt_out_values: np.ndarray | None  # per gadget infoset, the opponent's opt-out value

    def source_to_sub(self) -> dict[int, int]:
        return {int(k): i for i, k in enumerate(self.infoset_map) if k >= 0}

    def policy_from_source(self, source_probs: np.ndarray) -> np.ndarray:
        """A source slot array restricted to the subgame (gadget infosets: always enter)."""
        out = np.empty(self.tree.num_slots)
        for k_sub, k_src in enumerate(self.infoset_map):
            if k_src >= 0:
                out[self.tree.slots(k_sub)] = source_probs[self.source.slots(int(k_src))]
            else:
                out[self.tree.slots(k_sub)] = (0.0, 1.0)
        return out


def root_weights(source: GameTree, roots: np.ndarray, blueprint: np.ndarray, searcher: int,
                 gadget: str) -> np.ndarray:
    """Unnormalised blueprint reach of the roots (see the module docstring, step 2)."""
    kern = KernelTree(source)
    reach = np.empty(source.num_nodes)
    own = np.empty(source.num_nodes)
    opponent = 1 - searcher
    K.forward_reach(kern, blueprint, opponent, reach, own)   # reach = chance x pi_searcher
    w = reach[roots].copy()
    if gadget == "none":
        w *= own[roots]
    return w


def _core_nodes(source: GameTree, roots: np.ndarray, max_nodes: int,
                max_depth: int | None) -> tuple[np.ndarray, int | None]:
    """Source nodes of the subgame (roots first) and the depth cut (None if uncut)."""
    is_root = np.zeros(source.num_nodes, dtype=np.uint8)
    is_root[roots] = 1
    inside = mark_descendants(source.parent, is_root).astype(bool)
    cut: int | None = None
    depth = source.depth
    if max_depth is not None:
        cut = int(max_depth)
    if int(inside.sum()) > max_nodes:
        counts = np.cumsum(np.bincount(depth[inside]))
        fitting = np.flatnonzero(counts <= max_nodes)
        d = int(fitting[-1]) if fitting.size else -1
        cut = d if cut is None else min(cut, d)
    if cut is not None:
        if cut <= int(depth[roots].max()):
            raise SubgameTooLargeError(
                f"subgame below {roots.size} roots has {int(inside.sum()):,} histories; even one "
                f"level below the roots exceeds max_nodes={max_nodes:,}")
        inside &= depth <= cut
        if not np.any(inside & (depth == cut) & (source.num_children > 0)):
            cut = None
    inside[roots] = False
    return np.concatenate([roots, np.flatnonzero(inside).astype(np.int32)]), cut


def extract_subgame(source: GameTree, roots: np.ndarray, weights: np.ndarray,
                    searcher: int, gadget: str = "resolve",
                    opt_out: np.ndarray | None = None, max_nodes: int = 1_000_000,
                    node_values: np.ndarray | None = None,
                    max_depth: int | None = None) -> Subgame:
    """Cut the subgame below ``roots`` out of ``source`` (see the module docstring, step 3).

    ``weights`` are unnormalised root probabilities; ``opt_out`` (with the resolve gadget) gives
    the opponent's opt-out value at every root (equal within one of its information states);
    ``node_values`` (num_players x source nodes) are the blueprint values used at depth-cut
    leaves.
    """
    if gadget not in GADGETS:
        raise ValueError(f"unknown gadget {gadget!r}; expected one of {GADGETS}")
    if source.num_players != 2:
        raise ValueError("subgame solving needs a two-player game")
    roots = np.asarray(roots, dtype=np.int32)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != roots.shape:
        raise ValueError(f"weights has shape {weights.shape}, roots {roots.shape}")
    keep = weights > 0
    roots, weights = roots[keep], weights[keep]
    if roots.size == 0:
        raise ValueError("no subgame root has positive blueprint reach")
    if gadget == "resolve":
        if opt_out is None or np.asarray(opt_out).shape != keep.shape:
            raise ValueError("the resolve gadget needs one opt-out value per root")
        opt_out = np.asarray(opt_out, dtype=np.float64)[keep]
    opponent = 1 - searcher
    core, cut = _core_nodes(source, roots, max_nodes, max_depth)
    if cut is not None and node_values is None:
        raise SubgameTooLargeError("the subgame must be depth-limited but no blueprint node "
                                   "values were given for its leaves")
    R, C = roots.size, core.size
    probs = weights / weights.sum()
    # ---- positions: header, then the core (roots first) -------------------------------------
    if gadget == "resolve":
        gadget_ids, gadget_of_root = np.unique(source.observation_id[opponent, roots],
                                               return_inverse=True)
        header = 1 + 2 * R                       # chance node, R gadget nodes, R opt-outs
        new_of_core = np.empty(C, dtype=np.int64)
        new_of_core[:R] = R + 2 + 2 * np.arange(R)   # (opt-out, root) pairs after the gadgets
        new_of_core[R:] = 1 + 3 * R + np.arange(C - R)
    else:
        gadget_ids = np.zeros(0, dtype=np.int32)
        header = 1
        new_of_core = 1 + np.arange(C, dtype=np.int64)
    M = header + C
    pos = np.full(source.num_nodes, -1, dtype=np.int64)
    pos[core] = np.arange(C)
    new_of_source = np.full(source.num_nodes, -1, dtype=np.int64)
    new_of_source[core] = new_of_core
    leaf = np.zeros(C, dtype=bool)
    if cut is not None:
        leaf = (source.depth[core] == cut) & (source.num_children[core] > 0)
    # ---- node arrays ---------------------------------------------------------------------------
    player = np.full(M, TERMINAL, dtype=np.int8)
    parent = np.full(M, -1, dtype=np.int32)
    action = np.full(M, -1, dtype=np.int32)
    child_start = np.zeros(M, dtype=np.int32)
    num_children = np.zeros(M, dtype=np.int32)
    chance_prob = np.ones(M, dtype=np.float64)
    utility = np.zeros((2, M), dtype=np.float64)
    obs = np.full((2, M), -1, dtype=np.int32)
    src = np.full(M, -1, dtype=np.int32)
    node_iset_src = np.full(M, -1, dtype=np.int64)

    player[0] = CHANCE
    idx = new_of_core
    player[idx] = np.where(leaf, TERMINAL, source.player[core])
    has_kids = (source.num_children[core] > 0) & ~leaf
    child_start[idx[has_kids]] = new_of_source[source.child_start[core[has_kids]]]
    num_children[idx[has_kids]] = source.num_children[core[has_kids]]
    parent[idx[R:]] = new_of_source[source.parent[core[R:]]]
    action[idx] = source.action[core]
    chance_prob[idx[R:]] = source.chance_prob[core[R:]]
    terminal = source.num_children[core] == 0
    utility[:, idx[terminal]] = source.utility[:, core[terminal]]
    if leaf.any():
        if node_values is None:
            raise ValueError("a depth-limited subgame needs node_values at its cut")
        utility[:, idx[leaf]] = node_values[:, core[leaf]]
    obs[:, idx] = source.observation_id[:, core]
    src[idx] = core
    node_iset_src[idx[has_kids]] = source.node_infoset[core[has_kids]]
    if gadget == "resolve":
        child_start[0], num_children[0] = 1, R
        g = 1 + np.arange(R)
        player[g] = opponent
        parent[g] = 0
        action[g] = np.arange(R)
        chance_prob[g] = probs
        child_start[g] = R + 1 + 2 * np.arange(R)
        num_children[g] = 2
        t_nodes = R + 1 + 2 * np.arange(R)
        parent[t_nodes] = g
        action[t_nodes] = 0
        parent[idx[:R]] = g
        action[idx[:R]] = 1
        assert opt_out is not None           # checked above for the resolve gadget
        utility[opponent, t_nodes] = opt_out
        utility[searcher, t_nodes] = -opt_out
    else:
        child_start[0], num_children[0] = 1, R
        parent[idx[:R]] = 0
        action[idx[:R]] = np.arange(R)
        chance_prob[idx[:R]] = probs
    # ---- infosets: source infosets in the subgame, then gadget infosets -------------------------
    used_src = np.unique(node_iset_src[node_iset_src >= 0])
    sub_of_src = np.full(source.num_infosets, -1, dtype=np.int64)
    sub_of_src[used_src] = np.arange(used_src.size)
    node_infoset = np.full(M, -1, dtype=np.int32)
    decided = node_iset_src >= 0
    node_infoset[decided] = sub_of_src[node_iset_src[decided]]
    G = gadget_ids.size
    num_actions = np.concatenate([np.diff(source.infoset_offset)[used_src],
                                  np.full(G, 2, dtype=np.int32)]).astype(np.int32)
    infoset_offset = np.zeros(used_src.size + G + 1, dtype=np.int32)
    np.cumsum(num_actions, out=infoset_offset[1:])
    slot_action = np.concatenate(
        [source.slot_action[source.infoset_offset[k]:source.infoset_offset[k + 1]]
         for k in used_src] + [np.tile(np.array([0, 1], dtype=np.int32), G)]
    ).astype(np.int32) if used_src.size + G else np.zeros(0, dtype=np.int32)
    infoset_player = np.concatenate([source.infoset_player[used_src],
                                     np.full(G, opponent, dtype=np.int8)]).astype(np.int8)
    # representative node of each infoset: its first node in the subgame
    first = np.full(used_src.size + G, -1, dtype=np.int64)
    dec_nodes = np.flatnonzero(decided)
    order = np.argsort(node_infoset[dec_nodes], kind="stable")
    ks, first_pos = np.unique(node_infoset[dec_nodes][order], return_index=True)
    first[ks] = dec_nodes[order][first_pos]
    opt_out_by_gadget = None
    if gadget == "resolve":
        node_infoset[1:1 + R] = used_src.size + gadget_of_root
        first[used_src.size + np.arange(G)] = 1 + np.unique(gadget_of_root, return_index=True)[1]
        opt_out_by_gadget = np.zeros(G)
        opt_out_by_gadget[gadget_of_root] = utility[opponent, R + 1 + 2 * np.arange(R)]
    strings = [source.infoset_strings[int(k)] for k in used_src] + \
        [f"<resolve gadget: player {opponent} opts out or enters; information state id {int(i)}>"
         for i in gadget_ids]
    tree = GameTree(
        game_string=f"subgame of {source.game_string}", num_players=2, player=player,
        parent=parent, action=action, child_start=child_start, num_children=num_children,
        chance_prob=chance_prob, depth=node_depths(parent), node_infoset=node_infoset,
        utility=utility, observation_id=obs, infoset_player=infoset_player,
        infoset_offset=infoset_offset, infoset_node=first.astype(np.int32),
        slot_action=slot_action, infoset_strings=strings, source_node=src)
    infoset_map = np.concatenate([used_src, np.full(G, -1)]).astype(np.int64)
    return Subgame(tree, source, searcher, roots, probs, infoset_map, gadget, cut,
                   opt_out_by_gadget)


def opt_out_values(source: GameTree, roots: np.ndarray, weights: np.ndarray,
                   blueprint: np.ndarray, searcher: int, kind: str = "best_response",
                   max_nodes: int = 1_000_000, node_values: np.ndarray | None = None,
                   max_depth: int | None = None) -> np.ndarray:
    """The opponent's counterfactual value of its information state at every root.

    ``best_response``: its best-response value against the searcher's blueprint inside the
    subgame (safe re-solving); ``blueprint``: its value when both play the blueprint. Per root,
    normalised per unit of reach: sum_{r in J} w(r) v(r) / sum_{r in J} w(r).
    """
    if kind not in OPT_OUT_VALUES:
        raise ValueError(f"unknown opt-out value {kind!r}; expected one of {OPT_OUT_VALUES}")
    plain = extract_subgame(source, roots, weights, searcher, gadget="none",
                            max_nodes=max_nodes, node_values=node_values, max_depth=max_depth)
    sub = plain.tree
    probs = plain.policy_from_source(blueprint)
    kern = KernelTree(sub)
    n = sub.num_nodes
    value = np.empty(n)
    opponent = 1 - searcher
    if kind == "best_response":
        best = np.full(max(1, sub.num_infosets), -1, dtype=np.int32)
        K.best_response_value(kern, opponent, probs, np.empty(n), np.empty(n), value, best)
    else:
        K.expected_values(kern, probs, value, opponent)
    root_values = value[1:1 + plain.roots.size]
    ids = source.observation_id[opponent, plain.roots]
    w = plain.weights
    totals = np.zeros(int(ids.max()) + 1)
    mass = np.zeros_like(totals)
    np.add.at(totals, ids, w * root_values)
    np.add.at(mass, ids, w)
    per_root = totals[ids] / mass[ids]
    out = np.zeros(np.asarray(roots).shape[0])
    out[np.asarray(weights) > 0] = per_root
    return out


def solve_subgame(subgame: Subgame, algorithm: str = "cfr+", iterations: int = 200,
                  blueprint: np.ndarray | None = None) -> np.ndarray:
    """Average policy (subgame slot array) after ``iterations`` of ``algorithm``.

    With ``blueprint`` (a slot array of the source tree) the solver starts from it and keeps it
    wherever no regret is positive (e.g. infosets the opponent's opt-outs make irrelevant).
    """
    if not isinstance(iterations, (int, np.integer)) or iterations <= 0:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    initial = subgame.policy_from_source(blueprint) if blueprint is not None else None
    make: Callable[..., TreeSolver] = solver_class(algorithm, ALGORITHMS, "subgame algorithm")
    solver = make(subgame.tree, initial_policy=initial)
    solver.run(int(iterations))
    return solver.average_policy_array()
