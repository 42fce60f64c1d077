"""Compiling an OpenSpiel game into a ``GameTree`` (uedtp.envs.game_tree), with a size check first.

One step of compilation (``compile_from_states``) expands one history: it records who acts there
(a player, chance or nobody at a terminal), the player's information-state id, every player's
information-state-string id (also for players who are not to move: subgame solving needs them to
build public states), the chance probabilities or legal actions, and allocates the node's
children as one contiguous block, so children get larger indices than their parents.

Games that are too large fail fast: a Knuth random-walk estimate of the number of histories
(``estimate_num_histories``) is checked first, then the exact count stops at ``max_nodes`` with
an error naming the size. ``build_game_tree`` can cache compiled trees on disk by game string;
``cached_game_tree`` memoises them per process.
"""
from __future__ import annotations

import array
import hashlib
import os
import time
from typing import Any, Callable, Sequence

import numpy as np
import pyspiel

from uedtp.envs.game_tree import CHANCE, DEFAULT_MAX_NODES, TERMINAL, GameTree, load_game_tree
from uedtp.envs.openspiel_games import as_game, require_sequential_imperfect_information

# per-player utilities of a history cut off at max_depth
_LeafValues = Callable[[pyspiel.State], Sequence[float] | np.ndarray]
_ESTIMATE_MARGIN = 20.0     # reject without counting when the estimate exceeds the cap this much


class GameTooLargeError(ValueError):
    """The game has more histories than the node or memory cap allows."""


# ------------------------------------------------------------------ size estimate
def estimate_num_histories(game: pyspiel.Game, walks: int = 64, seed: int = 0,
                           max_depth: int = 10_000) -> float:
    """Knuth's unbiased estimate of the number of histories (random walks from the root).

    A walk that reaches depth d through nodes with b_0, b_1, ... children contributes
    1 + b_0 + b_0 b_1 + ... ; the mean over walks estimates the tree size.
    """
    if walks <= 0:
        raise ValueError(f"walks must be positive, got {walks}")
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(walks):
        state = game.new_initial_state()
        width, size = 1.0, 1.0
        for _depth in range(max_depth):
            if state.is_terminal():
                break
            actions = (list(zip(*state.chance_outcomes()))[0] if state.is_chance_node()
                       else state.legal_actions())
            width *= len(actions)
            size += width
            state.apply_action(int(actions[rng.integers(len(actions))]))
        total += size
    return total / walks


def _bytes_per_node(num_players: int) -> int:
    """Bytes of the node arrays per history (the final tree; building needs about twice that)."""
    return 1 + 4 + 4 + 4 + 4 + 8 + 2 + 4 + num_players * (8 + 4)


# ------------------------------------------------------------------ compilation
class _Builder:
    """Accumulates nodes in typed growable buffers while the game is walked."""

    def __init__(self, num_players: int, observe_all: bool) -> None:
        self.num_players = num_players
        self.observe_all = observe_all
        self.player = array.array("b")
        self.parent = array.array("i")
        self.action = array.array("i")
        self.child_start = array.array("i")
        self.num_children = array.array("i")
        self.chance_prob = array.array("d")
        self.depth = array.array("h")
        self.node_infoset = array.array("i")
        self.utility = [array.array("d") for _ in range(num_players)]
        self.obs = [array.array("i") for _ in range(num_players)]
        self.obs_tables: list[dict[str, int]] = [{} for _ in range(num_players)]
        self.infosets: dict[tuple[int, str], int] = {}
        self.infoset_player = array.array("b")
        self.infoset_offset = array.array("i", [0])
        self.infoset_node = array.array("i")
        self.slot_action = array.array("i")
        self.infoset_strings: list[str] = []

    def new_node(self, parent: int, action: int, prob: float, depth: int) -> int:
        n = len(self.player)
        self.player.append(TERMINAL)
        self.parent.append(parent)
        self.action.append(action)
        self.child_start.append(0)
        self.num_children.append(0)
        self.chance_prob.append(prob)
        self.depth.append(depth)
        self.node_infoset.append(-1)
        for p in range(self.num_players):
            self.utility[p].append(0.0)
            self.obs[p].append(-1)
        return n

    def observe(self, n: int, state: pyspiel.State, acting: int) -> str | None:
        """Record every player's information-state id at node n; return the acting player's."""
        players = range(self.num_players) if self.observe_all else ([acting] if acting >= 0 else [])
        acting_string = None
        for p in players:
            try:
                s = state.information_state_string(p)
            except pyspiel.SpielError:
                continue
            if p == acting:
                acting_string = s
            table = self.obs_tables[p]
            self.obs[p][n] = table.setdefault(s, len(table))
        return acting_string

    def register_infoset(self, n: int, info_string: str, p: int,
                         actions: Sequence[int]) -> None:
        key = (p, info_string)
        k = self.infosets.get(key)
        if k is None:
            k = len(self.infoset_strings)
            self.infosets[key] = k
            self.infoset_strings.append(key[1])
            self.infoset_player.append(p)
            self.infoset_node.append(n)
            self.slot_action.extend(actions)
            self.infoset_offset.append(len(self.slot_action))
        else:
            lo, hi = self.infoset_offset[k], self.infoset_offset[k + 1]
            if list(self.slot_action[lo:hi]) != list(actions):
                raise ValueError(f"infoset {key[1]!r} of player {p} has different legal actions "
                                 f"at different histories; the game is not perfect-recall "
                                 "compatible with a tabular tree")
        self.node_infoset[n] = k

    def finish(self, game_string: str, seconds: float) -> GameTree:
        def arr(buf: array.array, dtype: Any) -> np.ndarray:
            return np.frombuffer(buf, dtype=dtype).copy() if len(buf) else np.zeros(0, dtype)

        return GameTree(
            game_string=game_string, num_players=self.num_players,
            player=arr(self.player, np.int8), parent=arr(self.parent, np.int32),
            action=arr(self.action, np.int32), child_start=arr(self.child_start, np.int32),
            num_children=arr(self.num_children, np.int32),
            chance_prob=arr(self.chance_prob, np.float64), depth=arr(self.depth, np.int16),
            node_infoset=arr(self.node_infoset, np.int32),
            utility=np.stack([arr(u, np.float64) for u in self.utility]),
            observation_id=np.stack([arr(o, np.int32) for o in self.obs]),
            infoset_player=arr(self.infoset_player, np.int8),
            infoset_offset=arr(self.infoset_offset, np.int32),
            infoset_node=arr(self.infoset_node, np.int32),
            slot_action=arr(self.slot_action, np.int32),
            infoset_strings=self.infoset_strings, build_seconds=seconds)


def _check_compilable(game: pyspiel.Game) -> None:
    require_sequential_imperfect_information(game, "compiling a game tree")
    info = game.get_type()
    if info.chance_mode == pyspiel.GameType.ChanceMode.SAMPLED_STOCHASTIC:
        raise ValueError(f"cannot compile {game}: its chance events are sampled, not explicit")


def compile_from_states(roots: Sequence[pyspiel.State], root_probs: Sequence[float] | None,
                        game_string: str, num_players: int, max_nodes: int,
                        observe_all: bool = True, max_depth: int | None = None,
                        leaf_values: _LeafValues | None = None) -> GameTree:
    """Compile the trees below ``roots`` (a single root, or a chance node over several).

    With several roots, node 0 is a synthetic chance node whose children are the roots with
    probabilities ``root_probs``. Nodes deeper than ``max_depth`` (counted from node 0) become
    terminals whose utilities are ``leaf_values(state)`` (a per-player sequence).
    """
    if max_nodes <= 0:
        raise ValueError(f"max_nodes must be positive, got {max_nodes}")
    if max_depth is not None and leaf_values is None:
        raise ValueError("max_depth needs leaf_values to score the cut-off histories")
    t0 = time.perf_counter()
    b = _Builder(num_players, observe_all)
    stack: list[tuple[int, pyspiel.State]] = []
    if len(roots) == 1 and root_probs is None:
        stack.append((b.new_node(-1, -1, 1.0, 0), roots[0].clone()))
    else:
        if root_probs is None or len(root_probs) != len(roots):
            raise ValueError("root_probs must give one probability per root")
        top = b.new_node(-1, -1, 1.0, 0)
        b.player[top] = CHANCE
        b.child_start[top] = 1
        b.num_children[top] = len(roots)
        for i, (state, prob) in enumerate(zip(roots, root_probs)):
            stack.append((b.new_node(top, i, float(prob), 1), state.clone()))
        stack.reverse()
    while stack:
        n, state = stack.pop()
        if state.is_terminal():
            for p, r in enumerate(state.returns()):
                b.utility[p][n] = r
            continue
        if max_depth is not None and leaf_values is not None and b.depth[n] >= max_depth:
            values = leaf_values(state)
            for p in range(num_players):
                b.utility[p][n] = float(values[p])
            b.observe(n, state, -1)
            continue
        if state.is_chance_node():
            outcomes = state.chance_outcomes()
            actions = [a for a, _ in outcomes]
            probs = [pr for _, pr in outcomes]
            acting = CHANCE
        else:
            acting = state.current_player()
            if acting < 0:
                raise ValueError(f"unsupported node kind (player {acting}) in {game_string}")
            actions = state.legal_actions()
            probs = [1.0] * len(actions)
        b.player[n] = acting
        info = b.observe(n, state, acting)
        if acting >= 0:
            b.register_infoset(n, info if info is not None
                               else state.information_state_string(acting), acting, actions)
        first = len(b.player)
        if first + len(actions) > max_nodes:
            raise GameTooLargeError(
                f"{game_string} has more than {max_nodes:,} histories (counted {first:,} before "
                f"stopping; about {_bytes_per_node(num_players)} bytes each); raise max_nodes or "
                "use a smaller game")
        b.child_start[n] = first
        b.num_children[n] = len(actions)
        d = b.depth[n] + 1
        children = [(b.new_node(n, a, pr, d), state.child(a)) for a, pr in zip(actions, probs)]
        stack.extend(reversed(children))
    return b.finish(game_string, time.perf_counter() - t0)


def build_game_tree(game: "str | pyspiel.Game", max_nodes: int = DEFAULT_MAX_NODES,
                    max_memory_mb: float | None = None, cache_dir: str | None = None,
                    observe_all_players: bool = True, estimate_walks: int = 64) -> GameTree:
    """Compile ``game`` (a game string or loaded game) into a ``GameTree``.

    ``max_nodes`` / ``max_memory_mb`` cap the size: a random-walk estimate far above the cap
    fails at once, otherwise counting stops at the cap; both raise ``GameTooLargeError`` naming
    the size. With ``cache_dir`` the tree is loaded from / saved to ``<cache_dir>/<hash>.npz``.
    """
    game = as_game(game)
    _check_compilable(game)
    game_string = str(game)
    if not isinstance(max_nodes, (int, np.integer)) or max_nodes <= 0:
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    num_players = game.num_players()
    cap = int(max_nodes)
    if max_memory_mb is not None:
        if max_memory_mb <= 0:
            raise ValueError(f"max_memory_mb must be positive, got {max_memory_mb}")
        cap = min(cap, int(max_memory_mb * 2 ** 20 / _bytes_per_node(num_players)))
    path = None
    if cache_dir is not None:
        digest = hashlib.sha1(f"{game_string}|{observe_all_players}".encode()).hexdigest()[:16]
        path = os.path.join(cache_dir, f"tree_{digest}.npz")
        if os.path.exists(path):
            tree = load_game_tree(path, game)
            if tree.num_nodes <= cap:
                return tree
    estimate = estimate_num_histories(game, walks=estimate_walks)
    if estimate > _ESTIMATE_MARGIN * cap:
        mb = estimate * _bytes_per_node(num_players) / 2 ** 20
        raise GameTooLargeError(
            f"{game_string} has an estimated {estimate:.2e} histories (random-walk estimate, "
            f"~{mb:,.0f} MB compiled), far above the cap of {cap:,} histories; use a smaller game")
    tree = compile_from_states([game.new_initial_state()], None, game_string, num_players,
                               cap, observe_all=observe_all_players)
    if path is not None:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        tree.save(path)
    return tree


_TREE_CACHE: dict[str, GameTree] = {}


def cached_game_tree(game: "str | pyspiel.Game", max_nodes: int = DEFAULT_MAX_NODES) -> GameTree:
    """``build_game_tree`` memoised per game string for this process (the last 8 games)."""
    game = as_game(game)
    key = str(game)
    tree = _TREE_CACHE.get(key)
    if tree is not None and tree.num_nodes > max_nodes:
        raise GameTooLargeError(f"{key} has {tree.num_nodes:,} histories, above the cap of "
                                f"{max_nodes:,}")
    if tree is None:
        tree = build_game_tree(game, max_nodes=max_nodes)
        if len(_TREE_CACHE) >= 8:
            _TREE_CACHE.pop(next(iter(_TREE_CACHE)))
        _TREE_CACHE[key] = tree
    return tree
