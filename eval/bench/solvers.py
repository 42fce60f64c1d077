"""Benchmark: our tree solvers vs OpenSpiel's CFR / CFR+ / MCCFR / MMD, side by side in one process.

For every game and system: build the solver (timed as setup; our solvers reuse the game's
compiled tree, whose one-off compile time is printed with the game), then run iterations until
either ``--iterations`` are done or ``--budget`` wall-clock seconds have passed (timed in CPU
seconds of this process, which is robust to other load on the machine, and in wall seconds),
then measure the exploitability of the policy the method is meant to be judged by (average
policy for CFR-family and MCCFR, current policy for MMD) with uedtp.search.cfr.best_response (the same
function for every system; it equals OpenSpiel's to 1e-9). Prints one Markdown table per game
with per-iteration speed-ups against OpenSpiel's C++ CFR+ and Python CFR.

Example:
    python -m uedtp.eval.bench.solvers                       # kuhn, leduc, 2x2 and 2x3 abrupt dark hex
    python -m uedtp.eval.bench.solvers --games leduc_poker --iterations 1000 --budget 30
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from typing import Any, Callable

import pyspiel
from open_spiel.python.algorithms import cfr as os_cfr
from open_spiel.python.algorithms import mmd_dilated

from uedtp.envs.openspiel_games import GameError, load_game, require_two_player_zero_sum
from uedtp.envs.tree_compile import cached_game_tree
from uedtp.eval.cli import ArgumentParser, exact_game, output_file, positive_float, positive_int, run
from uedtp.search.cfr.best_response import TreeEvaluator
from uedtp.search.cfr.cfr import CFRPlusSolver, CFRSolver
from uedtp.search.cfr.dcfr import DCFRSolver, LinearCFRSolver
from uedtp.search.cfr.mccfr import ExternalSamplingMCCFRSolver, OutcomeSamplingMCCFRSolver
from uedtp.search.cfr.mmd import MMDSolver
from uedtp.search.cfr.pcfr import PCFRPlusSolver
from uedtp.search.cfr.tree_policy import policy_to_slots

DEFAULT_GAMES = ("kuhn_poker", "leduc_poker", "dark_hex(board_size=2,gameversion=adh)",
                 "dark_hex(num_rows=2,num_cols=3,gameversion=adh)")
REF_CPP = "OpenSpiel C++ CFR+"
REF_PY = "OpenSpiel Python CFR"


@dataclasses.dataclass
class Result:
    game: str
    system: str
    iterations: int
    setup_s: float
    ms_per_iter: float          # CPU time of this process per iteration
    wall_ms_per_iter: float
    exploitability: float
    judged: str


class System:
    """One solver under test: ``make(game)`` returns (step, policy) callables."""

    def __init__(self, name: str, make: Callable[[pyspiel.Game], tuple[Callable[[], None],
                                                                        Callable[[], Any]]],
                 judged: str = "average", ours: bool = True) -> None:
        self.name, self.make, self.judged, self.ours = name, make, judged, ours


def _ours(cls: Callable[..., Any], average: bool = True, **kw: Any) -> Callable:
    def make(game: pyspiel.Game) -> tuple[Callable[[], None], Callable[[], Any]]:
        solver = cls(game, **kw)
        policy = solver.average_policy_array if average else solver.current_policy_array
        return solver.update, policy
    return make


def _os_python(cls: Callable[..., Any]) -> Callable:
    def make(game: pyspiel.Game) -> tuple[Callable[[], None], Callable[[], Any]]:
        solver = cls(game)
        return solver.evaluate_and_update_policy, solver.average_policy
    return make


def _os_cpp(cls: Callable[..., Any]) -> Callable:
    def make(game: pyspiel.Game) -> tuple[Callable[[], None], Callable[[], Any]]:
        solver = cls(game)
        return solver.evaluate_and_update_policy, \
            lambda: solver.tabular_average_policy().policy_table()
    return make


def _os_mccfr(game: pyspiel.Game) -> tuple[Callable[[], None], Callable[[], Any]]:
    solver = pyspiel.ExternalSamplingMCCFRSolver(game, 1)
    return solver.run_iteration, lambda: solver.average_policy()


def _os_mmd(game: pyspiel.Game) -> tuple[Callable[[], None], Callable[[], Any]]:
    solver = mmd_dilated.MMDDilatedEnt(game, alpha=0.05)
    return solver.update_sequences, solver.get_policies


SYSTEMS = [
    System("ours CFR", _ours(CFRSolver)),
    System("ours CFR+", _ours(CFRPlusSolver)),
    System("ours DCFR(1.5,0,2)", _ours(DCFRSolver)),
    System("ours linear CFR", _ours(LinearCFRSolver)),
    System("ours PCFR+", _ours(PCFRPlusSolver)),
    System("ours MMD (moving magnet)", _ours(MMDSolver.moving_magnet, average=False),
           judged="current"),
    System("ours ES-MCCFR", _ours(ExternalSamplingMCCFRSolver, seed=1)),
    System("ours OS-MCCFR", _ours(OutcomeSamplingMCCFRSolver, seed=1)),
    System(REF_PY, _os_python(os_cfr.CFRSolver), ours=False),
    System("OpenSpiel Python CFR+", _os_python(os_cfr.CFRPlusSolver), ours=False),
    System("OpenSpiel C++ CFR", _os_cpp(pyspiel.CFRSolver), ours=False),
    System(REF_CPP, _os_cpp(pyspiel.CFRPlusSolver), ours=False),
    System("OpenSpiel C++ ES-MCCFR", _os_mccfr, ours=False),
    System("OpenSpiel Python MMDDilatedEnt(alpha=0.05)", _os_mmd, judged="current", ours=False),
]


def run_one(game: pyspiel.Game, system: System, iterations: int, budget: float,
            evaluator: TreeEvaluator) -> Result:
    t0 = time.perf_counter()
    step, policy = system.make(game)
    setup = time.perf_counter() - t0
    done = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while done < iterations:
        step()
        done += 1
        if time.perf_counter() - t0 > budget:
            break
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    probs = policy_to_slots(evaluator.tree, policy(), game, name=system.name)
    expl = evaluator.exploitability(probs)
    return Result(str(game), system.name, done, setup, 1e3 * cpu / done, 1e3 * wall / done, expl,
                  system.judged)


def markdown(results: list[Result], headers: dict[str, str]) -> str:
    """One table per game; speed-ups are OpenSpiel's CPU ms/iteration over the system's."""
    lines = []
    for game in dict.fromkeys(r.game for r in results):
        rows = [r for r in results if r.game == game]
        ref = {r.system: r.ms_per_iter for r in rows}
        lines += [f"\n### {game}\n", headers.get(game, ""), "",
                  "| system | iterations | setup s | CPU ms/iteration | wall ms/iteration | "
                  "exploitability | policy | × vs OpenSpiel C++ CFR+ | "
                  "× vs OpenSpiel Python CFR |",
                  "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
        for r in rows:
            cpp = f"{ref[REF_CPP] / r.ms_per_iter:.1f}" if REF_CPP in ref else "–"
            py = f"{ref[REF_PY] / r.ms_per_iter:.1f}" if REF_PY in ref else "–"
            lines.append(f"| {r.system} | {r.iterations} | {r.setup_s:.2f} | "
                         f"{r.ms_per_iter:.4g} | {r.wall_ms_per_iter:.4g} | "
                         f"{r.exploitability:.3g} | {r.judged} | {cpp} | {py} |")
    return "\n".join(lines)


def solver_game(text: str) -> str:
    """argparse type: a two-player zero-sum game small enough to compile (``exact_game``)."""
    exact_game(text)
    try:
        require_two_player_zero_sum(load_game(text), "the solver benchmark")
    except GameError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


PROG = "python -m uedtp.eval.bench.solvers"


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", type=solver_game, default=list(DEFAULT_GAMES))
    parser.add_argument("--iterations", type=positive_int, default=1000,
                        help="iterations per system (fewer if the time budget runs out)")
    parser.add_argument("--budget", type=positive_float, default=20.0,
                        help="seconds of iterating per system and game")
    parser.add_argument("--systems", nargs="*", default=None,
                        help="substrings selecting systems (default: all)")
    parser.add_argument("--json", type=output_file(create_folders=True), default=None,
                        help="also write the results to this file")
    args = parser.parse_args(argv)
    systems = [s for s in SYSTEMS
               if not args.systems or any(x.lower() in s.name.lower() for x in args.systems)]
    if not systems:
        parser.error(f"no system matches {args.systems}")
    results: list[Result] = []
    headers: dict[str, str] = {}
    for game_string in args.games:
        game = load_game(game_string)
        tree = cached_game_tree(game)          # our solvers below reuse this compiled tree
        stats = tree.stats()
        headers[str(game)] = (f"{stats['histories']:,} histories, {stats['infosets']:,} "
                              f"infosets; tree compiled once in {stats['build_seconds']:.2f} s "
                              f"({stats['memory_mb']:.1f} MB)")
        print(f"# {game}: {headers[str(game)]}", file=sys.stderr)
        evaluator = TreeEvaluator(tree)
        for system in systems:
            r = run_one(game, system, args.iterations, args.budget, evaluator)
            print(f"  {system.name:45s} {r.iterations:6d} it  {r.ms_per_iter:10.4f} CPU ms/it  "
                  f"expl {r.exploitability:.4g}", file=sys.stderr)
            results.append(r)
    print(markdown(results, headers))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump([dataclasses.asdict(r) for r in results], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
