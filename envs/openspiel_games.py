"""OpenSpiel games by their game string, with the checks search algorithms need.

``load_game`` turns a game string such as ``dark_hex(board_size=3,gameversion=adh)`` into a
``pyspiel.Game`` and turns OpenSpiel's long "Unknown game" dump into a short error. The
``require_*`` helpers give each algorithm one line to reject games it is not defined for;
``sample_chance_outcome`` draws a chance node's outcome from a seeded generator.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pyspiel


class GameError(ValueError):
    """A game string that does not load, or a game an algorithm is not defined for."""


@functools.lru_cache(maxsize=64)
def load_game(game_string: str) -> pyspiel.Game:
    """Load an OpenSpiel game by its string; raise ``GameError`` naming the problem."""
    if not isinstance(game_string, str) or not game_string.strip():
        raise GameError(f"game string must be a non-empty string, got {game_string!r}")
    name = game_string.split("(", 1)[0].strip()
    if name not in set(pyspiel.registered_names()):
        raise GameError(f"unknown game {name!r} in game string {game_string!r}; "
                        "see pyspiel.registered_names() for the list")
    try:
        return pyspiel.load_game(game_string)
    except pyspiel.SpielError as err:
        first_line = str(err).strip().splitlines()[0]
        raise GameError(f"cannot load {game_string!r}: {first_line}") from None


def sample_chance_outcome(state: Any, rng: np.random.Generator) -> int:
    """One outcome of an OpenSpiel chance node drawn from ``state.chance_outcomes()`` with one
    ``rng.choice(len(outcomes), p=...)`` (the probabilities normalised)."""
    actions, probs = zip(*state.chance_outcomes())
    p = np.asarray(probs, dtype=float)
    return int(actions[rng.choice(len(actions), p=p / p.sum())])


def as_game(game: "str | pyspiel.Game") -> pyspiel.Game:
    """Accept either a game string or an already loaded game."""
    return load_game(game) if isinstance(game, str) else game


def is_two_player_zero_sum(game: pyspiel.Game) -> bool:
    info = game.get_type()
    return game.num_players() == 2 and info.utility == pyspiel.GameType.Utility.ZERO_SUM


def is_common_payoff(game: pyspiel.Game) -> bool:
    return game.get_type().utility == pyspiel.GameType.Utility.IDENTICAL


def require_two_player_zero_sum(game: pyspiel.Game, algorithm: str) -> None:
    if not is_two_player_zero_sum(game):
        raise GameError(f"{algorithm} needs a two-player zero-sum game; {game} has "
                        f"{game.num_players()} players and utility {game.get_type().utility.name}")


def require_common_payoff(game: pyspiel.Game, algorithm: str) -> None:
    if not is_common_payoff(game):
        raise GameError(f"{algorithm} needs a common-payoff (cooperative) game; {game} has "
                        f"utility {game.get_type().utility.name}")


def require_sequential_imperfect_information(game: pyspiel.Game, algorithm: str) -> None:
    info = game.get_type()
    if info.dynamics != pyspiel.GameType.Dynamics.SEQUENTIAL:
        raise GameError(f"{algorithm} needs a sequential (turn-based) game; {game} is "
                        f"{info.dynamics.name}")
    if not info.provides_information_state_string:
        raise GameError(f"{algorithm} needs information_state_string; {game} does not provide it")
