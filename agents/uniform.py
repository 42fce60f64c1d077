"""The uniform random blueprint/agent: every legal action with equal probability."""
from __future__ import annotations

from typing import Any

import numpy as np

from uedtp.agents.protocol import UniformPolicy


class UniformAgent(UniformPolicy):
    """Uniform over ``state.legal_actions()``; works for any game layer with that method.
    ``act`` draws from the agent's own seeded generator."""

    def __init__(self, seed: int | None = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def act(self, state: Any) -> int:
        actions = state.legal_actions()
        return int(actions[self._rng.integers(len(actions))])
