"""Distillation from stored expert labels: retrain on an expert-iteration run's records.

Labelling is the expensive part of expert iteration (``uedtp.search.train.expert_iteration``:
SPARTA at every state of 2,000 games is CPU-hours), training on the labels takes minutes. This
module reruns only the cheap part, so training settings can be compared on the same labels:

  1. read: the finished rounds' game records of the run saved at ``records`` (its checkpoint
     names the fingerprint the records carry, so records of another run are refused);
  2. replay: regenerate every decision's features from the records (deck seed + moves);
  3. train: warm-start from ``student`` (default: the run's own start network) and fit the
     labels exactly as the run's step 4 does, with *this* call's training settings (epochs,
     learning rate, minibatch, ``kl``, ``smoothing``, ``bot_weight``, the confident-deviation
     filter ``min_gain``/``min_z``) — every other setting
     (expert, games, holdout games, evaluation decks, seed) is the run's;
  4. report and save: held-out label accuracy and greedy/sampled self-play on the run's
     evaluation decks (the figures the run reports per round), written with the network to
     ``out``, whose metadata names the records and their fingerprint.

A distilled network is a function of (records, student, training settings, seed): the same
call gives the same network. Nothing is resumable because nothing is long.
"""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

from uedtp.agents.neural.checkpoint import read, save
from uedtp.agents.neural.policy import PolicyValueNet, weights_digest
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.train import expert_iteration as ei
from uedtp.search.train import expert_records as rec
from uedtp.search.train.chunks import Executor

TRAINING = ("epochs", "lr", "minibatch", "kl", "smoothing", "bot_weight", "min_gain", "min_z")


@dataclasses.dataclass(frozen=True)
class Source:
    """An expert-iteration run's settings, fingerprint and finished rounds."""

    config: ei.ExpertConfig
    fingerprint: str
    rounds: int
    student_digest: str


def source(records: str) -> Source:
    """The run saved at ``records`` (``ResumeError`` if it is not a finished round of one)."""
    if not os.path.isfile(records):
        raise ei.ResumeError(f"no expert-iteration checkpoint at {records!r}")
    trainer = read(records).trainer or {}
    if "expert_round" not in trainer or "settings" not in trainer:
        raise ei.ResumeError(f"{records} is not an expert-iteration checkpoint")
    settings = dict(trainer["settings"])
    digest = str(settings.pop("student_digest", ""))
    fields = {f.name for f in dataclasses.fields(ei.ExpertConfig)}
    config = ei.ExpertConfig(**{k: v for k, v in settings.items() if k in fields})
    return Source(config, str(trainer["fingerprint"]), int(trainer["expert_round"]) + 1, digest)


def distill(records: str, out: str | None, student: str | None = None,
            command: str = "", executor: Executor | None = None,
            **training: Any) -> tuple[PolicyValueNet, dict[str, Any]]:
    """Steps 1-4 of the module docstring; ``training``: new values of ``TRAINING`` settings
    (the others keep the run's). Returns the network and its report."""
    unknown = sorted(set(training) - set(TRAINING))
    if unknown:
        raise ValueError(f"not a training setting: {', '.join(unknown)} (one of {TRAINING})")
    if out is not None and os.path.exists(out):
        raise ei.ResumeError(f"{out} exists: choose another --out")
    src = source(records)
    config = dataclasses.replace(src.config, **training)
    start, players = ei.load_student(student or src.config.student)
    if student is None and weights_digest(start) != src.student_digest:
        raise ei.ResumeError(f"the run's student {src.config.student!r} is not the network the "
                             "run started from (weights differ); pass --student")
    encoding = hanabi_encoding_for(HanabiGame(players=players))
    try:
        rounds = [ei.Replayed.of(rec.load_round(records, k, src.fingerprint), players)
                  for k in range(src.rounds)]
    except rec.RecordError as err:
        raise ei.ResumeError(str(err)) from None
    t0 = time.perf_counter()
    net, stats = ei.fit(config, start, start, rounds, src.rounds - 1)
    t1 = time.perf_counter()
    entry: dict[str, Any] = {"records": records, "records_fingerprint": src.fingerprint,
                             "rounds": src.rounds,
                             "training": {k: getattr(config, k) for k in TRAINING},
                             **stats, **ei.accuracy(net, rounds, config.min_gain, config.min_z)}
    entry.update(ei.evaluate(config, players, net, executor))
    entry.update({"train_s": t1 - t0, "eval_s": time.perf_counter() - t1})
    if out is not None:
        save(out, net, encoding, meta={"command": command, "distill": entry})
    return net, entry


def add_arguments(p: Any) -> None:
    """The ``distill`` options of ``uedtp.eval.train_hanabi``."""
    from uedtp.search.train.imitation import positive_int
    p.add_argument("--records", required=True,
                   help="an expert-iteration checkpoint; its OUT.data/ records are the labels")
    p.add_argument("--student", default=None,
                   help="start network (default: the run's own start network)")
    p.add_argument("--epochs", type=positive_int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--minibatch", type=positive_int, default=None)
    p.add_argument("--kl", type=float, default=None, help="KL(start || network) weight")
    p.add_argument("--smoothing", type=float, default=None,
                   help="label smoothing over the legal moves, in [0, 1)")
    p.add_argument("--bot-weight", type=float, default=None)
    p.add_argument("--min-gain", type=float, default=None,
                   help="train on a deviation only if its gain estimate is >= this (points)")
    p.add_argument("--min-z", type=float, default=None,
                   help="... and >= this many standard errors")
    p.add_argument("--out", required=True, help="where to write the distilled network")


def training_from_args(args: Any) -> dict[str, Any]:
    """The training settings given on the command line (the rest keep the run's)."""
    return {k: getattr(args, k) for k in TRAINING if getattr(args, k, None) is not None}
