"""MD search: update-equivalent search with the mirror-descent update, for common-payoff games.

One decision: sample histories from the acting player's posterior under the blueprint π, estimate
q(a) by playing a then π to the end, and act on p'(a) ∝ π(a|s)·exp(eta·q(a)). Every player
searching = one simultaneous MD step on the whole game, which cannot decrease the common payoff
for small eta (Sokota et al. 2024, Theorem 1). The paper acts by argmax of p'.
"""
from __future__ import annotations

from typing import Literal

import pyspiel

from uedtp.search.update_equivalent.history_sampler import Blueprint
from uedtp.envs.openspiel_games import as_game, require_common_payoff
from uedtp.search.update_equivalent.local_updates import MirrorDescent
from uedtp.search.update_equivalent.openspiel import build_search
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch


def md_search(game: "str | pyspiel.Game", eta: float, blueprint: Blueprint | None = None, *,
              num_histories: int = 10, rollouts: int = 1, common_random_numbers: bool = True,
              act_mode: Literal["sample", "argmax"] = "argmax", exact: bool = False,
              seed: int | None = 0, max_nodes: int = 20_000,
              num_particles: int = 100) -> UpdateEquivalentSearch:
    game = as_game(game)
    require_common_payoff(game, "MD search")
    return build_search(game, MirrorDescent(eta), blueprint, num_histories=num_histories,
                        rollouts=rollouts, common_random_numbers=common_random_numbers,
                        act_mode=act_mode, exact=exact, seed=seed, max_nodes=max_nodes,
                        num_particles=num_particles, algorithm="MD search")
