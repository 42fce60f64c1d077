"""The uniform blueprint in batched network form: normalised legal masks, declared uniform, and
the batched MMD search over it beats the uniform agent (a search that ignored its rollouts, or a
blueprint that was not uniform over legal moves, would not)."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.agents.neural.batch import UniformActor, play_match
from uedtp.agents.protocol import is_uniform
from uedtp.agents.uniform import UniformNetworkBlueprint
from uedtp.envs.openspiel_games import GameError
from uedtp.search.neural.search import neural_mmd

ADH = "dark_hex(board_size=3,gameversion=adh)"


def test_probabilities_are_the_normalised_legal_masks():
    bp = UniformNetworkBlueprint(ADH)
    masks = np.zeros((3, bp.encoding.num_actions))
    masks[0, :] = 1
    masks[1, [2, 5]] = 1
    masks[2, 4] = 1
    probs = bp.probabilities(np.zeros((3, bp.encoding.size)), masks)
    np.testing.assert_allclose(probs[0], 1 / 9)
    np.testing.assert_allclose(probs[1], [0, 0, .5, 0, 0, .5, 0, 0, 0])
    np.testing.assert_allclose(probs[2], np.eye(9)[4])
    assert is_uniform(bp) and bp.game_string == ADH and bp.temperature == 1.0
    with pytest.raises(ValueError, match="no legal action"):
        bp.probabilities(np.zeros((1, bp.encoding.size)), np.zeros((1, 9)))
    with pytest.raises(ValueError, match="shape"):
        bp.probabilities(np.zeros((1, bp.encoding.size)), np.ones((1, 4)))
    with pytest.raises(GameError, match="information_state_tensor"):
        UniformNetworkBlueprint("tic_tac_toe")


def test_batched_mmd_search_over_uniform_beats_uniform():
    search = neural_mmd(UniformNetworkBlueprint(ADH), 50.0, 0.01, num_histories=10, rollouts=2,
                        seed=3)
    result = play_match(ADH, search, UniformActor(5), 400, seed=11)
    # measured +0.6 or more; uniform against itself is 0 and a search that ignored q plays uniform
    assert result.mean > 0.35, result
    assert search.fallbacks.get("zero_posterior", 0) == 0
