"""Neural blueprints: an MLP over the information-state tensor with a legal-action mask.

One step of the policy: encode the state for the player to move (``envs.tensor_obs``: tensor +
player one-hot), run the MLP trunk, read logits for every distinct action, set the logits of
illegal actions to -inf and take a softmax (times an optional ``temperature``). The same network
has a value head (expected return of the player to move), used by the self-play trainers.

- ``PolicyValueNet``: the torch module (``forward(x, mask) -> (logits, value)``).
- ``TorchPolicy``: the suite's blueprint/agent (``action_probabilities``, ``act``) plus batched
  ``probabilities(inputs, masks)`` for the vectorised code.
- ``save``/``load`` live in ``agents.neural.checkpoint``.
"""
from __future__ import annotations

import math
from typing import Any, Protocol, Sequence

import numpy as np
import torch
from torch import nn

ARCHITECTURE_KEYS = ("input_size", "num_actions", "hidden")


class Encoding(Protocol):
    """What ``TorchPolicy`` needs from an encoder (``TensorEncoding``, ``HanabiEncoding``)."""

    @property
    def game_string(self) -> str: ...

    @property
    def num_actions(self) -> int: ...

    @property
    def size(self) -> int: ...

    def encode_batch(self, states: Sequence[Any]) -> np.ndarray: ...

    def legal_mask(self, state: Any) -> np.ndarray: ...

    def as_dict(self) -> dict[str, Any]: ...


class PolicyValueNet(nn.Module):
    """MLP trunk (ReLU) with a masked policy head and a scalar value head."""

    def __init__(self, input_size: int, num_actions: int, hidden: Sequence[int] = (128, 128)
                 ) -> None:
        super().__init__()
        if input_size <= 0 or num_actions <= 0:
            raise ValueError(f"input_size and num_actions must be positive, got {input_size}, "
                             f"{num_actions}")
        hidden = [int(h) for h in hidden]
        if not hidden or any(h <= 0 for h in hidden):
            raise ValueError(f"hidden layer sizes must be positive ints, got {hidden}")
        layers: list[nn.Module] = []
        width = input_size
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.policy_head = nn.Linear(width, num_actions)
        self.value_head = nn.Linear(width, 1)
        self.architecture = {"input_size": int(input_size), "num_actions": int(num_actions),
                             "hidden": hidden}
        with torch.no_grad():                   # start close to uniform
            self.policy_head.weight.mul_(0.01)
            self.policy_head.bias.zero_()

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.trunk(x)
        logits = self.policy_head(z)
        if mask is not None:
            logits = logits.masked_fill(~mask, -math.inf)
        return logits, self.value_head(z).squeeze(-1)


def masked_probabilities(net: PolicyValueNet, inputs: np.ndarray, masks: np.ndarray,
                         temperature: float = 1.0) -> np.ndarray:
    """(k, A) float64 action probabilities of ``net`` for a batch (zero on illegal actions)."""
    if len(inputs) == 0:
        return np.zeros((0, masks.shape[1] if masks.ndim == 2 else 0))
    with torch.inference_mode():
        logits, _ = net(torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)),
                        torch.from_numpy(np.ascontiguousarray(masks, dtype=bool)))
        probs = torch.softmax(logits.double() / temperature, dim=-1).numpy()
    return probs


class TorchPolicy:
    """A ``PolicyValueNet`` as a blueprint/agent for the states of one game.

    ``temperature`` divides the logits (1 = the trained policy, small = nearly greedy).
    """

    def __init__(self, net: PolicyValueNet, encoding: Encoding, seed: int | None = 0,
                 temperature: float = 1.0) -> None:
        if net.architecture["input_size"] != encoding.size:
            raise ValueError(f"network input size {net.architecture['input_size']} does not match "
                             f"the encoding of {encoding.game_string} ({encoding.size})")
        if net.architecture["num_actions"] != encoding.num_actions:
            raise ValueError(f"network has {net.architecture['num_actions']} actions, "
                             f"{encoding.game_string} has {encoding.num_actions}")
        if not math.isfinite(temperature) or temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.net = net.eval()
        self.encoding = encoding
        self.temperature = float(temperature)
        self._rng = np.random.default_rng(seed)

    @property
    def game_string(self) -> str:
        return self.encoding.game_string

    def probabilities(self, inputs: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Batched (k, A) probabilities for encoded inputs and legal masks."""
        return masked_probabilities(self.net, inputs, masks, self.temperature)

    def action_probabilities(self, state: Any) -> dict[int, float]:
        legal = state.legal_actions()
        if not legal:
            raise ValueError("no legal actions: the state is terminal or a chance node")
        mask = self.encoding.legal_mask(state)[None, :]
        probs = self.probabilities(self.encoding.encode_batch([state]), mask)[0]
        return {int(a): float(probs[a]) for a in legal}

    def act(self, state: Any) -> int:
        probs = self.action_probabilities(state)
        actions = list(probs)
        p = np.fromiter(probs.values(), float)
        return int(actions[self._rng.choice(len(actions), p=p / p.sum())])

    def __repr__(self) -> str:
        return (f"TorchPolicy({self.encoding.game_string}, hidden={self.net.architecture['hidden']},"
                f" temperature={self.temperature})")


def sample_actions(probs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling of one action per row of ``probs`` (k, A) from ``uniforms`` (k,).

    Only actions with positive probability can be returned (rounding is clamped to the last
    positive entry), so the same uniforms give the same action for identical rows (common
    random numbers).
    """
    cdf = np.cumsum(probs, axis=1)
    actions = (cdf <= uniforms[:, None] * cdf[:, -1:]).sum(axis=1)
    last_positive = probs.shape[1] - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)
    return np.minimum(actions, last_positive)
