"""Tournament statistics against hand-computed cases."""
from __future__ import annotations

import math

import pytest

from uedtp.eval.tournament.stats import (adversarial_summary, cooperative_summary, live_standings,
                                         mean_se, outcome, time_summary)


def test_mean_se_hand_computed():
    mean, se = mean_se([1.0, 2.0, 3.0, 4.0])
    assert mean == pytest.approx(2.5)
    # sample sd = sqrt(((1.5^2)*2 + (0.5^2)*2) / 3) = sqrt(5/3); se = sd / 2
    assert se == pytest.approx(math.sqrt(5.0 / 3.0) / 2.0)
    assert mean_se([7.0])[0] == 7.0 and math.isnan(mean_se([7.0])[1])
    assert all(math.isnan(x) for x in mean_se([]))


def test_time_summary_p95_and_mean():
    t = time_summary([0.001 * i for i in range(1, 101)])          # 1..100 ms
    assert t["moves"] == 100
    assert t["ms_mean"] == pytest.approx(50.5)
    assert t["ms_p95"] == pytest.approx(95.05)                   # linear interpolation


def test_outcome():
    assert outcome(1.0, -1.0) == 1.0 and outcome(0.0, 0.0) == 0.5 and outcome(-2, 2) == 0.0


def record(key, seats, returns, kind="match", score=None, times=None):
    return {"key": key, "seats": list(seats), "returns": list(returns), "kind": kind,
            "score": returns[0] if score is None else score,
            "move_seconds": times or [[0.001], [0.002]]}


def test_adversarial_wdl_and_returns_hand_computed():
    records = [
        record("1", ("A", "B"), (1.0, -1.0)),
        record("2", ("B", "A"), (2.0, -2.0)),
        record("3", ("A", "B"), (0.0, 0.0)),
        record("4", ("A", "C"), (1.0, -1.0)),
        record("5", ("C", "A"), (-1.0, 1.0)),
        record("6", ("B", "C"), (-2.0, 2.0)),
    ]
    s = adversarial_summary(["A", "B", "C"], records)
    rows = {r["agent"]: r for r in s["standings"]}
    assert (rows["A"]["wins"], rows["A"]["draws"], rows["A"]["losses"]) == (3, 1, 1)
    assert (rows["B"]["wins"], rows["B"]["draws"], rows["B"]["losses"]) == (1, 1, 2)
    assert (rows["C"]["wins"], rows["C"]["draws"], rows["C"]["losses"]) == (1, 0, 2)
    assert rows["A"]["games"] == 5
    a_returns = [1.0, -2.0, 0.0, 1.0, 1.0]
    assert rows["A"]["mean_return"] == pytest.approx(sum(a_returns) / 5)
    assert rows["A"]["se_return"] == pytest.approx(mean_se(a_returns)[1])
    assert rows["A"]["score_pct"] == pytest.approx(100 * 3.5 / 5)
    pair = {(p["agent"], p["opponent"]): p for p in s["pairwise"]}
    ab = pair[("A", "B")]
    assert (ab["wins"], ab["draws"], ab["losses"], ab["games"]) == (1, 1, 1, 3)
    assert ab["mean_return"] == pytest.approx((1.0 - 2.0 + 0.0) / 3)
    ba = pair[("B", "A")]
    assert (ba["wins"], ba["losses"]) == (ab["losses"], ab["wins"])
    assert rows["A"]["ms_mean"] == pytest.approx(1.4)  # 3 moves in seat 0 (1 ms), 2 in seat 1 (2 ms)
    # ratings ordered like the scores, and the order of the records does not matter
    assert rows["A"]["elo"] > rows["B"]["elo"]
    assert s == adversarial_summary(["A", "B", "C"], list(reversed(records)))


def test_cooperative_selfplay_and_crossplay_hand_computed():
    records = [
        record("1", ("X", "X"), (25, 25), "self-play", 25),
        record("2", ("X", "X"), (20, 20), "self-play", 20),
        record("3", ("Y", "Y"), (10, 10), "self-play", 10),
        record("4", ("X", "Y"), (4, 4), "cross-play", 4),
        record("5", ("Y", "X"), (6, 6), "cross-play", 6),
    ]
    s = cooperative_summary(["X", "Y"], records, max_score=25)
    rows = {r["agent"]: r for r in s["selfplay"]}
    assert rows["X"]["mean_score"] == pytest.approx(22.5)
    assert rows["X"]["se_score"] == pytest.approx(2.5)
    assert rows["X"]["perfect_pct"] == pytest.approx(50.0)
    assert rows["Y"]["games"] == 1 and rows["Y"]["perfect_pct"] == 0.0
    assert s["crossplay_mean"][0][1] == pytest.approx(5.0)
    assert s["crossplay_mean"][1][0] == pytest.approx(5.0)
    assert s["crossplay_mean"][0][0] == pytest.approx(22.5)
    assert s["crossplay_games"] == [[2, 2], [2, 1]]


def test_three_player_crossplay_cell_is_the_single_seat_agent():
    times = [[0.001], [0.001], [0.001]]
    records = [record("1", ("X", "Y", "Y"), (9, 9, 9), "cross-play", 9, times),
               record("2", ("Y", "X", "X"), (3, 3, 3), "cross-play", 3, times)]
    s = cooperative_summary(["X", "Y"], records, max_score=25)
    assert s["crossplay_mean"][0][1] == 9 and s["crossplay_mean"][1][0] == 3


def test_live_standings_text():
    records = [record("1", ("A", "B"), (1.0, -1.0)), record("2", ("B", "A"), (1.0, -1.0))]
    assert live_standings(["A", "B"], records, cooperative=False) == "A=50% B=50%"
    coop = [record("1", ("X", "X"), (20, 20), "self-play", 20)]
    assert live_standings(["X"], coop, cooperative=True) == "X=20.00"


def test_worst_pairing_is_the_lowest_mean_return_of_each_agent():
    from uedtp.eval.tournament.report import _worst_pairings, worst_pairings

    def pair(a: str, b: str, mean: float, se: float) -> dict:
        return {"agent": a, "opponent": b, "mean_return": mean, "se_return": se,
                "games": 100, "wins": 0, "draws": 0, "losses": 0}
    rows = [pair("x", "y", 0.2, 0.05), pair("x", "z", -0.05, 0.03),
            pair("y", "x", -0.2, 0.05), pair("y", "z", -0.2, 0.08),
            pair("z", "x", 0.05, 0.03), pair("z", "y", 0.2, 0.08)]
    worst = worst_pairings(rows)
    assert (worst["x"]["opponent"], worst["y"]["opponent"], worst["z"]["opponent"]) == \
        ("z", "z", "x")                     # y: a tie at -0.2, the larger s.e. counts as worse
    text = "\n".join(_worst_pairings(["x", "y", "z"], rows))
    assert "| `x` | `z` | -0.050 ± 0.030 | yes |" in text
    assert "| `y` | `z` | -0.200 ± 0.080 | no |" in text
