"""Results store: durable appends, torn-line tolerance, refusal of corrupt files and other configs."""
from __future__ import annotations

import json
import os

import pytest

from uedtp.eval.tournament.config import Section, TournamentConfig
from uedtp.eval.tournament.store import GAMES_FILE, ResultStore, StoreError, read_records

CONFIG = TournamentConfig((Section("kuhn_poker", ("uniform", "cfr(iters=5)"), "round-robin", 2),))


def rec(key: str) -> dict:
    return {"key": key, "returns": [1.0, -1.0]}


def test_append_and_resume(tmp_path):
    out = str(tmp_path / "run")
    with ResultStore.open(out, CONFIG) as store:
        store.append(rec("a"))
        store.append(rec("b"))
        with pytest.raises(StoreError, match="already recorded"):
            store.append(rec("a"))
    lines = open(os.path.join(out, GAMES_FILE)).read().splitlines()
    assert [json.loads(x)["key"] for x in lines] == ["a", "b"]
    with ResultStore.open(out, CONFIG, resume=True) as store:
        assert [r["key"] for r in store.records] == ["a", "b"]
        store.append(rec("c"))
    assert len(read_records(os.path.join(out, GAMES_FILE))) == 3


@pytest.mark.parametrize("tail", [b'{"key": "c", "ret', b"\x00\x00\x00\n", b'{"key":'])
def test_torn_last_line_is_dropped(tmp_path, tail):
    out = str(tmp_path / "run")
    with ResultStore.open(out, CONFIG) as store:
        store.append(rec("a"))
        store.append(rec("b"))
    path = os.path.join(out, GAMES_FILE)
    good = open(path, "rb").read()
    with open(path, "ab") as handle:
        handle.write(tail)
    with ResultStore.open(out, CONFIG, resume=True) as store:
        assert [r["key"] for r in store.records] == ["a", "b"]
        store.append(rec("c"))
    data = open(path, "rb").read()
    assert data.startswith(good) and data.count(b"\n") == 3
    assert [r["key"] for r in read_records(path)] == ["a", "b", "c"]


def test_corrupt_middle_line_is_an_error(tmp_path):
    path = tmp_path / "games.jsonl"
    path.write_bytes(b'{"key": "a"}\nnot json\n{"key": "b"}\n')
    with pytest.raises(StoreError, match="line 2 is corrupt"):
        read_records(str(path))


def test_duplicate_and_foreign_keys_are_errors(tmp_path):
    path = tmp_path / "games.jsonl"
    path.write_bytes(b'{"key": "a"}\n{"key": "a"}\n')
    with pytest.raises(StoreError, match="repeats game a"):
        read_records(str(path))
    path.write_bytes(b'{"key": "a"}\n{"key": "zzz"}\n')
    with pytest.raises(StoreError, match="not part of this tournament"):
        read_records(str(path), valid_keys=["a", "b"])


def test_refuses_other_configuration_and_overwrite(tmp_path):
    out = str(tmp_path / "run")
    with ResultStore.open(out, CONFIG) as store:
        store.append(rec("a"))
    other = TournamentConfig(CONFIG.sections, seed=1)
    with pytest.raises(StoreError, match="different tournament"):
        ResultStore.open(out, other, resume=True)
    with pytest.raises(StoreError, match="already holds results"):
        ResultStore.open(out, CONFIG)
    with pytest.raises(StoreError, match="does not exist"):
        ResultStore.open(str(tmp_path / "nothing"), CONFIG, resume=True)
    # the refused calls left the results untouched
    assert [r["key"] for r in read_records(os.path.join(out, GAMES_FILE))] == ["a"]
