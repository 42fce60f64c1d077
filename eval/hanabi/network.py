"""Self-play score and support of a Hanabi network blueprint on held-out decks.

``python -m uedtp.eval.hanabi.network --checkpoint PATH --games 2000`` plays, on decks no trainer of the
suite deals (game g from deck ``6*10^12 + seed*10^6 + g``; DAgger uses ``2*10^12 + ...`` and
``4*10^12 + ...``, imitation seeds below ``10^11``), in lockstep (``uedtp.search.train.dagger.play``):
  1. the network in every seat, greedy (argmax) and sampled (temperature 1);
  2. SmartBot in every seat on the same decks (the teacher; paired differences);
then reports mean ± s.e., perfect-game and zero-score rates, the paired difference to SmartBot,
and the support of the sampled policy over every state the sampled games reached: mean entropy
(nats) and the smallest probability of a legal move (full support means > 0). ``--out F``
writes the figures as JSON.
"""
from __future__ import annotations

import json
import math
import sys
from typing import Any, Sequence

import numpy as np
import torch

from uedtp.agents.neural.checkpoint import CheckpointError, read
from uedtp.agents.neural.policy import masked_probabilities, support_sums
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.eval.cli import (ArgumentParser, checkpoint_file, non_negative_int, output_file,
                            positive_int, run)
from uedtp.search.train.dagger import play

PROG = "python -m uedtp.eval.hanabi.network"
DECK_BASE = 6 * 10**12
MAX_GAMES = 10**6


def decks(seed: int, games: int) -> list[int]:
    """The held-out deck seeds of this evaluation."""
    return [DECK_BASE + seed * MAX_GAMES + g for g in range(games)]


def _scores(s: np.ndarray, teacher: np.ndarray | None, perfect: int) -> dict[str, float]:
    n = len(s)
    out = {"mean": float(s.mean()),
           "stderr": float(s.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
           "perfect_rate": float(np.mean(s == perfect)), "zero_rate": float(np.mean(s == 0))}
    if teacher is not None:
        d = s - teacher
        out["diff_vs_smartbot"] = float(d.mean())
        out["diff_stderr"] = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return out


def evaluate_network(path: str, games: int, seed: int = 0, chunk: int = 500
                     ) -> dict[str, Any]:
    """The figures of the module docstring for the checkpoint at ``path``."""
    ckpt = read(path)
    if not ckpt.game.startswith("hanabi_native"):
        raise CheckpointError(f"{path} is a network for {ckpt.game!r}, not a native Hanabi game")
    net = ckpt.network().eval()
    players = int(ckpt.encoding["players"])
    encoding = hanabi_encoding_for(HanabiGame(players=players))
    if encoding.size != net.architecture["input_size"]:
        raise CheckpointError(f"{path}: input size {net.architecture['input_size']} does not match "
                         f"the {players}-player encoding ({encoding.size})")
    deck = decks(seed, games)
    perfect = encoding.game().max_score()
    teacher = np.concatenate([
        play(encoding, None, deck[lo:lo + chunk], np.ones(len(deck[lo:lo + chunk]), bool), 1.0,
             np.random.default_rng([seed, 0, lo]), record=False)["scores"]
        for lo in range(0, games, chunk)]).astype(float)
    out: dict[str, Any] = {"checkpoint": path, "game": ckpt.game, "games": games, "seed": seed,
                           "deck_base": DECK_BASE + seed * MAX_GAMES,
                           "smartbot": _scores(teacher, None, perfect)}
    entropy_sum, states, min_prob = 0.0, 0, 1.0
    for name, greedy in (("greedy", True), ("sampled", False)):
        scores = []
        for lo in range(0, games, chunk):
            part = deck[lo:lo + chunk]
            data = play(encoding, net, part, np.full(len(part), greedy), 0.0,
                        np.random.default_rng([seed, 1 if greedy else 2, lo]), record=not greedy)
            scores.append(data["scores"])
            if not greedy:
                ent, rows, low = support_sums(
                    masked_probabilities(net, data["inputs"], data["masks"]), data["masks"])
                entropy_sum, states, min_prob = entropy_sum + ent, states + rows, min(min_prob, low)
        out[name] = _scores(np.concatenate(scores).astype(float), teacher, perfect)
    out["support"] = {"states": states, "mean_entropy_nats": entropy_sum / max(states, 1),
                      "min_legal_probability": min_prob}
    return out


def table(r: dict[str, Any]) -> str:
    lines = [f"{r['checkpoint']} — {r['games']} held-out games (decks from {r['deck_base']})",
             "| policy | score ± s.e. | perfect % | zero % | Δ vs SmartBot ± s.e. |",
             "|---|---:|---:|---:|---:|"]
    for name in ("greedy", "sampled", "smartbot"):
        s = r[name]
        diff = (f"{s['diff_vs_smartbot']:+.2f} ± {s['diff_stderr']:.2f}" if "diff_vs_smartbot" in s
                else "—")
        lines.append(f"| {name} | {s['mean']:.2f} ± {s['stderr']:.2f} | "
                     f"{100 * s['perfect_rate']:.1f} | {100 * s['zero_rate']:.1f} | {diff} |")
    sup = r["support"]
    lines.append(f"sampled policy over {sup['states']:,} states: mean entropy "
                 f"{sup['mean_entropy_nats']:.3f} nats, smallest legal-move probability "
                 f"{sup['min_legal_probability']:.2e}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: Sequence[str] | None) -> int:
    ap = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", required=True, type=checkpoint_file)
    ap.add_argument("--games", type=positive_int, default=2000)
    ap.add_argument("--seed", type=non_negative_int, default=0, help="deck family, 0..999999")
    ap.add_argument("--threads", type=positive_int, default=1, help="torch threads")
    ap.add_argument("--out", type=output_file(), help="write the figures as JSON here")
    args = ap.parse_args(argv)
    if args.games > MAX_GAMES or args.seed >= MAX_GAMES:
        ap.error(f"--games and --seed must be below {MAX_GAMES}")
    torch.set_num_threads(args.threads)
    r = evaluate_network(args.checkpoint, args.games, args.seed)
    print(table(r))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(r, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
