"""The two verbs every agent and blueprint in this suite speaks.

- ``action_probabilities(state) -> dict[action, probability]``: the policy at ``state`` for the
  player to move (same name and meaning as OpenSpiel's ``Policy.action_probabilities``).
- ``act(state) -> action``: choose the action to play at ``state``.

A *blueprint* only needs ``action_probabilities``; an *agent* has both. ``state`` is whatever the
game layer hands out: a ``pyspiel.State`` for OpenSpiel games or an ``envs.hanabi.game.HanabiState`` for
the native Hanabi engine. Agents receive their randomness as a ``seed`` at construction, so a
tournament reproduces a game by rebuilding its agents with the same seeds.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

ActionProbabilities = dict[int, float]


@runtime_checkable
class Policy(Protocol):
    """Anything that gives a distribution over the legal actions of the player to move."""

    def action_probabilities(self, state: Any) -> ActionProbabilities:
        ...


@runtime_checkable
class Agent(Policy, Protocol):
    """A policy that also chooses an action (possibly after search)."""

    def act(self, state: Any) -> int:
        ...
