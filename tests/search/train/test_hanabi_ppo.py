"""Self-play PPO fine-tuning of a Hanabi network (``uedtp.search.train.hanabi_ppo``)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from uedtp.agents.neural.checkpoint import read
from uedtp.search.train import hanabi_ppo as hp

SMALL = hp.HanabiPPOConfig(games=8, iterations=2, epochs=1, minibatch=256, warmup=1,
                           eval_every=1, eval_games=4, lr=1e-4)


def test_collect_rewards_sum_to_score_and_kl_zero_at_start() -> None:
    t = hp.HanabiPPO(SMALL)
    data = hp.collect(t.net, t.anchor, t.encoding, [hp.TRAIN_DECKS + g for g in range(4)],
                      np.random.default_rng(0), 1.0)
    # gamma = lambda = 1: the first decision's target of each game ... the anchor equals the net
    assert np.array_equal(data["logp"], data["anchor_logp"])
    loss = hp.anchored_loss(0.2, 0.0, 1.0, warm=False)
    logits, _ = t.net(torch.from_numpy(data["inputs"]), torch.from_numpy(data["masks"]))
    _, info = loss(logits, torch.from_numpy(data["logp"]), torch.from_numpy(data["actions"]),
                   torch.zeros(len(data["actions"])), torch.from_numpy(data["masks"]),
                   torch.from_numpy(data["anchor_logp"]))
    assert abs(info["kl_anchor"]) < 1e-6
    assert data["scores"].min() >= 0 and data["scores"].max() <= 25


def test_warmup_keeps_the_policy_and_lowers_value_loss() -> None:
    t = hp.HanabiPPO(dataclasses.replace(SMALL, warmup=3, epochs=4, lr=1e-3))
    before = [p.clone() for p in t.net.parameters()]
    data = hp.collect(t.net, t.anchor, t.encoding, [hp.TRAIN_DECKS + 10**8 + g for g in range(8)],
                      np.random.default_rng(1), 0.95)

    def value_error() -> float:
        with torch.no_grad():
            _, v = t.net(torch.from_numpy(data["inputs"]), torch.from_numpy(data["masks"]))
        return float(torch.mean((v - torch.from_numpy(data["targets"])) ** 2))
    first = value_error()
    for _ in range(3):
        t.iterate()
    changed = [not torch.equal(a, b) for a, b in zip(before, t.net.parameters())]
    assert changed == [False] * (len(changed) - 2) + [True, True]    # only the value head
    assert value_error() < 0.95 * first


def test_resume_is_bit_identical(tmp_path) -> None:
    a = hp.run(SMALL, str(tmp_path / "a.pt"))
    hp.run(dataclasses.replace(SMALL, iterations=1), str(tmp_path / "b.pt"))
    b = hp.run(SMALL, str(tmp_path / "b.pt"), resume=True)
    for x, y in zip(a.net.state_dict().values(), b.net.state_dict().values()):
        assert torch.equal(x, y)
    assert read(str(tmp_path / "b.pt")).trainer["iteration"] == 2


def test_changed_settings_and_bad_values_are_refused(tmp_path) -> None:
    hp.run(dataclasses.replace(SMALL, iterations=1), str(tmp_path / "c.pt"))
    with pytest.raises(ValueError, match="settings changed .*lr"):
        hp.run(dataclasses.replace(SMALL, lr=1.0), str(tmp_path / "c.pt"), resume=True)
    with pytest.raises(ValueError, match="exists"):
        hp.run(SMALL, str(tmp_path / "c.pt"))
    with pytest.raises(ValueError, match="kl_coef must be non-negative"):
        hp.HanabiPPOConfig(kl_coef=-1.0)
    with pytest.raises(ValueError, match="clip"):
        hp.HanabiPPOConfig(clip=1.5)


def test_gae_advantages_match_hand_computed_values() -> None:
    import numpy as np
    from uedtp.search.train.self_play import gae_advantages
    # two sequences interleaved: seq 0 has values 0.5, 0.2 (rewards 1, 2), seq 1 has value 0.4
    # (reward 3); lambda 0.5, terminal values 0
    steps = [(np.array([0, 1]), np.array([0.5, 0.4]), np.array([1.0, 3.0])),
             (np.array([0]), np.array([0.2]), np.array([2.0]))]
    adv = gae_advantages(steps, np.zeros(2), 0.5)
    last = 2.0 - 0.2                                  # seq 0, second step
    first = 1.0 + 0.2 - 0.5 + 0.5 * last              # seq 0, first step
    assert np.allclose(adv, [first, 3.0 - 0.4, last])
    # no rewards, terminal returns: the advantage of a one-step sequence is return - value
    assert np.allclose(gae_advantages([(np.array([0, 1]), np.array([0.1, -0.3]), None)],
                                      np.array([1.0, -1.0]), 0.9), [0.9, -0.7])
