"""Type stub for csrc/mlp.pyx (native policy/value MLP inference)."""
from typing import Sequence

import numpy as np
import numpy.typing as npt

ACTIVATIONS: tuple[str, ...]
GATHER_ISA: str

def select_gather(isa: str = ...) -> str: ...

class NativeMLP:
    input_size: int
    num_actions: int
    hidden: tuple[int, ...]
    half_first_layer: bool
    activations: tuple[str, ...]

    def __init__(self, trunk: Sequence[tuple[npt.ArrayLike, npt.ArrayLike, str]],
                 policy: tuple[npt.ArrayLike, npt.ArrayLike],
                 value: tuple[npt.ArrayLike, npt.ArrayLike]) -> None: ...
    def forward(self, inputs: npt.ArrayLike, masks: npt.ArrayLike | None = None,
                temperature: float = 1.0
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def forward_sparse(self, starts: npt.ArrayLike, indices: npt.ArrayLike,
                       feature_values: npt.ArrayLike, masks: npt.ArrayLike | None = None,
                       temperature: float = 1.0
                       ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def repeat_forward(self, inputs: npt.ArrayLike, masks: npt.ArrayLike, repeats: int,
                       temperature: float = 1.0
                       ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def probabilities(self, inputs: npt.ArrayLike, masks: npt.ArrayLike,
                      temperature: float = 1.0) -> npt.NDArray[np.float64]: ...
    def values(self, inputs: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
