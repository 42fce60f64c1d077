"""Tests of the native rule-based Hanabi bots, their Python agents and the full-support wrapper.

The main check replays every reference game of the original C++ bots
(shared/data/hanabi_bot_games.txt: deck order -> final fireworks total and lives lost) with our
bots; a bot that deviates from the reference rules in any decision changes some of these scores.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from uedtp.agents.full_support import FullSupportPolicy, full_support_bot
from uedtp.agents.hanabi.bots import (HanabiBotAgent, HolmesBotAgent, SimpleBotAgent, SmartBotAgent,
                                      ValueBotAgent)
from uedtp.csrc.hanabi_bots import BotSeats, bot_kind, play_deck, self_play_games
from uedtp.envs.hanabi.game import HanabiGame
from tests.paths import DATA

BOTS = ("simple", "holmes", "smart", "value")
REFERENCE_NAMES = {"SimpleBot": "simple", "HolmesBot": "holmes", "SmartBot": "smart"}


def _reference_games() -> list[tuple[str, int, int, int, list[int]]]:
    path = DATA / "hanabi_bot_games.txt"     # copied from shared/data: decks and scores (facts)
    games = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split()
        deck = [int(x[0]) * 5 + int(x[1]) - 1 for x in f[4:]]
        games.append((REFERENCE_NAMES[f[0]], int(f[1]), int(f[2]), int(f[3]), deck))
    return games


def _play(state, agents) -> None:
    while not state.is_terminal():
        state.apply_action(agents[state.current_player()].act(state))


# ---------------------------------------------------------------------------------------------
# reference games


def test_reproduces_every_reference_game():
    games = _reference_games()
    counts = Counter((bot, n) for bot, n, *_ in games)
    # the file's documented composition: every bot at every player count
    assert counts[("smart", 2)] == 2000 and counts[("simple", 5)] == 100
    assert len(games) == 4500
    mismatches = []
    for bot, n, score, mulligans, deck in games:
        fw, lost, hle, _moves = play_deck(bot, n, deck)
        if fw != score or lost != mulligans:
            mismatches.append((bot, n, score, mulligans, fw, lost))
        assert hle == (0 if lost == 3 else fw)
    assert not mismatches, f"{len(mismatches)} reference games differ, first: {mismatches[:5]}"


def test_python_agents_match_native_self_play_on_reference_decks():
    games = _reference_games()
    picked = {}
    for g in games:
        picked.setdefault((g[0], g[1]), g)
    for (bot, n), (_, _, score, mulligans, deck) in sorted(picked.items()):
        state = HanabiGame(players=n).new_initial_state(deck=deck)
        _play(state, [HanabiBotAgent(bot) for _ in range(n)])
        assert state.fireworks_total() == score, (bot, n)
        assert 3 - state.life_tokens() == mulligans, (bot, n)


# ---------------------------------------------------------------------------------------------
# strength


def test_smartbot_two_player_mean_at_least_22_5():
    fw, lost, _ = self_play_games("smart", 2, 3000, seed=12345, num_threads=2)
    hle = np.where(lost == 3, 0, fw)
    # reference: 22.99 (HLE scoring); s.e. over 3000 games ~0.04, so 22.6 has a wide margin
    assert hle.mean() >= 22.6
    assert 0.15 <= np.mean(fw == 25) <= 0.45          # reference: 29.5% perfect games


@pytest.mark.parametrize("bot,players,lo,hi", [
    ("simple", 2, 16.5, 17.5), ("simple", 4, 18.9, 19.8),
    ("holmes", 2, 20.4, 21.2), ("smart", 3, 22.9, 23.7), ("smart", 5, 20.3, 21.1),
    ("value", 2, 19.4, 20.2), ("value", 5, 17.4, 18.1)])
def test_mean_points_match_reference_table(bot, players, lo, hi):
    fw, _, _ = self_play_games(bot, players, 2000, seed=7, num_threads=2)
    assert lo <= fw.mean() <= hi


@pytest.mark.parametrize("bot", ["simple", "value"])
def test_cautious_bots_never_misplay_and_results_do_not_depend_on_threads(bot):
    a = self_play_games(bot, 3, 400, seed=3, num_threads=1)
    b = self_play_games(bot, 3, 400, seed=3, num_threads=2)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert a[1].max() == 0          # reference: SimpleBot and ValueBot never lose a life


# ---------------------------------------------------------------------------------------------
# decide reads only the acting player's view


def _midgame_states(players: int, bot: str, count: int, seed: int):
    rng = np.random.default_rng(seed)
    game = HanabiGame(players=players)
    out = []
    for g in range(count):
        state = game.new_initial_state(seed=seed * 1000 + g)
        seats = BotSeats(bot, state)
        stop = int(rng.integers(0, 40))
        while not state.is_terminal() and state.history().__len__() < stop:
            uid = seats.decide(state)
            seats.observe(state, uid)
            state.apply_action(uid)
        if not state.is_terminal():
            out.append((state, seats))
    return out


def _random_hand(state, player, rng):
    counts = state.unseen_counts(player)
    pool = [c for c in range(25) for _ in range(int(counts[c]))]
    idx = rng.choice(len(pool), size=len(state.hand(player)), replace=False)
    return [pool[i] for i in idx]


@pytest.mark.parametrize("bot", BOTS)
@pytest.mark.parametrize("players", [2, 3])
def test_decide_does_not_read_own_hand(bot, players):
    rng = np.random.default_rng(0)
    changed = 0
    for state, seats in _midgame_states(players, bot, 40, seed=players):
        me = state.current_player()
        move = seats.decide(state)
        other = state.clone()
        other.set_hand(me, _random_hand(state, me, rng), seed=1)
        changed += other.hand(me) != state.hand(me)
        assert seats.decide(other) == move
    assert changed >= 30


# ---------------------------------------------------------------------------------------------
# permissive fallback: off-policy play must not crash or produce illegal moves


@pytest.mark.parametrize("players", [2, 4])
def test_smartbot_stays_legal_off_policy(players):
    rng = np.random.default_rng(5)
    game = HanabiGame(players=players)
    empty_seen = 0
    moves = 0
    for g in range(30):
        state = game.new_initial_state(seed=g)
        seats = BotSeats("smart", state)
        while not state.is_terminal():
            uid = seats.decide(state)
            assert state.is_legal(uid)
            moves += 1
            if rng.random() < 0.4:             # off-policy move: conventions get contradicted
                legal = state.legal_actions()
                uid = legal[int(rng.integers(len(legal)))]
            seats.observe(state, uid)
            state.apply_action(uid)
            for p in range(players):
                empty_seen += sum(1 for slot in seats.possibilities(0, p) if not slot)
    assert moves > 500
    assert empty_seen > 0          # the fallback (empty possibility sets) was exercised


def test_decide_on_hypothetical_partner_hands_is_legal():
    rng = np.random.default_rng(9)
    for bot in BOTS:
        for state, seats in _midgame_states(2, bot, 30, seed=11):
            me = state.current_player()
            partner = 1 - me
            other = state.clone()
            other.set_hand(partner, _random_hand(state, partner, rng), seed=2)
            assert other.is_legal(seats.decide(other))


# ---------------------------------------------------------------------------------------------
# agents


def test_agent_classes_and_probabilities():
    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=4)
    for cls, name in [(SimpleBotAgent, "simple"), (HolmesBotAgent, "holmes"),
                      (SmartBotAgent, "smart"), (ValueBotAgent, "value")]:
        agent = cls(seed=1)
        assert agent.bot == name
        probs = agent.action_probabilities(state)
        assert probs == {agent.act(state): 1.0}
        assert state.is_legal(agent.act(state))


def test_agent_follows_games_incrementally_and_rebuilds():
    game = HanabiGame(players=2)
    # reference: two separate agents, one per seat, each seeing every state
    a = game.new_initial_state(seed=21)
    _play(a, [SmartBotAgent(), SmartBotAgent()])
    # one agent switching between two interleaved games must give the same moves
    agent = SmartBotAgent()
    g1 = game.new_initial_state(seed=21)
    g2 = game.new_initial_state(seed=22)
    ref2 = game.new_initial_state(seed=22)
    _play(ref2, [SmartBotAgent()] * 2)
    while not (g1.is_terminal() and g2.is_terminal()):
        for g in (g1, g2):
            if not g.is_terminal():
                g.apply_action(agent.act(g))
    assert g1.history() == a.history()
    assert g2.history() == ref2.history()
    # jumping back to an earlier point of a game rebuilds from the history
    early = game.new_initial_state(seed=21)
    early.apply_actions(a.history()[:17])
    assert agent.act(early) == a.history()[17]


def test_agent_on_state_with_replaced_own_hand():
    game = HanabiGame(players=2)
    full = game.new_initial_state(seed=31)
    _play(full, [HolmesBotAgent()] * 2)
    state = game.new_initial_state(seed=31)
    state.apply_actions(full.history()[:20])
    me = state.current_player()
    hypo = state.clone()
    hypo.set_hand(me, _random_hand(state, me, np.random.default_rng(1)), seed=3)
    agent = HolmesBotAgent()
    assert agent.act(hypo) == full.history()[20]


def test_bad_input_is_rejected():
    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=1)
    with pytest.raises(ValueError, match="unknown bot"):
        HanabiBotAgent("cleverbot")
    with pytest.raises(TypeError):
        HanabiBotAgent(3)
    assert bot_kind("SmartBot") == bot_kind("smart")
    with pytest.raises(TypeError, match="HanabiState"):
        SmartBotAgent().act("not a state")
    seats = BotSeats("smart", state)
    with pytest.raises(ValueError, match="not legal"):
        seats.observe(state, 999)
    assert seats.moves_seen == 0
    uid = seats.decide(state)
    state.apply_action(uid)
    with pytest.raises(ValueError, match="observed 0 moves"):
        seats.decide(state)
    with pytest.raises(ValueError, match="no moves made"):
        BotSeats("smart", state)
    with pytest.raises(ValueError, match="permutation"):
        play_deck("smart", 2, list(range(50)))
    with pytest.raises(ValueError, match="n_games"):
        self_play_games("smart", 2, 0)
    with pytest.raises(ValueError, match="configuration"):
        self_play_games("smart", 6, 10)
    done = game.new_initial_state(seed=2)
    _play(done, [SimpleBotAgent()] * 2)
    with pytest.raises(ValueError, match="over"):
        SimpleBotAgent().act(done)


# ---------------------------------------------------------------------------------------------
# full-support wrapper


def test_full_support_mixture():
    game = HanabiGame(players=3)
    state = game.new_initial_state(seed=8)
    eps = 0.2
    policy = full_support_bot("smart", epsilon=eps, seed=0)
    probs = policy.action_probabilities(state)
    legal = state.legal_actions()
    assert sorted(probs) == sorted(legal)
    assert math.isclose(sum(probs.values()), 1.0)
    bot_move = SmartBotAgent().act(state)
    assert math.isclose(probs[bot_move], 1 - eps + eps / len(legal))
    for a in legal:
        if a != bot_move:
            assert math.isclose(probs[a], eps / len(legal))
    draws = Counter(policy.act(state) for _ in range(2000))
    assert abs(draws[bot_move] / 2000 - probs[bot_move]) < 0.04
    assert len(draws) > len(legal) // 2            # off-policy moves do get sampled
    uniform = FullSupportPolicy(SmartBotAgent(), epsilon=1.0)
    assert all(math.isclose(p, 1 / len(legal)) for p in uniform.action_probabilities(state).values())


class _Scored:
    def action_scores(self, state):
        return {a: float(i) for i, a in enumerate(state.legal_actions())}


def test_full_support_boltzmann():
    state = HanabiGame(players=2).new_initial_state(seed=3)
    legal = state.legal_actions()
    pol = FullSupportPolicy(_Scored(), epsilon=0.1, temperature=2.0)
    probs = pol.action_probabilities(state)
    z = np.exp(np.arange(len(legal)) / 2.0)
    expect = 0.9 * z / z.sum() + 0.1 / len(legal)
    assert np.allclose([probs[a] for a in legal], expect)


@pytest.mark.parametrize("eps", [0.0, -0.1, 1.5, float("nan")])
def test_full_support_rejects_bad_epsilon(eps):
    with pytest.raises(ValueError, match="epsilon"):
        FullSupportPolicy(SmartBotAgent(), epsilon=eps)


def test_full_support_rejects_bad_arguments():
    with pytest.raises(TypeError, match="epsilon"):
        FullSupportPolicy(SmartBotAgent(), epsilon=True)
    with pytest.raises(ValueError, match="temperature"):
        FullSupportPolicy(_Scored(), epsilon=0.1, temperature=0.0)
    with pytest.raises(TypeError, match="action_scores"):
        FullSupportPolicy(SmartBotAgent(), epsilon=0.1, temperature=1.0)
    with pytest.raises(TypeError, match="action_probabilities"):
        FullSupportPolicy(object(), epsilon=0.1)
