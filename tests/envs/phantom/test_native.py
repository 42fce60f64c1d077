"""Native Phantom Tic-Tac-Toe / Dark Hex against OpenSpiel and the Python search path.

- rules: at every step of thousands of random games, legal actions, player, terminal flag and
  returns equal OpenSpiel's; information-state keys partition states exactly as
  ``information_state_string`` does (on all visited states and on consistent histories);
- posterior: the same histories, order, weights and node count as
  ``uedtp.search.update_equivalent.history_sampler.enumerate_histories`` with ``UniformAgent``; importance sampling
  converges to it;
- values: native exact values equal ``ExactActionValues``; native and Python rollouts agree with
  them within Monte Carlo error; results do not depend on the thread count;
- search: the fast path in ``build_search`` samples the same histories from the same generator
  as the Python path, and its q averages to the exact posterior q.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyspiel
import pytest

from uedtp.agents.uniform import UniformAgent
from uedtp.csrc.phantom_games import exact_values, rollout_values
from uedtp.envs.phantom import native as pn
from uedtp.search.update_equivalent import phantom as ps
from uedtp.search.update_equivalent.history_sampler import (EnumerationLimitExceeded, HistorySampler,
                                  enumerate_histories)
from uedtp.envs.openspiel_games import load_game
from uedtp.search.update_equivalent.action_values import ExactActionValues, RolloutActionValues
from uedtp.search.update_equivalent.local_updates import MagneticMirrorDescent
from uedtp.search.update_equivalent.mmd import mmd_search
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch

MAIN_GAMES = ["phantom_ttt", "phantom_ttt(gameversion=abrupt)",
              "dark_hex(board_size=3,gameversion=adh)", "dark_hex(board_size=3)",
              "dark_hex(board_size=2,gameversion=adh)"]
EXTRA_GAMES = ["phantom_ttt(obstype=reveal-numturns)",
               "dark_hex(gameversion=adh,num_cols=3,num_rows=2)",
               "dark_hex(board_size=3,gameversion=adh,obstype=reveal-numturns)"]
SEARCH_GAMES = MAIN_GAMES[:4]


def _random_state(game: pyspiel.Game, depth: int, rng: np.random.Generator) -> pyspiel.State:
    """A non-terminal state after ``depth`` uniformly random moves (retrying on early ends;
    shallower if the game rarely lasts that long)."""
    attempts = 0
    while True:
        state = game.new_initial_state()
        while not state.is_terminal() and len(state.history()) < depth:
            state.apply_action(int(rng.choice(state.legal_actions())))
        if not state.is_terminal():
            return state
        attempts += 1
        if attempts % 20 == 0:
            depth -= 1


def _check_partition(pairs: list[tuple[int, str]]) -> int:
    """Keys and strings determine each other on the sample; returns the number of classes."""
    by_key: dict[int, str] = {}
    by_string: dict[str, int] = {}
    for key, string in pairs:
        assert by_key.setdefault(key, string) == string, f"key {key:#x}: {string!r}"
        assert by_string.setdefault(string, key) == key, f"string {string!r}: two keys"
    return len(by_key)


@pytest.mark.parametrize("game_string,num_games",
                         [(g, 2000) for g in MAIN_GAMES] + [(g, 500) for g in EXTRA_GAMES])
def test_rules_and_keys_match_openspiel(game_string: str, num_games: int) -> None:
    game = load_game(game_string)
    spec = pn.game_spec(game)
    rng = np.random.default_rng(11)
    pairs: list[tuple[int, str]] = []
    outcomes = set()
    for _ in range(num_games):
        state, native = game.new_initial_state(), spec.new_initial_state()
        while True:
            assert native.is_terminal() == state.is_terminal()
            assert native.current_player() == state.current_player()
            assert native.legal_actions() == state.legal_actions()
            assert native.returns() == state.returns()
            for player in (0, 1):
                pairs.append((native.information_state_key(player),
                              state.information_state_string(player)))
            if state.is_terminal():
                outcomes.add(tuple(state.returns()))
                break
            action = int(rng.choice(state.legal_actions()))
            state.apply_action(action)
            native.apply_action(action)
        assert native.history() == state.history()
    classes = _check_partition(pairs)
    assert classes > num_games / 10          # the sample really contains many distinct states
    assert {(1.0, -1.0), (-1.0, 1.0)} <= outcomes


def _mid_game_states(game: pyspiel.Game, count: int, seed: int,
                     depths: tuple[int, int] = (1, 9)) -> list[pyspiel.State]:
    rng = np.random.default_rng(seed)
    return [_random_state(game, int(rng.integers(*depths)), rng) for _ in range(count)]


@pytest.mark.parametrize("game_string", MAIN_GAMES + EXTRA_GAMES[:2])
def test_enumeration_matches_python(game_string: str) -> None:
    game = load_game(game_string)
    blueprint = UniformAgent(0)
    compared = 0
    pairs: list[tuple[int, str]] = []
    for state in _mid_game_states(game, 30, seed=5):
        player = state.current_player()
        try:
            expected = enumerate_histories(state, player, blueprint, max_nodes=20_000)
        except EnumerationLimitExceeded:
            with pytest.raises(EnumerationLimitExceeded):
                ps.enumerate_histories(state, player, max_nodes=20_000)
            continue
        got = ps.enumerate_histories(state, player, max_nodes=20_000)
        assert got.exact and got.nodes_visited == expected.nodes_visited
        assert [h.history() for h in got.states] == [h.history() for h in expected.states]
        np.testing.assert_array_equal(got.weights, expected.weights)
        # every consistent history shares the player's information state, in both encodings
        target = state.information_state_string(player)
        key = pn.from_pyspiel(state).information_state_key(player)
        for native in got.states[:200]:
            assert native.information_state_key(player) == key
            assert pn.to_pyspiel(native, game).information_state_string(player) == target
            pairs.append((native.information_state_key(1 - player),
                          pn.to_pyspiel(native, game).information_state_string(1 - player)))
        pairs.append((key, target))
        compared += 1
    assert compared >= 20
    _check_partition(pairs)


def test_enumeration_limit_and_fallback_to_sampling() -> None:
    game = load_game("phantom_ttt")
    state = _random_state(game, 4, np.random.default_rng(2))
    player = state.current_player()
    with pytest.raises(EnumerationLimitExceeded):
        enumerate_histories(state, player, UniformAgent(), max_nodes=20)
    with pytest.raises(EnumerationLimitExceeded):
        ps.enumerate_histories(state, player, max_nodes=20)
    post = ps.NativeUniformBeliefs(max_nodes=20, num_particles=50).posterior(
        state, player, np.random.default_rng(0))
    assert not post.exact and post.support_size == 50
    assert abs(post.weights.sum() - 1.0) < 1e-12


@pytest.mark.parametrize("game_string", ["phantom_ttt", "dark_hex(board_size=3)"])
def test_importance_sampling_converges_to_exact_posterior(game_string: str) -> None:
    game = load_game(game_string)
    rng = np.random.default_rng(4)
    state = next(s for s in (_random_state(game, 5, rng) for _ in range(100))
                 if 20 <= ps.enumerate_histories(s, s.current_player()).support_size <= 400)
    player = state.current_player()
    exact = ps.enumerate_histories(state, player)
    truth = {tuple(h.history()): w for h, w in zip(exact.states, exact.weights)}
    sampled = ps.sample_histories(state, player, 40_000, np.random.default_rng(1))
    assert not sampled.exact
    key = pn.from_pyspiel(state).information_state_key(player)
    estimate: dict[tuple[int, ...], float] = {}
    for h, w in zip(sampled.states, sampled.weights):
        assert h.information_state_key(player) == key
        estimate[tuple(h.history())] = estimate.get(tuple(h.history()), 0.0) + w
    assert set(estimate) <= set(truth)
    tv = 0.5 * sum(abs(estimate.get(h, 0.0) - w) for h, w in truth.items())
    assert tv < 0.05, tv


@pytest.mark.parametrize("game_string", MAIN_GAMES)
def test_native_exact_values_equal_python(game_string: str) -> None:
    game = load_game(game_string)
    depth = 1 if "board_size=2" in game_string else 7
    for state in _mid_game_states(game, 3, seed=8, depths=(depth, depth + 2)):
        actions, player = state.legal_actions(), state.current_player()
        expected = ExactActionValues(UniformAgent()).action_values(
            [state], np.ones(1), actions, player)
        got = exact_values([pn.from_pyspiel(state)], actions, player)[0]
        np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("game_string", MAIN_GAMES)
def test_rollouts_agree_with_exact_and_python(game_string: str) -> None:
    game = load_game(game_string)
    state = _mid_game_states(game, 1, seed=9, depths=(4, 5))[0]
    actions, player = state.legal_actions(), state.current_player()
    exact = exact_values([pn.from_pyspiel(state)], actions, player)[0]
    n_native, n_python = 40_000, 1_500
    native = ps.NativeRolloutActionValues(rollouts=n_native).action_values(
        [state], np.ones(1), actions, player, np.random.default_rng(0))
    python = RolloutActionValues(UniformAgent(), rollouts=n_python).action_values(
        [state], np.ones(1), actions, player, np.random.default_rng(0))
    # returns lie in [-1, 1], so each estimate's standard error is at most 1/sqrt(n)
    assert np.max(np.abs(native - exact)) < 5 / np.sqrt(n_native)
    assert np.max(np.abs(python - exact)) < 5 / np.sqrt(n_python)
    assert np.max(np.abs(native - python)) < 5 * np.sqrt(1 / n_native + 1 / n_python)


def test_rollouts_deterministic_and_common_random_numbers() -> None:
    game = load_game("dark_hex(board_size=3,gameversion=adh)")
    states = [pn.from_pyspiel(s) for s in _mid_game_states(game, 6, seed=3, depths=(2, 3))]
    states = [s for s in states if s.current_player() == states[0].current_player()]
    player = states[0].current_player()
    actions = sorted(set.intersection(*(set(s.legal_actions()) for s in states)))[:4]
    seeds = np.random.default_rng(0).integers(0, 2**63 - 1, size=(len(states), 512))
    seeds = seeds.astype(np.uint64)       # 6 x 4 x 512 rollouts: enough to use the thread team
    one = rollout_values(states, actions, player, seeds, True, 1)
    two = rollout_values(states, actions, player, seeds, True, 2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, rollout_values(states, actions, player, seeds, True, 1))
    np.testing.assert_array_equal(rollout_values(states, actions, player, seeds, False, 1),
                                  rollout_values(states, actions, player, seeds, False, 2))
    # common random numbers: an action's rollouts use the same streams whatever its position
    alone = rollout_values(states, actions[-1:], player, seeds, True, 1)
    np.testing.assert_array_equal(alone[:, 0], one[:, -1])
    alone_indep = rollout_values(states, actions[-1:], player, seeds, False, 1)
    assert not np.array_equal(alone_indep[:, 0],
                              rollout_values(states, actions, player, seeds, False, 1)[:, -1])
    other = rollout_values(states, actions, player, seeds + np.uint64(1), True, 1)
    assert not np.array_equal(one, other)


class _Recorder:
    """ActionValues wrapper that records the histories it is asked about."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[list[list[int]]] = []

    def action_values(self, states, weights, actions, player, rng):  # noqa: ANN001
        self.calls.append([list(s.history()) for s in states])
        return self.inner.action_values(states, weights, actions, player, rng)


def _searches(game_string: str, seed: int) -> tuple[UpdateEquivalentSearch, UpdateEquivalentSearch]:
    update = MagneticMirrorDescent(50.0, 0.01)
    python = UpdateEquivalentSearch(
        UniformAgent(seed), update, HistorySampler(UniformAgent(seed), max_nodes=20_000),
        _Recorder(RolloutActionValues(UniformAgent(seed), 1, True)), num_histories=10, seed=seed)
    native = UpdateEquivalentSearch(
        UniformAgent(seed), update, ps.NativeUniformBeliefs(max_nodes=20_000),
        _Recorder(ps.NativeRolloutActionValues(1, True)), num_histories=10, seed=seed)
    return python, native


@pytest.mark.parametrize("game_string", SEARCH_GAMES)
def test_search_fast_path_samples_the_same_histories(game_string: str) -> None:
    game = load_game(game_string)
    for k, state in enumerate(_mid_game_states(game, 2, seed=21, depths=(3, 7))):
        python, native = _searches(game_string, seed=k)
        for _ in range(3):
            a_py = python.act(state)
            a_nat = native.act(state)
            assert a_py in state.legal_actions() and a_nat in state.legal_actions()
            assert python.last_result.support_size == native.last_result.support_size
            assert python.last_result.exact_beliefs and native.last_result.exact_beliefs
        assert python.values.calls == native.values.calls
        assert python.rng.bit_generator.state == native.rng.bit_generator.state


@pytest.mark.parametrize("game_string", SEARCH_GAMES)
def test_search_fast_path_q_is_unbiased_for_exact_q(game_string: str) -> None:
    game = load_game(game_string)
    state = _mid_game_states(game, 1, seed=31, depths=(6, 7))[0]
    player, actions = state.current_player(), state.legal_actions()
    post = ps.enumerate_histories(state, player)
    exact_q = post.weights @ exact_values(list(post.states), actions, player)
    results = {}
    for name, count in (("native", 600), ("python", 60)):
        search = mmd_search(game, 50.0, 0.01, num_histories=10, rollouts=1, seed=3)
        if name == "python":     # the reference path: same wiring without the native classes
            search.beliefs = HistorySampler(UniformAgent(3), max_nodes=20_000)
            search.values = RolloutActionValues(UniformAgent(3), 1, True)
        qs = np.array([search.decide(state).q for _ in range(count)])
        assert search.last_result.actions == actions
        results[name] = (qs.mean(axis=0), qs.std(axis=0, ddof=1) / np.sqrt(count))
    for mean, se in results.values():
        assert np.all(np.abs(mean - exact_q) < 5 * se + 1e-9), (mean, exact_q, se)
    # and the native path's policy follows from the same update on the same q scale
    res = mmd_search(game, 50.0, 0.01, seed=3).decide(state)
    np.testing.assert_allclose(res.policy, MagneticMirrorDescent(50.0, 0.01).apply(
        res.blueprint_policy, res.q))


@pytest.mark.parametrize("game_string", ["dark_hex(board_size=2,gameversion=adh)",
                                         "dark_hex(gameversion=adh,num_cols=3,num_rows=2)",
                                         "phantom_ttt"])
def test_native_exact_q_equals_python_exact_mode(game_string: str) -> None:
    """Exact-enumeration q: native posterior x native exact values == the Python exact mode."""
    game = load_game(game_string)
    depth = 12 if game_string == "phantom_ttt" else 2      # Python exact mode is slow earlier
    for state in _mid_game_states(game, 3, seed=41, depths=(depth, depth + 2)):
        player, actions = state.current_player(), state.legal_actions()
        reference = mmd_search(game, 50.0, 0.01, exact=True, max_nodes=10**6).decide(state)
        post = ps.enumerate_histories(state, player)
        q = post.weights @ exact_values(list(post.states), actions, player)
        assert reference.actions == actions
        np.testing.assert_allclose(q, reference.q, atol=1e-12)
        np.testing.assert_allclose(MagneticMirrorDescent(50.0, 0.01).apply(
            reference.blueprint_policy, q), reference.policy, atol=1e-9)


def test_build_search_selects_native_path_only_when_valid() -> None:
    fast = mmd_search("phantom_ttt", seed=0)
    assert isinstance(fast.beliefs, ps.NativeUniformBeliefs)
    assert isinstance(fast.values, ps.NativeRolloutActionValues)
    assert fast.beliefs.max_nodes == 20_000 and fast.beliefs.num_particles == 100
    custom = mmd_search("dark_hex(board_size=3,gameversion=adh)", rollouts=3,
                        common_random_numbers=False, max_nodes=500, num_particles=7)
    assert isinstance(custom.values, ps.NativeRolloutActionValues)
    assert custom.values.rollouts == 3 and not custom.values.common_random_numbers
    assert custom.beliefs.max_nodes == 500 and custom.beliefs.num_particles == 7

    class NotUniform(UniformAgent):         # overrides the policy: no longer declared uniform
        def action_probabilities(self, state):
            return super().action_probabilities(state)

    class Undeclared:                       # uniform, but does not say so (no UniformBlueprint)
        def action_probabilities(self, state):
            return UniformAgent().action_probabilities(state)

    for blueprint in (NotUniform(), Undeclared()):
        assert isinstance(mmd_search("phantom_ttt", blueprint=blueprint).beliefs, HistorySampler)
    assert isinstance(mmd_search("phantom_ttt", blueprint=UniformAgent(5)).beliefs,
                      ps.NativeUniformBeliefs)
    exact = mmd_search("dark_hex(board_size=2,gameversion=adh)", exact=True)
    assert isinstance(exact.values, ExactActionValues)
    assert isinstance(mmd_search("kuhn_poker").beliefs, HistorySampler)


def test_conversions_round_trip() -> None:
    for game_string in MAIN_GAMES:
        game = load_game(game_string)
        for state in _mid_game_states(game, 5, seed=1):
            native = pn.from_pyspiel(state)
            back = pn.to_pyspiel(native)
            assert back.history() == state.history()
            assert str(back.get_game()) == str(game)
    state = _mid_game_states(load_game("phantom_ttt"), 1, 3, (3, 4))[0]
    post = ps.enumerate_histories(state, state.current_player())
    batch = post.states
    assert batch[-1].history() == batch[len(batch) - 1].history()
    assert [h.history() for h in batch[:2]] == [batch[0].history(), batch[1].history()]
    with pytest.raises(IndexError):
        batch[len(batch)]


def test_supports() -> None:
    for game_string in MAIN_GAMES + EXTRA_GAMES:
        assert pn.supports(game_string)
    for game_string in ["kuhn_poker", "tic_tac_toe", "phantom_ttt_ir", "dark_hex_ir",
                        "dark_hex(board_size=5)", "no_such_game"]:
        assert not pn.supports(game_string)


def test_bad_input_is_rejected_and_leaves_state_unchanged() -> None:
    with pytest.raises(ValueError, match="no native implementation"):
        pn.game_spec("kuhn_poker")
    with pytest.raises(ValueError, match="not supported"):
        pn.game_spec("dark_hex(board_size=5)")
    with pytest.raises(ValueError, match="board"):
        pn.GameSpec("chess", 3, 3, False, False)
    with pytest.raises(ValueError, match="3x3"):
        pn.GameSpec("tictactoe", 4, 4, False, False)
    spec = pn.game_spec("phantom_ttt")
    state = spec.from_history([4, 4])            # player 1 bumped into x at 4, moves again
    before = (state.history(), state.legal_actions(), state.information_state_key(1))
    with pytest.raises(ValueError, match="illegal action 4"):
        state.apply_action(4)
    with pytest.raises(ValueError, match="out of range"):
        state.apply_action(9)
    with pytest.raises(TypeError, match="int"):
        state.apply_action(1.5)
    assert (state.history(), state.legal_actions(), state.information_state_key(1)) == before
    with pytest.raises(ValueError, match="move 2"):
        spec.from_history([0, 1, 0])
    with pytest.raises(ValueError, match="player must be 0 or 1"):
        state.information_state_key(2)
    finished = spec.from_history([0, 3, 1, 4, 2])
    assert finished.is_terminal() and finished.returns() == [1.0, -1.0]
    with pytest.raises(ValueError, match="terminal"):
        finished.apply_action(5)
    with pytest.raises(ValueError, match="terminal"):
        ps.enumerate_histories(finished, 0)
    with pytest.raises(ValueError, match="not to move"):
        ps.enumerate_histories(state, 0)
    with pytest.raises(ValueError, match="max_nodes"):
        ps.enumerate_histories(state, 1, max_nodes=0)
    with pytest.raises(ValueError, match="num_particles"):
        ps.sample_histories(state, 1, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="positive"):
        ps.NativeUniformBeliefs(max_nodes=0)
    with pytest.raises(ValueError, match="rollouts"):
        ps.NativeRolloutActionValues(rollouts=0)
    with pytest.raises(ValueError, match="num_threads"):
        ps.NativeRolloutActionValues(num_threads=0)
    values = ps.NativeRolloutActionValues()
    with pytest.raises(ValueError, match="not legal"):
        values.action_values([state], np.ones(1), [4], 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="not to move"):
        values.action_values([state], np.ones(1), [0], 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="weights"):
        values.action_values([state], np.ones(2), [0], 1, np.random.default_rng(0))
    other = pn.game_spec("phantom_ttt(gameversion=abrupt)").from_history([4])
    with pytest.raises(ValueError, match="same game"):
        rollout_values([state, other], [0], 1, np.zeros((2, 1), dtype=np.uint64))
    with pytest.raises(ValueError, match="one row per history"):
        rollout_values([state], [0], 1, np.zeros((2, 1), dtype=np.uint64))
    with pytest.raises(TypeError):
        pn.from_pyspiel(state)
    with pytest.raises(ValueError, match="belongs to"):
        pn.to_pyspiel(state, load_game("phantom_ttt(gameversion=abrupt)"))


# ---------------------------------------------------------------------------------------------
# Batch kernels (uedtp.envs.phantom.batch.PhantomBatch): the same rules as NativeState
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("game_string", MAIN_GAMES + ["dark_hex(num_rows=4,num_cols=4)"])
def test_batch_kernels_play_like_native_states(game_string: str) -> None:
    from uedtp.envs.phantom.batch import PhantomBatch
    spec = pn.game_spec(game_string)
    rng = np.random.default_rng(5)
    n = 150
    batch = PhantomBatch(game_string, n)
    states = [spec.new_initial_state() for _ in range(n)]
    while len(batch.live_rows()):
        masks = batch.legal_mask()
        for r, s in enumerate(states):
            assert list(np.flatnonzero(masks[r])) == s.legal_actions()
            assert bool(batch.done[r]) == s.is_terminal()
            if not s.is_terminal():
                assert batch.current[r] == s.current_player()
        live = batch.live_rows()
        rows = live[rng.random(len(live)) < 0.8]
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in masks[rows]], dtype=np.int64)
        batch.apply(rows, acts)
        for r, a in zip(rows, acts):
            states[r].apply_action(int(a))
    assert all(s.is_terminal() for s in states)
    np.testing.assert_array_equal(batch.returns(), [s.returns() for s in states])
    assert batch.histories() == [s.history() for s in states]
    # every player's try sequence and view agree with the native state's information state
    replay = [spec.from_history(h) for h in batch.histories()]
    assert [s.information_state_key(p) for s in replay for p in (0, 1)] == \
        [s.information_state_key(p) for s in states for p in (0, 1)]


def test_batch_kernels_reject_mismatched_arrays() -> None:
    from uedtp.csrc.phantom_games import batch_apply, batch_information_state_tensor, batch_tensor_size
    from uedtp.envs.phantom.batch import PhantomBatch
    game = pn.game_spec("dark_hex(board_size=3,gameversion=adh)")
    assert batch_tensor_size(game) == int(np.prod(
        load_game("dark_hex(board_size=3,gameversion=adh)").information_state_tensor_shape()))
    ttt = PhantomBatch("phantom_ttt", 2)                # 3x3 tic-tac-toe arrays, hex game spec
    short = PhantomBatch("dark_hex(num_rows=2,num_cols=3,gameversion=adh)", 2)
    one = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="do not match"):
        batch_apply(game, short.board, short.stones, short.view, short.seq, short.seq_len,
                    short.current, short.done.view(np.uint8), short.winner, short.hist,
                    short.hist_len, one, one)
    with pytest.raises(ValueError, match="do not match"):
        batch_information_state_tensor(game, short.view, short.seq, one, one)
    before = ttt.hist.copy()
    with pytest.raises(ValueError, match="1 rows but 2 actions"):
        batch_apply(pn.game_spec("phantom_ttt"), ttt.board, ttt.stones, ttt.view, ttt.seq,
                    ttt.seq_len, ttt.current, ttt.done.view(np.uint8), ttt.winner, ttt.hist,
                    ttt.hist_len, one, np.zeros(2, dtype=np.int64))
    np.testing.assert_array_equal(ttt.hist, before)
    ttt.view[0, 0, 0] = 7                               # corrupt view: no out-of-range write
    with pytest.raises(ValueError, match="corrupt view"):
        ttt.information_state_tensor([0], [0])
