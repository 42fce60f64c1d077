"""Self-play PPO fine-tuning of a Hanabi network blueprint, anchored to the frozen start network.

One iteration (``iterate``):
  1. play ``games`` self-play games in lockstep over the native engine (``LockstepGames``), every
     seat sampling from the current network; game g of iteration i is dealt from deck
     ``3*10^12 + seed*10^9 + i*10^4 + g`` (a family no other trainer or evaluation deals);
     each decision records its row, legal mask, move, the network's log-probabilities and value,
     the frozen anchor's log-probabilities, and its reward: the change of the HLE score (the
     evaluation's score, 0 after the last life is lost), so a game's rewards sum to its score;
  2. GAE (gamma 1, ``gae_lambda``) along each game's decision sequence (the reward is shared by
     both seats: one sequence per game), advantages normalised over the iteration;
  3. ``epochs`` passes of minibatch Adam steps (``uedtp.search.train.self_play.minibatch_epochs``)
     on PPO's clipped surrogate with an entropy bonus (``uedtp.search.train.ppo.ppo_policy_loss``)
     plus ``kl_coef``·KL(π_θ ‖ π_anchor) plus ``value_coef``·(V − G)². During the first
     ``warmup`` iterations only the value head is trained (the clone's value head is untrained).
Every ``eval_every`` iterations the greedy network plays ``eval_games`` fixed decks
(``3.5*10^12 + g``) and the point is appended to ``OUT.curve.json``; ``OUT`` (the network plus
optimiser, RNG state and history) is rewritten then too, and ``resume`` continues it bit for bit,
refusing a checkpoint made with other settings.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from typing import Any

import numpy as np
import torch

from uedtp.agents.neural.checkpoint import read, save
from uedtp.agents.neural.policy import PolicyValueNet, masked_probabilities
from uedtp.agents.protocol import sample_actions
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import HanabiEncoding, hanabi_encoding_for
from uedtp.search.train.dagger import _lockstep, play
from uedtp.search.train.imitation import score_stats
from uedtp.search.train.ppo import masked_log_softmax, normalised_advantages, ppo_policy_loss
from uedtp.search.train.self_play import gae_advantages, minibatch_epochs

TRAIN_DECKS = 3 * 10**12
CURVE_DECKS = 3 * 10**12 + 5 * 10**11


@dataclasses.dataclass
class HanabiPPOConfig:
    start: str = "hanabi_dagger_w512"
    games: int = 250
    iterations: int = 200
    epochs: int = 2
    minibatch: int = 1024
    lr: float = 1e-5
    clip: float = 0.2
    kl_coef: float = 0.1
    entropy_coef: float = 0.003
    value_coef: float = 0.5
    gae_lambda: float = 0.95
    max_grad_norm: float = 1.0
    warmup: int = 5
    eval_every: int = 10
    eval_games: int = 500
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        for name in ("games", "iterations", "epochs", "minibatch", "eval_every", "eval_games",
                     "threads"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if self.games > 10**4:
            raise ValueError(f"games must be at most 10000 per iteration, got {self.games}")
        for name in ("lr", "max_grad_norm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("kl_coef", "entropy_coef", "value_coef"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be non-negative, got {getattr(self, name)!r}")
        if not 0.0 < self.clip < 1.0:
            raise ValueError(f"clip must be in (0, 1), got {self.clip}")
        if not 0.0 <= self.gae_lambda <= 1.0:
            raise ValueError(f"gae_lambda must be in [0, 1], got {self.gae_lambda}")
        if not 0 <= self.warmup or not 0 <= self.seed < 1000:
            raise ValueError(f"need warmup >= 0 and seed in 0..999, got {self.warmup}, {self.seed}")


def settings_of(config: HanabiPPOConfig) -> dict[str, Any]:
    """The settings a resumed run must share (all but ``iterations`` and ``threads``)."""
    return {k: v for k, v in dataclasses.asdict(config).items()
            if k not in ("iterations", "threads")}


def collect(net: PolicyValueNet, anchor: PolicyValueNet, encoding: HanabiEncoding,
            decks: list[int], rng: np.random.Generator, gae_lambda: float
            ) -> dict[str, np.ndarray]:
    """Step 1 and 2 of the module docstring for one lockstep batch of games."""
    games = _lockstep(encoding.game(), decks)
    steps: list[tuple[np.ndarray, ...]] = []
    before = games.scores()
    while True:
        live = games.live()
        if len(live) == 0:
            break
        x, m = games.encode(live), games.legal_masks(live)
        xt, mt = torch.from_numpy(x), torch.from_numpy(m)
        with torch.inference_mode():
            logits, value = net(xt, mt)
            logp = torch.log_softmax(logits, -1)
            alogp = torch.log_softmax(anchor(xt, mt)[0], -1)
        moves = sample_actions(torch.exp(logp.double()).numpy(), rng.random(len(live)))
        games.step(live, moves)
        after = games.scores()
        steps.append((live, x, m, moves, logp.numpy(), alogp.numpy(), value.numpy(),
                      (after - before)[live].astype(np.float32)))
        before = after
    adv = gae_advantages([(live, value, reward) for live, *_, value, reward in steps],
                         np.zeros(len(decks), np.float32), gae_lambda).astype(np.float32)
    cat = np.concatenate
    values = cat([s[6] for s in steps])
    return {"inputs": cat([s[1] for s in steps]), "masks": cat([s[2] for s in steps]),
            "actions": cat([s[3] for s in steps]).astype(np.int64),
            "logp": cat([s[4] for s in steps]), "anchor_logp": cat([s[5] for s in steps]),
            "advantages": adv, "targets": (adv + values).astype(np.float32),
            "scores": games.scores()}


def anchored_loss(clip: float, entropy_coef: float, kl_coef: float, warm: bool) -> Any:
    """PPO's surrogate + entropy bonus + ``kl_coef``·KL(π_θ ‖ π_anchor); zero while ``warm``."""
    def loss(logits: torch.Tensor, old: torch.Tensor, actions: torch.Tensor,
             advantages: torch.Tensor, masks: torch.Tensor, anchor_logp: torch.Tensor
             ) -> tuple[torch.Tensor, dict[str, float]]:
        base, info = ppo_policy_loss(logits, old, actions, advantages, masks, clip, entropy_coef)
        logp, probs = masked_log_softmax(logits, masks)
        alogp = torch.where(masks, anchor_logp, torch.zeros_like(anchor_logp))
        kl = (probs * (logp - alogp)).sum(-1).mean()
        info["kl_anchor"] = kl.item()
        total = base + kl_coef * kl
        return (0.0 * total if warm else total), info
    return loss


def greedy_score(net: PolicyValueNet, encoding: HanabiEncoding, games: int) -> dict[str, float]:
    decks = [CURVE_DECKS + g for g in range(games)]
    s = play(encoding, net, decks, np.ones(games, bool), 0.0, np.random.default_rng(0),
             record=False)["scores"].astype(float)
    st = score_stats("greedy", s)
    return {"greedy_mean": st["greedy_mean"], "greedy_stderr": st["greedy_stderr"]}


class HanabiPPO:
    """The state of one run: network, frozen anchor, optimiser, RNG, iteration, history."""

    def __init__(self, config: HanabiPPOConfig) -> None:
        self.config = config
        torch.set_num_threads(config.threads)
        ckpt = read(config.start)
        self.net = ckpt.network().eval()
        self.anchor = ckpt.network().eval()
        for p in self.anchor.parameters():
            p.requires_grad_(False)
        self.encoding = hanabi_encoding_for(HanabiGame(players=int(ckpt.encoding["players"])))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr)
        self.rng = np.random.default_rng([config.seed, 7])
        torch.manual_seed(config.seed)
        self.iteration = 0
        self.history: list[dict[str, Any]] = []

    def iterate(self) -> dict[str, Any]:
        c = self.config
        t0 = time.perf_counter()
        decks = [TRAIN_DECKS + c.seed * 10**9 + self.iteration * 10**4 + g for g in range(c.games)]
        data = collect(self.net, self.anchor, self.encoding, decks, self.rng, c.gae_lambda)
        t1 = time.perf_counter()
        warm = self.iteration < c.warmup
        adv = normalised_advantages(data["advantages"])
        tensors = [torch.from_numpy(data[k]) for k in ("inputs", "masks", "actions", "logp")]
        tensors += [torch.from_numpy(adv.astype(np.float32)), torch.from_numpy(data["targets"]),
                    torch.from_numpy(data["anchor_logp"])]
        frozen = [*self.net.trunk.parameters(), *self.net.policy_head.parameters()] if warm else []
        for p in frozen:                       # warm-up: only the value head learns
            p.requires_grad_(False)
        self.net.train()
        stats = minibatch_epochs(self.net, self.optimizer, tensors, self.rng, c.epochs,
                                 c.minibatch, anchored_loss(c.clip, c.entropy_coef, c.kl_coef,
                                                            warm), c.value_coef, c.max_grad_norm)
        for p in frozen:
            p.requires_grad_(True)
        self.net.eval()
        self.iteration += 1
        n = len(data["actions"])
        stats.update({"iteration": self.iteration, "warmup": warm, "decisions": n,
                      "train_score": float(data["scores"].mean()),
                      "collect_decisions_per_s": n / (t1 - t0),
                      "update_decisions_per_s": n * c.epochs / (time.perf_counter() - t1)})
        return stats

    def state(self) -> dict[str, Any]:
        return {"settings": settings_of(self.config), "optimizer": self.optimizer.state_dict(),
                "iteration": self.iteration, "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "history": self.history}

    def load(self, path: str) -> None:
        ckpt = read(path)
        t = ckpt.trainer
        if t is None or "settings" not in t:
            raise ValueError(f"{path} has no PPO trainer state to resume")
        if t["settings"] != settings_of(self.config):
            diff = sorted(k for k in t["settings"] if t["settings"][k] != settings_of(self.config).get(k))
            raise ValueError(f"cannot resume {path}: settings changed ({', '.join(diff)})")
        self.net.load_state_dict(ckpt.network().state_dict())
        self.optimizer.load_state_dict(t["optimizer"])
        self.iteration = int(t["iteration"])
        self.rng.bit_generator.state = t["rng"]
        torch.set_rng_state(t["torch_rng"])
        self.history = list(t["history"])


def run(config: HanabiPPOConfig, out: str, resume: bool = False, command: str = "",
        echo: Any = None) -> HanabiPPO:
    trainer = HanabiPPO(config)
    if resume:
        if not os.path.isfile(out):
            raise ValueError(f"cannot resume: no checkpoint at {out!r}")
        trainer.load(out)
    elif os.path.exists(out):
        raise ValueError(f"{out} exists: pass --resume to continue it, or another --out")
    while trainer.iteration < config.iterations:
        stats = trainer.iterate()
        if echo:
            echo(json.dumps(stats))
        if trainer.iteration % config.eval_every == 0 or trainer.iteration == config.iterations:
            stats.update(greedy_score(trainer.net, trainer.encoding, config.eval_games))
            trainer.history.append(stats)
            save(out, trainer.net, trainer.encoding, meta={"command": command, "ppo": stats},
                 trainer=trainer.state())
            with open(out + ".curve.json", "w") as f:
                json.dump(trainer.history, f, indent=1)
            if echo:
                echo(json.dumps({"eval": stats}))
    return trainer


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = HanabiPPOConfig()
    for f in dataclasses.fields(d):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(getattr(d, f.name)),
                       default=getattr(d, f.name))
    p.add_argument("--out", required=True, help="checkpoint path (rewritten every evaluation)")
    p.add_argument("--resume", action="store_true")


def config_from_args(args: argparse.Namespace) -> HanabiPPOConfig:
    return HanabiPPOConfig(**{f.name: getattr(args, f.name) for f in
                              dataclasses.fields(HanabiPPOConfig)})


def main(argv: list[str] | None = None) -> int:
    import shlex
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m uedtp.search.train.hanabi_ppo",
                                description=(__doc__ or "").splitlines()[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        config = config_from_args(args)
        command = "python -m uedtp.search.train.hanabi_ppo " + " ".join(shlex.quote(a) for a in argv)
        run(config, args.out, args.resume, command, echo=lambda s: print(s, flush=True))
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
