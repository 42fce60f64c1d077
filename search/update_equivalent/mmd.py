"""MMD search: update-equivalent search with the magnetic-mirror-descent update, for two-player
zero-sum games.

One decision: sample histories from the acting player's posterior under the blueprint π, estimate
q(a) by playing a then π to the end, and act on
p'(a) ∝ [π(a|s)·ρ(a)^(alpha·eta)·exp(eta·q(a))]^(1/(1+alpha·eta)) with a uniform magnet ρ.
Iterating it (search policy → next blueprint) is behavioural MMD, whose fixed points are
alpha-regularised QREs; annealing alpha drives it towards a Nash equilibrium.
"""
from __future__ import annotations

from typing import Literal

import pyspiel

from uedtp.search.update_equivalent.history_sampler import Blueprint
from uedtp.envs.openspiel_games import as_game, require_two_player_zero_sum
from uedtp.search.update_equivalent.local_updates import MagneticMirrorDescent
from uedtp.search.update_equivalent.openspiel import build_search
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch


def mmd_search(game: "str | pyspiel.Game", eta: float = 50.0, alpha: float = 0.01,
               blueprint: Blueprint | None = None, *, num_histories: int = 10, rollouts: int = 1,
               common_random_numbers: bool = True,
               act_mode: Literal["sample", "argmax"] = "sample", exact: bool = False,
               seed: int | None = 0, max_nodes: int = 20_000,
               num_particles: int = 100) -> UpdateEquivalentSearch:
    game = as_game(game)
    require_two_player_zero_sum(game, "MMD search")
    return build_search(game, MagneticMirrorDescent(eta, alpha), blueprint,
                        num_histories=num_histories, rollouts=rollouts,
                        common_random_numbers=common_random_numbers, act_mode=act_mode,
                        exact=exact, seed=seed, max_nodes=max_nodes,
                        num_particles=num_particles, algorithm="MMD search")
