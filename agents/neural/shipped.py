"""Where a checkpoint argument points: a file path, or the name of a checkpoint shipped with the suite.

The blueprints of checkpoints/ (``hanabi_smartbot_bc``, ``adh_mmd``, ...) are package data of
``uedtp`` (uedtp/checkpoints links to the folder in a checkout; a wheel installs the files), so
``torch:hanabi_smartbot_bc`` works from any directory. ``resolve`` is the one place a checkpoint
argument becomes a file: an existing path wins; otherwise a bare name (``NAME`` or ``NAME.pt``,
no directory part) is looked up among the shipped files; anything else is a
``CheckpointNotFoundError`` that names the shipped checkpoints. ``default_network`` names the
shipped network a game uses when a spec gives none (``torch`` without ``:PATH``). No torch
import here, so command-line parsing can call it cheaply.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

SUFFIX = ".pt"

# The strongest shipped network of each game (by the game string its encoding records): the
# network of ``torch`` specs that name no checkpoint. BENCHMARKS.md has each one's measurements.
DEFAULT_NETWORKS: dict[str, str] = {
    "hanabi_native(players=2)": "hanabi_dagger_w512",
    "dark_hex(board_size=3,gameversion=adh)": "adh_mmd_10m",
    "phantom_ttt()": "pttt_mmd_10m",
}


class CheckpointNotFoundError(FileNotFoundError):
    """Neither an existing file nor the name of a shipped checkpoint."""


def shipped_dir() -> Path:
    """The folder of the shipped checkpoints (inside the installed ``uedtp`` package)."""
    return Path(str(resources.files("uedtp").joinpath("checkpoints")))


def shipped_names() -> list[str]:
    """Names of the shipped checkpoints, sorted (file stems: ``hanabi_smartbot_bc``, ...)."""
    folder = shipped_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name[:-len(SUFFIX)] for p in folder.iterdir()
                  if p.name.endswith(SUFFIX) and p.is_file())


def _is_bare_name(text: str) -> bool:
    return bool(text) and os.sep not in text and "/" not in text and text not in (".", "..")


def resolve(text: str | os.PathLike[str]) -> str:
    """The file a checkpoint argument names: ``text`` itself if it exists, else the shipped
    checkpoint ``text`` (``NAME`` or ``NAME.pt``); raises ``CheckpointNotFoundError`` otherwise."""
    text = os.fspath(text)
    if os.path.exists(text):
        return text
    names = shipped_names()
    listed = ", ".join(names) if names else "none found in " + str(shipped_dir())
    if _is_bare_name(text):
        stem = text[:-len(SUFFIX)] if text.endswith(SUFFIX) else text
        if stem in names:
            return str(shipped_dir() / (stem + SUFFIX))
        raise CheckpointNotFoundError(
            f"no checkpoint {text!r}: not a file, and not the name of a shipped checkpoint "
            f"(shipped: {listed})")
    raise CheckpointNotFoundError(f"no checkpoint at {text} (or name a shipped one: {listed})")


def default_network(game_string: str) -> str:
    """The shipped network a game uses by default (``DEFAULT_NETWORKS``); raises
    ``CheckpointNotFoundError`` naming the games that have one."""
    try:
        return DEFAULT_NETWORKS[game_string]
    except KeyError:
        known = "; ".join(f"{g}: {n}" for g, n in DEFAULT_NETWORKS.items())
        raise CheckpointNotFoundError(
            f"no default network for {game_string}: name a checkpoint (torch:PATH); the games "
            f"with a default network: {known}") from None
