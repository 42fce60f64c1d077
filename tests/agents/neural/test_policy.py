"""Neural blueprints: batched phantom games match OpenSpiel bit for bit, the torch policy is a
proper masked distribution, checkpoints round-trip and bad checkpoints fail clearly."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from uedtp.agents.neural.batch import NetActor, UniformActor, play_match
from uedtp.agents.neural.checkpoint import CheckpointError, load_policy, read, save
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.agents.protocol import sample_actions
from uedtp.envs.openspiel_games import GameError, load_game
from uedtp.envs.tensor_obs import encoding_for, with_player
from uedtp.envs.vector_env import PyspielBatch, make_batch, policy_inputs
from uedtp.envs.phantom.batch import PhantomBatch
from tests.paths import CHECKPOINTS

PHANTOM_GAMES = ["phantom_ttt", "phantom_ttt(gameversion=abrupt)",
                 "dark_hex(board_size=3,gameversion=adh)", "dark_hex(board_size=3,gameversion=cdh)",
                 "dark_hex(num_rows=2,num_cols=3,gameversion=adh)"]


def _policy(game: str, seed: int = 0, scale: float = 300.0) -> TorchPolicy:
    torch.manual_seed(seed)
    enc = encoding_for(game)
    net = PolicyValueNet(enc.size, enc.num_actions, (32,))
    with torch.no_grad():
        net.policy_head.weight.mul_(scale)      # a far-from-uniform, state-dependent policy
        net.policy_head.bias.normal_(0.0, 2.0)
    return TorchPolicy(net, enc, seed=seed)


@pytest.mark.parametrize("game_string", PHANTOM_GAMES)
def test_phantom_batch_matches_openspiel(game_string):
    game = load_game(game_string)
    rng = np.random.default_rng(7)
    n = 60
    batch = PhantomBatch(game_string, n)
    states = [game.new_initial_state() for _ in range(n)]
    while True:
        live = batch.live_rows()
        assert [s.is_terminal() for s in states] == list(batch.done)
        if len(live) == 0:
            break
        for r in live:
            s = states[r]
            assert s.current_player() == batch.current[r]
            assert list(np.flatnonzero(batch.legal_mask([r])[0])) == s.legal_actions()
            for p in range(2):
                ours = batch.information_state_tensor([r], [p])[0]
                np.testing.assert_array_equal(ours, np.ravel(s.information_state_tensor(p)))
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in batch.legal_mask(live)])
        batch.apply(live, acts)
        for r, a in zip(live, acts):
            states[r].apply_action(int(a))
    np.testing.assert_array_equal(batch.returns(), [s.returns() for s in states])
    again = PhantomBatch.from_histories(game_string, [s.history() for s in states])
    np.testing.assert_array_equal(again.returns(), batch.returns())


def test_phantom_batch_rejects_bad_input():
    batch2 = PhantomBatch("phantom_ttt", 1)
    batch2.apply(np.array([0]), np.array([4]))
    batch2.apply(np.array([0]), np.array([4]))          # player 1 bumps into x, tries again
    with pytest.raises(ValueError, match="illegal action 4"):
        batch2.apply(np.array([0]), np.array([4]))
    with pytest.raises(ValueError, match="cells in"):
        batch2.apply(np.array([0]), np.array([9]))
    before = batch2.view.copy()
    with pytest.raises(ValueError, match="once per apply"):
        batch2.apply(np.array([0, 0]), np.array([0, 1]))
    np.testing.assert_array_equal(batch2.view, before)         # state unchanged on error
    with pytest.raises(GameError, match="phantom_ttt and dark_hex only"):
        PhantomBatch("kuhn_poker", 1)
    with pytest.raises(ValueError, match="after the end"):
        PhantomBatch.from_histories("phantom_ttt", [[0, 3, 1, 4, 2, 5]])


def test_pyspiel_batch_and_encoding_agree_on_kuhn():
    batch = make_batch("kuhn_poker", 5, seed=3)
    assert isinstance(batch, PyspielBatch)
    enc = encoding_for("kuhn_poker")
    states = batch.states
    x = policy_inputs(batch, np.arange(5))
    np.testing.assert_array_equal(x, enc.encode_batch(states))
    assert x.shape == (5, enc.size)
    np.testing.assert_array_equal(x[:, -2:], np.eye(2)[[s.current_player() for s in states]])


def test_player_one_hot_distinguishes_seats():
    # Both seats' first decision in Phantom Tic-Tac-Toe have the same OpenSpiel tensor.
    game = load_game("phantom_ttt")
    s0 = game.new_initial_state()
    s1 = s0.child(4)
    enc = encoding_for(game)
    assert np.array_equal(s0.information_state_tensor(0), s1.information_state_tensor(1))
    assert not np.array_equal(enc.encode(s0), enc.encode(s1))
    np.testing.assert_array_equal(with_player(np.zeros((2, 3)), np.array([1, 0]), 2),
                                  [[0, 0, 0, 0, 1], [0, 0, 0, 1, 0]])


def test_torch_policy_is_a_masked_distribution():
    policy = _policy("dark_hex(board_size=3,gameversion=adh)")
    game = load_game(policy.game_string)
    rng = np.random.default_rng(0)
    for _ in range(20):
        s = game.new_initial_state()
        for _ in range(int(rng.integers(0, 6))):
            s.apply_action(int(rng.choice(s.legal_actions())))
            if s.is_terminal():
                break
        if s.is_terminal():
            continue
        probs = policy.action_probabilities(s)
        assert sorted(probs) == s.legal_actions()
        assert abs(sum(probs.values()) - 1.0) < 1e-9
        assert max(probs.values()) > 1.5 / len(probs)   # far from uniform, as constructed
        assert policy.act(s) in s.legal_actions()
    with pytest.raises(ValueError, match="input size"):
        TorchPolicy(PolicyValueNet(10, 9, (8,)), encoding_for("phantom_ttt"))
    with pytest.raises(ValueError, match="temperature"):
        TorchPolicy(policy.net, policy.encoding, temperature=0.0)


def test_sample_actions_never_picks_zero_probability():
    probs = np.array([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    u = np.array([0.999999999999, 0.5, 0.0])
    np.testing.assert_array_equal(sample_actions(probs, u), [2, 0, 3])
    rng = np.random.default_rng(1)
    p = np.tile([0.2, 0.0, 0.8], (20000, 1))
    picks = sample_actions(p, rng.random(20000))
    assert not np.any(picks == 1)
    assert abs(np.mean(picks == 2) - 0.8) < 0.015


def test_checkpoint_round_trip(tmp_path):
    policy = _policy("phantom_ttt", seed=3)
    path = str(tmp_path / "p.pt")
    save(path, policy.net, policy.encoding, meta={"note": "test"})
    loaded = load_policy(path, "phantom_ttt")
    state = load_game("phantom_ttt").new_initial_state().child(4)
    assert loaded.action_probabilities(state) == policy.action_probabilities(state)
    assert read(path).meta["note"] == "test"
    res = play_match("phantom_ttt", NetActor(loaded, greedy=True), UniformActor(1), 64, 0)
    assert res.games == 64 and np.all(np.abs(res.returns) <= 1)


def test_checkpoint_errors(tmp_path):
    policy = _policy("phantom_ttt")
    path = str(tmp_path / "p.pt")
    save(path, policy.net, policy.encoding)
    with pytest.raises(CheckpointError, match="is for phantom_ttt"):
        read(path, "dark_hex(board_size=3,gameversion=adh)")
    with pytest.raises(FileNotFoundError):
        read(str(tmp_path / "missing.pt"))
    data = open(path, "rb").read()
    truncated = tmp_path / "t.pt"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        read(str(truncated))
    garbage = tmp_path / "g.pt"
    garbage.write_bytes(b"not a checkpoint at all" * 10)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        read(str(garbage))
    payload = torch.load(path, weights_only=True)
    payload["version"] = 99
    torch.save(payload, str(tmp_path / "v.pt"))
    with pytest.raises(CheckpointError, match="unknown checkpoint version 99"):
        read(str(tmp_path / "v.pt"))
    payload["version"] = 1
    payload["format"] = "something-else"
    torch.save(payload, str(tmp_path / "f.pt"))
    with pytest.raises(CheckpointError, match="not a uedtp-torch-policy"):
        read(str(tmp_path / "f.pt"))
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["policy_head.weight"] = torch.zeros(3, 3)
    torch.save(payload, str(tmp_path / "w.pt"))
    with pytest.raises(CheckpointError, match="weights do not fit"):
        load_policy(str(tmp_path / "w.pt"))
    assert os.path.getsize(path) < 200_000


def test_shipped_checkpoints_beat_uniform():
    root = str(CHECKPOINTS)
    shipped = sorted(f for f in os.listdir(root) if f.endswith(".pt"))
    openspiel = [f for f in shipped if not read(os.path.join(root, f)).game.startswith("hanabi")]
    assert len(openspiel) >= 2, "no shipped OpenSpiel checkpoints"
    for name in openspiel:
        policy = load_policy(os.path.join(root, name))
        res = play_match(policy.game_string, NetActor(policy, seed=1), UniformActor(2), 400, 5)
        assert res.mean > 0.3, (name, str(res))


def test_support_sums_by_hand():
    from uedtp.agents.neural.policy import support_sums
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.25, 0.0, 0.75]])
    m = np.array([[True, True, False], [True, False, True], [True, False, True]])
    ent, rows, low = support_sums(p, m)
    want = np.log(2) + 0.0 - (0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert rows == 3 and abs(ent - want) < 1e-12
    assert low == 0.0                      # the legal third move of row 1 has probability 0
    assert support_sums(p[:1], m[:1])[2] == 0.5
    assert support_sums(np.zeros((0, 3)), np.zeros((0, 3), bool)) == (0.0, 0, 1.0)


def test_network_digest_identifies_the_weights_not_the_object():
    from uedtp.agents.protocol import network_digest
    a, b = load_policy("adh_mmd"), load_policy("adh_mmd")
    assert a is not b and network_digest(a) == network_digest(b)
    assert network_digest(a) != network_digest(load_policy("adh_ppo"))
    with torch.no_grad():
        next(b.net.parameters()).view(-1)[0] += 1e-3          # one weight moved
    assert network_digest(a) != network_digest(b)
    assert network_digest(object()) is None
