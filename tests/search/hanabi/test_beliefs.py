"""Tests of the Hanabi own-hand belief (uedtp.csrc.hanabi_belief, uedtp.search.hanabi.beliefs).

The reference is a brute force written independently of the belief code: enumerate every
assignment of card identities to the deck positions the observer never saw (its current hand
and the undrawn deck), replay the whole game from the deal with that deck and fresh bots,
keep the assignments that reproduce the public record, weight each by the product of the
partners' epsilon-mixed blueprint probabilities of their observed moves, and add up by the
observer's current hand.
"""
from __future__ import annotations

import collections
import itertools
import math

import numpy as np
import pytest

from uedtp.csrc.hanabi_belief import GameTrace, enumerate_hands, log_count_prior, sample_hands
from uedtp.csrc.hanabi_bots import BotSeats, same_public_record
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.search.hanabi.beliefs import HanabiBeliefs, blueprint_parts

SMALL = dict(colors=2, ranks=3, hand_size=2)


def play(game, seed, moves, bot="smart", noise=0.0):
    """A game after ``moves`` bot moves, each replaced by a random legal move w.p. ``noise``."""
    rng = np.random.default_rng(seed)
    state = game.new_initial_state(seed=seed)
    seats = BotSeats(bot, state)
    for _ in range(moves):
        if state.is_terminal():
            break
        uid = seats.decide(state)
        if rng.random() < noise:
            uid = int(rng.choice(state.legal_actions()))
        seats.observe(state, uid)
        state.apply_action(uid)
    return state


def hidden_positions(state):
    """Deck positions of the current player's hand and of the undrawn cards."""
    game = state.game
    H, N = game.hand_size(), game.num_players()
    replay = game.new_initial_state(deck=state.deal_order())
    pos = [[p * H + j for j in range(H)] for p in range(N)]
    nxt = N * H
    for uid in state.history():
        actor = replay.current_player()
        before = len(replay.hand(actor))
        replay.apply_action(uid)
        if uid < 2 * H:                       # discard or play of slot uid % H
            pos[actor].pop(uid % H)
            if len(replay.hand(actor)) == before:
                pos[actor].append(nxt)
                nxt += 1
    return pos[state.current_player()] + list(range(nxt, len(state.deal_order())))


def brute_force(state, bot, eps):
    game, player = state.game, state.current_player()
    deck, history = state.deal_order(), state.history()
    hidden = hidden_positions(state)
    post = collections.defaultdict(float)
    decks = []
    for perm in set(itertools.permutations([deck[q] for q in hidden])):
        d = list(deck)
        for q, c in zip(hidden, perm):
            d[q] = c
        s = game.new_initial_state(deck=d)
        seats = BotSeats(bot, s)
        lik = 1.0
        for uid in history:
            if not s.is_legal(uid):
                lik = 0.0
                break
            if s.current_player() != player:
                legal = s.legal_actions()
                move = seats.decide(s)
                move = move if move in legal else legal[0]
                lik *= (1 - eps) * (move == uid) + eps / len(legal)
            seats.observe(s, uid)
            s.apply_action(uid)
        if lik > 0 and same_public_record(s, state):
            post[tuple(s.hand(player))] += lik
            decks.append(d)
    z = sum(post.values())
    return {h: w / z for h, w in post.items()}, decks


def as_dict(posterior):
    return {tuple(int(c) for c in h): float(w) for h, w in zip(posterior.hands, posterior.weights)}


# (players, bot, deal seed, moves): supports of 4-14 hands; the last four contain a SmartBot
# discard of a slot its table held as one known playable card (the finesse-replay path)
CASES = [(2, "smart", 0, 5), (2, "smart", 4, 7), (3, "smart", 0, 5), (4, "smart", 2, 7),
         (2, "holmes", 1, 7), (3, "simple", 1, 5),
         (2, "smart", 1, 6), (2, "smart", 2, 10), (3, "smart", 1, 6), (3, "smart", 2, 6)]


@pytest.mark.parametrize("players,bot,seed,moves", CASES)
def test_exact_posterior_equals_brute_force(players, bot, seed, moves):
    game = HanabiGame(players=players, **SMALL)
    state = play(game, seed, moves, bot=bot, noise=0.25)
    assert not state.is_terminal()
    expected, _ = brute_force(state, bot, eps=0.1)
    assert len(expected) >= 3
    post = HanabiBeliefs(bot, 0.1).posterior(state, state.current_player(),
                                             np.random.default_rng(0))
    assert post.exact
    got = as_dict(post)
    assert set(got) == set(expected)
    assert max(abs(got[h] - expected[h]) for h in expected) < 1e-9


def test_strict_beliefs_equal_brute_force_with_zero_epsilon():
    game = HanabiGame(players=2, **SMALL)
    state = play(game, 7, 8, noise=0.0)
    expected, _ = brute_force(state, "smart", eps=0.0)
    post = HanabiBeliefs("smart", 0.0).posterior(state, state.current_player(),
                                                 np.random.default_rng(0))
    got = as_dict(post)
    assert set(got) == set(expected)
    assert max(abs(got[h] - expected[h]) for h in expected) < 1e-9


def test_posterior_ignores_the_true_hand():
    """Two decks that the observer cannot tell apart give identical beliefs."""
    game = HanabiGame(players=2, **SMALL)
    state = play(game, 11, 8, noise=0.2)
    player = state.current_player()
    _, decks = brute_force(state, "smart", eps=0.1)
    other = next(d for d in decks
                 if game.new_initial_state(deck=d).hand(player) != state.deal_order()[:0] and
                 _replay(game, d, state.history()).hand(player) != state.hand(player))
    twin = _replay(game, other, state.history())
    a = HanabiBeliefs("smart", 0.1).posterior(state, player, np.random.default_rng(0))
    b = HanabiBeliefs("smart", 0.1).posterior(twin, player, np.random.default_rng(0))
    assert np.array_equal(a.hands, b.hands)
    assert np.allclose(a.weights, b.weights, rtol=0, atol=1e-12)


def _replay(game, deck, history):
    s = game.new_initial_state(deck=deck)
    for uid in history:
        s.apply_action(uid)
    return s


@pytest.mark.parametrize("players,games", [(2, 30), (3, 10), (4, 8)])
def test_true_hand_has_positive_weight_on_standard_games(players, games):
    """Partners play the full-support (epsilon-mixed) blueprint: the real hand always keeps a
    positive posterior weight (checked at every decision of every game)."""
    checked = 0
    for g in range(games):
        beliefs = HanabiBeliefs("smart", 0.02)
        rng = np.random.default_rng(g)
        state = HanabiGame(players=players).new_initial_state(seed=500 + g)
        seats = BotSeats("smart", state)
        while not state.is_terminal():
            p = state.current_player()
            lw = beliefs.hand_log_weights(state, p, [state.hand(p)])
            assert np.isfinite(lw[0]), (g, state.move_number())
            checked += 1
            uid = seats.decide(state)
            if rng.random() < 0.02:
                uid = int(rng.choice(state.legal_actions()))
            seats.observe(state, uid)
            state.apply_action(uid)
    assert checked >= games * 40


def test_exact_posterior_contains_true_hand_and_sampling_matches_marginals():
    state = play(HanabiGame(players=2), 3, 44)
    p = state.current_player()
    exact = HanabiBeliefs("smart", 0.05, max_exact=200_000).posterior(
        state, p, np.random.default_rng(0))
    assert exact.exact and exact.candidates > 300
    assert exact.true_hand_index is not None
    assert exact.weights[exact.true_hand_index] > 0
    sampled = HanabiBeliefs("smart", 0.05, max_exact=10, num_samples=40_000).posterior(
        state, p, np.random.default_rng(1))
    assert not sampled.exact
    # the posterior itself is concentrated (its own ESS over the exact support is ~100)
    assert sampled.effective_sample_size > 0.5 * exact.effective_sample_size
    for slot in range(exact.hands.shape[1]):
        m1 = np.bincount(exact.hands[:, slot], weights=exact.weights, minlength=25)
        m2 = np.bincount(sampled.hands[:, slot], weights=sampled.weights, minlength=25)
        assert np.abs(m1 - m2).max() < 0.05, slot


def test_enumerate_hands_matches_itertools_and_respects_cap():
    rng = np.random.default_rng(4)
    for _ in range(20):
        L = int(rng.integers(1, 5))
        counts = rng.integers(0, 3, size=25).astype(np.int32)
        masks = [int(m) for m in rng.integers(1, 1 << 25, size=L) & int(rng.integers(1, 1 << 25))]
        slots = [[c for c in range(25) if (m >> c) & 1] for m in masks]
        want = sorted(h for h in itertools.product(*slots)
                      if all(h.count(c) <= counts[c] for c in set(h)))
        got = enumerate_hands(np.array(masks, dtype=np.uint32), counts, 10 ** 6)
        assert sorted(map(tuple, got.tolist())) == want
        if len(want) > 1:
            assert enumerate_hands(np.array(masks, dtype=np.uint32), counts, len(want) - 1) is None


def test_count_prior_and_importance_weights():
    counts = np.zeros(25, dtype=np.int32)
    counts[[0, 1, 2, 5]] = [3, 2, 1, 2]
    hands = np.array([[0, 0], [0, 1], [2, 5], [2, 2]], dtype=np.int8)
    lp = log_count_prior(hands, counts)
    assert np.allclose(lp[:3], np.log([3 * 2, 3 * 2, 1 * 2]))
    assert lp[3] == -np.inf
    masks = np.full(2, (1 << 0) | (1 << 1) | (1 << 2) | (1 << 5), dtype=np.uint32)
    narrow = np.full(2, (1 << 0) | (1 << 1), dtype=np.uint32)
    exact = enumerate_hands(masks, counts, 1000)
    target = np.exp(log_count_prior(exact, counts))
    target /= target.sum()
    drawn, logw = sample_hands(narrow, masks, counts, 60_000, 0.5, 9)
    w = np.exp(logw - logw.max())
    est = {}
    for h, wi in zip(map(tuple, drawn.tolist()), w):
        est[h] = est.get(h, 0.0) + wi
    total = sum(est.values())
    for h, t in zip(map(tuple, exact.tolist()), target):
        assert abs(est.get(h, 0.0) / total - t) < 0.01


def test_trace_follows_game_and_rejects_other_games():
    game = HanabiGame(players=2)
    a = play(game, 1, 10)
    tr = GameTrace("smart", a)
    assert tr.length == 10 and tr.follows(a)
    b = play(game, 2, 10)
    assert not tr.follows(b)
    with pytest.raises(ValueError, match="does not continue"):
        tr.extend(b)
    later = play(game, 1, 14)
    tr.extend(later)
    assert tr.length == 14
    src = tr.observer_sources(later.current_player())
    assert src.shape == (14, 5)


def test_bad_input_raises_clear_errors():
    state = play(HanabiGame(players=2), 0, 3)
    with pytest.raises(ValueError, match="epsilon"):
        HanabiBeliefs("smart", 1.5)
    with pytest.raises(ValueError, match="max_exact"):
        HanabiBeliefs("smart", 0.1, max_exact=0)
    with pytest.raises(ValueError):
        HanabiBeliefs("nosuchbot", 0.1)
    beliefs = HanabiBeliefs("smart", 0.1)
    with pytest.raises(ValueError, match="player"):
        beliefs.posterior(state, 7, np.random.default_rng(0))
    with pytest.raises(TypeError, match="HanabiState"):
        beliefs.posterior("state", 0, np.random.default_rng(0))
    from uedtp.agents.hanabi.bots import HanabiBotAgent
    with pytest.raises(ValueError, match="full support"):
        blueprint_parts(HanabiBotAgent("smart"))
    with pytest.raises(TypeError):
        blueprint_parts(object())
    assert math.isclose(blueprint_parts(__import__("uedtp.agents.full_support", fromlist=["x"])
                                        .full_support_bot("smart", 0.03))[1], 0.03)
