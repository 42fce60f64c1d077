"""``uedtp.eval.hanabi.network``: held-out decks, SmartBot's scores on them, paired differences and the
support figures of the sampled policy, checked against independent computations."""
from __future__ import annotations

import numpy as np

from uedtp.csrc.hanabi_bots import BotSeats
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.hanabi.network import DECK_BASE, decks, evaluate_network, table
from tests.paths import CHECKPOINTS


def _smartbot_score(deck: int) -> int:
    state = HanabiGame(players=2).new_initial_state(seed=deck)
    seats = BotSeats("smart", state)
    while not state.is_terminal():
        uid = seats.decide(state)
        seats.observe(state, uid)
        state.apply_action(uid)
    return state.score()


def test_network_figures_match_independent_play() -> None:
    path = str(CHECKPOINTS / "hanabi_smartbot_bc.pt")
    r = evaluate_network(path, games=24, seed=3, chunk=10)
    assert decks(3, 2) == [DECK_BASE + 3 * 10**6, DECK_BASE + 3 * 10**6 + 1]
    want = np.array([_smartbot_score(d) for d in decks(3, 24)], dtype=float)
    assert abs(r["smartbot"]["mean"] - want.mean()) < 1e-12
    assert abs(r["smartbot"]["stderr"] - want.std(ddof=1) / np.sqrt(24)) < 1e-12
    for name in ("greedy", "sampled"):
        s = r[name]
        assert 0 <= s["mean"] <= 25 and 0 <= s["perfect_rate"] <= 1
        assert abs(s["diff_vs_smartbot"] - (s["mean"] - want.mean())) < 1e-9
    sup = r["support"]
    assert sup["states"] > 24 * 40                       # every decision of the sampled games
    assert 0 < sup["min_legal_probability"] < 0.5        # full support, but peaked
    assert 0 < sup["mean_entropy_nats"] < np.log(20)
    again = evaluate_network(path, games=24, seed=3, chunk=24)     # chunking changes nothing
    assert again["greedy"] == r["greedy"] and again["smartbot"] == r["smartbot"]
    assert "greedy" in table(r) and "entropy" in table(r)
