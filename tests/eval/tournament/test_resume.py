"""Crash and resume: a real tournament subprocess is SIGKILLed midway and resumed; the final
results equal those of an uninterrupted run, with no game replayed or duplicated."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from uedtp.eval.tournament.store import read_records
from tests.paths import REPO

ROOT = str(REPO)
ARGS = ["--game", "kuhn_poker", "--agents", "uniform", "mcts(simulations=200)",
        "mmd(histories=4)", "--games", "25", "--seed", "3", "--workers", "1", "--no-plots",
        "--no-progress"]
TOTAL = 3 * 2 * 25
TIMING = ("move_seconds", "seconds", "ms_mean", "ms_p95")


def strip_timing(obj):
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def cli(out: str, *extra: str, args: list[str] = ARGS) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "uedtp.eval.tournament", *args, "--out", out,
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def lines_in(path: str) -> int:
    try:
        with open(path, "rb") as handle:
            return handle.read().count(b"\n")
    except FileNotFoundError:
        return 0


def test_sigkill_midway_then_resume_matches_uninterrupted(tmp_path):
    crashed = str(tmp_path / "crashed")
    games = os.path.join(crashed, "games.jsonl")
    proc = cli(crashed)
    deadline = time.monotonic() + 120
    while lines_in(games) < 20 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done_at_kill = len(read_records(games))
    assert 20 <= done_at_kill < TOTAL, done_at_kill
    with open(games, "ab") as handle:                 # and a torn write on top
        handle.write(b'{"key": "[\\"kuhn_poker\\",[\\"uniform\\"')

    resumed = cli(crashed, "--resume")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    assert f"played {TOTAL - done_at_kill} new games" in err.decode()
    records = read_records(games)
    assert len(records) == TOTAL and len({r["key"] for r in records}) == TOTAL

    clean = str(tmp_path / "clean")
    reference = cli(clean)
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 0, ref_err.decode()
    by_key = lambda r: r["key"]  # noqa: E731
    assert strip_timing(sorted(records, key=by_key)) == \
        strip_timing(sorted(read_records(os.path.join(clean, "games.jsonl")), key=by_key))
    summaries = [json.load(open(os.path.join(d, "summary.json"))) for d in (crashed, clean)]
    assert strip_timing(summaries[0]) == strip_timing(summaries[1])
    table = lambda text: [line for line in text.decode().splitlines()  # noqa: E731
                          if line.startswith("| `")]                  # pairwise rows
    assert table(out) == table(ref_out) and table(out)


def test_resume_with_other_arguments_is_refused(tmp_path):
    out = str(tmp_path / "run")
    args = ["--game", "kuhn_poker", "--agents", "uniform", "cfr(iters=5)", "--workers", "1",
            "--no-plots", "--no-progress"]
    first = cli(out, "--games", "2", args=args)
    first.communicate(timeout=300)
    assert first.returncode == 0
    other = cli(out, "--games", "3", "--resume", args=args)
    _, err = other.communicate(timeout=300)
    assert other.returncode == 2
    assert b"different tournament" in err
