"""Train the neural Hanabi blueprint with its games played on a backend: worker processes or Ray.

Three trainers, the same options as their own modules plus ``--backend``/``--workers``/
``--ray-address`` (``uedtp.eval.runs.backends``):

- ``imitation`` (``uedtp.search.train.imitation``): the teacher bot's self-play games, in chunks of
  ``--chunk-games``, then behaviour cloning;
- ``dagger`` (``uedtp.search.train.dagger``): each round's games (round 0: SmartBot's; later rounds:
  the student's self-play labelled by SmartBot) and the evaluation games, in chunks of
  ``--chunk-games``; the student travels to the workers as weights;
- ``expert`` (``uedtp.search.train.expert_iteration``): the student's self-play labelled by a
  search agent named by ``--expert SPEC`` (``uedtp.eval.specs.expert``: rebuilt from the spec
  on the workers for every labelled decision), stored as game records chunk by chunk, then
  fine-tuning of ``--student`` on the labels;
- ``ppo`` (``uedtp.search.train.hanabi_ppo``): self-play PPO fine-tuning of a network with a KL
  penalty to the frozen start network, in this process (no backend);
- ``distill`` (``uedtp.search.train.distill``): only the training step of an ``expert`` run,
  on its stored labels with other training settings (``--records RUN.pt``); its evaluation
  games on the backend.

One step: parse and check the arguments, open the backend, run the trainer with the backend as
its executor, close the backend (Ray is shut down only if it was started here). Chunks are cut
by game index and seeded by their index, so the data, and hence the trained network, is the
same on every backend for the same settings; ``--resume`` of a DAgger run may use another
backend than the run it continues.

Examples::

    python -m uedtp.eval.train_hanabi dagger --players 2 --rounds 8 --out results/dagger/p2.pt \\
        --backend local --workers 8
    python -m uedtp.eval.train_hanabi dagger --resume --out results/dagger/p2.pt --rounds 8 \\
        --backend ray --ray-address auto
    python -m uedtp.eval.train_hanabi imitation --games 12000 --out results/bc.pt --backend ray
    python -m uedtp.eval.train_hanabi expert --expert 'sparta(rollouts=3000,skip=0.99)' \\
        --student hanabi_smartbot_bc --games-per-round 2000 --out results/expert/p2.pt \\
        --backend local --workers 2
    python -m uedtp.eval.train_hanabi distill --records results/expert/p2.pt --epochs 8 \\
        --smoothing 0.02 --out results/expert/p2_e8_s02.pt
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
from typing import Any

from uedtp.agents.neural.checkpoint import CheckpointError
from uedtp.eval.cli import (ArgumentParser, UsageError, add_backend_arguments, backend_from_args,
                            check_backend_arguments, message, output_file)
from uedtp.eval.specs.expert import spec_expert
from uedtp.search.train import dagger, distill, expert_iteration, hanabi_ppo, imitation

PROG = "python -m uedtp.eval.train_hanabi"


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="Each trainer: python -m uedtp.eval.train_hanabi TRAINER --help")
    trainers = p.add_subparsers(dest="trainer", required=True, metavar="TRAINER")
    for name, module in (("imitation", imitation), ("dagger", dagger),
                         ("expert", expert_iteration), ("distill", distill)):
        sub = trainers.add_parser(name, help=(module.__doc__ or "").splitlines()[0])
        module.add_arguments(sub)
        add_backend_arguments(sub)
        sub.add_argument("--no-progress", action="store_true", help="no progress bar")
    ppo = trainers.add_parser("ppo", help=(hanabi_ppo.__doc__ or "").splitlines()[0])
    hanabi_ppo.add_arguments(ppo)        # games are played in this process (no backend)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    prog = f"{PROG} {args.trainer}"
    command = f"{PROG} " + " ".join(shlex.quote(a) for a in argv)
    backend: Any = None
    try:
        if args.trainer == "ppo":
            hanabi_ppo.run(hanabi_ppo.config_from_args(args), args.out, args.resume, command,
                           echo=lambda s: print(s, flush=True))
            return 0
        check_backend_arguments(args)
        try:
            output_file(create_folders=True)(args.out)
        except argparse.ArgumentTypeError as err:
            raise UsageError(f"--out: {err}") from None
        if args.trainer == "expert":
            run_expert(args, command)
        elif args.trainer == "distill":
            if os.path.exists(args.out):
                raise UsageError(f"{args.out} exists: choose another --out")
            training = distill.training_from_args(args)
            distill.source(args.records)                # refuse a bad --records before workers
            backend = backend_from_args(args)
            _, entry = distill.distill(args.records, args.out, args.student, command,
                                       executor=backend, **training)
            print(json.dumps(entry), flush=True)
        elif args.trainer == "dagger":
            config = dagger.config_from_args(args, progress=not args.no_progress)
            if args.resume and not os.path.isfile(args.out):   # before starting any worker
                raise UsageError(f"cannot resume: no checkpoint at {args.out!r}")
            if not args.resume and os.path.exists(args.out):
                raise UsageError(f"{args.out} exists: pass --resume to continue it, or "
                                 "another --out")
            backend = backend_from_args(args)
            dagger.run(config, args.out, args.resume, command,
                       echo=lambda s: print(s, flush=True), executor=backend)
        else:
            backend = backend_from_args(args)
            print(json.dumps(imitation.run(args, command, executor=backend), indent=1))
    except (ValueError, CheckpointError, OSError) as err:  # UsageError, ResumeError: ValueErrors
        print(f"{prog}: error: {message(err)}", file=sys.stderr)
        return 2
    finally:
        if backend is not None:
            backend.close()
    return 0


def run_expert(args: argparse.Namespace, command: str) -> None:
    """Check the settings, the student and the expert, then run expert iteration on the
    backend (opened only after every check passed)."""
    config = expert_iteration.config_from_args(args, progress=not args.no_progress)
    if args.resume and not (os.path.isfile(args.out) or
                            os.path.isdir(expert_iteration.rec.data_dir(args.out))):
        raise UsageError(f"cannot resume: no run at {args.out!r}")
    if not args.resume and (os.path.exists(args.out) or
                            os.path.exists(expert_iteration.rec.data_dir(args.out))):
        raise UsageError(f"{args.out} exists: pass --resume to continue it, or another --out")
    _, players = expert_iteration.load_student(config.student)
    expert = spec_expert(config.expert, players, config.threads)
    config = dataclasses.replace(config, expert=expert.name)
    backend = backend_from_args(args)
    try:
        expert_iteration.run(config, expert, args.out, args.resume, command,
                             echo=lambda s: print(s, flush=True), executor=backend)
    finally:
        backend.close()


if __name__ == "__main__":
    sys.exit(main())
