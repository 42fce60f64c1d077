"""Type stub for csrc/mccfr_kernels.pyx: external- and outcome-sampling MCCFR traversals."""
import numpy as np
import numpy.typing as npt

from uedtp.csrc.game_tree import KernelTree

_F64 = npt.NDArray[np.float64]


def new_rng_state(seed: int, stream: int = 0) -> npt.NDArray[np.uint64]: ...
def external_sampling(tree: KernelTree, player: int, regret: _F64, avg: _F64, work: _F64,
                      max_actions: int, max_depth: int, rng_state: npt.NDArray[np.uint64],
                      traversals: int = 1) -> float: ...
def outcome_sampling(tree: KernelTree, player: int, regret: _F64, avg: _F64, work: _F64,
                     max_actions: int, max_depth: int, rng_state: npt.NDArray[np.uint64],
                     epsilon: float, traversals: int = 1) -> float: ...
