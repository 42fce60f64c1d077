"""Our engine against HLE pyhanabi and OpenSpiel ``hanabi``: same deck order, same (seeded,
mixed random) moves, everything observable compared after every step; plus the converters.

The full run (>= 5,000 games per player count) is ``python -m uedtp.eval.bench.engine --parity 5000``;
here as many games run as fit in about a minute in total.
"""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest
from hanabi_learning_environment import pyhanabi

from uedtp.envs.hanabi.game import HanabiGame, card_id
from uedtp.envs.hanabi.convert import (ParityError, check_parity_hle, from_hle, from_openspiel,
                                       game_from_openspiel, game_of_hle_state, hle_game, hle_move,
                                       mixed_random_move, new_hle_state, openspiel_game, run_parity, to_hle,
                                       to_openspiel)


HLE_GAMES = 150        # per player count (~30-60 ms each)
OPENSPIEL_GAMES = 300  # per player count (~5-10 ms each)


@pytest.mark.parametrize("players", [2, 3, 4, 5])
def test_parity_with_hle(players):
    stats = run_parity(HanabiGame(players=players), range(1000, 1000 + HLE_GAMES), "hle")
    assert stats["games"] == HLE_GAMES
    # the mixed policy must have exercised both endings and long games
    assert stats["deck_exhausted"] >= HLE_GAMES // 5 and stats["lives_lost"] >= HLE_GAMES // 5
    assert stats["moves"] >= 30 * HLE_GAMES


@pytest.mark.parametrize("players", [2, 3, 4, 5])
def test_parity_with_openspiel(players):
    stats = run_parity(HanabiGame(players=players), range(2000, 2000 + OPENSPIEL_GAMES),
                       "openspiel")
    assert stats["games"] == OPENSPIEL_GAMES
    assert stats["deck_exhausted"] >= OPENSPIEL_GAMES // 5
    assert stats["lives_lost"] >= OPENSPIEL_GAMES // 5


VARIANTS = [dict(players=2, colors=3, ranks=2), dict(players=3, colors=1, ranks=5, hand_size=2),
            dict(players=4, colors=5, ranks=3, hand_size=3, max_information_tokens=3,
                 max_life_tokens=1),
            dict(players=5, colors=2, ranks=4, hand_size=2, max_information_tokens=12,
                 max_life_tokens=5),
            dict(players=2, colors=1, ranks=1, hand_size=1),
            dict(players=2, colors=4, ranks=5, hand_size=4, max_information_tokens=20)]


@pytest.mark.parametrize("kwargs", VARIANTS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_parity_variants(kwargs):
    game = HanabiGame(**kwargs)
    assert run_parity(game, range(40), "hle")["games"] == 40
    assert run_parity(game, range(40), "openspiel")["games"] == 40


def test_some_games_are_perfect_so_the_all_complete_ending_is_checked():
    game = HanabiGame(players=2, colors=1, ranks=5, hand_size=2)
    stats = run_parity(game, range(60), "hle")
    assert stats["perfect"] >= 5


def test_parity_detects_a_broken_engine():
    """The checker is not vacuous: replaying with a corrupted rule set is caught."""
    game = HanabiGame(players=2)
    wrong = HanabiGame(players=2, max_information_tokens=7)
    hle_state = new_hle_state(hle_game(game, seed=1))
    while hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
        hle_state.deal_random_card()
    ours = from_hle(hle_state, wrong)
    assert ours.information_tokens() != hle_state.information_tokens()
    with pytest.raises(ParityError, match="legal moves|information tokens"):
        from uedtp.envs.hanabi.convert import _compare_hle
        _compare_hle(game, 1, 0, ours, hle_state, pyhanabi.lib, hle_state._game)


@pytest.mark.parametrize("players", [2, 3, 4, 5])
def test_move_uids_and_names_match_hle(players):
    game = HanabiGame(players=players)
    hgame = hle_game(game)
    assert game.num_distinct_actions() == hgame.max_moves()
    for uid in range(game.num_distinct_actions()):
        assert game.move_name(uid) == str(hgame.get_move(uid))
        assert hgame.get_move_uid(hle_move(game, uid)) == uid


def test_round_trips_through_hle_and_openspiel():
    rng = np.random.default_rng(0)
    for players in (2, 3, 4, 5):
        game = HanabiGame(players=players)
        state = game.new_initial_state(seed=players)
        for _ in range(25):
            if state.is_terminal():
                break
            state.apply_action(mixed_random_move(state, rng, 0.2, 0.5))
        hle_state = to_hle(state)
        assert game_of_hle_state(hle_state) == game
        back = from_hle(hle_state, rest_seed=None)
        # HLE cannot tell the order of undealt cards: compare all but the undrawn deck order
        assert str(back) == str(state) and back.history() == state.history()
        assert sorted(back.deck()) == sorted(state.deck())
        os_state = to_openspiel(state)
        assert game_from_openspiel(os_state.get_game()) == game
        back = from_openspiel(os_state)
        assert str(back) == str(state) and back.history() == state.history()


def test_replaying_hle_random_deals_in_our_engine():
    """HLE deals from its own RNG; our deck-from-list constructor replays those deals."""
    game = HanabiGame(players=3)
    hle_state = new_hle_state(hle_game(game, seed=42))
    rng = np.random.default_rng(42)
    while not hle_state.is_terminal():
        if hle_state.cur_player() == pyhanabi.CHANCE_PLAYER_ID:
            hle_state.deal_random_card()
        else:
            moves = hle_state.legal_moves()
            hle_state.apply_move(moves[int(rng.integers(len(moves)))])
    ours = from_hle(hle_state)
    assert ours.is_terminal() and ours.score() == hle_state.score()
    assert str(ours) == str(hle_state).replace("Cur player\n", "")


def test_converters_reject_edited_states_and_bad_games():
    game = HanabiGame(players=2)
    state = game.new_initial_state(seed=3)
    unseen = state.deck() + state.hand(0)
    state.set_hand(0, sorted(unseen)[:5], seed=1)
    assert state.hand(0) != state.deal_order()[:5]
    with pytest.raises(ValueError, match="set_hand"):
        to_hle(state)
    with pytest.raises(ValueError, match="set_hand"):
        to_openspiel(state)
    # an edit whose deal order holds six R1s: refused before HLE could abort on the deal
    deck = game.full_deck()                                # canonical: R1 R1 R1 R2 R2 first
    edited = game.new_initial_state(deck=deck)
    edited.set_hand(0, [card_id(4, 0)] * 3 + [card_id(4, 1)] * 2)   # B1 B1 B1 B2 B2
    assert sorted(edited.deal_order()) != sorted(deck)
    with pytest.raises(ValueError, match="multiset"):
        to_hle(edited)
    with pytest.raises(ValueError, match="multiset"):
        to_openspiel(edited)
    with pytest.raises(ValueError, match="not an OpenSpiel hanabi game"):
        game_from_openspiel(pyspiel.load_game("kuhn_poker"))
    with pytest.raises(ValueError, match="random_start_player"):
        game_from_openspiel(pyspiel.load_game("hanabi", {"random_start_player": True}))
    with pytest.raises(ValueError, match="against"):
        run_parity(game, range(1), "sparta")
    assert check_parity_hle(game, 0).is_terminal()
    assert openspiel_game(game).num_distinct_actions() == game.num_distinct_actions()
