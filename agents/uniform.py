"""The uniform random blueprint/agent: every legal action with equal probability."""
from __future__ import annotations

from typing import Any

import numpy as np


class UniformAgent:
    """Uniform over ``state.legal_actions()``; works for any game layer with that method."""

    def __init__(self, seed: int | None = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def action_probabilities(self, state: Any) -> dict[int, float]:
        actions = state.legal_actions()
        p = 1.0 / len(actions)
        return {a: p for a in actions}

    def act(self, state: Any) -> int:
        actions = state.legal_actions()
        return int(actions[self._rng.integers(len(actions))])
