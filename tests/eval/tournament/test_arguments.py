"""Tournament arguments: meaningless counts and options that --config would ignore are refused
with one line (exit 2); --resume --out DIR alone continues from the stored configuration and an
explicit argument that disagrees with it is refused by name; a second writer is refused."""
from __future__ import annotations

import json
import os

import pytest

from uedtp.eval.tournament import cli as tournament
from uedtp.eval.tournament.config import Section, TournamentConfig
from uedtp.eval.tournament.store import ResultStore, StoreError, read_records

BASE = ["--game", "kuhn_poker", "--agents", "uniform", "cfr(iters=5)", "--workers", "1",
        "--no-plots", "--no-progress"]


def run(argv, capsys):
    code = tournament.main(argv)
    captured = capsys.readouterr()
    return code, captured.err.strip()


@pytest.mark.parametrize("extra, named", [
    (["--games", "0"], "--games must be a positive integer, got 0"),
    (["--games", "-5"], "--games must be a positive integer, got -5"),
    (["--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    (["--max-moves", "0"], "--max-moves must be a positive integer, got 0"),
    (["--workers", "0"], "--workers must be a positive integer, got 0"),
    (["--bootstrap-samples", "0"], "--bootstrap-samples must be a positive integer, got 0"),
])
def test_meaningless_counts_are_refused(tmp_path, capsys, extra, named):
    code, err = run(BASE + extra + ["--out", str(tmp_path / "x")], capsys)
    assert code == 2 and err == f"python -m uedtp.eval.tournament: error: {named}"
    assert not os.path.exists(tmp_path / "x")


@pytest.mark.parametrize("extra, named", [
    (["--seed", "4"], "--seed"), (["--games", "7"], "--games"),
    (["--game", "kuhn_poker", "--agents", "uniform"], "--game, --agents")])
def test_config_file_with_options_it_would_ignore_is_refused(tmp_path, capsys, extra, named):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(TournamentConfig(
        (Section("kuhn_poker", ("uniform", "cfr(iters=5)"), "round-robin", 2),)).to_dict()))
    code, err = run(["--config", str(path), *extra, "--out", str(tmp_path / "x"),
                     "--no-progress"], capsys)
    assert code == 2 and err.startswith(f"python -m uedtp.eval.tournament: error: {named} cannot be combined with --config")
    assert len(err.splitlines()) == 1


def test_resume_from_the_directory_alone_and_conflicts_named(tmp_path, capsys):
    out = str(tmp_path / "run")
    games = os.path.join(out, "games.jsonl")
    code, err = run(BASE + ["--games", "3", "--seed", "2", "--out", out], capsys)
    assert code == 0, err
    lines = open(games, "rb").read().splitlines()
    with open(games, "wb") as handle:                   # lose the last two games
        handle.write(b"\n".join(lines[:-2]) + b"\n")
    code, err = run(["--resume", "--out", out, "--no-progress", "--no-plots"], capsys)
    assert code == 0, err
    assert "played 2 new games" in err and len(read_records(games)) == 2 * 3
    for extra, named in ((["--seed", "5"], "--seed 5 (stored: 2)"),
                         (["--games", "4"], "--games 4 (stored: 3)"),
                         (BASE[:4] + ["cfr(iters=6)"], "--agents uniform cfr(iters=6) (stored: "
                                                       "uniform cfr(iters=5))")):
        code, err = run(["--resume", "--out", out, "--no-progress", *extra], capsys)
        assert code == 2 and named in err and "different tournament" in err, err
    # the same explicit arguments as the first run are accepted
    code, err = run(BASE + ["--games", "3", "--seed", "2", "--out", out, "--resume"], capsys)
    assert code == 0 and "played 0 new games" in err


def test_a_second_writer_is_refused(tmp_path, capsys):
    config = TournamentConfig((Section("kuhn_poker", ("uniform", "cfr(iters=5)"),
                                       "round-robin", 2),))
    out = str(tmp_path / "run")
    with ResultStore.open(out, config) as first:
        first.append({"key": "a"})
        with pytest.raises(StoreError, match=f"in use by another run \\(pid {os.getpid()}\\)"):
            ResultStore.open(out, config, resume=True)
        code, err = run(["--resume", "--out", out, "--no-progress"], capsys)
        assert code == 2 and "in use by another run" in err
    with ResultStore.open(out, config, resume=True) as again:    # released on close
        assert [r["key"] for r in again.records] == ["a"]


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    path = tmp_path / "file"
    path.write_text("x")
    code, err = run(BASE + ["--games", "1", "--out", str(path)], capsys)
    assert code == 2 and "is a file" in err and str(path) in err
