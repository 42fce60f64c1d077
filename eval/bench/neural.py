"""Benchmarks and head-to-head evaluations of the neural blueprints and search on them.

Sub-commands (all single-process, ``--threads 1`` by default, systems compared side by side):

- ``rollouts``: rollouts/s of ``RolloutActionValues`` (one Python rollout at a time, one network
  call per move) vs ``BatchedRolloutActionValues`` (all rollouts in lockstep, one call per step)
  for the same network and the same sampled histories; prints the ratio.
- ``beliefs``: posterior enumeration under the network, ``uedtp.search.update_equivalent.history_sampler`` (one call per
  node) vs ``uedtp.search.neural.beliefs`` for many decisions at once.
- ``vs-uniform``: a checkpoint against uniform random, seat-swapped.
- ``head-to-head``: two checkpoints of one game against each other, seat-swapped;
- ``search-vs-blueprint``: MMD search on a checkpoint against the checkpoint itself,
  seat-swapped, with the search's time per decision;
- ``entropy``: how stochastic a checkpoint is on its own states: ``--games`` self-play games, the
  mean policy entropy per decision (nats; uniform's beside it), per seat, the share of decisions
  with a choice where one action has probability > 0.9 / > 0.99, and self-play decisions per
  second.

Example::

    python -m uedtp.eval.bench.neural rollouts --checkpoint adh_mmd
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch

from uedtp.agents.neural.batch import NetActor, UniformActor, play_match
from uedtp.agents.neural.checkpoint import CheckpointError, load_policy, read
from uedtp.eval.cli import (ArgumentParser, checkpoint_file, non_negative_float, non_negative_int,
                            positive_float, positive_int, run)
from uedtp.search.update_equivalent.history_sampler import enumerate_histories
from uedtp.envs.openspiel_games import load_game
from uedtp.envs.phantom.batch import PhantomBatch
from uedtp.search.update_equivalent.action_values import RolloutActionValues
from uedtp.search.neural.rollouts import BatchedRolloutActionValues
from uedtp.search.neural.beliefs import BatchedBeliefs
from uedtp.search.neural.search import neural_mmd


def _policy(args):
    game = read(args.checkpoint).game
    if game.startswith("hanabi"):
        raise CheckpointError(f"{args.checkpoint} is a checkpoint for {game}, not for an "
                              "OpenSpiel game (Hanabi: python -m uedtp.eval.bench.neural_hanabi)")
    return game, load_policy(args.checkpoint, game, seed=args.seed)


def _random_states(game_string: str, count: int, rng: np.random.Generator, min_moves: int = 1,
                   max_moves: int = 6) -> list[Any]:
    game = load_game(game_string)
    states: list[Any] = []
    while len(states) < count:
        s = game.new_initial_state()
        for _ in range(int(rng.integers(min_moves, max_moves + 1))):
            s.apply_action(int(rng.choice(s.legal_actions())))
            if s.is_terminal():
                break
        if not s.is_terminal():
            states.append(s)
    return states


def bench_rollouts(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    rng = np.random.default_rng(args.seed)
    roots = _random_states(game, args.decisions, rng)
    slow = RolloutActionValues(policy, rollouts=args.rollouts)
    fast = BatchedRolloutActionValues(policy, rollouts=args.rollouts)
    out = {"game": game, "decisions": args.decisions, "histories": args.histories,
           "rollouts_per_action": args.rollouts}
    totals = {}
    for name, values, decisions in (("unbatched", slow, roots[:max(1, args.decisions // 8)]),
                                    ("batched", fast, roots)):
        count, start = 0, time.perf_counter()
        q_all = []
        for state in decisions:
            actions = state.legal_actions()
            player = state.current_player()
            states = [state] * args.histories
            w = np.full(args.histories, 1.0 / args.histories)
            q_all.append(values.action_values(states, w, actions, player,
                                              np.random.default_rng(1)))
            count += args.histories * len(actions) * args.rollouts
        seconds = time.perf_counter() - start
        totals[name] = count / seconds
        out[f"{name}_rollouts_per_s"] = count / seconds
        out[f"{name}_decisions"] = len(decisions)
        out[f"{name}_ms_per_decision"] = 1000 * seconds / len(decisions)
    out["speedup"] = totals["batched"] / totals["unbatched"]
    return out


def bench_beliefs(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    rng = np.random.default_rng(args.seed)
    roots = _random_states(game, args.decisions, rng, 2, 7)
    start = time.perf_counter()
    sizes = []
    for s in roots:
        sizes.append(enumerate_histories(s, s.current_player(), policy, 10**7).support_size)
    slow = time.perf_counter() - start
    beliefs = BatchedBeliefs(policy, max_frontier=10**7)
    truths = PhantomBatch.from_states(roots)
    start = time.perf_counter()
    post = beliefs.posteriors(truths, truths.current.copy(), rng)
    fast = time.perf_counter() - start
    same = all(len(post.rows_of(r)) == sizes[r] for r in range(len(roots)))
    return {"game": game, "decisions": len(roots), "mean_support": float(np.mean(sizes)),
            "python_ms_per_decision": 1000 * slow / len(roots),
            "batched_ms_per_decision": 1000 * fast / len(roots), "speedup": slow / fast,
            "same_support": same}


def bench_vs_uniform(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    res = play_match(game, NetActor(policy, seed=args.seed), UniformActor(args.seed + 1),
                     args.games, args.seed)
    return {"game": game, "checkpoint": args.checkpoint, **res.as_dict()}


def bench_head_to_head(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    other = load_policy(args.other, game, seed=args.seed + 1)
    res = play_match(game, NetActor(policy, seed=args.seed), NetActor(other, seed=args.seed + 2),
                     args.games, args.seed)
    return {"game": game, "checkpoint": args.checkpoint, "other": args.other, **res.as_dict()}


def bench_search_vs_blueprint(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    search = neural_mmd(policy, args.eta, args.alpha, num_histories=args.histories,
                        rollouts=args.rollouts, act_mode=args.act_mode, seed=args.seed)
    single = _random_states(game, 60, np.random.default_rng(args.seed), 0, 6)
    start = time.perf_counter()
    for state in single:                       # latency of one decision on its own
        search.act(state)
    single_ms = 1000 * (time.perf_counter() - start) / len(single)
    search.decisions, search.seconds = 0, 0.0
    start = time.perf_counter()
    res = play_match(game, search, NetActor(policy, seed=args.seed + 1), args.games, args.seed,
                     chunk=args.chunk)
    wall = time.perf_counter() - start
    return {"game": game, "checkpoint": args.checkpoint, "eta": args.eta, "alpha": args.alpha,
            "histories": args.histories, "rollouts": args.rollouts, "act_mode": args.act_mode,
            **res.as_dict(), "search_decisions": search.decisions,
            "search_ms_per_decision_batched": 1000 * search.seconds_per_decision,
            "search_ms_single_decision": single_ms,
            "wall_s": wall}


def self_play_entropy(net: Any, game: str, games: int, seed: int) -> dict[str, Any]:
    """Policy entropy of ``net`` over the decisions of ``games`` self-play games (``entropy``)."""
    from uedtp.search.train.self_play import collect
    start = time.perf_counter()
    data = collect(net, load_game(game), games, np.random.default_rng(seed))
    seconds = time.perf_counter() - start
    probs = np.where(data.masks, np.exp(data.old_log_probs.astype(np.float64)), 0.0)
    logs = np.log(np.where(probs > 0, probs, 1.0))
    entropy = -(probs * logs).sum(-1)
    top = probs.max(-1)[data.masks.sum(-1) > 1]          # decisions with a choice
    seats = {f"player{k}_entropy": float(entropy[data.players == k].mean()) for k in (0, 1)}
    return {"decisions": len(data), "mean_entropy": float(entropy.mean()),
            "uniform_entropy": float(np.log(data.masks.sum(-1)).mean()), **seats,
            "share_top_over_0.9": float((top > 0.9).mean()),
            "share_top_over_0.99": float((top > 0.99).mean()),
            "player0_return": float(data.game_returns[:, 0].mean()),
            "self_play_decisions_per_s": len(data) / seconds}


def bench_entropy(args: argparse.Namespace) -> dict:
    game, policy = _policy(args)
    return {"game": game, "checkpoint": args.checkpoint, "games": args.games,
            **self_play_entropy(policy.net, game, args.games, args.seed)}


PROG = "python -m uedtp.eval.bench.neural"


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("command", choices=("rollouts", "beliefs", "vs-uniform", "head-to-head",
                                       "search-vs-blueprint", "entropy"))
    p.add_argument("--checkpoint", required=True, type=checkpoint_file)
    p.add_argument("--other", type=checkpoint_file, help="second checkpoint (head-to-head)")
    p.add_argument("--decisions", type=positive_int, default=64)
    p.add_argument("--histories", type=positive_int, default=16)
    p.add_argument("--rollouts", type=positive_int, default=2)
    p.add_argument("--games", type=positive_int, default=1000)
    p.add_argument("--eta", type=positive_float, default=10.0)
    p.add_argument("--alpha", type=non_negative_float, default=0.01)
    p.add_argument("--act-mode", choices=("sample", "argmax"), default="sample")
    p.add_argument("--chunk", type=positive_int, default=256, help="games played in lockstep")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--threads", type=positive_int, default=1)
    args = p.parse_args(argv)
    if args.command == "head-to-head" and not args.other:
        p.error("head-to-head needs --other CHECKPOINT")
    _policy(args)                       # the checkpoint is checked before any work
    torch.set_num_threads(args.threads)
    fn = {"rollouts": bench_rollouts, "beliefs": bench_beliefs, "vs-uniform": bench_vs_uniform,
          "head-to-head": bench_head_to_head,
          "search-vs-blueprint": bench_search_vs_blueprint,
          "entropy": bench_entropy}[args.command]
    print(json.dumps(fn(args), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
