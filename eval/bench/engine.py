"""Hanabi engine throughput (and the full engine-parity run), side by side in one process.

One measurement plays complete games of uniformly random legal moves with each system and
reports games/s, player moves/s and engine steps/s (player moves plus explicit chance deals,
for the engines that deal through chance nodes), with ratios to the first (baseline) row,
OpenSpiel ``hanabi`` driven from a Python loop. The headline unit is complete games per second:
every system plays the same rules with uniformly random legal moves, and "vs OpenSpiel games/s"
is the speed ratio (also given per CPU-second, which is less sensitive to other load on the
machine). The "vs OpenSpiel steps" ratio divides a row's player moves/s by OpenSpiel's steps/s
*including* its chance deals. OpenSpiel's chance nodes deal a uniformly random card from the
loop's own list of undealt cards (one ``randrange`` and a swap-remove, cheaper than querying
``chance_outcomes()``), which is exactly the game's deal distribution; HLE deals with
``deal_random_card``. So every row plays the same distribution of games (the moves/game column
agrees), and games/s ratios compare equal work. The "legacy deals" row is the loop of earlier
versions of this script, which picked uniformly among the chance node's ``legal_actions()``:
that makes every remaining card *type* equally likely (random games 5-10% shorter) and is
slower at 4-5 players (a ``legal_actions()`` call per deal); it is kept for comparison with
earlier figures. The "chance_outcomes() deals" row is the idiomatic OpenSpiel loop (draw the
chance node's card from its ``chance_outcomes()`` list): the same games, at OpenSpiel's own cost
of a deal; the first row is the fastest Python loop we could write and the stricter baseline.

Each row is one ``Row(label, run, first_batch)`` in ``ROWS``; ``run(players, n_games, seed)``
plays ``n_games`` games and returns ``(player_moves, steps, games)``. Adding a system is one
line, e.g.::

    ROWS.append(Row("SmartBot self-play, native", lambda p, n, s: my_kernel(p, n, s), 20000))

Usage::

    python -m uedtp.eval.bench.engine                       # 2 players, all rows
    python -m uedtp.eval.bench.engine --players 2 3 4 5 --seconds 5 --rounds 10
    python -m uedtp.eval.bench.engine --parity 5000          # full HLE/OpenSpiel parity, 2-5 players
"""
from __future__ import annotations

import dataclasses
import os
import random
import sys
import time
from typing import Any, Callable

from uedtp.envs.hanabi.game import HanabiConfig, HanabiGame, native_random_games
from uedtp.eval.cli import ArgumentParser, non_negative_int, player_count, positive_float, positive_int

RunFn = Callable[[int, int, int], tuple[int, int, int]]


@dataclasses.dataclass
class Row:
    """One system: ``run(players, n_games, seed) -> (player_moves, steps, games)``; ``first_batch`` is
    the number of games of the first (calibration) batch."""
    label: str
    run: RunFn
    first_batch: int


# ---- systems ----------------------------------------------------------------------------------

def run_openspiel(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
    import pyspiel
    game = pyspiel.load_game("hanabi", {"players": players, "colors": 5, "ranks": 5})
    # OpenSpiel's chance action for a card is colour * ranks + rank: our card id at 5 ranks
    full_deck = HanabiGame(players=players).full_deck()
    rng = random.Random(seed)
    moves = steps = 0
    for _ in range(n_games):
        state = game.new_initial_state()
        undealt = full_deck[:]
        while not state.is_terminal():
            if state.is_chance_node():
                # deal a uniformly random undealt card (swap-remove): the true deal distribution
                i = rng.randrange(len(undealt))
                card = undealt[i]
                undealt[i] = undealt[-1]
                undealt.pop()
                state.apply_action(card)
            else:
                legal = state.legal_actions()
                state.apply_action(legal[rng.randrange(len(legal))])
                moves += 1
            steps += 1
    return moves, steps, n_games


def run_openspiel_outcomes(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
    """The idiomatic OpenSpiel loop: a chance node's card is drawn from its own
    ``chance_outcomes()`` (card, probability) list, a player's move uniformly from
    ``legal_actions()``."""
    import pyspiel
    game = pyspiel.load_game("hanabi", {"players": players})
    rng = random.Random(seed)
    moves = steps = 0
    for _ in range(n_games):
        state = game.new_initial_state()
        while not state.is_terminal():
            if state.is_chance_node():
                cards, probs = zip(*state.chance_outcomes())
                state.apply_action(rng.choices(cards, probs)[0])
            else:
                legal = state.legal_actions()
                state.apply_action(legal[rng.randrange(len(legal))])
                moves += 1
            steps += 1
    return moves, steps, n_games


def run_openspiel_legacy(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
    """The earlier OpenSpiel loop: chance nodes pick uniformly among ``legal_actions()``, i.e.
    every remaining card *type* is equally likely (not the game's deal distribution; its random
    games are 5-10% shorter). Kept as a row for comparison with earlier figures."""
    import pyspiel
    game = pyspiel.load_game("hanabi", {"players": players})
    rng = random.Random(seed)
    moves = steps = 0
    for _ in range(n_games):
        state = game.new_initial_state()
        while not state.is_terminal():
            chance = state.is_chance_node()
            legal = state.legal_actions()
            state.apply_action(legal[rng.randrange(len(legal))])
            steps += 1
            moves += not chance
    return moves, steps, n_games


def run_hle(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
    from hanabi_learning_environment import pyhanabi
    game = pyhanabi.HanabiGame({"players": players, "seed": seed})
    rng = random.Random(seed)
    chance = pyhanabi.CHANCE_PLAYER_ID
    moves = steps = 0
    for _ in range(n_games):
        state = game.new_initial_state()
        while not state.is_terminal():
            if state.cur_player() == chance:
                state.deal_random_card()
            else:
                legal = state.legal_moves()
                state.apply_move(legal[rng.randrange(len(legal))])
                moves += 1
            steps += 1
    return moves, steps, n_games


def run_ours_python(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
    game = HanabiGame(players=players)
    rng = random.Random(seed)
    moves = 0
    for g in range(n_games):
        state = game.new_initial_state(seed=seed * 1_000_003 + g)
        while not state.is_terminal():
            legal = state.legal_actions()
            state.apply_action(legal[rng.randrange(len(legal))])
            moves += 1
    return moves, moves, n_games


def run_ours_native(threads: int) -> RunFn:
    def run(players: int, n_games: int, seed: int) -> tuple[int, int, int]:
        moves, _ = native_random_games(players, n_games, seed, threads)
        return moves, moves, n_games
    return run


ROWS: list[Row] = [
    Row("OpenSpiel hanabi, Python loop", run_openspiel, 200),
    Row("OpenSpiel hanabi, Python loop, chance_outcomes() deals", run_openspiel_outcomes, 200),
    Row("OpenSpiel hanabi, Python loop, legacy deals", run_openspiel_legacy, 200),
    Row("HLE pyhanabi, Python loop", run_hle, 100),
    Row("ours (uedtp.envs.hanabi.game), Python loop", run_ours_python, 500),
    Row("ours, native nogil loop, 1 thread", run_ours_native(1), 20000),
    Row("ours, native OpenMP, 2 threads", run_ours_native(2), 40000),
]


# ---- harness ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Rates:
    moves: float        # player moves per wall-clock second
    steps: float        # engine steps (moves + explicit chance deals) per wall-clock second
    games: float        # games per wall-clock second
    cpu_moves: float    # player moves per CPU-second of this process (all its threads)
    cpu_steps: float
    cpu_games: float
    n_games: int


def measure(row: Row, players: int, seconds: float, seed: int) -> Rates:
    """Run ``row`` for about ``seconds`` of wall-clock time and return its rates. CPU-second
    rates are less sensitive to other processes competing for the cores; for a multi-threaded
    row they are per core."""
    n = row.first_batch
    row.run(players, max(1, n // 10), seed)             # warm-up (imports, caches)
    t0, c0 = time.perf_counter(), time.process_time()
    moves, steps, games = row.run(players, n, seed)
    dt = time.perf_counter() - t0
    if dt < seconds:
        n2 = max(1, int(n * (seconds - dt) / max(dt, 1e-6)))
        m2, s2, g2 = row.run(players, n2, seed + 1)
        moves, steps, games = moves + m2, steps + s2, games + g2
    dt, dc = time.perf_counter() - t0, max(time.process_time() - c0, 1e-9)
    return Rates(moves / dt, steps / dt, games / dt, moves / dc, steps / dc, games / dc, games)


def _median(xs: list[float]) -> float:
    ys = sorted(xs)
    k = len(ys) // 2
    return ys[k] if len(ys) % 2 else 0.5 * (ys[k - 1] + ys[k])


def benchmark(players_list: list[int], seconds: float, seed: int, rows: list[Row],
              rounds: int = 1) -> None:
    """Print one table per player count. With ``rounds`` > 1 every row is measured ``rounds``
    times, interleaved (row 1, row 2, ..., row 1, row 2, ...), for ``seconds / rounds`` each;
    a row's rates are medians over the rounds and its ratios are medians of the per-round
    ratios to the baseline measured in the same round, which cancels slow drifts in the load of
    a shared machine; the min-max of the games/s ratio shows the spread."""
    print(f"# Hanabi engine throughput: uniformly random legal moves, full games "
          f"(~{seconds:g} s per row in {rounds} interleaved round(s); {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f} at start)")
    print("Headline unit: complete games per second (games/s); every system plays the same rules "
          "with uniformly random legal moves and deals, so the games are alike (see moves/game) "
          "and 'vs OpenSpiel games/s' (a row's games/s over OpenSpiel's) is the speed ratio. The "
          "other ratios divide a row's player moves/s by the baseline's steps/s (moves plus "
          "chance deals) or moves/s; 'CPU' columns use CPU-seconds of this process instead of "
          "wall-clock seconds. Ratios are medians over rounds (min-max in brackets).")
    for players in players_list:
        print(f"\n## {players} players")
        print("| system | games/s | vs OpenSpiel games/s | CPU vs OpenSpiel games | moves/s "
              "| steps/s | games | moves/game | vs OpenSpiel steps/s | vs OpenSpiel moves/s "
              "| moves/CPU-s | CPU vs OpenSpiel steps |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        runs: list[list[Rates]] = [[] for _ in rows]
        for k in range(rounds):
            for i, row in enumerate(rows):
                runs[i].append(measure(row, players, seconds / rounds, seed + 7919 * k))
        base = runs[0]
        for row, rs in zip(rows, runs):
            def ratio(f: Callable[[Any, Any], float]) -> float:
                return _median([f(r, b) for r, b in zip(rs, base)])
            g = [r.games / b.games for r, b in zip(rs, base)]
            spread = f" ({min(g):,.1f}-{max(g):,.1f})" if rounds > 1 else ""
            games = _median([r.games for r in rs])
            moves = _median([r.moves for r in rs])
            print(f"| {row.label} | {games:,.0f} | {_median(g):,.1f}x{spread} "
                  f"| {ratio(lambda r, b: r.cpu_games / b.cpu_games):,.1f}x | {moves:,.0f} "
                  f"| {_median([r.steps for r in rs]):,.0f} | {sum(r.n_games for r in rs):,} "
                  f"| {sum(r.moves / r.games for r in rs) / len(rs):.2f} "
                  f"| {ratio(lambda r, b: r.moves / b.steps):,.1f}x "
                  f"| {ratio(lambda r, b: r.moves / b.moves):,.1f}x "
                  f"| {_median([r.cpu_moves for r in rs]):,.0f} "
                  f"| {ratio(lambda r, b: r.cpu_moves / b.cpu_steps):,.1f}x |")
            sys.stdout.flush()


def parity(n_games: int, seed: int) -> int:
    """The full parity run: n_games per player count against HLE and OpenSpiel, plus variants."""
    from uedtp.envs.hanabi.convert import ParityError, run_parity
    variants = [dict(players=p) for p in (2, 3, 4, 5)] + [
        dict(players=2, colors=3, ranks=2), dict(players=3, colors=1, ranks=5, hand_size=2),
        dict(players=4, colors=5, ranks=3, hand_size=3, max_information_tokens=3,
             max_life_tokens=1),
        dict(players=5, colors=2, ranks=4, hand_size=2, max_information_tokens=12,
             max_life_tokens=5),
        dict(players=2, colors=4, ranks=5, hand_size=4, max_information_tokens=20)]
    print(f"# Engine parity: same deck order, same mixed random moves, compared every step")
    print("| rules | against | games | moves | deck ran out | lives lost | perfect | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    failed = 0
    for i, kw in enumerate(variants):
        game = HanabiGame(config=HanabiConfig(**kw))
        n = n_games if i < 4 else max(1, n_games // 10)
        for against in ("hle", "openspiel"):
            t0 = time.perf_counter()
            try:
                st = run_parity(game, range(seed, seed + n), against)
            except ParityError as err:
                failed += 1
                print(f"| {kw} | {against} | FAILED | | | | | |\n{err}")
                continue
            print(f"| {kw} | {against} | {st['games']} | {st['moves']} | {st['deck_exhausted']} "
                  f"| {st['lives_lost']} | {st['perfect']} | {time.perf_counter() - t0:.1f} |")
            sys.stdout.flush()
    print("\nall games agree" if not failed else f"\n{failed} parity runs FAILED")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = ArgumentParser(prog="python -m uedtp.eval.bench.engine",
                        description=__doc__.split("\n\n")[0])
    ap.add_argument("--players", type=player_count, nargs="+", default=[2])
    ap.add_argument("--seconds", type=positive_float, default=3.0,
                    help="time per row, split over the rounds (default 3)")
    ap.add_argument("--rounds", type=positive_int, default=5,
                    help="interleaved measurement rounds per row (default 5; ratios are medians)")
    ap.add_argument("--seed", type=non_negative_int, default=0)
    ap.add_argument("--parity", type=positive_int, default=0, metavar="N",
                    help="instead of timing, run the engine parity check with N games per "
                         "player count (variants get N/10)")
    args = ap.parse_args(argv)
    if args.parity:
        return parity(args.parity, args.seed)
    benchmark(args.players, args.seconds, args.seed, ROWS, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
