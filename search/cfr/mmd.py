"""Tabular behavioural magnetic mirror descent (MMD) on a compiled game tree.

One iteration t (simultaneous for all players):
  1. traverse the tree once per player with the current policy pi_t (Cython): counterfactual
     values cfv(I, a) and counterfactual reach of every infoset; the action values are
     q(I, a) = cfv(I, a) / reach(I) (expected return after a at I);
  2. at every infoset apply the MMD step with stepsize eta_t and temperature alpha_t:
     pi'(a) ∝ [pi(a) · rho(a)^(alpha·eta) · exp(eta·q(a))]^(1 / (1 + alpha·eta));
  3. optionally move the magnet towards the new policy: rho' ∝ rho^(1 - s) · pi'^s.
Schedules: ``"constant"`` (eta_t = eta, alpha_t = alpha) or ``"annealed"``
(eta_t = eta / sqrt(t), alpha_t = alpha / sqrt(t)). The reference settings are
``MMDSolver.annealed_kuhn``, ``annealed_leduc`` and ``moving_magnet`` (alpha 1, eta 0.1,
magnet step 0.05: the constructor's defaults, what the name ``mmd`` builds). MMD is a
last-iterate method: ``current_policy()`` is the one to evaluate (the reach-weighted average is
kept too).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from uedtp.csrc import cfr_kernels as K
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, GameTree
from uedtp.search.cfr.cfr import TreeSolver

SCHEDULES = ("constant", "annealed")


class MMDSolver(TreeSolver):
    """Behavioural-form MMD with a uniform (or given) magnet; see the module docstring."""

    name = "mmd"
    _state_arrays = ("policy", "avg", "magnet")

    def __init__(self, game: "str | pyspiel.Game | GameTree", eta: float = 0.1,
                 alpha: float = 1.0, schedule: str = "constant", magnet_step: float = 0.05,
                 max_nodes: int = DEFAULT_MAX_NODES) -> None:
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown MMD schedule {schedule!r}; expected one of {SCHEDULES}")
        for label, v in (("eta", eta), ("alpha", alpha)):
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise ValueError(f"MMD {label} must be a finite number >= 0, got {v!r}")
        if eta == 0:
            raise ValueError("MMD eta must be positive (eta = 0 never moves)")
        if not 0.0 <= magnet_step <= 1.0:
            raise ValueError(f"magnet_step must be in [0, 1], got {magnet_step}")
        super().__init__(game, max_nodes)
        self.eta, self.alpha = float(eta), float(alpha)
        self.schedule, self.magnet_step = schedule, float(magnet_step)
        self.magnet = self.tree.uniform_policy()
        self._cfv_all = np.zeros(self.tree.num_slots)
        self._reach_all = np.zeros(self.tree.num_infosets)
        self._mix = np.empty(self.tree.num_slots)

    @classmethod
    def annealed_kuhn(cls, game: "str | pyspiel.Game | GameTree" = "kuhn_poker") -> "MMDSolver":
        """eta_t = alpha_t = 1/sqrt(t)."""
        return cls(game, eta=1.0, alpha=1.0, schedule="annealed", magnet_step=0.0)

    @classmethod
    def annealed_leduc(cls, game: "str | pyspiel.Game | GameTree" = "leduc_poker"
                       ) -> "MMDSolver":
        """eta_t = 1/sqrt(t), alpha_t = 5/sqrt(t)."""
        return cls(game, eta=1.0, alpha=5.0, schedule="annealed", magnet_step=0.0)

    @classmethod
    def moving_magnet(cls, game: "str | pyspiel.Game | GameTree", alpha: float = 1.0,
                      eta: float = 0.1, magnet_step: float = 0.05) -> "MMDSolver":
        """A constant step size with the magnet moving towards the iterates (the defaults)."""
        return cls(game, eta=eta, alpha=alpha, schedule="constant", magnet_step=magnet_step)

    def params(self) -> dict[str, Any]:
        return {"eta": self.eta, "alpha": self.alpha, "schedule": self.schedule,
                "magnet_step": self.magnet_step}

    def stepsizes(self, t: int) -> tuple[float, float]:
        """(eta_t, alpha_t) at iteration t (1-based)."""
        if self.schedule == "annealed":
            scale = 1.0 / np.sqrt(t)
            return self.eta * scale, self.alpha * scale
        return self.eta, self.alpha

    def update(self) -> None:
        self.iteration += 1
        t = self.iteration
        eta, alpha = self.stepsizes(t)
        self._cfv_all.fill(0.0)
        self._reach_all.fill(0.0)
        for p in range(self.tree.num_players):
            self._traverse(p)
            # each traversal only writes its own player's infosets
            self._cfv_all += self._cfv
            self._reach_all += self._iset_reach
            K.average_update(self.kernel, p, self.policy, self._own, self.avg, (t - 1) / t, 1.0)
        K.mmd_update(self.kernel, self.policy, self.magnet, self._cfv_all, self._reach_all,
                     eta, alpha)
        if self.magnet_step > 0.0:
            s = self.magnet_step
            with np.errstate(divide="ignore"):
                np.exp((1.0 - s) * np.log(self.magnet) + s * np.log(self.policy), out=self._mix)
            K.normalize_slots(self.kernel, self._mix, self.magnet)
