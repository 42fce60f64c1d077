"""A fixed-size tensor of what the acting player sees in a native Hanabi state.

One step of encoding for player p (seats are relative: offset k means player (p + k) mod N):
  - partners' cards: for offsets 1..N-1 and every slot, a one-hot of the card id (25 entries,
    all zero for an empty slot);
  - card knowledge: for offsets 0..N-1 and every slot, the holder's HLE knowledge: colour and
    rank plausibility flags (5 + 5) and the positively hinted colour / rank one-hots (5 + 5);
  - fireworks: per colour a one-hot of the pile height 0..5;
  - information tokens (one-hot 0..max), life tokens (one-hot 0..max), deck size / deck;
  - discard pile: copies of each card id discarded / copies in the deck;
  - the last two moves: one-hot of each move uid (recent hints carry the bots' conventions).
``HanabiEncoding`` has the ``encode_batch``/``legal_mask`` interface ``agents.torch_policy``
uses, and a game string ``hanabi_native(players=N)`` stored in checkpoints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from envs.hanabi import HanabiGame, HanabiState

CARD_IDS = 25
COLOURS = RANKS = 5
HISTORY_MOVES = 2


@dataclass(frozen=True)
class HanabiEncoding:
    """Input layout of the native Hanabi encoding for one rule set (standard deck)."""

    game_string: str
    players: int
    hand_size: int
    num_actions: int
    max_information_tokens: int = 8
    max_life_tokens: int = 3
    kind: str = "hanabi_view"

    @property
    def size(self) -> int:
        n, h = self.players, self.hand_size
        return ((n - 1) * h * CARD_IDS + n * h * 20 + COLOURS * 6
                + self.max_information_tokens + 1 + self.max_life_tokens + 1 + 1 + CARD_IDS
                + HISTORY_MOVES * self.num_actions)

    def as_dict(self) -> dict[str, Any]:
        return {"game_string": self.game_string, "kind": self.kind, "players": self.players,
                "hand_size": self.hand_size, "num_actions": self.num_actions,
                "base_size": self.size}

    def game(self) -> HanabiGame:
        return HanabiGame(players=self.players)

    def encode(self, state: HanabiState, player: int | None = None) -> np.ndarray:
        return self.encode_batch([state], None if player is None else [player])[0]

    def encode_batch(self, states: Sequence[HanabiState],
                     players: Sequence[int] | None = None) -> np.ndarray:
        out = np.zeros((len(states), self.size), dtype=np.float32)
        for k, state in enumerate(states):
            p = state.current_player() if players is None else players[k]
            self._encode_into(state, int(p), out[k])
        return out

    def _encode_into(self, state: HanabiState, p: int, row: np.ndarray) -> None:
        n, h = self.players, self.hand_size
        if state.num_players() != n:
            raise ValueError(f"encoding is for {n} players, state has {state.num_players()}")
        if not 0 <= p < n:
            raise ValueError(f"cannot encode for player {p} (terminal state?)")
        pos = 0
        hands = state.hands()
        for off in range(1, n):
            for slot, card in enumerate(hands[(p + off) % n]):
                row[pos + slot * CARD_IDS + card] = 1.0
            pos += h * CARD_IDS
        knowledge = state.knowledge()
        for off in range(n):
            for slot, kn in enumerate(knowledge[(p + off) % n]):
                base = pos + slot * 20
                row[base:base + 5] = kn.color_plausible
                row[base + 5:base + 10] = kn.rank_plausible
                if kn.color is not None:
                    row[base + 10 + kn.color] = 1.0
                if kn.rank is not None:
                    row[base + 15 + kn.rank] = 1.0
            pos += h * 20
        for c, height in enumerate(state.fireworks()):
            row[pos + c * 6 + height] = 1.0
        pos += COLOURS * 6
        row[pos + state.information_tokens()] = 1.0
        pos += self.max_information_tokens + 1
        row[pos + state.life_tokens()] = 1.0
        pos += self.max_life_tokens + 1
        row[pos] = state.deck_size() / 50.0
        pos += 1
        copies = np.tile([3, 2, 2, 2, 1], COLOURS)
        row[pos:pos + CARD_IDS] = np.asarray(state.discard_counts(), dtype=np.float32) / copies
        pos += CARD_IDS
        history = state.history()
        for back in range(HISTORY_MOVES):
            if len(history) > back:
                row[pos + history[-1 - back]] = 1.0
            pos += self.num_actions

    def legal_mask(self, state: HanabiState) -> np.ndarray:
        return np.asarray(state.legal_actions_mask(), dtype=bool)


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
