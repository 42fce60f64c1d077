"""Tabular policies keyed by information-state string, and ``tabulate`` to freeze any policy.

``tabulate(game, policy)`` walks the game tree once, calls ``policy.action_probabilities`` at one
representative state of every information state, and returns a ``TabularAgent``. This is how a
decision-time search agent is evaluated exactly in small games: its tabular policy is handed
to exploitability / expected-return computations, or used as the next blueprint.

A sampled agent (e.g. MMD search with G sampled histories) gives a different distribution at
every call, so a policy that asks it again at every state of an information state is not one
behavioural policy. ``CachedPolicy`` asks once per information-state string and keeps the
answer; ``tabulate`` and ``uedtp.agents.adapters.AgentPolicy`` both go through one (the same one when
``tabulate`` is given the ``AgentPolicy``), so OpenSpiel's exploitability of the adapter and the
project's exploitability of the table evaluate the same policy.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

import numpy as np
import pyspiel
from open_spiel.python import policy as os_policy

from uedtp.agents.protocol import sample_action


class TabularAgent:
    """A behavioural policy stored as {information state: {action: probability}}."""

    def __init__(self, table: Mapping[str, Mapping[int, float]], seed: int | None = 0) -> None:
        self.table: dict[str, dict[int, float]] = {k: {int(a): float(p) for a, p in v.items()}
                                                   for k, v in table.items()}
        self._rng = np.random.default_rng(seed)

    @classmethod
    def from_openspiel(cls, tabular: os_policy.TabularPolicy, seed: int | None = 0) -> "TabularAgent":
        table = {}
        for key, index in tabular.state_lookup.items():
            probs = tabular.action_probability_array[index]
            legal = np.flatnonzero(tabular.legal_actions_mask[index])
            table[key] = {int(a): float(probs[a]) for a in legal}
        return cls(table, seed)

    def to_openspiel(self, game: pyspiel.Game) -> os_policy.TabularPolicy:
        tabular = os_policy.TabularPolicy(game)
        for key, index in tabular.state_lookup.items():
            if key not in self.table:
                raise KeyError(f"no entry for information state {key!r}")
            row = np.zeros_like(tabular.action_probability_array[index])
            for action, prob in self.table[key].items():
                row[action] = prob
            tabular.action_probability_array[index] = row
        return tabular

    def save(self, path: str) -> None:
        """Write the table as ``.npz`` arrays infostates / indptr / actions / probs."""
        keys = sorted(self.table)
        indptr = np.cumsum([0] + [len(self.table[k]) for k in keys])
        actions = np.array([a for k in keys for a in sorted(self.table[k])], dtype=np.int64)
        probs = np.array([self.table[k][a] for k in keys for a in sorted(self.table[k])])
        np.savez(path, infostates=np.array(keys, dtype=str), indptr=indptr, actions=actions,
                 probs=probs)

    @classmethod
    def load(cls, path: str, seed: int | None = 0) -> "TabularAgent":
        """Read a table written by ``save``; ``ValueError`` naming the problem if it is corrupt."""
        try:
            with np.load(path, allow_pickle=False) as data:
                keys, indptr = data["infostates"], data["indptr"]
                actions, probs = data["actions"], data["probs"]
        except (OSError, KeyError, ValueError) as err:
            raise ValueError(f"cannot read tabular policy {path!r}: {err}") from None
        if len(indptr) != len(keys) + 1 or indptr[-1] != len(actions) or len(actions) != len(probs):
            raise ValueError(f"tabular policy {path!r} is corrupt: array lengths do not match")
        table = {str(k): {int(a): float(p) for a, p in zip(actions[lo:hi], probs[lo:hi])}
                 for k, lo, hi in zip(keys, indptr[:-1], indptr[1:])}
        return cls(table, seed)

    def action_probabilities(self, state: Any) -> dict[int, float]:
        key = state.information_state_string()
        try:
            return dict(self.table[key])
        except KeyError:
            raise KeyError(f"tabular policy has no entry for information state {key!r}") from None

    def act(self, state: Any) -> int:
        return sample_action(self._rng, self.action_probabilities(state))


def information_states(game: pyspiel.Game) -> Iterator[tuple[str, pyspiel.State]]:
    """Each information state of the game once, with one state in it (depth-first order)."""
    seen: set[str] = set()
    stack = [game.new_initial_state()]
    while stack:
        state = stack.pop()
        if state.is_terminal():
            continue
        if not state.is_chance_node():
            key = state.information_state_string()
            if key not in seen:
                seen.add(key)
                yield key, state
        for action in reversed(state.legal_actions()):
            stack.append(state.child(action))


def _has_information_states(state: Any) -> bool:
    """Whether ``state``'s game provides information state strings (only OpenSpiel games can)."""
    get_game = getattr(state, "get_game", None)
    return get_game is not None and bool(get_game().get_type().provides_information_state_string)


class CachedPolicy:
    """``policy`` asked once per information state (of the player to move); later calls at any
    state of that information state return the first answer. ``table`` holds the answers.
    States of games without information state strings (OpenSpiel ``hanabi``, the native
    Hanabi engine) are passed to ``policy`` at every call: nothing is cached for them."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.table: dict[str, dict[int, float]] = {}

    def action_probabilities(self, state: Any) -> dict[int, float]:
        if not _has_information_states(state):
            return {int(a): float(p) for a, p in self.policy.action_probabilities(state).items()}
        key = state.information_state_string(state.current_player())
        probs = self.table.get(key)
        if probs is None:
            probs = self.table[key] = {int(a): float(p) for a, p in
                                       self.policy.action_probabilities(state).items()}
        return dict(probs)


def cached(policy: Any) -> CachedPolicy:
    """The ``CachedPolicy`` of ``policy``: itself, the ``cache`` of an adapter that has one
    (``uedtp.agents.adapters.AgentPolicy``), or a new one."""
    if isinstance(policy, CachedPolicy):
        return policy
    cache = getattr(policy, "cache", None)
    return cache if isinstance(cache, CachedPolicy) else CachedPolicy(policy)


def tabulate(game: pyspiel.Game, policy: Any, seed: int | None = 0) -> TabularAgent:
    """Freeze ``policy`` into a table by querying it once at every information state (through
    ``cached(policy)``, so answers an ``AgentPolicy`` already gave are reused)."""
    once = cached(policy)
    table = {key: once.action_probabilities(state) for key, state in information_states(game)}
    return TabularAgent(table, seed)
