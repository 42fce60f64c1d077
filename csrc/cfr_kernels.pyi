"""Type stub for csrc/cfr_kernels.pyx: full-width CFR/MMD/best-response sweeps over a KernelTree.

Slot and node arrays are C-contiguous float64 (int32 for ``best_action``); outputs are written
in place.
"""
import numpy as np
import numpy.typing as npt

from uedtp.csrc.game_tree import KernelTree

_F64 = npt.NDArray[np.float64]

RULE_CFR: int
RULE_RM_PLUS: int
RULE_DCFR: int
RULE_PREDICTIVE_RM_PLUS: int


def cfr_traverse(tree: KernelTree, player: int, policy: _F64, reach: _F64, own: _F64,
                 value: _F64, cfv: _F64, iset_reach: _F64) -> float: ...
def regret_update(tree: KernelTree, player: int, rule: int, policy: _F64, cfv: _F64,
                  regret: _F64, scratch: _F64, regret_weight: float = 1.0,
                  pos_discount: float = 1.0, neg_discount: float = 1.0,
                  fallback: _F64 | None = None) -> None: ...
def average_update(tree: KernelTree, player: int, policy: _F64, own: _F64, avg: _F64,
                   decay: float, weight: float) -> None: ...
def normalize_slots(tree: KernelTree, weights: _F64, out: _F64) -> None: ...
def regret_matching(tree: KernelTree, regret: _F64, out: _F64) -> None: ...
def mmd_update(tree: KernelTree, policy: _F64, magnet: _F64, cfv: _F64, iset_reach: _F64,
               eta: float, alpha: float) -> None: ...
def best_response_value(tree: KernelTree, player: int, policy: _F64, reach: _F64, own: _F64,
                        value: _F64, best_action: npt.NDArray[np.int32]) -> float: ...
def expected_values(tree: KernelTree, policy: _F64, value: _F64, player: int) -> float: ...
def forward_reach(tree: KernelTree, policy: _F64, player: int, reach: _F64,
                  own: _F64) -> None: ...
