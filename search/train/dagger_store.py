"""Resumable storage of a DAgger run (``uedtp.search.train.dagger``): checkpoint, per-round data, settings.

A run saved at ``OUT.pt`` is

  OUT.pt              the network after the last finished round (``uedtp.agents.neural.checkpoint``),
                      with trainer state {"dagger_round", "fingerprint", "settings", "history"}
  OUT.round000.npz    the decisions recorded in round 0, OUT.round001.npz in round 1, ...
                      (each holds the run's fingerprint; written before the checkpoint, so a
                      checkpoint naming round k always has the data of rounds 0..k beside it)
  OUT.jsonl           one line of figures per finished round

The aggregate is stored one round per file, so a checkpoint after round k writes only round
k's decisions, not the whole (growing) aggregate. The fingerprint is a hash of every setting
that changes what a round computes (all but the number of rounds, the torch thread count and
progress bars); a resumed run with other settings is refused, naming the settings that differ.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from typing import Any

import numpy as np

from uedtp.agents.neural.checkpoint import Checkpoint, read

# settings that may change between a run and its resumption
NOT_FINGERPRINTED = ("rounds", "threads", "progress")
ROUND_ARRAYS = ("inputs", "masks", "labels", "played", "game", "holdout", "scores")


class ResumeError(ValueError):
    """A saved run cannot be continued with the given settings or files."""


def settings_of(config: Any) -> dict[str, Any]:
    """The fingerprinted settings of a ``DaggerConfig`` as a plain JSON-able dict."""
    d = dataclasses.asdict(config)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(d.items())
            if k not in NOT_FINGERPRINTED}


def fingerprint(config: Any) -> str:
    blob = json.dumps(settings_of(config), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def stem(out: str) -> str:
    return out[:-3] if out.endswith(".pt") else out


def round_path(out: str, k: int) -> str:
    return f"{stem(out)}.round{k:03d}.npz"


def log_path(out: str) -> str:
    return stem(out) + ".jsonl"


def save_round(out: str, k: int, data: dict[str, np.ndarray], fp: str) -> None:
    """Write round ``k``'s arrays atomically (temporary file + rename)."""
    path = round_path(out, k)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            arrays: dict[str, Any] = {name: data[name] for name in ROUND_ARRAYS}
            np.savez_compressed(fh, fingerprint=np.array(fp), round=np.array(k), **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_round(out: str, k: int, fp: str) -> dict[str, np.ndarray]:
    path = round_path(out, k)
    if not os.path.isfile(path):
        raise ResumeError(f"cannot resume: the data of round {k} ({path}) is missing")
    with np.load(path) as z:
        if str(z["fingerprint"]) != fp or int(z["round"]) != k:
            raise ResumeError(f"cannot resume: {path} was written by a run with other settings")
        return {name: z[name] for name in ROUND_ARRAYS}


def check_resumable(ckpt: Checkpoint, config: Any, out: str) -> None:
    """``ResumeError`` unless ``ckpt`` is a DAgger checkpoint written with ``config``'s settings."""
    trainer = ckpt.trainer or {}
    if "dagger_round" not in trainer:
        raise ResumeError(f"cannot resume: {out} is not a DAgger checkpoint (no trainer state)")
    if trainer.get("fingerprint") != fingerprint(config):
        saved = trainer.get("settings", {})
        now = settings_of(config)
        diff = [f"{k}: saved {saved.get(k)!r}, now {now.get(k)!r}"
                for k in sorted(set(saved) | set(now)) if saved.get(k) != now.get(k)]
        raise ResumeError(f"cannot resume {out}: settings differ ({'; '.join(diff) or 'version'})"
                          "; use the same settings or another --out")


def load_run(out: str, config: Any, game: str) -> tuple[Checkpoint, list[dict[str, np.ndarray]]]:
    """The checkpoint and the data of every finished round of the run saved at ``out``."""
    ckpt = read(out, game)
    check_resumable(ckpt, config, out)
    assert ckpt.trainer is not None            # check_resumable refuses a checkpoint without it
    last = int(ckpt.trainer["dagger_round"])
    fp = fingerprint(config)
    return ckpt, [load_round(out, k, fp) for k in range(last + 1)]


def append_log(out: str, entry: dict[str, Any]) -> None:
    with open(log_path(out), "a") as fh:
        fh.write(json.dumps(entry) + "\n")
