"""Sampled search converges to exact search; iterated exact search shows the learners' dynamics;
bad input is rejected with clear errors."""
from __future__ import annotations

import numpy as np
import pytest
from open_spiel.python.algorithms import exploitability, expected_game_score

from uedtp.agents.tabular import tabulate
from uedtp.agents.uniform import UniformAgent
from uedtp.envs.openspiel_games import GameError, load_game
from uedtp.search.update_equivalent.local_updates import Greedy, MagneticMirrorDescent, MirrorDescent
from uedtp.search.update_equivalent.md import md_search
from uedtp.search.update_equivalent.mmd import mmd_search
from tests.helpers_games import random_full_support_blueprint, random_state


def test_local_updates_closed_forms():
    p = np.array([0.5, 0.3, 0.2])
    q = np.array([1.0, -1.0, 0.5])
    md = MirrorDescent(2.0).apply(p, q)
    np.testing.assert_allclose(md, p * np.exp(2 * q) / np.sum(p * np.exp(2 * q)))
    eta, alpha = 3.0, 0.5
    mmd = MagneticMirrorDescent(eta, alpha).apply(p, q)
    raw = (p * (1 / 3) ** (alpha * eta) * np.exp(eta * q)) ** (1 / (1 + alpha * eta))
    np.testing.assert_allclose(mmd, raw / raw.sum())
    np.testing.assert_allclose(Greedy().apply(p, q), [1.0, 0.0, 0.0])
    # MMD's fixed point with q = 0 is the magnet; MD with q = 0 is the identity.
    np.testing.assert_allclose(MirrorDescent(5.0).apply(p, np.zeros(3)), p)
    x = p
    for _ in range(200):
        x = MagneticMirrorDescent(1.0, 1.0).apply(x, np.zeros(3))
    np.testing.assert_allclose(x, np.full(3, 1 / 3), atol=1e-9)


def test_sampled_search_converges_to_exact():
    game = load_game("leduc_poker")
    blueprint = random_full_support_blueprint(game, seed=1, concentration=0.5)
    rng = np.random.default_rng(3)
    states = []
    while len(states) < 3:
        s = random_state(game, 4, rng, policy=blueprint)
        if s is not None:
            states.append(s)
    errors = {}
    for budget in (4, 1600):
        err = []
        for k, s in enumerate(states):
            exact = mmd_search(game, 1.0, 0.5, blueprint, exact=True).decide(s)
            sampled = mmd_search(game, 1.0, 0.5, blueprint, num_histories=budget, rollouts=1,
                                 seed=100 + k).decide(s)
            assert sampled.actions == exact.actions
            err.append(np.max(np.abs(sampled.q - exact.q)))
        errors[budget] = max(err)
    # Returns are in [-13, 13]; with 1,600 rollouts per action the error must be small, and must
    # shrink by a lot relative to 4 rollouts (Monte Carlo rate 1/sqrt(budget): ~20x).
    assert errors[1600] < 0.35
    assert errors[1600] < errors[4] / 4


def test_iterated_exact_mmd_search_solves_kuhn():
    game = load_game("kuhn_poker")
    blueprint = tabulate(game, UniformAgent())
    for t in range(1, 501):
        rate = 1.0 / np.sqrt(t)
        search = mmd_search(game, eta=rate, alpha=rate, blueprint=blueprint, exact=True)
        blueprint = tabulate(game, search)
    nash_gap = exploitability.exploitability(game, blueprint.to_openspiel(game))
    assert nash_gap < 0.01


def _common_value(game, agent):
    pol = agent.to_openspiel(game)
    return expected_game_score.policy_value(game.new_initial_state(), [pol] * game.num_players())[0]


def test_iterated_exact_md_search_improves_tiny_hanabi_monotonically_to_optimum():
    game = load_game("tiny_hanabi")
    blueprint = tabulate(game, UniformAgent())
    values = [_common_value(game, blueprint)]
    for _ in range(150):
        blueprint = tabulate(game, md_search(game, eta=0.5, blueprint=blueprint, exact=True))
        values.append(_common_value(game, blueprint))
    diffs = np.diff(values)
    assert np.all(diffs >= -1e-12)
    assert values[0] < 4.0 and values[-1] > 9.99   # uniform 3.72 -> optimum 10


def test_mmd_search_beats_uniform_in_kuhn_in_expectation():
    game = load_game("kuhn_poker")
    search_policy = tabulate(game, mmd_search(game, eta=5.0, alpha=0.05, exact=True))
    uniform = tabulate(game, UniformAgent())
    value = expected_game_score.policy_value(
        game.new_initial_state(), [search_policy.to_openspiel(game), uniform.to_openspiel(game)])
    value_swapped = expected_game_score.policy_value(
        game.new_initial_state(), [uniform.to_openspiel(game), search_policy.to_openspiel(game)])
    assert value[0] - value_swapped[0] > 0.3


def test_bad_input_is_rejected_clearly():
    with pytest.raises(GameError, match="unknown game 'no_such_game'"):
        load_game("no_such_game(x=1)")
    with pytest.raises(GameError, match="two-player zero-sum"):
        mmd_search("tiny_hanabi")
    with pytest.raises(GameError, match="common-payoff"):
        md_search("kuhn_poker", eta=1.0)
    with pytest.raises(ValueError, match="eta must be a positive"):
        mmd_search("kuhn_poker", eta=-1.0)
    with pytest.raises(ValueError, match="alpha must be a positive"):
        mmd_search("kuhn_poker", eta=1.0, alpha=0.0)
    with pytest.raises(ValueError, match="num_histories must be positive"):
        mmd_search("kuhn_poker", num_histories=0)
    with pytest.raises(ValueError, match="rollouts must be positive"):
        md_search("tiny_hanabi", eta=1.0, rollouts=0)
    with pytest.raises(ValueError, match="act_mode"):
        mmd_search("kuhn_poker", act_mode="greedy")  # type: ignore[arg-type]
