"""DAgger for the neural Hanabi blueprint: the student plays, SmartBot labels every state it reaches.

Behaviour cloning (``uedtp.search.train.imitation``) learns SmartBot's moves on SmartBot's own games,
so the clone's small errors lead it to states its data never showed, where it errs more. Here:

* Round 0 (behaviour cloning): ``round0_games`` SmartBot self-play games; every decision is
  recorded as the mover's view, legal mask and SmartBot's move (the data ``imitation.generate``
  records, collected through the lockstep path, which encodes the same rows).
* Round k >= 1: the round-(k-1) network plays ``games_per_round`` self-play games in lockstep
  (``uedtp.csrc.hanabi_features.LockstepGames``). Each game holds SmartBot's tables for every seat
  and every move played is observed by them, so ``bot_moves`` is SmartBot's move at the very
  state the student reached; that move is the label. The mover at each decision is SmartBot
  with probability ``beta * beta_decay**(k-1)`` and the student otherwise (classic DAgger's
  mixture; the default ``beta=0`` is the "pure student after the first round" variant, since
  round 0 already is the teacher's data). The student acts greedily, by sampling, or (``mixed``,
  the default) greedily in even-numbered games and by sampling in odd ones, so the data covers
  both the states of greedy play (which the score is judged by) and their neighbourhood.
* After each round the network is trained on the aggregate of all rounds: masked
  cross-entropy with the labels, Adam with the learning rate annealed to 10 % over the round's
  ``epochs`` passes, warm-started from the previous round (``retrain="finetune"``) or
  re-initialised (``"fresh"``).

Games are generated in chunks of ``chunk_games`` consecutive game indices
(``uedtp.search.train.chunks``): each chunk is one lockstep batch with its own random stream, seeded
by (seed, round, chunk), and the student travels to it as weights, so a round's data is the
same bit for bit whether the chunks run here one after the other (the default) or on an
executor passed to ``run`` (worker processes or Ray: ``python -m uedtp.eval.train_hanabi dagger
--backend ...``). Whole games are held out (a ``holdout`` fraction, drawn per chunk when its
games are recorded, never trained on). Each round reports: held-out move accuracy overall and per kind on SmartBot's own states
(round 0) and on the student's states (rounds >= 1), the previous student's accuracy on the
states it reached before training on them, greedy and sampled self-play scores (± s.e.) on
evaluation decks no round trains on, data sizes and times. Deck seeds (``g`` < 10^6 a game
index): round k game g is dealt from ``2*10^12 + seed*10^9 + k*10^6 + g``; evaluation game g
from ``4*10^12 + seed*10^6 + g``. Everything in round k is seeded by (seed, k), so a run resumed
from its round checkpoint (``uedtp.search.train.dagger_store``) gives the same weights as one that
was never interrupted.

Example (the 2-player background run; see ``--help``)::

    python -m uedtp.search.train.dagger --players 2 --round0-games 4000 --games-per-round 2000 \\
        --rounds 8 --epochs 2 --out results/dagger/p2.pt
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from typing import Any, overload, Sequence

import numpy as np
import torch

from uedtp.agents.neural.checkpoint import CheckpointError, save
from uedtp.agents.neural.policy import PolicyValueNet, masked_probabilities
from uedtp.agents.protocol import sample_actions
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_features import LockstepGames
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import HanabiEncoding, hanabi_encoding_for
from uedtp.search.train import dagger_store as store
from uedtp.search.train.chunks import Executor, chunk_ranges, run_chunks
from uedtp.search.train.imitation import (Demonstrations, config_from_namespace, cross_entropy_pass,
                                          decision_kinds, hidden_sizes, positive_int, score_stats,
                                          unit_float)

ACTING = ("mixed", "greedy", "sample")
RETRAIN = ("finetune", "fresh")
MAX_GAMES = 10**6


@dataclasses.dataclass
class DaggerConfig:
    players: int = 2
    round0_games: int = 4000
    games_per_round: int = 2000
    rounds: int = 8
    epochs: int = 2
    round0_epochs: int = 6
    hidden: tuple[int, ...] = (256, 256)
    lr: float = 1e-3
    minibatch: int = 256
    holdout: float = 0.05
    beta: float = 0.0
    beta_decay: float = 0.5
    act: str = "mixed"
    retrain: str = "finetune"
    eval_games: int = 1000
    chunk_games: int = 250
    seed: int = 0
    threads: int = 1
    progress: bool = False

    def __post_init__(self) -> None:
        self.hidden = tuple(int(h) for h in self.hidden)
        for name in ("players", "round0_games", "games_per_round", "rounds", "epochs",
                     "round0_epochs", "minibatch", "eval_games", "chunk_games", "threads"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if not 2 <= self.players <= 5:
            raise ValueError(f"players must be 2..5, got {self.players}")
        if max(self.round0_games, self.games_per_round, self.eval_games) > MAX_GAMES:
            raise ValueError(f"at most {MAX_GAMES} games per round or evaluation")
        if not self.hidden or min(self.hidden) <= 0:
            raise ValueError(f"hidden sizes must be positive, got {self.hidden}")
        if not 0.0 <= self.holdout < 1.0 or not 0.0 <= self.beta <= 1.0 \
                or not 0.0 <= self.beta_decay <= 1.0 or not self.lr > 0:
            raise ValueError("need 0 <= holdout < 1, 0 <= beta, beta_decay <= 1 and lr > 0")
        if self.act not in ACTING or self.retrain not in RETRAIN:
            raise ValueError(f"act must be one of {ACTING} and retrain one of {RETRAIN}")
        if not 0 <= self.seed < 1000:
            raise ValueError(f"seed must be 0..999 (deck seeds are spaced by it), got {self.seed}")

    def beta_at(self, k: int) -> float:
        """Probability that SmartBot, not the student, moves at a decision of round k."""
        return 1.0 if k == 0 else self.beta * self.beta_decay ** (k - 1)


def round_deck(seed: int, k: int, g: int) -> int:
    return 2 * 10**12 + seed * 10**9 + k * 10**6 + g


def eval_deck(seed: int, g: int) -> int:
    return 4 * 10**12 + seed * 10**6 + g


def _lockstep(game: HanabiGame, decks: Sequence[int]) -> LockstepGames:
    games = LockstepGames(len(decks))
    for d in decks:
        state = game.new_initial_state(seed=int(d))
        games.add(state, BotSeats("smart", state))
    return games


def play(encoding: HanabiEncoding, net: PolicyValueNet | None, decks: Sequence[int],
         greedy: np.ndarray, beta: float, rng: np.random.Generator, record: bool = True
         ) -> dict[str, np.ndarray]:
    """Self-play one game per deck seed in lockstep. At each decision the mover is SmartBot with
    probability ``beta``, else ``net`` (argmax where ``greedy[g]``, sampled otherwise). With
    ``record``, returns every decision's row, mask, SmartBot's move ('labels'), the move
    played, the game index, and whether the student's argmax equals the label ('hit'); always
    the final 'scores'."""
    if net is None and beta < 1.0:
        raise ValueError("a student network is needed unless beta == 1")
    games = _lockstep(encoding.game(), decks)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("inputs", "masks", "labels", "played", "game", "hit")}
    while True:
        live = games.live()
        if len(live) == 0:
            break
        x, m = games.encode(live), games.legal_masks(live)
        teacher = games.bot_moves(live)
        u, coin = rng.random(len(live)), rng.random(len(live))
        if net is not None:
            probs = masked_probabilities(net, x, m)
            arg = np.argmax(probs, 1)
            student = np.where(greedy[live], arg, sample_actions(probs, u))
        else:
            arg = student = teacher
        moves = np.where(coin < beta, teacher, student)
        if record:
            for key, v in (("inputs", x.astype(np.float16)), ("masks", m), ("labels", teacher),
                           ("played", moves), ("game", live), ("hit", arg == teacher)):
                parts[key].append(v)
        games.step(live, moves)
    out = {k: np.concatenate(v) for k, v in parts.items() if v}
    out["scores"] = games.scores().astype(np.int64)
    return out


@dataclasses.dataclass(frozen=True)
class PlayChunk:
    """One chunk of self-play games, everything a worker needs to play it (picklable)."""

    players: int
    weights: dict[str, np.ndarray] | None      # the student's state dict; None: SmartBot only
    hidden: tuple[int, ...]
    decks: tuple[int, ...]
    greedy: np.ndarray
    beta: float
    first_game: int                             # the round's index of the chunk's first game
    rng_seed: tuple[int, ...]
    holdout: float = 0.0
    record: bool = True
    threads: int = 1


@overload
def student_weights(net: PolicyValueNet) -> dict[str, np.ndarray]: ...
@overload
def student_weights(net: None) -> None: ...
def student_weights(net: PolicyValueNet | None) -> dict[str, np.ndarray] | None:
    """The network's parameters as numpy arrays (what a chunk ships to a worker)."""
    if net is None:
        return None
    return {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}


def network_from(weights: dict[str, np.ndarray], encoding: HanabiEncoding,
                 hidden: Sequence[int]) -> PolicyValueNet:
    """The network a worker rebuilds from ``student_weights`` (eval mode)."""
    net = PolicyValueNet(encoding.size, encoding.num_actions, tuple(hidden))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    return net.eval()


def play_chunk(task: PlayChunk) -> dict[str, np.ndarray]:
    """Play one chunk (``play``); 'game' is the round's game index and, when recording,
    'holdout' flags the rows of held-out games."""
    if torch.get_num_threads() != task.threads:
        torch.set_num_threads(task.threads)
    encoding = hanabi_encoding_for(HanabiGame(players=task.players))
    net = None if task.weights is None else network_from(task.weights, encoding, task.hidden)
    rng = np.random.default_rng(list(task.rng_seed))
    data = play(encoding, net, task.decks, task.greedy, task.beta, rng, task.record)
    if task.record:
        held = rng.random(len(task.decks)) < task.holdout
        data["holdout"] = held[data["game"]]
        data["game"] = data["game"] + task.first_game
    return data


def play_chunks(config: DaggerConfig, net: PolicyValueNet | None, decks: Sequence[int],
                greedy: np.ndarray, beta: float, seed: Sequence[int], record: bool = True,
                executor: Executor | None = None) -> dict[str, np.ndarray]:
    """Self-play the games of ``decks`` in chunks of ``config.chunk_games`` (chunk c seeded by
    ``seed + (c,)``) on ``executor``; the chunks' arrays concatenated in game order."""
    weights = student_weights(net)
    tasks = [PlayChunk(config.players, weights, config.hidden, tuple(int(d) for d in decks[lo:hi]),
                       greedy[lo:hi], beta, lo, (*seed, c), config.holdout, record,
                       config.threads)
             for c, (lo, hi) in enumerate(chunk_ranges(len(decks), config.chunk_games))]
    bar = None
    if config.progress:
        from tqdm import tqdm
        bar = tqdm(total=len(decks), unit="game", desc="dagger games", mininterval=1.0)
    parts = run_chunks(executor, play_chunk, tasks,
                       None if bar is None else lambda i, _: bar.update(len(tasks[i].decks)))
    if bar is not None:
        bar.close()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def collect(config: DaggerConfig, encoding: HanabiEncoding, net: PolicyValueNet | None,
            k: int, executor: Executor | None = None
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Round ``k``'s decisions (with a per-row held-out flag) and the acting student's hits."""
    n = config.round0_games if k == 0 else config.games_per_round
    greedy = {"greedy": np.ones(n, bool), "sample": np.zeros(n, bool),
              "mixed": np.arange(n) % 2 == 0}[config.act]
    decks = [round_deck(config.seed, k, g) for g in range(n)]
    data = play_chunks(config, net, decks, greedy, config.beta_at(k), (config.seed, k, 1),
                       executor=executor)
    return data, data.pop("hit")


def kind_masks(encoding: HanabiEncoding, inputs: np.ndarray, labels: np.ndarray
               ) -> dict[str, np.ndarray]:
    return decision_kinds(encoding, Demonstrations(inputs, np.zeros((0, 0)), labels,
                                                   np.zeros(0)))


def accuracy(encoding: HanabiEncoding, net: PolicyValueNet | None, inputs: np.ndarray,
             masks: np.ndarray, labels: np.ndarray, hit: np.ndarray | None = None,
             prefix: str = "") -> dict[str, float]:
    """Move accuracy overall and per kind (SmartBot's move kind); ``hit`` if already known."""
    if len(labels) == 0:
        return {}
    if hit is None:
        assert net is not None
        hits = []
        with torch.inference_mode():
            for lo in range(0, len(labels), 16384):
                logits, _ = net(torch.from_numpy(inputs[lo:lo + 16384]).float(),
                                torch.from_numpy(masks[lo:lo + 16384]))
                hits.append((logits.argmax(-1).numpy() == labels[lo:lo + 16384]))
        hit = np.concatenate(hits)
    stats = {f"{prefix}accuracy": float(hit.mean()), f"{prefix}decisions": int(len(hit))}
    for kind, sel in kind_masks(encoding, inputs, labels).items():
        if sel.any():
            stats[f"{prefix}accuracy_{kind}"] = float(hit[sel].mean())
    return stats


def fit(config: DaggerConfig, encoding: HanabiEncoding, net: PolicyValueNet | None,
        rounds: list[dict[str, np.ndarray]], k: int) -> PolicyValueNet:
    """Train on the non-held-out decisions of rounds 0..k (module docstring)."""
    torch.manual_seed(config.seed * 1009 + k)
    rng = np.random.default_rng([config.seed, k, 2])
    if net is None or config.retrain == "fresh":
        net = PolicyValueNet(encoding.size, encoding.num_actions, config.hidden)
    keep = [~r["holdout"] for r in rounds]
    x = torch.from_numpy(np.concatenate([r["inputs"][s] for r, s in zip(rounds, keep)]))
    m = torch.from_numpy(np.concatenate([r["masks"][s] for r, s in zip(rounds, keep)]))
    a = torch.from_numpy(np.concatenate([r["labels"][s] for r, s in zip(rounds, keep)]))
    epochs = config.round0_epochs if k == 0 else config.epochs
    batches = (len(a) + config.minibatch - 1) // config.minibatch
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: 1.0 - 0.9 * i / max(1, epochs * batches))
    net.train()
    for _ in range(epochs):
        cross_entropy_pass(net, x, m, a, rng.permutation(len(a)), config.minibatch, opt, sched)
    return net.eval()


def evaluate(config: DaggerConfig, encoding: HanabiEncoding, net: PolicyValueNet | None,
             executor: Executor | None = None) -> dict[str, float]:
    """Greedy and sampled self-play on the evaluation decks (SmartBot itself when ``net`` is
    None)."""
    n = config.eval_games
    decks = [eval_deck(config.seed, g) for g in range(n)]
    out: dict[str, float] = {}
    modes = (("greedy", True), ("sampled", False)) if net is not None else (("teacher", True),)
    for name, greedy in modes:
        s = play_chunks(config, net, decks, np.full(n, greedy), 0.0 if net is not None else 1.0,
                        (config.seed, 10**6), record=False,
                        executor=executor)["scores"].astype(float)
        out.update(score_stats(name, s))
    return out


def run_round(config: DaggerConfig, encoding: HanabiEncoding, net: PolicyValueNet | None,
              rounds: list[dict[str, np.ndarray]], k: int, executor: Executor | None = None
              ) -> tuple[PolicyValueNet, dict[str, np.ndarray], dict[str, Any]]:
    """Collect round k (with the current student), train on the aggregate, evaluate; the
    games of both are played on ``executor`` (default: in this process)."""
    t0 = time.perf_counter()
    data, hit = collect(config, encoding, net, k, executor)
    t1 = time.perf_counter()
    entry: dict[str, Any] = {"round": k, "beta": config.beta_at(k),
                             "new_games": int(len(data["scores"])),
                             "new_decisions": int(len(data["labels"])),
                             "acting_mean_score": float(data["scores"].mean())}
    if k > 0:     # the previous student on the states it reached, before training on them
        entry.update(accuracy(encoding, None, data["inputs"], data["masks"], data["labels"],
                              hit, prefix="onpolicy_"))
    aggregate = rounds + [data]
    net = fit(config, encoding, net, aggregate, k)
    t2 = time.perf_counter()
    entry["train_decisions"] = int(sum((~r["holdout"]).sum() for r in aggregate))
    entry["holdout_decisions"] = int(sum(r["holdout"].sum() for r in aggregate))
    r0 = aggregate[0]
    entry.update(accuracy(encoding, net, r0["inputs"][r0["holdout"]], r0["masks"][r0["holdout"]],
                          r0["labels"][r0["holdout"]], prefix="holdout_teacher_"))
    if k > 0:
        held = [r for r in aggregate[1:]]
        sel = [r["holdout"] for r in held]
        entry.update(accuracy(
            encoding, net, np.concatenate([r["inputs"][s] for r, s in zip(held, sel)]),
            np.concatenate([r["masks"][s] for r, s in zip(held, sel)]),
            np.concatenate([r["labels"][s] for r, s in zip(held, sel)]),
            prefix="holdout_student_"))
    entry.update(evaluate(config, encoding, net, executor))
    t3 = time.perf_counter()
    entry.update({"collect_s": t1 - t0, "train_s": t2 - t1, "eval_s": t3 - t2})
    return net, data, entry


def run(config: DaggerConfig, out: str | None = None, resume: bool = False,
        command: str = "", echo: Any = None, executor: Executor | None = None
        ) -> tuple[PolicyValueNet, list[dict[str, Any]]]:
    """Run (or, with ``resume``, continue) rounds 0..rounds-1, checkpointing each at ``out``;
    the games are played on ``executor`` (default: in this process)."""
    torch.set_num_threads(config.threads)
    encoding = hanabi_encoding_for(HanabiGame(players=config.players))
    fp = store.fingerprint(config)
    net: PolicyValueNet | None = None
    rounds: list[dict[str, np.ndarray]] = []
    history: list[dict[str, Any]] = []
    if resume:
        if out is None or not os.path.isfile(out):
            raise store.ResumeError(f"cannot resume: no checkpoint at {out!r}")
        ckpt, rounds = store.load_run(out, config, encoding.game_string)
        net = ckpt.network()
        assert ckpt.trainer is not None        # load_run refuses a checkpoint without it
        history = list(ckpt.trainer["history"])
        if echo:
            echo(f"resumed {out} after round {len(rounds) - 1}")
    elif out is not None and os.path.exists(out):
        raise store.ResumeError(f"{out} exists: pass --resume to continue it, or another --out")
    if not history:
        teacher = evaluate(config, encoding, None, executor)
        history.append({"round": -1, **teacher})
        if echo:
            echo(json.dumps(history[-1]))
    start = time.perf_counter() - float(history[-1].get("elapsed_s", 0.0))   # across resumes
    for k in range(len(rounds), config.rounds):
        net, data, entry = run_round(config, encoding, net, rounds, k, executor)
        rounds.append(data)
        entry["elapsed_s"] = time.perf_counter() - start
        history.append(entry)
        if out is not None:
            store.save_round(out, k, data, fp)
            save(out, net, encoding, meta={"command": command, "dagger": entry},
                 trainer={"dagger_round": k, "fingerprint": fp,
                          "settings": store.settings_of(config), "history": history})
            store.append_log(out, entry)
        if echo:
            echo(json.dumps(entry))
    assert net is not None
    return net, history


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of a DAgger run (every ``DaggerConfig`` field but ``progress``, ``--out``,
    ``--resume``) on ``p``."""
    d = DaggerConfig()
    p.add_argument("--players", type=positive_int, default=d.players, help="2..5")
    p.add_argument("--round0-games", type=positive_int, default=d.round0_games,
                   help="SmartBot self-play games of round 0 (behaviour cloning)")
    p.add_argument("--games-per-round", type=positive_int, default=d.games_per_round,
                   help="student self-play games per later round")
    p.add_argument("--rounds", type=positive_int, default=d.rounds,
                   help="total rounds including round 0 (may be raised on --resume)")
    p.add_argument("--epochs", type=positive_int, default=d.epochs,
                   help="passes over the aggregate per round >= 1")
    p.add_argument("--round0-epochs", type=positive_int, default=d.round0_epochs)
    p.add_argument("--hidden", type=hidden_sizes, default=d.hidden, help="e.g. 256,256")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--minibatch", type=positive_int, default=d.minibatch)
    p.add_argument("--holdout", type=unit_float, default=d.holdout,
                   help="fraction of games held out")
    p.add_argument("--beta", type=unit_float, default=d.beta,
                   help="teacher-move probability in round 1 (decays by --beta-decay)")
    p.add_argument("--beta-decay", type=unit_float, default=d.beta_decay)
    p.add_argument("--act", choices=ACTING, default=d.act, help="how the student acts")
    p.add_argument("--retrain", choices=RETRAIN, default=d.retrain)
    p.add_argument("--eval-games", type=positive_int, default=d.eval_games)
    p.add_argument("--chunk-games", type=positive_int, default=d.chunk_games,
                   help="games per lockstep chunk (the unit a worker plays; changes the data)")
    p.add_argument("--seed", type=int, default=d.seed, help="0..999")
    p.add_argument("--threads", type=positive_int, default=d.threads, help="torch threads")
    p.add_argument("--out", required=True, help="checkpoint path (rewritten every round)")
    p.add_argument("--resume", action="store_true", help="continue the run saved at --out")


def config_from_args(args: argparse.Namespace, progress: bool = False) -> DaggerConfig:
    """The ``DaggerConfig`` of parsed ``add_arguments`` options (``ValueError`` if bad)."""
    config: DaggerConfig = config_from_namespace(DaggerConfig, args, progress)
    return config


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m uedtp.search.train.dagger",
                                description=__doc__.splitlines()[0],
                                epilog="Games run in this process; on worker processes or a "
                                "Ray cluster: python -m uedtp.eval.train_hanabi dagger --backend ...")
    add_arguments(p)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        command = "python -m uedtp.search.train.dagger " + " ".join(shlex.quote(a) for a in argv)
        run(config, args.out, args.resume, command, echo=lambda s: print(s, flush=True))
    except (ValueError, CheckpointError, OSError) as err:   # ResumeError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
