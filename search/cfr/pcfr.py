"""Predictive CFR+ (PCFR+) on a compiled game tree.

One iteration is a CFR+ iteration (search/cfr/cfr.py) with a prediction: cumulative regrets follow
regret-matching+ (R = max(R + r, 0)), but the next policy is regret matching on the predicted
regrets max(R + m, 0), where the prediction m of the next instantaneous regret is the last one,
r. Averaging is quadratic (weight ∝ t^2) by default, alternating updates.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from uedtp.csrc import cfr_kernels as K
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, GameTree
from uedtp.search.cfr.cfr import RegretSolver


class PCFRPlusSolver(RegretSolver):
    """Predictive CFR+ (last-regret prediction, RM+ accumulation, quadratic averaging)."""

    name = "pcfr+"
    rule = K.RULE_PREDICTIVE_RM_PLUS

    def __init__(self, game: "str | pyspiel.Game | GameTree", alternating: bool = True,
                 averaging: float = 2.0, max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        super().__init__(game, alternating=alternating, averaging=averaging,
                         max_nodes=max_nodes, initial_policy=initial_policy)

    def params(self) -> dict[str, Any]:
        return {"alternating": self.alternating, "averaging": self.averaging}
