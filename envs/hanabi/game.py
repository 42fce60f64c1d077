"""Hanabi on the project's native engine: configuration, game object and state.

``HanabiGame(players=2)`` describes a rule set (HLE rules and variants); its
``new_initial_state(seed=...)`` shuffles and deals a deck natively, and each step of play is
``state.apply_action(uid)`` on the returned ``HanabiState`` (a Cython extension type wrapping
one plain C struct; ``clone()`` is a struct copy). Move uids and the state's printout follow the
Hanabi Learning Environment (HLE): discards ``[0, H)``, plays ``[H, 2H)``, then colour hints and
rank hints ordered by target offset. Cards are integer ids ``colour * 5 + rank`` (rank 0 is a
"1"), colour order R, Y, G, W, B.

Example::

    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=1)
    while not state.is_terminal():
        state.apply_action(state.legal_actions()[0])
    print(state.score())
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from uedtp.csrc.hanabi_engine import native_random_games
from uedtp.csrc.hanabi_engine_state import (COLOR_CHARS, TERMINAL_PLAYER, CardKnowledge, HanabiState,
                                            card_name, check_config, config_move_name, new_state)

__all__ = ["HanabiConfig", "HanabiGame", "HanabiState", "CardKnowledge", "TERMINAL_PLAYER",
           "COLOR_CHARS", "card_id", "card_color", "card_rank", "card_name", "cards_to_str", "parse_card",
           "native_random_games"]

Card = Union[int, tuple[int, int]]
RANK_STRIDE = 5


def card_id(color: int, rank: int) -> int:
    """The engine's id of the card (colour index, rank index; rank 0 is a "1")."""
    return color * RANK_STRIDE + rank


def card_color(card: int) -> int:
    return card // RANK_STRIDE


def card_rank(card: int) -> int:
    return card % RANK_STRIDE


def parse_card(text: str) -> int:
    """Card id from an HLE-style string such as "R1" or "b5"."""
    if not isinstance(text, str) or len(text) != 2:
        raise ValueError(f"a card string is a colour letter and a rank digit, got {text!r}")
    color = COLOR_CHARS.find(text[0].upper())
    if color < 0 or not text[1].isdigit() or not 1 <= int(text[1]) <= 5:
        raise ValueError(f"cannot parse card {text!r} (colours {COLOR_CHARS}, ranks 1-5)")
    return card_id(color, int(text[1]) - 1)


def _require_int(name: str, value: object, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")


@dataclasses.dataclass(frozen=True)
class HanabiConfig:
    """A Hanabi rule set (HLE rules). ``hand_size=None`` means HLE's default: 5 cards with 2-3
    players, 4 with 4-5. Copies per rank follow HLE: three of the lowest rank, one of the
    highest, two of the others. Invalid values raise ValueError naming the field."""

    players: int = 2
    colors: int = 5
    ranks: int = 5
    hand_size: Optional[int] = None
    max_information_tokens: int = 8
    max_life_tokens: int = 3

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _require_int(f.name, getattr(self, f.name), allow_none=(f.name == "hand_size"))
        if self.hand_size is not None and self.hand_size == -1:
            raise ValueError("hand_size must be in 1..5 (or None for the HLE default)")
        check_config(*self.engine_params())

    def engine_params(self) -> tuple[int, int, int, int, int, int]:
        """(players, colors, ranks, hand_size or -1, info tokens, life tokens) for the engine."""
        return (int(self.players), int(self.colors), int(self.ranks),
                -1 if self.hand_size is None else int(self.hand_size),
                int(self.max_information_tokens), int(self.max_life_tokens))

    @property
    def effective_hand_size(self) -> int:
        return check_config(*self.engine_params())[0]


class HanabiGame:
    """A Hanabi rule set plus state factory: ``HanabiGame(players=3)``, or
    ``HanabiGame(config=HanabiConfig(...))``."""

    def __init__(self, players: int = 2, colors: int = 5, ranks: int = 5,
                 hand_size: Optional[int] = None, max_information_tokens: int = 8,
                 max_life_tokens: int = 3, *, config: Optional[HanabiConfig] = None) -> None:
        if config is None:
            config = HanabiConfig(players, colors, ranks, hand_size, max_information_tokens,
                                  max_life_tokens)
        elif not isinstance(config, HanabiConfig):
            raise TypeError(f"config must be a HanabiConfig, got {type(config).__name__}")
        self.config = config
        self._params = config.engine_params()
        hand, deck, moves, copies = check_config(*self._params)
        self._hand_size = hand
        self._deck_size = deck
        self._num_moves = moves
        self._copies = copies

    # ---- description --------------------------------------------------------------------
    def num_players(self) -> int:
        return self.config.players

    def num_colors(self) -> int:
        return self.config.colors

    def num_ranks(self) -> int:
        return self.config.ranks

    def hand_size(self) -> int:
        return self._hand_size

    def deck_size(self) -> int:
        return self._deck_size

    def max_information_tokens(self) -> int:
        return self.config.max_information_tokens

    def max_life_tokens(self) -> int:
        return self.config.max_life_tokens

    def num_distinct_actions(self) -> int:
        """Number of move uids (HLE's MaxMoves)."""
        return self._num_moves

    def max_score(self) -> int:
        return self.config.colors * self.config.ranks

    def num_cards(self, color: int, rank: int) -> int:
        """Copies of the card (colour, rank) in the deck."""
        if not (0 <= color < self.config.colors and 0 <= rank < self.config.ranks):
            return 0
        return self._copies[rank]

    def full_deck(self) -> list[int]:
        """All card ids of the deck in canonical order (colour, then rank, then copy)."""
        return [card_id(c, r) for c in range(self.config.colors)
                for r in range(self.config.ranks) for _ in range(self._copies[r])]

    def move_name(self, uid: int) -> str:
        """HLE-style name of move ``uid``, e.g. "(Reveal player +1 rank 3)"."""
        _require_int("uid", uid)
        return config_move_name(self._params, int(uid))

    def engine_params(self) -> tuple[int, int, int, int, int, int]:
        return self._params

    # ---- states -------------------------------------------------------------------------
    def new_initial_state(self, seed: Optional[int] = None,
                          deck: Optional[Sequence[Card]] = None) -> HanabiState:
        """A dealt game: the deck is shuffled natively from ``seed`` (None = fresh entropy), or
        ``deck`` gives every card in deal order (ids or (colour, rank) pairs). Player 0 is dealt
        the first ``hand_size`` cards (first card in slot 0), then player 1, ...; player 0 moves
        first."""
        return new_state(self, self._params, seed, deck)

    def _key(self) -> tuple[int, ...]:
        """The rules with the hand size resolved (hand_size=None and its default are equal)."""
        return (*self._params[:3], self._hand_size, *self._params[4:])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HanabiGame) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        c = self.config
        return (f"HanabiGame(players={c.players}, colors={c.colors}, ranks={c.ranks}, "
                f"hand_size={self._hand_size}, max_information_tokens={c.max_information_tokens}, "
                f"max_life_tokens={c.max_life_tokens})")

    def __reduce__(self):
        return (_game_from_config, (self.config,))


def _game_from_config(config: HanabiConfig) -> HanabiGame:
    return HanabiGame(config=config)


def cards_to_str(cards: Iterable[int]) -> str:
    """Card ids as HLE-style strings, e.g. "R1 Y3"."""
    return " ".join(card_name(c) for c in cards)
