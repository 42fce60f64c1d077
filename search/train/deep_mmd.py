"""Deep magnetic mirror descent (MMD) self-play for two-player zero-sum games.

The tabular MMD step (Sokota et al. 2022, arXiv 2206.05825) at every information state is
  π_{t+1} = argmax_π  E_π[q_t] − α·KL(π ‖ ρ) − (1/η)·KL(π ‖ π_t),
with magnet ρ (uniform over the legal actions here). Its deep-RL form replaces q_t by sampled
advantages and the argmax by a few gradient steps on one collection round (``uedtp.search.train.self_play``):
  loss = −E[ratio·A] + α_t·E[KL(π_θ ‖ ρ)] + (1/η_t)·E[KL(π_θ ‖ π_old)] + c_v·E[(V−G)²],
  ratio = π_θ(a|s)/π_old(a|s), both KLs exact over the legal actions of each sampled state.
KL(π‖uniform) = log|legal| − H(π), so the magnet term is an entropy bonus whose weight α_t is
annealed (constant, linear or 1/sqrt schedules for α and η) so that the regularised equilibrium
the last iterate converges to moves towards a Nash equilibrium.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch

from uedtp.search.train.ppo import masked_log_softmax
from uedtp.search.train.self_play import SCHEDULES, SelfPlayTrainer, TrainerConfig, scheduled

__all__ = ["SCHEDULES", "DeepMMDTrainer", "MMDConfig", "scheduled"]


@dataclasses.dataclass
class MMDConfig(TrainerConfig):
    alpha: float = 0.05              # magnet (entropy) weight at the start
    alpha_final: float = 0.005
    alpha_schedule: str = "linear"
    eta: float = 1.0                 # mirror-descent step size: proximal weight is 1/eta
    eta_final: float = 1.0
    eta_schedule: str = "constant"
    normalize_advantages: bool = False

    def check(self) -> None:
        super().check()
        for name in ("alpha", "eta", "eta_final"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.alpha_final < 0:
            raise ValueError(f"alpha_final must be non-negative, got {self.alpha_final}")
        for name in ("alpha_schedule", "eta_schedule"):
            if getattr(self, name) not in SCHEDULES:
                raise ValueError(f"{name} must be one of {SCHEDULES}, got {getattr(self, name)!r}")


class DeepMMDTrainer(SelfPlayTrainer):
    """Self-play deep MMD with a uniform magnet (see module docstring)."""

    algorithm = "deep_mmd"
    config: MMDConfig

    def __init__(self, game: Any, config: MMDConfig | None = None, seed: int = 0) -> None:
        super().__init__(game, config or MMDConfig(), seed)

    @property
    def alpha(self) -> float:
        c = self.config
        return scheduled(c.alpha, c.alpha_final, c.alpha_schedule, self.progress)

    @property
    def eta(self) -> float:
        c = self.config
        return scheduled(c.eta, c.eta_final, c.eta_schedule, self.progress)

    def prepare_advantages(self, advantages: np.ndarray) -> np.ndarray:
        if self.config.normalize_advantages and len(advantages) > 1:
            return (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        return advantages

    def loss(self, logits, old_log_probs, actions, advantages, masks):
        logp, probs = masked_log_softmax(logits, masks)
        old = torch.where(masks, old_log_probs, torch.zeros_like(old_log_probs))
        idx = actions[:, None]
        ratio = torch.exp(logp.gather(1, idx).squeeze(1) - old.gather(1, idx).squeeze(1))
        surrogate = (ratio * advantages).mean()
        legal = masks.sum(-1).clamp(min=1).to(logp.dtype)
        kl_magnet = ((probs * logp).sum(-1) + torch.log(legal)).mean()
        kl_old = (probs * (logp - old)).sum(-1).mean()
        alpha, eta = self.alpha, self.eta
        loss = -surrogate + alpha * kl_magnet + kl_old / eta
        return loss, {"surrogate": surrogate.item(), "kl_magnet": kl_magnet.item(),
                      "kl_old": kl_old.item(), "alpha": alpha, "eta": eta}
