"""Native (``uedtp.csrc.mlp``) copies of the suite's torch policy/value networks.

``native_from_network(net)`` walks a ``PolicyValueNet``'s trunk module by module: each
``nn.Linear`` becomes a dense layer, and the activation module that follows it (``nn.ReLU``,
``nn.Tanh``, or none / ``nn.Identity``) becomes that layer's activation; the policy and value
heads are copied as they are. Any other module in the trunk is refused (``ValueError``), so a
network the native code cannot reproduce never runs silently wrong. ``native_from_checkpoint``
does the same for a checkpoint file (validated by ``uedtp.agents.neural.checkpoint.read``).

The result's ``probabilities(inputs, masks, temperature)`` equals
``uedtp.agents.neural.policy.masked_probabilities`` (float64, zero on illegal actions) to float32
rounding, and ``values(inputs)`` equals the value head.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from uedtp.agents.neural.checkpoint import read
from uedtp.agents.neural.policy import PolicyValueNet
from uedtp.csrc.mlp import NativeMLP

_ACTIVATIONS: dict[type, str] = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Identity: "identity"}


def _linear(module: nn.Linear, what: str) -> tuple[np.ndarray, np.ndarray]:
    if module.bias is None:
        raise ValueError(f"{what} has no bias (the native network expects one)")
    return (module.weight.detach().cpu().float().numpy(),
            module.bias.detach().cpu().float().numpy())


def trunk_layers(trunk: nn.Module) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """``(weight, bias, activation)`` per ``nn.Linear`` of ``trunk`` (an ``nn.Sequential``)."""
    layers: list[tuple[np.ndarray, np.ndarray, str]] = []
    for k, module in enumerate(trunk.children()):
        if isinstance(module, nn.Linear):
            layers.append((*_linear(module, f"trunk module {k}"), "identity"))
        elif type(module) in _ACTIVATIONS:
            if not layers or layers[-1][2] != "identity":
                raise ValueError(f"trunk module {k} ({type(module).__name__}) does not follow a "
                                 "linear layer")
            w, b, _ = layers[-1]
            layers[-1] = (w, b, _ACTIVATIONS[type(module)])
        else:
            raise ValueError(f"trunk module {k} is a {type(module).__name__}; the native network "
                             f"supports Linear followed by one of "
                             f"{sorted(t.__name__ for t in _ACTIVATIONS)}")
    if not layers:
        raise ValueError("the trunk has no linear layer")
    return layers


def native_from_network(net: PolicyValueNet) -> NativeMLP:
    """A ``NativeMLP`` with ``net``'s layers, activations and weights (copied as float32)."""
    for name in ("trunk", "policy_head", "value_head"):
        if not isinstance(getattr(net, name, None), nn.Module):
            raise ValueError(f"not a PolicyValueNet: it has no {name} module")
    if not isinstance(net.policy_head, nn.Linear) or not isinstance(net.value_head, nn.Linear):
        raise ValueError("the policy and value heads must be nn.Linear layers")
    native = NativeMLP(trunk_layers(net.trunk), _linear(net.policy_head, "policy head"),
                       _linear(net.value_head, "value head"))
    arch: dict[str, Any] = getattr(net, "architecture", {})
    if arch and (arch.get("input_size") != native.input_size
                 or arch.get("num_actions") != native.num_actions
                 or list(arch.get("hidden", ())) != list(native.hidden)):
        raise ValueError(f"the network's architecture {arch} does not match its layers "
                         f"({native!r})")
    return native


def round_first_layer(net: PolicyValueNet) -> float:
    """Round ``net``'s first trunk layer's weights to the nearest half floats, in place, so that
    native inference reads them as half floats (half the bytes; ``NativeMLP.half_first_layer``)
    with results equal to torch's on the rounded network. Returns the largest absolute change.
    Weights beyond the half-float range (|w| > 65504) are refused."""
    first = next((m for m in net.trunk.modules() if isinstance(m, nn.Linear)), None)
    if first is None:
        raise ValueError("the network's trunk has no linear layer")
    with torch.no_grad():
        w = first.weight
        if float(w.abs().max()) > 65504.0:
            raise ValueError("first-layer weights exceed the half-float range (65504)")
        rounded = w.to(torch.float16).to(w.dtype)
        change = float((rounded - w).abs().max())
        w.copy_(rounded)
    return change


def native_from_checkpoint(path: str, game: str | None = None) -> NativeMLP:
    """A ``NativeMLP`` from a checkpoint file (``CheckpointError`` if it is unusable)."""
    return native_from_network(read(path, game).network())
