"""Bradley–Terry / Elo ratings: recovery of generating ratings, intervals, edge cases, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.eval.tournament.ratings import (ELO_PER_NAT, RatingError, bootstrap_ratings,
                                           fit_bradley_terry, hessian_ratings)

TRUE_ELO = np.array([-300.0, -80.0, 0.0, 120.0, 260.0])


def synthetic(games_per_pair: int, seed: int, draws: float = 0.0):
    """Win matrix and comparison list sampled from the Bradley–Terry model of TRUE_ELO."""
    rng = np.random.default_rng(seed)
    theta = TRUE_ELO / ELO_PER_NAT
    k = len(theta)
    wins = np.zeros((k, k))
    pairs = []
    for i in range(k):
        for j in range(i + 1, k):
            p = 1.0 / (1.0 + np.exp(-(theta[i] - theta[j])))
            for _ in range(games_per_pair):
                if rng.random() < draws:
                    s = 0.5
                else:
                    s = float(rng.random() < p)
                wins[i, j] += s
                wins[j, i] += 1.0 - s
                pairs.append((i, j, s))
    return wins, pairs


def centred(x):
    return x - x.mean()


@pytest.mark.parametrize("prior", [1000.0, None])
def test_recovers_generating_ratings(prior):
    wins, _ = synthetic(3000, seed=1)
    ratings = hessian_ratings(list("abcde"), wins, prior_elo=prior)
    assert abs(ratings.elo.mean()) < 1e-6
    err = np.abs(ratings.elo - centred(TRUE_ELO))
    assert err.max() < 20.0, err          # ~4 standard errors at 3000 games per pair
    assert np.all(ratings.stderr > 1.0) and np.all(ratings.stderr < 10.0)
    assert np.all(ratings.low < ratings.elo) and np.all(ratings.elo < ratings.high)
    assert np.argsort(ratings.elo).tolist() == [0, 1, 2, 3, 4]


def test_hessian_intervals_cover_the_truth_most_of_the_time():
    covered, total = 0, 0
    for seed in range(20):
        wins, _ = synthetic(200, seed=100 + seed)
        r = hessian_ratings(list("abcde"), wins)
        truth = centred(TRUE_ELO)
        covered += int(np.sum((r.low <= truth) & (truth <= r.high)))
        total += len(truth)
    assert 0.85 <= covered / total <= 1.0       # nominal 95 %


def test_bootstrap_intervals_agree_with_hessian():
    wins, pairs = synthetic(300, seed=3)
    h = hessian_ratings(list("abcde"), wins)
    b = bootstrap_ratings(list("abcde"), pairs, samples=150, seed=0)
    assert np.allclose(h.elo, b.elo, atol=1e-6)           # same point estimate
    width_h = h.high - h.low
    width_b = b.high - b.low
    assert np.all(np.abs(width_b / width_h - 1.0) < 0.35), (width_h, width_b)
    assert b.method == "bootstrap" and h.method == "hessian"


def test_draws_count_half():
    wins = np.array([[0.0, 5.0], [5.0, 0.0]])               # e.g. 10 draws
    r = hessian_ratings(["a", "b"], wins)
    assert np.allclose(r.elo, 0.0)
    wins = np.array([[0.0, 75.0], [25.0, 0.0]])
    r = hessian_ratings(["a", "b"], wins, prior_elo=None)
    # P(a beats b) = 0.75  ->  Elo gap = 400 log10(3)
    assert abs((r.elo[0] - r.elo[1]) - 400 * np.log10(3.0)) < 1e-6


def test_perfect_record_needs_the_prior():
    wins = np.array([[0.0, 10.0], [0.0, 0.0]])
    r = hessian_ratings(["a", "b"], wins)
    assert np.isfinite(r.elo).all() and r.elo[0] > r.elo[1]
    with pytest.raises(RatingError, match="do not exist"):
        hessian_ratings(["a", "b"], wins, prior_elo=None)


@pytest.mark.parametrize("wins, message", [
    (np.zeros((2, 3)), "square"),
    (np.array([[0.0, -1.0], [1.0, 0.0]]), "non-negative"),
    (np.array([[0.0, np.nan], [1.0, 0.0]]), "finite"),
    (np.zeros((1, 1)), "at least two"),
])
def test_bad_input(wins, message):
    with pytest.raises(RatingError, match=message):
        fit_bradley_terry(wins)


def test_bad_prior_and_bootstrap_size():
    with pytest.raises(RatingError, match="prior_elo must be positive"):
        fit_bradley_terry(np.ones((2, 2)), prior_elo=-5.0)
    with pytest.raises(RatingError, match="at least 2 samples"):
        bootstrap_ratings(["a", "b"], [(0, 1, 1.0)], samples=1)
