"""Batched neural Hanabi rollouts equal one-at-a-time ones and an independent sequential replay
with the same random numbers; MD search over a neural blueprint plays legal moves, follows the
MD update of the network's policy, and rejects bad budgets."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.agents.protocol import sample_actions
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.hanabi.neural.rollouts import NeuralRollouts, column_uniforms
from uedtp.search.hanabi.beliefs import HanabiBeliefs
from uedtp.search.hanabi.neural.md import HanabiNeuralMDSearch

GAME = HanabiGame(players=2)


def _policy(seed: int = 0) -> TorchPolicy:
    torch.manual_seed(seed)
    enc = hanabi_encoding_for(GAME)
    net = PolicyValueNet(enc.size, enc.num_actions, (32,))
    with torch.no_grad():                  # give the policy head some spread
        net.policy_head.weight.normal_(0.0, 0.3)
    return TorchPolicy(net, enc, seed=seed)


def _smartbot_state(moves: int, seed: int = 4):
    state = GAME.new_initial_state(seed=seed)
    seats = BotSeats("smart", state)
    for _ in range(moves):
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    return state, seats


def test_batched_rollouts_equal_unbatched_and_a_sequential_replay():
    torch.set_num_threads(1)
    policy = _policy()
    state, seats = _smartbot_state(12)
    player = state.current_player()
    post = HanabiBeliefs("smart", 0.1).posterior(state, player, np.random.default_rng(0))
    hands = post.hands[:3]
    actions = state.legal_actions()[:4]
    batched = NeuralRollouts(policy, scoring="points", batched=True)
    v = batched.values(state, seats, actions, hands, player, seed=11)
    assert v.shape == (4, 3) and np.all((v >= 0) & (v <= 25)) and v.max() > v.min()
    single = NeuralRollouts(policy, scoring="points", batched=False)
    np.testing.assert_array_equal(v, single.values(state, seats, actions, hands, player, seed=11))
    assert batched.network_calls < single.network_calls / 3
    # independent path: rollout (a=1, g=2) on a Python HanabiState with BotSeats followed move by
    # move, one row encoded at a time, the same deal (stream 2 of seed 11) and uniforms
    deal = NeuralRollouts(policy)._games(state, seats, [-1], hands, player, seed=11, columns=3)
    s, tables = deal.state(2), seats.copy()
    u = column_uniforms(11, 3)[2]
    tables.observe(s, actions[1])
    s.apply_action(actions[1])
    k = 0
    while not s.is_terminal():
        probs = policy.probabilities(policy.encoding.encode(s, seats=tables)[None],
                                     policy.encoding.legal_mask(s)[None])
        uid = int(sample_actions(probs, u[k:k + 1])[0])
        tables.observe(s, uid)
        s.apply_action(uid)
        k += 1
    assert s.fireworks_total() == v[1, 2]
    with pytest.raises(ValueError, match="pass seats="):
        policy.encoding.encode(deal.state(0).child(actions[0]))
    # a different seed gives different deals / samples somewhere
    assert not np.array_equal(v, batched.values(state, seats, actions, hands, player, seed=12))


def test_md_search_over_neural_blueprint_plays_legal_moves():
    torch.set_num_threads(1)
    policy = _policy(1)
    state, _ = _smartbot_state(6)
    agent = HanabiNeuralMDSearch(policy, eta=2.0, rollouts=40, num_histories=4, seed=0)
    move = agent.act(state)
    assert move in state.legal_actions()
    rec = agent.decisions[-1]
    assert rec.searched and rec.rollouts >= len(state.legal_actions())
    res = agent.search.last_result
    expected = res.blueprint_policy * np.exp(2.0 * (res.q - res.q.max()))
    np.testing.assert_allclose(res.policy, expected / expected.sum(), rtol=1e-9)
    assert move == res.actions[int(np.argmax(res.policy))]
    probs = agent.action_probabilities(state)
    assert sorted(probs) == state.legal_actions() and abs(sum(probs.values()) - 1) < 1e-9
    # a non-searching seat plays the network's most likely move without rollouts
    other = HanabiNeuralMDSearch(policy, eta=2.0, rollouts=40, searchers=[1 - state.current_player()])
    bp = policy.action_probabilities(state)
    assert other.act(state) == max(bp, key=bp.get) and not other.decisions[-1].searched


def test_bad_budgets_and_inputs_raise_clearly():
    policy = _policy()
    for bad in (0, -5):
        with pytest.raises(ValueError, match="rollouts"):
            HanabiNeuralMDSearch(policy, eta=1.0, rollouts=bad)
    with pytest.raises(TypeError, match="rollouts must be an int"):
        HanabiNeuralMDSearch(policy, eta=1.0, rollouts=2.5)
    with pytest.raises(ValueError, match="needs a budget"):
        HanabiNeuralMDSearch(policy, eta=1.0, rollouts=None)
    with pytest.raises(ValueError, match="eta"):
        HanabiNeuralMDSearch(policy, eta=0.0)
    with pytest.raises(ValueError, match="num_histories"):
        HanabiNeuralMDSearch(policy, eta=1.0, num_histories=0)
    with pytest.raises(ValueError, match="belief_epsilon"):
        HanabiNeuralMDSearch(policy, eta=1.0, belief_epsilon=0.0)
    with pytest.raises(ValueError, match="beliefs must be"):
        HanabiNeuralMDSearch(policy, eta=1.0, beliefs="exact")
    with pytest.raises(TypeError, match="TorchPolicy"):
        HanabiNeuralMDSearch("smart", eta=1.0)
    with pytest.raises(TypeError, match="TorchPolicy"):
        NeuralRollouts(object())
    agent = HanabiNeuralMDSearch(policy, eta=1.0, rollouts=10)
    with pytest.raises(TypeError, match="HanabiState"):
        agent.act("state")
    state, seats = _smartbot_state(3)
    with pytest.raises(ValueError, match="first_move"):
        NeuralRollouts(policy).values(state, seats, [99], None, 0, seed=0)


def test_neural_beliefs_reweight_the_smartbot_posterior_by_network_likelihoods():
    from uedtp.csrc.hanabi_belief import log_count_prior
    from uedtp.search.hanabi.neural.beliefs import NeuralHanabiBeliefs
    torch.set_num_threads(1)
    policy = _policy(2)
    state, _ = _smartbot_state(25)              # 256 hint-consistent hands: exact
    player = state.current_player()
    rng = np.random.default_rng(0)
    nb = NeuralHanabiBeliefs(policy, 0.1, max_hands=100_000)
    post = nb.posterior(state, player, rng)
    smart = nb.smart.posterior(state, player, rng)
    assert post.exact and len(post.hands) == len(smart.hands) > 1
    assert abs(post.weights.sum() - 1) < 1e-9 and post.true_hand_index is not None
    # log w(h) - log w(h') = [log prior + sum_t log pi_net(m_t | view under h)] - [same for h']
    trace = nb.trace(state)
    sources = trace.observer_sources(player)
    moves = trace.move_history()
    _, counts = trace.candidate_masks(player)

    def log_target(hand):
        total = float(log_count_prior(hand[None], counts)[0])
        for t in range(trace.length):
            actor = int(trace.actors()[t])
            if actor == player:
                continue
            snap = trace.hypothetical_snapshot(t, player, trace.hand_at(player, t, sources, hand),
                                               actor, [trace.snapshot(t).hand(actor)])
            x = policy.encoding.encode(snap, player=actor, seats=trace.seats_at(t))
            p = policy.probabilities(x[None], policy.encoding.legal_mask(snap)[None])[0]
            total += float(np.log(p[int(moves[t])]))
        return total

    i, j = 0, len(post.hands) - 1
    expected = log_target(post.hands[i]) - log_target(post.hands[j])
    assert abs(np.log(post.weights[i] / post.weights[j]) - expected) < 1e-6
    # before any partner move the network changes nothing
    first = GAME.new_initial_state(seed=4)
    nb0 = NeuralHanabiBeliefs(policy, 0.1, max_hands=100_000)
    np.testing.assert_allclose(nb0.posterior(first, 0, rng).weights,
                               nb0.smart.posterior(first, 0, rng).weights)
    with pytest.raises(ValueError, match="max_hands"):
        NeuralHanabiBeliefs(policy, 0.1, max_hands=0)
