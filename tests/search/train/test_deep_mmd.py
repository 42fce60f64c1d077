"""Deep MMD / PPO self-play: schedules, the loss's fixed point and direction, learning on a small
game, exact resumption from a checkpoint, and clear errors for bad configurations."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.batch import NetActor, UniformActor, play_match
from uedtp.agents.neural.checkpoint import read
from uedtp.envs.openspiel_games import GameError
from uedtp.search.train.deep_mmd import DeepMMDTrainer, MMDConfig, scheduled
from uedtp.search.train.ppo import PPOConfig, PPOTrainer
from uedtp.search.train.self_play import collect

SMALL = "dark_hex(board_size=2,gameversion=adh)"


def test_schedules():
    assert scheduled(0.1, 0.01, "constant", 0.7) == 0.1
    assert scheduled(0.1, 0.01, "linear", 0.0) == pytest.approx(0.1)
    assert scheduled(0.1, 0.01, "linear", 1.0) == pytest.approx(0.01)
    assert scheduled(0.1, 0.01, "linear", 0.5) == pytest.approx(0.055)
    assert scheduled(0.1, 0.01, "inverse_sqrt", 0.0) == pytest.approx(0.1)
    assert scheduled(0.1, 0.01, "inverse_sqrt", 1.0) == pytest.approx(0.01)
    mid = scheduled(0.1, 0.01, "inverse_sqrt", 0.5)
    assert 0.01 < mid < 0.055                      # convex: below the linear schedule
    with pytest.raises(ValueError, match="schedule must be one of"):
        scheduled(0.1, 0.01, "cosine", 0.5)


@pytest.mark.parametrize("bad, match", [
    (dict(alpha=-1.0), "alpha must be positive"),
    (dict(eta=0.0), "eta must be positive"),
    (dict(minibatch=0), "minibatch must be a positive int"),
    (dict(alpha_schedule="weird"), "alpha_schedule must be one of"),
    (dict(gae_lambda=1.5), "gae_lambda"),
])
def test_bad_mmd_config(bad, match):
    with pytest.raises(ValueError, match=match):
        DeepMMDTrainer(SMALL, MMDConfig(**bad))


def test_bad_game_and_ppo_config():
    with pytest.raises(GameError, match="two-player zero-sum"):
        DeepMMDTrainer("tiny_hanabi", MMDConfig())
    with pytest.raises(ValueError, match="clip"):
        PPOTrainer(SMALL, PPOConfig(clip=1.5))
    with pytest.raises(ValueError, match="entropy_schedule must be one of"):
        PPOTrainer(SMALL, PPOConfig(entropy_schedule="cosine"))
    with pytest.raises(ValueError, match="entropy_coef_final must be non-negative"):
        PPOTrainer(SMALL, PPOConfig(entropy_coef_final=-0.1))


def test_ppo_entropy_weight_follows_its_schedule():
    ppo = PPOTrainer(SMALL, PPOConfig(entropy_coef=0.2, entropy_coef_final=0.02,
                                      entropy_schedule="linear", total_updates=10))
    assert ppo.entropy_coef == pytest.approx(0.2)
    ppo.iteration = 5
    assert ppo.entropy_coef == pytest.approx(0.11)
    ppo.iteration = 10
    assert ppo.entropy_coef == pytest.approx(0.02)
    assert PPOTrainer(SMALL, PPOConfig(entropy_coef=0.2)).entropy_coef == 0.2   # default: constant


def test_mmd_loss_fixed_point_and_direction():
    trainer = DeepMMDTrainer(SMALL, MMDConfig(alpha=0.5, eta=1.0))
    masks = torch.tensor([[True, True, False, True]])
    old = torch.log(torch.tensor([[1 / 3, 1 / 3, 1.0, 1 / 3]]))
    old = old.masked_fill(~masks, -np.inf)
    action = torch.tensor([1])
    # uniform policy = magnet = old policy, zero advantage: a stationary point
    logits = torch.zeros(1, 4, requires_grad=True)
    loss, info = trainer.loss(logits.masked_fill(~masks, -np.inf), old, action,
                              torch.tensor([0.0]), masks)
    loss.backward()
    assert torch.allclose(logits.grad, torch.zeros(1, 4), atol=1e-7)
    assert info["kl_magnet"] == pytest.approx(0.0, abs=1e-7)
    assert info["kl_old"] == pytest.approx(0.0, abs=1e-7)
    # a positive advantage on action 1 pushes its logit up, the other legal ones down
    logits = torch.zeros(1, 4, requires_grad=True)
    loss, _ = trainer.loss(logits.masked_fill(~masks, -np.inf), old, action,
                           torch.tensor([1.0]), masks)
    loss.backward()
    g = logits.grad[0]
    assert g[1] < 0 and g[0] > 0 and g[3] > 0 and g[2] == 0


def test_collect_targets_end_with_final_returns():
    trainer = DeepMMDTrainer(SMALL, MMDConfig(games_per_update=32))
    data = collect(trainer.net, trainer.game, 32, np.random.default_rng(0), gae_lambda=1.0)
    # with lambda = 1 the advantage target of every decision is the player's final return
    assert set(np.unique(np.round(data.targets, 5))) <= {-1.0, 1.0}
    assert np.all(data.masks[np.arange(len(data)), data.actions])
    assert len(data) >= 3 * 32


@pytest.mark.parametrize("trainer_cls, config", [
    (DeepMMDTrainer, MMDConfig(games_per_update=128, learning_rate=3e-3, total_updates=25,
                               hidden=(64,), alpha=0.05, alpha_final=0.01)),
    (PPOTrainer, PPOConfig(games_per_update=128, learning_rate=3e-3, total_updates=25,
                           hidden=(64,))),
])
def test_self_play_learns_to_beat_uniform(trainer_cls, config):
    torch.set_num_threads(1)
    trainer = trainer_cls(SMALL, config, seed=0)
    before = play_match(SMALL, NetActor(trainer.policy(), seed=1), UniformActor(2), 2000, 3)
    for _ in range(config.total_updates):
        trainer.update()
    after = play_match(SMALL, NetActor(trainer.policy(), seed=1), UniformActor(2), 2000, 3)
    assert abs(before.mean) < 0.1                  # an untrained net is close to uniform
    # the best response to uniform scores (0.833 + 0) / 2 = 0.417 here; uniform scores 0
    assert after.mean > 0.25, str(after)


def test_resume_continues_the_same_run(tmp_path):
    config = MMDConfig(games_per_update=32, total_updates=4, hidden=(16,))
    straight = DeepMMDTrainer(SMALL, config, seed=3)
    for _ in range(4):
        straight.update()
    first = DeepMMDTrainer(SMALL, config, seed=3)
    for _ in range(2):
        first.update()
    path = str(tmp_path / "run.pt")
    first.save(path)
    ckpt = read(path, SMALL)
    resumed = DeepMMDTrainer(SMALL, config, seed=99)         # different seed: state must win
    resumed.net.load_state_dict(ckpt.state_dict)
    resumed.load_trainer_state(ckpt.trainer)
    for _ in range(2):
        resumed.update()
    for key, value in straight.net.state_dict().items():
        assert torch.equal(value, resumed.net.state_dict()[key]), key
    with pytest.raises(ValueError, match="trained by 'deep_mmd', not 'ppo'"):
        PPOTrainer(SMALL, PPOConfig(hidden=(16,))).load_trainer_state(ckpt.trainer)
