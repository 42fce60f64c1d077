"""Tournament scheduling, configuration checks, determinism across workers, CLI."""
from __future__ import annotations

import collections
import os

import pytest

from uedtp.eval.tournament import cli as tournament
from uedtp.eval.tournament.config import ConfigError, Section, TournamentConfig, validate
from uedtp.eval.tournament.run import run_tournament
from uedtp.eval.tournament.schedule import schedule

TIMING = ("move_seconds", "seconds", "ms_mean", "ms_p95")


def strip_timing(obj):
    """Everything except wall-clock measurements (which differ from run to run)."""
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def small_config() -> TournamentConfig:
    sections = [Section("kuhn_poker", ("uniform", "cfr(iters=30)", "mmd(exact=true)"),
                        "round-robin", 3),
                Section("tiny_hanabi", ("uniform", "md(eta=2.0,exact=true)"), "cross-play", 3)]
    sections.append(Section("hanabi(players=2)", ("smartbot", "hle-simple"), "auto", 2))
    return TournamentConfig(tuple(sections), seed=7)


def test_schedule_pairs_seats_and_seeds():
    config = validate(small_config())
    tasks = schedule(config)
    keys = [t.key for t in tasks]
    assert len(keys) == len(set(keys))
    kuhn = [t for t in tasks if t.game == "kuhn_poker"]
    assert len(kuhn) == 3 * 2 * 3                     # pairs x seat orders x games
    by_seats = {(t.seats, t.index): t for t in kuhn}
    for (seats, k), task in by_seats.items():
        swapped = by_seats[(seats[::-1], k)]
        assert swapped.chance_seed == task.chance_seed          # paired deals
        assert swapped.agent_seeds != task.agent_seeds
    assert len({t.chance_seed for t in kuhn}) == 3                 # one deal per game index
    coop = [t for t in tasks if t.game == "tiny_hanabi"]
    kinds = collections.Counter(t.kind for t in coop)
    assert kinds == {"self-play": 2 * 3, "cross-play": 2 * 3}


def test_gauntlet_and_three_player_schedules():
    config = validate(TournamentConfig((
        Section("leduc_poker", ("uniform", "cfr(iters=5)"), "gauntlet", 2,
                challengers=("mmd(histories=2)",)),
        Section("kuhn_poker(players=3)", ("uniform", "mcts(simulations=5)", "cfr(iters=5)",
                                          "mixed(epsilon=0.5)@uniform"), "round-robin", 1))))
    tasks = schedule(config)
    leduc = [t for t in tasks if t.game == "leduc_poker"]
    assert all("mmd(histories=2)" in t.seats for t in leduc)
    assert len(leduc) == 2 * 2 * 2
    three = [t for t in tasks if t.game.startswith("kuhn_poker(players=3)")]
    assert len(three) == 4 * 3                        # C(4,3) groups x 3 rotations
    assert all(len(set(t.seats)) == 3 for t in three)


@pytest.mark.parametrize("section, message", [
    (Section("no_such_game", ("uniform",)), "unknown game"),
    (Section("kuhn_poker", ("uniform",)), "needs at least 2 agents"),
    (Section("kuhn_poker", ("uniform", "uniform")), "listed twice"),
    (Section("kuhn_poker", ("uniform", "mmd(eta=0)")), "must be positive"),
    (Section("kuhn_poker", ("uniform", "md")), "common-payoff"),
    (Section("kuhn_poker", ("uniform", "cfr"), "gauntlet"), "needs at least one challenger"),
    (Section("kuhn_poker", ("uniform", "cfr"), "self-play"), "cooperative"),
    (Section("tiny_hanabi", ("uniform",), "round-robin"), "adversarial"),
    (Section("kuhn_poker", ("uniform", "cfr"), "swiss"), "unknown format"),
    (Section("kuhn_poker", ("uniform", "cfr"), games=0), "positive integer"),
])
def test_bad_configurations_are_refused(section, message):
    with pytest.raises(ConfigError, match=message):
        validate(TournamentConfig((section,)))


def test_results_identical_for_one_and_two_workers(tmp_path):
    config = small_config()
    one = run_tournament(config, str(tmp_path / "one"), workers=1, progress=False, plots=False)
    two = run_tournament(config, str(tmp_path / "two"), workers=2, progress=False, plots=False)
    assert one.played == two.played == len(schedule(validate(config)))
    key = lambda r: r["key"]  # noqa: E731
    assert strip_timing(sorted(one.records, key=key)) == strip_timing(sorted(two.records, key=key))
    assert strip_timing(one.summaries) == strip_timing(two.summaries)
    # exact MMD search exploits the uniform player in Kuhn poker
    kuhn = {p["agent"]: p for p in one.summaries[0]["standings"]}
    assert kuhn["mmd(exact=true)"]["mean_return"] > kuhn["uniform"]["mean_return"]


def test_outputs_are_written(tmp_path):
    config = TournamentConfig((Section("kuhn_poker", ("uniform", "cfr(iters=30)"),
                                       "round-robin", 4),
                               Section("tiny_hanabi", ("uniform", "md(eta=2.0,exact=true)"),
                                       "cross-play", 4)))
    result = run_tournament(config, str(tmp_path), workers=1, progress=False, plots=True)
    names = sorted(os.path.basename(f) for f in result.files)
    for expected in ("report.md", "summary.json", "games.csv", "s1_kuhn_poker_standings.csv",
                     "s1_kuhn_poker_pairwise.csv", "s1_kuhn_poker_pairwise.png",
                     "s1_kuhn_poker_ratings.png", "s1_kuhn_poker_returns.png",
                     "s2_tiny_hanabi_crossplay.csv", "s2_tiny_hanabi_crossplay.png",
                     "s2_tiny_hanabi_scores.png"):
        assert expected in names
    for f in result.files:
        assert os.path.getsize(f) > 0
        if f.endswith(".png"):
            assert open(f, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "| 1 | `" in result.markdown and "Elo [95% CI]" in result.markdown
    assert "self-play score ± s.e." in result.markdown


def test_cli_runs_and_prints_the_table(tmp_path, capsys):
    code = tournament.main(["--game", "kuhn_poker", "--agents", "uniform", "cfr(iters=20)",
                            "--games", "2", "--workers", "1", "--no-plots", "--no-progress",
                            "--out", str(tmp_path / "cli")])
    out = capsys.readouterr().out
    assert code == 0
    assert "kuhn_poker — round-robin" in out and "`cfr(iters=20)`" in out
    assert os.path.exists(tmp_path / "cli" / "report.md")


@pytest.mark.parametrize("argv, message", [
    (["--game", "kuhn_poker", "--agents", "uniform", "mmd(eta=abc)"], "must be a number"),
    (["--game", "kuhn_poker", "--agents", "uniform", "nope"], "unknown agent 'nope'"),
    (["--agents", "uniform"], "need --game"),
    (["--game", "kuhn_poker"], "needs --agents"),
    (["--resume"], "--resume needs --out"),
    (["--game", "a", "--game", "b", "--agents", "x", "--agents", "y", "--agents", "z"],
     "once per --game"),
    (["--game", "kuhn_poker", "--agents", "uniform", "cfr", "--workers", "0"],
     "workers must be a positive integer"),
])
def test_cli_errors_are_clear(argv, message, capsys, tmp_path):
    code = tournament.main(argv + ["--no-progress", "--out", str(tmp_path / "x")]
                           if "--resume" not in argv else argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_list_agents(capsys):
    assert tournament.main(["--list-agents"]) == 0
    out = capsys.readouterr().out
    for name in ("uniform", "mmd(", "md(", "mcts(", "tabular:PATH", "cfr("):
        assert name in out


def test_default_configuration_is_small_and_valid():
    config = validate(tournament.default_config())
    assert config.sections[0].game == "kuhn_poker"
    assert len(schedule(config)) < 8000              # about half a minute on 2 cores
    assert any(s.game.startswith("hanabi") for s in config.sections)


def test_a_misbehaving_agent_stops_the_run_with_a_clear_error(tmp_path):
    from uedtp.eval.specs import REGISTRY, AgentEntry, register
    from uedtp.eval.tournament.play import GameFailure
    from uedtp.eval.tournament.store import read_records

    class Cheater:
        def action_probabilities(self, state):
            return {99: 1.0}

        def act(self, state):
            return 99

    register(AgentEntry("test-cheater", "plays an illegal move", "any game",
                        lambda game, seed: Cheater()))
    try:
        config = TournamentConfig((Section("kuhn_poker", ("uniform", "test-cheater"),
                                           "round-robin", 2),))
        with pytest.raises(GameFailure, match="'test-cheater' chose illegal move 99"):
            run_tournament(config, str(tmp_path), workers=1, progress=False, plots=False)
    finally:
        REGISTRY.pop("test-cheater", None)
    assert read_records(str(tmp_path / "games.jsonl")) == []
