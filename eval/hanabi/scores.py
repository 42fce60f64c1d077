"""Score table of the rule-based Hanabi bots in self-play (native engine, seeded games).

One step per (bot, player count): deal ``--games`` seeded games (game g uses RNG stream g of
``--seed``), play them natively with one bot per seat, and summarise the final scores: mean ±
standard error under HLE scoring (0 when every life is lost) and with the points kept after a
bomb-out (the original bots' scoring), the share of perfect games and of bomb-outs. Prints a
Markdown table and writes a PNG of the HLE score distributions.

Usage::

    python -m uedtp.eval.hanabi.scores --games 10000
    python -m uedtp.eval.hanabi.scores --games 2000 --bots smart --players 2,3 --out results/scores
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from uedtp.eval.cli import (ArgumentParser, bot_list, int_list, non_negative_int, output_dir,
                            positive_int)
from uedtp.csrc.hanabi_bots import BOT_NAMES, self_play_games

PRETTY = {"simple": "SimpleBot", "holmes": "HolmesBot", "smart": "SmartBot", "value": "ValueBot"}


@dataclass
class ScoreRow:
    """Summary of one bot at one player count."""
    bot: str
    players: int
    games: int
    hle: np.ndarray          # HLE scores, one per game
    points: np.ndarray       # fireworks total (points kept after a bomb-out)
    bombed: np.ndarray       # bool: all lives lost
    seconds: float

    @staticmethod
    def _mean_se(x: np.ndarray) -> tuple[float, float]:
        se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")
        return float(x.mean()), se

    def markdown(self) -> str:
        m, s = self._mean_se(self.hle)
        mp, sp = self._mean_se(self.points)
        perfect = 100.0 * float(np.mean(self.points == 25))
        bomb = 100.0 * float(np.mean(self.bombed))
        return (f"| {PRETTY[self.bot]} | {self.players} | {self.games} | {m:.2f} ± {s:.2f} | "
                f"{mp:.2f} ± {sp:.2f} | {perfect:.2f} | {bomb:.2f} |")


HEADER = ("| bot | players | games | mean HLE score ± s.e. | mean points kept ± s.e. | "
          "perfect % | bomb-out % |\n|---|---|---|---|---|---|---|")


def score_row(bot: str, players: int, games: int, seed: int, threads: int) -> ScoreRow:
    """Play ``games`` seeded self-play games of ``bot`` with ``players`` seats."""
    t0 = time.perf_counter()
    fw, lost, _moves = self_play_games(bot, players, games, seed=seed, num_threads=threads)
    dt = time.perf_counter() - t0
    bombed = lost >= 3
    return ScoreRow(bot, players, games, np.where(bombed, 0, fw), fw.astype(np.int32), bombed, dt)


def plot_rows(rows: list[ScoreRow], path: str) -> str:
    """A grid of HLE score histograms: one row per bot, one column per player count."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bots = list(dict.fromkeys(r.bot for r in rows))
    counts = sorted({r.players for r in rows})
    fig, axes = plt.subplots(len(bots), len(counts), figsize=(2.6 * len(counts), 2.0 * len(bots)),
                             squeeze=False, sharex=True)
    bins = np.arange(-0.5, 26.5, 1.0)
    for r in rows:
        ax = axes[bots.index(r.bot)][counts.index(r.players)]
        ax.hist(r.hle, bins=bins, color="tab:blue", alpha=0.85)
        ax.set_title(f"{PRETTY[r.bot]} {r.players}p: {r.hle.mean():.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("HLE score", fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


PROG = "python -m uedtp.eval.hanabi.scores"


def build_parser() -> ArgumentParser:
    ap = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--games", type=positive_int, default=10000,
                    help="games per bot and player count (at least 2)")
    ap.add_argument("--bots", type=bot_list, default=list(BOT_NAMES),
                    help="comma-separated bot names")
    ap.add_argument("--players", type=int_list(1, 2, 5), default=[2, 3, 4, 5],
                    help="comma-separated player counts")
    ap.add_argument("--seed", type=non_negative_int, default=0,
                    help="deal seed (game g uses stream g)")
    ap.add_argument("--threads", type=positive_int, default=2, help="OpenMP threads")
    ap.add_argument("--out", type=output_dir, default="results/hanabi_scores",
                    help="output directory")
    ap.add_argument("--no-plot", action="store_true", help="skip the PNG")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.games < 2:
        ap.error(f"argument --games: must be at least 2 (a standard error needs two games), "
                 f"got {args.games}")
    bots, players = args.bots, args.players

    rows = []
    t0 = time.perf_counter()
    for bot in bots:
        for n in players:
            rows.append(score_row(bot, n, args.games, args.seed, args.threads))
    elapsed = time.perf_counter() - t0
    table = HEADER + "\n" + "\n".join(r.markdown() for r in rows)
    print(table)
    print(f"\n{len(rows)} rows, {args.games} games each, seed {args.seed}, "
          f"{args.threads} threads, {elapsed:.1f} s")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "scores.md"), "w") as f:
        f.write(table + "\n")
    if not args.no_plot:
        path = plot_rows(rows, os.path.join(args.out, "score_distribution.png"))
        print(f"plot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
