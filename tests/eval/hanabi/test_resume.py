"""Crash, resume and concurrent writers of the Hanabi search evaluation: a real run is SIGKILLed
midway, a torn record is added, and the resumed directory equals an uninterrupted run's; a
resume with another seed is refused; a second writer is refused while the first runs."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from uedtp.eval.hanabi.evaluate import main
from uedtp.eval.hanabi.report import summarize
from uedtp.eval.runs.store import read_records
from tests.eval.procs import alive, children, survivors, wait_for_children
from tests.paths import REPO

MD = "md(eta=1,rollouts=20,max_exact=300,samples=50)"
AGENTS = ["smart", MD]
GAMES = 12
SEED = 5
ARGS = ["--games", str(GAMES), "--seed", str(SEED), "--workers", "1", "--no-progress",
        "--agents", *AGENTS]
TIMING = ("ms_mean", "ms_p95", "search_seconds", "search_ms")


def cli(out: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "uedtp.eval.hanabi", *args, "--out", out],
                            cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def games_in(out: str) -> list[dict]:
    return read_records(os.path.join(out, "games.jsonl"), repair=False)


def wait_for_games(proc: subprocess.Popen, out: str, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(games_in(out)) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def untimed(records: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in records),
                  key=lambda r: r["key"])


def table(text: str) -> list[str]:
    """The report's agent rows without the timing column."""
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| `")]
    return [" | ".join(cells[:4] + cells[5:]) for cells in rows]


def test_sigkill_torn_record_resume_equals_uninterrupted(tmp_path):
    crashed = str(tmp_path / "crashed")
    proc = cli(crashed, *ARGS)
    wait_for_games(proc, crashed, 6)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    done = len(games_in(crashed))
    assert 6 <= done < GAMES * len(AGENTS), done
    with open(os.path.join(crashed, "games.jsonl"), "ab") as handle:     # a torn write on top
        handle.write(b'{"key":"[\\"md(eta=1,rollouts=20,max_exact=300,samples=50)\\",2')

    resumed = cli(crashed, "--resume", "--no-progress")     # from the directory alone
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    records = games_in(crashed)
    assert sorted((r["agent"], r["deck_seed"]) for r in records) == sorted(
        (a, SEED + g) for a in AGENTS for g in range(GAMES))          # exactly, no duplicates

    clean = str(tmp_path / "clean")
    reference = cli(clean, *ARGS)
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 0, ref_err.decode()
    assert untimed(records) == untimed(games_in(clean))
    assert table(out.decode()) == table(ref_out.decode()) and len(table(out.decode())) == 2
    untimed_summary = lambda rs: json.dumps([  # noqa: E731 - NaN-safe comparison
        {k: v for k, v in row.items() if k not in TIMING} for row in summarize(rs, AGENTS, 2)])
    assert untimed_summary(records) == untimed_summary(games_in(clean))


def test_resume_with_another_seed_or_players_is_refused(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["--games", "2", "--seed", "3", "--workers", "1", "--out", out,
                 "--agents", "smart"]) == 0
    before = open(os.path.join(out, "games.jsonl"), "rb").read()
    capsys.readouterr()
    assert main(["--resume", "--out", out, "--seed", "1000", "--games", "3"]) == 2
    err = capsys.readouterr().err
    assert "--seed 1000 (stored: 3)" in err and "Traceback" not in err
    assert main(["--resume", "--out", out, "--players", "3"]) == 2
    assert "--players 3 (stored: 2)" in capsys.readouterr().err
    assert open(os.path.join(out, "games.jsonl"), "rb").read() == before


def test_a_second_writer_is_refused_and_nothing_is_duplicated(tmp_path, capsys):
    out = str(tmp_path / "run")
    first = cli(out, *ARGS)
    wait_for_games(first, out, 1)
    assert first.poll() is None, "the first run ended too early for this test"
    assert main(["--resume", "--out", out, "--workers", "1"]) == 2       # while it runs
    err = capsys.readouterr().err
    assert f"{out} is in use by another run (pid {first.pid})" in err
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err.decode()
    keys = [r["key"] for r in games_in(out)]
    assert len(keys) == GAMES * len(AGENTS) == len(set(keys))
    lines = open(os.path.join(out, "games.jsonl"), "rb").read().splitlines()
    assert len(lines) == len(keys)
    assert json.load(open(os.path.join(out, "config.json")))["config"]["games"] == GAMES


def test_sigterm_stops_workers_and_prints_the_resume_command(tmp_path):
    out = str(tmp_path / "run")
    proc = cli(out, "--games", "40", "--workers", "2", "--no-progress", "--agents", MD)
    kids = wait_for_children(proc.pid, 3)
    wait_for_games(proc, out, 1)
    kids = [k for k in children(proc.pid) if alive(k)]
    assert len(kids) >= 3 and proc.poll() is None, kids
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    assert f"resume with: python -m uedtp.eval.hanabi --resume --out {out}" in err.decode()
    assert "Traceback" not in err.decode()
    assert survivors(kids) == []
