"""Hanabi imitation: the view encoding hides the actor's own cards and shows the partner's,
cloning SmartBot learns its moves far above a trivial predictor, checkpoints round-trip."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.torch_checkpoint import CheckpointError, load_policy, save
from agents.torch_policy import TorchPolicy
from envs.hanabi import HanabiGame
from envs.hanabi_tensor import hanabi_encoding_for
from search.imitation import generate, self_play_scores, train

GAME = HanabiGame(players=2)


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
    assert x.shape == (enc.size,)
    np.testing.assert_array_equal(x, enc.encode(own_changed))
    assert not np.array_equal(x, enc.encode(partner_changed))
    assert x[:5 * 25].sum() == 5                     # five visible partner cards
    with pytest.raises(ValueError, match="hanabi_native"):
        hanabi_encoding_for("hanabi(players=2)")
    with pytest.raises(ValueError, match="encoding is for 2 players"):
        enc.encode(HanabiGame(players=3).new_initial_state(seed=1))


def test_imitation_learns_smartbot_moves_and_round_trips(tmp_path):
    torch.set_num_threads(1)
    enc = hanabi_encoding_for(GAME)
    data = generate(enc, 100, "smart", seed=1)
    assert len(data) > 100 * 40 and data.scores.mean() > 18      # SmartBot plays well
    net, stats = train(enc, data, hidden=(128,), epochs=12, lr=2e-3, holdout=0.2, seed=0)
    counts = np.bincount(data.actions, minlength=enc.num_actions)
    majority = counts.max() / counts.sum()                     # always predict the top move
    assert stats["holdout_accuracy"] > majority + 0.15, (stats, majority)
    policy = TorchPolicy(net, enc, seed=0)
    scores = self_play_scores(policy, 20, seed=2)
    assert scores.shape == (20,) and np.all((scores >= 0) & (scores <= 25))
    path = str(tmp_path / "bc.pt")
    save(path, net, enc)
    loaded = load_policy(path, "hanabi_native(players=2)")
    state = GAME.new_initial_state(seed=9)
    assert loaded.action_probabilities(state) == policy.action_probabilities(state)
    assert sorted(loaded.action_probabilities(state)) == state.legal_actions()
    with pytest.raises(CheckpointError, match="is for hanabi_native"):
        load_policy(path, "phantom_ttt")
    with pytest.raises(ValueError, match="num_games"):
        generate(enc, 0)
