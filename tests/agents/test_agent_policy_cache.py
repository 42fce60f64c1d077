"""OpenSpiel's exploitability of a sampled search agent equals the project's (one policy)."""
from __future__ import annotations

import pyspiel
import pytest
from open_spiel.python.algorithms import exploitability as os_exploitability

from uedtp.agents.adapters import AgentPolicy
from uedtp.agents.tabular import tabulate
from uedtp.search.cfr.best_response import exploitability
from uedtp.search.update_equivalent.mmd import mmd_search


@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_sampled_mmd_exploitability_agrees_with_openspiel(name: str) -> None:
    game = pyspiel.load_game(name)
    agent = mmd_search(game, num_histories=3, seed=1)        # sampled, not exact
    policy = AgentPolicy(game, agent)
    theirs = os_exploitability.exploitability(game, policy)
    table = tabulate(game, policy)
    ours = exploitability(game, table)
    assert abs(theirs - ours) < 1e-9
    assert abs(exploitability(game, policy) - ours) < 1e-9
    # the agent was asked exactly once per information state
    assert agent.decisions == len(policy.cache.table) == len(table.table)


def test_tabulate_asks_a_sampled_agent_once_per_information_state() -> None:
    game = pyspiel.load_game("leduc_poker")
    agent = mmd_search(game, num_histories=2, seed=0)
    table = tabulate(game, agent)
    assert agent.decisions == len(table.table) == 936
