"""Command line for agent tournaments: ``python -m eval.tournament``.

One step: turn the arguments into a ``TournamentConfig`` (or the default demo), run it with
``eval.tournament.run.run_tournament`` and print the Markdown results table.

Examples::

    python -m eval.tournament                           # the default demo (about a minute)
    python -m eval.tournament --list-agents             # every agent spec, parameters, games
    python -m eval.tournament --game kuhn_poker --agents uniform "mmd(exact=true)" \\
        "mcts(simulations=100)" --games 200 --workers 2 --out results/kuhn
    python -m eval.tournament --game "hanabi(players=2)" --agents smartbot holmesbot hle-simple
    python -m eval.tournament --game leduc_poker --format gauntlet --challengers "mmd" \\
        --agents uniform "mcts(simulations=50)"
    python -m eval.tournament --resume --out results/kuhn ...   # same arguments as the first run

Several ``--game`` options make several sections: give one ``--agents`` list for all of them or
one per game (in the same order); likewise ``--format`` and ``--challengers``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys

from eval.specs import describe_agents
from envs.games import make_game
from eval.tournament.backends import BACKENDS
from eval.tournament.config import FORMATS, ConfigError, Section, TournamentConfig
from eval.tournament.ratings import RatingError
from eval.tournament.play import GameFailure
from eval.tournament.run import run_tournament
from eval.tournament.store import StoreError

DEFAULT_KUHN = Section("kuhn_poker", ("uniform", "cfr(solver=cfr+,iters=1000)",
                                      "mmd(eta=50.0,alpha=0.01,exact=true)",
                                      "ismcts(simulations=100)"), "round-robin", 300)
DEFAULT_HANABI_AGENTS = ("smartbot", "holmesbot", "valuebot", "simplebot", "hle-simple")


def default_config(seed: int = 0) -> TournamentConfig:
    """The demo: a seat-swapped Kuhn poker round robin, plus 2p Hanabi self-play and cross-play
    of the rule-based bots and the HLE SimpleAgent."""
    sections = [DEFAULT_KUHN,
                Section("hanabi(players=2)", DEFAULT_HANABI_AGENTS, "cross-play", 100)]
    return TournamentConfig(tuple(sections), seed=seed)


def _per_game(name: str, values: list, count: int, default: object) -> list:
    if not values:
        return [default] * count
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise ConfigError(f"give {name} once for all games or once per --game "
                          f"({count} games, {len(values)} {name} options)")
    return values


def config_from_args(args: argparse.Namespace) -> TournamentConfig:
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as err:
            raise ConfigError(f"cannot read configuration file {args.config!r}: {err}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"configuration file {args.config!r} must hold a JSON object")
        # an output directory's config.json wraps the configuration with its fingerprint
        return TournamentConfig.from_dict(data.get("config", data))
    if not args.game:
        if args.agents or args.challengers:
            raise ConfigError("--agents and --challengers need --game")
        config = default_config(args.seed)
        if args.games is not None:
            config = TournamentConfig(tuple(Section(s.game, s.agents, s.format, args.games,
                                                    s.challengers) for s in config.sections),
                                      config.seed, config.max_moves)
        return config
    if not args.agents:
        raise ConfigError("--game needs --agents (one or more agent specs)")
    count = len(args.game)
    agents = _per_game("--agents", args.agents, count, ())
    formats = _per_game("--format", args.format or [], count, "auto")
    challengers = _per_game("--challengers", args.challengers or [], count, [])
    sections = tuple(Section(g, tuple(a), f, args.games or 100, tuple(c))
                     for g, a, f, c in zip(args.game, agents, formats, challengers))
    return TournamentConfig(sections, seed=args.seed, max_moves=args.max_moves)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval.tournament", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Agent specs: python -m eval.tournament --list-agents")
    parser.add_argument("--game", action="append", help="game string (repeat for sections): "
                        "hanabi(players=2,...) = native engine, anything else = OpenSpiel")
    parser.add_argument("--agents", action="append", nargs="+", metavar="SPEC",
                        help="agent specs of a section (once, or once per --game)")
    parser.add_argument("--challengers", action="append", nargs="+", metavar="SPEC",
                        help="gauntlet challengers (each plays every field agent)")
    parser.add_argument("--format", action="append", choices=FORMATS,
                        help="auto (default): cross-play for cooperative games, round-robin "
                        "(gauntlet with --challengers) otherwise")
    parser.add_argument("--games", type=int, help="games per seating (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="tournament seed (default 0)")
    parser.add_argument("--max-moves", type=int, default=10_000,
                        help="a game longer than this is an error")
    parser.add_argument("--config", help="JSON configuration file (as in an output's config.json "
                        "'config' entry) instead of --game/--agents")
    parser.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    parser.add_argument("--backend", choices=BACKENDS, default="local")
    parser.add_argument("--ray-address", help="Ray cluster address (with --backend ray)")
    parser.add_argument("--out", help="output directory (default results/tournament/<time>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the interrupted tournament in --out")
    parser.add_argument("--ci", choices=("hessian", "bootstrap"), default="hessian",
                        help="how rating confidence intervals are computed")
    parser.add_argument("--bootstrap-samples", type=int, default=200)
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--list-agents", action="store_true",
                        help="describe every agent spec (for --game GAME: mark unsupported)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.list_agents:
            game = make_game(args.game[0]) if args.game else None
            print(describe_agents(game))
            return 0
        if args.resume and not args.out:
            raise ConfigError("--resume needs --out (the directory of the interrupted run)")
        config = config_from_args(args)
        out = args.out or os.path.join(
            "results", "tournament", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
        result = run_tournament(config, out, resume=args.resume, backend=args.backend,
                                workers=args.workers, ray_address=args.ray_address,
                                progress=not args.no_progress, plots=not args.no_plots,
                                ci=args.ci, bootstrap_samples=args.bootstrap_samples)
    except (ConfigError, StoreError, RatingError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except GameFailure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        print(f"\n{err}", file=sys.stderr)
        return 130
    print(result.markdown)
    print(f"results: {result.directory} (report.md, summary.json, games.jsonl, CSV"
          f"{', PNG' if not args.no_plots else ''}); played {result.played} new games",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
