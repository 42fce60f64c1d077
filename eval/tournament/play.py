"""Play one tournament game and return its record (a JSON-serialisable dict).

One step: rebuild each seat's agent from its spec with the task's agent seed, deal from the
task's chance seed, then loop — resolve chance nodes from the chance generator, otherwise ask the
seat to move ``act(state)``, time the call, check the move is legal, apply it — until the game
ends. The record holds the returns, the cooperative score, the number of moves and every move's
thinking time per seat.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from uedtp.eval.specs import build_agent
from uedtp.envs.games import make_game
from uedtp.eval.tournament.schedule import GameTask


class GameFailure(RuntimeError):
    """An agent misbehaved (illegal move, exception) or a game did not end; names game and seat."""


def play_game(task: GameTask) -> dict[str, Any]:
    """Play ``task`` to the end; the result depends only on the task (not on the process)."""
    game = make_game(task.game)
    agents = []
    for seat, (spec, seed) in enumerate(zip(task.seats, task.agent_seeds)):
        try:
            agents.append(build_agent(spec, game, seed))
        except Exception as err:  # noqa: BLE001 - re-raised with the game named
            raise GameFailure(f"game {task.key}: cannot build seat {seat} agent {spec!r}: "
                              f"{type(err).__name__}: {err}") from err
    state = game.new_initial_state(task.chance_seed)
    chance_rng = np.random.default_rng(task.chance_seed)
    move_seconds: list[list[float]] = [[] for _ in task.seats]
    moves = 0
    start = time.perf_counter()
    while not state.is_terminal():
        if game.is_chance_node(state):
            state.apply_action(game.sample_chance(state, chance_rng))
            continue
        if moves >= task.max_moves:
            raise GameFailure(f"game {task.key}: no end after {task.max_moves} moves")
        seat = int(state.current_player())
        tick = time.perf_counter()
        try:
            action = agents[seat].act(state)
        except Exception as err:  # noqa: BLE001 - re-raised with the game named
            raise GameFailure(f"game {task.key}: seat {seat} agent {task.seats[seat]!r} failed "
                              f"at move {moves}: {type(err).__name__}: {err}") from err
        move_seconds[seat].append(time.perf_counter() - tick)
        legal = state.legal_actions()
        if action not in legal:
            raise GameFailure(f"game {task.key}: seat {seat} agent {task.seats[seat]!r} chose "
                              f"illegal move {action!r} at move {moves} (legal: {list(legal)})")
        state.apply_action(int(action))
        moves += 1
    returns = [float(r) for r in state.returns()]
    return {
        "key": task.key,
        "section": task.section,
        "game": task.game,
        "kind": task.kind,
        "seats": list(task.seats),
        "index": task.index,
        "chance_seed": task.chance_seed,
        "agent_seeds": list(task.agent_seeds),
        "returns": returns,
        "score": game.score(state),
        "moves": moves,
        "move_seconds": [[round(t, 7) for t in seat] for seat in move_seconds],
        "seconds": round(time.perf_counter() - start, 6),
    }


def play_games(tasks: list[GameTask]) -> list[dict[str, Any]]:
    """Play a batch of games in order (the unit of work a backend ships to a worker)."""
    return [play_game(task) for task in tasks]
