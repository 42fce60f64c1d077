"""Single-agent SPARTA over a network blueprint: with a network that is one-hot on SmartBot's
move (probabilities computed from the games' SmartBot tables, through the neural rollout code
path) it makes rule-based SPARTA's decisions with the same statistics; over the shipped network
(native rollouts, neural beliefs) it plays legal moves and refuses bot-only options."""
from __future__ import annotations

import numpy as np
import pytest

import uedtp.search.hanabi.neural.rollouts as neural_rollouts
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.agents.neural.checkpoint import load_policy
from uedtp.agents.protocol import NetworkBlueprint
from uedtp.csrc.hanabi_features import LockstepGames
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.hanabi.sparta import SpartaSearch
from tests.paths import CHECKPOINTS

GAME = HanabiGame(players=2)


class _Recorded:
    last: tuple[np.ndarray, np.ndarray] | None = None


class _RecordingGames(LockstepGames):
    """Lockstep games that remember SmartBot's move for the rows they last encoded."""

    def encode(self, idx):
        rows = super().encode(idx)
        _Recorded.last = (rows, self.bot_moves(idx))
        return rows


class OneHotSmartBot:
    """A NetworkBlueprint whose probabilities are 1 on SmartBot's move (no native copy)."""

    def __init__(self) -> None:
        self.encoding = hanabi_encoding_for(GAME)
        self.temperature = 1.0
        self.bot = HanabiBotAgent("smart")

    @property
    def game_string(self) -> str:
        return self.encoding.game_string

    def probabilities(self, inputs, masks):
        rows, moves = _Recorded.last
        assert inputs is rows                       # the rows the games just encoded
        out = np.zeros(masks.shape)
        out[np.arange(len(moves)), moves] = 1.0
        assert masks[np.arange(len(moves)), moves].all()
        return out

    def action_probabilities(self, state):
        move = self.bot.bot_move(state)
        return {a: float(a == move) for a in state.legal_actions()}


def test_one_hot_network_sparta_makes_rule_based_sparta_decisions(monkeypatch):
    monkeypatch.setattr(neural_rollouts, "LockstepGames", _RecordingGames)
    blueprint = OneHotSmartBot()
    assert isinstance(blueprint, NetworkBlueprint)
    kw = dict(rollouts=240, batch=8, belief_epsilon=0.01, searchers=(0,), seed=7)
    rule = SpartaSearch(HanabiBotAgent("smart"), **kw)
    net = SpartaSearch(blueprint, beliefs="smart", **kw)
    assert net.network is blueprint and net.neural is not None
    state = GAME.new_initial_state(seed=21)
    searched = deviated = 0
    while not state.is_terminal() and state.move_number() < 24:
        a, b = rule.act(state), net.act(state)
        assert a == b
        if state.current_player() == 0 and rule.last is not None \
                and rule.decisions[-1].searched:
            searched += 1
            deviated += rule.decisions[-1].deviated
            np.testing.assert_array_equal(rule.last.means, net.last.means)
            np.testing.assert_array_equal(rule.last.alive, net.last.alive)
            assert rule.last.moves == net.last.moves
        state.apply_action(a)
    assert searched >= 5
    assert [d.deviated for d in rule.decisions] == [d.deviated for d in net.decisions]


def test_sparta_over_the_shipped_network_plays_legal_moves():
    policy = load_policy(str(CHECKPOINTS / "hanabi_smartbot_bc.pt"))
    agent = SpartaSearch(policy, rollouts=64, batch=8, belief_epsilon=0.1, searchers=None,
                         max_exact=500, num_samples=200, seed=1)
    assert "TorchPolicy" in repr(agent)
    state = GAME.new_initial_state(seed=2)
    for _ in range(3):
        move = agent.act(state)
        assert move in state.legal_actions()
        state.apply_action(move)
    assert any(d.searched for d in agent.decisions)
    with pytest.raises(ValueError, match="rollout_epsilon"):
        SpartaSearch(policy, rollout_epsilon=0.1)
    with pytest.raises(ValueError, match="beliefs"):
        SpartaSearch(policy, beliefs="exact")
