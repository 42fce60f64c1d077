"""Any Hanabi agent of the suite as an HLE ``rl_env.Agent`` that acts from its observations alone.

``SuiteAgent(config, agent)`` is a ``hanabi_learning_environment.rl_env.Agent``: HLE's runners
build it from their config dict and call ``act(observation)`` with the observation dict of one
player. One step of ``act`` at the observer's own turn (other players' turns return None, as
HLE's agents do):

1. extend the observer's record of the game (``ObservedGame.update``) with the observation's
   ``pyhanabi.last_moves()``: everything since the observer's previous move, that move
   included: the moves (a play or discard shows the card, the observer's own too) and the
   deals (cards dealt to others are shown, the observer's own are not). At the observer's
   first turn of a game the record starts over: the other players' starting hands are their
   current hands with the moves since the start undone;
2. rebuild the game in the native engine (``ObservedGame.native_state``): the deck deals every
   card the observer saw dealt, in the order it was dealt; each of the observer's own cards
   that was played or discarded is the card it turned out to be; the cards still in its hand
   are the first assignment, in card order, consistent with its card knowledge (HLE's plausible
   colours and ranks) and with the cards it has not seen. That assignment depends on the
   observation only, never on the hidden cards, and is deterministic. Seats are rotated so
   the player who moved first is native seat 0 (``random_start_player=True`` works);
3. ask the wrapped agent (anything with ``act(state)`` over ``uedtp.envs.hanabi.game.HanabiState``:
   the bots, MD search, SPARTA, joint SPARTA, network policies) for its move and return HLE's
   move dict for it (``uedtp.agents.hanabi.hle.move_dict``).

Each rebuilt state is checked against the observation (legal moves, the other players' hands,
the observer's card knowledge, tokens and score) before the agent sees it. A runner may call
``act`` of one agent object for several seats (one record per seat) and may skip ``reset``
between games (a game whose observer has not moved yet starts a new record).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from uedtp.agents.hanabi.hle import move_dict, move_uid
from uedtp.envs.hanabi.game import HanabiGame, HanabiState, card_color, card_id, card_rank

try:
    from hanabi_learning_environment import pyhanabi, rl_env
    _AgentBase: type = rl_env.Agent
except ImportError:  # pragma: no cover - optional dependency
    pyhanabi = rl_env = None
    _AgentBase = object

__all__ = ["ObservedGame", "SuiteAgent", "game_from_config", "hle_agent_class",
           "consistent_hand"]

def game_from_config(config: dict[str, Any]) -> HanabiGame:
    """Our ``HanabiGame`` for an HLE config dict (HLE's defaults for missing keys)."""
    if not isinstance(config, dict):
        raise TypeError(f"an HLE config is a dict, got {type(config).__name__}")
    return HanabiGame(players=int(config.get("players", 2)), colors=int(config.get("colors", 5)),
                      ranks=int(config.get("ranks", 5)), hand_size=config.get("hand_size"),
                      max_information_tokens=int(config.get("max_information_tokens", 8)),
                      max_life_tokens=int(config.get("max_life_tokens", 3)))


@dataclass(frozen=True)
class _Event:
    """One item of an observer's history, seats relative to the observer (0 = itself)."""

    player: int                 # the mover, or the player dealt to for a deal
    uid: int                    # the move uid (HLE's); -1 for a deal
    card: int | None            # card dealt or played/discarded (None: dealt to the observer)
    index: int = -1             # hand index of a play/discard


def _events(observation: Any, game: HanabiGame) -> list[_Event]:
    """The observation's ``last_moves()``, oldest first, as events."""
    out = []
    for item in reversed(observation.last_moves()):
        move = item.move()
        if move.type() == pyhanabi.HanabiMoveType.DEAL:
            to = item.deal_to_player()
            card = None if to == 0 else card_id(move.color(), move.rank())
            out.append(_Event(to, -1, card))
            continue
        d = move.to_dict()
        kind = d["action_type"]
        card = card_id(item.color(), item.rank()) if kind in ("PLAY", "DISCARD") else None
        out.append(_Event(item.player(), move_uid(game, d), card, d.get("card_index", -1)))
    return out


def consistent_hand(knowledge: Sequence[tuple[Sequence[bool], Sequence[bool]]],
                    unseen: dict[int, int]) -> list[int]:
    """The first hand, in card order slot by slot, whose card in each slot has a plausible
    colour and rank (``knowledge[slot] = (color_plausible, rank_plausible)``) and that takes
    no card more often than ``unseen`` holds it. ValueError if there is none."""
    hand: list[int] = []
    counts = dict(unseen)

    def fill(slot: int) -> bool:
        if slot == len(knowledge):
            return True
        colors, ranks = knowledge[slot]
        for card in sorted(counts):
            if counts[card] and colors[card_color(card)] and ranks[card_rank(card)]:
                counts[card] -= 1
                hand.append(card)
                if fill(slot + 1):
                    return True
                hand.pop()
                counts[card] += 1
        return False

    if not fill(0):
        raise ValueError("no hand is consistent with the card knowledge and the unseen cards")
    return hand


@dataclass
class ObservedGame:
    """One observer's record of one HLE game, from its observations only (module docstring)."""

    game: HanabiGame
    start_hands: list[list[int | None]]         # relative seats; the observer's cards are None
    events: list[_Event] = field(default_factory=list)
    last_move: int | None = None                # the move the observer chose last

    @classmethod
    def start(cls, game: HanabiGame, observation: Any, batch: list[_Event]) -> "ObservedGame":
        """The record at the observer's first turn: the others' starting hands are their
        observed hands with ``batch`` (every move so far) undone."""
        hands: list[list[int | None]] = [list(h) for h in _observed_cards(observation)]
        hands[0] = [None] * len(hands[0])
        for ev in reversed(batch):
            if ev.uid < 0:
                hands[ev.player].pop()
            elif ev.index >= 0:
                hands[ev.player].insert(ev.index, ev.card)
        h = game.hand_size()
        if any(len(hand) != h for hand in hands):
            raise ValueError("cannot rebuild the starting hands from the observation: is it "
                             "the first turn of this player in this game?")
        record = cls(game, hands)
        record.events = list(batch)
        return record

    def extend(self, batch: list[_Event]) -> None:
        """Add the moves since the observer's previous turn (``batch`` starts with that move)."""
        first = batch[0]
        if self.last_move is not None and first.uid != self.last_move:
            raise ValueError(f"the observation does not continue this game: it says the player "
                             f"made move {first.uid}, the agent chose {self.last_move}")
        self.events += batch

    def first_mover(self) -> int:
        """The seat (relative to the observer) that made the first move."""
        return next((ev.player for ev in self.events if ev.uid >= 0), 0)

    def native_state(self, knowledge: Sequence[tuple[Sequence[bool], Sequence[bool]]]
                     ) -> HanabiState:
        """The game rebuilt natively (module docstring, step 2); ``knowledge`` is the
        observer's per-slot (plausible colours, plausible ranks) from the observation."""
        n = self.game.num_players()
        f = self.first_mover()
        # every deal in order: native seat 0 (relative seat f) gets the first hand
        deals: list[int | None] = []
        hands: list[list[int]] = [[] for _ in range(n)]      # relative seat -> deal positions
        for seat in range(n):
            rel = (seat + f) % n
            for card in self.start_hands[rel]:
                hands[rel].append(len(deals))
                deals.append(card)
        moves: list[int] = []
        for ev in self.events:
            if ev.uid < 0:
                hands[ev.player].append(len(deals))
                deals.append(ev.card)
                continue
            moves.append(ev.uid)
            if ev.index >= 0:
                pos = hands[ev.player].pop(ev.index)
                if deals[pos] is None:
                    deals[pos] = ev.card
                elif deals[pos] != ev.card:
                    raise ValueError(f"the observation's history is inconsistent: a card seen "
                                     f"as {ev.card} was dealt as {deals[pos]}")
        unseen = _counts(self.game.full_deck())
        for card in deals:
            if card is not None:
                if not unseen.get(card):
                    raise ValueError(f"card {card} seen more often than the deck holds it")
                unseen[card] -= 1
        own = hands[0]
        if len(knowledge) != len(own):
            raise ValueError(f"the observation has knowledge of {len(knowledge)} cards, the "
                             f"observer holds {len(own)}")
        for pos, card in zip(own, consistent_hand(knowledge, unseen)):
            deals[pos] = card
            unseen[card] -= 1
        if any(card is None for card in deals):
            raise ValueError("the observation's history leaves a dealt card unaccounted for")
        rest = [c for c in sorted(unseen) for _ in range(unseen[c])]
        state = self.game.new_initial_state(deck=[int(c) for c in deals if c is not None] + rest)
        state.apply_actions(moves)
        return state


def _counts(cards: Iterable[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for c in cards:
        out[c] = out.get(c, 0) + 1
    return out


def _observed_cards(observation: Any) -> list[list[int | None]]:
    """The observed hands (relative seats), the observer's own cards as None."""
    return [[None if card.color() < 0 else card_id(card.color(), card.rank()) for card in hand]
            for hand in observation.observed_hands()]


def _knowledge(observation: Any, game: HanabiGame) -> list[tuple[list[bool], list[bool]]]:
    return [([bool(k.color_plausible(c)) for c in range(game.num_colors())],
             [bool(k.rank_plausible(r)) for r in range(game.num_ranks())])
            for k in observation.card_knowledge()[0]]


def _check_rebuilt(state: HanabiState, obs: dict[str, Any], observation: Any,
                   knowledge: list[tuple[list[bool], list[bool]]], seat: int) -> None:
    """RuntimeError unless the rebuilt state shows the observer what HLE showed it."""
    n = state.num_players()
    problems = []
    if state.current_player() != seat:
        problems.append(f"player to move {state.current_player()} != observer's seat {seat}")
    if "legal_moves_as_int" in obs and sorted(state.legal_actions()) != \
            sorted(obs["legal_moves_as_int"]):
        problems.append("legal moves differ")
    seen = _observed_cards(observation)
    for k in range(1, n):
        if state.hand((seat + k) % n) != seen[k]:
            problems.append(f"hand of the player at offset {k} differs")
    colors, ranks = state.game.num_colors(), state.game.num_ranks()
    ours = [(list(c.color_plausible[:colors]), list(c.rank_plausible[:ranks]))
            for c in state.card_knowledge(seat)]
    if ours != knowledge:
        problems.append("the observer's card knowledge differs")
    if (state.information_tokens(), state.life_tokens(), state.deck_size()) != \
            (observation.information_tokens(), observation.life_tokens(),
             observation.deck_size()):
        problems.append("tokens or deck size differ")
    if problems:
        raise RuntimeError("rebuilding the HLE game natively went wrong: " + "; ".join(problems))


class SuiteAgent(_AgentBase):
    """An HLE ``rl_env.Agent`` playing with one of the suite's Hanabi agents (module docstring).

    ``config``: HLE's config dict (the game's rules; ``random_start_player`` may be either);
    ``agent``: the agent to ask (an object with ``act(state)``), or ``make``: a function
    ``make(game) -> agent`` called with our ``HanabiGame`` for the config (at construction and
    by ``reset`` when the rules change). ``last_state`` is the last state rebuilt.
    """

    def __init__(self, config: dict[str, Any], agent: Any = None, *,
                 make: Callable[[HanabiGame], Any] | None = None) -> None:
        if rl_env is None:
            raise ImportError("hanabi_learning_environment is not installed")
        if (agent is None) == (make is None):
            raise TypeError("SuiteAgent needs exactly one of agent= (an agent with "
                            "act(state)) or make= (a function game -> agent)")
        self._make = make
        self.game = game_from_config(config)
        self.agent = agent if agent is not None else make(self.game)  # type: ignore[misc]
        if not callable(getattr(self.agent, "act", None)):
            raise TypeError(f"{type(self.agent).__name__} has no act(state) method")
        self.records: dict[int, ObservedGame] = {}
        self.last_state: HanabiState | None = None
        self._seen: dict[int, tuple[Any, HanabiState]] = {}   # seat -> last observation, state

    def reset(self, config: dict[str, Any]) -> None:
        """Forget the games seen; a config with other rules rebuilds the agent (``make``)."""
        game = game_from_config(config)
        if game != self.game:
            if self._make is None:
                raise ValueError(f"reset to other rules ({game!r}) needs SuiteAgent(make=...); "
                                 f"this agent was given for {self.game!r}")
            self.game, self.agent = game, self._make(game)
        self.records.clear()
        self._seen.clear()
        self.last_state = None

    def observe(self, obs: dict[str, Any]) -> HanabiState:
        """The native state rebuilt from the observer's observation (its turn only)."""
        if not isinstance(obs, dict) or "pyhanabi" not in obs:
            raise ValueError("SuiteAgent needs the observation dict of HLE's rl_env with its "
                             "'pyhanabi' entry (a pyhanabi.HanabiObservation, whose last_moves() "
                             "is the game's history as the player saw it)")
        observation = obs["pyhanabi"]
        if observation.num_players() != self.game.num_players():
            raise ValueError(f"observation of a {observation.num_players()}-player game given "
                             f"to an agent for {self.game!r}")
        if observation.cur_player_offset() != 0:
            raise ValueError("observe() is for the observer's own turn")
        observer = int(obs.get("current_player", 0))
        seen = self._seen.get(observer)
        if seen is not None and seen[0] is observation:      # asked twice at one turn
            self.last_state = seen[1]
            return seen[1]
        batch = _events(observation, self.game)
        record = self.records.get(observer)
        if not batch or batch[0].player != 0 or batch[0].uid < 0:
            record = self.records[observer] = ObservedGame.start(self.game, observation, batch)
        elif record is None:
            raise ValueError("the observation continues a game this agent has not seen from "
                             "its start (the agent must see every one of its turns)")
        else:
            record.extend(batch)
        knowledge = _knowledge(observation, self.game)
        state = record.native_state(knowledge)
        seat = (-record.first_mover()) % self.game.num_players()
        _check_rebuilt(state, obs, observation, knowledge, seat)
        self._seen[observer] = (observation, state)
        self.last_state = state
        return state

    def act(self, observation: dict[str, Any]) -> dict[str, Any] | None:
        """HLE's move dict for the agent's move at the observer's turn; None at other turns."""
        if isinstance(observation, dict) and observation.get("current_player_offset", 0) != 0:
            return None
        state = self.observe(observation)
        uid = int(self.agent.act(state))
        if not state.is_legal(uid):
            raise ValueError(f"{type(self.agent).__name__} chose illegal move {uid}")
        self.records[int(observation.get("current_player", 0))].last_move = uid
        return move_dict(self.game, uid)


def hle_agent_class(make: Callable[[HanabiGame], Any], name: str = "SuiteAgent") -> type:
    """An ``rl_env.Agent`` subclass constructed HLE's way, ``cls(config)``: it plays the agent
    ``make(game)`` builds for the config's rules (``SuiteAgent(config, make=make)``)."""

    def __init__(self: SuiteAgent, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        SuiteAgent.__init__(self, config, make=make)

    return type(name, (SuiteAgent,), {"__init__": __init__,
                                      "__doc__": f"{name}: SuiteAgent(config, make={make!r})"})

