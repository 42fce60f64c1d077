"""One game string for every game the suite plays: the native Hanabi engine or any OpenSpiel game.

``make_game(game_string)`` returns a ``GameHandle``, the small interface a tournament needs:
``new_initial_state(seed)``, ``num_players``, whether the game is common-payoff or two-player
zero-sum, how to resolve a chance node, and the best possible score. One step of its work:
parse the game string, pick the engine, wrap it.

- ``hanabi(players=2,colors=5,ranks=5,hand_size=...,max_information_tokens=8,max_life_tokens=3)``
  (any subset of those parameters, or plain ``hanabi``) → the native engine in ``uedtp.envs.hanabi.game``.
- ``openspiel:<game string>`` → that OpenSpiel game (use ``openspiel:hanabi(players=2)`` for
  OpenSpiel's own Hanabi).
- any other string → an OpenSpiel game via ``uedtp.envs.openspiel_games.load_game``. Simultaneous-move
  games are played in OpenSpiel's turn-based form (``turn_based_simultaneous_game``).

``as_handle(game)`` also accepts a game object: a ``GameHandle`` itself, a ``pyspiel.Game`` or an
``uedtp.envs.hanabi.game.HanabiGame`` (wrapped as they are, so their states are the agents' states).
"""
from __future__ import annotations

import functools
import re
from typing import Any, Protocol

import numpy as np

from uedtp.envs.hanabi.game import HanabiConfig, HanabiGame
from uedtp.envs.openspiel_games import GameError, load_game, sample_chance_outcome

COMMON_PAYOFF = "common-payoff"
ZERO_SUM = "zero-sum"
GENERAL_SUM = "general-sum"

_NATIVE_HANABI_PARAMS: dict[str, str] = {
    # name in the game string -> keyword of uedtp.envs.hanabi.game.HanabiGame
    "players": "players",
    "colors": "colors",
    "ranks": "ranks",
    "hand_size": "hand_size",
    "max_information_tokens": "max_information_tokens",
    "max_life_tokens": "max_life_tokens",
}


class GameHandle(Protocol):
    """What the tournament layer needs from a game, whatever engine runs it."""

    game_string: str
    engine: str                 # "native-hanabi" or "openspiel"
    num_players: int
    utility: str                # COMMON_PAYOFF, ZERO_SUM or GENERAL_SUM
    max_score: float            # best achievable return of one seat (cooperative: the perfect score)
    raw: Any                    # the engine's game object (HanabiGame or pyspiel.Game)

    @property
    def is_common_payoff(self) -> bool: ...

    @property
    def is_two_player_zero_sum(self) -> bool: ...

    def new_initial_state(self, seed: int) -> Any: ...

    def is_chance_node(self, state: Any) -> bool: ...

    def sample_chance(self, state: Any, rng: np.random.Generator) -> int: ...

    def score(self, state: Any) -> float: ...


class _HandleBase:
    game_string: str
    num_players: int
    utility: str

    @property
    def is_common_payoff(self) -> bool:
        return self.utility == COMMON_PAYOFF

    @property
    def is_two_player_zero_sum(self) -> bool:
        return self.utility == ZERO_SUM and self.num_players == 2

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game_string!r})"


class OpenSpielGame(_HandleBase):
    """An OpenSpiel game; chance nodes are resolved by the caller's generator."""

    engine = "openspiel"

    def __init__(self, game_string: str, label: str | None = None, raw: Any = None) -> None:
        import pyspiel
        game = load_game(game_string) if raw is None else raw
        info = game.get_type()
        if info.dynamics == pyspiel.GameType.Dynamics.SIMULTANEOUS:
            game = pyspiel.convert_to_turn_based(game)
            info = game.get_type()
        self.game_string = label or game_string
        self.raw = game
        self.num_players = int(game.num_players())
        if info.utility == pyspiel.GameType.Utility.IDENTICAL:
            self.utility = COMMON_PAYOFF
        elif info.utility in (pyspiel.GameType.Utility.ZERO_SUM,
                              pyspiel.GameType.Utility.CONSTANT_SUM):
            self.utility = ZERO_SUM
        else:
            self.utility = GENERAL_SUM
        self.max_score = float(game.max_utility())

    def new_initial_state(self, seed: int) -> Any:
        # OpenSpiel states carry no randomness of their own: ``sample_chance`` draws the chance
        # outcomes from a generator seeded with the same seed.
        return self.raw.new_initial_state()

    def is_chance_node(self, state: Any) -> bool:
        return bool(state.is_chance_node())

    def sample_chance(self, state: Any, rng: np.random.Generator) -> int:
        return sample_chance_outcome(state, rng)

    def score(self, state: Any) -> float:
        return float(state.returns()[0])


class NativeHanabiGame(_HandleBase):
    """The suite's own Hanabi engine (``uedtp.envs.hanabi.game.HanabiGame``): the deck is shuffled from the seed."""

    engine = "native-hanabi"
    utility = COMMON_PAYOFF

    def __init__(self, game_string: str, params: dict[str, int], raw: Any = None) -> None:
        kwargs = {_NATIVE_HANABI_PARAMS[k]: v for k, v in params.items()}
        try:
            self.raw = HanabiGame(config=HanabiConfig(**kwargs)) if raw is None else raw
        except (TypeError, ValueError) as err:
            raise GameError(f"cannot build {game_string!r}: {err}") from None
        self.game_string = game_string
        self.num_players = int(_first_attr(self.raw, ("num_players", "players"),
                                           kwargs.get("players", 2)))
        colors = int(_first_attr(self.raw, ("num_colors", "colors"), kwargs.get("colors", 5)))
        ranks = int(_first_attr(self.raw, ("num_ranks", "ranks"), kwargs.get("ranks", 5)))
        self.max_score = float(colors * ranks)

    def new_initial_state(self, seed: int) -> Any:
        return self.raw.new_initial_state(seed=int(seed))

    def is_chance_node(self, state: Any) -> bool:
        return False

    def sample_chance(self, state: Any, rng: np.random.Generator) -> int:
        raise GameError("the native Hanabi engine has no chance nodes")

    def score(self, state: Any) -> float:
        return float(state.score())


def _first_attr(obj: Any, names: tuple[str, ...], default: Any) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value() if callable(value) else value
    return default


_NATIVE_RE = re.compile(r"^\s*hanabi\s*(?:\((?P<args>.*)\))?\s*$", re.DOTALL)


def _parse_native_hanabi(game_string: str) -> dict[str, int] | None:
    """Parameters of a native ``hanabi(...)`` string, or None if the string is not one."""
    match = _NATIVE_RE.match(game_string)
    if match is None:
        return None
    params: dict[str, int] = {}
    args = (match.group("args") or "").strip()
    if not args:
        return params
    for part in args.split(","):
        if "=" not in part:
            raise GameError(f"bad parameter {part.strip()!r} in {game_string!r}: expected name=value")
        name, value = (x.strip() for x in part.split("=", 1))
        if name not in _NATIVE_HANABI_PARAMS:
            raise GameError(f"unknown parameter {name!r} for the native hanabi game in "
                            f"{game_string!r}; known: {', '.join(_NATIVE_HANABI_PARAMS)}")
        if name in params:
            raise GameError(f"parameter {name!r} given twice in {game_string!r}")
        try:
            params[name] = int(value)
        except ValueError:
            raise GameError(f"parameter {name!r} of {game_string!r} must be an integer, "
                            f"got {value!r}") from None
    return params


@functools.lru_cache(maxsize=32)
def make_game(game_string: str) -> GameHandle:
    """The game named by ``game_string`` (see the module docstring); ``GameError`` if it is bad."""
    if not isinstance(game_string, str) or not game_string.strip():
        raise GameError(f"game string must be a non-empty string, got {game_string!r}")
    game_string = game_string.strip()
    if game_string.startswith("openspiel:"):
        return OpenSpielGame(game_string[len("openspiel:"):].strip(), label=game_string)
    native = _parse_native_hanabi(game_string)
    if native is not None:
        return NativeHanabiGame(game_string, native)
    return OpenSpielGame(game_string)


def _hanabi_game_string(game: HanabiGame) -> str:
    """The native game string of a ``HanabiGame`` (every rule written out)."""
    c = game.config
    return (f"hanabi(players={c.players},colors={c.colors},ranks={c.ranks},"
            f"hand_size={game.hand_size()},max_information_tokens={c.max_information_tokens},"
            f"max_life_tokens={c.max_life_tokens})")


def as_handle(game: Any) -> GameHandle:
    """A ``GameHandle`` for a game string (``make_game``), a handle, a ``pyspiel.Game`` or a
    ``HanabiGame``; ``GameError`` naming the type for anything else."""
    if isinstance(game, str):
        return make_game(game)
    if isinstance(game, (OpenSpielGame, NativeHanabiGame)):
        return game
    if isinstance(game, HanabiGame):
        string = _hanabi_game_string(game)
        return NativeHanabiGame(string, _parse_native_hanabi(string) or {}, raw=game)
    import pyspiel
    if isinstance(game, pyspiel.Game):
        return OpenSpielGame(str(game), raw=game)
    raise GameError(f"expected a game string, a uedtp.envs.games handle, a pyspiel.Game or an "
                    f"uedtp.envs.hanabi.game.HanabiGame; got {type(game).__name__}")
