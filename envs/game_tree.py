"""A game tree compiled once into flat numpy arrays, so solvers never touch ``pyspiel.State``.

One step of compilation (``build_game_tree``) expands one history: it records who acts there
(a player, chance or nobody at a terminal), the player's information-state id, every player's
information-state-string id (also for players who are not to move: subgame solving needs them to
build public states), the chance probabilities or legal actions, and allocates the node's
children as one contiguous block. Children are therefore contiguous and every child has a larger
index than its parent, so a forward sweep ``0..N-1`` visits parents first (reach
probabilities) and a backward sweep ``N-1..0`` visits children first (values).

Decision points are grouped into *infosets* ``k`` (player, information-state string) with their
actions laid out in one flat array of *slots*: infoset ``k`` owns slots
``infoset_offset[k] .. infoset_offset[k+1]-1``, one per legal action in the game's order. A
node's ``j``-th child corresponds to slot ``infoset_offset[node_infoset[n]] + j``. All policies,
regrets and averages in ``search/`` are float arrays over slots.

Games that are too large fail fast: a Knuth random-walk estimate of the number of histories is
checked first, then the exact count stops at ``max_nodes`` with an error naming the size.
Compiled trees can be saved to and loaded from ``.npz`` (optionally cached by game string).
"""
from __future__ import annotations

import array
import dataclasses
import hashlib
import os
import time
import zipfile
from typing import Any, Iterable, Sequence

import numpy as np
import pyspiel

from envs.openspiel_games import as_game

CHANCE = -1
TERMINAL = -4
FORMAT_VERSION = 1
DEFAULT_MAX_NODES = 5_000_000
_ESTIMATE_MARGIN = 20.0     # reject without counting when the estimate exceeds the cap this much

_NODE_ARRAYS = ("player", "parent", "action", "child_start", "num_children", "chance_prob",
                "depth", "node_infoset")
_INFOSET_ARRAYS = ("infoset_player", "infoset_offset", "infoset_node", "slot_action")


class GameTooLargeError(ValueError):
    """The game has more histories than the node or memory cap allows."""


class CorruptTreeFileError(ValueError):
    """A saved tree/policy/solver file is unreadable, truncated, or for another game."""


@dataclasses.dataclass
class GameTree:
    """Flat-array form of a finite sequential game (see the module docstring for the layout).

    Node arrays have length ``num_nodes``; ``utility`` and ``observation_id`` have one row per
    player. ``observation_id[p, n]`` is the id of player ``p``'s information-state string at
    node ``n`` (-1 at terminals or where the game does not define it); two nodes with the same id
    are indistinguishable to ``p``. ``source_node`` maps nodes of a derived tree (a subgame) to
    the nodes of the tree it was cut from (-1 for nodes added by a gadget).
    """

    game_string: str
    num_players: int
    player: np.ndarray          # int8: acting player, CHANCE or TERMINAL
    parent: np.ndarray          # int32, -1 at the root
    action: np.ndarray          # int32: action leading from the parent (-1 at the root)
    child_start: np.ndarray     # int32: index of the first child
    num_children: np.ndarray    # int32
    chance_prob: np.ndarray     # float64: probability of the edge from a chance parent, else 1
    depth: np.ndarray           # int16
    node_infoset: np.ndarray    # int32: decision infoset of the acting player, -1 otherwise
    utility: np.ndarray         # float64 (num_players, num_nodes), zero at non-terminals
    observation_id: np.ndarray  # int32 (num_players, num_nodes)
    infoset_player: np.ndarray  # int8 (num_infosets,)
    infoset_offset: np.ndarray  # int32 (num_infosets + 1,): slot range of each infoset
    infoset_node: np.ndarray    # int32: one node of each infoset (a representative history)
    slot_action: np.ndarray     # int32 (num_slots,): the game action of each slot
    infoset_strings: list[str]
    source_node: np.ndarray | None = None
    build_seconds: float = 0.0
    _iset_nodes: tuple[np.ndarray, np.ndarray] | None = dataclasses.field(
        default=None, repr=False, compare=False)
    _key_index: dict[tuple[int, str], int] | None = dataclasses.field(
        default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ sizes
    @property
    def num_nodes(self) -> int:
        return int(self.player.shape[0])

    @property
    def num_infosets(self) -> int:
        return int(self.infoset_player.shape[0])

    @property
    def num_slots(self) -> int:
        return int(self.slot_action.shape[0])

    @property
    def infoset_num_actions(self) -> np.ndarray:
        return np.diff(self.infoset_offset).astype(np.int32)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (strings excluded)."""
        total = sum(getattr(self, name).nbytes for name in _NODE_ARRAYS + _INFOSET_ARRAYS)
        total += self.utility.nbytes + self.observation_id.nbytes
        if self.source_node is not None:
            total += self.source_node.nbytes
        return int(total)

    def stats(self) -> dict[str, Any]:
        """Counts of histories by kind, infosets per player, depth, memory and build time."""
        kinds = self.player
        return {
            "game": self.game_string,
            "histories": self.num_nodes,
            "decision_nodes": int(np.sum(kinds >= 0)),
            "chance_nodes": int(np.sum(kinds == CHANCE)),
            "terminals": int(np.sum(kinds == TERMINAL)),
            "infosets": self.num_infosets,
            "infosets_per_player": [int(np.sum(self.infoset_player == p))
                                    for p in range(self.num_players)],
            "slots": self.num_slots,
            "max_depth": int(self.depth.max()) if self.num_nodes else 0,
            "memory_mb": self.nbytes / 2 ** 20,
            "build_seconds": self.build_seconds,
        }

    # ------------------------------------------------------------- lookups
    def infoset_index(self, player: int, info_string: str) -> int:
        """Id of the infoset of ``player`` with this information-state string (KeyError if none)."""
        if self._key_index is None:
            self._key_index = {(int(self.infoset_player[k]), s): k
                               for k, s in enumerate(self.infoset_strings)}
        return self._key_index[(int(player), info_string)]

    def infoset_nodes(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR lists of the nodes of every infoset: nodes ``idx[start[k]:start[k+1]]``."""
        if self._iset_nodes is None:
            decision = np.flatnonzero(self.node_infoset >= 0).astype(np.int32)
            order = np.argsort(self.node_infoset[decision], kind="stable")
            nodes = decision[order]
            counts = np.bincount(self.node_infoset[nodes], minlength=self.num_infosets)
            start = np.zeros(self.num_infosets + 1, dtype=np.int32)
            np.cumsum(counts, out=start[1:])
            self._iset_nodes = (start, nodes.astype(np.int32))
        return self._iset_nodes

    def children(self, node: int) -> np.ndarray:
        s = int(self.child_start[node])
        return np.arange(s, s + int(self.num_children[node]), dtype=np.int32)

    def history(self, node: int) -> list[int]:
        """Action sequence from the root to ``node``."""
        if not 0 <= node < self.num_nodes:
            raise ValueError(f"node {node} out of range [0, {self.num_nodes})")
        actions = []
        while self.parent[node] >= 0:
            actions.append(int(self.action[node]))
            node = int(self.parent[node])
        return actions[::-1]

    def node_of_history(self, history: Sequence[int]) -> int:
        """Node reached by playing ``history`` from the root (ValueError if it leaves the tree)."""
        node = 0
        for step, a in enumerate(history):
            s, n = int(self.child_start[node]), int(self.num_children[node])
            hits = np.flatnonzero(self.action[s:s + n] == a)
            if n == 0 or hits.size == 0:
                raise ValueError(f"action {a} at step {step} of history {list(history)} is not "
                                 f"legal in {self.game_string}")
            node = s + int(hits[0])
        return node

    def node_of_state(self, state: pyspiel.State) -> int:
        return self.node_of_history(state.history())

    def state_of(self, node: int, game: pyspiel.Game | None = None) -> pyspiel.State:
        """A ``pyspiel.State`` for ``node`` (only for trees compiled from a whole game)."""
        if self.source_node is not None:
            raise ValueError("state_of is only defined on trees compiled from a whole game")
        state = as_game(game or self.game_string).new_initial_state()
        for a in self.history(node):
            state.apply_action(a)
        return state

    def slots(self, infoset: int) -> slice:
        return slice(int(self.infoset_offset[infoset]), int(self.infoset_offset[infoset + 1]))

    def uniform_policy(self) -> np.ndarray:
        """Slot array of the uniform policy."""
        counts = self.infoset_num_actions.astype(np.float64)
        return np.repeat(1.0 / counts, counts.astype(np.int64))

    def check_policy(self, probs: np.ndarray, name: str = "policy") -> np.ndarray:
        """Validate a slot array (shape, finiteness, non-negativity, sums to one per infoset)."""
        probs = np.asarray(probs, dtype=np.float64)
        if probs.shape != (self.num_slots,):
            raise ValueError(f"{name} must have shape ({self.num_slots},) for {self.game_string}, "
                             f"got {probs.shape}")
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError(f"{name} has negative or non-finite probabilities")
        sums = np.add.reduceat(probs, self.infoset_offset[:-1]) if self.num_infosets else probs
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"{name} does not sum to 1 at infoset {self.infoset_strings[k]!r} "
                             f"(sum {sums[k]:.6g}; {bad.size} infosets affected)")
        return probs

    # ----------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike, compress: bool = False) -> None:
        """Write the tree to ``path`` (.npz)."""
        arrays = {name: getattr(self, name) for name in _NODE_ARRAYS + _INFOSET_ARRAYS}
        arrays.update(utility=self.utility, observation_id=self.observation_id)
        blob, offsets = _pack_strings(self.infoset_strings)
        arrays.update(infoset_strings_blob=blob, infoset_strings_offsets=offsets)
        if self.source_node is not None:
            arrays["source_node"] = self.source_node
        arrays["meta"] = np.array([FORMAT_VERSION, self.num_players], dtype=np.int64)
        arrays["game_string"] = np.frombuffer(self.game_string.encode(), dtype=np.uint8)
        (np.savez_compressed if compress else np.savez)(path, **arrays)


def _pack_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _unpack_strings(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    return [raw[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]


def read_npz(path: str | os.PathLike, required: Iterable[str], what: str) -> dict[str, np.ndarray]:
    """Read every array of an .npz file, raising ``CorruptTreeFileError`` on any defect."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as err:
        raise CorruptTreeFileError(f"{path}: not a readable {what} .npz file ({err})") from None
    missing = [name for name in required if name not in arrays]
    if missing:
        raise CorruptTreeFileError(f"{path}: {what} file is missing arrays {missing}")
    return arrays


def load_game_tree(path: str | os.PathLike, game: "str | pyspiel.Game | None" = None) -> GameTree:
    """Load a tree saved by ``GameTree.save``; if ``game`` is given, it must be the same game."""
    required = _NODE_ARRAYS + _INFOSET_ARRAYS + ("utility", "observation_id", "meta",
                                                 "game_string", "infoset_strings_blob",
                                                 "infoset_strings_offsets")
    a = read_npz(path, required, "game tree")
    version, num_players = (int(x) for x in a["meta"][:2])
    if version != FORMAT_VERSION:
        raise CorruptTreeFileError(f"{path}: tree format version {version}, expected "
                                   f"{FORMAT_VERSION}")
    game_string = a["game_string"].tobytes().decode("utf-8", errors="replace")
    if game is not None:
        wanted = str(as_game(game))
        if wanted != game_string:
            raise CorruptTreeFileError(f"{path}: tree is for game {game_string!r}, "
                                       f"not {wanted!r}")
    n = a["player"].shape[0]
    for name in _NODE_ARRAYS:
        if a[name].shape != (n,):
            raise CorruptTreeFileError(f"{path}: node array {name!r} has shape {a[name].shape}, "
                                       f"expected ({n},)")
    if a["utility"].shape != (num_players, n) or a["observation_id"].shape != (num_players, n):
        raise CorruptTreeFileError(f"{path}: utility/observation_id shapes do not match "
                                   f"{num_players} players x {n} nodes")
    k = a["infoset_player"].shape[0]
    if (a["infoset_offset"].shape != (k + 1,) or a["infoset_node"].shape != (k,)
            or a["infoset_strings_offsets"].shape != (k + 1,)
            or int(a["infoset_offset"][-1]) != a["slot_action"].shape[0]):
        raise CorruptTreeFileError(f"{path}: infoset arrays are inconsistent")
    if n and (int(a["child_start"].max()) > n or int(a["parent"].max()) >= n):
        raise CorruptTreeFileError(f"{path}: node links point outside the tree")
    strings = _unpack_strings(a["infoset_strings_blob"], a["infoset_strings_offsets"])
    tree = GameTree(game_string=game_string, num_players=num_players,
                    utility=np.ascontiguousarray(a["utility"]),
                    observation_id=np.ascontiguousarray(a["observation_id"]),
                    infoset_strings=strings, source_node=a.get("source_node"),
                    **{name: np.ascontiguousarray(a[name])
                       for name in _NODE_ARRAYS + _INFOSET_ARRAYS})
    return tree


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
    info = game.get_type()
    if info.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise ValueError(f"cannot compile {game}: only sequential (turn-based) games are "
                         f"supported, it is {info.dynamics.name}")
    if not info.provides_information_state_string:
        raise ValueError(f"cannot compile {game}: it does not provide information_state_string")
    if info.chance_mode == pyspiel.GameType.ChanceMode.SAMPLED_STOCHASTIC:
        raise ValueError(f"cannot compile {game}: its chance events are sampled, not explicit")


def compile_from_states(roots: Sequence[pyspiel.State], root_probs: Sequence[float] | None,
                        game_string: str, num_players: int, max_nodes: int,
                        observe_all: bool = True, max_depth: int | None = None,
                        leaf_values: Any = None) -> GameTree:
    """Compile the trees below ``roots`` (a single root, or a chance node over several).

    With several roots, node 0 is a synthetic chance node whose children are the roots with
    probabilities ``root_probs``. Nodes deeper than ``max_depth`` (counted from node 0) become
    terminals whose utilities are ``leaf_values(state)`` (a per-player sequence).
    """
    if max_nodes <= 0:
        raise ValueError(f"max_nodes must be positive, got {max_nodes}")
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
        if max_depth is not None and b.depth[n] >= max_depth:
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
        os.makedirs(cache_dir, exist_ok=True)
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
