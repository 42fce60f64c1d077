"""The two verbs every agent and blueprint in this suite speaks.

- ``action_probabilities(state) -> dict[action, probability]``: the policy at ``state`` for the
  player to move (same name and meaning as OpenSpiel's ``Policy.action_probabilities``).
- ``act(state) -> action``: choose the action to play at ``state``.

A *blueprint* only needs ``action_probabilities``; an *agent* has both. ``state`` is whatever the
game layer hands out: a ``pyspiel.State`` for OpenSpiel games or an ``envs.hanabi.game.HanabiState`` for
the native Hanabi engine. Agents receive their randomness as a ``seed`` at construction, so a
tournament reproduces a game by rebuilding its agents with the same seeds.

Two helpers give every agent and search one way to turn a policy into a move:
``sample_action(rng, policy)`` (one draw from the seeded generator) and
``act_on_policy(act_mode, rng, policy)`` (argmax or a sample, for searches acting on their
updated policy).
"""
from __future__ import annotations

from typing import Any, Literal, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

ActionProbabilities = dict[int, float]
ActMode = Literal["sample", "argmax"]


PolicyOrActions = Mapping[int, float] | Sequence[int] | np.ndarray


def _actions_and_probs(policy: PolicyOrActions, probs: Sequence[float] | np.ndarray | None
                       ) -> tuple[Sequence[int] | np.ndarray, np.ndarray]:
    if probs is None:
        if not isinstance(policy, Mapping):
            raise TypeError("give a dict action -> probability, or the actions and their probs")
        return list(policy), np.fromiter(policy.values(), float, len(policy))
    actions, p = policy, np.asarray(probs, dtype=float)
    if len(actions) == 0 or len(p) != len(actions):
        raise ValueError(f"{len(actions)} actions with {len(p)} probabilities")
    return actions, p  # type: ignore[return-value]


def sample_action(rng: np.random.Generator, policy: PolicyOrActions,
                  probs: Sequence[float] | np.ndarray | None = None) -> int:
    """One action drawn from a policy with ``rng``: ``policy`` is either a dict action ->
    probability, or the actions themselves with their ``probs`` in the same order.

    The probabilities are normalised and drawn with one ``rng.choice(len(actions), p=...)`` (a
    single uniform from the generator): the one draw every agent and search of the suite makes
    to pick its action, so a seed gives the same actions wherever the policy is the same.
    """
    actions, p = _actions_and_probs(policy, probs)
    return int(actions[rng.choice(len(actions), p=p / p.sum())])


def act_on_policy(act_mode: ActMode, rng: np.random.Generator, policy: PolicyOrActions,
                  probs: Sequence[float] | np.ndarray | None = None) -> int:
    """Act on an (updated) policy: ``"argmax"`` takes the most likely action (ties go to the
    first in the policy's order, as ``np.argmax``), ``"sample"`` draws one with
    ``sample_action`` (the only mode that consumes ``rng``)."""
    if act_mode == "sample":
        return sample_action(rng, policy, probs)
    if act_mode != "argmax":
        raise ValueError(f"act_mode must be 'sample' or 'argmax', got {act_mode!r}")
    actions, p = _actions_and_probs(policy, probs)
    return int(actions[int(np.argmax(p))])


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
