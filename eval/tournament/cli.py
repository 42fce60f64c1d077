"""Command line for agent tournaments: ``python -m uedtp.eval.tournament``.

One step: turn the arguments into a ``TournamentConfig`` (or the default demo), run it with
``uedtp.eval.tournament.run.run_tournament`` and print the Markdown results table.

Examples::

    python -m uedtp.eval.tournament                           # the default demo (about a minute)
    python -m uedtp.eval.tournament --list-agents             # every agent spec, parameters, games
    python -m uedtp.eval.tournament --game kuhn_poker --agents uniform "mmd(exact=true)" \\
        "mcts(simulations=100)" --games 200 --workers 2 --out results/kuhn
    python -m uedtp.eval.tournament --game "hanabi(players=2)" --agents smartbot holmesbot hle-simple
    python -m uedtp.eval.tournament --game leduc_poker --format gauntlet --challengers "mmd" \\
        --agents uniform "mcts(simulations=50)"
    python -m uedtp.eval.tournament --resume --out results/kuhn       # continue it (stored config)

Several ``--game`` options make several sections: give one ``--agents`` list for all of them or
one per game (in the same order); likewise ``--format`` and ``--challengers``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import sys

from uedtp.eval.cli import ArgumentParser, add_backend_arguments, check_backend_arguments, message
from uedtp.eval.specs import describe_agents
from uedtp.envs.games import make_game
from uedtp.eval.tournament.config import FORMATS, ConfigError, Section, TournamentConfig, validate
from uedtp.eval.tournament.ratings import RatingError
from uedtp.eval.tournament.play import GameFailure
from uedtp.eval.tournament.run import run_tournament
from uedtp.eval.runs.processes import resume_message, stop_on_signals
from uedtp.eval.tournament.store import StoreError, stored_config

PROG = "python -m uedtp.eval.tournament"
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


SECTION_FLAGS = {"game": "--game", "agents": "--agents", "format": "--format",
                 "games": "--games", "challengers": "--challengers"}


def check_counts(args: argparse.Namespace) -> None:
    """Refuse meaningless counts (``--games 0``...) with one line naming the value."""
    for flag, value, minimum in (("--games", args.games, 1), ("--seed", args.seed, 0),
                                 ("--max-moves", args.max_moves, 1),
                                 ("--bootstrap-samples", args.bootstrap_samples, 1)):
        if value is not None and value < minimum:
            kind = "positive" if minimum == 1 else "non-negative"
            raise ConfigError(f"{flag} must be a {kind} integer, got {value}")
    check_backend_arguments(args)


def config_from_args(args: argparse.Namespace) -> TournamentConfig:
    seed = 0 if args.seed is None else args.seed
    max_moves = 10_000 if args.max_moves is None else args.max_moves
    if args.config:
        given = [flag for flag, value in (("--game", args.game), ("--agents", args.agents),
                                          ("--challengers", args.challengers),
                                          ("--format", args.format), ("--games", args.games),
                                          ("--seed", args.seed),
                                          ("--max-moves", args.max_moves)) if value is not None]
        if given:
            raise ConfigError(f"{', '.join(given)} cannot be combined with --config (the "
                              f"configuration file {args.config!r} sets them); edit the file")
        try:
            with open(args.config, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ConfigError(f"cannot read configuration file {args.config!r}: {err}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"configuration file {args.config!r} must hold a JSON object")
        # an output directory's config.json wraps the configuration with its fingerprint
        return TournamentConfig.from_dict(data.get("config", data))
    if not args.game:
        if args.agents or args.challengers:
            raise ConfigError("--agents and --challengers need --game")
        config = default_config(seed)
        if args.games is not None:
            config = TournamentConfig(tuple(Section(s.game, s.agents, s.format, args.games,
                                                    s.challengers) for s in config.sections),
                                      config.seed, max_moves)
        return dataclasses.replace(config, max_moves=max_moves)
    if not args.agents:
        raise ConfigError("--game needs --agents (one or more agent specs)")
    count = len(args.game)
    agents = _per_game("--agents", args.agents, count, ())
    formats = _per_game("--format", args.format or [], count, "auto")
    challengers = _per_game("--challengers", args.challengers or [], count, [])
    games = 100 if args.games is None else args.games
    sections = tuple(Section(g, tuple(a), f, games, tuple(c))
                     for g, a, f, c in zip(args.game, agents, formats, challengers))
    return TournamentConfig(sections, seed=seed, max_moves=max_moves)


def _differences(given: TournamentConfig, stored: TournamentConfig) -> list[str]:
    """The arguments in which ``given`` differs from ``stored``, as ``--flag value (stored: x)``."""
    out = []
    if given.seed != stored.seed:
        out.append(f"--seed {given.seed} (stored: {stored.seed})")
    if given.max_moves != stored.max_moves:
        out.append(f"--max-moves {given.max_moves} (stored: {stored.max_moves})")
    if len(given.sections) != len(stored.sections):
        out.append(f"{len(given.sections)} --game sections (stored: {len(stored.sections)})")
        return out
    for number, (mine, theirs) in enumerate(zip(given.sections, stored.sections), 1):
        a, b = mine.to_dict(), theirs.to_dict()
        for field, flag in SECTION_FLAGS.items():
            if a[field] != b[field]:
                where = f" in section {number}" if len(given.sections) > 1 else ""
                out.append(f"{flag} {_show(a[field])}{where} (stored: {_show(b[field])})")
    return out


def _show(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def resume_config(args: argparse.Namespace) -> TournamentConfig:
    """``--resume --out DIR``: the stored configuration; explicit arguments must agree with it."""
    stored = validate(stored_config(args.out))
    explicit = args.config or args.game or args.agents or args.challengers or args.format
    if explicit:
        given = validate(config_from_args(args))
    else:       # only scalar options: compare them with the stored values one by one
        given = TournamentConfig(tuple(dataclasses.replace(
            s, games=s.games if args.games is None else args.games) for s in stored.sections),
            stored.seed if args.seed is None else args.seed,
            stored.max_moves if args.max_moves is None else args.max_moves)
    if given.fingerprint() != stored.fingerprint():
        differences = _differences(given, stored) or ["the configuration"]
        raise ConfigError(
            f"cannot resume {args.out}: {'; '.join(differences)} would make it a different "
            f"tournament from the stored one; resume with just --resume --out {args.out} "
            "(the stored configuration is used) or choose another --out")
    return stored


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Agent specs: python -m uedtp.eval.tournament --list-agents")
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
    parser.add_argument("--seed", type=int, help="tournament seed (default 0)")
    parser.add_argument("--max-moves", type=int,
                        help="a game longer than this is an error (default 10000)")
    parser.add_argument("--config", help="JSON configuration file (as in an output's config.json "
                        "'config' entry) instead of --game/--agents")
    add_backend_arguments(parser)
    parser.add_argument("--out", help="output directory (default results/tournament/<time>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the interrupted tournament in --out (its stored "
                        "configuration; other arguments, if given, must agree with it)")
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
    out = args.out or ""
    try:
        if args.list_agents:
            game = make_game(args.game[0]) if args.game else None
            print(describe_agents(game))
            return 0
        check_counts(args)
        if args.resume and not args.out:
            raise ConfigError("--resume needs --out (the directory of the interrupted run)")
        config = resume_config(args) if args.resume else config_from_args(args)
        out = args.out or os.path.join(
            "results", "tournament", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
        with stop_on_signals():
            result = run_tournament(config, out, resume=args.resume, backend=args.backend,
                                    workers=args.workers, ray_address=args.ray_address,
                                    progress=not args.no_progress, plots=not args.no_plots,
                                    ci=args.ci, bootstrap_samples=args.bootstrap_samples)
    except (ConfigError, StoreError, RatingError, ValueError) as err:
        print(f"{parser.prog}: error: {message(err)}", file=sys.stderr)
        return 2
    except GameFailure as err:
        print(f"{parser.prog}: error: {message(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        text, code = resume_message(err, str(parser.prog), out)
        print(f"\n{text}", file=sys.stderr)
        return code
    print(result.markdown)
    print(f"results: {result.directory} (report.md, summary.json, games.jsonl, CSV"
          f"{', PNG' if not args.no_plots else ''}); played {result.played} new games",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
