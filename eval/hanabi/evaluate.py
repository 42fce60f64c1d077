"""Paired evaluation of Hanabi search agents (MD search, SPARTA, multi-agent SPARTA) against
their rule-based blueprint, on the native engine.

One step is one game: deal deck ``seed + g`` and let one agent object play every seat to the
end; its per-decision records (search time, rollouts, belief support, deviations, fallbacks)
are summarised into one CSV row, appended and flushed at once (``--resume`` skips the
(agent, game) pairs already in the CSV). Every agent plays the same decks, so differences are
paired. Games run in ``--workers`` processes (each single-threaded by default; on a shared
2-core machine this beats OpenMP inside one process).

The report: per agent, mean score ± s.e., perfect-game %, mean and 95th-percentile search time
per move of a searching seat (including moves where it skipped the search), rollouts per such
move, mean belief support, fallback %, and the paired
difference to the blueprint (the first plain bot among the agents) with its s.e.; printed as
Markdown, written to ``report.md``, plus ``scores.png``. ``--eta-sweep`` evaluates MD search
(``--md`` template with ``{eta}``) for several step sizes and plots score against eta.

Agents are specs of ``eval.specs`` (the suite's one grammar and registry; ``python -m
eval.tournament --list-agents`` lists every parameter): ``smart``/``holmes``/``simple``/``value``
(the rule-based blueprints), ``md(eta=...,rollouts=...)``, ``sparta(rollouts=...)``,
``sparta-joint(rollouts=...,max_range=...)``. Rows are keyed by the spec string as written.

Usage::

    python -m eval.hanabi --players 2 --games 2000 --out results/hanabi_eval/main \\
        --agents smart "md(eta=3,rollouts=300)" "sparta(rollouts=3000)"
    python -m eval.hanabi --games 300 --out results/hanabi_eval/sweep \\
        --eta-sweep 1 2 4 8 16 --md "md(eta={eta},rollouts=300)"
    python -m eval.hanabi ... --resume        # continue an interrupted run
"""
from __future__ import annotations

import argparse
import csv
import math
import multiprocessing as mp
import os
import signal
import sys
import time
from typing import Any, Iterable

import numpy as np

from eval.specs import SpecError, build_agent, hanabi_bot, resolve

FIELDS = ["agent", "players", "game", "deck_seed", "score", "points", "perfect", "moves",
          "searched", "skipped", "deviations", "fallbacks", "rollouts", "search_seconds",
          "support_sum", "exact", "ess_sum", "search_ms"]


def hanabi_game(players: int) -> str:
    """The game string the agents are built for."""
    return f"hanabi(players={players})"


def is_blueprint(spec: str) -> bool:
    """Whether the spec is a plain rule-based bot (the paired-difference reference)."""
    return hanabi_bot(spec) is not None


def play_game(spec: str, players: int, game_index: int, seed: int,
              num_threads: int = 1) -> dict[str, Any]:
    """Play one seeded game with one agent object on every seat; return its CSV row."""
    from envs.hanabi.game import HanabiGame
    deck_seed = seed + game_index
    state = HanabiGame(players=players).new_initial_state(seed=deck_seed)
    agent = build_agent(spec, hanabi_game(players), seed=deck_seed * 7919 + 17,
                        num_threads=num_threads)
    while not state.is_terminal():
        state.apply_action(agent.act(state))
    recs = [r for r in getattr(agent, "decisions", []) if r.searched or r.fallback or r.skipped]
    searched = recs                 # decisions of searching seats (searched, skipped, fell back)
    return {
        "agent": spec, "players": players, "game": game_index, "deck_seed": deck_seed,
        "score": state.score(), "points": state.fireworks_total(),
        "perfect": int(state.fireworks_total() == 5 * HanabiGame(players=players).num_colors()),
        "moves": state.move_number(), "searched": len(searched),
        "deviations": sum(r.deviated for r in recs),
        "fallbacks": sum(r.fallback for r in getattr(agent, "decisions", [])),
        "rollouts": sum(r.rollouts for r in searched),
        "search_seconds": round(sum(r.seconds for r in searched), 4),
        "support_sum": sum(r.support for r in searched),
        "exact": sum(r.exact for r in searched),
        "skipped": sum(r.skipped for r in searched),
        "ess_sum": round(sum(r.ess for r in searched), 1),
        "search_ms": " ".join(f"{1000 * r.seconds:.1f}" for r in searched),
    }


def _task(args: tuple[str, int, int, int, int]) -> dict[str, Any]:
    return play_game(*args)


def read_rows(path: str) -> list[dict[str, str]]:
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_games(specs: list[str], players: int, games: int, seed: int, out_csv: str,
              workers: int, resume: bool, num_threads: int = 1,
              progress: bool = True) -> list[dict[str, str]]:
    """Play every (spec, game) pair not yet in ``out_csv``; append each finished game."""
    for spec in specs:                      # fail fast on bad specs, before any game
        build_agent(spec, hanabi_game(players), seed=0)
    done = set()
    if os.path.exists(out_csv):
        if not resume:
            raise FileExistsError(f"{out_csv} exists: pass --resume to continue it, or choose "
                                  "another --out")
        for row in read_rows(out_csv):
            if int(row["players"]) == players:
                done.add((row["agent"], int(row["game"])))
    tasks = [(spec, players, g, seed, num_threads) for g in range(games) for spec in specs
             if (spec, g) not in done]
    os.makedirs(os.path.dirname(os.path.abspath(out_csv)), exist_ok=True)
    new_file = not os.path.exists(out_csv)
    start = time.time()
    with open(out_csv, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
            f.flush()
        if workers <= 1:
            results: Iterable[dict[str, Any]] = (_task(t) for t in tasks)
            pool = None
        else:
            pool = mp.get_context("fork").Pool(workers)
            results = _polled(pool.imap_unordered(_task, tasks, chunksize=1))
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            for k, row in enumerate(results, 1):
                writer.writerow(row)
                f.flush()
                if progress and (k % 10 == 0 or k == len(tasks)):
                    print(f"  {k}/{len(tasks)} games ({time.time() - start:.0f} s)",
                          file=sys.stderr, flush=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
            if pool is not None:
                pool.terminate()
                pool.join()
    return read_rows(out_csv)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _polled(it: Any) -> Iterable[dict[str, Any]]:
    """Results of a pool iterator, waking up every second so signals stop the run promptly
    (the finished games are already in the CSV; ``--resume`` continues)."""
    while True:
        try:
            yield it.next(timeout=1.0)
        except mp.TimeoutError:
            continue
        except StopIteration:
            return


# ---- report ---------------------------------------------------------------------------------

def _mean_se(x: np.ndarray) -> tuple[float, float]:
    if len(x) == 0:
        return float("nan"), float("nan")
    se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")
    return float(x.mean()), se


def summarize(rows: list[dict[str, str]], specs: list[str], players: int) -> list[dict[str, Any]]:
    """One summary dict per agent (see the module docstring)."""
    by: dict[str, dict[int, dict[str, str]]] = {}
    for r in rows:
        if int(r["players"]) == players:
            by.setdefault(r["agent"], {})[int(r["game"])] = r
    ref = next((s for s in specs if is_blueprint(s) and s in by), None)
    out = []
    for spec in specs:
        games = by.get(spec, {})
        if not games:
            continue
        rs = list(games.values())
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
        }
        if ref is not None and spec != ref:
            common = sorted(set(games) & set(by[ref]))
            if common:
                d = np.array([float(games[g]["score"]) - float(by[ref][g]["score"])
                              for g in common])
                row["diff"], row["diff_se"] = _mean_se(d)
                row["paired"] = len(common)
        out.append(row)
    return out


def markdown(summary: list[dict[str, Any]], players: int) -> str:
    lines = [f"Hanabi, {players} players (HLE scoring; search columns over the moves of searching seats)", "",
             "| agent | games | score ± s.e. | perfect % | search ms/move (mean / p95) | "
             "rollouts/move | belief support (exact %, ESS) | searching-seat moves % (skipped %) | "
             "fallback % | deviations/game | Δ vs blueprint ± s.e. (paired games) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in summary:
        diff = ("—" if math.isnan(r["diff"]) else
                f"{r['diff']:+.3f} ± {r['diff_se']:.3f} ({r['paired']})")
        lines.append(
            f"| `{r['agent']}` | {r['games']} | {r['mean']:.3f} ± {r['se']:.3f} | "
            f"{r['perfect']:.1f} | {r['ms_mean']:.1f} / {r['ms_p95']:.1f} | "
            f"{r['rollouts']:.0f} | {r['support']:.0f} ({r['exact']:.0f}%, {r['ess']:.0f}) | "
            f"{r['searched_share']:.0f} ({r['skipped']:.0f}) | {r['fallback']:.1f} | "
            f"{r['deviations']:.2f} | {diff} |")
    return "\n".join(lines)


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
    for r in summary:
        if r["ms_mean"] > 0:
            a2.errorbar(r["ms_mean"], r["mean"], yerr=r["se"], fmt="o", label=r["agent"])
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--games", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="game g uses deck seed SEED + g")
    ap.add_argument("--agents", nargs="+", default=["smart"])
    ap.add_argument("--eta-sweep", nargs="+", type=float, default=None, metavar="ETA")
    ap.add_argument("--md", default="md(eta={eta},rollouts=300)",
                    help="MD spec template for --eta-sweep")
    ap.add_argument("--out", required=True, help="output directory (games.csv, report.md, png)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads per worker")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="summarise the CSV, play nothing")
    ap.add_argument("--extra-csv", nargs="*", default=[],
                    help="more games.csv files (same decks) to include in the report")
    args = ap.parse_args(argv)
    if not 2 <= args.players <= 5:
        ap.error("--players must be in 2..5")
    if args.games < 1 or args.workers < 1 or args.threads < 1:
        ap.error("--games, --workers and --threads must be >= 1")
    specs = list(args.agents)
    etas: list[float] = []
    if args.eta_sweep:
        if "{eta}" not in args.md:
            ap.error("--md must contain {eta}")
        etas = list(args.eta_sweep)
        specs = specs + [args.md.format(eta=e) for e in etas]
    for s in specs:
        try:
            resolve(s)
        except SpecError as err:    # the problem named, before any game
            ap.error(str(err))
    os.makedirs(args.out, exist_ok=True)
    out_csv = os.path.join(args.out, "games.csv")
    if args.report_only:
        rows = read_rows(out_csv)
    else:
        rows = run_games(specs, args.players, args.games, args.seed, out_csv, args.workers,
                         args.resume, args.threads)
    for extra in args.extra_csv:
        more = read_rows(extra)
        rows = rows + more
        specs = specs + [r["agent"] for r in more if r["agent"] not in specs]
        specs = list(dict.fromkeys(specs))
    summary = summarize(rows, specs, args.players)
    text = markdown(summary, args.players)
    cmd = "python -m eval.hanabi " + " ".join(
        f"'{a}'" if ("(" in a or " " in a) else a for a in (argv if argv is not None
                                                             else sys.argv[1:]))
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(text + "\n\nCommand: `" + cmd + "`\n")
    print(text)
    if summary:
        plot_scores(summary, os.path.join(args.out, "scores.png"), args.players)
    if etas:
        bp = next((r for r in summary if is_blueprint(r["agent"])), None)
        plot_sweep(etas, summary, specs[len(args.agents):], os.path.join(args.out, "eta_sweep.png"),
                   bp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
