"""Local updates U(p, q) -> p' of last-iterate learners, applied at one information state.

One step: given the blueprint's distribution ``p`` over the legal actions and their action
values ``q`` (expected return of taking the action, then everyone following the blueprint),
return the learner's next distribution.

- ``MirrorDescent(eta)``:          p'(a) ∝ p(a) · exp(eta · q(a))
- ``MagneticMirrorDescent(eta, alpha, magnet)``:
                                   p'(a) ∝ [p(a) · ρ(a)^(alpha·eta) · exp(eta · q(a))]^(1/(1+alpha·eta))
- ``Greedy()``:                    p' = uniform over argmax q (policy iteration / one-ply search)

All updates work in the log domain and normalise with a max-shift, so large ``eta·q`` is safe.
Their one verb is ``apply(p, q)`` (``update()`` is the iteration of learners and solvers).
"""
from __future__ import annotations

import math
from typing import Callable, Protocol

import numpy as np


class LocalUpdate(Protocol):
    """A learner's update at one information state: ``apply(p, q) -> p'``."""

    def apply(self, policy: np.ndarray, q: np.ndarray) -> np.ndarray:
        ...


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - np.max(logits))
    return z / z.sum()


def _check(policy: np.ndarray, q: np.ndarray) -> None:
    if policy.shape != q.shape or policy.ndim != 1 or len(policy) == 0:
        raise ValueError(f"policy and q must be equal-length vectors, got {policy.shape} and {q.shape}")


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def _log(p: np.ndarray, what: str) -> np.ndarray:
    if np.any(p < 0.0):
        raise ValueError(f"{what} has negative entries")
    with np.errstate(divide="ignore"):
        return np.log(p)


class MirrorDescent:
    """MD with the negative-entropy mirror map: p' ∝ p·exp(eta·q)."""

    def __init__(self, eta: float) -> None:
        self.eta = _positive("eta", eta)

    def apply(self, policy: np.ndarray, q: np.ndarray) -> np.ndarray:
        _check(policy, q)
        return _softmax(_log(policy, "policy") + self.eta * q)

    def __repr__(self) -> str:
        return f"MirrorDescent(eta={self.eta})"


class MagneticMirrorDescent:
    """MMD: MD regularised towards a magnet ρ (uniform unless given) with temperature alpha."""

    def __init__(self, eta: float, alpha: float,
                 magnet: Callable[[int], np.ndarray] | None = None) -> None:
        self.eta = _positive("eta", eta)
        self.alpha = _positive("alpha", alpha)
        self.magnet = magnet

    def apply(self, policy: np.ndarray, q: np.ndarray) -> np.ndarray:
        _check(policy, q)
        rho = np.full(len(q), 1.0 / len(q)) if self.magnet is None else self.magnet(len(q))
        if rho.shape != q.shape:
            raise ValueError(f"magnet has {rho.shape} entries for {q.shape} actions")
        ae = self.alpha * self.eta
        energy = (_log(policy, "policy") + ae * _log(rho, "magnet") + self.eta * q) / (1.0 + ae)
        return _softmax(energy)

    def __repr__(self) -> str:
        return f"MagneticMirrorDescent(eta={self.eta}, alpha={self.alpha})"


class Greedy:
    """Policy iteration: all mass on the best action(s), ties shared equally."""

    def __init__(self, tolerance: float = 1e-12) -> None:
        self.tolerance = tolerance

    def apply(self, policy: np.ndarray, q: np.ndarray) -> np.ndarray:
        _check(policy, q)
        best = q >= np.max(q) - self.tolerance
        return best / best.sum()

    def __repr__(self) -> str:
        return "Greedy()"
