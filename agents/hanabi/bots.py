"""Rule-based Hanabi bots (SimpleBot, HolmesBot, SmartBot, ValueBot) as Agents over the native engine.

One step of an agent: bring its cached per-seat bot tables (``uedtp.csrc.hanabi_bots.BotSeats``) up
to the state's move history, each new move observed on its pre-move snapshot, then ask the bot
of the player to move for its move. The bots are deterministic, so ``action_probabilities``
puts probability 1 on that move (wrap the agent in ``uedtp.agents.full_support.FullSupportPolicy``
for a blueprint with full support).

The cache is keyed on the game: if the state continues the cached game (same deal, history
extends the cached one) only the new moves are observed; otherwise the tables are rebuilt by
replaying the state's history from its deal, which must reproduce the state's public record.

Example::

    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=0)
    agent = SmartBotAgent()
    while not state.is_terminal():
        state.apply_action(agent.act(state))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from uedtp.csrc.hanabi_bots import BOT_NAMES, BotSeats, bot_kind, same_public_record, same_state
from uedtp.envs.hanabi.convert import native_state
from uedtp.envs.hanabi.game import HanabiState

__all__ = ["HanabiBotAgent", "SimpleBotAgent", "HolmesBotAgent", "SmartBotAgent", "ValueBotAgent",
           "BOT_NAMES"]


@dataclass
class _Cache:
    history: list[int]
    state: HanabiState          # the game at the cached point (a private clone)
    seats: BotSeats             # bot tables that have observed `history`


def _same_deal(cached: HanabiState, state: HanabiState) -> bool:
    """Whether ``state`` can continue ``cached``: same cards drawn up to the cached point."""
    drawn = len(cached.deal_order()) - cached.deck_size()
    return cached.deal_order()[:drawn] == state.deal_order()[:drawn]


class HanabiBotAgent:
    """A rule-based bot (``bot`` = "simple", "holmes", "smart" or "value") playing any seat; a
    ``RuleBasedBlueprint`` (``uedtp.agents.protocol``) with epsilon 0.

    One agent object can play every seat of a game (its tables hold one bot per seat) or just
    one; it follows whichever game it is shown. ``seed`` is accepted for the Agent protocol;
    the bots are deterministic.
    """

    def __init__(self, bot: str = "smart", seed: int | None = 0) -> None:
        self._kind = bot_kind(bot)          # TypeError/ValueError on a bad name
        self.seed = seed
        self._cache: _Cache | None = None

    @property
    def bot(self) -> str:
        """The bot's name: "simple", "holmes", "smart" or "value"."""
        return BOT_NAMES[self._kind]

    @property
    def bot_epsilon(self) -> float:
        """0: the pure bot (``uedtp.agents.protocol.RuleBasedBlueprint``)."""
        return 0.0

    def bot_move(self, state: Any) -> int:
        """The bot's move (= ``act``; ``uedtp.agents.protocol.RuleBasedBlueprint``)."""
        return self.act(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bot={self.bot!r})"

    # ---- Agent protocol ------------------------------------------------------------------
    def act(self, state: Any) -> int:
        """The bot's move for the player to move in ``state`` (a native state, or an OpenSpiel
        ``hanabi`` state, replayed natively by ``uedtp.envs.hanabi.convert.native_state``)."""
        native = native_state(state, type(self).__name__)
        seats = self._synced(native)
        return int(seats.decide(native))

    def action_probabilities(self, state: Any) -> dict[int, float]:
        """Probability 1 on the bot's move."""
        return {self.act(state): 1.0}

    # ---- cache ---------------------------------------------------------------------------
    def _synced(self, state: HanabiState) -> BotSeats:
        if state.is_terminal():
            raise ValueError("the game is over: no move to choose")
        history = state.history()
        cache = self._cache
        if (cache is not None and cache.state.game == state.game
                and len(history) >= len(cache.history)
                and history[:len(cache.history)] == cache.history
                and _same_deal(cache.state, state)):
            work = cache.state.clone()
            seats = cache.seats.copy()
            try:
                for uid in history[len(cache.history):]:
                    seats.observe(work, uid)
                    work.apply_action(uid)
            except ValueError:          # not the cached game after all: rebuild below
                pass
            else:
                if same_state(work, state):
                    self._cache = _Cache(history, work, seats)
                    return seats
        seats, work = BotSeats.replay(self.bot, state)
        if not same_public_record(work, state):
            raise ValueError("cannot rebuild the bots' tables: replaying the state's history from "
                             "its deck does not reproduce its public record (was the deck or an "
                             "earlier hand changed after the moves were made?)")
        self._cache = _Cache(history, state.clone(), seats)
        return seats


class SimpleBotAgent(HanabiBotAgent):
    """SimpleBot: plays hinted cards, hints playable cards, discards the oldest card."""

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__("simple", seed)


class HolmesBotAgent(HanabiBotAgent):
    """HolmesBot: card-knowledge deduction with warnings and sticky playable/valuable flags."""

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__("holmes", seed)


class SmartBotAgent(HanabiBotAgent):
    """SmartBot: tracks what every player can deduce; hint conventions, warnings, finesses."""

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__("smart", seed)


class ValueBotAgent(HanabiBotAgent):
    """ValueBot: SimpleBot plus warnings about last copies and a value-aware discard."""

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__("value", seed)
