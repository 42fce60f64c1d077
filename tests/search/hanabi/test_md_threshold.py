"""Argmax MD search on an epsilon-mixed blueprint is a threshold rule (uedtp.search.hanabi.md)."""
import doctest

import numpy as np
import pytest

import uedtp.search.hanabi.md as hms
from uedtp.search.hanabi.md import deviation_threshold
from uedtp.search.update_equivalent.local_updates import MirrorDescent


def _mixed(n: int, bot: int, eps: float) -> np.ndarray:
    p = np.full(n, eps / n)
    p[bot] += 1.0 - eps
    return p


@pytest.mark.parametrize("eps,eta", [(0.01, 6.0), (0.01, 13.0), (0.1, 3.0), (0.3, 40.0)])
def test_md_argmax_equals_threshold_rule(eps: float, eta: float) -> None:
    rng = np.random.default_rng(7)
    md = MirrorDescent(eta)
    deviations = 0
    for _ in range(2000):
        n = int(rng.integers(2, 20))
        bot = int(rng.integers(n))
        q = rng.uniform(10.0, 25.0, size=n)
        q[bot] = q.max() - rng.uniform(-1.0, 2.0)      # near the best, so both outcomes occur
        chosen = int(np.argmax(md.apply(_mixed(n, bot, eps), q)))
        others = [a for a in range(n) if a != bot]
        best = max(others, key=lambda a: q[a])
        rule = best if q[best] - q[bot] > deviation_threshold(eps, n, eta) else bot
        assert chosen == rule
        deviations += rule != bot
    assert 100 < deviations < 1900


def test_threshold_shrinks_with_eta_and_errors() -> None:
    assert deviation_threshold(0.01, 12, 12.0) == pytest.approx(deviation_threshold(0.01, 12, 6.0) / 2)
    assert deviation_threshold(0.1, 12, 6.0) < deviation_threshold(0.01, 12, 6.0)
    with pytest.raises(ValueError, match="epsilon"):
        deviation_threshold(0.0, 12, 6.0)
    with pytest.raises(ValueError, match="num_legal"):
        deviation_threshold(0.01, 1, 6.0)
    with pytest.raises(ValueError, match="eta"):
        deviation_threshold(0.01, 5, -1.0)


def test_docstring_examples() -> None:
    assert doctest.testmod(hms).failed == 0
