"""Forward passes per second per thread of the native MLP (``uedtp.csrc.mlp``) against torch.

For each network (the shipped Hanabi imitation network and one phantom-game network by
default) a pool of real decision inputs and legal masks is collected from games sampled from the
network itself. One round times, back to back in this process, for batch sizes 1 and 64:
  - ``torch``: ``uedtp.agents.neural.policy.masked_probabilities`` (what ``TorchPolicy`` calls);
  - ``native``: ``NativeMLP.forward`` from Python (same inputs, same outputs);
  - ``native C``: ``NativeMLP.repeat_forward``, the C forward pass alone (no Python per call:
    the cost a fused game kernel would pay).
Rates are rows (forward passes) per CPU-second of this process, with torch and OpenBLAS held to
one thread. Rounds are interleaved (each round runs every system once), and the printed ratio is
the median over rounds of native / torch.

Usage::

    python -m uedtp.eval.bench.native_mlp
    python -m uedtp.eval.bench.native_mlp --rounds 9 --calls 2000 --checkpoints adh_mmd
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")     # before numpy / scipy load OpenBLAS

import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from uedtp.agents.neural.checkpoint import read  # noqa: E402
from uedtp.eval.cli import ArgumentParser, checkpoint_file, positive_int, run  # noqa: E402
from uedtp.agents.neural.native import native_from_network  # noqa: E402
from uedtp.agents.neural.policy import PolicyValueNet, masked_probabilities  # noqa: E402
from uedtp.agents.protocol import sample_actions  # noqa: E402
from uedtp.csrc.hanabi_bots import BotSeats  # noqa: E402
from uedtp.csrc.hanabi_features import LockstepGames  # noqa: E402
from uedtp.csrc.mlp import NativeMLP  # noqa: E402
from uedtp.envs.hanabi.game import HanabiGame  # noqa: E402
from uedtp.envs.phantom.batch import PhantomBatch  # noqa: E402
from uedtp.envs.vector_env import policy_inputs  # noqa: E402

DEFAULT_CHECKPOINTS = ("hanabi_smartbot_bc", "adh_mmd")
BATCHES = (1, 64)


def decision_pool(game: str, native: NativeMLP, games: int, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and legal masks of every decision in ``games`` games sampled from ``native``."""
    rng = np.random.default_rng(seed)
    xs, ms = [], []
    if game.startswith("hanabi_native"):
        players = int(game.split("=")[1].rstrip(")"))
        lock = LockstepGames(games)
        for g in range(games):
            state = HanabiGame(players=players).new_initial_state(seed=seed + g)
            lock.add(state, BotSeats("smart", state))
        live = lock.live()
        while len(live):
            x, m = lock.encode(live), lock.legal_masks(live)
            xs.append(x)
            ms.append(m)
            lock.step(live, sample_actions(native.probabilities(x, m), rng.random(len(live))))
            live = lock.live()
    else:
        batch = PhantomBatch(game, games)
        live = batch.live_rows()
        while len(live):
            x, m = policy_inputs(batch, live), batch.legal_mask(live)
            xs.append(x)
            ms.append(m)
            batch.apply(live, sample_actions(native.probabilities(x, m), rng.random(len(live))))
            live = batch.live_rows()
    return np.concatenate(xs), np.concatenate(ms)


def _rate(run: Callable[[], None], rows: int) -> float:
    t0 = time.process_time()
    run()
    return rows / max(time.process_time() - t0, 1e-9)


def round_rates(net: PolicyValueNet, native: NativeMLP, x: np.ndarray, m: np.ndarray,
                batch: int, calls: int) -> dict[str, float]:
    """Rows per CPU-second of each system over ``calls`` calls of ``batch`` rows."""
    starts = [(k * batch) % (len(x) - batch + 1) for k in range(calls)]
    chunks = [(x[s:s + batch], m[s:s + batch]) for s in starts]

    def torch_run() -> None:
        for xi, mi in chunks:
            masked_probabilities(net, xi, mi)

    def native_run() -> None:
        for xi, mi in chunks:
            native.forward(xi, mi)

    reps = max(1, calls // 16)

    def c_run() -> None:
        for xi, mi in chunks[:16]:
            native.repeat_forward(xi, mi, reps)

    return {"torch": _rate(torch_run, calls * batch), "native": _rate(native_run, calls * batch),
            "native C": _rate(c_run, 16 * reps * batch)}


PROG = "python -m uedtp.eval.bench.native_mlp"


def main(argv: list[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    ap = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoints", nargs="+", type=checkpoint_file,
                    default=list(DEFAULT_CHECKPOINTS))
    ap.add_argument("--rounds", type=positive_int, default=7)
    ap.add_argument("--calls", type=positive_int, default=1000,
                    help=f"network calls per system and round (at least {max(BATCHES)})")
    ap.add_argument("--games", type=positive_int, default=40,
                    help="games sampled for the input pool")
    args = ap.parse_args(argv)
    if args.calls < max(BATCHES):
        ap.error(f"argument --calls: must be at least {max(BATCHES)} (the largest batch), "
                 f"got {args.calls}")
    ckpts = [read(path) for path in args.checkpoints]      # every file checked before timing
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads 1, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}, rounds {args.rounds}, "
          f"calls {args.calls}")
    print("| network | batch | torch rows/s | native rows/s | native C rows/s | "
          "native/torch (median) | native C/torch (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, ckpt in zip(args.checkpoints, ckpts):
        net = ckpt.network()
        native = native_from_network(net)
        x, m = decision_pool(ckpt.game, native, args.games)
        for batch in BATCHES:
            rounds = [round_rates(net, native, x, m, batch, args.calls // batch * (1 if batch == 1
                                                                                  else 4))
                      for _ in range(args.rounds)]
            med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
            ratio = statistics.median(r["native"] / r["torch"] for r in rounds)
            ratio_c = statistics.median(r["native C"] / r["torch"] for r in rounds)
            print(f"| {os.path.basename(path)} ({native.input_size}->{list(native.hidden)}) | "
                  f"{batch} | {med['torch']:,.0f} | {med['native']:,.0f} | "
                  f"{med['native C']:,.0f} | {ratio:.1f}x | {ratio_c:.1f}x |", flush=True)

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
