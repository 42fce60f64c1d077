"""Decision fingerprint of the Hanabi search agents, to check that a change keeps every move.

One step: deal deck ``1000 + g``, let one agent object built from a fixed spec and seed play every
seat, and write one line per decision (suite, game, move number, player, move, and the decision
record's fields except timings), then the final score. Two versions of the code give identical
files exactly when they make identical decisions.

Usage::

    python -m uedtp.eval.hanabi.fingerprint before.txt            # on the old code
    python -m uedtp.eval.hanabi.fingerprint after.txt && cmp before.txt after.txt
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Sequence, TextIO

from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.cli import ArgumentParser, output_file, positive_int, run
from uedtp.eval.specs import build_agent

PROG = "python -m uedtp.eval.hanabi.fingerprint"

SUITES = (   # (name, spec, players, games at --games 200)
    ("md", "md(eta=3,rollouts=100,histories=32)", 2, 200),
    ("md-sample", "md(eta=3,rollouts=60,histories=16,act=sample,searchers=0)", 2, 20),
    ("md-skip3p", "md(eta=3,rollouts=60,histories=16,skip=0.9,rollout_epsilon=0)", 3, 10),
    ("sparta", "sparta(rollouts=100,batch=8)", 2, 200),
    ("sparta-all", "sparta(rollouts=100,batch=8,searchers=all,skip=0.9)", 2, 20),
    ("sparta-joint", "sparta-joint(rollouts=80,batch=8,max_range=40)", 2, 4),
)


def record_fields(record: Any) -> str:
    fields = vars(record) if hasattr(record, "__dict__") else {}
    return " ".join(f"{k}={v}" for k, v in sorted(fields.items())
                    if "seconds" not in k and k != "ess") + \
        f" ess={round(getattr(record, 'ess', 0.0), 6)}"


def play(out: TextIO, name: str, make: Callable[[int], Any], players: int, games: int) -> int:
    """Play ``games`` seeded games with agents from ``make(g)``; write their decisions."""
    count = 0
    for g in range(games):
        state = HanabiGame(players=players).new_initial_state(seed=1000 + g)
        agent = make(g)
        moves = []
        while not state.is_terminal():
            move = agent.act(state)
            moves.append((state.move_number(), state.current_player(), int(move)))
            state.apply_action(move)
        records = getattr(agent, "decisions", [])
        if len(records) != len(moves):
            raise RuntimeError(f"{name} game {g}: {len(records)} records for {len(moves)} moves")
        for (t, p, move), r in zip(moves, records):
            out.write(f"{name} {g} {t} {p} {move} | {record_fields(r)}\n")
            count += 1
        out.write(f"{name} {g} score={state.score()}\n")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: Sequence[str] | None) -> int:
    ap = ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=output_file(), help="file to write the fingerprint to")
    ap.add_argument("--games", type=positive_int, default=200,
                    help="games of the main MD and SPARTA suites (the others scale with it)")
    args = ap.parse_args(argv)
    with open(args.out, "w") as out:
        for name, spec, players, games in SUITES:
            games = max(1, games * args.games // 200)
            start = time.time()

            def make(g: int, spec: str = spec, players: int = players) -> Any:
                return build_agent(spec, f"hanabi(players={players})", seed=(1000 + g) * 7919 + 17)
            n = play(out, name, make, players, games)
            print(f"{name}: {games} games, {n} decisions, {time.time() - start:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
