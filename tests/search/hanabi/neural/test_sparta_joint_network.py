"""Joint SPARTA over a network blueprint.

With a network that is one-hot on SmartBot's move (its probabilities computed from SmartBot at
the very positions the code encodes, on the torch paths of the rollouts, of the blueprint move
and of the range filter) it makes rule-based joint SPARTA's decisions. Over a shipped network
(native paths): the greedy move at a real position equals the one at its traced copy holding the
true hand (native and torch), the true hand is in every published range, every replication for
the true hand reproduces the real searched move, and the spec plays a whole game in eval.hanabi.
"""
from __future__ import annotations

import collections

import numpy as np
import pytest

import uedtp.search.hanabi.neural.beliefs as neural_beliefs
import uedtp.search.hanabi.neural.greedy as neural_greedy
import uedtp.search.hanabi.neural.rollouts as neural_rollouts
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.agents.neural.checkpoint import load_policy
from uedtp.agents.protocol import NetworkBlueprint
from uedtp.csrc.hanabi_belief import GameTrace
from uedtp.csrc.hanabi_features import LockstepGames, encode_view
from uedtp.envs.hanabi.game import HanabiGame, HanabiState
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.eval.hanabi.evaluate import play_game
from uedtp.eval.specs import SpecError, build_agent
from uedtp.search.hanabi.neural.greedy import GreedyMoves
from uedtp.search.hanabi.sparta_joint import JointSpartaSearch
from tests.paths import CHECKPOINTS

GAME = HanabiGame(players=2)

# SmartBot's move at every row encoded so far and not yet evaluated, in encoding order
_PENDING: "collections.deque[tuple[bytes, int]]" = collections.deque()


class _RecordingGames(LockstepGames):
    """Lockstep games that queue SmartBot's move for the rows they encode."""

    def encode(self, idx):
        rows = super().encode(idx)
        for row, move in zip(rows, self.bot_moves(idx).tolist()):
            _PENDING.append((row.tobytes(), int(move)))
        return rows


def _recording_encode_view(state, seats, player, out):
    """``encode_view`` that queues SmartBot's move at the encoded position."""
    encode_view(state, seats, player, out)
    assert state.current_player() == player
    _PENDING.append((out.tobytes(), int(seats.copy().decide(state))))


class OneHotSmartBot:
    """A NetworkBlueprint whose probabilities are 1 on SmartBot's move at each input row (rows
    are answered in the order they were encoded; each must be the row queued). No native copy,
    so every path is the torch one."""

    def __init__(self) -> None:
        self.encoding = hanabi_encoding_for(GAME)
        self.temperature = 1.0
        self.bot = HanabiBotAgent("smart")
        self.rows = 0

    @property
    def game_string(self) -> str:
        return self.encoding.game_string

    def probabilities(self, inputs, masks):
        out = np.zeros(masks.shape)
        for r in range(len(inputs)):
            row, move = _PENDING.popleft()
            assert row == inputs[r].tobytes()        # the row the code just encoded
            assert masks[r, move]
            out[r, move] = 1.0
        self.rows += len(inputs)
        return out

    def action_probabilities(self, state):
        move = self.bot.bot_move(state)
        return {a: float(a == move) for a in state.legal_actions()}


def test_one_hot_network_joint_sparta_makes_rule_based_joint_sparta_decisions(monkeypatch):
    monkeypatch.setattr(neural_rollouts, "LockstepGames", _RecordingGames)
    monkeypatch.setattr(neural_greedy, "encode_view", _recording_encode_view)
    monkeypatch.setattr(neural_beliefs, "encode_view", _recording_encode_view)
    _PENDING.clear()
    network = OneHotSmartBot()
    assert isinstance(network, NetworkBlueprint)
    kw = dict(rollouts=48, batch=4, max_range=8, max_exact=2000, seed=0)
    searched = fallbacks = deviated = replications = 0
    for deal in (6, 11):
        rule = JointSpartaSearch(HanabiBotAgent("smart"), **kw)
        net = JointSpartaSearch(network, **kw)
        assert net.network is network and net.neural is not None
        state = GAME.new_initial_state(seed=deal)
        while not state.is_terminal() and state.move_number() < 30:
            a, b = rule.act(state), net.act(state)
            assert a == b, state.move_number()
            state.apply_action(a)
        ours = [(d.move_number, d.searched, d.fallback, d.deviated, d.rollouts, d.support)
                for d in net.decisions]
        assert ours == [(d.move_number, d.searched, d.fallback, d.deviated, d.rollouts, d.support)
                        for d in rule.decisions]
        assert net.replications == rule.replications
        assert net.neural.rollouts_run == sum(d.rollouts for d in net.decisions) > 0
        searched += sum(d.searched for d in rule.decisions)
        fallbacks += sum(d.fallback for d in rule.decisions)
        deviated += sum(d.deviated for d in rule.decisions)
        replications += rule.replications
    assert not _PENDING and network.rows > 1000
    # the games exercised every part: searches, fall-backs, deviations, replications
    assert searched >= 10 and fallbacks >= 5 and deviated >= 1 and replications >= 5


@pytest.fixture(scope="module")
def policy():
    return load_policy(str(CHECKPOINTS / "hanabi_smartbot_bc.pt"))


def _played(seed: int, moves: int) -> list[HanabiState]:
    state = GAME.new_initial_state(seed=seed)
    bot = HanabiBotAgent("smart")
    out = []
    while not state.is_terminal() and len(out) < moves:
        out.append(state.clone())
        state.apply_action(bot.act(state))
    return out


@pytest.mark.parametrize("native", [True, False])
def test_greedy_move_at_a_real_position_equals_its_traced_copy_with_the_true_hand(policy, native):
    greedy = GreedyMoves(policy, native=native)
    states = _played(4, 40)
    final = states[-1]
    trace = GameTrace("smart", final)            # replayed from the deal
    actors = trace.actors()
    for t in range(1, trace.length):
        real = states[t]
        actor = int(actors[t])
        observer = 1 - actor
        seats = trace.seats_at(t)
        move = greedy.move(real, seats, actor)
        assert move in real.legal_actions()
        sources = trace.observer_sources(observer)
        true_now = np.array([final.hand(observer)], dtype=np.int8)
        assert greedy.partner_moves(trace, observer, t, sources, true_now, [0]).tolist() == [move]
    if native:                                   # the native and torch paths agree
        torch_path = GreedyMoves(policy, native=False)
        for t in range(0, trace.length, 7):
            assert torch_path.move(states[t], trace.seats_at(t), int(actors[t])) == \
                greedy.move(states[t], trace.seats_at(t), int(actors[t]))


def test_joint_sparta_over_a_network_keeps_the_true_hand_and_replicates_its_searches(policy):
    agent = JointSpartaSearch(policy, rollouts=40, batch=4, max_range=8, max_exact=3000, seed=0)
    state = GAME.new_initial_state(seed=3)
    hands_at, made, unlike_bot = {}, [], 0
    greedy = GreedyMoves(policy)
    while not state.is_terminal() and state.move_number() < 45:
        hands_at[state.move_number()] = [state.hand(0), state.hand(1)]
        seats, player = GameTrace("smart", state).seats(), state.current_player()
        argmax = greedy.move(state, seats, player)
        if argmax != seats.copy().decide(state):     # where the blueprints differ, searches
            unlike_bot += 1                           # start from the network's move
            assert agent._search_blueprint_move(state, seats, player) == argmax
        made.append((agent.act(state), argmax))
        state.apply_action(made[-1][0])
    assert unlike_bot >= 1
    # the blueprint move is the network's argmax: fall-backs play it, deviations leave it
    for d, (move, argmax) in zip(agent.decisions, made):
        assert d.deviated == (move != argmax)
        assert move == argmax or not d.fallback
    # every rollout, the replications' included, sampled the network
    assert agent.neural.rollouts_run == sum(d.rollouts for d in agent.decisions) > 0
    mem = agent._game
    frames = [f for f in mem.frames if f.seed != 0]     # seed 0: a single legal move
    assert len(frames) >= 5
    for f in mem.frames:
        true = np.array(hands_at[f.t][f.actor], dtype=np.int8)
        assert (f.hands == true).all(axis=1).any(), f.t
    for f in frames[:6]:
        observer = 1 - f.actor
        chosen, used = agent._replicate(mem, f, observer, hands_at[f.t][observer])
        assert chosen and used > 0, f.t
    recs = agent.decisions
    assert any(r.fallback for r in recs) and any(r.searched for r in recs)
    assert agent.replications > 0 and agent.greedy is not None and agent.greedy.views > 100


def test_spec_plays_a_whole_game_in_the_hanabi_evaluation():
    record = play_game("sparta-joint(rollouts=50,max_range=5)@torch:hanabi_smartbot_bc", 2, 0,
                       seed=17)
    assert 0 <= record["score"] <= 25 and record["moves"] > 40
    # every move is a search or a fall-back (eval.hanabi's time per move covers both)
    assert record["searched"] == record["moves"] == len(record["search_ms"].split())
    assert 0 < record["fallbacks"] < record["moves"]
    assert record["rollouts"] >= 50 * 5


@pytest.mark.parametrize("spec, game, message", [
    ("sparta-joint(rollouts=50)@torch:hanabi_smartbot_bc", "hanabi(players=3)",
     "joint SPARTA is implemented for 2 players"),
    ("sparta-joint(rollouts=50)", "hanabi(players=3)", "joint SPARTA is implemented for 2 players"),
    ("sparta-joint(rollout_epsilon=0.1)@torch:hanabi_smartbot_bc", "hanabi(players=2)",
     "rollout_epsilon is for bot blueprints"),
    ("sparta-joint(bot=holmes)@torch:hanabi_smartbot_bc", "hanabi(players=2)",
     "parameter 'bot' is for the bot= blueprint"),
    ("sparta-joint@uniform", "hanabi(players=2)",
     "the blueprint must be a rule-based Hanabi bot (e.g. @smartbot or @convention) or a network"),
])
def test_bad_joint_sparta_specs_are_refused(spec, game, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_agent(spec, game, 0)
