"""The uniform random blueprint/agent: every legal action with equal probability."""
from __future__ import annotations

from typing import Any

import numpy as np

from uedtp.agents.protocol import Encoding, UniformPolicy
from uedtp.envs.tensor_obs import encoding_for


class UniformAgent(UniformPolicy):
    """Uniform over ``state.legal_actions()``; works for any game layer with that method.
    ``act`` draws from the agent's own seeded generator."""

    def __init__(self, seed: int | None = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def act(self, state: Any) -> int:
        actions = state.legal_actions()
        return int(actions[self._rng.integers(len(actions))])


class UniformNetworkBlueprint(UniformAgent):
    """The uniform blueprint in the batched form of a network blueprint
    (``uedtp.agents.protocol.NetworkBlueprint``) for a game with an information-state tensor:
    ``probabilities(inputs, masks)`` is each legal mask normalised, whatever the inputs. It lets
    the batched neural search (``uedtp.search.neural``) run over the uniform blueprint; it has no
    native network, so rollouts take the reference step loop.

    >>> bp = UniformNetworkBlueprint("phantom_ttt")
    >>> bp.probabilities(np.zeros((1, bp.encoding.size)), np.array([[1, 0, 1, 1, 0, 0, 0, 0, 1]]))
    array([[0.25, 0.  , 0.25, 0.25, 0.  , 0.  , 0.  , 0.  , 0.25]])
    >>> bp.uniform_over_legal_actions()
    True
    """

    temperature = 1.0

    def __init__(self, game: Any, seed: int | None = 0) -> None:
        super().__init__(seed)
        self.encoding: Encoding = encoding_for(game)

    @property
    def game_string(self) -> str:
        return self.encoding.game_string

    def probabilities(self, inputs: np.ndarray, masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=np.float64)
        if masks.ndim != 2 or masks.shape[1] != self.encoding.num_actions:
            raise ValueError(f"masks must have shape (k, {self.encoding.num_actions}), got "
                             f"{masks.shape}")
        counts = masks.sum(axis=1, keepdims=True)
        if np.any(counts == 0):
            raise ValueError("a row of masks has no legal action")
        return masks / counts

    def __repr__(self) -> str:
        return f"UniformNetworkBlueprint({self.encoding.game_string})"
