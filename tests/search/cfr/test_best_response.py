"""Exploitability / best response on the compiled tree equal OpenSpiel's on the same policies."""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest
from open_spiel.python import policy as policy_lib
from open_spiel.python.algorithms import exploitability as os_expl

from uedtp.envs.tree_compile import build_game_tree
from uedtp.search.cfr.best_response import best_response, exploitability, nash_conv
from uedtp.search.cfr.tree_policy import (SlotPolicyAgent, load_policy, policy_to_slots, save_policy,
                                slots_to_dict, slots_to_tabular)

GAMES = ["kuhn_poker", "leduc_poker", "dark_hex(board_size=2,gameversion=adh)"]


def _random_tabular(game: pyspiel.Game, seed: int, sparse: bool = False
                    ) -> policy_lib.TabularPolicy:
    rng = np.random.default_rng(seed)
    tab = policy_lib.TabularPolicy(game)
    x = rng.random(tab.action_probability_array.shape) * tab.legal_actions_mask
    if sparse:   # some zero probabilities, so unreachable parts are exercised
        x *= rng.random(x.shape) < 0.7
        x[np.arange(x.shape[0]), np.argmax(tab.legal_actions_mask, axis=1)] += 1e-3
    tab.action_probability_array = x / x.sum(axis=1, keepdims=True)
    return tab


class _Callable:
    """A policy object that only has action_probabilities(state)."""

    def __init__(self, tab: policy_lib.TabularPolicy) -> None:
        self.tab = tab

    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        return self.tab.action_probabilities(state)


@pytest.mark.parametrize("name", GAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_equals_openspiel_on_random_policies(name: str, seed: int) -> None:
    game = pyspiel.load_game(name)
    tab = _random_tabular(game, seed, sparse=seed == 1)
    ref_expl = os_expl.exploitability(game, tab)
    ref_conv = os_expl.nash_conv(game, tab)
    assert exploitability(game, tab) == pytest.approx(ref_expl, abs=1e-9)
    assert nash_conv(game, tab) == pytest.approx(ref_conv, abs=1e-9)
    # the same policy given as a dict and as an object with action_probabilities
    as_dict = tab.to_dict()
    assert exploitability(name, as_dict) == pytest.approx(ref_expl, abs=1e-9)
    assert exploitability(name, _Callable(tab)) == pytest.approx(ref_expl, abs=1e-9)
    for player in (0, 1):
        ref = os_expl.best_response(game, tab, player)
        mine = best_response(game, tab, player)
        assert mine.value == pytest.approx(ref["best_response_value"], abs=1e-9)
        assert mine.on_policy_value == pytest.approx(ref["on_policy_value"], abs=1e-9)


def test_three_player_nash_conv_and_exploitability_refusal() -> None:
    game = pyspiel.load_game("kuhn_poker(players=3)")
    tab = _random_tabular(game, 3)
    assert nash_conv(game, tab) == pytest.approx(os_expl.nash_conv(game, tab), abs=1e-9)
    with pytest.raises(ValueError, match="two-player"):
        exploitability(game, tab)


def test_known_values() -> None:
    # uniform Kuhn: 0.4583 (= 11/24); a Nash policy has exploitability 0
    tree = build_game_tree("kuhn_poker")
    assert exploitability("kuhn_poker", tree.uniform_policy()) == pytest.approx(11 / 24)
    alpha = 0.2
    nash = {"0": [1 - alpha, alpha], "1": [1, 0], "2": [1 - 3 * alpha, 3 * alpha],
            "0p": [2 / 3, 1 / 3], "1p": [1, 0], "2p": [0, 1], "0b": [1, 0],
            "1b": [2 / 3, 1 / 3], "2b": [0, 1], "0pb": [1, 0], "1pb": [2 / 3 - alpha,
                                                                       1 / 3 + alpha],
            "2pb": [0, 1]}
    assert exploitability("kuhn_poker", nash) == pytest.approx(0.0, abs=1e-12)


def test_conversions_round_trip(tmp_path) -> None:
    game = pyspiel.load_game("leduc_poker")
    tree = build_game_tree(game)
    tab = _random_tabular(game, 5)
    slots = policy_to_slots(tree, tab)
    back = slots_to_tabular(tree, slots, game)
    assert np.allclose(back.action_probability_array, tab.action_probability_array)
    assert np.allclose(policy_to_slots(tree, slots_to_dict(tree, slots)), slots)
    path = tmp_path / "policy.npz"
    save_policy(path, tree, slots)
    assert np.array_equal(load_policy(path, tree), slots)
    agent = SlotPolicyAgent(tree, slots, seed=0)
    state = game.new_initial_state()
    while state.is_chance_node():
        state.apply_action(state.legal_actions()[0])
    probs = agent.action_probabilities(state)
    assert set(probs) == set(state.legal_actions()) and sum(probs.values()) == pytest.approx(1)
    assert agent.act(state) in state.legal_actions()


def test_bad_policies_and_files(tmp_path) -> None:
    tree = build_game_tree("kuhn_poker")
    with pytest.raises(ValueError, match="shape"):
        exploitability(tree, np.ones(5))
    with pytest.raises(ValueError, match="sum to 1"):
        exploitability("kuhn_poker", np.full(tree.num_slots, 0.3))
    with pytest.raises(ValueError, match="no entry for infoset"):
        exploitability("kuhn_poker", {"0": [0.5, 0.5]})
    with pytest.raises(TypeError, match="TabularPolicy, dict"):
        exploitability("kuhn_poker", 42)
    with pytest.raises(ValueError, match="no entry"):
        exploitability("kuhn_poker", policy_lib.TabularPolicy(pyspiel.load_game("leduc_poker")))
    leduc = build_game_tree("leduc_poker")
    path = tmp_path / "leduc_policy.npz"
    save_policy(path, leduc, leduc.uniform_policy())
    with pytest.raises(ValueError, match="leduc_poker"):
        load_policy(path, tree)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable"):
        load_policy(broken, leduc)
    with pytest.raises(ValueError, match="player must be"):
        best_response(tree, tree.uniform_policy(), 2)


def test_exploitability_cli(tmp_path, capsys) -> None:
    from uedtp.eval.exploitability import main
    policy = tmp_path / "kuhn.npz"
    assert main(["--game", "kuhn_poker", "--run", "cfr+", "--iterations", "50",
                 "--save-policy", str(policy)]) == 0
    first = capsys.readouterr().out
    assert main(["--game", "kuhn_poker", "--policy", str(policy)]) == 0
    second = capsys.readouterr().out
    value = [line for line in first.splitlines() if line.startswith("exploitability")]
    assert value and value == [line for line in second.splitlines()
                               if line.startswith("exploitability")]
    assert main(["--game", "leduc_poker", "--policy", str(policy)]) == 2
    assert "kuhn_poker" in capsys.readouterr().err
    assert main(["--game", "kuhn_poker(players=3)", "--uniform"]) == 2
    assert "two-player" in capsys.readouterr().err
    assert main(["--game", "kuhn_poker", "--subgame-agent", "uniform", "--iterations", "50"]) == 0
    out = capsys.readouterr().out
    assert "public states solved: 4" in out and "exploitability" in out
