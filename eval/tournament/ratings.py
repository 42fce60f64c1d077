"""Bradley–Terry (Elo-scale) ratings from pairwise results, with confidence intervals.

Model: P(i beats j) = σ(θ_i − θ_j); a draw counts as half a win for each side. One step of the
fit is a Newton step on the log-likelihood
    ℓ(θ) = Σ_{i,j} w_ij·log σ(θ_i − θ_j) − Σ_i θ_i² / (2·s²)
(w_ij = wins of i over j, draws halved). The Gaussian term is a very weak prior (default
s = 1000 Elo) that keeps ratings finite when an agent wins or loses every game; it also fixes the
free additive constant (the fitted ratings have mean 0). With ``prior_elo=None`` the fit is plain
maximum likelihood, centred to mean 0, and fails with a clear error when the MLE does not exist.

Confidence intervals (95 %):
- ``hessian`` (default): standard errors from the inverse observed information (the negative
  Hessian at the optimum; pseudo-inverse in the mean-zero subspace for the plain MLE);
- ``bootstrap``: refit on pairwise comparisons resampled with replacement (one comparison per
  game in two-player games); percentile intervals of the centred ratings.
Ratings are reported in Elo points: Elo = θ · 400 / ln 10.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

ELO_PER_NAT = 400.0 / math.log(10.0)
Z95 = 1.959963984540054


class RatingError(ValueError):
    """Ratings cannot be fitted from the given results (names the reason)."""


@dataclasses.dataclass
class Ratings:
    """Elo ratings (mean 0) with 95 % intervals; ``method`` says how the intervals were found."""

    agents: list[str]
    elo: np.ndarray
    low: np.ndarray
    high: np.ndarray
    stderr: np.ndarray
    method: str

    def as_rows(self) -> list[dict[str, float | str]]:
        return [{"agent": a, "elo": float(e), "elo_low": float(lo), "elo_high": float(hi),
                 "elo_se": float(se)}
                for a, e, lo, hi, se in zip(self.agents, self.elo, self.low, self.high,
                                            self.stderr)]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fit_bradley_terry(wins: np.ndarray, prior_elo: float | None = 1000.0,
                      tol: float = 1e-10, max_iter: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """θ (natural units) and the negative Hessian at θ, from ``wins[i, j]`` = wins of i over j.

    ``wins`` may hold halves (draws). Raises ``RatingError`` for bad input or a missing MLE.
    """
    wins = np.asarray(wins, dtype=float)
    if wins.ndim != 2 or wins.shape[0] != wins.shape[1]:
        raise RatingError(f"wins must be a square matrix, got shape {wins.shape}")
    if np.any(wins < 0) or not np.all(np.isfinite(wins)):
        raise RatingError("wins must be finite and non-negative")
    k = wins.shape[0]
    if k < 2:
        raise RatingError("ratings need at least two agents")
    games = wins + wins.T
    np.fill_diagonal(games, 0.0)
    if prior_elo is not None and prior_elo <= 0:
        raise RatingError(f"prior_elo must be positive (or None), got {prior_elo}")
    precision = 0.0 if prior_elo is None else (ELO_PER_NAT / prior_elo) ** 2
    if prior_elo is None:
        _check_mle_exists(wins, games)
    score = wins.sum(axis=1) - np.diag(wins)
    theta = np.zeros(k)

    def objective(t: np.ndarray) -> float:
        diff = t[:, None] - t[None, :]
        logp = -np.logaddexp(0.0, -diff)
        off = ~np.eye(k, dtype=bool)
        return float(np.sum(wins[off] * logp[off]) - 0.5 * precision * t @ t)

    value = objective(theta)
    for _ in range(max_iter):
        p = _sigmoid(theta[:, None] - theta[None, :])
        grad = score - (games * p).sum(axis=1) - precision * theta
        info = games * p * (1.0 - p)
        neg_hess = np.diag(info.sum(axis=1) + precision) - info
        if prior_elo is None:
            # Shift invariance: solve in the mean-zero subspace.
            step = np.linalg.lstsq(neg_hess + 1.0 / k, grad, rcond=None)[0]
        else:
            step = np.linalg.solve(neg_hess, grad)
        scale = 1.0
        while True:
            candidate = theta + scale * step
            if prior_elo is None:
                candidate = candidate - candidate.mean()
            new_value = objective(candidate)
            if new_value >= value - 1e-12 or scale < 1e-8:
                break
            scale *= 0.5
        theta, value = candidate, new_value
        if np.max(np.abs(scale * step)) < tol:
            break
    p = _sigmoid(theta[:, None] - theta[None, :])
    info = games * p * (1.0 - p)
    neg_hess = np.diag(info.sum(axis=1) + precision) - info
    return theta, neg_hess


def _check_mle_exists(wins: np.ndarray, games: np.ndarray) -> None:
    """Plain MLE exists iff the directed 'i scored against j' graph is strongly connected."""
    k = wins.shape[0]
    scored = (wins > 0) & ~np.eye(k, dtype=bool)
    for start in range(k):
        seen = {start}
        stack = [start]
        while stack:
            i = stack.pop()
            for j in np.flatnonzero(scored[i]):
                if j not in seen:
                    seen.add(int(j))
                    stack.append(int(j))
        if len(seen) < k:
            raise RatingError("the maximum-likelihood ratings do not exist: some agent never "
                              "scored (won or drew) against a group that beat it; use a prior")


def hessian_ratings(agents: list[str], wins: np.ndarray,
                    prior_elo: float | None = 1000.0) -> Ratings:
    """Ratings with 95 % intervals from the inverse observed information."""
    theta, neg_hess = fit_bradley_terry(wins, prior_elo)
    k = len(agents)
    # Ratings are only defined up to a common shift, reported with mean 0: the intervals are
    # those of the centred ratings (the prior's uncertainty about the shift is projected out).
    centre = np.eye(k) - 1.0 / k
    inverse = np.linalg.pinv(neg_hess) if prior_elo is None else np.linalg.inv(neg_hess)
    cov = centre @ inverse @ centre
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None)) * ELO_PER_NAT
    elo = theta * ELO_PER_NAT
    return Ratings(list(agents), elo, elo - Z95 * se, elo + Z95 * se, se, "hessian")


def bootstrap_ratings(agents: list[str], pairs: list[tuple[int, int, float]],
                      samples: int = 200, seed: int = 0,
                      prior_elo: float | None = 1000.0) -> Ratings:
    """Ratings with 95 % percentile intervals from refits on resampled games.

    ``pairs`` holds one (i, j, s) per comparison: s = 1 if i beat j, 0.5 draw, 0 loss.
    """
    if samples < 2:
        raise RatingError(f"bootstrap needs at least 2 samples, got {samples}")
    k = len(agents)
    data = np.array(pairs, dtype=float).reshape(-1, 3)
    if len(data) == 0:
        raise RatingError("no games to rate")

    def wins_of(rows: np.ndarray) -> np.ndarray:
        w = np.zeros((k, k))
        i, j, s = rows[:, 0].astype(int), rows[:, 1].astype(int), rows[:, 2]
        np.add.at(w, (i, j), s)
        np.add.at(w, (j, i), 1.0 - s)
        return w

    theta, _ = fit_bradley_terry(wins_of(data), prior_elo)
    rng = np.random.default_rng(seed)
    draws = np.empty((samples, k))
    for b in range(samples):
        rows = data[rng.integers(len(data), size=len(data))]
        try:
            draws[b] = fit_bradley_terry(wins_of(rows), prior_elo)[0]
        except RatingError:
            draws[b] = np.nan
    draws = draws[~np.isnan(draws).any(axis=1)] * ELO_PER_NAT
    draws -= draws.mean(axis=1, keepdims=True)
    if len(draws) < 2:
        raise RatingError("too few bootstrap refits succeeded; use a prior")
    elo = (theta - theta.mean()) * ELO_PER_NAT
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return Ratings(list(agents), elo, low, high, draws.std(axis=0, ddof=1), "bootstrap")
