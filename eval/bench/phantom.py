"""Native vs pyspiel path for MMD search in Phantom Tic-Tac-Toe / Dark Hex, side by side.

One measurement per game, both systems on the same states in this one process:
  1. enumeration: the exact posterior of the player to move (``enumerate_histories`` with
     ``UniformAgent`` vs ``uedtp.envs.phantom.native.enumerate_histories``), nodes visited per second;
  2. rollouts: uniform playouts to the end from the same states (``rollout_returns`` on
     ``pyspiel.State`` vs the nogil batch ``rollout_values``), rollouts and moves per second;
  3. MMD search (eta=50, alpha=0.01, 10 histories, 1 rollout per action): seconds per decision of
     ``UpdateEquivalentSearch`` with ``HistorySampler`` + ``RolloutActionValues`` vs the native
     ``NativeUniformBeliefs`` + ``NativeRolloutActionValues`` (what ``mmd_search`` now builds).
The states are every non-terminal state of uniformly random games (all depths).

Example:
    python -m uedtp.eval.bench.phantom
    python -m uedtp.eval.bench.phantom --games phantom_ttt --random-games 10 --json out.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable

import numpy as np
import pyspiel

from uedtp.agents.uniform import UniformAgent
from uedtp.csrc.phantom_games import enumerate_consistent, rollout_values
from uedtp.envs.phantom import native as pn
from uedtp.search.update_equivalent import phantom as ps
from uedtp.search.update_equivalent.history_sampler import EnumerationLimitExceeded, HistorySampler, enumerate_histories
from uedtp.envs.openspiel_games import GameError, load_game
from uedtp.eval.cli import (ArgumentParser, non_negative_int, openspiel_game, output_file,
                            positive_int)
from uedtp.eval.cli import run as run_cli
from uedtp.search.update_equivalent.action_values import RolloutActionValues, rollout_returns
from uedtp.search.update_equivalent.local_updates import MagneticMirrorDescent
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch

DEFAULT_GAMES = ["phantom_ttt", "phantom_ttt(gameversion=abrupt)",
                 "dark_hex(board_size=3,gameversion=adh)", "dark_hex(board_size=3)"]


def random_game_states(game: pyspiel.Game, num_games: int, seed: int) -> list[pyspiel.State]:
    """Every non-terminal state along ``num_games`` uniformly random games."""
    rng = np.random.default_rng(seed)
    states = []
    for _ in range(num_games):
        state = game.new_initial_state()
        while not state.is_terminal():
            states.append(state.clone())
            state.apply_action(int(rng.choice(state.legal_actions())))
    return states


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench_enumeration(states: list[pyspiel.State], max_nodes: int,
                      repeats: int) -> dict[str, float]:
    """Nodes/s of both enumerations on the states whose posterior fits in ``max_nodes``
    (native calls repeated ``repeats`` times per state, since one takes microseconds)."""
    blueprint = UniformAgent(0)
    py_nodes = py_time = nat_time = kernel_time = 0.0
    fitted = 0
    for state in states:
        player = state.current_player()
        try:
            post, dt = _timed(lambda: enumerate_histories(state, player, blueprint, max_nodes))
        except EnumerationLimitExceeded:
            continue
        native_post = ps.enumerate_histories(state, player, max_nodes)
        if native_post.nodes_visited != post.nodes_visited:
            raise AssertionError(f"node counts differ at {state.history()}")
        _, dt_nat = _timed(lambda: [ps.enumerate_histories(state, player, max_nodes)
                                    for _ in range(repeats)])
        native = pn.from_pyspiel(state)
        _, dt_kernel = _timed(lambda: [enumerate_consistent(native, player, max_nodes)
                                       for _ in range(repeats)])
        py_nodes += post.nodes_visited
        py_time += dt
        nat_time += dt_nat / repeats
        kernel_time += dt_kernel / repeats
        fitted += 1
    return {"states": fitted, "nodes": py_nodes, "python_nodes_per_s": py_nodes / py_time,
            "native_nodes_per_s": py_nodes / nat_time,
            "native_kernel_nodes_per_s": py_nodes / kernel_time,
            "ratio": py_time / nat_time}


def bench_rollouts(states: list[pyspiel.State], per_state_python: int,
                   per_state_native: int) -> dict[str, float]:
    """Uniform playouts from every state: Python loop on pyspiel vs the native batch."""
    blueprint = UniformAgent(0)
    rng = np.random.default_rng(0)
    py_rollouts = py_moves = 0
    start = time.perf_counter()
    for state in states:
        for _ in range(per_state_python):
            child = state.clone()
            before = len(child.history())
            rollout_returns(child, blueprint, rng)
            py_rollouts += 1
            py_moves += len(child.history()) - before
    py_time = time.perf_counter() - start
    result = {"python_rollouts_per_s": py_rollouts / py_time,
              "python_moves_per_s": py_moves / py_time}
    # native: rollouts of every legal first move, so the batch covers the same kind of work
    groups: dict[int, list[pn.NativeState]] = {}
    for state in states:
        native = pn.from_pyspiel(state)
        groups.setdefault(native.current_player(), []).append(native)
    for threads in (1, 2):
        count = 0
        start = time.perf_counter()
        for player, natives in groups.items():
            for native in natives:
                actions = native.legal_actions()
                reps = max(1, per_state_native // len(actions))
                seeds = rng.integers(0, 2**63 - 1, size=(1, reps)).astype(np.uint64)
                rollout_values([native], actions, player, seeds, True, threads)
                count += reps * len(actions)
        dt = time.perf_counter() - start
        result[f"native_rollouts_per_s_{threads}t"] = count / dt
    result["ratio_1t"] = result["native_rollouts_per_s_1t"] / result["python_rollouts_per_s"]
    result["ratio_2t"] = result["native_rollouts_per_s_2t"] / result["python_rollouts_per_s"]
    return result


def _python_search(seed: int, max_nodes: int) -> UpdateEquivalentSearch:
    blueprint = UniformAgent(seed)
    return UpdateEquivalentSearch(blueprint, MagneticMirrorDescent(50.0, 0.01),
                                  HistorySampler(blueprint, max_nodes=max_nodes,
                                                 num_particles=100),
                                  RolloutActionValues(blueprint, 1, True),
                                  num_histories=10, seed=seed)


def _native_search(seed: int, max_nodes: int) -> UpdateEquivalentSearch:
    return UpdateEquivalentSearch(UniformAgent(seed), MagneticMirrorDescent(50.0, 0.01),
                                  ps.NativeUniformBeliefs(max_nodes, 100),
                                  ps.NativeRolloutActionValues(1, True),
                                  num_histories=10, seed=seed)


class _Clock:
    """Wraps a Beliefs or ActionValues object and accumulates the seconds spent in it."""

    def __init__(self, inner: Any, method: str) -> None:
        self.inner, self.seconds = inner, 0.0
        target = getattr(inner, method)

        def timed(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return target(*args)
            finally:
                self.seconds += time.perf_counter() - start
        setattr(self, method, timed)


def _clocked(search: UpdateEquivalentSearch) -> tuple[_Clock, _Clock]:
    search.beliefs = _Clock(search.beliefs, "posterior")  # type: ignore[assignment]
    search.values = _Clock(search.values, "action_values")  # type: ignore[assignment]
    return search.beliefs, search.values  # type: ignore[return-value]


def bench_search(states: list[pyspiel.State], max_nodes: int,
                 repeats: int) -> dict[str, float]:
    """Seconds per MMD-search decision, both paths, same states (native repeated ``repeats``
    times per state); also the share spent in beliefs and in action values."""
    py, nat = _python_search(0, max_nodes), _native_search(0, max_nodes)
    py_beliefs, py_values = _clocked(py)
    nat_beliefs, nat_values = _clocked(nat)
    py_times, nat_times, sampled = [], [], 0
    for state in states:
        _, dt = _timed(lambda: py.act(state))
        py_times.append(dt)
        _, dt = _timed(lambda: [nat.act(state) for _ in range(repeats)])
        nat_times.append(dt / repeats)
        assert nat.last_result is not None
        sampled += 0 if nat.last_result.exact_beliefs else 1
    py_arr, nat_arr = np.array(py_times), np.array(nat_times)
    n_py, n_nat = len(states), len(states) * repeats
    return {"decisions": len(states), "importance_sampled": sampled,
            "python_ms_per_move": 1e3 * py_arr.mean(), "native_ms_per_move": 1e3 * nat_arr.mean(),
            "python_ms_p90": 1e3 * float(np.quantile(py_arr, 0.9)),
            "native_ms_p90": 1e3 * float(np.quantile(nat_arr, 0.9)),
            "python_beliefs_ms": 1e3 * py_beliefs.seconds / n_py,
            "python_values_ms": 1e3 * py_values.seconds / n_py,
            "native_beliefs_ms": 1e3 * nat_beliefs.seconds / n_nat,
            "native_values_ms": 1e3 * nat_values.seconds / n_nat,
            "ratio": py_arr.sum() / nat_arr.sum()}


def run(game_string: str, random_games: int, seed: int, max_nodes: int,
        rollouts_python: int, rollouts_native: int, repeats: int) -> dict[str, Any]:
    game = load_game(game_string)
    if not pn.supports(game):
        raise GameError(f"{game_string} has no native implementation")
    states = random_game_states(game, random_games, seed)
    return {"game": game_string, "states": len(states),
            "enumeration": bench_enumeration(states, max_nodes, repeats),
            "rollouts": bench_rollouts(states, rollouts_python, rollouts_native),
            "mmd_search": bench_search(states, max_nodes, repeats)}


def report(r: dict[str, Any]) -> str:
    e, ro, s = r["enumeration"], r["rollouts"], r["mmd_search"]
    return "\n".join([
        f"== {r['game']}  ({r['states']} states from random games)",
        f"  enumeration ({e['states']:.0f} states, {e['nodes']:.0f} nodes): python "
        f"{e['python_nodes_per_s']:,.0f} nodes/s | native {e['native_nodes_per_s']:,.0f} nodes/s "
        f"(kernel only {e['native_kernel_nodes_per_s']:,.0f}) | ratio {e['ratio']:.0f}x",
        f"  rollouts: python {ro['python_rollouts_per_s']:,.0f}/s "
        f"({ro['python_moves_per_s']:,.0f} moves/s) | native 1 thread "
        f"{ro['native_rollouts_per_s_1t']:,.0f}/s, 2 threads "
        f"{ro['native_rollouts_per_s_2t']:,.0f}/s | ratio {ro['ratio_1t']:.0f}x (1t), {ro['ratio_2t']:.0f}x (2t)",
        f"  MMD search (eta=50, alpha=0.01, 10 histories, 1 rollout; {s['decisions']} decisions, "
        f"{s['importance_sampled']} importance-sampled): "
        f"python {s['python_ms_per_move']:.2f} ms/move "
        f"(p90 {s['python_ms_p90']:.2f}) | native {s['native_ms_per_move']:.3f} ms/move "
        f"(p90 {s['native_ms_p90']:.3f}) | ratio {s['ratio']:.0f}x",
        f"    of which beliefs / action values: python {s['python_beliefs_ms']:.2f} / "
        f"{s['python_values_ms']:.2f} ms | native {s['native_beliefs_ms']:.3f} / "
        f"{s['native_values_ms']:.3f} ms (the rest is the search driver and the MMD update)"])


def native_game(text: str) -> str:
    """argparse type: a game string with a native implementation."""
    game = load_game(openspiel_game(text))
    if not pn.supports(game):
        raise argparse.ArgumentTypeError(f"{text!r} has no native implementation "
                                         "(phantom_ttt and dark_hex variants have)")
    return text


PROG = "python -m uedtp.eval.bench.phantom"


def main(argv: list[str] | None = None) -> int:
    return run_cli(_main, argv, PROG)


def _main(argv: list[str] | None) -> int:
    parser = ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--games", nargs="+", type=native_game, default=DEFAULT_GAMES)
    parser.add_argument("--random-games", type=positive_int, default=6,
                        help="random games whose states are measured (default 6)")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--max-nodes", type=positive_int, default=20_000,
                        help="enumeration budget before importance sampling (default 20000)")
    parser.add_argument("--rollouts-python", type=positive_int, default=20,
                        help="Python rollouts per state (default 20)")
    parser.add_argument("--rollouts-native", type=positive_int, default=20_000,
                        help="native rollouts per state (default 20000)")
    parser.add_argument("--repeats", type=positive_int, default=10,
                        help="native timings are averaged over this many calls (default 10)")
    parser.add_argument("--json", type=output_file(),
                        help="also write the results to this file")
    args = parser.parse_args(argv)
    results = []
    for game_string in args.games:
        r = run(game_string, args.random_games, args.seed, args.max_nodes,
                args.rollouts_python, args.rollouts_native, args.repeats)
        print(report(r), flush=True)
        results.append(r)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
