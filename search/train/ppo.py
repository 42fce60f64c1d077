"""PPO self-play for two-player zero-sum games (the baseline deep MMD is compared with).

One gradient step on a minibatch of self-play decisions (collected by ``uedtp.search.train.self_play``):
  ratio  = π_θ(a|s) / π_old(a|s)
  loss   = −E[min(ratio·A, clip(ratio, 1−ε, 1+ε)·A)] − c_ent·E[H(π_θ(·|s))] + c_v·E[(V−G)²]
with advantages A normalised per collection round; the entropy weight c_ent follows a schedule
(constant, linear or 1/sqrt, ``uedtp.search.train.self_play.scheduled``) from ``entropy_coef`` to
``entropy_coef_final``. Nothing anchors the policy, so in
self-play its last iterate can cycle; that is the behaviour deep MMD is meant to fix.
``ppo_policy_loss`` and ``normalised_advantages`` are the one PPO update of the suite: the
best-response learner of ``uedtp.eval.approx_exploitability`` uses them too.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from uedtp.search.train.self_play import SCHEDULES, SelfPlayTrainer, TrainerConfig, scheduled


def masked_log_softmax(logits: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor,
                                                                           torch.Tensor]:
    """(log π, π) with exact zeros (and finite log-probs set to 0) on illegal actions."""
    logp = torch.log_softmax(logits, dim=-1)
    probs = torch.exp(logp)
    return torch.where(masks, logp, torch.zeros_like(logp)), probs


def entropy(logp: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
    return -(probs * logp).sum(-1)


def normalised_advantages(advantages: np.ndarray) -> np.ndarray:
    """Advantages shifted and scaled to mean 0, standard deviation 1 (one collection round)."""
    if len(advantages) > 1:
        return (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    return advantages


def ppo_policy_loss(logits: torch.Tensor, old_log_probs: torch.Tensor, actions: torch.Tensor,
                    advantages: torch.Tensor, masks: torch.Tensor, clip: float,
                    entropy_coef: float) -> tuple[torch.Tensor, dict[str, float]]:
    """−E[min(ratio·A, clip(ratio, 1−ε, 1+ε)·A)] − c_ent·E[H(π_θ)] on one minibatch."""
    logp, probs = masked_log_softmax(logits, masks)
    idx = actions[:, None]
    ratio = torch.exp(logp.gather(1, idx).squeeze(1) - old_log_probs.gather(1, idx).squeeze(1))
    surrogate = torch.minimum(ratio * advantages,
                              torch.clamp(ratio, 1 - clip, 1 + clip) * advantages).mean()
    ent = entropy(logp, probs).mean()
    loss = -surrogate - entropy_coef * ent
    return loss, {"surrogate": surrogate.item(), "entropy": ent.item()}


@dataclasses.dataclass
class PPOConfig(TrainerConfig):
    clip: float = 0.2
    entropy_coef: float = 0.01
    entropy_coef_final: float | None = None     # None: the same as entropy_coef
    entropy_schedule: str = "constant"
    normalize_advantages: bool = True

    def check(self) -> None:
        super().check()
        if not 0.0 < self.clip < 1.0:
            raise ValueError(f"clip must be in (0, 1), got {self.clip}")
        if self.entropy_coef < 0:
            raise ValueError(f"entropy_coef must be non-negative, got {self.entropy_coef}")
        if self.entropy_coef_final is not None and self.entropy_coef_final < 0:
            raise ValueError(f"entropy_coef_final must be non-negative, got "
                             f"{self.entropy_coef_final}")
        if self.entropy_schedule not in SCHEDULES:
            raise ValueError(f"entropy_schedule must be one of {SCHEDULES}, got "
                             f"{self.entropy_schedule!r}")


class PPOTrainer(SelfPlayTrainer):
    """Clipped-surrogate PPO with an entropy bonus, in self-play."""

    algorithm = "ppo"
    config: PPOConfig

    def __init__(self, game: Any, config: PPOConfig | None = None, seed: int = 0) -> None:
        super().__init__(game, config or PPOConfig(), seed)

    def prepare_advantages(self, advantages: np.ndarray) -> np.ndarray:
        if self.config.normalize_advantages:
            return normalised_advantages(advantages)
        return advantages

    @property
    def entropy_coef(self) -> float:
        c = self.config
        final = c.entropy_coef if c.entropy_coef_final is None else c.entropy_coef_final
        return scheduled(c.entropy_coef, final, c.entropy_schedule, self.progress)

    def loss(self, logits, old_log_probs, actions, advantages, masks):
        loss, info = ppo_policy_loss(logits, old_log_probs, actions, advantages, masks,
                                     self.config.clip, self.entropy_coef)
        info["entropy_coef"] = self.entropy_coef
        return loss, info
