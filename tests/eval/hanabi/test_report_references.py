"""The Hanabi report pairs every agent with the blueprint (a bot or a plain network) and with
single-agent SPARTA, by deck seed."""
from __future__ import annotations

import math

from uedtp.eval.hanabi.report import is_blueprint, is_sparta, markdown, record_key, summarize


def _record(agent: str, deck: int, score: int) -> dict:
    return {"agent": agent, "players": 2, "deck_seed": deck, "score": score, "perfect": 0,
            "search_ms": "", "searched": 0, "moves": 50, "fallbacks": 0, "rollouts": 0,
            "support_sum": 0, "exact": 0, "ess_sum": 0.0, "deviations": 0, "skipped": 0,
            "key": record_key(agent, deck)}


def test_plain_network_and_bot_are_blueprints_searches_are_not():
    assert is_blueprint("smart") and is_blueprint("torch:hanabi_dagger_w512")
    assert is_blueprint("torch:hanabi_dagger_w512(temperature=0.01)")
    assert not is_blueprint("md(eta=6)@torch:hanabi_dagger_w512")
    assert not is_blueprint("sparta(rollouts=100)@torch:hanabi_dagger_w512")
    assert is_sparta("sparta(rollouts=100)@torch:x") and not is_sparta("sparta-joint(rollouts=5)")
    assert not is_blueprint("not a spec((") and not is_sparta("not a spec((")


def test_differences_pair_by_deck_against_both_references():
    net, md, sp = "torch:net.pt", "md(eta=6)@torch:net.pt", "sparta(rollouts=100)@torch:net.pt"
    rows = ([_record(net, d, s) for d, s in ((0, 20), (1, 22), (2, 24))]
            + [_record(md, d, s) for d, s in ((0, 21), (1, 25))]            # deck 2 not played
            + [_record(sp, d, s) for d, s in ((1, 23), (2, 25), (9, 1))])   # deck 9: no partner
    by = {r["agent"]: r for r in summarize(rows, [net, md, sp], 2)}
    assert math.isnan(by[net]["diff"]) and by[net]["sparta_paired"] == 2
    assert by[md]["paired"] == 2 and by[md]["diff"] == 2.0          # (+1, +3)
    assert by[md]["sparta_paired"] == 1 and by[md]["sparta_diff"] == 2.0   # deck 1: 25 - 23
    assert by[sp]["paired"] == 2 and by[sp]["diff"] == 1.0 and math.isnan(by[sp]["sparta_diff"])
    assert by[net]["sparta_diff"] == -1.0                            # 22-23, 24-25
    table = markdown(list(by.values()), 2).splitlines()
    assert "Δ vs SPARTA" in table[2] and table[2].count("|") == table[3].count("|")
    assert table[-2].endswith("| +2.000 ± 1.000 (2) | +2.000 ± nan (1) |")


def test_budget_curves_group_one_method_across_rollout_budgets():
    from uedtp.eval.hanabi.report import budget_curves

    def row(agent: str, ms: float) -> dict:
        return {"agent": agent, "ms_mean": ms, "mean": 20.0, "se": 0.1}
    rows = [row("torch:n.pt", 0.0), row("md(eta=6,rollouts=800)@torch:n.pt", 90.0),
            row("md(eta=6,rollouts=50)@torch:n.pt", 8.0), row("md(eta=2,rollouts=50)@torch:n.pt", 7.0),
            row("sparta(rollouts=300)@torch:n.pt", 30.0)]
    curves = budget_curves(rows)
    assert sorted(curves) == ["md(eta=2)@torch:n.pt", "md(eta=6)@torch:n.pt", "sparta@torch:n.pt"]
    assert [r["ms_mean"] for r in curves["md(eta=6)@torch:n.pt"]] == [8.0, 90.0]
