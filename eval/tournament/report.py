"""Tournament reports: the Markdown tables, CSV files and the JSON summary.

One step: turn each section's summary (``uedtp.eval.tournament.stats``) into a Markdown section —
adversarial: standings with Elo and 95 % interval, W-D-L, score %, mean return ± s.e., time per
move, plus the pairwise mean-return matrix; cooperative: the self-play table with perfect-game %
and the cross-play matrix — and write ``report.md``, ``summary.json``, ``games.csv`` and one
``<section>_standings.csv`` / ``<section>_pairwise.csv`` / ``<section>_crossplay.csv`` each.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
from typing import Any

from uedtp.eval.tournament.config import Section


def section_slug(number: int, game: str) -> str:
    """A file-name-safe name for a section, e.g. ``s1_kuhn_poker``."""
    return f"s{number + 1}_" + (re.sub(r"[^A-Za-z0-9]+", "_", game).strip("_") or "game")


def _num(x: float, digits: int = 3, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _pm(mean: float, se: float, digits: int = 3, signed: bool = False) -> str:
    text = _num(mean, digits, signed)
    return text if se is None or math.isnan(se) else f"{text} ± {se:.{digits}f}"


def _ms(row: dict[str, Any]) -> str:
    return f"{_num(row['ms_mean'], 2)} / {_num(row['ms_p95'], 2)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_section(section: Section, summary: dict[str, Any], num_players: int) -> str:
    """The Markdown of one section."""
    lines = []
    if summary["type"] == "adversarial":
        lines.append(f"### {section.game} — {section.format}, {num_players} players, "
                     f"{section.games} games per seating (seats rotated, paired chance seeds)")
        lines.append("")
        rated = summary["ratings_method"] is not None
        rows = sorted(summary["standings"],
                      key=lambda r: (-(r.get("elo", 0.0) if rated else r["score_pct"]),
                                     r["agent"]))
        lines.append("| # | agent | Elo [95% CI] | W-D-L | score % | mean return ± s.e. | "
                     "ms/move mean / p95 |")
        lines.append("|---|---|---|---|---|---|---|")
        for n, row in enumerate(rows, 1):
            elo = (f"{row['elo']:+.0f} [{row['elo_low']:+.0f}, {row['elo_high']:+.0f}]"
                   if rated else "—")
            lines.append(f"| {n} | `{_cell(row['agent'])}` | {elo} | "
                         f"{row['wins']}-{row['draws']}-{row['losses']} | "
                         f"{_num(row['score_pct'], 1)} | "
                         f"{_pm(row['mean_return'], row['se_return'], signed=True)} | "
                         f"{_ms(row)} |")
        lines.append("")
        if rated:
            how = ("inverse-Hessian standard errors" if summary["ratings_method"] == "hessian"
                   else "bootstrap percentiles")
            lines.append(f"Elo: Bradley–Terry maximum likelihood (draw = half a win, weak "
                         f"N(0, 1000²) prior), mean 0; 95% intervals from {how}.")
            by_return = sorted(rows, key=lambda r: (-r["mean_return"], r["agent"]))
            if [r["agent"] for r in by_return] != [r["agent"] for r in rows]:
                lines.append("Elo counts only wins, draws and losses; where stakes vary (poker) "
                             "the mean return orders the agents differently and measures "
                             "strength better.")
        elif summary["ratings_error"]:
            lines.append(f"No ratings: {summary['ratings_error']}")
        lines.append("")
        agents = [r["agent"] for r in rows]
        cells = {(p["agent"], p["opponent"]): p for p in summary["pairwise"]}
        lines.append("Mean return of the row agent against the column agent (± s.e.; W-D-L):")
        lines.append("")
        lines.append("| | " + " | ".join(f"`{_cell(a)}`" for a in agents) + " |")
        lines.append("|---" * (len(agents) + 1) + "|")
        for a in agents:
            row_cells = []
            for b in agents:
                p = cells.get((a, b))
                row_cells.append("—" if p is None else
                                 f"{_pm(p['mean_return'], p['se_return'], 2, True)} "
                                 f"({p['wins']}-{p['draws']}-{p['losses']})")
            lines.append(f"| `{_cell(a)}` | " + " | ".join(row_cells) + " |")
        lines.extend(_worst_pairings(agents, summary["pairwise"]))
    else:
        lines.append(f"### {section.game} — {section.format}, {num_players} players, "
                     f"{section.games} games per seating (the same deals for every team)")
        lines.append("")
        rows = sorted(summary["selfplay"],
                      key=lambda r: (-(r["mean_score"] if not math.isnan(r["mean_score"])
                                       else -math.inf), r["agent"]))
        lines.append("| # | agent | self-play score ± s.e. | perfect % | games | "
                     "ms/move mean / p95 |")
        lines.append("|---|---|---|---|---|---|")
        for n, row in enumerate(rows, 1):
            lines.append(f"| {n} | `{_cell(row['agent'])}` | "
                         f"{_pm(row['mean_score'], row['se_score'], 2)} | "
                         f"{_num(row['perfect_pct'], 1)} | {row['games']} | {_ms(row)} |")
        lines.append("")
        if section.format == "cross-play" and len(summary["agents"]) > 1:
            agents = summary["agents"]
            order = [summary["agents"].index(r["agent"]) for r in rows]
            lines.append("Cross-play mean score (row agent in one seat, column agent in the "
                         "others; diagonal = self-play):")
            lines.append("")
            lines.append("| | " + " | ".join(f"`{_cell(agents[j])}`" for j in order) + " |")
            lines.append("|---" * (len(order) + 1) + "|")
            for i in order:
                lines.append(f"| `{_cell(agents[i])}` | " + " | ".join(
                    _pm(summary["crossplay_mean"][i][j], summary["crossplay_se"][i][j], 2)
                    for j in order) + " |")
    return "\n".join(lines) + "\n"


def worst_pairings(pairwise: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per agent, its pairing of lowest mean return (ties: the larger s.e., then the opponent's
    name), so a strength claim can be checked against every opponent, not the average."""
    worst: dict[str, dict[str, Any]] = {}
    for p in pairwise:
        key = (p["mean_return"], -p["se_return"], p["opponent"])
        w = worst.get(p["agent"])
        if w is None or key < (w["mean_return"], -w["se_return"], w["opponent"]):
            worst[p["agent"]] = p
    return worst


def _worst_pairings(agents: list[str], pairwise: list[dict[str, Any]]) -> list[str]:
    worst = worst_pairings(pairwise)
    if len(agents) < 3:
        return []
    lines = ["", "Worst pairing of each agent (its lowest mean return over all opponents; "
             "even = mean + 2 s.e. ≥ 0):", "",
             "| agent | worst opponent | mean return ± s.e. | even within 2 s.e. |",
             "|---|---|---|---|"]
    for a in agents:
        p = worst.get(a)
        if p is None:
            continue
        even = "yes" if p["mean_return"] + 2 * p["se_return"] >= 0 else "no"
        lines.append(f"| `{_cell(a)}` | `{_cell(p['opponent'])}` | "
                     f"{_pm(p['mean_return'], p['se_return'], 3, True)} | {even} |")
    return lines


def markdown_report(sections: list[Section], summaries: list[dict[str, Any]],
                    num_players: list[int], header: str = "") -> str:
    parts = [header] if header else []
    for section, summary, players in zip(sections, summaries, num_players):
        parts.append(markdown_section(section, summary, players))
    return "\n".join(parts)


def _write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_outputs(directory: str, sections: list[Section], summaries: list[dict[str, Any]],
                  records: list[dict[str, Any]], markdown: str) -> list[str]:
    """Write report.md, summary.json, games.csv and the per-section CSV files; return paths."""
    written = []
    path = os.path.join(directory, "report.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(markdown)
    written.append(path)
    path = os.path.join(directory, "summary.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"sections": [{"section": s.to_dict(), "summary": m}
                                for s, m in zip(sections, summaries)]},
                  handle, indent=1, default=float)
    written.append(path)
    game_rows = [{"key": r["key"], "game": r["game"], "kind": r["kind"],
                  "seats": " | ".join(r["seats"]), "index": r["index"],
                  "chance_seed": r["chance_seed"],
                  "returns": " ".join(f"{x:g}" for x in r["returns"]), "score": r["score"],
                  "moves": r["moves"], "seconds": r["seconds"]}
                 for r in sorted(records, key=lambda r: r["key"])]
    path = os.path.join(directory, "games.csv")
    _write_csv(path, game_rows)
    written.append(path)
    for number, (section, summary) in enumerate(zip(sections, summaries)):
        slug = section_slug(number, section.game)
        if summary["type"] == "adversarial":
            tables = {"standings": summary["standings"], "pairwise": summary["pairwise"]}
        else:
            agents = summary["agents"]
            cross = [{"agent": a, "partner": b, "games": summary["crossplay_games"][i][j],
                      "mean_score": summary["crossplay_mean"][i][j],
                      "se_score": summary["crossplay_se"][i][j]}
                     for i, a in enumerate(agents) for j, b in enumerate(agents)]
            tables = {"standings": summary["selfplay"], "crossplay": cross}
        for name, rows in tables.items():
            path = os.path.join(directory, f"{slug}_{name}.csv")
            _write_csv(path, rows)
            written.append(path)
    return written
