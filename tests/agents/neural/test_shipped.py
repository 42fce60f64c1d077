"""Checkpoint arguments: a path, or the name of a shipped checkpoint (``torch:hanabi_smartbot_bc``)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.paths import CHECKPOINTS
from uedtp.agents.neural.shipped import CheckpointNotFoundError, resolve, shipped_dir, shipped_names

SHIPPED = sorted(p.stem for p in CHECKPOINTS.glob("*.pt"))


def test_the_shipped_names_are_the_files_of_checkpoints() -> None:
    assert len(SHIPPED) == 8 and "hanabi_smartbot_bc" in SHIPPED
    assert shipped_names() == SHIPPED
    assert shipped_dir().resolve() == CHECKPOINTS.resolve()


@pytest.mark.parametrize("name", ["hanabi_smartbot_bc", "hanabi_smartbot_bc.pt", "adh_mmd"])
def test_a_name_resolves_to_the_shipped_file(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)                     # no such file here: the name is looked up
    found = resolve(name)
    assert Path(found).resolve() == (CHECKPOINTS / (name.removesuffix(".pt") + ".pt")).resolve()


def test_an_existing_path_wins_over_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adh_mmd").write_bytes(b"mine")
    assert resolve("adh_mmd") == "adh_mmd"
    path = str(CHECKPOINTS / "pttt_ppo.pt")
    assert resolve(path) == path


def test_an_unknown_name_lists_the_shipped_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointNotFoundError, match="not the name of a shipped checkpoint") as err:
        resolve("hanabi_smartbot")
    assert all(name in str(err.value) for name in SHIPPED)
    with pytest.raises(CheckpointNotFoundError, match=r"no checkpoint at nowhere/x\.pt .*adh_mmd"):
        resolve(os.path.join("nowhere", "x.pt"))
    assert issubclass(CheckpointNotFoundError, FileNotFoundError)
