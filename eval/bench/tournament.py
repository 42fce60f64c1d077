"""Benchmark of the tournament backends: the same tournament on each backend, side by side.

One step: play one fixed tournament (default: a Kuhn poker round robin and 2p Hanabi cross-play
of the rule-based bots) on the serial backend, the local process pool and optionally Ray, in
this process one after the other; check that every backend produced the same game results
(timings aside) and print wall time, games per second and the speed-up over serial.

    python -m uedtp.eval.bench.tournament                 # serial vs local x2
    python -m uedtp.eval.bench.tournament --ray           # also the Ray backend (local instance)
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time

from uedtp.eval.cli import ArgumentParser, positive_int
from uedtp.eval.runs.backends import default_workers
from uedtp.eval.tournament.config import Section, TournamentConfig
from uedtp.eval.tournament.run import run_tournament

TIMING = ("move_seconds", "seconds")


def bench_config(games: int) -> TournamentConfig:
    sections = [Section("kuhn_poker", ("uniform", "cfr(iters=500)", "mmd(exact=true)",
                                       "mcts(simulations=100)"), "round-robin", games),
                Section("hanabi(players=2)", ("smartbot", "holmesbot", "simplebot",
                                              "hle-simple"), "cross-play", games)]
    return TournamentConfig(tuple(sections), seed=0)


def results_of(records: list[dict]) -> list[dict]:
    return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in records),
                  key=lambda r: r["key"])


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m uedtp.eval.bench.tournament",
                            description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=positive_int, default=60, help="games per seating")
    parser.add_argument("--workers", type=positive_int, default=default_workers())
    parser.add_argument("--ray", action="store_true", help="also run the Ray backend")
    args = parser.parse_args(argv)
    if args.ray and importlib.util.find_spec("ray") is None:
        parser.error("argument --ray: the ray package is not installed (pip install ray)")
    config = bench_config(args.games)
    runs = [("serial", "serial", 1), (f"local x{args.workers}", "local", args.workers)]
    if args.ray:
        runs.append((f"ray x{args.workers}", "ray", args.workers))
    rows, reference = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for label, backend, workers in runs:
            start = time.perf_counter()
            result = run_tournament(config, os.path.join(tmp, label.replace(" ", "_")),
                                    backend=backend, workers=workers, progress=False,
                                    plots=False)
            seconds = time.perf_counter() - start
            same = reference is None or results_of(result.records) == reference
            reference = reference or results_of(result.records)
            rows.append((label, result.played, seconds, same))
    base = rows[0][2]
    print(f"tournament: {len(reference or [])} games ({', '.join(s.game for s in config.sections)}"
          f"), {os.cpu_count()} cores")
    print("| backend | games | wall s | games/s | speed-up vs serial | same results |")
    print("|---|---|---|---|---|---|")
    for label, played, seconds, same in rows:
        print(f"| {label} | {played} | {seconds:.2f} | {played / seconds:.0f} | "
              f"{base / seconds:.2f}x | {'yes' if same else 'NO'} |")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
