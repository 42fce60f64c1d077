"""A fixed-size tensor of what the acting player sees in a native Hanabi state.

One step of encoding for player p (``uedtp.csrc.hanabi_features.encode_into``; seats are relative,
offset k means player (p + k) mod N):
  - partners' cards: per offset 1..N-1 and slot, a one-hot of the card id plus whether it is
    playable / worthless / valuable now;
  - per offset 0..N-1 and slot: the holder's HLE knowledge (colour / rank plausibility and
    positively hinted colour / rank) and the *convention knowledge*: the identities SmartBot's
    public tables still allow for the card (25 bits; these tables are a function of the public
    record, read from p's own table) with predicates on them (playable / worthless / valuable,
    probabilities, chop);
  - p's own slots refined by eyesight (identities whose copies are all gone or visible removed);
  - the board: fireworks, information and life tokens, deck size, discards, card-id flags;
  - the last two moves (actor offset and move uid).
The convention knowledge is what lets a network imitate SmartBot: a hint's meaning ("this card
is playable", "this chop card is valuable") lives in those tables, not in the HLE knowledge.

``HanabiEncoding`` has the ``encode_batch``/``legal_mask`` interface ``uedtp.agents.neural.policy``
uses and a game string ``hanabi_native(players=N)`` stored in checkpoints. Encoding a bare state
replays its history through SmartBot tables (``BotSeats.replay``); code that follows a game move
by move passes its ``BotSeats`` (``seats=``) or uses ``uedtp.csrc.hanabi_features.LockstepGames``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from uedtp.csrc.hanabi_bots import BotSeats, same_public_record
from uedtp.csrc.hanabi_features import encode_view, feature_layout, feature_size, legal_mask
from uedtp.envs.hanabi.convert import native_state
from uedtp.envs.hanabi.game import HanabiGame, HanabiState

COLOURS = RANKS = 5
ENCODING_KIND = "hanabi_view_conventions_v2"


def seats_for(state: HanabiState) -> BotSeats:
    """SmartBot tables for every seat of ``state``'s game, rebuilt by replaying its move history
    on its deal. A state whose hand was replaced (``set_hand``) after moves that its new cards
    contradict cannot be replayed: pass the tables that followed it (``seats=``) instead."""
    try:
        seats, replayed = BotSeats.replay("smart", state)
    except ValueError as err:
        raise ValueError(f"cannot rebuild SmartBot tables from this state's history ({err}); "
                         "was a hand replaced? pass seats= explicitly") from None
    if not same_public_record(replayed, state):
        raise ValueError("replaying this state's history on its deal gives another public "
                         "record (a hand was replaced?); pass seats= explicitly")
    return seats


@dataclass(frozen=True)
class HanabiEncoding:
    """Input layout of the native Hanabi encoding for one rule set (standard deck)."""

    game_string: str
    players: int
    hand_size: int
    num_actions: int
    max_information_tokens: int = 8
    max_life_tokens: int = 3
    kind: str = ENCODING_KIND

    @property
    def size(self) -> int:
        return feature_size(self.players, self.hand_size, self.num_actions,
                            self.max_information_tokens, self.max_life_tokens)

    def layout(self) -> dict[str, int]:
        """Block sizes of a row, in order."""
        return feature_layout(self.players, self.hand_size, self.num_actions,
                              self.max_information_tokens, self.max_life_tokens)

    def as_dict(self) -> dict[str, Any]:
        return {"game_string": self.game_string, "kind": self.kind, "players": self.players,
                "hand_size": self.hand_size, "num_actions": self.num_actions,
                "base_size": self.size}

    def game(self) -> HanabiGame:
        return HanabiGame(players=self.players)

    def _check(self, state: Any) -> HanabiState:
        """The native state to encode: ``state``, or an OpenSpiel ``hanabi`` state replayed
        natively (``uedtp.envs.hanabi.convert.native_state``)."""
        state = native_state(state, "HanabiEncoding")
        if state.num_players() != self.players:
            raise ValueError(f"encoding is for {self.players} players, state has "
                             f"{state.num_players()}")
        return state

    def encode(self, state: HanabiState, player: int | None = None,
               seats: BotSeats | None = None) -> np.ndarray:
        """One row: ``player``'s view (default: the player to move). ``seats``: SmartBot tables
        following this game (rebuilt from the history if omitted)."""
        state = self._check(state)
        p = state.current_player() if player is None else int(player)
        if not 0 <= p < self.players:
            raise ValueError(f"cannot encode for player {p} (terminal state?)")
        row = np.zeros(self.size, dtype=np.float32)
        encode_view(state, seats_for(state) if seats is None else seats, p, row)
        return row

    def encode_batch(self, states: Sequence[HanabiState],
                     players: Sequence[int] | None = None) -> np.ndarray:
        out = np.zeros((len(states), self.size), dtype=np.float32)
        for k, state in enumerate(states):
            out[k] = self.encode(state, None if players is None else players[k])
        return out

    def legal_mask(self, state: HanabiState) -> np.ndarray:
        return legal_mask(self._check(state))


def hanabi_encoding_for(game: "str | HanabiGame") -> HanabiEncoding:
    """Encoding for ``HanabiGame`` or its string ``hanabi_native(players=N)``."""
    if isinstance(game, str):
        m = re.fullmatch(r"hanabi_native\(players=(\d)\)", game.strip())
        if not m:
            raise ValueError(f"not a native Hanabi game string: {game!r} "
                             "(expected 'hanabi_native(players=N)')")
        game = HanabiGame(players=int(m.group(1)))
    if not isinstance(game, HanabiGame):
        raise TypeError(f"expected a HanabiGame or its string, got {type(game).__name__}")
    if (game.num_colors(), game.num_ranks()) != (COLOURS, RANKS):
        raise ValueError("the native Hanabi encoding supports the standard 5x5 deck only")
    return HanabiEncoding(f"hanabi_native(players={game.num_players()})", game.num_players(),
                          game.hand_size(), game.num_distinct_actions(),
                          game.max_information_tokens(), game.max_life_tokens())
