"""The history sampler: exact support equals a brute-force filter, the true history is always in
it, the weights equal the blueprint reach, and importance sampling agrees with enumeration."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.agents.uniform import UniformAgent
from uedtp.search.update_equivalent.history_sampler import (EnumerationLimitExceeded, HistorySampler, enumerate_histories,
                                  sample_histories)
from uedtp.envs.openspiel_games import load_game
from tests.helpers_games import random_full_support_blueprint, random_state

BIG_GAMES = ["phantom_ttt", "dark_hex(board_size=3,gameversion=adh)",
             "phantom_ttt(gameversion=abrupt)"]


def brute_force(game, target_state, player, max_len):
    """Every history of length <= max_len where `player` moves with the target infostate."""
    target = target_state.information_state_string(player)
    found = set()
    stack = [game.new_initial_state()]
    while stack:
        s = stack.pop()
        if s.is_terminal():
            continue
        if (not s.is_chance_node() and s.current_player() == player
                and s.information_state_string(player) == target):
            found.add(tuple(s.history()))
        if len(s.history()) < max_len:
            stack.extend(s.child(a) for a in s.legal_actions())
    return found


def reach_of_others(game, history, player, blueprint):
    s = game.new_initial_state()
    reach = 1.0
    for a in history:
        if s.is_chance_node():
            reach *= dict(s.chance_outcomes())[a]
        elif s.current_player() != player:
            reach *= blueprint.action_probabilities(s)[a]
        s.apply_action(a)
    return reach


@pytest.mark.parametrize("game_string", BIG_GAMES)
def test_support_equals_brute_force_and_weights_are_reach(game_string):
    game = load_game(game_string)
    rng = np.random.default_rng(11)
    blueprint = UniformAgent()
    checked = 0
    for trial in range(6):
        depth = int(rng.integers(1, 5))
        state = random_state(game, depth, rng)
        if state is None:
            continue
        player = state.current_player()
        post = enumerate_histories(state, player, blueprint)
        support = {tuple(s.history()) for s in post.states}
        assert tuple(state.history()) in support
        max_len = len(state.history()) + 2
        expected = brute_force(game, state, player, max_len)
        assert {h for h in support if len(h) <= max_len} == expected
        reach = np.array([reach_of_others(game, s.history(), player, blueprint) for s in post.states])
        np.testing.assert_allclose(post.weights, reach / reach.sum(), rtol=1e-12)
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("game_string", ["leduc_poker", "dark_hex(board_size=2,gameversion=adh)"])
def test_true_history_in_support_with_nonuniform_blueprint(game_string):
    game = load_game(game_string)
    blueprint = random_full_support_blueprint(game, seed=5, concentration=0.5)
    rng = np.random.default_rng(2)
    for _ in range(40):
        state = random_state(game, int(rng.integers(0, 7)), rng, policy=blueprint)
        if state is None:
            continue
        post = enumerate_histories(state, state.current_player(), blueprint)
        histories = [tuple(s.history()) for s in post.states]
        assert tuple(state.history()) in histories
        assert np.isclose(post.weights.sum(), 1.0)
        weights = np.array([reach_of_others(game, h, state.current_player(), blueprint)
                            for h in histories])
        np.testing.assert_allclose(post.weights, weights / weights.sum(), rtol=1e-10)


def test_importance_sampling_matches_enumeration():
    game = load_game("leduc_poker")
    blueprint = random_full_support_blueprint(game, seed=9, concentration=0.5)
    rng = np.random.default_rng(4)
    state = None
    while state is None or len(enumerate_histories(state, state.current_player(),
                                                    blueprint).states) < 3:
        state = random_state(game, 5, rng, policy=blueprint)
    player = state.current_player()
    exact = enumerate_histories(state, player, blueprint)
    exact_w = {tuple(s.history()): w for s, w in zip(exact.states, exact.weights)}
    sampled = sample_histories(state, player, blueprint, 4000, np.random.default_rng(0))
    est: dict[tuple, float] = {}
    for s, w in zip(sampled.states, sampled.weights):
        est[tuple(s.history())] = est.get(tuple(s.history()), 0.0) + w
    assert set(est) <= set(exact_w)
    for h, w in exact_w.items():
        assert abs(est.get(h, 0.0) - w) < 0.03
    assert sampled.effective_sample_size > 100


def test_sampler_falls_back_to_sampling_when_enumeration_is_too_large():
    game = load_game("phantom_ttt")
    rng = np.random.default_rng(1)
    state = random_state(game, 8, rng)
    with pytest.raises(EnumerationLimitExceeded):
        enumerate_histories(state, state.current_player(), UniformAgent(), max_nodes=50)
    sampler = HistorySampler(UniformAgent(), max_nodes=50, num_particles=30)
    post = sampler.posterior(state, state.current_player(), rng)
    assert not post.exact and post.support_size == 30
    target = state.information_state_string()
    assert all(s.information_state_string() == target for s in post.states)


def test_bad_sampler_arguments():
    game = load_game("kuhn_poker")
    state = game.new_initial_state()
    state.apply_action(0)
    state.apply_action(1)
    with pytest.raises(ValueError, match="not to move"):
        enumerate_histories(state, 1, UniformAgent())
    with pytest.raises(ValueError, match="num_particles"):
        sample_histories(state, 0, UniformAgent(), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_nodes"):
        HistorySampler(UniformAgent(), max_nodes=0)
