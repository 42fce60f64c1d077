"""The native MLP (``uedtp.csrc.mlp`` via ``uedtp.agents.neural.native``) gives torch's probabilities and
values (1e-5) over thousands of states of every shipped checkpoint, for random networks of other
shapes and activations, one-row and sparse inputs, single legal actions, temperatures and empty
batches; corrupt or mismatched networks and inputs are refused with clear errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from uedtp.agents.neural.checkpoint import CheckpointError, read
from uedtp.agents.neural.native import (native_from_checkpoint, native_from_network,
                                        round_first_layer)
from uedtp.agents.neural.policy import PolicyValueNet, masked_probabilities
from uedtp.agents.protocol import sample_actions
from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.csrc.hanabi_features import LockstepGames
from uedtp.csrc.mlp import NativeMLP, select_gather
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.phantom.batch import PhantomBatch
from uedtp.envs.vector_env import policy_inputs
from tests.paths import CHECKPOINTS

TOL = 1e-5
SHIPPED = sorted(p.name for p in CHECKPOINTS.glob("*.pt"))


def _torch_values(net: PolicyValueNet, x: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return net(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))[1].double().numpy()


def _hanabi_states(net: PolicyValueNet, games: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and legal masks of every decision of ``games`` 2-player games sampled from ``net``."""
    lock = LockstepGames(games)
    for g in range(games):
        state = HanabiGame(players=2).new_initial_state(seed=seed + g)
        lock.add(state, BotSeats("smart", state))
    rng = np.random.default_rng(seed)
    xs, ms = [], []
    live = lock.live()
    while len(live):
        x, m = lock.encode(live), lock.legal_masks(live)
        xs.append(x)
        ms.append(m)
        lock.step(live, sample_actions(masked_probabilities(net, x, m), rng.random(len(live))))
        live = lock.live()
    return np.concatenate(xs), np.concatenate(ms)


def _phantom_states(net: PolicyValueNet, game: str, games: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    batch = PhantomBatch(game, games)
    rng = np.random.default_rng(seed)
    xs, ms = [], []
    live = batch.live_rows()
    while len(live):
        x, m = policy_inputs(batch, live), batch.legal_mask(live)
        xs.append(x)
        ms.append(m)
        batch.apply(live, sample_actions(masked_probabilities(net, x, m), rng.random(len(live))))
        live = batch.live_rows()
    return np.concatenate(xs), np.concatenate(ms)


def _sparse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(x)
    starts = np.searchsorted(rows, np.arange(len(x) + 1))
    return starts, cols, x[rows, cols]


def _check_equal(net: PolicyValueNet, native: NativeMLP, x: np.ndarray, m: np.ndarray,
                 temperature: float) -> None:
    want_p = masked_probabilities(net, x, m, temperature)
    want_v = _torch_values(net, x)
    got_p, got_v = native.forward(x, m, temperature)
    assert got_p.dtype == np.float64 and got_p.shape == want_p.shape
    np.testing.assert_allclose(got_p, want_p, rtol=0, atol=TOL)
    np.testing.assert_allclose(got_v, want_v, rtol=0, atol=TOL)
    assert np.all(got_p[~m] == 0) and np.allclose(got_p.sum(axis=1), 1.0)
    sp, sv = native.forward_sparse(*_sparse(x[:50]), m[:50], temperature)
    np.testing.assert_allclose(sp, want_p[:50], rtol=0, atol=TOL)
    np.testing.assert_allclose(sv, want_v[:50], rtol=0, atol=TOL)
    for r in range(0, len(x), max(1, len(x) // 20)):        # one-row calls (the sgemv path)
        p1, v1 = native.forward(x[r:r + 1], m[r:r + 1], temperature)
        np.testing.assert_allclose(p1[0], want_p[r], rtol=0, atol=TOL)
        assert abs(v1[0] - want_v[r]) <= TOL


@pytest.mark.parametrize("name", SHIPPED)
def test_native_equals_torch_on_states_of_every_shipped_checkpoint(name):
    torch.set_num_threads(1)
    ckpt = read(str(CHECKPOINTS / name))
    net = ckpt.network()
    native = native_from_checkpoint(str(CHECKPOINTS / name))
    assert native.hidden == tuple(ckpt.architecture["hidden"])
    assert native.activations == ("relu",) * len(native.hidden)
    if ckpt.game.startswith("hanabi_native"):
        x, m = _hanabi_states(net, 40, seed=3)
        assert (x != 0).mean() < 0.5               # mostly zeros (about 30 % nonzero)
    else:
        x, m = _phantom_states(net, ckpt.game, 400, seed=3)
    assert len(x) >= 2000
    _check_equal(net, native, x, m, 1.0)
    _check_equal(net, native, x[::3], m[::3], 0.5)


def _random_net(hidden: tuple[int, ...], seed: int, inputs: int = 30, actions: int = 7
                ) -> PolicyValueNet:
    torch.manual_seed(seed)
    net = PolicyValueNet(inputs, actions, hidden)
    with torch.no_grad():
        net.policy_head.weight.normal_(0.0, 0.5)
        net.policy_head.bias.normal_(0.0, 0.5)
    return net.eval()


@pytest.mark.parametrize("hidden", [(16,), (24, 12, 8)])
def test_random_networks_of_other_shapes(hidden):
    net = _random_net(hidden, seed=len(hidden))
    native = native_from_network(net)
    assert native.hidden == hidden and native.input_size == 30 and native.num_actions == 7
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 30)).astype(np.float32) * (rng.random((300, 30)) < 0.6)
    m = rng.random((300, 7)) < 0.5
    m[np.arange(300), rng.integers(0, 7, 300)] = True
    for temperature in (1.0, 0.25, 3.0):
        _check_equal(net, native, x, m, temperature)
    # a tanh trunk (the activation is read from the module, not assumed)
    net.trunk[1] = nn.Tanh()
    tanh = native_from_network(net)
    assert tanh.activations[0] == "tanh"
    _check_equal(net, tanh, x, m, 1.0)


@pytest.mark.parametrize("hidden", [(256, 256), (200, 40)])
def test_half_float_first_layer_and_both_gather_loops_equal_torch(hidden):
    """A first layer rounded to half floats is stored and read as halves (widths that are and
    are not multiples of the 128-wide register block); the portable loop and the CPU's best
    loop agree with torch on the rounded network, and an unrounded one stays float32."""
    torch.set_num_threads(1)
    net = _random_net(hidden, seed=hidden[1], inputs=300, actions=20)
    assert not native_from_network(net).half_first_layer
    change = round_first_layer(net)
    assert 0 < change < 1e-3
    rng = np.random.default_rng(4)
    x = (rng.random((400, 300)) < 0.3).astype(np.float32) * rng.choice([1.0, 0.25, -0.5], (400, 300))
    m = rng.random((400, 20)) < 0.5
    m[np.arange(400), rng.integers(0, 20, 400)] = True
    native = native_from_network(net)
    assert native.half_first_layer and "half" in repr(native)
    best = select_gather("best")
    try:
        for isa in ("best", "baseline"):
            assert select_gather(isa) == (best if isa == "best" else "baseline")
            _check_equal(net, native, x, m, 1.0)
            with torch.no_grad():         # and a float32 first layer through the same loop
                net.trunk[0].weight.add_(1e-4)
            _check_equal(net, native_from_network(net), x, m, 1.0)
            with torch.no_grad():
                net.trunk[0].weight.sub_(1e-4)
                round_first_layer(net)
    finally:
        select_gather("best")
    with pytest.raises(ValueError, match="'best' or 'baseline'"):
        select_gather("avx9")
    with torch.no_grad():
        net.trunk[0].weight[0, 0] = 1e6
    with pytest.raises(ValueError, match="half-float range"):
        round_first_layer(net)


def test_single_legal_action_no_mask_and_empty_batch():
    net = _random_net((16, 16), seed=5)
    native = native_from_network(net)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 30)).astype(np.float32)
    m = np.zeros((20, 7), dtype=bool)
    m[np.arange(20), np.arange(20) % 7] = True
    p = native.probabilities(x, m, 0.1)
    np.testing.assert_array_equal(p, m.astype(float))
    full = np.ones((20, 7), dtype=bool)
    np.testing.assert_allclose(native.forward(x)[0], masked_probabilities(net, x, full),
                               rtol=0, atol=TOL)
    np.testing.assert_allclose(native.values(x), _torch_values(net, x), rtol=0, atol=TOL)
    rp, rv = native.repeat_forward(x, m, 3, 0.1)             # the benchmark's C loop
    np.testing.assert_array_equal(rp, p)
    np.testing.assert_array_equal(rv, native.values(x))
    p0, v0 = native.forward(np.zeros((0, 30), np.float32), np.zeros((0, 7), bool))
    assert p0.shape == (0, 7) and v0.shape == (0,) and p0.dtype == np.float64
    assert native.forward_sparse(np.zeros(1, np.intp), [], [])[0].shape == (0, 7)


def test_corrupt_or_mismatched_networks_and_inputs_are_refused(tmp_path):
    net = _random_net((16,), seed=7)
    native = native_from_network(net)
    x = np.zeros((3, 30), np.float32)
    m = np.ones((3, 7), bool)
    with pytest.raises(ValueError, match=r"shape \(rows, 30\)"):
        native.forward(np.zeros((3, 31), np.float32), m)
    with pytest.raises(ValueError, match=r"masks must have shape \(3, 7\)"):
        native.forward(x, np.ones((3, 8), bool))
    with pytest.raises(ValueError, match="row 1 has no legal action"):
        native.forward(x, np.array([[True] * 7, [False] * 7, [True] * 7]))
    with pytest.raises(ValueError, match="temperature must be positive"):
        native.forward(x, m, 0.0)
    with pytest.raises(ValueError, match="feature indices"):
        native.forward_sparse([0, 1], [30], [1.0], m[:1])
    with pytest.raises(ValueError, match="starts"):
        native.forward_sparse([1, 0], [], [], m[:1])
    sd = {k: v.numpy() for k, v in net.state_dict().items()}
    w, b = sd["trunk.0.weight"], sd["trunk.0.bias"]
    pw, pb = sd["policy_head.weight"], sd["policy_head.bias"]
    vw, vb = sd["value_head.weight"], sd["value_head.bias"]
    bad = w.copy()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        NativeMLP([(bad, b, "relu")], (pw, pb), (vw, vb))
    with pytest.raises(ValueError, match="trunk layer 1 takes 15 inputs but layer 0 gives 16"):
        NativeMLP([(w, b, "relu"), (w[:, :15], b, "relu")], (pw, pb), (vw, vb))
    with pytest.raises(ValueError, match="policy head takes 30 inputs"):
        NativeMLP([(w, b, "relu")], (np.zeros((7, 30)), pb), (vw, vb))
    with pytest.raises(ValueError, match="bias of 15"):
        NativeMLP([(w, b[:15], "relu")], (pw, pb), (vw, vb))
    with pytest.raises(ValueError, match="unsupported activation 'gelu'"):
        NativeMLP([(w, b, "gelu")], (pw, pb), (vw, vb))
    with pytest.raises(ValueError, match="value head must have 1 output"):
        NativeMLP([(w, b, "relu")], (pw, pb), (np.zeros((2, 16)), np.zeros(2)))
    with pytest.raises(ValueError, match="1..8 layers"):
        NativeMLP([], (pw, pb), (vw, vb))
    odd = _random_net((16,), seed=7)
    odd.trunk[1] = nn.Sigmoid()
    with pytest.raises(ValueError, match="Sigmoid"):
        native_from_network(odd)
    odd.architecture = {**odd.architecture, "hidden": [17]}
    odd.trunk[1] = nn.ReLU()
    with pytest.raises(ValueError, match="does not match its layers"):
        native_from_network(odd)
    truncated = tmp_path / "cut.pt"
    truncated.write_bytes((CHECKPOINTS / "pttt_mmd.pt").read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        native_from_checkpoint(str(truncated))
    with pytest.raises(CheckpointError, match="checkpoint is for phantom_ttt"):
        native_from_checkpoint(str(CHECKPOINTS / "pttt_mmd.pt"), "kuhn_poker")
