"""Shared helpers for tests: random full-support blueprints and random mid-game states."""
from __future__ import annotations

import numpy as np
import pyspiel

from uedtp.agents.tabular import TabularAgent, information_states


def random_full_support_blueprint(game: pyspiel.Game, seed: int, concentration: float = 1.0
                                  ) -> TabularAgent:
    """A tabular policy with Dirichlet-random, strictly positive probabilities everywhere."""
    rng = np.random.default_rng(seed)
    table = {}
    for key, state in information_states(game):
        actions = state.legal_actions()
        probs = rng.dirichlet(np.full(len(actions), concentration))
        probs = 0.9 * probs + 0.1 / len(actions)
        table[key] = dict(zip(actions, probs.tolist()))
    return TabularAgent(table, seed)


def random_state(game: pyspiel.Game, depth: int, rng: np.random.Generator,
                 policy=None) -> pyspiel.State | None:
    """Play ``depth`` actions at random (chance by its distribution); None if the game ended."""
    state = game.new_initial_state()
    while True:
        while state.is_chance_node():
            outcomes, probs = zip(*state.chance_outcomes())
            state.apply_action(int(rng.choice(outcomes, p=probs)))
        if state.is_terminal():
            return None
        if len(state.history()) >= depth:
            return state
        if policy is None:
            state.apply_action(int(rng.choice(state.legal_actions())))
        else:
            probs = policy.action_probabilities(state)
            acts = list(probs)
            state.apply_action(int(acts[rng.choice(len(acts), p=list(probs.values()))]))
