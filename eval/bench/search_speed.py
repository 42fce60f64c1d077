"""Speed of the pieces of Hanabi search, side by side in one process: rollouts/s, belief time per
decision, and one decision of MD search and of SPARTA at given budgets (with their ratio).

One measurement: play ``--games`` SmartBot self-play games (2 players by default); at every
decision compute the acting player's belief (timed; exact or importance sampled); at every
``--every``-th decision also time one MD search decision, one SPARTA decision and a batch of
rollouts of every legal move. Prints a Markdown table.

Usage::

    python -m uedtp.eval.bench.search_speed --games 3 --md-rollouts 300 --sparta-rollouts 3000
"""
from __future__ import annotations

import sys
import time

import numpy as np

from uedtp.agents.full_support import full_support_bot
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_rollout import rollout_action_values
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.cli import (ArgumentParser, float_in, non_negative_int, player_count, positive_float,
                            positive_int)
from uedtp.search.hanabi.beliefs import HanabiBeliefs
from uedtp.search.hanabi.md import HanabiMDSearch
from uedtp.search.hanabi.sparta import SpartaSearch


def main(argv: list[str] | None = None) -> int:
    ap = ArgumentParser(prog="python -m uedtp.eval.bench.search_speed",
                        description=__doc__.split("\n\n")[0])
    ap.add_argument("--players", type=player_count, default=2)
    ap.add_argument("--games", type=positive_int, default=3)
    ap.add_argument("--every", type=positive_int, default=5)
    ap.add_argument("--epsilon", type=float_in(0.0, 1.0, low_open=True), default=0.01)
    ap.add_argument("--eta", type=positive_float, default=3.0)
    ap.add_argument("--md-rollouts", type=positive_int, default=300)
    ap.add_argument("--sparta-rollouts", type=positive_int, default=3000)
    ap.add_argument("--seed", type=non_negative_int, default=0)
    args = ap.parse_args(argv)
    belief_ms, exact = [], []
    md_ms, sp_ms, md_r, sp_r = [], [], [], []
    roll = {1: [0, 0.0], 2: [0, 0.0]}
    for g in range(args.games):
        state = HanabiGame(players=args.players).new_initial_state(seed=args.seed + g)
        seats = BotSeats("smart", state)
        beliefs = HanabiBeliefs("smart", args.epsilon)
        md = HanabiMDSearch(full_support_bot("smart", args.epsilon), args.eta,
                            rollouts=args.md_rollouts, seed=g)
        sp = SpartaSearch(HanabiBotAgent("smart"), rollouts=args.sparta_rollouts, searchers=None,
                          seed=g)
        k = 0
        while not state.is_terminal():
            p = state.current_player()
            t = time.perf_counter()
            post = beliefs.posterior(state, p, np.random.default_rng(k))
            belief_ms.append(1000 * (time.perf_counter() - t))
            exact.append(post.exact)
            if k % args.every == 0:
                idx = np.random.default_rng(k).choice(len(post.weights), 200, p=post.weights)
                for threads in (1, 2):
                    t = time.perf_counter()
                    assert post.trace is not None
                    out = rollout_action_values(state, post.trace.seats(),
                                                state.legal_actions(), 200, seed=k,
                                                hands=post.hands[idx], hand_player=p,
                                                num_threads=threads)
                    roll[threads][0] += out.size
                    roll[threads][1] += time.perf_counter() - t
                t = time.perf_counter()
                md.act(state)
                md_ms.append(1000 * (time.perf_counter() - t))
                md_r.append(md.decisions[-1].rollouts)
                t = time.perf_counter()
                sp.act(state)
                sp_ms.append(1000 * (time.perf_counter() - t))
                sp_r.append(sp.decisions[-1].rollouts)
            uid = seats.decide(state)
            seats.observe(state, uid)
            state.apply_action(uid)
            k += 1
    r1 = roll[1][0] / roll[1][1]
    r2 = roll[2][0] / roll[2][1]
    print(f"Hanabi {args.players}p, {args.games} SmartBot games, {len(belief_ms)} decisions\n")
    print("| measurement | value |\n|---|---|")
    print(f"| rollouts/s, 1 thread (SmartBot, from mid-game states) | {r1:,.0f} |")
    print(f"| rollouts/s, 2 threads | {r2:,.0f} ({r2 / r1:.2f}x) |")
    print(f"| belief ms/decision, mean / p95 (exact share) | {np.mean(belief_ms):.1f} / "
          f"{np.percentile(belief_ms, 95):.1f} ({100 * np.mean(exact):.0f}%) |")
    print(f"| MD search ms/decision ({args.md_rollouts} rollouts budget; used "
          f"{np.mean(md_r):.0f}) | {np.mean(md_ms):.1f} |")
    print(f"| SPARTA ms/decision ({args.sparta_rollouts} rollouts budget; used "
          f"{np.mean(sp_r):.0f}) | {np.mean(sp_ms):.1f} |")
    print(f"| SPARTA / MD time per decision | {np.mean(sp_ms) / np.mean(md_ms):.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
