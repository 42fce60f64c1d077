"""Update equivalence, exactly: exact-mode search at every information state equals one global
behavioural update of the whole game computed independently by a reach-weighted tree pass."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.agents.tabular import tabulate
from uedtp.envs.openspiel_games import load_game
from uedtp.search.update_equivalent.global_update import global_update
from uedtp.search.update_equivalent.local_updates import MagneticMirrorDescent, MirrorDescent
from uedtp.search.update_equivalent.openspiel import build_search
from tests.helpers_games import random_full_support_blueprint

GAMES = ["kuhn_poker", "leduc_poker", "tiny_hanabi", "dark_hex(board_size=2,gameversion=adh)"]
UPDATES = [MirrorDescent(eta=1.7), MagneticMirrorDescent(eta=2.3, alpha=0.4)]


@pytest.mark.parametrize("game_string", GAMES)
@pytest.mark.parametrize("update", UPDATES, ids=repr)
def test_search_at_every_infostate_equals_global_update(game_string, update):
    game = load_game(game_string)
    blueprint = random_full_support_blueprint(game, seed=7)
    reference = global_update(game, blueprint, update)
    search = build_search(game, update, blueprint, exact=True, max_nodes=10**7)
    searched = tabulate(game, search)
    assert set(searched.table) == set(reference)
    diffs = [abs(searched.table[k][a] - reference[k][a])
             for k in reference for a in reference[k]]
    assert max(diffs) < 1e-9
    # The update really moved the policy (the comparison is not trivially blueprint == blueprint).
    moved = max(abs(searched.table[k][a] - blueprint.table[k][a])
                for k in blueprint.table for a in blueprint.table[k])
    assert moved > 1e-2


def test_posterior_weights_matter():
    """Ignoring the posterior weights (uniform over consistent histories) breaks equivalence."""
    game = load_game("leduc_poker")
    blueprint = random_full_support_blueprint(game, seed=3, concentration=0.3)
    update = MirrorDescent(eta=3.0)
    reference = global_update(game, blueprint, update)
    search = build_search(game, update, blueprint, exact=True, max_nodes=10**7)
    original = search.beliefs.posterior

    def unweighted(state, player, rng):
        post = original(state, player, rng)
        post.weights = np.full(len(post.weights), 1.0 / len(post.weights))
        return post

    search.beliefs.posterior = unweighted  # type: ignore[method-assign]
    searched = tabulate(game, search)
    diffs = [abs(searched.table[k][a] - reference[k][a])
             for k in reference for a in reference[k]]
    assert max(diffs) > 1e-3
