"""A neural Hanabi blueprint trained by imitating a rule-based bot (SmartBot by default).

1. Data: the bot plays self-play games on the native engine (``uedtp.csrc.hanabi_bots.BotSeats``:
   each move is ``decide`` then ``observe`` then ``apply``); every decision is stored as the
   acting player's view (``uedtp.envs.hanabi.tensor``: cards seen, HLE knowledge and SmartBot's public
   convention knowledge), the legal mask and the bot's move uid (the same uids the engine
   plays, so training and play share one action space).
2. One training step: a minibatch of decisions, the masked policy logits of the MLP
   (``uedtp.agents.neural.policy.PolicyValueNet``), cross-entropy with the bot's move (Adam, learning
   rate annealed to 10 % over the run); a held-out split reports move accuracy overall, per
   move kind, and on "play a card the player knows is playable" decisions.
3. Evaluation: the network plays self-play games, all games advanced together
   (``uedtp.csrc.hanabi_features.LockstepGames``: one network call per step for every live game),
   acting by sampling or by argmax.
The result is a *stochastic* full-support policy, the kind of blueprint MD search needs.

Example (the shipped checkpoint; about 6 CPU minutes with one torch thread)::

    python -m uedtp.search.train.imitation --games 12000 --epochs 6 --out checkpoints/hanabi_smartbot_bc.pt
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time
from typing import Any, Callable, Sequence

import numpy as np
import torch
from tqdm import tqdm

from uedtp.agents.neural.checkpoint import save
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.agents.protocol import sample_actions
from uedtp.csrc.hanabi_bots import BotSeats, bot_kind
from uedtp.csrc.hanabi_features import LockstepGames, encode_view, legal_mask
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import HanabiEncoding, hanabi_encoding_for
from uedtp.search.train.chunks import Executor, chunk_ranges, run_chunks

# offsets of the own-slot "playable = yes" flags inside a row (see uedtp.csrc.hanabi_features)
SLOT_FEATURES, PLAYABLE_YES = 56, 46
EYE_FEATURES, EYE_PLAYABLE_YES = 30, 25


@dataclasses.dataclass
class Demonstrations:
    """Recorded decisions: inputs (float16 rows), legal masks, the bot's move uids."""

    inputs: np.ndarray
    masks: np.ndarray
    actions: np.ndarray
    scores: np.ndarray        # the bot's score in each game

    def __len__(self) -> int:
        return len(self.actions)


def generate(encoding: HanabiEncoding, num_games: int, bot: str = "smart", seed: int = 0,
             progress: bool = False, executor: Executor | None = None,
             chunk_games: int = 500) -> Demonstrations:
    """Self-play ``num_games`` seeded games of ``bot`` and record every decision. Game g is
    dealt from deck ``seed * 1_000_003 + g`` and played by the bot alone, so the games split
    into chunks of ``chunk_games`` that run on ``executor`` (``uedtp.search.train.chunks``; default
    in this process) give the same demonstrations, in game order, wherever they run."""
    if isinstance(num_games, bool) or not isinstance(num_games, int) or num_games <= 0:
        raise ValueError(f"num_games must be a positive int, got {num_games!r}")
    bot_kind(bot)                                     # ValueError on an unknown bot
    tasks = [(encoding.players, bot, seed, lo, hi)
             for lo, hi in chunk_ranges(num_games, chunk_games)]
    bar = tqdm(total=num_games, disable=not progress, desc=f"{bot} games", unit="game")
    parts = run_chunks(executor, teacher_games, tasks,
                       lambda i, _: bar.update(tasks[i][4] - tasks[i][3]))
    bar.close()
    return Demonstrations(*(np.concatenate([getattr(p, f.name) for p in parts])
                            for f in dataclasses.fields(Demonstrations)))


def teacher_games(task: tuple[int, str, int, int, int]) -> Demonstrations:
    """The demonstrations of games ``lo..hi-1`` of ``bot`` (one chunk of ``generate``)."""
    players, bot, seed, lo, hi = task
    encoding = hanabi_encoding_for(HanabiGame(players=players))
    game = encoding.game()
    rows: list[np.ndarray] = []
    ms, acts, scores = [], [], []
    row = np.zeros(encoding.size, dtype=np.float32)
    for g in range(lo, hi):
        state = game.new_initial_state(seed=seed * 1_000_003 + g)
        seats = BotSeats(bot, state)
        tables = seats if bot == "smart" else BotSeats("smart", state)
        while not state.is_terminal():
            uid = int(seats.decide(state))
            p = state.current_player()
            encode_view(state, tables, p, row)
            rows.append(row.astype(np.float16))
            ms.append(legal_mask(state))
            acts.append(uid)
            seats.observe(state, uid)
            if tables is not seats:
                tables.observe(state, uid)
            state.apply_action(uid)
        scores.append(state.score())
    return Demonstrations(np.stack(rows), np.stack(ms), np.asarray(acts, dtype=np.int64),
                          np.asarray(scores, dtype=float))


def decision_kinds(encoding: HanabiEncoding, data: Demonstrations) -> dict[str, np.ndarray]:
    """Boolean masks over decisions: the bot's move kind, and 'known_playable_play' (the bot
    plays a slot whose card the player knows is playable, from the convention tables or
    eyesight)."""
    H = encoding.hand_size
    a = data.actions
    kinds = {"discard": a < H, "play": (a >= H) & (a < 2 * H), "hint": a >= 2 * H}
    lay = encoding.layout()
    slot0 = lay["partner_cards"]
    eye0 = slot0 + lay["slot_knowledge"]
    slot = np.clip(a - H, 0, H - 1)
    k_yes = data.inputs[np.arange(len(a)), slot0 + slot * SLOT_FEATURES + PLAYABLE_YES] > 0.5
    e_yes = data.inputs[np.arange(len(a)), eye0 + slot * EYE_FEATURES + EYE_PLAYABLE_YES] > 0.5
    kinds["known_playable_play"] = kinds["play"] & (k_yes | e_yes)
    return kinds


def cross_entropy_pass(net: PolicyValueNet, x: torch.Tensor, m: torch.Tensor, a: torch.Tensor,
                       order: np.ndarray, minibatch: int, opt: torch.optim.Optimizer,
                       sched: torch.optim.lr_scheduler.LRScheduler,
                       weights: torch.Tensor | None = None,
                       reference: PolicyValueNet | None = None, kl: float = 0.0,
                       smoothing: float = 0.0) -> int:
    """One pass of masked cross-entropy with the teacher's moves over the rows ``order``, in
    minibatches (one optimiser and one schedule step each); returns the number of steps.

    ``weights`` (one per row): the minibatch loss is the weighted mean of the rows'
    cross-entropies instead of the plain mean. ``reference`` with ``kl > 0``: plus ``kl`` times
    the mean KL(reference || net) over the rows' legal moves (keeps the net near a start).
    ``smoothing`` s in [0, 1): each row's target is (1 - s) on the teacher's move plus s spread
    evenly over the row's legal moves (label smoothing restricted to legal moves; keeps every
    legal move's probability away from zero)."""
    perm = torch.from_numpy(order)
    steps = 0
    for lo in range(0, len(perm), minibatch):
        idx = perm[lo:lo + minibatch]
        xb, mb = x[idx].float(), m[idx]
        logits, _ = net(xb, mb)
        ce = torch.nn.functional.cross_entropy(logits, a[idx], reduction="none")
        if smoothing > 0:
            legal = mb.bool()
            logp = torch.log_softmax(logits, -1)
            spread = -torch.where(legal, logp, torch.zeros_like(logp)).sum(-1) / legal.sum(-1)
            ce = (1.0 - smoothing) * ce + smoothing * spread
        if weights is None:
            loss = ce.mean()
        else:
            w = weights[idx]
            loss = (w * ce).sum() / w.sum().clamp_min(1e-12)
        if reference is not None and kl > 0:
            with torch.no_grad():
                ref_logits, _ = reference(xb, mb)
                ref_logp = torch.log_softmax(ref_logits, -1)
            logp = torch.log_softmax(logits, -1)
            legal = mb.bool()
            terms = torch.where(legal, ref_logp.exp() * (ref_logp - logp),
                                torch.zeros_like(logp))
            loss = loss + kl * terms.sum(-1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        steps += 1
    return steps


def train(encoding: HanabiEncoding, data: Demonstrations, hidden: Sequence[int] = (256, 256),
          epochs: int = 6,
          lr: float = 1e-3, minibatch: int = 256, holdout: float = 0.05, seed: int = 0,
          progress: bool = False) -> tuple[PolicyValueNet, dict[str, float]]:
    """Behaviour cloning by masked cross-entropy; returns the net and accuracy figures."""
    if not 0.0 <= holdout < 1.0 or epochs <= 0 or minibatch <= 0 or not lr > 0:
        raise ValueError("need 0 <= holdout < 1 and positive epochs, minibatch and lr")
    if data.inputs.shape[1] != encoding.size:
        raise ValueError(f"demonstrations have {data.inputs.shape[1]} features, the encoding "
                         f"has {encoding.size} (recorded with another encoding?)")
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
    steps = epochs * ((len(tr) + minibatch - 1) // minibatch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / max(1, steps))
    bar = tqdm(total=steps, disable=not progress, desc="imitation", mininterval=2.0)
    for _ in range(epochs):
        net.train()
        bar.update(cross_entropy_pass(net, x, m, a, rng.permutation(tr), minibatch, opt, sched))
    bar.close()
    net.eval()
    kinds = decision_kinds(encoding, data)
    stats: dict[str, float] = {}
    with torch.inference_mode():
        for name, rows in (("train", tr[:200_000]), ("holdout", val)):
            if len(rows) == 0:
                continue
            t = torch.from_numpy(rows)
            logits, _ = net(x[t].float(), m[t])
            hit = (logits.argmax(-1) == a[t]).numpy()
            stats[f"{name}_accuracy"] = float(hit.mean())
            stats[f"{name}_loss"] = float(torch.nn.functional.cross_entropy(logits, a[t]))
            if name == "holdout":
                for kind, mask in kinds.items():
                    sel = mask[rows]
                    if sel.any():
                        stats[f"holdout_accuracy_{kind}"] = float(hit[sel].mean())
                        stats[f"holdout_share_{kind}"] = float(sel.mean())
    return net.eval(), stats


def score_stats(name: str, scores: np.ndarray) -> dict[str, float]:
    """``{name}_mean``, ``{name}_stderr`` (0 for one game) and ``{name}_zero_rate`` of self-play
    scores.

    >>> score_stats("greedy", np.array([20.0, 22.0, 0.0, 24.0]))["greedy_zero_rate"]
    0.25
    """
    s = np.asarray(scores, dtype=float)
    return {f"{name}_mean": float(s.mean()),
            f"{name}_stderr": float(s.std(ddof=1) / np.sqrt(len(s))) if len(s) > 1 else 0.0,
            f"{name}_zero_rate": float(np.mean(s == 0))}


def self_play_scores(policy: TorchPolicy, num_games: int, seed: int = 0, greedy: bool = True,
                     decks_seed: int | None = None) -> np.ndarray:
    """HLE scores of ``policy`` in self-play, all games advanced in lockstep (one network call
    per step). Game g is dealt from seed ``10_000_019 + decks_seed * 7919 + g`` (decks_seed
    defaults to ``seed``); ``seed`` drives the sampling of moves."""
    if num_games <= 0:
        raise ValueError(f"num_games must be positive, got {num_games}")
    if not isinstance(policy.encoding, HanabiEncoding):
        raise TypeError("self_play_scores needs a policy over the native Hanabi encoding")
    game: HanabiGame = policy.encoding.game()
    rng = np.random.default_rng(seed)
    ds = seed if decks_seed is None else decks_seed
    games = LockstepGames(num_games)
    for g in range(num_games):
        state = game.new_initial_state(seed=10_000_019 + ds * 7919 + g)
        games.add(state, BotSeats("smart", state))
    while True:
        live = games.live()
        if len(live) == 0:
            break
        probs = policy.probabilities(games.encode(live), games.legal_masks(live))
        acts = np.argmax(probs, 1) if greedy else sample_actions(probs, rng.random(len(live)))
        games.step(live, acts)
    return games.scores().astype(float)


# ---- command line (also used by python -m uedtp.search.train.dagger and uedtp.eval.train_hanabi) ----------

def _checked(kind: Callable[[str], Any], ok: Callable[[Any], bool], what: str
             ) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` if that parses and passes ``ok``, else a message
    naming ``what`` was expected."""
    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            v = None
        if v is None or not ok(v):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return v
    return parse


positive_int = _checked(int, lambda v: v > 0, "a positive integer")
positive_float = _checked(float, lambda v: 0.0 < v < float("inf"), "a positive number")
unit_float = _checked(float, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")


def config_from_namespace(cls: Any, args: argparse.Namespace, progress: bool = False) -> Any:
    """A trainer's config dataclass ``cls`` from parsed options named as its fields (all but
    ``progress``, given here); the dataclass checks the values (``ValueError`` if bad)."""
    options = {f.name: getattr(args, f.name) for f in dataclasses.fields(cls)
               if f.name != "progress"}
    return cls(**options, progress=progress)


def hidden_sizes(text: str) -> tuple[int, ...]:
    return tuple(positive_int(t) for t in text.split(","))


def player_count(text: str) -> int:
    v = positive_int(text)
    if not 2 <= v <= 5:
        raise argparse.ArgumentTypeError(f"expected a player count in 2..5, got {text!r}")
    return v


def known_bot(text: str) -> str:
    try:
        bot_kind(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of an imitation run on ``p``."""
    p.add_argument("--players", type=player_count, default=2, help="2..5")
    p.add_argument("--bot", type=known_bot, default="smart", help="the teacher bot")
    p.add_argument("--games", type=positive_int, default=4000, help="teacher games")
    p.add_argument("--epochs", type=positive_int, default=6)
    p.add_argument("--hidden", type=hidden_sizes, default=(256, 256), help="e.g. 256,256")
    p.add_argument("--lr", type=positive_float, default=1e-3)
    p.add_argument("--minibatch", type=positive_int, default=256)
    p.add_argument("--eval-games", type=positive_int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=positive_int, default=1, help="torch threads")
    p.add_argument("--chunk-games", type=positive_int, default=500,
                   help="teacher games per chunk (the unit a worker plays; same data for any)")
    p.add_argument("--out", required=True, help="checkpoint path")


def run(args: argparse.Namespace, command: str, executor: Executor | None = None
        ) -> dict[str, float | int | str]:
    """Generate the teacher's games (on ``executor``), train, evaluate, save ``args.out``;
    returns the figures saved with the checkpoint."""
    torch.set_num_threads(args.threads)
    encoding = hanabi_encoding_for(HanabiGame(players=args.players))
    start = time.perf_counter()
    data = generate(encoding, args.games, args.bot, args.seed, progress=True,
                    executor=executor, chunk_games=args.chunk_games)
    net, stats = train(encoding, data, tuple(args.hidden), args.epochs, args.lr,
                       args.minibatch, seed=args.seed, progress=True)
    policy = TorchPolicy(net, encoding, seed=args.seed)
    result: dict[str, float | int | str] = {
        "bot": args.bot, "players": args.players, "demonstration_games": args.games,
        "decisions": len(data), "bot_mean_score": float(data.scores.mean()), **stats}
    for greedy in (True, False):
        s = self_play_scores(policy, args.eval_games, seed=args.seed + 1, greedy=greedy)
        key = "greedy" if greedy else "sampled"
        st = score_stats(key, s)
        result[f"{key}_mean_score"] = st[f"{key}_mean"]
        result[f"{key}_stderr"] = st[f"{key}_stderr"]
        result[f"{key}_bomb_rate"] = st[f"{key}_zero_rate"]
    result["seconds"] = time.perf_counter() - start
    save(args.out, net, encoding, meta={"imitation": result, "command": command})
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m uedtp.search.train.imitation",
                                description=__doc__.splitlines()[0],
                                epilog="Teacher games run in this process; on worker processes "
                                "or a Ray cluster: python -m uedtp.eval.train_hanabi imitation "
                                "--backend ...")
    add_arguments(p)
    args = p.parse_args(argv)
    result = run(args, "python -m uedtp.search.train.imitation " + " ".join(argv or []))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(main(sys.argv[1:]))
