"""The Hanabi search evaluation's command line: runs, extends, reports every stored agent,
reads the CSV of earlier versions, and refuses bad values with one line (exit code 2)."""
from __future__ import annotations

import os

import pytest

from uedtp.eval.hanabi.evaluate import main
from uedtp.eval.runs.store import read_records

AGENTS = ["smart", "md(eta=1,rollouts=20,max_exact=300,samples=100)"]
FIELDS = ("agent,players,game,deck_seed,score,points,perfect,moves,searched,skipped,deviations,"
          "fallbacks,rollouts,search_seconds,support_sum,exact,ess_sum,search_ms")


def test_eval_script_writes_resumes_and_reports(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["--games", "2", "--workers", "1", "--out", out, "--agents", *AGENTS]) == 0
    assert main(["--games", "2", "--workers", "1", "--out", out, "--agents", *AGENTS]) == 2
    assert "already holds results; pass --resume" in capsys.readouterr().err
    assert main(["--games", "3", "--workers", "1", "--out", out, "--resume"]) == 0
    records = read_records(os.path.join(out, "games.jsonl"))
    assert sorted((r["agent"], r["game"]) for r in records) == sorted(
        (a, g) for a in AGENTS for g in range(3))
    report = open(os.path.join(out, "report.md")).read()
    assert "Δ vs blueprint" in report and "md(eta=1" in report
    assert os.path.exists(os.path.join(out, "scores.png"))


def test_report_only_reports_every_stored_agent_and_writes_only_the_report(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["--games", "2", "--workers", "1", "--out", out, "--agents", *AGENTS]) == 0
    games = open(os.path.join(out, "games.jsonl"), "rb").read()
    config = open(os.path.join(out, "config.json"), "rb").read()
    capsys.readouterr()
    assert main(["--report-only", "--out", out]) == 0           # no --agents: all of them
    printed = capsys.readouterr().out
    assert all(f"| `{a}` | 2 |" in printed for a in AGENTS)
    assert all(f"`{a}`" in open(os.path.join(out, "report.md")).read() for a in AGENTS)
    assert open(os.path.join(out, "games.jsonl"), "rb").read() == games
    assert open(os.path.join(out, "config.json"), "rb").read() == config


def test_pairs_by_deck_seed_across_stores(tmp_path, capsys):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert main(["--games", "3", "--seed", "0", "--workers", "1", "--out", a, "--agents",
                 "smart"]) == 0
    assert main(["--games", "3", "--seed", "1000", "--workers", "1", "--out", b, "--agents",
                 AGENTS[1]]) == 0
    capsys.readouterr()
    report = str(tmp_path / "report")
    assert main(["--report-only", "--out", report, "--extra-csv", a, b]) == 0
    row = [line for line in capsys.readouterr().out.splitlines() if AGENTS[1] in line][0]
    assert row.endswith("| — |")                   # decks 1000.. never paired with decks 0..


def test_legacy_csv_is_reported_and_a_torn_row_is_skipped(tmp_path, capsys):
    old = tmp_path / "old"
    old.mkdir()
    (old / "games.csv").write_text(
        FIELDS + "\nsmart,2,0,0,25,25,1,62,0,0,0,0,0,0,0,0,0,\n"
        "smart,2,1,1,24,24,0,60,0,0,0,0,0,0,0,0,0,\n"
        "md(eta=1),2,0,0,2md(rollouts=30),2,0,1,24,24,0,60,0,0,0,0,0,0,0,0,0,\n")
    assert main(["--report-only", "--out", str(old)]) == 0
    captured = capsys.readouterr()
    assert "| `smart` | 2 | 24.500" in captured.out
    assert "line 4 is corrupt" in captured.err
    assert main(["--resume", "--out", str(old)]) == 2
    assert "earlier version" in capsys.readouterr().err


@pytest.mark.parametrize("argv, named", [
    (["--games", "0"], "--games must be a positive integer, got 0"),
    (["--games", "-3"], "got -3"),
    (["--workers", "0"], "--workers must be a positive integer, got 0"),
    (["--threads", "0"], "--threads must be a positive integer, got 0"),
    (["--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    (["--players", "7"], "--players must be in 2..5, got 7"),
    (["--eta-sweep", "0", "1"], "got 0.0"),
    (["--agents", "mmd"], "'mmd'"),
    (["--agents", "nosuchagent"], "nosuchagent"),
    (["--report-only", "--extra-csv", "/nonexistent/games.csv"], "/nonexistent/games.csv"),
    (["--resume"], "config.json does not exist"),
])
def test_bad_values_are_one_line_and_exit_2(tmp_path, capsys, argv, named):
    assert main(argv + ["--out", str(tmp_path / "x"), "--workers", "1"]
                if "--workers" not in argv else argv + ["--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert named in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_unreadable_extra_is_refused(tmp_path, capsys):
    bad = tmp_path / "games.jsonl"
    bad.write_bytes(b'{"key": "a"}\nnot json\n{"key": "b"}\n')
    assert main(["--report-only", "--out", str(tmp_path / "r"), "--extra-csv", str(bad)]) == 2
    assert "line 2 is corrupt" in capsys.readouterr().err


def test_the_default_network_is_pinned_in_the_stored_run(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["--games", "1", "--workers", "1", "--out", out, "--no-progress",
                 "--agents", "torch(temperature=0.001)"]) == 0
    records = read_records(os.path.join(out, "games.jsonl"))
    assert [r["agent"] for r in records] == ["torch:hanabi_dagger_w512(temperature=0.001)"]
    # the same spec written without a path resumes the same agent (no new games)
    assert main(["--games", "1", "--workers", "1", "--out", out, "--no-progress", "--resume",
                 "--agents", "torch(temperature=0.001)"]) == 0
    assert len(read_records(os.path.join(out, "games.jsonl"))) == 1
    assert main(["--games", "1", "--players", "3", "--workers", "1", "--out",
                 str(tmp_path / "p3"), "--agents", "torch"]) == 2
    assert "no default network for hanabi_native(players=3)" in capsys.readouterr().err
