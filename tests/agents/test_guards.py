"""Agents refuse terminal, chance and other games' states; build_agent takes every game object."""
from __future__ import annotations

import pyspiel
import pytest

from uedtp.agents.protocol import WrongStateError
from uedtp.envs.games import make_game
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.eval.specs import build_agent
from uedtp.search.update_equivalent.mmd import mmd_search


def _played(game: pyspiel.Game, actions: list[int]) -> pyspiel.State:
    state = game.new_initial_state()
    for a in actions:
        state.apply_action(a)
    return state


def test_mmd_refuses_terminal_chance_and_other_game_states() -> None:
    kuhn = pyspiel.load_game("kuhn_poker")
    agent = mmd_search(kuhn, num_histories=3)
    with pytest.raises(WrongStateError, match="terminal"):
        agent.act(_played(kuhn, [0, 1, 0, 0]))
    with pytest.raises(WrongStateError, match="chance"):
        agent.action_probabilities(kuhn.new_initial_state())
    with pytest.raises(WrongStateError, match="kuhn_poker.*leduc_poker"):
        agent.act(_played(pyspiel.load_game("leduc_poker"), [0, 1]))
    # a state of an equal game object (another load_game) is accepted
    assert agent.act(_played(pyspiel.load_game("kuhn_poker"), [0, 1])) in (0, 1)


def test_hanabi_md_agent_refuses_another_player_count() -> None:
    agent = build_agent("md(rollouts=20)", HanabiGame(players=2), 0)
    with pytest.raises(WrongStateError, match="players=2.*players=3"):
        agent.act(HanabiGame(players=3).new_initial_state(seed=1))
    state = HanabiGame(players=2).new_initial_state(seed=1)
    assert agent.act(state) in state.legal_actions()


@pytest.mark.parametrize("game", [
    "kuhn_poker", make_game("kuhn_poker"), pyspiel.load_game("kuhn_poker"),
])
def test_build_agent_accepts_openspiel_game_objects(game) -> None:
    agent = build_agent("mmd(histories=2)", game, 0)
    state = _played(pyspiel.load_game("kuhn_poker"), [2, 0])
    assert agent.act(state) in state.legal_actions()


@pytest.mark.parametrize("game", ["hanabi(players=2)", make_game("hanabi(players=2)"),
                                  HanabiGame(players=2)])
def test_build_agent_accepts_hanabi_game_objects(game) -> None:
    for spec in ("smartbot", "md(rollouts=20)"):
        agent = build_agent(spec, game, 0)
        state = HanabiGame(players=2).new_initial_state(seed=3)
        assert agent.act(state) in state.legal_actions()


def test_build_agent_names_an_unknown_game_object() -> None:
    from uedtp.eval.specs import SpecError
    with pytest.raises(SpecError, match="got int"):
        build_agent("uniform", 42, 0)
