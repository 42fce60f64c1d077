"""A neural Hanabi blueprint trained by imitating a rule-based bot (SmartBot by default).

1. Data: the bot plays self-play games on the native engine (``csrc.hanabi_bots.BotSeats``:
   each move is ``decide`` then ``observe`` then ``apply``); every decision is stored as the
   acting player's view (``envs.hanabi_tensor``), the legal mask and the bot's move.
2. One training step: a minibatch of decisions, the masked policy logits of the MLP
   (``agents.torch_policy.PolicyValueNet``), cross-entropy with the bot's move; a held-out
   split reports move accuracy.
3. Evaluation: the network plays self-play games, all games advanced together (one network
   call per step for every live game), acting by sampling or by argmax.
The result is a *stochastic* full-support policy, the kind of blueprint MD search needs.

Example::

    python -m search.imitation --games 3000 --epochs 8 --out checkpoints/hanabi_smartbot_bc.pt
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch
from tqdm import tqdm

from agents.torch_checkpoint import save
from agents.torch_policy import PolicyValueNet, TorchPolicy, sample_actions
from csrc.hanabi_bots import BotSeats
from envs.hanabi import HanabiGame
from envs.hanabi_tensor import HanabiEncoding, hanabi_encoding_for


@dataclasses.dataclass
class Demonstrations:
    inputs: np.ndarray
    masks: np.ndarray
    actions: np.ndarray
    scores: np.ndarray        # the bot's score in each game

    def __len__(self) -> int:
        return len(self.actions)


def generate(encoding: HanabiEncoding, num_games: int, bot: str = "smart", seed: int = 0,
             progress: bool = False) -> Demonstrations:
    """Self-play ``num_games`` seeded games of ``bot`` and record every decision."""
    if num_games <= 0:
        raise ValueError(f"num_games must be positive, got {num_games}")
    game = encoding.game()
    xs, ms, acts, scores = [], [], [], []
    for g in tqdm(range(num_games), disable=not progress, desc=f"{bot} games"):
        state = game.new_initial_state(seed=seed * 1_000_003 + g)
        seats = BotSeats(bot, state)
        while not state.is_terminal():
            uid = int(seats.decide(state))
            xs.append(encoding.encode(state))
            ms.append(encoding.legal_mask(state))
            acts.append(uid)
            seats.observe(state, uid)
            state.apply_action(uid)
        scores.append(state.score())
    return Demonstrations(np.stack(xs), np.stack(ms), np.asarray(acts, dtype=np.int64),
                          np.asarray(scores, dtype=float))


def train(encoding: HanabiEncoding, data: Demonstrations, hidden=(256, 256), epochs: int = 8,
          lr: float = 1e-3, minibatch: int = 512, holdout: float = 0.1, seed: int = 0,
          progress: bool = False) -> tuple[PolicyValueNet, dict[str, float]]:
    """Behaviour cloning by masked cross-entropy; returns the net and accuracy figures."""
    if not 0.0 <= holdout < 1.0 or epochs <= 0 or minibatch <= 0:
        raise ValueError("need 0 <= holdout < 1 and positive epochs and minibatch")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n = len(data)
    order = rng.permutation(n)
    n_val = int(n * holdout)
    val, tr = order[:n_val], order[n_val:]
    x = torch.from_numpy(data.inputs)
    m = torch.from_numpy(data.masks)
    a = torch.from_numpy(data.actions)
    net = PolicyValueNet(encoding.size, encoding.num_actions, hidden)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in tqdm(range(epochs), disable=not progress, desc="imitation"):
        net.train()
        perm = torch.from_numpy(rng.permutation(tr))
        for lo in range(0, len(perm), minibatch):
            idx = perm[lo:lo + minibatch]
            logits, _ = net(x[idx], m[idx])
            loss = torch.nn.functional.cross_entropy(logits, a[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    stats = {}
    with torch.inference_mode():
        for name, idx in (("train", tr), ("holdout", val)):
            if len(idx) == 0:
                continue
            t = torch.from_numpy(idx)
            logits, _ = net(x[t], m[t])
            stats[f"{name}_accuracy"] = float((logits.argmax(-1) == a[t]).float().mean())
            stats[f"{name}_loss"] = float(torch.nn.functional.cross_entropy(logits, a[t]))
    return net.eval(), stats


def self_play_scores(policy: TorchPolicy, num_games: int, seed: int = 0, greedy: bool = True
                     ) -> np.ndarray:
    """HLE scores of ``policy`` in self-play (games advanced in lockstep)."""
    game: HanabiGame = policy.encoding.game()
    rng = np.random.default_rng(seed)
    states = [game.new_initial_state(seed=10_000_019 + seed * 7919 + g) for g in range(num_games)]
    while True:
        live = [s for s in states if not s.is_terminal()]
        if not live:
            break
        x = policy.encoding.encode_batch(live)
        masks = np.stack([policy.encoding.legal_mask(s) for s in live])
        probs = policy.probabilities(x, masks)
        acts = np.argmax(probs, 1) if greedy else sample_actions(probs, rng.random(len(live)))
        for s, uid in zip(live, acts):
            s.apply_action(int(uid))
    return np.array([s.score() for s in states], dtype=float)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--players", type=int, default=2)
    p.add_argument("--bot", default="smart")
    p.add_argument("--games", type=int, default=3000)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--hidden", default="256,256")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--eval-games", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    encoding = hanabi_encoding_for(HanabiGame(players=args.players))
    start = time.perf_counter()
    data = generate(encoding, args.games, args.bot, args.seed, progress=True)
    hidden = tuple(int(h) for h in args.hidden.split(","))
    net, stats = train(encoding, data, hidden, args.epochs, args.lr, seed=args.seed,
                       progress=True)
    policy = TorchPolicy(net, encoding, seed=args.seed)
    result = {"bot": args.bot, "players": args.players, "demonstration_games": args.games,
              "decisions": len(data), "bot_mean_score": float(data.scores.mean()), **stats}
    for greedy in (True, False):
        s = self_play_scores(policy, args.eval_games, seed=args.seed + 1, greedy=greedy)
        key = "greedy" if greedy else "sampled"
        result[f"{key}_mean_score"] = float(s.mean())
        result[f"{key}_stderr"] = float(s.std(ddof=1) / np.sqrt(len(s)))
    result["seconds"] = time.perf_counter() - start
    save(args.out, net, encoding, meta={"imitation": result, "command": "python -m "
                                        "search.imitation " + " ".join(argv or [])})
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
