"""Ship a trained network: a weights-only copy of a training checkpoint, ready for checkpoints/.

``python -m uedtp.eval.ship SOURCE DEST [--half-first-layer] [--evaluation FILE]``:
  1. reads SOURCE (any checkpoint the trainers write, trainer state included) and checks it;
  2. optionally rounds the first layer's weights to half floats
     (``uedtp.agents.neural.native.round_first_layer``): native inference then reads them as
     halves, and torch and native give the same probabilities on the shipped network — so any
     evaluation must be of DEST, not SOURCE;
  3. writes DEST without trainer state, its ``meta`` = SOURCE's meta plus ``shipped_from``, the
     training command and settings when SOURCE's trainer state has them (DAgger's ``settings`` and
     per-round ``history``, condensed to data sizes and scores), the largest weight change of the
     rounding, and the JSON figures of ``--evaluation`` (e.g. written by
     ``uedtp.eval.hanabi.network --out``).
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Sequence

from uedtp.agents.neural.checkpoint import read, save
from uedtp.agents.neural.native import round_first_layer
from uedtp.eval.cli import ArgumentParser, checkpoint_file, existing_file, output_file, run

PROG = "python -m uedtp.eval.ship"
ROUND_KEYS = ("round", "train_decisions", "greedy_mean", "greedy_stderr", "sampled_mean",
              "sampled_stderr", "onpolicy_accuracy", "holdout_student_accuracy")


def shipped_meta(source: str, ckpt: Any) -> dict[str, Any]:
    """SOURCE's meta plus what its trainer state says about how it was made."""
    meta: dict[str, Any] = dict(ckpt.meta or {})
    meta["shipped_from"] = os.path.basename(source)
    trainer = ckpt.trainer or {}
    for key in ("command", "settings", "fingerprint"):
        if key in trainer:
            meta.setdefault(key, trainer[key])
    if "history" in trainer:
        meta["rounds"] = [{k: r[k] for k in ROUND_KEYS if k in r} for r in trainer["history"]]
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: Sequence[str] | None) -> int:
    ap = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("source", type=checkpoint_file, help="a trainer's checkpoint")
    ap.add_argument("dest", type=output_file(create_folders=True), help="the weights-only copy")
    ap.add_argument("--half-first-layer", action="store_true",
                    help="round the first layer to half floats (faster native inference)")
    ap.add_argument("--evaluation", type=existing_file,
                    help="JSON figures of DEST to record in its meta")
    args = ap.parse_args(argv)
    if os.path.abspath(args.source) == os.path.abspath(args.dest):
        ap.error("source and dest must differ")
    ckpt = read(args.source)
    net = ckpt.network()
    meta = shipped_meta(args.source, ckpt)
    if args.half_first_layer:
        meta["first_layer_half_rounding_max_change"] = round_first_layer(net)
    if args.evaluation:
        with open(args.evaluation) as f:
            try:
                meta["evaluation"] = json.load(f)
            except json.JSONDecodeError as err:
                ap.error(f"--evaluation {args.evaluation}: not JSON ({err})")
    save(args.dest, net, ckpt.input_encoding(), meta=meta)
    print(f"wrote {args.dest} ({os.path.getsize(args.dest):,} bytes; {ckpt.game}, hidden "
          f"{net.architecture['hidden']}{', first layer in half floats' if args.half_first_layer else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
