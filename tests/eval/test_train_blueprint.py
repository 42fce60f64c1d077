"""uedtp.eval.train_blueprint keeps its evaluation log in a results store: resumable, locked, no duplicates."""
from __future__ import annotations

import json
import os

import pytest

from uedtp.eval.runs.store import LOCK_FILE, acquire_lock
from uedtp.eval.train_blueprint import load_curve, main

TINY = ["--game", "kuhn_poker", "--eval-every", "1", "--eval-games", "20",
        "--games-per-update", "16", "--hidden", "8", "--no-progress"]


class _Done:
    def __init__(self, returncode: int, stderr: str) -> None:
        self.returncode, self.stderr = returncode, stderr


@pytest.fixture
def train(capsys):
    def run(out: str, *extra: str) -> _Done:
        try:
            code = main([*TINY, "--out", out, *extra])
        except SystemExit as exit_:                       # argparse errors
            code = int(exit_.code or 0)
        return _Done(code, capsys.readouterr().err)
    return run


def _keys(out: str) -> list[str]:
    with open(os.path.join(out[:-3] + ".run", "games.jsonl"), encoding="utf-8") as f:
        return [json.loads(line)["key"] for line in f]


def test_resume_extends_the_log_once_and_refuses_other_settings(tmp_path, train) -> None:
    out = str(tmp_path / "k.pt")
    first = train(out, "--updates", "2")
    assert first.returncode == 0, first.stderr
    assert _keys(out) == ["1", "2"]
    again = train(out, "--updates", "2", "--resume")     # nothing left to train
    assert again.returncode == 0, again.stderr
    assert _keys(out) == ["1", "2"]
    other = train(out, "--updates", "2", "--lr", "0.1", "--resume")
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert "--lr 0.1 (stored: 0.0003)" in other.stderr
    fresh = train(out, "--updates", "2")                  # not a resume: refused, nothing lost
    assert fresh.returncode == 2 and "--resume" in fresh.stderr
    assert _keys(out) == ["1", "2"]


def test_a_second_trainer_on_the_same_output_is_refused(tmp_path, train) -> None:
    out = str(tmp_path / "k.pt")
    assert train(out, "--updates", "1").returncode == 0
    fd = acquire_lock(str(tmp_path / "k.run"))             # another run holds the lock
    try:
        second = train(out, "--updates", "1", "--resume")
    finally:
        os.close(fd)
    assert second.returncode == 2 and "in use" in second.stderr, second.stderr
    assert _keys(out) == ["1"]
    assert os.path.exists(tmp_path / "k.run" / LOCK_FILE)


TRACK = ["--track-exploitability", "1", "--track-train-games", "64", "--track-restarts", "1"]


def _points(out: str) -> list[dict]:
    with open(out[:-3] + ".exploitability.json", encoding="utf-8") as f:
        return json.load(f)["points"]


def test_tracked_exploitability_is_a_curve_kept_on_resume_and_changes_no_training(
        tmp_path, train) -> None:
    import torch

    from uedtp.agents.neural.checkpoint import read
    tracked, plain = str(tmp_path / "t.pt"), str(tmp_path / "p.pt")
    assert train(tracked, "--updates", "2", *TRACK).returncode == 0
    assert train(plain, "--updates", "2").returncode == 0       # same run without tracking
    a, b = read(tracked).state_dict, read(plain).state_dict
    assert all(torch.equal(a[k], b[k]) for k in a)
    first = _points(tracked)
    assert [p["update"] for p in first] == [1, 2]
    assert 0 < first[0]["decisions"] < first[1]["decisions"]
    kept = read(str(tmp_path / first[1]["network"]))       # the measured network, weights only
    assert kept.trainer is None and all(torch.equal(kept.state_dict[k], a[k]) for k in a)
    for p in first:        # kuhn poker returns are in [-2, 2]; a learned response is at least -2
        assert -2.0 <= p["mean"] <= 2.0 and p["stderr"] > 0
    assert train(tracked, "--updates", "2", "--resume", *TRACK).returncode == 0
    assert _points(tracked) == first                          # kept, not measured twice
    # a checkpoint older than the curve (crash between measuring and saving): later points dropped
    assert load_curve(tracked[:-3] + ".exploitability.json", 1) == first[:1]
