"""Search never raises on a hard information state: the sampler's fallbacks, counted.

The two hard states are real decisions of MMD search over the shipped Phantom Tic-Tac-Toe
blueprint (both seats searching) where sequential importance sampling with its default budget
found 70 and 15 of 100 particles, and search used to crash mid-game (the tests ask for 20
particles, to be quick; the shortfall is the same).
"""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest

from uedtp.eval.specs import build_agent
from uedtp.envs.games import make_game
from uedtp.search.update_equivalent import phantom
from uedtp.search.update_equivalent.history_sampler import (EnumerationLimitExceeded, HistorySampler,
                                                            SamplingFailed, SamplingShortfall,
                                                            posterior_with_fallbacks, sample_histories)
from uedtp.search.update_equivalent.mmd import mmd_search
from tests.paths import CHECKPOINTS

PTTT_MMD = CHECKPOINTS / "pttt_mmd.pt"
SPEC = f"mmd(eta=10,alpha=0.01,histories=4,particles=20,beliefs=sampler)@torch:{PTTT_MMD}"
HARD = ([4, 4, 2, 3, 5, 5, 8, 8, 0, 1, 1, 7],     # '.x.\nxxo\n..x\n0,4 0,3 0,5 0,8 0,1 '
        [5, 4, 4, 8, 2, 2, 6, 7, 7, 1, 8])        # '..o\n.o.\n.ox\n1,4 1,2 1,7 1,8 '


def _state(game: pyspiel.Game, history: list[int]) -> pyspiel.State:
    state = game.new_initial_state()
    for action in history:
        state.apply_action(action)
    return state


@pytest.fixture(scope="module")
def pttt():
    return make_game("phantom_ttt")


@pytest.fixture(scope="module")
def blueprint(pttt):
    return build_agent(f"torch:{PTTT_MMD}", pttt, 7)


@pytest.mark.parametrize("history", HARD)
def test_hard_state_is_short_of_particles_then_falls_back(pttt, blueprint, history) -> None:
    state = _state(pttt.raw, history)
    player = state.current_player()
    with pytest.raises(SamplingShortfall, match="found only"):
        sample_histories(state, player, blueprint, 20, np.random.default_rng(0))
    post = HistorySampler(blueprint, num_particles=20).posterior(state, player,
                                                                 np.random.default_rng(0))
    assert post.fallback in ("more_particles", "enumeration", "partial")
    assert post.support_size > 0 and abs(post.weights.sum() - 1.0) < 1e-12
    for h in post.states:        # every history is consistent with the searcher's information
        assert h.information_state_string(player) == state.information_state_string(player)


@pytest.mark.parametrize("history", HARD)
def test_search_at_hard_state_reports_its_fallback(pttt, history) -> None:
    agent = build_agent(SPEC, pttt, 3)
    state = _state(pttt.raw, history)
    assert agent.act(state) in state.legal_actions()
    result = agent.last_result
    assert result.fallback is not None and agent.fallbacks[result.fallback] == 1
    assert agent.decisions == 1 and agent.fallback_rate == 1.0


def test_fallback_order_partial_particles_and_failure() -> None:
    calls = []

    def enumerate_within(n):
        calls.append(("enumerate", n))
        raise EnumerationLimitExceeded(f"budget {n}")

    def sample_within(k, m):
        calls.append(("sample", k, m))
        raise SamplingShortfall(f"found only 0 of {k} particles", visited=3)

    with pytest.raises(SamplingFailed):
        posterior_with_fallbacks(enumerate_within, sample_within, max_nodes=5, num_particles=10)
    assert calls == [("enumerate", 5), ("sample", 10, 100), ("sample", 10, 300),
                     ("enumerate", 50)]

    def sample_some(k, m):
        raise SamplingShortfall(f"found only 1 of {k} particles", ["h"], np.array([2.0]), 3)

    post = posterior_with_fallbacks(enumerate_within, sample_some, max_nodes=5, num_particles=10)
    assert post.fallback == "partial" and post.states == ["h", "h"] and not post.exact
    assert post.weights.tolist() == [0.5, 0.5] and post.nodes_visited == 6

    runs = iter([SamplingShortfall("found only 1 of 3", ["a"], np.array([1.0]), 2),
                 (["b", "c"], np.array([2.0, 1.0]), 5)])

    def sample_then_more(k, m):
        run = next(runs)
        if isinstance(run, Exception):
            raise run
        assert k == 2 and m == 300          # only the missing particles, 3x the walks
        return run

    post = posterior_with_fallbacks(enumerate_within, sample_then_more, max_nodes=5,
                                    num_particles=3)
    assert post.fallback == "more_particles" and post.states == ["a", "b", "c"]
    assert post.weights.tolist() == [0.25, 0.5, 0.25] and post.nodes_visited == 7


class _FailingBeliefs:
    def posterior(self, state, player, rng):
        raise SamplingFailed("nothing found")


def test_search_without_any_posterior_plays_the_blueprint(pttt, blueprint) -> None:
    state = _state(pttt.raw, HARD[1])
    search = mmd_search(pttt.raw, blueprint=blueprint, num_histories=4)
    search.beliefs = _FailingBeliefs()
    probs = search.action_probabilities(state)
    assert search.last_result.fallback == "blueprint" and search.fallbacks["blueprint"] == 1
    assert probs == pytest.approx(blueprint.action_probabilities(state))


def test_native_uniform_posterior_falls_back_instead_of_raising() -> None:
    game = pyspiel.load_game("phantom_ttt")
    state = _state(game, HARD[0])
    player = state.current_player()
    with pytest.raises(SamplingShortfall):
        phantom.sample_histories(state, player, 100_000, np.random.default_rng(0), 1)
    # one walk per particle cannot fill 100,000 particles, nor can ten: the larger enumeration
    # budget gives the exact posterior
    post = phantom.posterior_with_fallbacks(
        lambda n: phantom.enumerate_histories(state, player, n),
        lambda k, m: phantom.sample_particles(state, player, k, np.random.default_rng(0), 1),
        max_nodes=50, num_particles=100_000, fallback_max_nodes=200_000)
    assert post.fallback == "enumeration" and post.exact


def test_thirty_games_of_mmd_over_the_pttt_blueprint_raise_nothing(pttt) -> None:
    decisions = 0
    for i in range(30):
        seats = [build_agent(SPEC, pttt, 2 * i), build_agent(SPEC, pttt, 2 * i + 1)]
        state = pttt.new_initial_state(i)
        while not state.is_terminal():
            state.apply_action(seats[state.current_player()].act(state))
        decisions += sum(a.decisions for a in seats)
        assert all(a.fallback_rate <= 1.0 for a in seats)
    assert decisions > 30 * 6
