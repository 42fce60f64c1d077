"""Hanabi imitation: the view encoding hides the actor's own cards and shows the partner's, the
training path (BotSeats followed move by move), the play path (tables replayed from the history)
and the lockstep path encode the same rows with the engine's move uids, cloning SmartBot learns
its moves (near-perfectly on known-playable plays), checkpoints round-trip, bad input raises."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.checkpoint import CheckpointError, load_policy, save
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_features import LockstepGames
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.search.train.imitation import decision_kinds, generate, self_play_scores, train

GAME = HanabiGame(players=2)
SLOT_FEATURES = 56


def _deck_swapping(deck: list[int], i: int, j: int) -> list[int]:
    d = list(deck)
    d[i], d[j] = d[j], d[i]
    return d


def test_encoding_hides_own_cards_and_shows_partner_cards():
    enc = hanabi_encoding_for(GAME)
    base = GAME.new_initial_state(seed=3).deal_order()
    k = next(k for k in range(10, 50) if base[k] != base[0])
    a = GAME.new_initial_state(deck=base)
    own_changed = GAME.new_initial_state(deck=_deck_swapping(base, 0, k))   # player 0's slot 0
    k2 = next(k for k in range(10, 50) if base[k] != base[5])
    partner_changed = GAME.new_initial_state(deck=_deck_swapping(base, 5, k2))
    x = enc.encode(a)
    assert x.shape == (enc.size,) == (sum(enc.layout().values()),)
    np.testing.assert_array_equal(x, enc.encode(own_changed))
    assert not np.array_equal(x, enc.encode(partner_changed))
    partner = x[:enc.layout()["partner_cards"]].reshape(5, 28)
    assert partner[:, :25].sum() == 5                     # five visible partner cards
    assert list(partner[:, :25].argmax(1)) == a.hand(1)   # in slot order


def test_training_play_and_lockstep_paths_encode_the_same_views():
    enc = hanabi_encoding_for(GAME)
    for seed in (0, 1):
        state = GAME.new_initial_state(seed=seed)
        seats = BotSeats("smart", state)
        games = LockstepGames(1)
        games.add(state, BotSeats("smart", state))
        while not state.is_terminal():
            p = state.current_player()
            x = enc.encode(state, seats=seats)                 # training path
            np.testing.assert_array_equal(x, enc.encode(state))        # replayed tables
            np.testing.assert_array_equal(x, games.encode([0])[0])     # lockstep path
            mask = enc.legal_mask(state)
            assert np.flatnonzero(mask).tolist() == state.legal_actions()
            np.testing.assert_array_equal(mask, games.legal_masks([0])[0])
            # own convention knowledge = the acting player's SmartBot table for its own slots
            slots = x[enc.layout()["partner_cards"]:][:5 * SLOT_FEATURES].reshape(5, -1)
            for i, ids in enumerate(seats.possibilities(p, p)):
                assert np.flatnonzero(slots[i, 21:46]).tolist() == ids
            uid = int(seats.decide(state))
            assert mask[uid]                               # the bot's move is a legal uid
            seats.observe(state, uid)
            state.apply_action(uid)
            games.step([0], [uid])
        assert games.scores()[0] == state.score()


def test_lockstep_rejects_illegal_moves_and_leaves_games_unchanged():
    state = GAME.new_initial_state(seed=5)
    games = LockstepGames(2)
    games.add(state, BotSeats("smart", state))
    games.add(state, BotSeats("smart", state))
    before = games.encode([0, 1])
    discard_at_8_tokens = 0
    with pytest.raises(ValueError, match="move 0 is not legal in game 1"):
        games.step([0, 1], [state.legal_actions()[0], discard_at_8_tokens])
    np.testing.assert_array_equal(before, games.encode([0, 1]))
    with pytest.raises(ValueError, match="out of range"):
        games.encode([2])
    with pytest.raises(ValueError, match="full"):
        games.add(state, BotSeats("smart", state))
    with pytest.raises(ValueError, match="observed 0 moves"):
        later = state.child(10)
        LockstepGames(1).add(later, BotSeats("smart", state))


def test_imitation_learns_smartbot_moves_and_round_trips(tmp_path):
    torch.set_num_threads(1)
    enc = hanabi_encoding_for(GAME)
    data = generate(enc, 300, "smart", seed=1)
    assert len(data) > 300 * 40 and data.scores.mean() > 18      # SmartBot plays well
    net, stats = train(enc, data, hidden=(128,), epochs=5, lr=2e-3, holdout=0.1, seed=0)
    counts = np.bincount(data.actions, minlength=enc.num_actions)
    majority = counts.max() / counts.sum()                     # always predict the top move
    assert stats["holdout_accuracy"] > max(0.7, majority + 0.5), (stats, majority)
    # plays of cards the player knows are playable are copied almost always
    assert stats["holdout_accuracy_known_playable_play"] > 0.9, stats
    assert decision_kinds(enc, data)["known_playable_play"].mean() > 0.2
    policy = TorchPolicy(net, enc, seed=0)
    scores = self_play_scores(policy, 20, seed=2)
    assert scores.shape == (20,) and np.all((scores >= 0) & (scores <= 25))
    assert scores.mean() > 3.0          # an untrained net bombs out (score 0) nearly always
    path = str(tmp_path / "bc.pt")
    save(path, net, enc)
    loaded = load_policy(path, "hanabi_native(players=2)")
    state = GAME.new_initial_state(seed=9)
    assert loaded.action_probabilities(state) == policy.action_probabilities(state)
    assert sorted(loaded.action_probabilities(state)) == state.legal_actions()
    with pytest.raises(CheckpointError, match="is for hanabi_native"):
        load_policy(path, "phantom_ttt")


def test_bad_input_is_rejected():
    enc = hanabi_encoding_for(GAME)
    with pytest.raises(ValueError, match="num_games"):
        generate(enc, 0)
    with pytest.raises(ValueError):
        generate(enc, 2, bot="nobot")
    with pytest.raises(ValueError, match="hanabi_native"):
        hanabi_encoding_for("hanabi(players=2)")
    with pytest.raises(ValueError, match="encoding is for 2 players"):
        enc.encode(HanabiGame(players=3).new_initial_state(seed=1))
    with pytest.raises(TypeError, match="HanabiState"):
        enc.encode("not a state")
    data = generate(enc, 2, seed=0)
    data.inputs = data.inputs[:, :-1]
    with pytest.raises(ValueError, match="features"):
        train(enc, data, epochs=1)
    with pytest.raises(ValueError, match="encoding"):
        TorchPolicy(PolicyValueNet(10, enc.num_actions), enc)
