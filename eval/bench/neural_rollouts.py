"""Neural rollouts per second per thread: fused native kernels against the torch step loop.

Hanabi (the shipped imitation network): from the same 2-player states (``--moves`` SmartBot moves
into games with seeds 0..``--states``-1), each round times, back to back in this process:
  - ``native``: ``NeuralRollouts`` (``LockstepGames.rollout_native``, one thread);
  - ``native-half``: the same with the network's first layer rounded to half floats
    (``uedtp.agents.neural.native.round_first_layer``; read as halves natively);
  - ``torch``: ``NeuralRollouts(native=False)``, one network call per lockstep step;
  - ``smartbot``: the SmartBot rollout kernel (``uedtp.csrc.hanabi_rollout``) from the same states;
every (first move, column) pair of every legal move with ``--columns`` columns. Then MD search
over the network (``HanabiNeuralMDSearch``, ``--md-rollouts`` per decision, neural beliefs): CPU
milliseconds per searched move, native rollouts against torch rollouts.
Phantom games (``--phantom`` checkpoints): ``rollout_returns_batched`` from positions after 0-3
random moves, native against torch.
Rates are rollouts per CPU-second of this process (torch and OpenBLAS held to one thread);
rounds are interleaved and the printed ratios are medians over rounds.

Usage::

    python -m uedtp.eval.bench.neural_rollouts
    python -m uedtp.eval.bench.neural_rollouts --rounds 5 --states 8 --columns 8
"""
from __future__ import annotations

import copy
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")     # before numpy / scipy load OpenBLAS

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Callable, Sequence  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from uedtp.agents.neural.checkpoint import load_policy  # noqa: E402
from uedtp.agents.neural.native import round_first_layer  # noqa: E402
from uedtp.agents.neural.policy import TorchPolicy  # noqa: E402
from uedtp.csrc.hanabi_bots import BotSeats  # noqa: E402
from uedtp.csrc.hanabi_rollout import rollout_action_values  # noqa: E402
from uedtp.csrc.mlp import GATHER_ISA  # noqa: E402
from uedtp.envs.hanabi.game import HanabiGame, HanabiState  # noqa: E402
from uedtp.envs.phantom.batch import PhantomBatch  # noqa: E402
from uedtp.eval.cli import (ArgumentParser, checkpoint_file, non_negative_int,  # noqa: E402
                            positive_int, run)
from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch  # noqa: E402
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts  # noqa: E402
from uedtp.search.neural.rollouts import max_continuation, rollout_returns_batched  # noqa: E402

HANABI = "hanabi_smartbot_bc"
PHANTOM = ("pttt_mmd", "adh_mmd")


def _cpu(fn: Callable[[], int]) -> float:
    """Units of work per CPU-second of one call of ``fn`` (which returns its unit count)."""
    start = time.process_time()
    n = fn()
    return n / max(time.process_time() - start, 1e-9)


def hanabi_states(count: int, moves: int) -> list[tuple]:
    out = []
    for seed in range(count):
        state = HanabiGame(players=2).new_initial_state(seed=seed)
        seats = BotSeats("smart", state)
        for _ in range(moves):
            uid = seats.decide(state)
            seats.observe(state, uid)
            state.apply_action(uid)
        out.append((state, seats))
    return out


def half_copy(policy: TorchPolicy) -> TorchPolicy:
    """The same policy with its first layer rounded to half floats (read as halves natively)."""
    net = copy.deepcopy(policy.net)
    round_first_layer(net)
    return TorchPolicy(net, policy.encoding, temperature=policy.temperature)


def hanabi_rates(policy: TorchPolicy, states: list[tuple[HanabiState, BotSeats]], columns: int, rounds: int) -> dict[str, list[float]]:
    native = NeuralRollouts(policy)
    half = NeuralRollouts(half_copy(policy))
    reference = NeuralRollouts(policy, native=False)

    def run(ro: NeuralRollouts) -> Callable[[], int]:
        def go() -> int:
            n = 0
            for k, (s, seats) in enumerate(states):
                n += ro.values(s, seats, s.legal_actions(), None, s.current_player(), k,
                               columns).size
            return n
        return go

    def smart() -> int:
        n = 0
        for k, (s, seats) in enumerate(states):
            n += rollout_action_values(s, seats, s.legal_actions(), columns, seed=k,
                                       num_threads=1).size
        return n

    rates: dict[str, list[float]] = {"native": [], "native-half": [], "torch": [],
                                     "smartbot": []}
    for _ in range(rounds):
        rates["native"].append(_cpu(run(native)))
        rates["native-half"].append(_cpu(run(half)))
        rates["torch"].append(_cpu(run(reference)))
        rates["smartbot"].append(_cpu(smart))
    return rates


def md_move_ms(policy: TorchPolicy, states: list[tuple[HanabiState, BotSeats]], rollouts: int, native: bool) -> float:
    """Median CPU ms of one searched MD decision over the network."""
    times = []
    for k, (s, _) in enumerate(states):
        agent = HanabiNeuralMDSearch(policy, 2.0, rollouts=rollouts, seed=k)
        agent.rollouts.native = native
        start = time.process_time()
        agent.act(s)
        times.append(1e3 * (time.process_time() - start))
    return statistics.median(times)


def phantom_rates(path: str, roots: int, rollouts: int, rounds: int) -> dict[str, list[float]]:
    policy = load_policy(path)
    rng = np.random.default_rng(0)
    batch = PhantomBatch(policy.game_string, roots)
    for _ in range(3):
        live = batch.live_rows()
        batch.apply(live, np.array([int(rng.choice(np.flatnonzero(m)))
                                   for m in batch.legal_mask(live)]))
    batch = batch.select(batch.live_rows())
    H, A = len(batch), batch.num_actions
    actions = np.where(batch.legal_mask(), np.arange(A)[None, :], -1)
    players = batch.current.copy()
    uniforms = rng.random((H, rollouts, max_continuation(policy.game_string)))
    count = int((actions >= 0).sum()) * rollouts

    def run(native: bool) -> Callable[[], int]:
        return lambda: (rollout_returns_batched(policy, batch, actions, players, rollouts,
                                                uniforms, native=native), count)[1]

    rates: dict[str, list[float]] = {"native": [], "torch": []}
    for _ in range(rounds):
        rates["native"].append(_cpu(run(True)))
        rates["torch"].append(_cpu(run(False)))
    return rates


def _ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b))


PROG = "python -m uedtp.eval.bench.neural_rollouts"


def main(argv: Sequence[str] | None = None) -> int:
    return run(_main, argv, PROG)


def _main(argv: Sequence[str] | None) -> int:
    ap = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    ap.add_argument("--hanabi", type=checkpoint_file, default=HANABI, help="Hanabi checkpoint")
    ap.add_argument("--rounds", type=positive_int, default=3)
    ap.add_argument("--states", type=positive_int, default=4)
    ap.add_argument("--moves", type=non_negative_int, default=10,
                    help="SmartBot moves before each state")
    ap.add_argument("--columns", type=positive_int, default=4, help="rollouts per legal move")
    ap.add_argument("--md-rollouts", type=positive_int, default=200)
    ap.add_argument("--phantom", nargs="*", type=checkpoint_file, default=list(PHANTOM))
    ap.add_argument("--phantom-roots", type=positive_int, default=32)
    ap.add_argument("--phantom-rollouts", type=positive_int, default=16)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    policy = load_policy(args.hanabi)
    states = hanabi_states(args.states, args.moves)
    r = hanabi_rates(policy, states, args.columns, args.rounds)
    print(f"first-layer loop: {GATHER_ISA}; native-half: the same network with its first layer "
          f"rounded to half floats")
    print(f"Hanabi rollouts per CPU-second ({args.states} states after {args.moves} moves, "
          f"{args.rounds} interleaved rounds, medians)")
    print("| path | rollouts/s | native / path |")
    print("|---|---:|---:|")
    for name in ("native", "native-half", "torch", "smartbot"):
        print(f"| {name} | {statistics.median(r[name]):,.0f} | "
              f"{_ratio(r['native'], r[name]):.2f} |")
    print(f"\nMD search over the network, {args.md_rollouts} rollouts per decision, CPU ms per "
          f"searched move (median over {args.states} states)")
    for native in (True, False):
        print(f"  {'native' if native else 'torch'} rollouts: "
              f"{md_move_ms(policy, states, args.md_rollouts, native):.1f} ms")
    print("\n| phantom network | native rollouts/s | torch rollouts/s | native / torch |")
    print("|---|---:|---:|---:|")
    for path in args.phantom:
        p = phantom_rates(path, args.phantom_roots, args.phantom_rollouts, args.rounds)
        print(f"| {os.path.basename(path)} | {statistics.median(p['native']):,.0f} | "
              f"{statistics.median(p['torch']):,.0f} | {_ratio(p['native'], p['torch']):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
