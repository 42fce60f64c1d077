"""Processes: killing a tournament (SIGKILL or SIGTERM) leaves no worker or resource tracker
behind; SIGTERM prints the command that resumes the run, which then completes it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from uedtp.eval.tournament.store import read_records
from tests.eval.procs import alive, children, survivors, wait_for_children
from tests.paths import REPO

ARGS = ["--game", "kuhn_poker", "--agents", "uniform", "mcts(simulations=300)",
        "cfr(iters=50)", "--games", "400", "--seed", "1", "--workers", "2", "--no-plots",
        "--no-progress"]


def start(out: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "uedtp.eval.tournament", *ARGS, "--out", out],
                            cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def running_with_workers(out: str) -> tuple[subprocess.Popen, list[int]]:
    """A tournament with two workers and the resource tracker, which has recorded a game."""
    proc = start(out)
    kids = wait_for_children(proc.pid, 3)
    deadline = time.monotonic() + 60
    games = os.path.join(out, "games.jsonl")
    while not read_records(games, repair=False) and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = [k for k in children(proc.pid) if alive(k)]
    if len(kids) < 3 or proc.poll() is not None:
        proc.kill()
        proc.communicate()
        pytest.fail(f"expected two workers and a resource tracker, found {kids}")
    return proc, kids


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killing_the_parent_leaves_no_children(tmp_path, signum):
    out = str(tmp_path / "run")
    proc, kids = running_with_workers(out)
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=30)
    assert survivors(kids) == [], f"children of a {signum.name}ed tournament survived"
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        return
    assert proc.returncode == 128 + signum, err.decode()
    text = err.decode()
    assert "Traceback" not in text
    assert f"resume with: python -m uedtp.eval.tournament --resume --out {out}" in text


def test_sigterm_then_resume_from_the_directory_alone(tmp_path):
    out = str(tmp_path / "run")
    proc, kids = running_with_workers(out)
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=30)
    done = len(read_records(os.path.join(out, "games.jsonl")))
    resumed = subprocess.run([sys.executable, "-m", "uedtp.eval.tournament", "--resume", "--out", out,
                              "--workers", "1", "--no-plots", "--no-progress", "--games", "400"],
                             cwd=str(REPO), capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr.decode()
    records = read_records(os.path.join(out, "games.jsonl"))
    assert len(records) == 3 * 2 * 400 == len({r["key"] for r in records})
    assert f"played {len(records) - done} new games" in resumed.stderr.decode()
