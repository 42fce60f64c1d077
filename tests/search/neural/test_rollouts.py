"""Batched neural rollouts and beliefs agree with the per-state Python paths (exactly where the
computation is deterministic, within sampling error otherwise); bad input is rejected."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.search.update_equivalent.history_sampler import enumerate_histories
from uedtp.envs.openspiel_games import GameError, load_game
from uedtp.envs.tensor_obs import encoding_for
from uedtp.search.update_equivalent.action_values import ExactActionValues
from uedtp.search.neural.rollouts import BatchedRolloutActionValues
from uedtp.search.neural.beliefs import BatchedBeliefs
from uedtp.search.neural.search import NeuralSearch, neural_mmd, neural_mmd_search
from uedtp.search.update_equivalent.local_updates import MirrorDescent


def _policy(game: str, seed: int = 0) -> TorchPolicy:
    torch.manual_seed(seed)
    enc = encoding_for(game)
    net = PolicyValueNet(enc.size, enc.num_actions, (32,))
    with torch.no_grad():
        net.policy_head.weight.mul_(300.0)
        net.policy_head.bias.normal_(0.0, 1.5)
    return TorchPolicy(net, enc, seed=seed)


def _random_state(game, rng, lo, hi):
    while True:
        s = game.new_initial_state()
        for _ in range(int(rng.integers(lo, hi + 1))):
            s.apply_action(int(rng.choice(s.legal_actions())))
            if s.is_terminal():
                break
        if not s.is_terminal():
            return s


@pytest.mark.parametrize("game_string", ["phantom_ttt", "dark_hex(board_size=3,gameversion=adh)",
                                         "phantom_ttt(gameversion=abrupt)"])
def test_batched_beliefs_equal_exact_enumeration(game_string):
    policy = _policy(game_string, 1)
    game = load_game(game_string)
    rng = np.random.default_rng(4)
    beliefs = BatchedBeliefs(policy)
    for _ in range(4):
        state = _random_state(game, rng, 2, 6)
        player = state.current_player()
        exact = enumerate_histories(state, player, policy, 10**6)
        ours = beliefs.posterior(state, player, rng)
        a = {tuple(s.history()): w for s, w in zip(exact.states, exact.weights)}
        b = {tuple(s.history()): w for s, w in zip(ours.states, ours.weights)}
        assert a.keys() == b.keys()
        assert max(abs(a[k] - b[k]) for k in a) < 1e-6
        assert ours.exact


def test_batched_beliefs_resample_when_frontier_is_capped():
    game_string = "phantom_ttt"
    policy = _policy(game_string, 2)
    game = load_game(game_string)
    state = game.new_initial_state()
    for a in (4, 0, 8, 2, 6):
        state.apply_action(a)
    exact = enumerate_histories(state, state.current_player(), policy, 10**6)
    capped = BatchedBeliefs(policy, max_frontier=16).posterior(state, state.current_player(),
                                                                np.random.default_rng(0))
    assert not capped.exact
    assert capped.support_size <= 16 * 9
    assert abs(capped.weights.sum() - 1) < 1e-9
    exact_keys = {tuple(s.history()) for s in exact.states}
    assert all(tuple(s.history()) in exact_keys for s in capped.states)


@pytest.mark.parametrize("game_string", ["dark_hex(board_size=3,gameversion=adh)", "phantom_ttt"])
def test_batched_rollout_values_match_exact_values(game_string):
    policy = _policy(game_string, 3)
    game = load_game(game_string)
    rng = np.random.default_rng(5)
    state = _random_state(game, rng, 8, 10)          # late: exact values are cheap
    player = state.current_player()
    post = enumerate_histories(state, player, policy, 10**6)
    idx = np.argsort(-post.weights)[:3]                # three likely histories
    states, weights = [post.states[i] for i in idx], np.full(3, 1 / 3)
    actions = state.legal_actions()
    exact = ExactActionValues(policy).action_values(states, weights, actions, player)
    q = BatchedRolloutActionValues(policy, rollouts=400).action_values(states, weights, actions,
                                                                      player, rng)
    assert np.max(np.abs(q - exact)) < 0.1, (q, exact)
    # a second, independent estimate also lands near the exact values (not a fluke)
    q2 = BatchedRolloutActionValues(policy, 400, common_random_numbers=False).action_values(
        states, weights, actions, player, rng)
    assert np.max(np.abs(q2 - exact)) < 0.1


def test_batched_rollouts_are_deterministic_given_rng():
    policy = _policy("phantom_ttt", 4)
    state = load_game("phantom_ttt").new_initial_state().child(4)
    values = BatchedRolloutActionValues(policy, rollouts=3)
    args = ([state] * 4, np.full(4, 0.25), state.legal_actions(), 1)
    a = values.action_values(*args, np.random.default_rng(9))
    b = values.action_values(*args, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    assert np.all(np.abs(a) <= 1)


def test_batched_search_equals_protocol_search():
    game_string = "dark_hex(board_size=3,gameversion=adh)"
    policy = _policy(game_string, 5)
    game = load_game(game_string)
    rng = np.random.default_rng(6)
    for _ in range(3):
        state = _random_state(game, rng, 1, 5)
        a = neural_mmd(policy, 10.0, 0.05, num_histories=8, rollouts=2, seed=11
                       ).action_probabilities(state)
        b = neural_mmd_search(policy, 10.0, 0.05, num_histories=8, rollouts=2, seed=11
                              ).action_probabilities(state)
        assert a.keys() == b.keys()
        assert max(abs(a[k] - b[k]) for k in a) < 1e-9


def test_search_many_decisions_at_once_matches_shapes_and_improves_q():
    from uedtp.envs.phantom.batch import PhantomBatch
    game_string = "phantom_ttt"
    policy = _policy(game_string, 6)
    search = NeuralSearch(policy, MirrorDescent(5.0), num_histories=8, rollouts=2, seed=0)
    batch = PhantomBatch.from_histories(game_string, [[4], [4, 0], [0, 4, 8], []])
    result = search.search_batch(batch, np.arange(4))
    for acts, p, q, new in zip(result.actions, result.blueprint, result.q, result.policy):
        assert len(acts) == len(p) == len(q) == len(new)
        assert abs(new.sum() - 1) < 1e-9
        assert new @ q >= p @ q - 1e-12        # an MD step never lowers the expected q
    assert len(search.act_batch(batch, np.arange(4))) == 4


def test_bad_input_is_rejected():
    policy = _policy("phantom_ttt")
    with pytest.raises(ValueError, match="rollouts"):
        BatchedRolloutActionValues(policy, rollouts=0)
    with pytest.raises(TypeError, match="TorchPolicy"):
        BatchedRolloutActionValues(object(), rollouts=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_frontier"):
        BatchedBeliefs(policy, max_frontier=0)
    state = load_game("phantom_ttt").new_initial_state()
    with pytest.raises(ValueError, match="histories but"):
        BatchedRolloutActionValues(policy).action_values([state], np.ones(2), [0], 0,
                                                         np.random.default_rng(0))
    with pytest.raises(ValueError, match="num_histories"):
        NeuralSearch(policy, MirrorDescent(1.0), num_histories=0)
    with pytest.raises(ValueError, match="Phantom Tic-Tac-Toe / Dark Hex"):
        NeuralSearch(_policy("kuhn_poker"), MirrorDescent(1.0))
    with pytest.raises(GameError, match="two-player zero-sum"):
        neural_mmd_search(_policy("tiny_hanabi"))
