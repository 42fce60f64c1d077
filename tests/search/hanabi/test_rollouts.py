"""Tests of the native bot-blueprint rollout kernel (uedtp.csrc.hanabi_rollout)."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_rollout import RolloutRng, rollout_action_values, rollout_scores
from uedtp.envs.hanabi.game import HanabiGame


def _advance(players: int, bot: str, seed: int, moves: int):
    """A mid-game state after `moves` bot moves, with its synchronised bot tables."""
    state = HanabiGame(players=players).new_initial_state(seed=seed)
    seats = BotSeats(bot, state)
    for _ in range(moves):
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    return state, seats


def _python_rollout(state, seats, seed, i, first_move=None, hand=None, hand_player=None,
                    reshuffle=True, epsilon=0.0, scoring="hle"):
    """Reference: the kernel's rollout i written as a Python loop over the Python API."""
    rng = RolloutRng(seed, i)
    work = state.clone()
    bots = seats.copy()
    if hand is not None:
        rng.set_hand(work, hand_player, hand)
    elif reshuffle:
        rng.shuffle_undrawn(work)
    if first_move is not None:
        bots.observe(work, first_move)
        work.apply_action(first_move)
    while not work.is_terminal():
        uid = bots.decide(work)
        if epsilon > 0 and rng.uniform() < epsilon:
            legal = work.legal_actions()
            uid = legal[rng.below(len(legal))]
        bots.observe(work, uid)
        work.apply_action(uid)
    return work.fireworks_total() if scoring == "points" else work.score()


def _sample_hands(state, player, n, seed):
    rng = np.random.default_rng(seed)
    counts = state.unseen_counts(player)
    pool = np.array([c for c in range(25) for _ in range(int(counts[c]))])
    size = len(state.hand(player))
    return np.stack([rng.choice(pool, size=size, replace=False) for _ in range(n)])


@pytest.mark.parametrize("bot,players", [("smart", 2), ("holmes", 3), ("simple", 4)])
def test_kernel_matches_python_loop_rollout_by_rollout(bot, players):
    state, seats = _advance(players, bot, seed=players, moves=12)
    n = 40
    hands = _sample_hands(state, state.current_player(), n, seed=1)
    first = state.legal_actions()[-1]
    kernel = rollout_scores(state, seats, n, seed=99, first_move=first, hands=hands,
                            epsilon=0.05, scoring="points", num_threads=2)
    ref = [_python_rollout(state, seats, 99, i, first_move=first, hand=hands[i],
                           hand_player=state.current_player(), epsilon=0.05, scoring="points")
           for i in range(n)]
    assert kernel.tolist() == ref
    assert kernel.mean() == pytest.approx(np.mean(ref))
    assert len(set(ref)) > 1          # the sampled hands/epsilon moves do vary the outcome


def test_deterministic_whatever_the_thread_count():
    state, seats = _advance(3, "smart", seed=5, moves=9)
    a = rollout_scores(state, seats, 600, seed=7, epsilon=0.1, num_threads=1)
    b = rollout_scores(state, seats, 600, seed=7, epsilon=0.1, num_threads=2)
    c = rollout_scores(state, seats, 600, seed=7, epsilon=0.1, num_threads=2)
    d = rollout_scores(state, seats, 600, seed=8, epsilon=0.1, num_threads=2)
    assert np.array_equal(a, b) and np.array_equal(b, c)
    assert not np.array_equal(a, d)
    assert a.dtype == np.int32 and a.min() >= 0 and a.max() <= 25


def test_without_randomness_rollouts_continue_the_real_game():
    state, seats = _advance(2, "smart", seed=13, moves=10)
    scores = rollout_scores(state, seats, 8, seed=0, reshuffle=False, epsilon=0.0)
    work, bots = state.clone(), seats.copy()
    while not work.is_terminal():
        uid = bots.decide(work)
        bots.observe(work, uid)
        work.apply_action(uid)
    assert scores.tolist() == [work.score()] * 8


def test_action_values_use_common_random_numbers():
    state, seats = _advance(2, "smart", seed=17, moves=6)
    moves = state.legal_actions()
    hands = _sample_hands(state, state.current_player(), 50, seed=3)
    values = rollout_action_values(state, seats, moves, 50, seed=4, hands=hands)
    assert values.shape == (len(moves), 50)
    for m, uid in enumerate(moves[:4]):
        single = rollout_scores(state, seats, 50, seed=4, first_move=uid, hands=hands)
        assert np.array_equal(values[m], single)
    # a shared hand equal for every rollout is accepted too
    shared = rollout_action_values(state, seats, moves[:2], 10, seed=4, hands=hands[0])
    assert shared.shape == (2, 10)


def test_epsilon_one_is_much_worse_than_the_bot():
    state, seats = _advance(2, "smart", seed=2, moves=4)
    bot = rollout_scores(state, seats, 300, seed=1, scoring="points")
    rnd = rollout_scores(state, seats, 300, seed=1, epsilon=1.0, scoring="points")
    assert bot.mean() > rnd.mean() + 8


def test_bad_input_is_rejected():
    state, seats = _advance(2, "smart", seed=3, moves=2)
    with pytest.raises(ValueError, match="rollouts"):
        rollout_scores(state, seats, 0)
    with pytest.raises(ValueError, match="epsilon"):
        rollout_scores(state, seats, 5, epsilon=1.5)
    with pytest.raises(ValueError, match="scoring"):
        rollout_scores(state, seats, 5, scoring="best")
    with pytest.raises(ValueError, match="not legal"):
        rollout_scores(state, seats, 5, first_move=999)
    with pytest.raises(ValueError, match="shape"):
        rollout_scores(state, seats, 5, hands=[[0, 1]])
    me = state.current_player()
    visible = state.hand(1 - me)
    bad = [visible[0]] * len(state.hand(me))       # copies the player can see elsewhere
    with pytest.raises(ValueError, match="cannot hold"):
        rollout_scores(state, seats, 5, hands=bad)
    with pytest.raises(ValueError, match="hand_player"):
        rollout_scores(state, seats, 5, hand_player=0)
    with pytest.raises(ValueError, match="moves must not be empty"):
        rollout_action_values(state, seats, [], 5)
    with pytest.raises(TypeError, match="seed"):
        rollout_scores(state, seats, 5, seed=1.5)
    stale = BotSeats("smart", HanabiGame(players=2).new_initial_state(seed=3))
    with pytest.raises(ValueError, match="observed 0 moves"):
        rollout_scores(state, stale, 5)
