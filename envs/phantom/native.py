"""Native twins of Phantom Tic-Tac-Toe and (Abrupt) Dark Hex, and conversion to and from OpenSpiel.

The games are re-implemented as bitboard structs in ``csrc/phantom_games.pyx`` (exact parity with
OpenSpiel's rules and information states); this module is their Python face:

- ``supports(game)``, ``game_spec(game)``: which OpenSpiel games have a native twin;
- ``from_pyspiel(state)`` / ``to_pyspiel(native)``: convert by replaying the history;

The uniform-blueprint posterior and rollouts over these states (search's ``Beliefs`` and
``ActionValues``) are in ``uedtp.search.update_equivalent.phantom``.
"""
from __future__ import annotations

import functools
from typing import Any

import pyspiel

from uedtp.csrc.phantom_games import GameSpec, HistoryBatch, NativeState
from uedtp.envs.openspiel_games import as_game, load_game

__all__ = ["GameSpec", "NativeState", "HistoryBatch", "supports", "game_spec", "from_pyspiel",
           "as_native", "to_pyspiel"]

_OBSTYPES = {"reveal-nothing": False, "reveal-numturns": True}
_PTTT_VERSIONS = {"classical": False, "abrupt": True}
_HEX_VERSIONS = {"cdh": False, "adh": True}


def _spec_args(game: pyspiel.Game) -> tuple[str, int, int, bool, bool] | str:
    """GameSpec arguments for ``game``, or a string saying why it has no native twin."""
    name = game.get_type().short_name
    params = game.get_parameters()
    obstype = params.get("obstype", "reveal-nothing")
    if obstype not in _OBSTYPES:
        return f"obstype {obstype!r} is not supported"
    if name == "phantom_ttt":
        version = params.get("gameversion", "classical")
        if version not in _PTTT_VERSIONS:
            return f"phantom_ttt gameversion {version!r} is not supported"
        return "tictactoe", 3, 3, _PTTT_VERSIONS[version], _OBSTYPES[obstype]
    if name == "dark_hex":
        version = params.get("gameversion", "cdh")
        if version not in _HEX_VERSIONS:
            return f"dark_hex gameversion {version!r} is not supported"
        rows, cols = int(params["num_rows"]), int(params["num_cols"])
        if rows < 2 or cols < 2 or rows * cols > 16:
            return (f"dark_hex board {rows}x{cols} is not supported "
                    "(need 2 <= rows, cols and at most 16 cells)")
        return "hex", rows, cols, _HEX_VERSIONS[version], _OBSTYPES[obstype]
    return f"game {name!r} has no native implementation (phantom_ttt and dark_hex only)"


@functools.lru_cache(maxsize=32)
def _spec_for(game_string: str) -> GameSpec:
    args = _spec_args(load_game(game_string))
    if isinstance(args, str):
        raise ValueError(f"{game_string}: {args}")
    return GameSpec(*args, game_string=game_string)


def supports(game: "str | pyspiel.Game") -> bool:
    """True iff ``game`` (a string or pyspiel.Game) has a native implementation."""
    try:
        return not isinstance(_spec_args(as_game(game)), str)
    except ValueError:
        return False


def game_spec(game: "str | pyspiel.Game") -> GameSpec:
    """The native twin of ``game``; ValueError naming the reason if there is none."""
    return _spec_for(str(as_game(game)))


def from_pyspiel(state: pyspiel.State) -> NativeState:
    """The native state with the same history as ``state``."""
    if not isinstance(state, pyspiel.State):
        raise TypeError(f"expected a pyspiel.State, got {type(state).__name__}")
    return game_spec(state.get_game()).from_history(state.history())


def as_native(state: Any) -> NativeState:
    """``state`` itself if native, else its conversion from a pyspiel.State."""
    return state if isinstance(state, NativeState) else from_pyspiel(state)


def to_pyspiel(state: NativeState, game: pyspiel.Game | None = None) -> pyspiel.State:
    """The OpenSpiel state with the same history (``game`` defaults to the spec's game)."""
    if not isinstance(state, NativeState):
        raise TypeError(f"expected a NativeState, got {type(state).__name__}")
    game = game if game is not None else load_game(state.game.game_string)
    if str(game) != state.game.game_string:
        raise ValueError(f"state belongs to {state.game.game_string}, not {game}")
    out = game.new_initial_state()
    for action in state.history():
        out.apply_action(action)
    return out
