"""Type stub for csrc/game_tree.pyx: the raw-pointer view of a compiled tree and tree walks."""
from typing import Protocol

import numpy as np
import numpy.typing as npt


class _CompiledTree(Protocol):
    """What ``KernelTree`` reads from an ``uedtp.envs.game_tree.GameTree``."""

    @property
    def num_nodes(self) -> int: ...
    @property
    def num_players(self) -> int: ...
    @property
    def num_infosets(self) -> int: ...
    @property
    def num_slots(self) -> int: ...
    player: np.ndarray
    parent: np.ndarray
    child_start: np.ndarray
    num_children: np.ndarray
    chance_prob: np.ndarray
    node_infoset: np.ndarray
    utility: np.ndarray
    infoset_player: np.ndarray
    infoset_offset: np.ndarray
    infoset_node: np.ndarray

    def infoset_nodes(self) -> tuple[np.ndarray, np.ndarray]: ...


class KernelTree:
    def __init__(self, tree: _CompiledTree) -> None: ...
    @property
    def num_nodes(self) -> int: ...
    @property
    def num_slots(self) -> int: ...


def mark_descendants(parent: npt.NDArray[np.int32],
                     is_root: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]: ...
def public_closure(start: int, observation_id: npt.NDArray[np.int32],
                   id_start: list[npt.NDArray[np.int32]], id_nodes: list[npt.NDArray[np.int32]],
                   max_nodes: int) -> tuple[npt.NDArray[np.int32], bool]: ...
def node_depths(parent: npt.NDArray[np.int32]) -> npt.NDArray[np.int16]: ...
