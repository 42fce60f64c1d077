"""Wiring of Algorithm 1 for OpenSpiel games: beliefs from the history sampler, rollout or exact
action values, any local update. ``md_search`` / ``mmd_search`` add the game checks."""
from __future__ import annotations

from types import ModuleType
from typing import Literal

import pyspiel

from uedtp.agents.protocol import UniformPolicy, is_uniform
from uedtp.search.update_equivalent.history_sampler import Blueprint, HistorySampler
from uedtp.envs.openspiel_games import as_game, require_sequential_imperfect_information
from uedtp.search.update_equivalent.action_values import ExactActionValues, RolloutActionValues
from uedtp.search.update_equivalent.local_updates import LocalUpdate
from uedtp.search.update_equivalent.core import UpdateEquivalentSearch


class ExactBeliefs(HistorySampler):
    """The full posterior by enumeration; fails (never samples) when it does not fit."""

    def posterior(self, state, player, rng):
        from uedtp.search.update_equivalent.history_sampler import enumerate_histories
        return enumerate_histories(state, player, self.blueprint, self.max_nodes)


def _native_phantom(game: pyspiel.Game) -> ModuleType | None:
    """uedtp.search.update_equivalent.phantom if ``game`` has a native twin (uedtp.envs.phantom.native)."""
    if game.get_type().short_name not in ("phantom_ttt", "dark_hex"):
        return None
    from uedtp.envs.phantom.native import supports
    from uedtp.search.update_equivalent import phantom
    return phantom if supports(game) else None


def build_search(game: "str | pyspiel.Game", update: LocalUpdate, blueprint: Blueprint | None = None,
                 *, num_histories: int = 10, rollouts: int = 1, common_random_numbers: bool = True,
                 act_mode: Literal["sample", "argmax"] = "sample", exact: bool = False,
                 seed: int | None = 0, max_nodes: int = 20_000, num_particles: int = 100,
                 algorithm: str = "update-equivalent search") -> UpdateEquivalentSearch:
    """Algorithm 1 on an OpenSpiel game (see uedtp.search.update_equivalent.core). ``blueprint``
    defaults to the uniform policy; a blueprint that declares itself uniform
    (``uedtp.agents.protocol.UniformBlueprint``) gets the native twin of the phantom games."""
    game = as_game(game)
    require_sequential_imperfect_information(game, algorithm)
    if num_histories <= 0:
        raise ValueError(f"num_histories must be positive, got {num_histories}")
    if rollouts <= 0:
        raise ValueError(f"rollouts must be positive, got {rollouts}")
    blueprint = blueprint if blueprint is not None else UniformPolicy()
    if exact:
        beliefs: HistorySampler = ExactBeliefs(blueprint, max_nodes=max_nodes)
        values = ExactActionValues(blueprint)
        return UpdateEquivalentSearch(blueprint, update, beliefs, values, num_histories=None,
                                      act_mode=act_mode, seed=seed, game=game)
    native = _native_phantom(game) if is_uniform(blueprint) else None
    if native is not None:
        # Native twin of the same posterior and rollouts (uedtp.search.update_equivalent.phantom).
        fast_beliefs = native.NativeUniformBeliefs(max_nodes, num_particles)
        fast_values = native.NativeRolloutActionValues(rollouts, common_random_numbers)
        return UpdateEquivalentSearch(blueprint, update, fast_beliefs, fast_values,
                                      num_histories=num_histories, act_mode=act_mode, seed=seed, game=game)
    beliefs = HistorySampler(blueprint, max_nodes=max_nodes, num_particles=num_particles)
    values_mc = RolloutActionValues(blueprint, rollouts, common_random_numbers)
    return UpdateEquivalentSearch(blueprint, update, beliefs, values_mc,
                                  num_histories=num_histories, act_mode=act_mode, seed=seed, game=game)
