"""Policies as flat slot arrays on a compiled game tree, and conversions to and from them.

A *slot array* holds one probability per (infoset, legal action) of a ``GameTree`` (see
envs/game_tree.py). ``policy_to_slots`` reads any of the policy forms used in this suite into
one: a slot array, an OpenSpiel ``TabularPolicy``, a dict from information-state string to
probabilities, or any object with ``action_probabilities(state)`` (queried once per infoset at a
representative history). ``slots_to_tabular`` / ``slots_to_dict`` go back, ``SlotPolicyAgent`` plays
a slot array, and ``save_policy`` / ``load_policy`` store one in an ``.npz`` file keyed by the
information-state strings, so a file can be checked against the game it is loaded for.
"""
from __future__ import annotations

import functools
import os
from typing import Any, Mapping

import numpy as np
import pyspiel
from open_spiel.python import policy as policy_lib

from uedtp.agents.protocol import sample_action

from uedtp.envs.game_tree import CorruptTreeFileError, GameTree, _pack_strings, _unpack_strings, read_npz
from uedtp.envs.openspiel_games import as_game

# a slot array, TabularPolicy, Mapping[str, ...] or an object with action_probabilities(state)
PolicyLike = Any


def _row_probs(entry: Any, actions: np.ndarray, where: str) -> np.ndarray:
    """Probabilities of ``actions`` from a dict entry: {a: p}, [(a, p), ...] or a dense vector."""
    if isinstance(entry, Mapping):
        return np.array([float(entry.get(int(a), 0.0)) for a in actions])
    if isinstance(entry, (list, tuple)) and entry and isinstance(entry[0], (list, tuple)):
        d = {int(a): float(p) for a, p in entry}
        return np.array([d.get(int(a), 0.0) for a in actions])
    vec = np.asarray(entry, dtype=np.float64)
    if vec.ndim != 1 or vec.shape[0] <= int(actions.max()):
        raise ValueError(f"policy entry for {where} must be a dict, (action, prob) pairs or a "
                         f"vector over all actions; got shape {vec.shape}")
    return vec[actions]


def policy_to_slots(tree: GameTree, policy: PolicyLike, game: pyspiel.Game | None = None,
                    name: str = "policy") -> np.ndarray:
    """Slot array of ``policy`` on ``tree`` (validated: one distribution per infoset)."""
    if isinstance(policy, np.ndarray):
        return tree.check_policy(policy, name).copy()
    out = np.empty(tree.num_slots, dtype=np.float64)
    if isinstance(policy, policy_lib.TabularPolicy):
        lookup, table = policy.state_lookup, policy.action_probability_array
        for k, key in enumerate(tree.infoset_strings):
            row = lookup.get(key)
            if row is None:
                raise ValueError(f"{name}: TabularPolicy has no entry for infoset {key!r} of "
                                 f"{tree.game_string} (is it for another game?)")
            out[tree.slots(k)] = table[row, tree.slot_action[tree.slots(k)]]
    elif isinstance(policy, Mapping):
        for k, key in enumerate(tree.infoset_strings):
            if key not in policy:
                raise ValueError(f"{name}: dict has no entry for infoset {key!r} of "
                                 f"{tree.game_string}")
            out[tree.slots(k)] = _row_probs(policy[key], tree.slot_action[tree.slots(k)], key)
    elif hasattr(policy, "action_probabilities"):
        game = as_game(game or tree.game_string)
        for k in range(tree.num_infosets):
            state = tree.state_of(int(tree.infoset_node[k]), game)
            probs = policy.action_probabilities(state)
            if not isinstance(probs, Mapping):
                raise TypeError(f"{name}.action_probabilities must return a dict, got "
                                f"{type(probs).__name__}")
            out[tree.slots(k)] = _row_probs(probs, tree.slot_action[tree.slots(k)],
                                            tree.infoset_strings[k])
    else:
        raise TypeError(f"{name} must be a slot array, TabularPolicy, dict or an object with "
                        f"action_probabilities(state); got {type(policy).__name__}")
    return tree.check_policy(out, name)


@functools.lru_cache(maxsize=8)
def _tabular_template(game_string: str) -> policy_lib.TabularPolicy:
    return policy_lib.TabularPolicy(as_game(game_string))


def slots_to_tabular(tree: GameTree, probs: np.ndarray,
                     game: "str | pyspiel.Game | None" = None) -> policy_lib.TabularPolicy:
    """An OpenSpiel ``TabularPolicy`` equal to the slot array ``probs`` (zero off the tree)."""
    if tree.source_node is not None:
        raise ValueError("TabularPolicy needs a tree compiled from a whole game, not a subgame")
    probs = tree.check_policy(probs)
    game_string = str(as_game(game or tree.game_string))
    tab = _tabular_template(game_string).__copy__(copy_action_probability_array=True)
    for k, key in enumerate(tree.infoset_strings):
        row = tab.state_lookup[key]
        tab.action_probability_array[row, :] = 0.0
        tab.action_probability_array[row, tree.slot_action[tree.slots(k)]] = probs[tree.slots(k)]
    return tab


def slots_to_dict(tree: GameTree, probs: np.ndarray) -> dict[str, dict[int, float]]:
    """{information-state string: {action: probability}}."""
    probs = tree.check_policy(probs)
    return {key: {int(a): float(p) for a, p in zip(tree.slot_action[tree.slots(k)],
                                                   probs[tree.slots(k)])}
            for k, key in enumerate(tree.infoset_strings)}


class SlotPolicyAgent:
    """Plays a slot-array policy: looks the infoset up by its information-state string."""

    def __init__(self, tree: GameTree, probs: np.ndarray, seed: int | None = 0) -> None:
        self.tree = tree
        self.probs = tree.check_policy(probs).copy()
        self._rng = np.random.default_rng(seed)

    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        if state.is_terminal() or state.is_chance_node():
            raise ValueError("action_probabilities needs a decision node (not chance/terminal)")
        p = state.current_player()
        key = state.information_state_string(p)
        try:
            k = self.tree.infoset_index(p, key)
        except KeyError:
            raise ValueError(f"information state {key!r} of player {p} is not in the tree of "
                             f"{self.tree.game_string}") from None
        sl = self.tree.slots(k)
        return {int(a): float(x) for a, x in zip(self.tree.slot_action[sl], self.probs[sl])}

    def act(self, state: pyspiel.State) -> int:
        return sample_action(self._rng, self.action_probabilities(state))


def save_policy(path: str | os.PathLike, tree: GameTree, probs: np.ndarray) -> None:
    """Store a slot array with the infoset strings/actions it refers to."""
    probs = tree.check_policy(probs)
    blob, offsets = _pack_strings(tree.infoset_strings)
    np.savez(path, kind=np.frombuffer(b"tabular_policy", dtype=np.uint8),
             game_string=np.frombuffer(tree.game_string.encode(), dtype=np.uint8),
             probs=probs, slot_action=tree.slot_action, infoset_offset=tree.infoset_offset,
             infoset_player=tree.infoset_player, strings_blob=blob, strings_offsets=offsets)


def load_policy(path: str | os.PathLike, tree: GameTree) -> np.ndarray:
    """Slot array stored by ``save_policy``, checked to belong to ``tree``'s game."""
    a = read_npz(path, ("kind", "game_string", "probs", "slot_action", "infoset_offset",
                        "infoset_player", "strings_blob", "strings_offsets"), "policy")
    if a["kind"].tobytes() != b"tabular_policy":
        raise CorruptTreeFileError(f"{path}: not a tabular policy file")
    game_string = a["game_string"].tobytes().decode("utf-8", errors="replace")
    if game_string != tree.game_string:
        raise CorruptTreeFileError(f"{path}: policy is for game {game_string!r}, not "
                                   f"{tree.game_string!r}")
    if (a["probs"].shape != (tree.num_slots,)
            or not np.array_equal(a["slot_action"], tree.slot_action)
            or not np.array_equal(a["infoset_offset"], tree.infoset_offset)
            or _unpack_strings(a["strings_blob"], a["strings_offsets"]) != tree.infoset_strings):
        raise CorruptTreeFileError(f"{path}: policy infosets do not match the tree of "
                                   f"{tree.game_string}")
    return tree.check_policy(a["probs"], f"policy in {path}")
