"""The game dispatcher behind tournaments: native Hanabi vs OpenSpiel, seeds, clear errors."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.envs.games import COMMON_PAYOFF, GENERAL_SUM, ZERO_SUM, make_game
from uedtp.envs.openspiel_games import GameError
from uedtp.eval.tournament.config import Section, TournamentConfig
from uedtp.eval.tournament.run import run_tournament


@pytest.mark.parametrize("game_string, engine, players, utility, max_score", [
    ("kuhn_poker", "openspiel", 2, ZERO_SUM, 2.0),
    ("tiny_hanabi", "openspiel", 2, COMMON_PAYOFF, 10.0),
    ("openspiel:hanabi(players=3)", "openspiel", 3, COMMON_PAYOFF, 25.0),
    ("goofspiel(num_cards=3)", "openspiel", 2, ZERO_SUM, 1.0),
    ("kuhn_poker(players=3)", "openspiel", 3, ZERO_SUM, None),
    ("matrix_pd", "openspiel", 2, GENERAL_SUM, None),
])
def test_openspiel_games(game_string, engine, players, utility, max_score):
    game = make_game(game_string)
    assert (game.engine, game.num_players, game.utility) == (engine, players, utility)
    if max_score is not None:
        assert game.max_score == max_score
    assert game.is_two_player_zero_sum == (players == 2 and utility == ZERO_SUM)


def test_native_hanabi():
    game = make_game("hanabi(players=3,colors=4)")
    assert (game.engine, game.num_players, game.utility) == ("native-hanabi", 3, COMMON_PAYOFF)
    assert game.max_score == 20 and game.is_common_payoff
    a, b, c = (game.new_initial_state(s) for s in (4, 4, 5))
    assert a.hands() == b.hands() and a.hands() != c.hands()
    assert not game.is_chance_node(a)
    assert make_game("hanabi").num_players == 2


def test_openspiel_chance_is_drawn_from_the_generator():
    game = make_game("leduc_poker")

    def deal(seed):
        state = game.new_initial_state(seed)
        rng = np.random.default_rng(seed)
        while state.is_chance_node():
            state.apply_action(game.sample_chance(state, rng))
        return state.history()
    assert deal(1) == deal(1)
    assert len({tuple(deal(s)) for s in range(10)}) > 1


@pytest.mark.parametrize("game_string, message", [
    ("", "non-empty"),
    ("no_such_game", "unknown game 'no_such_game'"),
    ("hanabi(players=x)", "must be an integer"),
    ("hanabi(foo=1)", "unknown parameter 'foo'"),
    ("hanabi(players=2,players=3)", "given twice"),
    ("hanabi(players)", "expected name=value"),
    ("kuhn_poker(players=1)", "cannot load"),
])
def test_bad_game_strings(game_string, message):
    with pytest.raises(GameError, match=message):
        make_game(game_string)


def test_bad_native_parameters_are_game_errors():
    with pytest.raises(GameError, match="cannot build"):
        make_game("hanabi(players=9)")


def test_tournaments_on_simultaneous_and_three_player_games(tmp_path):
    config = TournamentConfig((
        Section("goofspiel(num_cards=3)", ("uniform", "mcts(simulations=10)"), "auto", 2),
        Section("kuhn_poker(players=3)",
                ("uniform", "mcts(simulations=10)", "mixed(epsilon=0.5)@uniform"), "auto", 2)))
    result = run_tournament(config, str(tmp_path), workers=1, progress=False, plots=False)
    assert result.played == 2 * 2 + 1 * 3 * 2
    for summary in result.summaries:
        assert summary["type"] == "adversarial"
        assert sum(r["games"] for r in summary["standings"]) == summary["games"] * \
            (2 if summary is result.summaries[0] else 3)
