"""Throughput of the rule-based Hanabi bots (blueprint moves per second), side by side.

One step per (bot, player count): time, in this one process,
(a) the native self-play kernel on one thread (the per-core rate) and on ``--threads`` threads;
(b) the same bots driven move by move from a Python loop (``BotSeats.decide``/``observe`` and
    ``HanabiState.apply_action``);
(c) the Python Agent API (``HanabiBotAgent.act`` + ``apply_action``);
and, per bot, the rollout kernel (``uedtp.csrc.hanabi_rollout.rollout_scores``) from a mid-game 2-player
state. Single-thread rates use the process CPU time (robust on a shared machine), multi-thread
rates the wall-clock time; native timings are the best of ``--repeats`` runs. Prints Markdown
tables with moves/s, games/s and the native/Python ratios.

Usage::

    python -m uedtp.eval.bench.bots
    python -m uedtp.eval.bench.bots --games 4000 --python-games 30 --players 2,5
"""
from __future__ import annotations

import sys
import time

import numpy as np

from uedtp.eval.cli import ArgumentParser, bot_list, int_list, positive_int
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.csrc.hanabi_bots import BOT_NAMES, BotSeats, self_play_games
from uedtp.csrc.hanabi_rollout import rollout_scores
from uedtp.envs.hanabi.game import HanabiGame


def native_rate(bot: str, players: int, games: int, threads: int, repeats: int,
                seed: int = 0) -> tuple[float, float]:
    """(moves/s, games/s) of native self-play, best of ``repeats``."""
    clock = time.process_time if threads == 1 else time.perf_counter
    best = None
    moves = 0
    for _ in range(repeats):
        t0 = clock()
        _, _, mv = self_play_games(bot, players, games, seed=seed, num_threads=threads)
        dt = clock() - t0
        moves = int(mv.sum())
        best = dt if best is None else min(best, dt)
    assert best is not None, "repeats must be >= 1"
    return moves / best, games / best


def python_loop_rate(bot: str, players: int, games: int, seed: int = 0) -> float:
    """Moves/s of the native bots driven move by move from Python."""
    game = HanabiGame(players=players)
    moves = 0
    t0 = time.process_time()
    for g in range(games):
        state = game.new_initial_state(seed=seed + g)
        seats = BotSeats(bot, state)
        while not state.is_terminal():
            uid = seats.decide(state)
            seats.observe(state, uid)
            state.apply_action(uid)
            moves += 1
    return moves / (time.process_time() - t0)


def agent_rate(bot: str, players: int, games: int, seed: int = 0) -> float:
    """Moves/s of the Python Agent API (one agent for every seat)."""
    game = HanabiGame(players=players)
    agent = HanabiBotAgent(bot)
    moves = 0
    t0 = time.process_time()
    for g in range(games):
        state = game.new_initial_state(seed=seed + g)
        while not state.is_terminal():
            state.apply_action(agent.act(state))
            moves += 1
    return moves / (time.process_time() - t0)


def rollout_rate(bot: str, rollouts: int, threads: int, repeats: int) -> float:
    """Rollouts/s of the rollout kernel from a 2-player state after 10 bot moves."""
    state = HanabiGame(players=2).new_initial_state(seed=123)
    seats = BotSeats(bot, state)
    for _ in range(10):
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    clock = time.process_time if threads == 1 else time.perf_counter
    best = None
    for _ in range(repeats):
        t0 = clock()
        rollout_scores(state, seats, rollouts, seed=1, num_threads=threads)
        dt = clock() - t0
        best = dt if best is None else min(best, dt)
    assert best is not None, "repeats must be >= 1"
    return rollouts / best


def main(argv: list[str] | None = None) -> int:
    ap = ArgumentParser(prog="python -m uedtp.eval.bench.bots", description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=positive_int, default=3000,
                    help="native games per measurement")
    ap.add_argument("--python-games", type=positive_int, default=200,
                    help="games for the Python loops")
    ap.add_argument("--rollouts", type=positive_int, default=4000,
                    help="rollouts per kernel measurement")
    ap.add_argument("--players", type=int_list(1, 2, 5), default=[2, 3, 4, 5])
    ap.add_argument("--bots", type=bot_list, default=list(BOT_NAMES))
    ap.add_argument("--threads", type=positive_int, default=2)
    ap.add_argument("--repeats", type=positive_int, default=3)
    args = ap.parse_args(argv)
    bots, players = args.bots, args.players

    print(f"| bot | players | native moves/s (1 thread) | native games/s (1 thread) | "
          f"native moves/s ({args.threads} threads) | Python-loop moves/s | Agent API moves/s | "
          f"native(1t)/Python-loop | native(1t)/Agent |")
    print("|---|---|---|---|---|---|---|---|---|")
    for bot in bots:
        for n in players:
            m1, g1 = native_rate(bot, n, args.games, 1, args.repeats)
            mt, _ = native_rate(bot, n, args.games, args.threads, args.repeats)
            py = python_loop_rate(bot, n, args.python_games)
            ag = agent_rate(bot, n, args.python_games)
            print(f"| {bot} | {n} | {m1:,.0f} | {g1:,.0f} | {mt:,.0f} | {py:,.0f} | {ag:,.0f} | "
                  f"{m1 / py:.0f}x | {m1 / ag:.0f}x |", flush=True)
    print()
    print(f"| bot | rollout kernel rollouts/s (1 thread) | ({args.threads} threads) |")
    print("|---|---|---|")
    for bot in bots:
        r1 = rollout_rate(bot, args.rollouts, 1, args.repeats)
        rt = rollout_rate(bot, args.rollouts, args.threads, args.repeats)
        print(f"| {bot} | {r1:,.0f} | {rt:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
