"""Hanabi Learning Environment agents (``rl_env.Agent``) playing the native Hanabi engine.

HLE agents read an observation dict and return a move dict. One step of ``HLEAgent.act(state)``:
1. build, from our ``uedtp.envs.hanabi.game.HanabiState``, the dict HLE's ``rl_env`` would hand the player
   to move (``observation_dict``): ``current_player``, ``current_player_offset``,
   ``life_tokens``, ``information_tokens``, ``num_players``, ``deck_size``, ``fireworks``
   ({colour letter: cards played}), ``legal_moves`` (move dicts, uid order) and
   ``legal_moves_as_int``, ``observed_hands`` (offset order from the observer, own cards shown
   as ``{'color': None, 'rank': -1}``), ``discard_pile`` (in discard order) and
   ``card_knowledge`` (positively hinted colour letter / rank, or None). With
   ``full_observation=True`` it also adds HLE's canonical ``vectorized`` encoding and the
   ``pyhanabi`` observation, by replaying the game in HLE (slower; only agents that read them
   need it);
2. call the HLE agent's ``act``; HLE agents that use Python's global ``random`` (RandomAgent) get
   it seeded from this adapter's own stream, so games are reproducible;
3. map the returned move dict back to our move uid (HLE and the engine share move uids), with a
   clear error if it is malformed or illegal.

Colour letters follow HLE: R, Y, G, W, B (the first ``colors`` of them).
"""
from __future__ import annotations

import random
from typing import Any, Callable

from uedtp.envs.hanabi.game import COLOR_CHARS, HanabiGame, HanabiState

_HLE_AGENTS: dict[str, tuple[str, str]] = {
    "simple": ("hanabi_learning_environment.agents.simple_agent", "SimpleAgent"),
    "random": ("hanabi_learning_environment.agents.random_agent", "RandomAgent"),
}


def hle_config(game: HanabiGame) -> dict[str, Any]:
    """The config dict HLE agents are constructed with (rl_env keys). ``information_tokens`` is
    included too because HLE's SimpleAgent reads that key (default 8) for the token limit."""
    return {"colors": game.num_colors(), "ranks": game.num_ranks(),
            "players": game.num_players(), "hand_size": game.hand_size(),
            "max_information_tokens": game.max_information_tokens(),
            "information_tokens": game.max_information_tokens(),
            "max_life_tokens": game.max_life_tokens(), "random_start_player": False}


def _card_dict(card: int) -> dict[str, Any]:
    return {"color": COLOR_CHARS[card // 5], "rank": card % 5}


def move_dict(game: HanabiGame, uid: int) -> dict[str, Any]:
    """HLE's dict for move ``uid`` (as ``pyhanabi.HanabiMove.to_dict``)."""
    h, n = game.hand_size(), game.num_players()
    c, r = game.num_colors(), game.num_ranks()
    if not 0 <= uid < game.num_distinct_actions():
        raise ValueError(f"move uid {uid} out of range 0..{game.num_distinct_actions() - 1}")
    if uid < h:
        return {"action_type": "DISCARD", "card_index": uid}
    if uid < 2 * h:
        return {"action_type": "PLAY", "card_index": uid - h}
    uid -= 2 * h
    if uid < (n - 1) * c:
        return {"action_type": "REVEAL_COLOR", "target_offset": 1 + uid // c,
                "color": COLOR_CHARS[uid % c]}
    uid -= (n - 1) * c
    return {"action_type": "REVEAL_RANK", "target_offset": 1 + uid // r, "rank": uid % r}


def move_uid(game: HanabiGame, move: Any) -> int:
    """Our move uid for an HLE move dict; ``ValueError`` naming what is wrong with it."""
    if not isinstance(move, dict):
        raise ValueError(f"an HLE move must be a dict, got {move!r}")
    h, n = game.hand_size(), game.num_players()
    c, r = game.num_colors(), game.num_ranks()
    kind = move.get("action_type")

    def field(name: str, low: int, high: int) -> int:
        value = move.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value < high:
            raise ValueError(f"HLE move {move!r}: {name} must be an integer in "
                             f"[{low}, {high}), got {value!r}")
        return value

    if kind in ("PLAY", "DISCARD"):
        index = field("card_index", 0, h)
        return index + (h if kind == "PLAY" else 0)
    if kind == "REVEAL_COLOR":
        offset = field("target_offset", 1, n)
        color = move.get("color")
        letters = COLOR_CHARS[:c]
        if isinstance(color, str) and len(color) == 1 and color in letters:
            color_index = letters.index(color)
        elif isinstance(color, int) and not isinstance(color, bool) and 0 <= color < c:
            color_index = color
        else:
            raise ValueError(f"HLE move {move!r}: color must be one of {', '.join(letters)}")
        return 2 * h + (offset - 1) * c + color_index
    if kind == "REVEAL_RANK":
        offset = field("target_offset", 1, n)
        rank = field("rank", 0, r)
        return 2 * h + (n - 1) * c + (offset - 1) * r + rank
    raise ValueError(f"HLE move {move!r}: action_type must be PLAY, DISCARD, REVEAL_COLOR or "
                     "REVEAL_RANK")


def observation_dict(state: HanabiState, observer: int | None = None) -> dict[str, Any]:
    """The rl_env observation dict of ``observer`` (default: the player to move), without
    ``vectorized``/``pyhanabi`` (see ``HLEAgent(full_observation=True)``)."""
    game = state.game
    n = game.num_players()
    current = state.current_player()
    if observer is None:
        observer = current
    if not isinstance(observer, int) or not 0 <= observer < n:
        raise ValueError(f"observer must be a player 0..{n - 1}, got {observer!r}")
    hands = state.hands()
    knowledge = state.knowledge()
    legal = state.legal_actions() if current == observer else []
    observed, hints = [], []
    for offset in range(n):
        player = (observer + offset) % n
        if offset == 0:
            observed.append([{"color": None, "rank": -1} for _ in hands[player]])
        else:
            observed.append([_card_dict(card) for card in hands[player]])
        hints.append([{"color": None if k.color is None else COLOR_CHARS[k.color],
                       "rank": k.rank} for k in knowledge[player]])
    return {
        "current_player": current,
        "current_player_offset": (current - observer) % n if current >= 0 else current,
        "life_tokens": state.life_tokens(),
        "information_tokens": state.information_tokens(),
        "num_players": n,
        "deck_size": state.deck_size(),
        "fireworks": dict(zip(COLOR_CHARS, state.fireworks())),
        "legal_moves": [move_dict(game, uid) for uid in legal],
        "legal_moves_as_int": list(legal),
        "observed_hands": observed,
        "discard_pile": [_card_dict(card) for card in state.discard_pile()],
        "card_knowledge": hints,
    }


class HLEAgent:
    """An HLE ``rl_env.Agent`` (class or instance) used as our ``Agent`` in native Hanabi.

    ``agent`` is an ``rl_env.Agent`` subclass (constructed with ``hle_config(game)``) or an
    already built instance. ``seed`` seeds the Python ``random`` stream the HLE agent sees.
    ``action_probabilities`` puts probability 1 on the agent's move, except for HLE's
    RandomAgent, which is uniform over the legal moves.
    """

    def __init__(self, agent: Any, game: HanabiGame, seed: int | None = 0,
                 full_observation: bool = False) -> None:
        if not isinstance(game, HanabiGame):
            raise TypeError(f"game must be a uedtp.envs.hanabi.game.HanabiGame, got {type(game).__name__}")
        if isinstance(agent, type):
            agent = agent(hle_config(game))
        if not callable(getattr(agent, "act", None)):
            raise TypeError(f"{type(agent).__name__} has no act(observation) method")
        self.agent = agent
        self.game = game
        self.full_observation = bool(full_observation)
        self._random = random.Random(seed)
        self._hle: tuple[Any, Any] | None = None
        self._hle_states: list[Any] = []

    @classmethod
    def from_name(cls, name: str, game: HanabiGame, seed: int | None = 0,
                  full_observation: bool = False) -> "HLEAgent":
        """``name`` = "simple" (HLE SimpleAgent) or "random" (HLE RandomAgent)."""
        if name not in _HLE_AGENTS:
            raise ValueError(f"unknown HLE agent {name!r}; known: {', '.join(_HLE_AGENTS)}")
        import importlib
        module, attr = _HLE_AGENTS[name]
        return cls(getattr(importlib.import_module(module), attr), game, seed, full_observation)

    def _observation(self, state: HanabiState) -> dict[str, Any]:
        if not isinstance(state, HanabiState):
            raise TypeError(f"HLE agents play uedtp.envs.hanabi.game.HanabiState, got {type(state).__name__}")
        if state.game != self.game:
            raise ValueError(f"state of {state.game!r} given to an HLE agent built for "
                             f"{self.game!r}")
        if state.is_terminal():
            raise ValueError("the game is over: no move to choose")
        obs = observation_dict(state)
        if self.full_observation:
            observation, encoder = self._hle_observation(state)
            obs["vectorized"] = encoder.encode(observation)
            obs["pyhanabi"] = observation
        return obs

    def _hle_observation(self, state: HanabiState) -> tuple[Any, Any]:
        """Replay the game in HLE (same deal, same moves) and return the player's pyhanabi
        observation and a canonical encoder. The pyhanabi game is kept on the adapter: HLE
        states point into their game, which must outlive them."""
        from hanabi_learning_environment import pyhanabi

        from uedtp.envs.hanabi.game import card_color, card_rank
        from uedtp.envs.hanabi.convert import hle_deal_move, hle_game, hle_move
        if self._hle is None:
            game = hle_game(self.game)
            self._hle = (game, pyhanabi.ObservationEncoder(
                game, pyhanabi.ObservationEncoderType.CANONICAL))
        game, encoder = self._hle
        deck = state.deal_order()
        hle_state = game.new_initial_state()
        position = 0

        def deal() -> None:
            nonlocal position
            while hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
                card = deck[position]
                hle_state.apply_move(hle_deal_move(card_color(card), card_rank(card)))
                position += 1

        deal()
        for uid in state.history():
            hle_state.apply_move(hle_move(self.game, uid))
            deal()
        self._hle_states.append(hle_state)          # the observation points into the state
        del self._hle_states[:-2]
        return hle_state.observation(state.current_player()), encoder

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` with Python's global ``random`` driven by this adapter's own stream."""
        saved = random.getstate()
        random.setstate(self._random.getstate())
        try:
            return fn()
        finally:
            self._random.setstate(random.getstate())
            random.setstate(saved)

    def act(self, state: HanabiState) -> int:
        obs = self._observation(state)
        move = self._call(lambda: self.agent.act(obs))
        try:
            uid = move_uid(self.game, move)
        except ValueError as err:
            raise ValueError(f"{type(self.agent).__name__} returned a bad move: {err}") from None
        if uid not in obs["legal_moves_as_int"]:
            raise ValueError(f"{type(self.agent).__name__} chose illegal move {move!r} "
                             f"({state.move_name(uid)})")
        return uid

    def action_probabilities(self, state: HanabiState) -> dict[int, float]:
        if type(self.agent).__name__ == "RandomAgent":
            legal = state.legal_actions()
            return {uid: 1.0 / len(legal) for uid in legal}
        saved = self._random.getstate()
        try:
            return {self.act(state): 1.0}
        finally:
            self._random.setstate(saved)
