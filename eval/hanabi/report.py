"""Reports of the Hanabi search evaluation: per-agent summary, Markdown table, plots, and the
reading of result files (the store's ``games.jsonl`` and the CSV of earlier versions).

One step of ``summarize``: group the game records by agent and deck seed, summarise each agent
(mean score ± s.e., perfect %, search time, rollouts, belief support, fallbacks) and pair it with
two references on the decks both played — the blueprint (the first plain rule-based bot or plain
network ``torch:PATH`` among the agents) and single-agent SPARTA (the first ``sparta(...)``) — by
deck seed, never by game index, so games dealt from different seeds are never paired.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sys
from dataclasses import replace
from typing import Any, Iterable

import numpy as np

from uedtp.eval.runs.store import GAMES_FILE, StoreError, read_records
from uedtp.eval.specs import hanabi_bot, parse_spec, SpecError

LEGACY_FILE = "games.csv"
INT_FIELDS = ("players", "game", "deck_seed", "score", "points", "perfect", "moves", "searched",
              "skipped", "deviations", "fallbacks", "rollouts", "support_sum", "exact")
FLOAT_FIELDS = ("search_seconds", "ess_sum")


def is_blueprint(spec: str) -> bool:
    """Whether the spec is a plain blueprint (the paired-difference reference): a rule-based bot
    or a network played as itself (``torch:PATH``, no search over it)."""
    if hanabi_bot(spec) is not None:
        return True
    try:
        parsed = parse_spec(spec)
    except SpecError:
        return False
    return parsed.name == "torch" and parsed.blueprint is None


def is_sparta(spec: str) -> bool:
    """Whether the spec is single-agent SPARTA (the second paired-difference reference)."""
    try:
        return parse_spec(spec).name == "sparta"
    except SpecError:
        return False


def _paired(games: dict[int, dict[str, Any]], ref: dict[int, dict[str, Any]]
            ) -> tuple[float, float, int]:
    """Mean ± s.e. of the score difference over the deck seeds both played, and their count."""
    common = sorted(set(games) & set(ref))
    if not common:
        return float("nan"), float("nan"), 0
    d = np.array([float(games[g]["score"]) - float(ref[g]["score"]) for g in common])
    mean, se = _mean_se(d)
    return mean, se, len(common)


def record_key(agent: str, deck_seed: int) -> str:
    """A game's identity in the store: the agent spec as written and the deck seed."""
    return json.dumps([agent, int(deck_seed)], separators=(",", ":"))


def read_legacy_csv(path: str) -> list[dict[str, Any]]:
    """The rows of a ``games.csv`` written by earlier versions, as records. A row that does not
    parse (a torn row, or one a resumed run appended onto it) is skipped with a warning naming
    its line."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise StoreError(f"cannot read {path}: {err}") from None
    out = []
    for line, row in enumerate(rows, 2):
        try:
            record: dict[str, Any] = {"agent": row["agent"], "search_ms": row.get("search_ms") or ""}
            for field in INT_FIELDS:
                record[field] = int(row.get(field) or 0) if field == "skipped" else int(row[field])
            for field in FLOAT_FIELDS:
                record[field] = float(row[field])
            if None in row or record["agent"] is None:
                raise ValueError("wrong number of columns")
        except (KeyError, TypeError, ValueError) as err:
            print(f"warning: {path} line {line} is corrupt ({err}); skipped", file=sys.stderr)
            continue
        record["key"] = record_key(record["agent"], record["deck_seed"])
        out.append(record)
    return out


def read_source(path: str, flag: str = "--extra-csv") -> list[dict[str, Any]]:
    """Records of a results directory (``games.jsonl``, else a legacy ``games.csv``) or file."""
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, GAMES_FILE)):
            return read_records(os.path.join(path, GAMES_FILE), repair=False)
        if os.path.isfile(os.path.join(path, LEGACY_FILE)):
            return read_legacy_csv(os.path.join(path, LEGACY_FILE))
        raise StoreError(f"{flag} {path}: the directory holds no {GAMES_FILE} or {LEGACY_FILE}")
    if not os.path.exists(path):
        raise StoreError(f"{flag} {path} does not exist")
    if not os.access(path, os.R_OK):
        raise StoreError(f"{flag} {path} is not readable")
    records = read_legacy_csv(path) if path.endswith(".csv") else read_records(path, repair=False)
    if not records:
        raise StoreError(f"{flag} {path} holds no game records")
    return records


def merge(sources: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """All records, the first of each (agent, deck seed) kept."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for records in sources:
        for r in records:
            ident = (r["agent"], int(r["deck_seed"]), int(r["players"]))
            if ident not in seen:
                seen.add(ident)
                out.append(r)
    return out


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    if len(x) == 0:
        return float("nan"), float("nan")
    se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")
    return float(x.mean()), se


def summarize(rows: list[dict[str, Any]], specs: list[str], players: int) -> list[dict[str, Any]]:
    """One summary dict per agent with games (see the module docstring)."""
    by: dict[str, dict[int, dict[str, Any]]] = {}
    for r in rows:
        if int(r["players"]) == players:
            by.setdefault(r["agent"], {})[int(r["deck_seed"])] = r
    ref = next((s for s in specs if is_blueprint(s) and s in by), None)
    sparta = next((s for s in specs if is_sparta(s) and s in by), None)
    out = []
    for spec in specs:
        games = by.get(spec, {})
        if not games:
            continue
        rs = [games[d] for d in sorted(games)]
        score = np.array([float(r["score"]) for r in rs])
        times = np.array([float(t) for r in rs for t in r["search_ms"].split()])
        searched = sum(int(r["searched"]) for r in rs)
        moves = sum(int(r["moves"]) for r in rs)
        fallbacks = sum(int(r["fallbacks"]) for r in rs)
        row = {
            "agent": spec, "games": len(rs), "mean": _mean_se(score)[0], "se": _mean_se(score)[1],
            "perfect": 100.0 * float(np.mean([int(r["perfect"]) for r in rs])),
            "ms_mean": float(times.mean()) if len(times) else 0.0,
            "ms_p95": float(np.percentile(times, 95)) if len(times) else 0.0,
            "rollouts": (sum(int(r["rollouts"]) for r in rs) / searched) if searched else 0.0,
            "support": (sum(float(r["support_sum"]) for r in rs) / searched) if searched else 0.0,
            "exact": (100.0 * sum(int(r["exact"]) for r in rs) / searched) if searched else 0.0,
            "ess": (sum(float(r["ess_sum"]) for r in rs) / searched) if searched else 0.0,
            "searched_share": 100.0 * searched / max(moves, 1),
            "skipped": (100.0 * sum(int(r.get("skipped") or 0) for r in rs) / searched)
            if searched else 0.0,
            "fallback": 100.0 * fallbacks / max(moves, 1),
            "deviations": sum(int(r["deviations"]) for r in rs) / len(rs),
            "diff": float("nan"), "diff_se": float("nan"), "paired": 0,
            "sparta_diff": float("nan"), "sparta_diff_se": float("nan"), "sparta_paired": 0,
        }
        if ref is not None and spec != ref:
            row["diff"], row["diff_se"], row["paired"] = _paired(games, by[ref])
        if sparta is not None and spec != sparta:
            (row["sparta_diff"], row["sparta_diff_se"],
             row["sparta_paired"]) = _paired(games, by[sparta])
        out.append(row)
    return out


def markdown(summary: list[dict[str, Any]], players: int) -> str:
    lines = [f"Hanabi, {players} players (HLE scoring; search columns over the moves of searching seats; "
             "differences paired by deck seed)", "",
             "| agent | games | score ± s.e. | perfect % | search ms/move (mean / p95) | "
             "rollouts/move | belief support (exact %, ESS) | searching-seat moves % (skipped %) | "
             "fallback % | deviations/game | Δ vs blueprint ± s.e. (paired games) | "
             "Δ vs SPARTA ± s.e. (paired games) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in summary:
        diff = _diff_cell(r["diff"], r["diff_se"], r["paired"])
        sparta = _diff_cell(r["sparta_diff"], r["sparta_diff_se"], r["sparta_paired"])
        lines.append(
            f"| `{r['agent']}` | {r['games']} | {r['mean']:.3f} ± {r['se']:.3f} | "
            f"{r['perfect']:.1f} | {r['ms_mean']:.1f} / {r['ms_p95']:.1f} | "
            f"{r['rollouts']:.0f} | {r['support']:.0f} ({r['exact']:.0f}%, {r['ess']:.0f}) | "
            f"{r['searched_share']:.0f} ({r['skipped']:.0f}) | {r['fallback']:.1f} | "
            f"{r['deviations']:.2f} | {diff} | {sparta} |")
    return "\n".join(lines)


def _diff_cell(mean: float, se: float, paired: int) -> str:
    return "—" if math.isnan(mean) else f"{mean:+.3f} ± {se:.3f} ({paired})"


def budget_curves(summary: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The searching agents grouped into curves: one per method and setting, the rollout budget
    left out of the key (so ``md(eta=6,rollouts=50)`` and ``md(eta=6,rollouts=800)`` share one),
    each curve's points ordered by time per move."""
    curves: dict[str, list[dict[str, Any]]] = {}
    for r in summary:
        if r["ms_mean"] <= 0:
            continue
        try:
            spec = parse_spec(r["agent"])
        except SpecError:
            label = r["agent"]
        else:
            label = str(replace(spec, params=tuple(p for p in spec.params if p[0] != "rollouts")))
        curves.setdefault(label, []).append(r)
    return {k: sorted(v, key=lambda r: r["ms_mean"]) for k, v in curves.items()}


def plot_scores(summary: list[dict[str, Any]], path: str, players: int) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    names = [r["agent"] for r in summary]
    y = np.arange(len(summary))
    a1.barh(y, [r["mean"] for r in summary], xerr=[r["se"] for r in summary], color="tab:blue")
    a1.set_yticks(y, names, fontsize=7)
    lo = min(r["mean"] - 3 * (r["se"] if r["se"] == r["se"] else 0) for r in summary)
    a1.set_xlim(max(0.0, lo - 0.5), 25)
    a1.set_xlabel("mean score (± s.e.)")
    a1.set_title(f"Hanabi {players}p, paired decks")
    for label, rows in budget_curves(summary).items():
        a2.errorbar([r["ms_mean"] for r in rows], [r["mean"] for r in rows],
                    yerr=[r["se"] for r in rows], fmt="o-", label=label, capsize=2)
    bp = next((r for r in summary if is_blueprint(r["agent"])), None)
    if bp is not None:
        a2.axhline(bp["mean"], color="gray", ls="--", label=f"blueprint {bp['agent']}")
    a2.set_xscale("log")
    a2.set_xlabel("search time per searched move (ms)")
    a2.set_ylabel("mean score")
    if any(r["ms_mean"] > 0 for r in summary):
        a2.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_sweep(etas: list[float], summary: list[dict[str, Any]], specs: list[str], path: str,
               blueprint: dict[str, Any] | None) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    by = {r["agent"]: r for r in summary}
    xs, ys, es = [], [], []
    for eta, spec in zip(etas, specs):
        if spec in by:
            xs.append(eta)
            ys.append(by[spec]["mean"])
            es.append(by[spec]["se"])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(xs, ys, yerr=es, fmt="o-", label="MD search")
    if blueprint is not None:
        ax.axhline(blueprint["mean"], color="gray", ls="--", label="blueprint")
    ax.set_xscale("log")
    ax.set_xlabel("eta")
    ax.set_ylabel("mean score (± s.e.)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
