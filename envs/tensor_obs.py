"""Network inputs: information-state / observation tensors with the acting player's one-hot.

One step of encoding: take OpenSpiel's ``information_state_tensor(player)`` (or
``observation_tensor``) of the state, flatten it, and append a one-hot of ``player``. The
one-hot matters in games whose tensor does not say who is acting (in Phantom Tic-Tac-Toe both
players' first decisions have the all-empty tensor), so one network can play every seat.

``TensorEncoding`` describes the input a policy network expects (game string, kind, sizes,
action count) and encodes ``pyspiel`` states one at a time or in bulk; ``with_player`` appends
the one-hot to tensors produced elsewhere (e.g. by ``uedtp.envs.phantom.batch.PhantomBatch``), so
both paths give identical network inputs. The native Hanabi encoding lives in
``uedtp.envs.hanabi.tensor``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pyspiel

from uedtp.envs.openspiel_games import GameError, as_game

KINDS = ("information_state", "observation")


@dataclass(frozen=True)
class TensorEncoding:
    """What a network sees: ``base_size`` tensor entries followed by ``num_players`` one-hot."""

    game_string: str
    kind: str
    base_size: int
    num_actions: int
    num_players: int

    @property
    def size(self) -> int:
        return self.base_size + self.num_players

    def as_dict(self) -> dict[str, Any]:
        return {"game_string": self.game_string, "kind": self.kind, "base_size": self.base_size,
                "num_actions": self.num_actions, "num_players": self.num_players}

    def _base(self, state: pyspiel.State, player: int) -> list[float]:
        if self.kind == "information_state":
            return state.information_state_tensor(player)
        return state.observation_tensor(player)

    def encode(self, state: pyspiel.State, player: int | None = None) -> np.ndarray:
        """(size,) float32 input for ``player`` (default: the player to move)."""
        return self.encode_batch([state], None if player is None else [player])[0]

    def encode_batch(self, states: Sequence[pyspiel.State],
                     players: Sequence[int] | None = None) -> np.ndarray:
        """(k, size) float32 inputs; ``players`` defaults to each state's player to move."""
        if players is None:
            players = [s.current_player() for s in states]
        out = np.zeros((len(states), self.size), dtype=np.float32)
        for k, (state, player) in enumerate(zip(states, players)):
            if not 0 <= player < self.num_players:
                raise ValueError(f"cannot encode for player {player} (terminal or chance node?)")
            out[k, :self.base_size] = self._base(state, player)
            out[k, self.base_size + player] = 1.0
        return out

    def legal_mask(self, state: pyspiel.State) -> np.ndarray:
        mask = np.zeros(self.num_actions, dtype=bool)
        mask[state.legal_actions()] = True
        return mask



def encoding_for(game: "str | pyspiel.Game", kind: str = "information_state") -> TensorEncoding:
    """The encoding of ``game``; ``GameError`` if the game lacks the requested tensor."""
    game = as_game(game)
    if kind not in KINDS:
        raise ValueError(f"tensor kind must be one of {KINDS}, got {kind!r}")
    info = game.get_type()
    if kind == "information_state" and not info.provides_information_state_tensor:
        raise GameError(f"{game} does not provide an information_state_tensor")
    if kind == "observation" and not info.provides_observation_tensor:
        raise GameError(f"{game} does not provide an observation_tensor")
    shape = (game.information_state_tensor_shape() if kind == "information_state"
             else game.observation_tensor_shape())
    return TensorEncoding(str(game), kind, int(np.prod(shape)), game.num_distinct_actions(),
                          game.num_players())


def with_player(base: np.ndarray, players: np.ndarray, num_players: int) -> np.ndarray:
    """Append the one-hot of ``players`` (k,) to ``base`` (k, D) -> (k, D + num_players)."""
    players = np.asarray(players, dtype=np.int64)
    out = np.zeros((base.shape[0], base.shape[1] + num_players), dtype=np.float32)
    out[:, :base.shape[1]] = base
    out[np.arange(len(players)), base.shape[1] + players] = 1.0
    return out
