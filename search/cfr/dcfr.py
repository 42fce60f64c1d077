"""Discounted CFR (DCFR) and linear CFR on a compiled game tree.

One iteration t is a CFR iteration (search/cfr/cfr.py) whose regret rule discounts: after adding
the instantaneous regrets, positive cumulative regrets are multiplied by t^alpha / (t^alpha + 1)
and negative ones by t^beta / (t^beta + 1); contributions to the average policy are weighted
∝ t^gamma. Recommended (alpha, beta, gamma) = (1.5, 0, 2); linear CFR is DCFR(1, 1, 1), i.e.
iteration t's regrets and policy both weighted by t.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from uedtp.csrc import cfr_kernels as K
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, GameTree
from uedtp.search.cfr.cfr import RegretSolver


class DCFRSolver(RegretSolver):
    """DCFR(alpha, beta, gamma) with alternating updates."""

    name = "dcfr"
    rule = K.RULE_DCFR

    def __init__(self, game: "str | pyspiel.Game | GameTree", alpha: float = 1.5,
                 beta: float = 0.0, gamma: float = 2.0, alternating: bool = True,
                 max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        for label, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
            if not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ValueError(f"DCFR {label} must be a finite number, got {v!r}")
        if gamma < 0:
            raise ValueError(f"DCFR gamma must be >= 0, got {gamma}")
        super().__init__(game, alternating=alternating, averaging=float(gamma),
                         max_nodes=max_nodes, initial_policy=initial_policy)
        self.alpha, self.beta, self.gamma = float(alpha), float(beta), float(gamma)

    def params(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "beta": self.beta, "gamma": self.gamma,
                "alternating": self.alternating}

    def _discounts(self, t: int) -> tuple[float, float, float]:
        ta, tb = float(t) ** self.alpha, float(t) ** self.beta
        return 1.0, ta / (ta + 1.0), tb / (tb + 1.0)


class LinearCFRSolver(DCFRSolver):
    """Linear CFR = DCFR(1, 1, 1)."""

    name = "lcfr"

    def __init__(self, game: "str | pyspiel.Game | GameTree", alternating: bool = True,
                 max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        super().__init__(game, 1.0, 1.0, 1.0, alternating=alternating, max_nodes=max_nodes,
                         initial_policy=initial_policy)

    def params(self) -> dict[str, Any]:
        return {"alternating": self.alternating}
