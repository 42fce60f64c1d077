"""Versioned checkpoint files for neural blueprints (``uedtp.agents.neural.policy``).

A checkpoint is one ``torch.save`` file holding a plain dictionary:

  format        "uedtp-torch-policy"
  version       1 (``FORMAT_VERSION``)
  game          the OpenSpiel game string (or "hanabi(...)" for the native Hanabi encoding)
  encoding      the ``TensorEncoding``/``HanabiEncoding`` fields (kind, sizes, action count)
  architecture  {"input_size", "num_actions", "hidden"}
  state_dict    the network weights
  meta          free-form facts (command line, iteration, evaluation results)
  trainer       optional trainer state for resuming (optimizer, counters, RNG state)

Loading checks each layer in turn: readable file (else "corrupt or truncated"), the format tag,
a known version, the game the caller expects, the encoding of that game, and the weights'
shapes; each failure is a ``ValueError`` naming the problem (``FileNotFoundError`` for a
missing file). ``read``/``load_policy`` take a path or the name of a shipped checkpoint
(``hanabi_smartbot_bc``: ``uedtp.agents.neural.shipped.resolve``).
"""
from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Any

import torch

from uedtp.agents.neural.policy import ARCHITECTURE_KEYS, Encoding, PolicyValueNet, TorchPolicy
from uedtp.agents.neural.shipped import resolve

FORMAT_TAG = "uedtp-torch-policy"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: corrupt, unknown version, or for another game."""


@dataclass
class Checkpoint:
    """The decoded contents of a checkpoint file."""

    game: str
    encoding: dict[str, Any]
    architecture: dict[str, Any]
    state_dict: dict[str, torch.Tensor]
    meta: dict[str, Any] = field(default_factory=dict)
    trainer: dict[str, Any] | None = None
    version: int = FORMAT_VERSION

    def network(self) -> PolicyValueNet:
        net = PolicyValueNet(self.architecture["input_size"], self.architecture["num_actions"],
                             self.architecture["hidden"])
        try:
            net.load_state_dict(self.state_dict)
        except RuntimeError as err:
            first = str(err).strip().splitlines()
            raise CheckpointError(f"weights do not fit the architecture {self.architecture}: "
                                  f"{first[1].strip() if len(first) > 1 else first[0]}") from None
        return net.eval()

    def input_encoding(self) -> Encoding:
        """The encoding object (tensor layout) of the checkpoint's game and kind."""
        return _encoding_of(self.game, self.encoding.get("kind", "information_state"))


def _encoding_of(game: str, kind: str) -> Encoding:
    if game.startswith("hanabi_native"):
        from uedtp.envs.hanabi.tensor import hanabi_encoding_for
        return hanabi_encoding_for(game)
    from uedtp.envs.tensor_obs import encoding_for
    return encoding_for(game, kind)


def _canonical_game(game: str) -> str:
    """The game string as checkpoints store it (``GameError`` for an unknown game)."""
    if game.startswith("hanabi_native"):
        from uedtp.envs.hanabi.tensor import hanabi_encoding_for
        return hanabi_encoding_for(game).game_string
    from uedtp.envs.openspiel_games import load_game
    return str(load_game(game))


def save(path: str, net: PolicyValueNet, encoding: Any, meta: dict[str, Any] | None = None,
         trainer: dict[str, Any] | None = None) -> None:
    """Write a checkpoint atomically (temporary file + rename), so a crash never truncates it."""
    if net.architecture["input_size"] != encoding.size:
        raise ValueError(f"network input {net.architecture['input_size']} does not match the "
                         f"encoding size {encoding.size} of {encoding.game_string}")
    payload = {"format": FORMAT_TAG, "version": FORMAT_VERSION, "game": encoding.game_string,
               "encoding": encoding.as_dict(), "architecture": dict(net.architecture),
               "state_dict": {k: v.detach().clone() for k, v in net.state_dict().items()},
               "meta": dict(meta or {}), "trainer": trainer}
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read(path: str, game: str | None = None) -> Checkpoint:
    """Read and validate a checkpoint (a path or a shipped name); with ``game``, also require it
    to be for that game."""
    path = resolve(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, OSError,
            ValueError, KeyError) as err:
        first = (str(err).strip().splitlines() or ["no details"])[0][:120]   # may be empty
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint "
                              f"({type(err).__name__}: {first})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_TAG:
        raise CheckpointError(f"{path}: not a {FORMAT_TAG} checkpoint")
    version = payload.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise CheckpointError(f"{path}: unknown checkpoint version {version!r} "
                              f"(this code reads versions {SUPPORTED_VERSIONS})")
    for key in ("game", "encoding", "architecture", "state_dict"):
        if key not in payload:
            raise CheckpointError(f"{path}: checkpoint lacks the {key!r} entry")
    arch = payload["architecture"]
    if not isinstance(arch, dict) or any(k not in arch for k in ARCHITECTURE_KEYS):
        raise CheckpointError(f"{path}: architecture must have {ARCHITECTURE_KEYS}, got {arch!r}")
    ckpt = Checkpoint(payload["game"], payload["encoding"], arch, payload["state_dict"],
                      payload.get("meta") or {}, payload.get("trainer"), version)
    if game is not None:
        expected = _canonical_game(str(game))
        if expected != ckpt.game:
            raise CheckpointError(f"{path}: checkpoint is for {ckpt.game}, not {expected}")
    current = _encoding_of(ckpt.game, ckpt.encoding.get("kind", "information_state"))
    if current.as_dict() != ckpt.encoding:
        raise CheckpointError(f"{path}: encoding {ckpt.encoding} does not match what "
                              f"{ckpt.game} gives now ({current.as_dict()})")
    if arch["input_size"] != current.size or arch["num_actions"] != current.num_actions:
        raise CheckpointError(f"{path}: network shape ({arch['input_size']} inputs, "
                              f"{arch['num_actions']} actions) does not match {ckpt.game}")
    return ckpt


def load_policy(path: str, game: str | None = None, seed: int | None = 0,
                temperature: float = 1.0) -> TorchPolicy:
    """A ``TorchPolicy`` from a checkpoint, a path or a shipped name (see ``read`` for the checks)."""
    ckpt = read(path, game)
    encoding = _encoding_of(ckpt.game, ckpt.encoding.get("kind", "information_state"))
    return TorchPolicy(ckpt.network(), encoding, seed=seed, temperature=temperature)
