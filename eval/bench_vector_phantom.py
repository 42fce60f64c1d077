"""Side-by-side speed of ``PhantomBatch`` (native kernels) vs its former numpy implementation.

One measured step is what the neural loops do per ply on all live games: ``legal_mask``,
``information_state_tensor`` of the movers and ``apply`` of one random legal action per row.
The random actions are drawn once (uniform over legal cells, fixed seed) and replayed
identically on both systems; the final arrays of the two systems are compared, and the script
stops if they differ. The baseline is ``envs/vector_phantom.py`` as of git revision
``--baseline-rev`` (the last numpy version), loaded from git into this process.

Example::

    python -m eval.bench_vector_phantom --n 256 4096
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

from envs import vector_phantom

BASELINE_REV = "3b349f3a3ae4271dde319000564e19f7ee094a46"
GAMES = {"PTTT": "phantom_ttt", "ADH": "dark_hex(board_size=3,gameversion=adh)",
         "CDH": "dark_hex(board_size=3,gameversion=cdh)"}
FIELDS = ("board", "stones", "view", "seq", "seq_len", "current", "done", "winner", "hist",
          "hist_len")


def load_baseline(rev: str) -> types.ModuleType:
    """The numpy ``envs.vector_phantom`` of git revision ``rev`` as a fresh module."""
    root = Path(__file__).resolve().parents[1]
    src = subprocess.run(["git", "show", f"{rev}:envs/vector_phantom.py"], cwd=root,
                         check=True, capture_output=True, text=True).stdout
    mod = types.ModuleType("vector_phantom_numpy_baseline")
    sys.modules[mod.__name__] = mod             # dataclasses need the module registered
    exec(compile(src, f"{rev[:8]}:envs/vector_phantom.py", "exec"), mod.__dict__)
    return mod


def script(game: str, n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(live rows, uniform random legal actions) per ply until every game has ended."""
    rng = np.random.default_rng(seed)
    batch = vector_phantom.PhantomBatch(game, n)
    plies = []
    while True:
        live = batch.live_rows()
        if len(live) == 0:
            return plies
        mask = batch.legal_mask(live)
        acts = np.argmax(np.where(mask, rng.random(mask.shape), -1.0), axis=1)
        batch.apply(live, acts)
        plies.append((live, acts))


def run(cls, game: str, n: int, plies) -> tuple[float, object]:
    """Seconds to replay ``plies`` (mask + tensor + apply per ply) on a new batch of ``cls``."""
    batch = cls(game, n)
    start = time.perf_counter()
    for rows, acts in plies:
        batch.legal_mask(rows)
        batch.information_state_tensor(rows)
        batch.apply(rows, acts)
    return time.perf_counter() - start, batch


def run_apply(cls, game: str, n: int, plies) -> float:
    batch = cls(game, n)
    start = time.perf_counter()
    for rows, acts in plies:
        batch.apply(rows, acts)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[256, 4096], help="games per batch")
    p.add_argument("--games", nargs="+", default=["PTTT", "ADH"], choices=sorted(GAMES))
    p.add_argument("--repeats", type=int, default=5, help="best of this many timings")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--baseline-rev", default=BASELINE_REV)
    args = p.parse_args(argv)
    if min(args.n) <= 0 or args.repeats <= 0:
        raise SystemExit("--n and --repeats must be positive")
    old = load_baseline(args.baseline_rev).PhantomBatch
    new = vector_phantom.PhantomBatch
    print(f"baseline: numpy PhantomBatch at {args.baseline_rev[:10]}; best of {args.repeats}; "
          "steps = row-moves applied")
    print("| game | n | plies | steps | numpy full steps/s | native full steps/s | ratio "
          "| numpy apply steps/s | native apply steps/s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.games:
        game = GAMES[name]
        old(game, 1), new(game, 1)                  # build tables outside the timings
        for n in args.n:
            plies = script(game, n, args.seed)
            steps = sum(len(r) for r, _ in plies)
            t_old = t_new = a_old = a_new = float("inf")
            for _ in range(args.repeats):
                t, b_old = run(old, game, n, plies)
                t_old = min(t_old, t)
                t, b_new = run(new, game, n, plies)
                t_new = min(t_new, t)
                a_old = min(a_old, run_apply(old, game, n, plies))
                a_new = min(a_new, run_apply(new, game, n, plies))
            for f in FIELDS:
                if not np.array_equal(getattr(b_old, f), getattr(b_new, f)):
                    raise SystemExit(f"{name} n={n}: field {f} differs between the systems")
            print(f"| {name} | {n} | {len(plies)} | {steps} | {steps / t_old:,.0f} "
                  f"| {steps / t_new:,.0f} | {t_old / t_new:.1f}x | {steps / a_old:,.0f} "
                  f"| {steps / a_new:,.0f} | {a_old / a_new:.1f}x |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
