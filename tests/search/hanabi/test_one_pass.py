"""One decision, one pass: an MD-search decision asks the blueprint bot once and copies no state
per sampled hand; SPARTA's ``action_probabilities`` has no side effects; the shared base."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.full_support import full_support
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.hanabi import beliefs as hb
from uedtp.search.hanabi.base import HanabiDecision, HanabiSearchAgent, mixed_bot_prior
from uedtp.search.hanabi.md import HanabiMDSearch
from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch
from uedtp.search.hanabi.sparta import SpartaSearch
from uedtp.search.hanabi.sparta_joint import JointSpartaSearch

SMALL_BELIEF = dict(max_exact=500, num_samples=200)


class CountingBot(HanabiBotAgent):
    """SmartBot that counts how often it is asked for a move."""

    def __init__(self) -> None:
        super().__init__("smart")
        self.calls = 0

    def act(self, state):
        self.calls += 1
        return super().act(state)


class CountingPolicy(TorchPolicy):
    """A network policy that counts its ``action_probabilities`` calls (rollouts and beliefs
    call ``probabilities`` on encoded batches, not this)."""

    calls = 0

    def action_probabilities(self, state):
        self.calls += 1
        return super().action_probabilities(state)


def _count_copies(monkeypatch):
    """Count the hypothetical states built from a posterior's hands."""
    count = [0]
    original = hb.HypotheticalStates.__getitem__

    def counted(self, index):
        count[0] += 1
        return original(self, index)
    monkeypatch.setattr(hb.HypotheticalStates, "__getitem__", counted)
    return count


@pytest.mark.parametrize("searchers", [None, (0,)])
def test_md_search_asks_the_bot_once_per_decision(monkeypatch, searchers):
    copies = _count_copies(monkeypatch)
    bot = CountingBot()
    agent = HanabiMDSearch(full_support(bot, 0.01), eta=3.0, rollouts=60,
                           num_histories=16, searchers=searchers, seed=1, **SMALL_BELIEF)
    state = HanabiGame(players=2).new_initial_state(seed=7)
    for _ in range(24):
        state.apply_action(agent.act(state))
    assert len(agent.decisions) == 24
    searched = [r for r in agent.decisions if r.searched]
    assert len(searched) >= 12 and all(r.rollouts > 0 for r in searched)
    # one bot decision per decision (the rollouts and beliefs run the native bot, not this one)
    assert bot.calls == 24
    assert copies[0] == 0                     # no state copied per sampled hand


def test_neural_md_search_asks_the_network_once_per_decision(monkeypatch):
    copies = _count_copies(monkeypatch)
    torch.manual_seed(0)
    enc = hanabi_encoding_for(HanabiGame(players=2))
    net = PolicyValueNet(enc.size, enc.num_actions, (16,))
    policy = CountingPolicy(net, enc, seed=0)
    agent = HanabiNeuralMDSearch(policy, 2.0, rollouts=16, num_histories=4, max_hands=16, seed=0)
    state = HanabiGame(players=2).new_initial_state(seed=3)
    for _ in range(4):
        state.apply_action(agent.act(state))
    assert [r.searched for r in agent.decisions] == [True] * 4
    assert policy.calls == 4 and copies[0] == 0


def test_the_mixed_prior_is_the_full_support_blueprint_distribution():
    blueprint = full_support(HanabiBotAgent("smart"), 0.03)
    state = HanabiGame(players=3).new_initial_state(seed=2)
    for _ in range(10):
        probs = blueprint.action_probabilities(state)
        bot_move = blueprint.policy.act(state)
        assert mixed_bot_prior(bot_move, state.legal_actions(), 0.03) == probs
        state.apply_action(bot_move)


def _state(seed: int, moves: int):
    state = HanabiGame(players=2).new_initial_state(seed=seed)
    bot = HanabiBotAgent("smart")
    for _ in range(moves):
        state.apply_action(bot.act(state))
    return state


def test_sparta_action_probabilities_has_no_side_effects():
    agent = SpartaSearch(HanabiBotAgent("smart"), rollouts=60, batch=4, searchers="first", seed=5,
                         **SMALL_BELIEF)
    state = _state(11, 9)                          # player 1 to move: becomes the searcher
    rng_state = agent.rng.bit_generator.state
    probs = agent.action_probabilities(state)
    assert agent.decisions == [] and agent.last is None
    assert agent.rng.bit_generator.state == rng_state and agent.searchers == "first"
    assert probs == agent.action_probabilities(state)
    move = agent.act(state)
    assert probs == {move: 1.0} and len(agent.decisions) == 1 and agent.decisions[0].searched
    # the same game played with and without action_probabilities queries is the same game
    a = SpartaSearch(HanabiBotAgent("smart"), rollouts=60, batch=4, searchers=None, seed=2, **SMALL_BELIEF)
    b = SpartaSearch(HanabiBotAgent("smart"), rollouts=60, batch=4, searchers=None, seed=2, **SMALL_BELIEF)
    sa, sb = _state(4, 0), _state(4, 0)
    for _ in range(12):
        asked = b.action_probabilities(sb)
        ma, mb = a.act(sa), b.act(sb)
        assert ma == mb and asked == {mb: 1.0}
        sa.apply_action(ma)
        sb.apply_action(mb)
    assert [(r.move_number, r.rollouts) for r in a.decisions] == \
        [(r.move_number, r.rollouts) for r in b.decisions]


def test_joint_sparta_action_probabilities_records_nothing():
    a = JointSpartaSearch(HanabiBotAgent("smart"), rollouts=40, batch=4, max_range=20, seed=1)
    b = JointSpartaSearch(HanabiBotAgent("smart"), rollouts=40, batch=4, max_range=20, seed=1)
    sa = HanabiGame(players=2).new_initial_state(seed=9)
    sb = HanabiGame(players=2).new_initial_state(seed=9)
    for _ in range(6):
        asked = b.action_probabilities(sb)
        assert len(b.decisions) == sb.move_number()
        ma, mb = a.act(sa), b.act(sb)
        assert ma == mb and asked == {mb: 1.0}
        sa.apply_action(ma)
        sb.apply_action(mb)
    assert len(b._game.frames) == len(a._game.frames) <= 6
    assert b._game.status == a._game.status


def test_every_hanabi_search_agent_records_hanabi_decisions():
    agents = [HanabiMDSearch(full_support(HanabiBotAgent("smart"), 0.01), eta=1.0,
                             rollouts=20, num_histories=4, **SMALL_BELIEF),
              SpartaSearch(HanabiBotAgent("smart"), rollouts=20, **SMALL_BELIEF),
              JointSpartaSearch(HanabiBotAgent("smart"), rollouts=20, max_range=10)]
    state = HanabiGame(players=2).new_initial_state(seed=1)
    for agent in agents:
        assert isinstance(agent, HanabiSearchAgent)
        agent.act(state)
        assert [type(r) for r in agent.decisions] == [HanabiDecision]
    with pytest.raises(TypeError, match="HanabiState"):
        agents[1].act(np.zeros(3))
