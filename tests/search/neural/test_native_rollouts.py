"""Fused native phantom-game rollouts (``PhantomBatch.rollout_native``) play the same games as the
torch step loop with the same uniforms (identical histories and returns) for the shipped phantom
checkpoints and a random network, for any chunk size or thread count.

A float32 rounding difference can flip a move only when its uniform lies within ~1e-7 of a CDF
boundary: a first differing move is replayed with the torch probabilities and the test fails
unless the uniform is within 1e-6 (relative) of a boundary, which is then reported as a warning.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from uedtp.agents.neural.checkpoint import load_policy
from uedtp.agents.neural.policy import PolicyValueNet, TorchPolicy
from uedtp.envs.phantom.batch import PhantomBatch
from uedtp.envs.tensor_obs import encoding_for
from uedtp.envs.vector_env import policy_inputs
from uedtp.search.neural.rollouts import BatchedRolloutActionValues, BatchRow, play_out
from tests.paths import CHECKPOINTS

BOUNDARY = 1e-6
PTTT = "phantom_ttt(obstype=reveal-nothing)"


def _roots(policy, game, n, seed):
    """n positions reached by a few uniformly random moves."""
    rng = np.random.default_rng(seed)
    batch = PhantomBatch(game, n)
    for _ in range(int(rng.integers(0, 4))):
        live = batch.live_rows()
        mask = batch.legal_mask(live)
        batch.apply(live, [int(rng.choice(np.flatnonzero(m))) for m in mask])
    return batch


def _margin(policy, root, prefix, u):
    b = root
    for a in prefix:
        b.apply([0], [int(a)])
    probs = policy.probabilities(policy_inputs(b, [0]), b.legal_mask([0]))[0]
    cdf = np.cumsum(probs)
    return float(np.min(np.abs(cdf[:-1] / cdf[-1] - u)))


def _check_same_games(policy, game, n, seed, **kw):
    root = _roots(policy, game, n, seed)
    start = root.hist_len.copy()
    uniforms = np.random.default_rng(seed + 1).random((n, root.spec.max_length + 1))
    rows = np.arange(n)
    ref, nat = root.select(rows), root.select(rows)
    play_out(policy, ref, rows, uniforms, native=False)
    play_out(policy, nat, rows, uniforms, native=True, **kw)
    assert ref.done.all() and nat.done.all()
    differ = np.flatnonzero((ref.hist != nat.hist).any(axis=1))
    for r in differ:
        k = int(np.argmax(ref.hist[r] != nat.hist[r]))
        margin = _margin(policy, root.select([r]), ref.hist[r, start[r]:k],
                         uniforms[r, k - start[r]])
        assert margin < BOUNDARY, f"row {r} diverges at move {k}, {margin:.2e} from a boundary"
        warnings.warn(f"boundary flip in row {r} at move {k} ({margin:.1e} from a CDF boundary)")
    same = np.setdiff1d(rows, differ)
    np.testing.assert_array_equal(ref.returns()[same], nat.returns()[same])
    assert len(differ) <= n // 100
    return nat


@pytest.mark.parametrize("name", ["pttt_mmd.pt", "pttt_ppo.pt", "adh_mmd.pt", "adh_ppo.pt",
                                  "adh_mmd_10m.pt", "pttt_mmd_10m.pt"])
def test_native_phantom_rollouts_play_the_torch_games(name):
    torch.set_num_threads(1)
    policy = load_policy(str(CHECKPOINTS / name))
    _check_same_games(policy, policy.game_string, 300, seed=len(name))


def test_random_network_any_chunk_or_thread_count():
    torch.manual_seed(0)
    enc = encoding_for(PTTT)
    net = PolicyValueNet(enc.size, enc.num_actions, (32, 16))
    with torch.no_grad():
        net.policy_head.weight.normal_(0.0, 0.5)
    policy = TorchPolicy(net, enc)
    hists = [_check_same_games(policy, PTTT, 200, seed=5, threads=t).hist for t in (1, 2)]
    np.testing.assert_array_equal(hists[0], hists[1])


def test_batched_action_values_native_equal_torch():
    policy = load_policy(str(CHECKPOINTS / "pttt_mmd.pt"))
    game = policy.game_string
    root = _roots(policy, game, 3, 11)
    rows = [BatchRow(root, i) for i in range(3)]
    actions = np.flatnonzero(root.legal_mask([0])[0]).tolist()
    vals = [BatchedRolloutActionValues(policy, rollouts=8, native=native).returns(
        rows, actions, 0, np.random.default_rng(2)) for native in (True, False)]
    np.testing.assert_array_equal(vals[0], vals[1])


def test_rollout_native_rejects_mismatched_networks_and_short_uniforms():
    policy = load_policy(str(CHECKPOINTS / "pttt_mmd.pt"))
    batch = PhantomBatch(policy.game_string, 2)
    with pytest.raises(RuntimeError, match="uniforms"):
        batch.select([0, 1]).rollout_native(policy.native_network(), 1.0, [0, 1],
                                            np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="out of range"):
        batch.rollout_native(policy.native_network(), 1.0, [0, 5], np.full((2, 20), 0.5))
    other = load_policy(str(CHECKPOINTS / "adh_mmd.pt"))
    with pytest.raises(ValueError, match="this game needs"):
        batch.rollout_native(other.native_network(), 1.0, [0, 1], np.full((2, 20), 0.5))
