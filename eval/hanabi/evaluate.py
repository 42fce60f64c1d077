"""Paired evaluation of Hanabi search agents (MD search, SPARTA, multi-agent SPARTA) against
their rule-based blueprint, on the native engine.

One step is one game: deal deck ``seed + g`` and let one agent object play every seat to the
end; its per-decision records (search time, rollouts, belief support, deviations, fallbacks)
are summarised into one record, appended to the results store (``uedtp.eval.runs.store``) and
fsynced at once. Every agent plays the same decks, so differences are paired (by deck seed).
Games run on a backend (``uedtp.eval.runs.backends``): ``--backend local`` (default) in ``--workers``
processes that die with this one (each single-threaded by default; on a shared 2-core machine
this beats OpenMP inside one process), ``--backend serial`` in this process, ``--backend ray``
as Ray tasks on a local instance or an existing cluster (``--ray-address auto``). A record
depends only on (agent, deck seed), so every backend gives the same scores, and a run started on
one backend resumes on any other. A progress bar (tqdm, stderr) counts the stored games.

Results directory (``--out``): ``config.json`` (players, seed, games, agents; the fingerprint is
that of the deck sequence: players and seed), ``games.jsonl`` (one record per (agent, deck
seed)), ``lock`` (held by the one writing run; a second is refused), ``report.md``,
``scores.png`` (and ``eta_sweep.png``). ``--resume --out DIR`` continues from the stored
configuration alone: a torn last record is dropped and replayed, a different ``--players`` or
``--seed`` is refused, a larger ``--games`` or more ``--agents`` extend the run on the same decks.
SIGTERM/SIGINT stop the run and print the command that resumes it.

The report (see ``uedtp.eval.hanabi.report``): per agent, mean score ± s.e., perfect-game %, search
time per move of a searching seat, rollouts, belief support, fallback %, and the paired
difference to the blueprint (the first plain bot among the agents). ``--report-only`` reports
every agent in the store (or only ``--agents`` when given) plus ``--extra-csv`` sources (result
directories, ``games.jsonl`` files or the ``games.csv`` of earlier versions), playing nothing.
``--eta-sweep`` evaluates MD search (``--md`` template with ``{eta}``) for several step sizes.

Agents are specs of ``uedtp.eval.specs`` (``python -m uedtp.eval.tournament --list-agents``):
``smart``/``holmes``/``simple``/``value`` (the rule-based blueprints), ``md(eta=...,rollouts=...)``,
``sparta(rollouts=...)``, ``sparta-joint(rollouts=...,max_range=...)``. Records are keyed by the
spec string as written.

Usage::

    python -m uedtp.eval.hanabi --players 2 --games 2000 --out results/hanabi_eval/main \\
        --agents smart "md(eta=3,rollouts=300)" "sparta(rollouts=3000)"
    python -m uedtp.eval.hanabi --games 300 --out results/hanabi_eval/sweep \\
        --eta-sweep 1 2 4 8 16 --md "md(eta={eta},rollouts=300)"
    python -m uedtp.eval.hanabi --resume --out results/hanabi_eval/main   # continue an interrupted run
    python -m uedtp.eval.hanabi --resume --out results/hanabi_eval/main --backend ray --ray-address auto
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from typing import Any

from uedtp.eval.cli import (ArgumentParser, UsageError, add_backend_arguments,
                            check_backend_arguments, message, output_dir)
from uedtp.eval.hanabi.report import (LEGACY_FILE, is_blueprint, markdown, merge, plot_scores,
                                      plot_sweep, read_legacy_csv, read_source, record_key, summarize)
from uedtp.eval.runs.backends import Backend, make_backend
from uedtp.eval.runs.processes import Interrupted, resume_message, stop_on_signals
from uedtp.eval.runs.store import (CONFIG_FILE, GAMES_FILE, RunStore, StoreError, load_config,
                                read_records)
from uedtp.eval.specs import SpecError, build_agent, pin_spec, resolve

KIND = "hanabi-eval"
COMMAND = "python -m uedtp.eval.hanabi"


def hanabi_game(players: int) -> str:
    """The game string the agents are built for."""
    return f"hanabi(players={players})"


def play_game(spec: str, players: int, game_index: int, seed: int,
              num_threads: int = 1) -> dict[str, Any]:
    """Play one seeded game with one agent object on every seat; return its record."""
    from uedtp.envs.hanabi.game import HanabiGame
    deck_seed = seed + game_index
    state = HanabiGame(players=players).new_initial_state(seed=deck_seed)
    agent = build_agent(spec, hanabi_game(players), seed=deck_seed * 7919 + 17,
                        num_threads=num_threads)
    while not state.is_terminal():
        state.apply_action(agent.act(state))
    recs = [r for r in getattr(agent, "decisions", []) if r.searched or r.fallback or r.skipped]
    searched = recs                 # decisions of searching seats (searched, skipped, fell back)
    return {
        "key": record_key(spec, deck_seed), "agent": spec, "players": players, "game": game_index, "deck_seed": deck_seed,
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


def fingerprint(players: int, seed: int) -> str:
    """The identity of a run's deck sequence: games of one store are dealt from it."""
    text = json.dumps({"players": players, "seed": seed}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_config(players: int, seed: int, games: int, agents: list[str],
               sweep: list[list[Any]] | None = None) -> dict[str, Any]:
    return {"players": players, "seed": seed, "games": games, "agents": list(agents),
            "sweep": [list(p) for p in (sweep or [])]}


def valid_keys(config: dict[str, Any]) -> list[str]:
    return [record_key(a, config["seed"] + g) for a in config["agents"]
            for g in range(config["games"])]


def check_agents(specs: list[str], players: int) -> None:
    """Every spec builds a Hanabi agent (fail fast, before any game)."""
    for spec in specs:
        try:
            build_agent(spec, hanabi_game(players), seed=0)
        except (SpecError, ValueError, TypeError, KeyError) as err:
            text = str(err)
            raise UsageError(text if spec in text else
                             f"agent {spec!r} cannot play {hanabi_game(players)}: {text}") from None


def run_games(config: dict[str, Any], directory: str, *, resume: bool = False,
              backend: "str | Backend" = "local", workers: int | None = 1,
              ray_address: str | None = None,
              num_threads: int = 1, progress: bool = True,
              stop_after: int | None = None) -> list[dict[str, Any]]:
    """Play every (agent, deck) of ``config`` not yet in the store on ``backend``
    (``uedtp.eval.runs.backends``: serial, local or ray, made here and closed when done, or an open
    backend, left open); append each finished game. Returns every record of the store.
    ``stop_after``: play at most that many (for tests)."""
    players, seed = config["players"], config["seed"]
    check_agents(config["agents"], players)
    store = RunStore.open(directory, KIND, config, fingerprint(players, seed), resume=resume,
                          valid_keys=valid_keys(config))
    tasks = [(spec, players, g, seed, num_threads) for g in range(config["games"])
             for spec in config["agents"] if record_key(spec, seed + g) not in store.keys]
    if stop_after is not None:
        tasks = tasks[:stop_after]
    total = len(config["agents"]) * config["games"]
    runner: Backend | None = None
    owned: Backend | None = None
    bar = None
    try:
        if tasks:
            if isinstance(backend, str):
                try:
                    runner = owned = make_backend(backend, workers if len(tasks) > 1 else 1,
                                                  ray_address)
                except ValueError as err:       # no ray package, an unreachable cluster
                    raise UsageError(str(err)) from None
            else:
                runner = backend
            if progress:
                from tqdm import tqdm
                bar = tqdm(total=total, initial=len(store.records), unit="game",
                           desc=f"games ({runner.name} x{runner.workers})", file=sys.stderr,
                           dynamic_ncols=True, smoothing=0.05)
            for _, record in runner.map_unordered(_task, tasks):
                store.append(record)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{record['agent']}: {record['score']}", False)
    except KeyboardInterrupt as err:
        raise Interrupted(getattr(err, "signum", 2),
                          f"interrupted after {len(store.records)} of {total} games") from None
    finally:
        if bar is not None:
            bar.close()
        if owned is not None:
            owned.close()
        store.close()
    return store.records


# ---- command line ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    ap = ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--players", type=int, help="2..5 (default 2)")
    ap.add_argument("--games", type=int, help="games per agent (default 100)")
    ap.add_argument("--seed", type=int, help="game g uses deck seed SEED + g (default 0)")
    ap.add_argument("--agents", nargs="+", help="agent specs (default: smart)")
    ap.add_argument("--eta-sweep", nargs="+", type=float, default=None, metavar="ETA")
    ap.add_argument("--md", default="md(eta={eta},rollouts=300)",
                    help="MD spec template for --eta-sweep")
    ap.add_argument("--out", required=True, type=output_dir,
                    help="results directory (config.json, games.jsonl, report.md, png)")
    add_backend_arguments(ap)
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads per worker")
    ap.add_argument("--resume", action="store_true",
                    help="continue the run stored in --out (its stored configuration; a larger "
                    "--games or more --agents extend it, another --players/--seed is refused)")
    ap.add_argument("--report-only", action="store_true",
                    help="report every agent stored in --out (or only --agents), play nothing")
    ap.add_argument("--extra-csv", nargs="*", default=[], metavar="PATH",
                    help="more results to include in the report: result directories, "
                    "games.jsonl files or games.csv files of earlier versions")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    return ap


def check_values(args: argparse.Namespace) -> None:
    """Refuse meaningless values with one line naming the value."""
    if args.players is not None and not 2 <= args.players <= 5:
        raise UsageError(f"--players must be in 2..5, got {args.players}")
    for flag, value, minimum in (("--games", args.games, 1), ("--threads", args.threads, 1),
                                 ("--seed", args.seed, 0)):
        if value is not None and value < minimum:
            kind = "positive" if minimum == 1 else "non-negative"
            raise UsageError(f"{flag} must be a {kind} integer, got {value}")
    check_backend_arguments(args)
    for eta in args.eta_sweep or []:
        if not eta > 0:
            raise UsageError(f"--eta-sweep values must be positive, got {eta}")
    if args.eta_sweep and "{eta}" not in args.md:
        raise UsageError(f"--md must contain {{eta}}, got {args.md!r}")
    if args.eta_sweep:
        try:
            args.md.format(eta=1.0)
        except (KeyError, IndexError, ValueError) as err:
            raise UsageError(f"--md {args.md!r} is not a template with only {{eta}} "
                             f"({type(err).__name__}: {err})") from None
    if args.resume and args.report_only:
        raise UsageError("--resume and --report-only exclude each other")


def requested(args: argparse.Namespace) -> tuple[list[str], list[list[Any]]]:
    """The agent specs and (eta, spec) sweep pairs named on the command line (checked)."""
    sweep = [[eta, args.md.format(eta=eta)] for eta in args.eta_sweep or []]
    specs = list(dict.fromkeys(list(args.agents or []) + [spec for _, spec in sweep]))
    for spec in specs:
        try:
            resolve(spec)
        except SpecError as err:    # the problem named, before any game
            raise UsageError(str(err)) from None
    return specs, sweep


def pinned(specs: list[str], sweep: list[list[Any]], players: int
           ) -> tuple[list[str], list[list[Any]]]:
    """The specs and sweep pairs with every omitted default path written in (``torch`` -> the
    game's default network), so the stored run names the network it played."""
    pins = {}
    for spec in specs:
        try:
            pins[spec] = pin_spec(spec, hanabi_game(players))
        except SpecError as err:
            text = str(err)
            raise UsageError(text if spec in text else f"agent {spec!r}: {text}") from None
    return ([pins[spec] for spec in specs],
            [[eta, pins.get(spec, spec)] for eta, spec in sweep])


def _union_sweep(a: list[list[Any]], b: list[list[Any]]) -> list[list[Any]]:
    seen = {spec for _, spec in a}
    return [list(p) for p in a] + [list(p) for p in b if p[1] not in seen]


def resolve_config(args: argparse.Namespace) -> dict[str, Any]:
    """The run to play: from the arguments, or on ``--resume`` from the stored configuration
    (explicit arguments must agree with it, or extend it)."""
    specs, sweep = requested(args)
    legacy = (os.path.isfile(os.path.join(args.out, LEGACY_FILE))
              and not os.path.isfile(os.path.join(args.out, CONFIG_FILE)))
    if legacy:
        raise StoreError(f"{args.out} holds a {LEGACY_FILE} of an earlier version of {COMMAND}, "
                         "which cannot be continued; report it with --report-only, or choose "
                         "another --out")
    if not args.resume:
        specs, sweep = pinned(specs, sweep, args.players or 2)
        return run_config(args.players or 2, args.seed or 0, args.games or 100,
                          specs or ["smart"], sweep)
    stored = load_config(args.out, KIND)["config"]
    specs, sweep = pinned(specs, sweep, stored["players"])
    conflicts = [f"{flag} {value} (stored: {stored[key]})"
                 for flag, key, value in (("--players", "players", args.players),
                                          ("--seed", "seed", args.seed))
                 if value is not None and value != stored[key]]
    if args.games is not None and args.games < stored["games"]:
        conflicts.append(f"--games {args.games} (stored: {stored['games']}; a resume may only "
                         "add games)")
    if conflicts:
        raise StoreError(f"cannot resume {args.out}: {'; '.join(conflicts)} conflicts with the "
                         f"stored run (decks {stored['seed']}..); resume with just --resume "
                         f"--out {args.out}, or choose another --out")
    agents = list(dict.fromkeys(list(stored["agents"]) + specs))
    return run_config(stored["players"], stored["seed"], max(args.games or 0, stored["games"]),
                      agents, _union_sweep(stored.get("sweep") or [], sweep))


def report_sources(args: argparse.Namespace) -> tuple[dict[str, Any] | None,
                                                      list[dict[str, Any]]]:
    """For ``--report-only``: the stored configuration of ``--out`` (if any) and every record of
    ``--out`` and ``--extra-csv``; nothing is locked or changed."""
    stored = None
    own: list[dict[str, Any]] = []
    if os.path.isfile(os.path.join(args.out, CONFIG_FILE)):
        stored = load_config(args.out, KIND)["config"]
    if os.path.isfile(os.path.join(args.out, GAMES_FILE)):
        own = read_records(os.path.join(args.out, GAMES_FILE), repair=False)
    elif os.path.isfile(os.path.join(args.out, LEGACY_FILE)):
        own = read_legacy_csv(os.path.join(args.out, LEGACY_FILE))
    return stored, own


def write_report(args: argparse.Namespace, argv: list[str] | None, records: list[dict[str, Any]],
                 specs: list[str], players: int, sweep: list[list[Any]]) -> str:
    """Summarise, print and write ``report.md`` and the plots into ``--out``."""
    summary = summarize(records, specs, players)
    text = markdown(summary, players)
    cmd = COMMAND + " " + " ".join(
        f"'{a}'" if ("(" in a or " " in a) else a for a in (argv if argv is not None
                                                             else sys.argv[1:]))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write(text + "\n\nCommand: `" + cmd + "`\n")
    if summary:
        plot_scores(summary, os.path.join(args.out, "scores.png"), players)
    if sweep:
        bp = next((r for r in summary if is_blueprint(r["agent"])), None)
        plot_sweep([e for e, _ in sweep], summary, [s for _, s in sweep],
                   os.path.join(args.out, "eta_sweep.png"), bp)
    return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_values(args)
        extras = [read_source(path) for path in args.extra_csv]
        if args.report_only:
            stored, own = report_sources(args)
            specs, sweep = requested(args)
            records = merge([own, *extras])
            if not records:
                raise UsageError(f"nothing to report: {args.out} holds no games and no "
                                 "--extra-csv was given")
            counts = sorted({int(r["players"]) for r in records})
            players = args.players or (stored or {}).get("players") or counts[0]
            specs, sweep = pinned(specs, sweep, players)
            if not specs:
                specs = list(dict.fromkeys(list((stored or {}).get("agents", []))
                                           + [r["agent"] for r in records]))
                sweep = (stored or {}).get("sweep") or []
        else:
            config = resolve_config(args)
            with stop_on_signals():
                own = run_games(config, args.out, resume=args.resume, backend=args.backend,
                                workers=args.workers, ray_address=args.ray_address,
                                num_threads=args.threads, progress=not args.no_progress)
            records = merge([own, *extras])
            players, sweep = config["players"], config["sweep"]
            specs = list(dict.fromkeys(config["agents"] + [r["agent"] for r in records]))
        print(write_report(args, argv, records, specs, players, sweep))
    except (UsageError, StoreError) as err:
        print(f"{COMMAND}: error: {message(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        text, code = resume_message(err, COMMAND, args.out)
        print(f"\n{text}", file=sys.stderr)
        return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
