"""One step of a last-iterate learner applied to the whole game at once (the replicated learner).

This is the object update-equivalent search reproduces decision by decision, computed here
independently by a single tree pass with reach probabilities:
  1. walk the tree under the blueprint π, carrying the reach of chance and of every player;
  2. at each node h of player i and each action a, add π_{-i}(h)·V_i(h·a) to the infostate's
     counterfactual value and π_{-i}(h) to its reach (V = expected return under π);
  3. q(s, a) = cfv(s, a) / reach(s): the value of a at s conditioned on reaching s;
  4. π'(·|s) = U(π(·|s), q(s, ·)) at every information state simultaneously.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel

from uedtp.agents.protocol import PolicyTable
from uedtp.search.update_equivalent.local_updates import LocalUpdate


def conditional_action_values(game: pyspiel.Game, blueprint: Any
                              ) -> tuple[dict[str, dict[int, float]], dict[str, dict[int, float]]]:
    """Blueprint policy and q(s, a) for every information state reached with positive probability."""
    n = game.num_players()
    cfv: dict[str, dict[int, float]] = {}
    reach_of: dict[str, float] = {}
    prior: dict[str, dict[int, float]] = {}

    def walk(state: pyspiel.State, reach: np.ndarray) -> np.ndarray:
        if state.is_terminal():
            return np.asarray(state.returns(), dtype=float)
        if state.is_chance_node():
            value = np.zeros(n)
            for action, prob in state.chance_outcomes():
                r = reach.copy()
                r[n] *= prob
                value += prob * walk(state.child(action), r)
            return value
        player = state.current_player()
        key = state.information_state_string()
        probs = blueprint.action_probabilities(state)
        prior[key] = dict(probs)
        others = float(np.prod(np.delete(reach, player)))
        slot = cfv.setdefault(key, {a: 0.0 for a in probs})
        reach_of[key] = reach_of.get(key, 0.0) + others
        value = np.zeros(n)
        for action, prob in probs.items():
            r = reach.copy()
            r[player] *= prob
            child_value = walk(state.child(action), r)
            slot[action] += others * child_value[player]
            value += prob * child_value
        return value

    walk(game.new_initial_state(), np.ones(n + 1))
    q = {key: {a: v / reach_of[key] for a, v in slot.items()}
         for key, slot in cfv.items() if reach_of[key] > 0.0}
    return prior, q


def global_update(game: pyspiel.Game, blueprint: Any, update: LocalUpdate) -> PolicyTable:
    """The learner's next iterate U(π) as a table {information state: {action: probability}}
    (``uedtp.agents.tabular.TabularAgent(table)`` plays it); information states π never reaches keep
    π's policy."""
    prior, q = conditional_action_values(game, blueprint)
    table = dict(prior)
    for key, values in q.items():
        actions = sorted(values)
        p = np.array([prior[key][a] for a in actions])
        new = update.apply(p, np.array([values[a] for a in actions]))
        table[key] = dict(zip(actions, new.tolist()))
    return table
