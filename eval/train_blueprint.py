"""Train a neural blueprint by self-play (deep MMD or PPO) and write resumable checkpoints.

One step of the loop: ``trainer.update()`` (one self-play collection round + optimisation);
every ``--eval-every`` updates, a seat-swapped evaluation against uniform random and the last
snapshots is printed and appended to the run's results store ``<out without .pt>.run/``
(``uedtp.eval.runs.store``: the training configuration and its fingerprint, one record per evaluation
keyed by its update number, a lock so a second trainer on the same ``--out`` is refused), a
snapshot is taken and the checkpoint ``<out>`` is rewritten atomically (with the optimizer/RNG
state, so ``--resume`` continues the same run; an evaluation already recorded before a crash is
not recorded twice, and a resume with other training settings is refused). ``--ship PATH`` also writes a weights-only copy (no trainer state) for shipping.
``--track-exploitability EVERY`` also measures the approximate exploitability of the current network
every EVERY updates (and at the last one): a best-response learner of ``uedtp.eval.approx_exploitability``
(one seed, ``--track-restarts`` restarts × ``--track-train-games`` games) is trained against the frozen
network, the point (update, decisions, value ± s.e.) is appended to the JSON curve
``<out without .pt>.exploitability.json`` (kept across ``--resume``) and the measured network is kept,
weights only, as ``<out without .pt>.u<update>.pt`` (to ship or to add to an opponent pool).

Example::

    python -m uedtp.eval.train_blueprint --game "dark_hex(board_size=3,gameversion=adh)" \\
        --algorithm mmd --updates 1500 --out results/adh_mmd.pt --ship checkpoints/adh_mmd.pt
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shlex
import sys
import time
from typing import Any

import torch
from tqdm import tqdm

from uedtp.agents.neural.batch import NetActor
from uedtp.agents.neural.checkpoint import read
from uedtp.eval.approx_exploitability import BRConfig, train_best_response
from uedtp.envs.openspiel_games import load_game, require_two_player_zero_sum
from uedtp.eval.runs.store import CONFIG_FILE, RunStore, load_config
from uedtp.eval.cli import (ArgumentParser, UsageError, float_in, int_list, non_negative_float,
                            non_negative_int, openspiel_game, output_file, positive_float, positive_int,
                            run)
from uedtp.search.train.deep_mmd import SCHEDULES, DeepMMDTrainer, MMDConfig
from uedtp.search.train.ppo import PPOConfig, PPOTrainer
from uedtp.search.train.self_play import SelfPlayTrainer


PROG = "python -m uedtp.eval.train_blueprint"


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--game", required=True, type=openspiel_game,
                   help="two-player zero-sum OpenSpiel game")
    p.add_argument("--algorithm", choices=("mmd", "ppo"), default="mmd")
    p.add_argument("--updates", type=positive_int, default=1000, help="total self-play updates")
    p.add_argument("--games-per-update", type=positive_int, default=256)
    p.add_argument("--hidden", type=int_list(1, 1), default=[128, 128], help="comma-separated hidden layer sizes")
    p.add_argument("--lr", type=positive_float, default=3e-4)
    p.add_argument("--epochs", type=positive_int, default=2)
    p.add_argument("--minibatch", type=positive_int, default=512)
    p.add_argument("--alpha", type=positive_float, default=0.05)
    p.add_argument("--alpha-final", type=non_negative_float, default=0.005)
    p.add_argument("--alpha-schedule", choices=SCHEDULES, default="linear")
    p.add_argument("--eta", type=positive_float, default=1.0)
    p.add_argument("--eta-final", type=positive_float, default=1.0)
    p.add_argument("--eta-schedule", choices=SCHEDULES, default="constant")
    p.add_argument("--entropy-coef", type=non_negative_float, default=0.01, help="PPO only")
    p.add_argument("--entropy-coef-final", type=non_negative_float, default=None,
                   help="PPO only: entropy weight at the end (default: --entropy-coef)")
    p.add_argument("--entropy-schedule", choices=SCHEDULES, default=None,
                   help="PPO only: schedule of the entropy weight (default: constant)")
    p.add_argument("--clip", type=float_in(0.0, 1.0, low_open=True, high_open=True), default=0.2, help="PPO only")
    p.add_argument("--eval-every", type=positive_int, default=100)
    p.add_argument("--eval-games", type=positive_int, default=1000)
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--threads", type=positive_int, default=1, help="torch threads (default 1)")
    p.add_argument("--out", required=True, type=output_file(create_folders=True), help="checkpoint path (rewritten as training goes)")
    p.add_argument("--ship", default=None, type=output_file(create_folders=True), help="also write a weights-only checkpoint here")
    p.add_argument("--resume", action="store_true", help="continue the run saved at --out")
    p.add_argument("--track-exploitability", type=positive_int, default=None, metavar="EVERY",
                   help="every EVERY updates, measure approximate exploitability (one best-response "
                        "seed) and append it to <out>.exploitability.json")
    p.add_argument("--track-train-games", type=positive_int, default=40960,
                   help="best-response training games per restart for --track-exploitability")
    p.add_argument("--track-restarts", type=positive_int, default=4,
                   help="best-response restarts for --track-exploitability")
    p.add_argument("--no-progress", action="store_true")
    return p


def make_trainer(args: argparse.Namespace) -> SelfPlayTrainer:
    hidden = tuple(args.hidden)
    common = dict(hidden=hidden, games_per_update=args.games_per_update, epochs=args.epochs,
                  minibatch=args.minibatch, learning_rate=args.lr, total_updates=args.updates)
    if args.algorithm == "mmd":
        config = MMDConfig(alpha=args.alpha, alpha_final=args.alpha_final,
                           alpha_schedule=args.alpha_schedule, eta=args.eta,
                           eta_final=args.eta_final, eta_schedule=args.eta_schedule, **common)
        return DeepMMDTrainer(args.game, config, seed=args.seed)
    ppo_config = PPOConfig(entropy_coef=args.entropy_coef,
                           entropy_coef_final=args.entropy_coef_final,
                           entropy_schedule=args.entropy_schedule or "constant", clip=args.clip,
                           **common)
    return PPOTrainer(args.game, ppo_config, seed=args.seed)


KIND = "training"
# arguments that do not change what is trained (where it is written, how it is shown)
_NOT_IN_FINGERPRINT = ("out", "ship", "resume", "no_progress", "threads", "track_exploitability",
                       "track_train_games", "track_restarts")


def run_config(args: argparse.Namespace) -> tuple[dict[str, object], str]:
    """The stored configuration of a training run and its fingerprint."""
    config = {k: v for k, v in sorted(vars(args).items()) if k not in _NOT_IN_FINGERPRINT}
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    return config, digest


def curve_path(out: str) -> str:
    """The exploitability curve written next to the checkpoint ``out``."""
    return os.path.splitext(out)[0] + ".exploitability.json"


def load_curve(path: str, up_to: int) -> list[dict[str, Any]]:
    """Points already measured (``--resume``), dropping any past update ``up_to`` (a crash came
    after the measurement and before the checkpoint)."""
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    return [pt for pt in doc.get("points", []) if int(pt["update"]) <= up_to]


def track_exploitability(trainer: SelfPlayTrainer, game: str, train_games: int, restarts: int,
                         seed: int) -> dict[str, Any]:
    """One approximate-exploitability point of the trainer's current network (RNG state kept)."""
    config = BRConfig(train_games=train_games, restarts=restarts)
    with torch.random.fork_rng():
        _, res = train_best_response(game, NetActor(trainer.policy(seed=seed), seed=seed + 7),
                                     config, seed)
    return {"update": trainer.iteration, "decisions": trainer.decisions, "mean": res.mean,
            "stderr": res.stderr, "as_player0": res.as_player0, "as_player1": res.as_player1,
            "restart_scores": res.restart_scores, "seconds": round(res.seconds, 1)}


def save_curve(path: str, meta: dict[str, Any], points: list[dict[str, Any]]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({**meta, "points": points}, fh, indent=1)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    require_two_player_zero_sum(load_game(args.game), f"{args.algorithm} self-play training")
    if args.resume and not os.path.isfile(args.out):
        raise UsageError(f"--resume: no checkpoint at --out {args.out!r}")
    torch.set_num_threads(args.threads)
    trainer = make_trainer(args)
    command = "python -m uedtp.eval.train_blueprint " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if args.resume:
        ckpt = read(args.out, args.game)
        if ckpt.trainer is None:
            raise UsageError(f"--resume: {args.out} has no trainer state to resume from")
        trainer.net.load_state_dict(ckpt.state_dict)
        trainer.load_trainer_state(ckpt.trainer)
        print(f"resumed {args.out} at update {trainer.iteration}", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    config, fingerprint = run_config(args)
    run_dir = os.path.splitext(args.out)[0] + ".run"
    if args.resume and os.path.isfile(os.path.join(run_dir, CONFIG_FILE)):
        stored = load_config(run_dir, KIND).get("config", {})
        changed = [f"--{k.replace('_', '-')} {config.get(k)} (stored: {stored.get(k)})"
                   for k in sorted(set(config) | set(stored)) if config.get(k) != stored.get(k)]
        if changed:
            raise UsageError(f"--resume {args.out}: the run was trained with other settings: "
                             + "; ".join(changed))
    store = RunStore.open(run_dir, KIND, config, fingerprint, resume=args.resume)
    try:
        return _train(args, trainer, store, command)
    finally:
        store.close()


def _train(args: argparse.Namespace, trainer: SelfPlayTrainer, store: RunStore,
           command: str) -> int:
    meta = {"command": command}
    start = time.perf_counter()
    curve_file = curve_path(args.out)
    points = load_curve(curve_file, trainer.iteration) if args.track_exploitability else []
    curve_meta = {"game": args.game, "command": command,
                  "best_response": {"seeds": 1, "seed": args.seed,
                                    "restarts": args.track_restarts,
                                    "train_games": args.track_train_games}}
    bar = tqdm(total=args.updates, initial=trainer.iteration, disable=args.no_progress,
               desc=f"{args.algorithm} {args.game}", dynamic_ncols=True)
    while trainer.iteration < args.updates:
        stats = trainer.update()
        bar.update(1)
        bar.set_postfix({k: f"{stats[k]:.3f}" for k in ("value_loss", "player0_return")})
        if trainer.iteration % args.eval_every == 0 or trainer.iteration == args.updates:
            result = trainer.evaluate(args.eval_games, seed=args.seed + 1000)
            trainer.snapshot()
            result["elapsed_s"] = time.perf_counter() - start
            result["train"] = stats
            key = str(trainer.iteration)
            if key not in store.keys:      # recorded already if a crash came before the save
                store.append({"key": key, **result})
            vs = result["vs_uniform"]
            tqdm.write(f"update {trainer.iteration}: vs uniform {vs['mean']:+.3f} ± "
                       f"{vs['stderr']:.3f}; " + "; ".join(
                           f"{k} {v['mean']:+.3f}" for k, v in result.items()
                           if k.startswith("vs_snapshot")))
            trainer.save(args.out, meta)
            if args.ship:
                trainer.save(args.ship, meta, with_trainer=False)
        if args.track_exploitability and (trainer.iteration % args.track_exploitability == 0
                                          or trainer.iteration == args.updates) \
                and all(pt["update"] != trainer.iteration for pt in points):
            points.append(track_exploitability(trainer, args.game, args.track_train_games,
                                               args.track_restarts, args.seed))
            kept = f"{os.path.splitext(args.out)[0]}.u{trainer.iteration}.pt"
            trainer.save(kept, {**meta, "approx_exploitability": points[-1]}, with_trainer=False)
            points[-1]["network"] = os.path.basename(kept)
            save_curve(curve_file, curve_meta, points)
            pt = points[-1]
            tqdm.write(f"update {pt['update']} ({pt['decisions']:,} decisions): approximate "
                       f"exploitability {pt['mean']:.3f} ± {pt['stderr']:.3f}")
    bar.close()
    print(json.dumps({"config": dataclasses.asdict(trainer.config),
                      "final": trainer.history[-1] if trainer.history else None}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
