"""The compiled game tree: a finite sequential game as flat numpy arrays, and its .npz file.

``GameTree`` is the data every tabular solver in ``search/`` walks, so solvers never touch
``pyspiel.State``. Children of a node are contiguous and every child has a larger index than its
parent, so a forward sweep ``0..N-1`` visits parents first (reach probabilities) and a backward
sweep ``N-1..0`` visits children first (values).

Decision points are grouped into *infosets* ``k`` (player, information-state string) with their
actions laid out in one flat array of *slots*: infoset ``k`` owns slots
``infoset_offset[k] .. infoset_offset[k+1]-1``, one per legal action in the game's order. A
node's ``j``-th child corresponds to slot ``infoset_offset[node_infoset[n]] + j``. All policies,
regrets and averages in ``search/`` are float arrays over slots.

Trees are saved with ``GameTree.save`` and read back with ``load_game_tree``; ``read_npz`` and
the string packing are shared with the policy files of ``search/cfr``. Compilation from a game
lives in ``uedtp.envs.tree_compile``.
"""
from __future__ import annotations

import dataclasses
import os
import zipfile
from typing import Any, Iterable, Sequence

import numpy as np
import pyspiel

from uedtp.envs.openspiel_games import as_game

CHANCE = -1
TERMINAL = -4
FORMAT_VERSION = 1
DEFAULT_MAX_NODES = 5_000_000    # default cap on the histories of a compiled tree

_NODE_ARRAYS = ("player", "parent", "action", "child_start", "num_children", "chance_prob",
                "depth", "node_infoset")
_INFOSET_ARRAYS = ("infoset_player", "infoset_offset", "infoset_node", "slot_action")


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
    def c(name: str) -> np.ndarray:
        return np.ascontiguousarray(a[name])

    return GameTree(game_string=game_string, num_players=num_players,
                    player=c("player"), parent=c("parent"), action=c("action"),
                    child_start=c("child_start"), num_children=c("num_children"),
                    chance_prob=c("chance_prob"), depth=c("depth"),
                    node_infoset=c("node_infoset"), utility=c("utility"),
                    observation_id=c("observation_id"), infoset_player=c("infoset_player"),
                    infoset_offset=c("infoset_offset"), infoset_node=c("infoset_node"),
                    slot_action=c("slot_action"), infoset_strings=strings,
                    source_node=a.get("source_node"))
