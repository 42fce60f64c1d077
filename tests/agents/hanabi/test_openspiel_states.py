"""The Hanabi agents on OpenSpiel ``hanabi`` states: converted inside (``native_state``), they
play in ``pyspiel.evaluate_bots`` beside OpenSpiel's own bots, and their ``pyspiel.Bot`` and
``Policy`` adapters give legal moves and valid distributions."""
from __future__ import annotations

import numpy as np
import pytest

pyspiel = pytest.importorskip("pyspiel")
from open_spiel.python.bots.uniform_random import UniformRandomBot  # noqa: E402

from uedtp.agents.adapters import AgentBot, AgentPolicy  # noqa: E402
from uedtp.agents.hanabi.bots import SmartBotAgent  # noqa: E402
from uedtp.envs.hanabi.convert import from_openspiel, native_state  # noqa: E402
from uedtp.eval.specs import build_agent  # noqa: E402
from uedtp.eval.specs.interop import (agent_for_openspiel, hle_agent_class, openspiel_bot,  # noqa: E402
                                      openspiel_policy)

GAME = "hanabi(players=2)"


def _states(game, seed: int, every: int = 5):
    """Decision states along a SmartBot game of OpenSpiel hanabi (chance drawn from seed)."""
    rng = np.random.default_rng(seed)
    state = game.new_initial_state()
    bot = SmartBotAgent()
    out = []
    while not state.is_terminal():
        if state.is_chance_node():
            actions, probs = zip(*state.chance_outcomes())
            state.apply_action(int(rng.choice(actions, p=probs)))
            continue
        if state.move_number() % every == 0:
            out.append(state.clone())
        state.apply_action(bot.act(state))
    return out


def test_smartbot_plays_in_evaluate_bots_beside_openspiel_bots() -> None:
    game = pyspiel.load_game(GAME)
    scores = [pyspiel.evaluate_bots(game.new_initial_state(),
                                    [openspiel_bot("smartbot", game), openspiel_bot("smartbot",
                                                                                    game)], s)[0]
              for s in range(5)]
    assert np.mean(scores) > 20                      # SmartBot's level, not a random one
    mixed = pyspiel.evaluate_bots(game.new_initial_state(),
                                  [AgentBot(SmartBotAgent()),
                                   UniformRandomBot(1, np.random.RandomState(0))], 0)
    assert len(mixed) == 2 and mixed[0] == mixed[1]  # a legal game to the end


def test_md_search_plays_in_evaluate_bots() -> None:
    game = pyspiel.load_game(GAME)
    md = openspiel_bot("md(rollouts=20,histories=4)", game, seed=1)
    returns = pyspiel.evaluate_bots(game.new_initial_state(), [md, openspiel_bot("smartbot",
                                                                                   game)], 2)
    assert returns[0] == returns[1] >= 0
    assert any(d.searched for d in md.agent.decisions)


@pytest.mark.parametrize("spec", ["smartbot", "holmesbot", "md(rollouts=20,histories=4)",
                                  "sparta(rollouts=50)", "torch:checkpoints/hanabi_smartbot_bc.pt"])
def test_agents_take_openspiel_states_as_their_native_replay(spec: str) -> None:
    """Acting on the OpenSpiel state = acting on its native replay (same seed)."""
    game = pyspiel.load_game(GAME)
    for state in _states(game, seed=3, every=11)[:4]:
        a = agent_for_openspiel(spec, game, seed=4)
        b = agent_for_openspiel(spec, game, seed=4)
        assert a.act(state) == b.act(from_openspiel(state))
        assert a.act(state) in state.legal_actions()


@pytest.mark.parametrize("spec", ["smartbot", "md(rollouts=20,histories=4)",
                                  "torch:checkpoints/hanabi_smartbot_bc.pt"])
def test_policy_adapter_gives_valid_distributions(spec: str) -> None:
    game = pyspiel.load_game(GAME)
    policy = openspiel_policy(spec, game, seed=0)
    for state in _states(game, seed=5, every=9)[:5]:
        probs = policy.action_probabilities(state)
        assert set(probs) <= set(state.legal_actions()) and probs
        assert all(p >= 0 for p in probs.values())
        assert sum(probs.values()) == pytest.approx(1.0)
    bot = AgentBot(SmartBotAgent())
    state = _states(game, seed=5)[1]
    policy_list, action = bot.step_with_policy(state)
    assert dict(policy_list) == {action: 1.0}


def test_policy_of_a_native_agent_on_openspiel_hanabi() -> None:
    game = pyspiel.load_game(GAME)
    policy = AgentPolicy(game, SmartBotAgent())
    state = _states(game, seed=6)[2]
    assert policy.action_probabilities(state) == {SmartBotAgent().act(from_openspiel(state)): 1.0}


def test_other_states_are_refused_with_the_class_named() -> None:
    with pytest.raises(TypeError, match="OpenSpiel game 'kuhn_poker'"):
        SmartBotAgent().act(pyspiel.load_game("kuhn_poker").new_initial_state())
    with pytest.raises(TypeError, match="got builtins.str"):
        native_state("R1 Y2")
    md = build_agent("md(rollouts=20,histories=4)", "hanabi(players=2)", 0)
    with pytest.raises(TypeError, match="HanabiMDSearch .*got builtins.int"):
        md.act(3)


def test_spec_helpers() -> None:
    kuhn = pyspiel.load_game("kuhn_poker")
    bot = openspiel_bot("uniform", kuhn)
    assert pyspiel.evaluate_bots(kuhn.new_initial_state(), [bot, bot], 0) is not None
    with pytest.raises(TypeError, match="expected a pyspiel.Game"):
        agent_for_openspiel("smartbot", "hanabi(players=2)")
    cls = hle_agent_class("smartbot")
    assert cls.__name__ == "SmartbotHLEAgent"
    assert cls({"players": 3}).game.num_players() == 3
