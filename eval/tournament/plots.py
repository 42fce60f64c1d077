"""PNG plots of a tournament (matplotlib, headless ``Agg`` backend).

One step per section: adversarial — a heatmap of the pairwise mean return, Elo ratings with 95 %
error bars, histograms of each agent's returns; cooperative — a heatmap of the cross-play matrix
and histograms of each agent's self-play scores.
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from uedtp.eval.tournament.report import section_slug


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _label(spec: str, width: int = 28) -> str:
    return spec if len(spec) <= width else spec[:width - 1] + "…"


def heatmap(matrix: np.ndarray, rows: list[str], cols: list[str], title: str, path: str,
            cbar: str) -> str:
    plt = _pyplot()
    size = max(4.0, 1.0 + 1.1 * len(cols))
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    masked = np.ma.masked_invalid(matrix)
    finite = matrix[np.isfinite(matrix)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    symmetric = finite.size and finite.min() < 0
    image = ax.imshow(masked, cmap="RdBu" if symmetric else "viridis",
                      vmin=-bound if symmetric else None, vmax=bound if symmetric else None)
    fig.colorbar(image, ax=ax, label=cbar)
    ax.set_xticks(range(len(cols)), [_label(c) for c in cols], rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), [_label(r) for r in rows])
    top = float(finite.max()) if finite.size else 1.0
    bottom = float(finite.min()) if finite.size else 0.0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if math.isfinite(matrix[i, j]):
                bright = (matrix[i, j] - bottom) > 0.6 * (top - bottom)
                ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if symmetric or bright else "white")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def ratings_plot(rows: list[dict[str, Any]], title: str, path: str) -> str:
    plt = _pyplot()
    rows = sorted(rows, key=lambda r: r["elo"])
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.5 * len(rows)))
    y = np.arange(len(rows))
    elo = np.array([r["elo"] for r in rows])
    err = np.array([[r["elo"] - r["elo_low"] for r in rows],
                    [r["elo_high"] - r["elo"] for r in rows]])
    ax.errorbar(elo, y, xerr=err, fmt="o", capsize=4)
    ax.set_yticks(y, [_label(r["agent"]) for r in rows])
    ax.axvline(0.0, color="grey", lw=0.5)
    ax.set_xlabel("Elo (mean 0), 95% interval")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def histograms(values: dict[str, list[float]], title: str, xlabel: str, path: str) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    everything = [v for vs in values.values() for v in vs]
    lo, hi = (min(everything), max(everything)) if everything else (0.0, 1.0)
    distinct = sorted(set(everything))
    step = float(min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    if distinct and (hi - lo) / step <= 60:
        # few distinct values on a lattice (scores, poker returns): one bin per lattice point
        bins = np.arange(lo - step / 2, hi + step, step)
    else:
        bins = np.linspace(lo, hi, 31)
    for agent, vs in values.items():
        if vs:
            ax.hist(vs, bins=bins, histtype="step", lw=1.5, label=_label(agent))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("games")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def section_plots(directory: str, number: int, game: str, summary: dict[str, Any],
                  records: list[dict[str, Any]]) -> list[str]:
    """Write this section's PNGs into ``directory``; return their paths."""
    slug = section_slug(number, game)
    agents = summary["agents"]
    written = []
    if summary["type"] == "adversarial":
        k = len(agents)
        matrix = np.full((k, k), np.nan)
        for p in summary["pairwise"]:
            matrix[agents.index(p["agent"]), agents.index(p["opponent"])] = p["mean_return"]
        written.append(heatmap(matrix, agents, agents, f"{game}: mean return of row vs column",
                               os.path.join(directory, f"{slug}_pairwise.png"), "mean return"))
        if summary["ratings_method"] is not None:
            written.append(ratings_plot(summary["standings"], f"{game}: Bradley–Terry ratings "
                                        f"({summary['ratings_method']} CI)",
                                        os.path.join(directory, f"{slug}_ratings.png")))
        returns: dict[str, list[float]] = {a: [] for a in agents}
        for r in records:
            for s, a in enumerate(r["seats"]):
                returns[a].append(r["returns"][s])
        written.append(histograms(returns, f"{game}: returns per game", "return",
                                  os.path.join(directory, f"{slug}_returns.png")))
    else:
        if len(agents) > 1 and any(n for row in summary["crossplay_games"] for n in row):
            matrix = np.array(summary["crossplay_mean"], dtype=float)
            written.append(heatmap(matrix, agents, agents, f"{game}: cross-play mean score",
                                   os.path.join(directory, f"{slug}_crossplay.png"),
                                   "mean score"))
        scores: dict[str, list[float]] = {a: [] for a in agents}
        for r in records:
            if r["kind"] == "self-play":
                scores[r["seats"][0]].append(float(r["score"]))
        written.append(histograms(scores, f"{game}: self-play scores", "score",
                                  os.path.join(directory, f"{slug}_scores.png")))
    return written
