"""MMD search vs decision-time subgame solving vs their blueprint (issue 5's comparison).

One comparison, small games: freeze every agent into a tabular policy by querying it at every
information state (``uedtp.agents.tabular.tabulate``), then compute its exact exploitability on the
compiled tree (``uedtp.search.cfr.best_response``), with the mean search time per information state.
Large games (3x3 Abrupt Dark Hex, Phantom TTT) have no exact exploitability: there the agents
meet in a seat-swapped round robin through the tournament layer (mean return ± s.e., time per
move), written as it is played and resumable.

Examples:
    python -m uedtp.eval.compare_search --small kuhn_poker leduc_poker "dark_hex(board_size=2,gameversion=adh)"
    python -m uedtp.eval.compare_search --large phantom_ttt --games 50 --out results/compare_pttt
"""
from __future__ import annotations

import sys
import time
from typing import Any

from uedtp.agents.tabular import tabulate
from uedtp.agents.uniform import UniformAgent
from uedtp.eval.cli import (ArgumentParser, exact_game, non_negative_float, openspiel_game, output_dir,
                            positive_float, positive_int, run)
from uedtp.envs.openspiel_games import load_game, require_two_player_zero_sum
from uedtp.search.cfr.best_response import exploitability
from uedtp.search.update_equivalent.mmd import mmd_search
from uedtp.search.subgame.agent import SubgameSolvingAgent

SMALL_DEFAULT = ["kuhn_poker", "leduc_poker", "dark_hex(board_size=2,gameversion=adh)"]
LARGE_AGENTS = ("uniform", "mmd(eta=50,alpha=0.01,histories=10)",
                "cfr-subgame(iters=50,max_public_histories=100,max_subgame_nodes=5000)")


class _Timed:
    """Counts the seconds spent in ``action_probabilities`` of the wrapped agent."""

    def __init__(self, agent: Any) -> None:
        self.agent, self.seconds, self.calls = agent, 0.0, 0

    def action_probabilities(self, state: Any) -> dict[int, float]:
        start = time.perf_counter()
        try:
            return self.agent.action_probabilities(state)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


def small_game_rows(game_string: str, iterations: int, eta: float, alpha: float
                    ) -> list[tuple[str, float, float]]:
    """(agent, exploitability, ms per information state) for the uniform blueprint and its searches."""
    game = load_game(game_string)
    require_two_player_zero_sum(game, "the search comparison")
    blueprint = UniformAgent()
    agents = {
        "uniform blueprint": blueprint,
        f"MMD search exact (eta={eta:g}, alpha={alpha:g})":
            mmd_search(game, eta, alpha, blueprint, exact=True, max_nodes=10**7),
        f"MMD search sampled (eta={eta:g}, alpha={alpha:g}, 10 histories)":
            mmd_search(game, eta, alpha, blueprint, num_histories=10, seed=0),
        f"subgame solving (CFR+ {iterations} it., resolve gadget)":
            SubgameSolvingAgent(game, blueprint, iterations=iterations, seed=0),
    }
    rows = []
    for name, agent in agents.items():
        timed = _Timed(agent)
        policy = tabulate(game, timed)
        rows.append((name, float(exploitability(game, policy)),
                     1000.0 * timed.seconds / max(timed.calls, 1)))
    return rows


PROG = "python -m uedtp.eval.compare_search"


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", nargs="*", default=None, type=exact_game,
                        help=f"small games for exact exploitability (default {SMALL_DEFAULT})")
    parser.add_argument("--large", nargs="*", default=[], type=openspiel_game,
                        help="large games for head-to-head play (e.g. phantom_ttt)")
    parser.add_argument("--eta", type=positive_float, default=1.0)
    parser.add_argument("--alpha", type=non_negative_float, default=1.0)
    parser.add_argument("--iterations", type=positive_int, default=200,
                        help="subgame CFR+ iterations")
    parser.add_argument("--games", type=positive_int, default=50,
                        help="games per seating (large games)")
    parser.add_argument("--out", type=output_dir, default="results/compare_search")
    parser.add_argument("--resume", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    small = SMALL_DEFAULT if args.small is None and not args.large else (args.small or [])
    for game_string in small:           # every game checked before the first is played
        require_two_player_zero_sum(load_game(game_string), "the search comparison")
    for game_string in small:
        print(f"\n### {game_string}: exact exploitability, uniform blueprint\n")
        print("| agent | exploitability | ms per information state |")
        print("|---|---:|---:|")
        for name, value, ms in small_game_rows(game_string, args.iterations, args.eta,
                                                args.alpha):
            print(f"| {name} | {value:.4f} | {ms:.2f} |", flush=True)
    if args.large:
        from uedtp.eval.tournament.config import Section, TournamentConfig
        from uedtp.eval.tournament.run import run_tournament
        sections = tuple(Section(g, LARGE_AGENTS, "round-robin", args.games)
                         for g in args.large)
        result = run_tournament(TournamentConfig(sections, seed=0), args.out,
                                resume=args.resume, workers=1, plots=False,
                                progress=sys.stderr.isatty())
        print(getattr(result, "markdown", ""))
    return 0

if __name__ == "__main__":
    sys.exit(main())
