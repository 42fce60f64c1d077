"""``python -m uedtp.eval.bench.neural entropy``: self-play policy entropy of a network."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.policy import PolicyValueNet
from uedtp.envs.openspiel_games import load_game
from uedtp.envs.tensor_obs import encoding_for
from uedtp.eval.bench.neural import self_play_entropy

SMALL = "dark_hex(board_size=2,gameversion=adh)"


def _net(policy_bias: float | None) -> PolicyValueNet:
    enc = encoding_for(load_game(SMALL))
    torch.manual_seed(0)
    net = PolicyValueNet(enc.size, enc.num_actions, (8,))
    with torch.no_grad():
        net.policy_head.weight.zero_()
        net.policy_head.bias.zero_()
        if policy_bias is not None:            # one action far above the others, when legal
            net.policy_head.bias[0] = policy_bias
    return net.eval()


def test_a_uniform_network_has_the_uniform_entropy_and_no_peaked_decision() -> None:
    out = self_play_entropy(_net(None), SMALL, 64, seed=3)
    assert out["decisions"] > 64
    assert out["mean_entropy"] == pytest.approx(out["uniform_entropy"], abs=1e-6)   # float32 log-probs
    assert out["share_top_over_0.9"] == 0.0 and out["self_play_decisions_per_s"] > 0


def test_a_peaked_network_is_counted_as_near_deterministic() -> None:
    out = self_play_entropy(_net(30.0), SMALL, 64, seed=3)
    # action 0 is legal at each player's first move at least; there the policy is ~deterministic
    assert 0 < out["share_top_over_0.99"] < 1
    assert out["mean_entropy"] < out["uniform_entropy"]
    assert np.isfinite(out["player0_entropy"]) and np.isfinite(out["player1_entropy"])
