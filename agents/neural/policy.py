"""Neural blueprints: an MLP over the information-state tensor with a legal-action mask.

One step of the policy: encode the state for the player to move (``uedtp.envs.tensor_obs``: tensor +
player one-hot), run the MLP trunk, read logits for every distinct action, set the logits of
illegal actions to -inf and take a softmax (times an optional ``temperature``). The same network
has a value head (expected return of the player to move), used by the self-play trainers.

- ``PolicyValueNet``: the torch module (``forward(x, mask) -> (logits, value)``).
- ``TorchPolicy``: the suite's blueprint/agent (``action_probabilities``, ``act``) plus batched
  ``probabilities(inputs, masks)`` for the vectorised code.
- ``save``/``load`` live in ``uedtp.agents.neural.checkpoint``.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from uedtp.agents.protocol import Encoding, sample_action

ARCHITECTURE_KEYS = ("input_size", "num_actions", "hidden")


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


def support_sums(probs: np.ndarray, masks: np.ndarray) -> tuple[float, int, float]:
    """How stochastic a batch of policy rows is: (sum of the rows' entropies in nats, rows,
    smallest probability of a legal action; 1.0 when there is none). Sums, so batches add up."""
    legal = np.asarray(masks, dtype=bool)
    logs = np.log(np.where(probs > 0, probs, 1.0))
    entropy = float(-(probs * logs).sum())
    return entropy, int(len(probs)), float(probs[legal].min()) if legal.any() else 1.0


class TorchPolicy:
    """A ``PolicyValueNet`` as a blueprint/agent for the states of one game (implements
    ``uedtp.agents.protocol.NetworkBlueprint``).

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
        self._native: Any = None
        self._native_key: tuple[int, ...] | None = None

    @property
    def game_string(self) -> str:
        return self.encoding.game_string

    def native_network(self) -> Any:
        """A ``uedtp.csrc.mlp.NativeMLP`` copy of the network (probabilities equal to
        ``probabilities`` within float32 rounding), rebuilt whenever a parameter has changed
        in place since the last copy (torch's version counters); None if the network has a
        module the native code does not support."""
        key = tuple(int(p._version) for p in self.net.parameters()) + \
            tuple(id(p) for p in self.net.parameters())
        if self._native_key != key:
            from uedtp.agents.neural.native import native_from_network
            try:
                self._native = native_from_network(self.net)
            except ValueError:
                self._native = None
            self._native_key = key
        return self._native

    def weights_digest(self) -> str:
        """``weights_digest`` of the network: equal for policies loaded from one checkpoint."""
        return weights_digest(self.net)

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
        return sample_action(self._rng, self.action_probabilities(state))

    def __repr__(self) -> str:
        return (f"TorchPolicy({self.encoding.game_string}, hidden={self.net.architecture['hidden']},"
                f" temperature={self.temperature})")


def weights_digest(net: nn.Module) -> str:
    """A digest of a network's architecture (when it records one) and weights: equal for two
    networks loaded from one checkpoint, different after any change of a parameter."""
    h = hashlib.sha256(json.dumps(getattr(net, "architecture", None), sort_keys=True).encode())
    for key, value in net.state_dict().items():
        h.update(key.encode())
        h.update(value.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]
