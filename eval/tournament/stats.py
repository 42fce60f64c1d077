"""Statistics of a tournament section computed from its game records.

One step: fold every record of a section into per-agent and per-pair tallies, then summarise —
adversarial sections: W/D/L (every other seat of a game is one comparison), mean return ± s.e.,
pairwise mean return and W/D/L, Bradley–Terry/Elo ratings; cooperative sections: self-play mean
score ± s.e. and perfect-game percentage, and the cross-play matrix. Every agent's thinking time
per move (mean and 95th percentile) is summarised in both. Records are sorted by key first, so the
result does not depend on the order games finished in.

s.e. is the standard error of the mean, sample standard deviation (ddof = 1) / √n; it is NaN
for fewer than two values.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Iterable

import numpy as np

from uedtp.eval.tournament.ratings import Ratings, RatingError, bootstrap_ratings, hessian_ratings


def mean_se(values: Iterable[float]) -> tuple[float, float]:
    """(mean, standard error of the mean); (nan, nan) for no values, se = nan for one value."""
    x = np.asarray(list(values), dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    if x.size == 1:
        return float(x[0]), math.nan
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def time_summary(seconds: Iterable[float]) -> dict[str, float]:
    """Mean and 95th percentile (linear interpolation) of move times, in milliseconds."""
    x = np.asarray(list(seconds), dtype=float) * 1000.0
    if x.size == 0:
        return {"moves": 0, "ms_mean": math.nan, "ms_p95": math.nan}
    return {"moves": int(x.size), "ms_mean": float(x.mean()),
            "ms_p95": float(np.percentile(x, 95))}


def outcome(mine: float, theirs: float) -> float:
    """1 win, 0.5 draw, 0 loss (by comparing the two seats' returns)."""
    return 1.0 if mine > theirs else (0.5 if mine == theirs else 0.0)


@dataclasses.dataclass
class AgentTally:
    returns: list[float] = dataclasses.field(default_factory=list)
    wins: int = 0
    draws: int = 0
    losses: int = 0
    move_seconds: list[float] = dataclasses.field(default_factory=list)


def _sorted(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: r["key"])


def adversarial_summary(agents: list[str], records: Iterable[dict[str, Any]],
                        ci: str = "hessian", bootstrap_samples: int = 200,
                        seed: int = 0) -> dict[str, Any]:
    """Standings, pairwise tables and ratings of a round-robin or gauntlet section."""
    records = _sorted(records)
    index = {a: i for i, a in enumerate(agents)}
    k = len(agents)
    tallies = [AgentTally() for _ in agents]
    pair_returns: list[list[list[float]]] = [[[] for _ in agents] for _ in agents]
    pair_wdl = np.zeros((k, k, 3), dtype=int)
    comparisons: list[tuple[int, int, float]] = []
    for record in records:
        seats = [index[s] for s in record["seats"]]
        returns = record["returns"]
        for s, i in enumerate(seats):
            tallies[i].returns.append(returns[s])
            tallies[i].move_seconds.extend(record["move_seconds"][s])
            for t, j in enumerate(seats):
                if t == s or j == i:
                    continue
                result = outcome(returns[s], returns[t])
                pair_returns[i][j].append(returns[s])
                slot = 0 if result == 1.0 else (1 if result == 0.5 else 2)
                pair_wdl[i, j, slot] += 1
                if slot == 0:
                    tallies[i].wins += 1
                elif slot == 1:
                    tallies[i].draws += 1
                else:
                    tallies[i].losses += 1
                if s < t:
                    comparisons.append((i, j, result))
    wins = pair_wdl[:, :, 0] + 0.5 * pair_wdl[:, :, 1]
    ratings: Ratings | None = None
    rating_error = None
    played = [i for i in range(k) if tallies[i].returns]
    if len(played) >= 2:
        try:
            if ci == "bootstrap":
                ratings = bootstrap_ratings(agents, comparisons, bootstrap_samples, seed)
            elif ci == "hessian":
                ratings = hessian_ratings(agents, wins)
            else:
                raise RatingError(f"unknown confidence-interval method {ci!r} "
                                  "(use hessian or bootstrap)")
        except RatingError as err:
            rating_error = str(err)
    standings = []
    for i, agent in enumerate(agents):
        tally = tallies[i]
        mean, se = mean_se(tally.returns)
        n = tally.wins + tally.draws + tally.losses
        row: dict[str, Any] = {
            "agent": agent, "games": len(tally.returns), "wins": tally.wins,
            "draws": tally.draws, "losses": tally.losses,
            "score_pct": 100.0 * (tally.wins + 0.5 * tally.draws) / n if n else math.nan,
            "mean_return": mean, "se_return": se, **time_summary(tally.move_seconds)}
        if ratings is not None:
            row.update({k_: v for k_, v in ratings.as_rows()[i].items() if k_ != "agent"})
        standings.append(row)
    pairwise = []
    for i, a in enumerate(agents):
        for j, b in enumerate(agents):
            if i != j and pair_returns[i][j]:
                mean, se = mean_se(pair_returns[i][j])
                w, d, l_ = (int(x) for x in pair_wdl[i, j])
                pairwise.append({"agent": a, "opponent": b, "games": w + d + l_, "wins": w,
                                 "draws": d, "losses": l_, "mean_return": mean,
                                 "se_return": se})
    return {"type": "adversarial", "agents": list(agents), "standings": standings,
            "pairwise": pairwise, "ratings_method": ratings.method if ratings else None,
            "ratings_error": rating_error, "games": len(records)}


def cooperative_summary(agents: list[str], records: Iterable[dict[str, Any]],
                        max_score: float) -> dict[str, Any]:
    """Self-play table and cross-play matrix of a cooperative section.

    Cross-play cell (X, Y): mean score of teams with X in one seat and Y in every other seat (two
    players: both seat orders, so the matrix is symmetric); the diagonal is self-play.
    """
    records = _sorted(records)
    index = {a: i for i, a in enumerate(agents)}
    k = len(agents)
    self_scores: list[list[float]] = [[] for _ in agents]
    cross: list[list[list[float]]] = [[[] for _ in agents] for _ in agents]
    seconds: list[list[float]] = [[] for _ in agents]
    for record in records:
        seats = [index[s] for s in record["seats"]]
        for s, i in enumerate(seats):
            seconds[i].extend(record["move_seconds"][s])
        score = float(record["score"])
        if record["kind"] == "self-play":
            self_scores[seats[0]].append(score)
            cross[seats[0]][seats[0]].append(score)
            continue
        counts = {i: seats.count(i) for i in set(seats)}
        if len(seats) == 2:
            x, y = seats
            cross[x][y].append(score)
            cross[y][x].append(score)
        else:
            x = next(i for i, c in counts.items() if c == 1)
            y = next(i for i, c in counts.items() if c > 1)
            cross[x][y].append(score)
    selfplay = []
    for i, agent in enumerate(agents):
        scores = self_scores[i]
        mean, se = mean_se(scores)
        perfect = sum(1 for s in scores if s >= max_score - 1e-9)
        selfplay.append({"agent": agent, "games": len(scores), "mean_score": mean,
                         "se_score": se,
                         "perfect_pct": 100.0 * perfect / len(scores) if scores else math.nan,
                         **time_summary(seconds[i])})
    matrix = [[mean_se(cross[i][j])[0] for j in range(k)] for i in range(k)]
    matrix_se = [[mean_se(cross[i][j])[1] for j in range(k)] for i in range(k)]
    games = [[len(cross[i][j]) for j in range(k)] for i in range(k)]
    return {"type": "cooperative", "agents": list(agents), "selfplay": selfplay,
            "crossplay_mean": matrix, "crossplay_se": matrix_se, "crossplay_games": games,
            "max_score": max_score, "games": len(records)}


def live_standings(agents: list[str], records: Iterable[dict[str, Any]], cooperative: bool,
                   top: int = 4) -> str:
    """A short text of the current leaders for the progress bar."""
    records = list(records)
    if not records:
        return ""
    if cooperative:
        scores: dict[str, list[float]] = {}
        for r in records:
            if r["kind"] == "self-play":
                scores.setdefault(r["seats"][0], []).append(float(r["score"]))
        board = sorted((-float(np.mean(v)), a) for a, v in scores.items())
        return " ".join(f"{_short(a)}={-m:.2f}" for m, a in board[:top])
    points: dict[str, list[float]] = {}
    for r in records:
        for s, a in enumerate(r["seats"]):
            for t, b in enumerate(r["seats"]):
                if t != s and a != b:
                    points.setdefault(a, []).append(outcome(r["returns"][s], r["returns"][t]))
    board = sorted((-float(np.mean(v)), a) for a, v in points.items())
    return " ".join(f"{_short(a)}={-100 * m:.0f}%" for m, a in board[:top])


def _short(spec: str, width: int = 14) -> str:
    return spec if len(spec) <= width else spec[:width - 1] + "…"
