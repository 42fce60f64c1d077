"""Monte Carlo CFR (external and outcome sampling) on a compiled game tree.

One iteration (``update()``) runs, for each player i in turn, ``traversals_per_iteration``
sampled traversals in Cython (see csrc/mccfr_kernels.pyx for what one traversal does) with a
seeded xoshiro256** generator whose state is part of the solver (saved with it), so runs are
reproducible from the seed. The current policy is regret matching on the cumulative regrets;
the average policy is the normalised stochastically-weighted average.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from uedtp.csrc import cfr_kernels as K
from uedtp.csrc import mccfr_kernels as M
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, GameTree
from uedtp.search.cfr.cfr import TreeSolver


class _MCCFRSolver(TreeSolver):
    _state_arrays = ("avg", "regret", "rng_state")

    def __init__(self, game: "str | pyspiel.Game | GameTree", seed: int = 0,
                 traversals_per_iteration: int = 1, max_nodes: int = DEFAULT_MAX_NODES) -> None:
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if not isinstance(traversals_per_iteration, (int, np.integer)) \
                or traversals_per_iteration <= 0:
            raise ValueError("traversals_per_iteration must be a positive integer, got "
                             f"{traversals_per_iteration!r}")
        super().__init__(game, max_nodes)
        self.seed = int(seed)
        self.traversals_per_iteration = int(traversals_per_iteration)
        self.regret = np.zeros(self.tree.num_slots)
        self.rng_state = M.new_rng_state(self.seed)
        self._max_actions = int(self.tree.infoset_num_actions.max())
        self._max_depth = int(self.tree.depth.max())
        self._work = np.zeros(2 * self._max_actions * (self._max_depth + 1))

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "traversals_per_iteration": self.traversals_per_iteration}

    def current_policy_array(self) -> np.ndarray:
        out = np.empty(self.tree.num_slots)
        K.regret_matching(self.kernel, self.regret, out)
        return out

    def _traverse_player(self, player: int) -> float:
        raise NotImplementedError

    def update(self) -> None:
        self.iteration += 1
        for p in range(self.tree.num_players):
            self._traverse_player(p)


class ExternalSamplingMCCFRSolver(_MCCFRSolver):
    """External-sampling MCCFR (all actions of the traverser, one sample elsewhere)."""

    name = "es-mccfr"

    def _traverse_player(self, player: int) -> float:
        return M.external_sampling(self.kernel, player, self.regret, self.avg, self._work,
                                   self._max_actions, self._max_depth, self.rng_state,
                                   self.traversals_per_iteration)


class OutcomeSamplingMCCFRSolver(_MCCFRSolver):
    """Outcome-sampling MCCFR with epsilon-exploration at the traverser's nodes."""

    name = "os-mccfr"

    def __init__(self, game: "str | pyspiel.Game | GameTree", seed: int = 0,
                 epsilon: float = 0.6, traversals_per_iteration: int = 1,
                 max_nodes: int = DEFAULT_MAX_NODES) -> None:
        if not isinstance(epsilon, (int, float)) or not 0.0 < epsilon <= 1.0:
            raise ValueError(f"epsilon must be in (0, 1], got {epsilon!r}")
        super().__init__(game, seed, traversals_per_iteration, max_nodes)
        self.epsilon = float(epsilon)

    def params(self) -> dict[str, Any]:
        return {**super().params(), "epsilon": self.epsilon}

    def _traverse_player(self, player: int) -> float:
        return M.outcome_sampling(self.kernel, player, self.regret, self.avg, self._work,
                                  self._max_actions, self._max_depth, self.rng_state,
                                  self.epsilon, self.traversals_per_iteration)
