"""Tests of Hanabi decision-time search: MD search, single-agent and joint SPARTA, evaluation."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.agents.full_support import full_support_bot
from uedtp.agents.hanabi.bots import HanabiBotAgent
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.specs import SpecError, build_agent, parse_spec
from uedtp.search.hanabi.md import HanabiMDSearch, HanabiRolloutValues
from uedtp.search.hanabi.sparta import SpartaSearch, sparta_decision
from uedtp.search.hanabi.sparta_joint import JointSpartaSearch

SMALL_BELIEF = dict(max_exact=500, num_samples=200)


def advance(players, seed, moves):
    state = HanabiGame(players=players).new_initial_state(seed=seed)
    seats = BotSeats("smart", state)
    for _ in range(moves):
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    return state


def play(agent, players, seed):
    state = HanabiGame(players=players).new_initial_state(seed=seed)
    while not state.is_terminal():
        move = agent.act(state)
        assert state.is_legal(move)
        state.apply_action(move)
    return state


def blueprint_history(players, seed):
    return play(HanabiBotAgent("smart"), players, seed).history()


# ---- bad input ---------------------------------------------------------------------------

def test_md_search_needs_a_full_support_blueprint():
    with pytest.raises(ValueError, match="full support"):
        HanabiMDSearch(HanabiBotAgent("smart"), eta=1.0)
    with pytest.raises(TypeError):
        HanabiMDSearch(object(), eta=1.0)


@pytest.mark.parametrize("kw", [dict(rollouts=0), dict(rollouts=-3), dict(rollouts=None),
                                dict(rollouts=None, seconds=0.0),
                                dict(rollouts=None, seconds=-1.0),
                                dict(rollouts=None, seconds=float("inf"))])
def test_budgets_must_be_positive(kw):
    with pytest.raises(ValueError, match="rollouts|seconds|budget"):
        HanabiMDSearch(full_support_bot("smart", 0.01), eta=1.0, **kw)
    with pytest.raises(ValueError, match="rollouts|seconds|budget"):
        SpartaSearch(HanabiBotAgent("smart"), **kw)


def test_other_bad_parameters():
    bp = full_support_bot("smart", 0.01)
    with pytest.raises(ValueError, match="eta"):
        HanabiMDSearch(bp, eta=0.0)
    with pytest.raises(ValueError, match="act_mode"):
        HanabiMDSearch(bp, eta=1.0, act_mode="best")
    with pytest.raises(ValueError, match="searchers"):
        HanabiMDSearch(bp, eta=1.0, searchers=[9])
    with pytest.raises(ValueError, match="threshold"):
        SpartaSearch(HanabiBotAgent("smart"), threshold=-0.1)
    with pytest.raises(ValueError, match="rollouts"):
        JointSpartaSearch(HanabiBotAgent("smart"), rollouts=0)
    with pytest.raises(ValueError, match="seconds"):
        JointSpartaSearch(HanabiBotAgent("smart"), seconds=1.0)
    with pytest.raises(SpecError, match="unknown agent 'mctx'"):
        build_agent("mctx", "hanabi(players=2)", 0)
    with pytest.raises(SpecError, match="agent 'md' has no parameter 'foo'"):
        build_agent("md(eta=1,foo=2)", "hanabi(players=2)", 0)
    with pytest.raises(SpecError, match="expected '='"):
        parse_spec("md(eta)")
    with pytest.raises(ValueError, match="2 players"):
        JointSpartaSearch(HanabiBotAgent("smart"), rollouts=10).act(advance(3, 0, 0))


# ---- MD search ---------------------------------------------------------------------------

def test_md_policy_is_the_mirror_descent_update_of_the_blueprint():
    state = advance(2, 3, 21)
    agent = HanabiMDSearch(full_support_bot("smart", 0.02), eta=3.0, rollouts=400, seed=1,
                           **SMALL_BELIEF)
    res = agent.search.decide(state)
    legal = state.legal_actions()
    bot = HanabiBotAgent("smart").act(state)
    p = np.array([0.98 * (a == bot) + 0.02 / len(legal) for a in res.actions])
    assert np.allclose(res.blueprint_policy, p)
    want = np.exp(np.log(p) + 3.0 * res.q - np.max(np.log(p) + 3.0 * res.q))
    assert np.allclose(res.policy, want / want.sum())
    assert 0 < agent.values.last_rollouts <= 400
    # q is a mean of game scores
    assert np.all((res.q >= 0) & (res.q <= 25))


def test_md_with_tiny_eta_plays_the_blueprint_game():
    agent = HanabiMDSearch(full_support_bot("smart", 0.01), eta=1e-6, rollouts=20, seed=0,
                           **SMALL_BELIEF)
    state = play(agent, 2, 42)
    assert state.history() == blueprint_history(2, 42)
    assert sum(r.searched for r in agent.decisions) > 30
    assert not any(r.deviated for r in agent.decisions)


@pytest.mark.parametrize("players", [3, 4])
def test_md_search_plays_3_and_4_player_games(players):
    agent = HanabiMDSearch(full_support_bot("smart", 0.01), eta=2.0, rollouts=30, seed=2,
                           **SMALL_BELIEF)
    state = play(agent, players, 7)
    assert state.is_terminal()
    seats = {r.player for r in agent.decisions if r.searched}
    assert seats == set(range(players))
    assert all(r.rollouts <= 30 for r in agent.decisions)


def test_md_time_budget_and_searcher_subset():
    state = advance(2, 5, 30)
    agent = HanabiMDSearch(full_support_bot("smart", 0.01), eta=2.0, rollouts=None,
                           seconds=0.05, searchers=[state.current_player()], seed=0,
                           **SMALL_BELIEF)
    agent.act(state)
    rec = agent.decisions[-1]
    assert rec.searched and rec.rollouts > 0 and rec.seconds < 1.0
    other = advance(2, 5, 31)
    agent.act(other)
    assert not agent.decisions[-1].searched


def test_first_seat_searchers_fix_the_seat_of_the_first_decision():
    first = advance(2, 5, 31)                       # player 1 to move
    assert first.current_player() == 1
    for agent in (HanabiMDSearch(full_support_bot("smart", 0.01), eta=2.0, rollouts=40,
                                 searchers="first", seed=0, **SMALL_BELIEF),
                  SpartaSearch(HanabiBotAgent("smart"), rollouts=40, searchers="first", seed=0)):
        assert "first" in repr(agent)
        agent.act(first)
        assert agent.searchers == frozenset({1}) and agent.decisions[-1].searched
        agent.act(advance(2, 5, 30))                # player 0 to move: plays the blueprint
        assert not agent.decisions[-1].searched
    with pytest.raises(ValueError, match="searchers"):
        SpartaSearch(HanabiBotAgent("smart"), rollouts=40, searchers="last")


def test_rollout_values_are_reproducible_with_common_random_numbers():
    state = advance(2, 8, 25)
    agent = HanabiMDSearch(full_support_bot("smart", 0.01), eta=1.0, rollouts=300, seed=0,
                           **SMALL_BELIEF)
    post = agent.beliefs.posterior(state, state.current_player(), np.random.default_rng(0))
    values = HanabiRolloutValues(0.0, rollouts=300)
    sub = post.subset(np.arange(10), np.full(10, 0.1))
    acts = state.legal_actions()
    q1 = values.action_values(sub.states, sub.weights, acts, state.current_player(),
                              np.random.default_rng(5))
    q2 = values.action_values(sub.states, sub.weights, acts, state.current_player(),
                              np.random.default_rng(5))
    assert np.array_equal(q1, q2)
    assert values.last_rollouts == (300 // len(acts)) * len(acts)
    # the values read the posterior's hands and trace; a list of copied states is refused
    with pytest.raises(TypeError, match="HanabiPosterior"):
        values.action_values(post.states[:10], sub.weights, acts, state.current_player(),
                             np.random.default_rng(5))


# ---- SPARTA ------------------------------------------------------------------------------

def test_sparta_with_a_huge_threshold_never_deviates():
    agent = SpartaSearch(HanabiBotAgent("smart"), rollouts=120, threshold=100.0, batch=4, seed=0,
                         **SMALL_BELIEF)
    state = play(agent, 2, 42)
    assert state.history() == blueprint_history(2, 42)
    assert sum(r.searched for r in agent.decisions) > 20


def test_sparta_budget_pruning_and_determinism():
    state = advance(2, 9, 28)
    beliefs_agent = SpartaSearch(HanabiBotAgent("smart"), rollouts=100, seed=0, **SMALL_BELIEF)
    post = beliefs_agent.beliefs.posterior(state, state.current_player(),
                                           np.random.default_rng(0))
    seats = post.trace.seats()
    bp = HanabiBotAgent("smart").act(state)
    kw = dict(rollouts=1500, seconds=None, threshold=0.05, batch=8, prune=True, prune_z=2.5,
              rollout_epsilon=0.0, seed=3)
    a = sparta_decision(state, seats, state.current_player(), bp, post.hands, post.weights, **kw)
    b = sparta_decision(state, seats, state.current_player(), bp, post.hands, post.weights, **kw)
    assert a.move == b.move and a.rollouts == b.rollouts
    assert a.rollouts <= 1500
    assert a.moves[0] == bp and a.alive[0]
    assert a.alive.sum() < len(a.moves)            # obviously bad moves (blind plays) pruned
    c = sparta_decision(state, seats, state.current_player(), bp, post.hands, post.weights,
                        **{**kw, "prune": False})
    assert c.alive.all() and c.rollouts <= 1500


@pytest.mark.parametrize("players", [3, 4])
def test_sparta_plays_3_and_4_player_games(players):
    agent = SpartaSearch(HanabiBotAgent("smart"), rollouts=80, batch=4, seed=1, **SMALL_BELIEF)
    state = play(agent, players, 11)
    assert state.is_terminal()
    assert {r.player for r in agent.decisions if r.searched} == {0}


# ---- joint SPARTA ------------------------------------------------------------------------

def test_joint_sparta_ranges_always_contain_the_true_hand():
    agent = JointSpartaSearch(HanabiBotAgent("smart"), rollouts=48, batch=4, max_range=12,
                              max_exact=3000, seed=0)
    state = HanabiGame(players=2).new_initial_state(seed=3)
    hands_at = {}
    while not state.is_terminal():
        hands_at[state.move_number()] = state.hand(state.current_player())
        state.apply_action(agent.act(state))
    frames = agent._game.frames
    assert len(frames) >= 5
    for f in frames:
        true = np.array(hands_at[f.t], dtype=np.int8)
        assert (f.hands == true).all(axis=1).any(), f.t
    recs = agent.decisions
    assert any(r.fallback for r in recs) and any(r.searched for r in recs)
    assert agent.replications > 0


def test_md_sample_mode_and_action_probabilities():
    state = advance(2, 4, 16)
    agent = HanabiMDSearch(full_support_bot("smart", 0.05), eta=0.5, rollouts=60,
                           act_mode="sample", seed=3, **SMALL_BELIEF)
    probs = agent.action_probabilities(state)
    assert set(probs) == set(state.legal_actions())
    assert abs(sum(probs.values()) - 1.0) < 1e-9 and min(probs.values()) > 0
    moves = {agent.act(state) for _ in range(3)}
    assert moves <= set(state.legal_actions())


def test_joint_sparta_objects_per_seat_share_the_public_record():
    kw = dict(rollouts=32, batch=4, max_range=8, max_exact=2000, seed=0)
    one = JointSpartaSearch(HanabiBotAgent("smart"), **kw)
    reference = play(one, 2, 6).history()
    seats = [JointSpartaSearch(HanabiBotAgent("smart"), **kw),
             JointSpartaSearch(HanabiBotAgent("smart"), **kw)]
    state = HanabiGame(players=2).new_initial_state(seed=6)
    while not state.is_terminal():
        state.apply_action(seats[state.current_player()].act(state))
    assert state.history() == reference
