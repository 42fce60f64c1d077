"""Searches over network blueprints are reachable from agent specs: ``md(...)@torch:`` and
``sparta(...)@torch:`` on native Hanabi (neural MD search / network SPARTA with native rollouts),
``mmd(...)@torch:`` on Dark Hex (the batched neural search); bot-only parameters are refused."""
from __future__ import annotations

import pytest

from uedtp.eval.specs import registry  # noqa: F401  (registers the entries)
from uedtp.eval.specs.grammar import SpecError
from uedtp.eval.specs.registry import build_agent, describe_agents
from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch
from uedtp.search.hanabi.sparta import SpartaSearch
from uedtp.search.neural.search import NeuralSearch
from tests.paths import CHECKPOINTS

HANABI_NET = f"torch:{CHECKPOINTS / 'hanabi_smartbot_bc.pt'}"
ADH_NET = f"torch:{CHECKPOINTS / 'adh_mmd.pt'}"


def test_hanabi_network_searches_build_and_act():
    from uedtp.envs.hanabi.game import HanabiGame
    md = build_agent(f"md(rollouts=40,histories=8)@{HANABI_NET}", "hanabi(players=2)", 3)
    assert isinstance(md, HanabiNeuralMDSearch) and md.values.budget == 40
    sparta = build_agent(f"sparta(rollouts=40,batch=4)@{HANABI_NET}", "hanabi(players=2)", 3)
    assert isinstance(sparta, SpartaSearch) and sparta.network is not None
    state = HanabiGame(players=2).new_initial_state(seed=1)
    for agent in (md, sparta):
        assert agent.act(state) in state.legal_actions()
    with pytest.raises(SpecError, match="rule-based bot blueprints"):
        build_agent(f"md(epsilon=0.1)@{HANABI_NET}", "hanabi(players=2)", 0)
    with pytest.raises(SpecError, match="rollout_epsilon"):
        build_agent(f"sparta(rollout_epsilon=0.1)@{HANABI_NET}", "hanabi(players=2)", 0)


def test_mmd_over_a_phantom_network_takes_the_batched_path():
    game = "dark_hex(board_size=3,gameversion=adh)"
    agent = build_agent(f"mmd(eta=10,histories=4,rollouts=2)@{ADH_NET}", game, 0)
    assert isinstance(agent, NeuralSearch)
    import pyspiel
    state = pyspiel.load_game(game).new_initial_state()
    assert agent.act(state) in state.legal_actions()


def test_list_agents_describes_the_network_searches():
    text = describe_agents()
    assert "over @torch:PATH (a Hanabi network)" in text
    assert "over @torch:PATH the network's most likely move" in text
    assert "native hanabi(...) the checkpoint was trained on" in text


def test_mmd_beliefs_parameter_chooses_the_posterior():
    from uedtp.search.update_equivalent.core import UpdateEquivalentSearch
    net = f"@torch:{CHECKPOINTS / 'pttt_mmd.pt'}"
    sampler = build_agent(f"mmd(histories=3,beliefs=sampler){net}", "phantom_ttt", 0)
    assert isinstance(sampler, UpdateEquivalentSearch)
    assert isinstance(build_agent(f"mmd(histories=3,beliefs=batched){net}", "phantom_ttt", 0),
                      NeuralSearch)
    with pytest.raises(SpecError, match="beliefs=batched needs a network or the uniform"):
        build_agent("mmd(beliefs=batched)", "kuhn_poker", 0)


def test_mmd_over_uniform_with_batched_beliefs_is_the_batched_search_over_uniform():
    from uedtp.agents.uniform import UniformNetworkBlueprint
    from uedtp.search.update_equivalent.core import UpdateEquivalentSearch
    for spec in ("mmd(histories=3,beliefs=batched)", "mmd(histories=3,beliefs=batched)@uniform"):
        agent = build_agent(spec, "phantom_ttt", 0)
        assert isinstance(agent, NeuralSearch)
        assert isinstance(agent.policy, UniformNetworkBlueprint)
    # auto keeps the per-state sampler over uniform (stored runs keep their agent)
    assert isinstance(build_agent("mmd(histories=3)", "phantom_ttt", 0), UpdateEquivalentSearch)
