"""Full-support wrapper: soften any policy so every legal action has positive probability.

Mirror-descent search needs a blueprint with full support (log p(a) must be finite for every
legal a); a deterministic rule-based bot has none. One step of the wrapper at a state:
1. take the inner policy's distribution p over the legal actions (or, in Boltzmann mode,
   softmax(scores / temperature) of the inner policy's ``action_scores``);
2. mix it with the uniform distribution: p'(a) = (1 - epsilon) * p(a) + epsilon / |legal|.

``act`` samples from p' with the wrapper's own seeded generator. For the native Hanabi bots the
rollout kernel implements the same mixture natively (``uedtp.csrc.hanabi_rollout`` ``epsilon=``):
``MixedBotPolicy``, the mixture around a pure rule-based bot, is an
``uedtp.agents.protocol.RuleBasedBlueprint`` (bot name, epsilon, bot move) that search reads it from.
``full_support(policy, ...)`` builds whichever of the two fits the inner policy.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from uedtp.agents.protocol import RuleBasedBlueprint, sample_action

__all__ = ["FullSupportPolicy", "MixedBotPolicy", "full_support", "full_support_bot"]


def _check_epsilon(epsilon: object) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, Real):
        raise TypeError(f"epsilon must be a real number, got {type(epsilon).__name__}")
    eps = float(epsilon)
    if not 0.0 < eps <= 1.0:
        raise ValueError(f"epsilon must be in (0, 1], got {epsilon!r}")
    return eps


def _check_temperature(temperature: object) -> float | None:
    if temperature is None:
        return None
    if isinstance(temperature, bool) or not isinstance(temperature, Real):
        raise TypeError(f"temperature must be a real number or None, got "
                        f"{type(temperature).__name__}")
    t = float(temperature)
    if not (t > 0.0 and math.isfinite(t)):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    return t


class FullSupportPolicy:
    """``(1 - epsilon) * inner + epsilon * uniform`` over the legal actions.

    ``policy`` needs ``action_probabilities(state)`` (or, with ``temperature``,
    ``action_scores(state) -> dict[action, float]``, turned into a Boltzmann distribution).
    ``epsilon`` must be in (0, 1]; epsilon = 1 is the uniform policy.
    """

    def __init__(self, policy: Any, epsilon: float = 0.05, temperature: float | None = None,
                 seed: int | None = 0) -> None:
        self.epsilon = _check_epsilon(epsilon)
        self.temperature = _check_temperature(temperature)
        if self.temperature is None:
            if not callable(getattr(policy, "action_probabilities", None)):
                raise TypeError(f"{type(policy).__name__} has no action_probabilities(state)")
        elif not callable(getattr(policy, "action_scores", None)):
            raise TypeError(f"Boltzmann mode (temperature={temperature}) needs a policy with "
                            f"action_scores(state); {type(policy).__name__} has none")
        self.policy = policy
        self._rng = np.random.default_rng(seed)

    def __repr__(self) -> str:
        extra = f", temperature={self.temperature}" if self.temperature is not None else ""
        return f"FullSupportPolicy({self.policy!r}, epsilon={self.epsilon}{extra})"

    def _inner(self, state: Any, legal: list[int]) -> dict[int, float]:
        if self.temperature is None:
            probs = self.policy.action_probabilities(state)
        else:
            scores = self.policy.action_scores(state)
            keys = [a for a in legal if a in scores]
            if not keys:
                raise ValueError("action_scores gave no score for any legal action")
            z = np.array([scores[a] for a in keys], dtype=float) / self.temperature
            z = np.exp(z - z.max())
            probs = dict(zip(keys, (z / z.sum()).tolist()))
        allowed = set(legal)
        bad = [a for a, p in probs.items() if p > 0 and a not in allowed]
        if bad:
            raise ValueError(f"inner policy put probability on illegal actions {sorted(bad)}")
        return probs

    def action_probabilities(self, state: Any) -> dict[int, float]:
        """The mixed distribution; every legal action gets at least epsilon / |legal|."""
        legal = [int(a) for a in state.legal_actions()]
        if not legal:
            raise ValueError("no legal actions (terminal state?)")
        inner = self._inner(state, legal)
        u = self.epsilon / len(legal)
        return {a: (1.0 - self.epsilon) * float(inner.get(a, 0.0)) + u for a in legal}

    def act(self, state: Any) -> int:
        """Sample an action from ``action_probabilities(state)``."""
        return sample_action(self._rng, self.action_probabilities(state))


class MixedBotPolicy(FullSupportPolicy):
    """``(1 - epsilon) * bot + epsilon * uniform`` around a pure rule-based bot: a
    ``RuleBasedBlueprint`` whose ``bot_epsilon`` is ``epsilon``."""

    def __init__(self, bot: RuleBasedBlueprint, epsilon: float = 0.05,
                 seed: int | None = 0) -> None:
        if not isinstance(bot, RuleBasedBlueprint) or bot.bot_epsilon != 0.0:
            raise TypeError(f"MixedBotPolicy needs a pure rule-based bot (RuleBasedBlueprint with "
                            f"epsilon 0), got {bot!r}")
        super().__init__(bot, epsilon=epsilon, seed=seed)
        self._bot = bot

    @property
    def bot(self) -> str:
        return self._bot.bot

    @property
    def bot_epsilon(self) -> float:
        return self.epsilon

    def bot_move(self, state: Any) -> int:
        """The inner bot's move (the mixture's most likely move)."""
        return self._bot.bot_move(state)


def full_support(policy: Any, epsilon: float = 0.05, temperature: float | None = None,
                 seed: int | None = 0) -> FullSupportPolicy:
    """The epsilon-mixture of ``policy``: a ``MixedBotPolicy`` when it is a pure rule-based bot
    (and no temperature is given), else a ``FullSupportPolicy``."""
    if temperature is None and isinstance(policy, RuleBasedBlueprint) and policy.bot_epsilon == 0:
        return MixedBotPolicy(policy, epsilon=epsilon, seed=seed)
    return FullSupportPolicy(policy, epsilon=epsilon, temperature=temperature, seed=seed)


def full_support_bot(bot: str = "smart", epsilon: float = 0.05,
                     seed: int | None = 0) -> MixedBotPolicy:
    """An epsilon-mixed rule-based Hanabi bot (a full-support blueprint for MD search)."""
    from uedtp.agents.hanabi.bots import HanabiBotAgent
    return MixedBotPolicy(HanabiBotAgent(bot, seed=seed), epsilon=epsilon, seed=seed)
