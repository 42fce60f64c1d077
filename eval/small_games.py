"""Exact evaluation of update-equivalent search in small games, and its iterated dynamics.

One iteration: run exact-mode search (full posterior, exact action values) at every information
state against the current blueprint, freeze the result into a tabular policy, report its
exploitability (two-player zero-sum) or expected common payoff (cooperative), and use it as the
next blueprint. With every player searching, this *is* the replicated last-iterate learner, so
the printed curve is the learner's last-iterate dynamics.

Example:
    python -m uedtp.eval.small_games --game kuhn_poker --update mmd --schedule sqrt --iterations 500
    python -m uedtp.eval.small_games --game tiny_hanabi --update md --eta 0.5 --iterations 150
"""
from __future__ import annotations

import csv
import math
import sys
import time
from typing import Callable, Iterator

import numpy as np
import pyspiel
from open_spiel.python.algorithms import expected_game_score, exploitability

from uedtp.agents.tabular import TabularAgent, tabulate
from uedtp.agents.uniform import UniformAgent
from uedtp.eval.cli import (ArgumentParser, exact_game, non_negative_float, output_file,
                            positive_float, positive_int, run)
from uedtp.envs.openspiel_games import GameError, is_common_payoff, is_two_player_zero_sum, load_game
from uedtp.search.update_equivalent.global_update import global_update
from uedtp.search.update_equivalent.local_updates import Greedy, LocalUpdate, MagneticMirrorDescent, MirrorDescent
from uedtp.search.update_equivalent.openspiel import build_search

Schedule = Callable[[int], tuple[float, float]]


def make_schedule(name: str, eta: float, alpha: float) -> Schedule:
    """(eta_t, alpha_t) for iteration t = 1, 2, ...: constant, or both annealed as 1/sqrt(t)."""
    if name == "constant":
        return lambda t: (eta, alpha)
    if name == "sqrt":
        return lambda t: (eta / math.sqrt(t), alpha / math.sqrt(t))
    raise ValueError(f"unknown schedule {name!r}; choose 'constant' or 'sqrt'")


def make_update(kind: str, eta: float, alpha: float) -> LocalUpdate:
    if kind == "md":
        return MirrorDescent(eta)
    if kind == "mmd":
        return MagneticMirrorDescent(eta, alpha)
    if kind == "greedy":
        return Greedy()
    raise ValueError(f"unknown update {kind!r}; choose md, mmd or greedy")


def evaluate(game: pyspiel.Game, policy: TabularAgent) -> tuple[str, float]:
    """Exploitability for 2p zero-sum games, expected common payoff otherwise."""
    tabular = policy.to_openspiel(game)
    if is_two_player_zero_sum(game):
        return "exploitability", float(exploitability.exploitability(game, tabular))
    values = expected_game_score.policy_value(game.new_initial_state(),
                                              [tabular] * game.num_players())
    return "expected return", float(values[0])


def iterate(game: pyspiel.Game, update_kind: str, schedule: Schedule, iterations: int,
            every: int, check_global: bool = False
            ) -> Iterator[tuple[int, str, float, float, float]]:
    """Yield (iteration, metric name, value, seconds, max |search - global|) rows."""
    blueprint = tabulate(game, UniformAgent())
    name, value = evaluate(game, blueprint)
    yield 0, name, value, 0.0, float("nan")
    for t in range(1, iterations + 1):
        eta, alpha = schedule(t)
        update = make_update(update_kind, eta, alpha)
        start = time.perf_counter()
        search = build_search(game, update, blueprint, exact=True, max_nodes=10**7)
        searched = tabulate(game, search)
        seconds = time.perf_counter() - start
        gap = float("nan")
        if check_global:
            reference = global_update(game, blueprint, update)
            gap = max(abs(searched.table[k][a] - reference[k][a])
                      for k in reference for a in reference[k])
        blueprint = searched
        if t % every == 0 or t == iterations:
            name, value = evaluate(game, blueprint)
            yield t, name, value, seconds, gap


PROG = "python -m uedtp.eval.small_games"


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--game", type=exact_game, default="kuhn_poker",
                        help="OpenSpiel game small enough for exact search")
    parser.add_argument("--update", default="mmd", choices=["md", "mmd", "greedy"])
    parser.add_argument("--eta", type=positive_float, default=1.0)
    parser.add_argument("--alpha", type=non_negative_float, default=1.0)
    parser.add_argument("--schedule", default="sqrt", choices=["constant", "sqrt"])
    parser.add_argument("--iterations", type=positive_int, default=200)
    parser.add_argument("--every", type=positive_int, default=20,
                        help="evaluate every N iterations")
    parser.add_argument("--check-global", action="store_true",
                        help="also compute the global update and print max |search - global|")
    parser.add_argument("--csv", type=output_file(),
                        help="write the rows to this CSV file as they are produced")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    game = load_game(args.game)
    if args.update == "mmd" and not is_two_player_zero_sum(game):
        raise GameError(f"MMD search needs a two-player zero-sum game; {args.game} is not")
    if args.update == "md" and not is_common_payoff(game):
        raise GameError(f"MD search needs a common-payoff game; {args.game} is not")
    schedule = make_schedule(args.schedule, args.eta, args.alpha)
    make_update(args.update, *schedule(1))
    out = open(args.csv, "w", newline="") if args.csv else None
    writer = csv.writer(out) if out else None
    if writer:
        writer.writerow(["iteration", "metric", "value", "search_seconds", "max_gap_to_global"])
    print(f"| iteration | metric | value | search s/iteration | max abs(search - global) |")
    print("|---|---|---|---|---|")
    try:
        for row in iterate(game, args.update, schedule, args.iterations, args.every,
                           args.check_global):
            t, name, value, seconds, gap = row
            print(f"| {t} | {name} | {value:.6f} | {seconds:.3f} | {gap:.2e} |", flush=True)
            if writer is not None and out is not None:
                writer.writerow(row)
                out.flush()
    finally:
        if out:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
