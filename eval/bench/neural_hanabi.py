"""Benchmarks of the neural Hanabi blueprint: batched rollouts and MD search over it.

``rollouts``: at a few decision points of a seeded SmartBot game, the acting player's legal moves
x ``--columns`` sampled hands are rolled out under the network, once in lockstep (one network
call per step for all rollouts, ``uedtp.search.hanabi.neural.rollouts``) and once one rollout at a
time (one call per rollout and step) with the same random numbers; prints rollouts/s of both,
their ratio, and whether the values agree.

``play``: the network in self-play, greedy (argmax) and sampled, and MD search over it with
every seat searching (``uedtp.search.hanabi.neural.md``), on the same seeded decks; prints mean
scores, the paired difference search - blueprint +- its standard error, and time per move.

Examples::

    python -m uedtp.eval.bench.neural_hanabi rollouts --checkpoint hanabi_smartbot_bc
    python -m uedtp.eval.bench.neural_hanabi play --checkpoint hanabi_smartbot_bc \\
        --games 20 --eta 2 --rollouts 200
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch
from tqdm import tqdm

from uedtp.agents.neural.checkpoint import CheckpointError, load_policy, read
from uedtp.agents.neural.policy import TorchPolicy
from uedtp.eval.cli import (ArgumentParser, checkpoint_file, int_list, non_negative_int, output_file,
                            positive_float, positive_int, probability, run)
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.agents.neural.policy import TorchPolicy
from uedtp.envs.hanabi.game import HanabiGame, HanabiState
from uedtp.envs.hanabi.tensor import HanabiEncoding
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts
from uedtp.search.hanabi.beliefs import HanabiBeliefs
from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch
from uedtp.search.train.imitation import self_play_scores


def _game_of(policy: TorchPolicy) -> HanabiGame:
    """The Hanabi game of a checkpointed policy over the native Hanabi encoding."""
    if not isinstance(policy.encoding, HanabiEncoding):
        raise TypeError(f"{policy!r} is not a policy over the native Hanabi encoding")
    return policy.encoding.game()


def decision_points(game: HanabiGame, seed: int, moves: list[int]) -> list[tuple[HanabiState,
                                                                                  BotSeats]]:
    """States (with their SmartBot tables) at the given move numbers of a SmartBot game."""
    state = game.new_initial_state(seed=seed)
    seats = BotSeats("smart", state)
    out: list[tuple[HanabiState, BotSeats]] = []
    while not state.is_terminal() and len(out) < len(moves):
        if state.move_number() in moves:
            out.append((state.clone(), seats.copy()))
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    return out


def hanabi_policy(path: str, seed: int | None = 0) -> TorchPolicy:
    """The policy of a Hanabi checkpoint (``CheckpointError`` naming the game of any other)."""
    game = read(path).game
    if not game.startswith("hanabi"):
        raise CheckpointError(f"{path} is a checkpoint for {game}, not for Hanabi")
    return load_policy(path, game, seed=seed)


def bench_rollouts(args: argparse.Namespace) -> dict:
    policy = hanabi_policy(args.checkpoint)
    game = _game_of(policy)
    beliefs = HanabiBeliefs("smart", 0.1)
    rng = np.random.default_rng(args.seed)
    rows = []
    for state, seats in decision_points(game, args.seed, args.moves):
        player = state.current_player()
        post = beliefs.posterior(state, player, rng)
        hands = post.hands[post.sample_indices(args.columns, rng)]
        actions = state.legal_actions()
        row = {"move_number": state.move_number(), "legal_moves": len(actions),
               "rollouts": len(actions) * args.columns}
        values = {}
        for batched in (True, False):
            ro = NeuralRollouts(policy, batched=batched)
            start = time.process_time()
            wall = time.perf_counter()
            values[batched] = ro.values(state, seats, actions, hands, player, seed=args.seed)
            cpu = time.process_time() - start
            key = "batched" if batched else "unbatched"
            row[f"{key}_rollouts_per_cpu_s"] = ro.rollouts_run / cpu
            row[f"{key}_rollouts_per_s"] = ro.rollouts_run / (time.perf_counter() - wall)
            row[f"{key}_network_calls"] = ro.network_calls
        row["speedup_cpu"] = row["batched_rollouts_per_cpu_s"] / row["unbatched_rollouts_per_cpu_s"]
        row["values_equal"] = bool(np.array_equal(values[True], values[False]))
        row["mean_value"] = float(values[True].mean())
        rows.append(row)
        print(json.dumps(row))
    return {"rows": rows, "mean_speedup_cpu": float(np.mean([r["speedup_cpu"] for r in rows]))}


def bench_play(args: argparse.Namespace) -> dict:
    policy = hanabi_policy(args.checkpoint, seed=args.seed)
    game = _game_of(policy)
    n = args.games
    greedy = self_play_scores(policy, n, seed=args.seed, greedy=True, decks_seed=args.decks)
    sampled = self_play_scores(policy, n, seed=args.seed, greedy=False, decks_seed=args.decks)
    search_scores, seconds, moves, searched, deviations = [], [], 0, 0, 0
    for g in tqdm(range(n), desc="md search games"):
        agent = HanabiNeuralMDSearch(policy, args.eta, rollouts=args.rollouts,
                                     num_histories=args.histories,
                                     belief_epsilon=args.belief_epsilon, beliefs=args.beliefs,
                                     seed=args.seed + g)
        state = game.new_initial_state(seed=10_000_019 + args.decks * 7919 + g)
        start = time.process_time()
        while not state.is_terminal():
            state.apply_action(agent.act(state))
        seconds.append(time.process_time() - start)
        moves += len(agent.decisions)
        searched += sum(d.searched for d in agent.decisions)
        search_scores.append(state.score())
        deviations += sum(d.deviated for d in agent.decisions)
    search = np.array(search_scores, dtype=float)

    def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
        d = a - b
        return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0

    out = {"games": n, "eta": args.eta, "rollouts_per_decision": args.rollouts,
           "histories": args.histories, "belief_epsilon": args.belief_epsilon,
           "beliefs": args.beliefs,
           "blueprint_greedy_mean": float(greedy.mean()),
           "blueprint_sampled_mean": float(sampled.mean()),
           "md_search_mean": float(search.mean()),
           "md_minus_greedy": paired(search, greedy), "md_minus_sampled": paired(search, sampled),
           "cpu_seconds_per_move": float(sum(seconds) / max(1, moves)),
           "moves": moves, "deviations_from_greedy": deviations,
           "cpu_seconds_per_searched_move": float(sum(seconds) / max(1, searched)),
           "search_scores": search.tolist(), "greedy_scores": greedy.tolist(),
           "sampled_scores": sampled.tolist()}
    print(json.dumps({k: v for k, v in out.items() if not k.endswith("_scores")}, indent=1))
    return out


PROG = "python -m uedtp.eval.bench.neural_hanabi"


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("rollouts", help="batched vs one-at-a-time neural rollouts")
    r.add_argument("--moves", type=int_list(1, 0), default=[4, 30, 60],
                   help="move numbers of the decision points (comma-separated)")
    r.add_argument("--columns", type=positive_int, default=8)
    q = sub.add_parser("play", help="blueprint vs MD search over it on the same decks")
    q.add_argument("--games", type=positive_int, default=10)
    q.add_argument("--decks", type=non_negative_int, default=7, help="deck seed family")
    q.add_argument("--eta", type=positive_float, default=2.0)
    q.add_argument("--rollouts", type=positive_int, default=200)
    q.add_argument("--histories", type=positive_int, default=32)
    q.add_argument("--belief-epsilon", type=probability, default=0.1)
    q.add_argument("--beliefs", choices=("neural", "smart"), default="neural")
    for s in (r, q):
        s.add_argument("--checkpoint", type=checkpoint_file,
                       default="hanabi_smartbot_bc")
        s.add_argument("--seed", type=non_negative_int, default=0)
        s.add_argument("--threads", type=positive_int, default=1)
        s.add_argument("--out", type=output_file(), default=None,
                       help="write the result as JSON here")
    args = p.parse_args(argv)
    hanabi_policy(args.checkpoint)      # the checkpoint is checked before any work
    torch.set_num_threads(args.threads)
    result = bench_rollouts(args) if args.mode == "rollouts" else bench_play(args)
    result["command"] = PROG + " " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
