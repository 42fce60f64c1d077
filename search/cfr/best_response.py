"""Best response, NashConv and exploitability on a compiled game tree.

One best-response computation for player p: a forward sweep gives every node's counterfactual
reach (chance and the other players' probabilities), then a memoised recursion from the root
evaluates nodes; at p's infoset I it picks argmax_a sum_{h in I} reach(h) · value(h·a) once
(evaluating every history of I below action a first) and follows that action at every history of
I. The result is the exact best-response value, identical to OpenSpiel's
``open_spiel.python.algorithms.exploitability`` on the same policy, but without touching
``pyspiel.State`` (the tree is compiled once per game and cached).

``policy`` may be a slot array, an OpenSpiel ``TabularPolicy``, a dict from information-state
string to probabilities, or any object with ``action_probabilities(state)``.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pyspiel

from uedtp.csrc import cfr_kernels as K
from uedtp.csrc.game_tree import KernelTree
from uedtp.envs.game_tree import TERMINAL, GameTree
from uedtp.envs.openspiel_games import as_game
from uedtp.envs.tree_compile import cached_game_tree
from uedtp.search.cfr.tree_policy import PolicyLike, policy_to_slots


@dataclasses.dataclass
class BestResponse:
    """A best response of ``player``: its value, the on-policy value, and its action per infoset.

    ``action_index[k]`` is the index (into the infoset's legal actions) chosen at infoset k, or
    -1 where the best response never needed to decide (unreachable for it).
    """

    player: int
    value: float
    on_policy_value: float
    action_index: np.ndarray

    @property
    def improvement(self) -> float:
        return self.value - self.on_policy_value


def _tree_and_slots(game_or_tree: "str | pyspiel.Game | GameTree",
                    policy: PolicyLike) -> tuple[GameTree, np.ndarray, pyspiel.Game | None]:
    if isinstance(game_or_tree, GameTree):
        tree, game = game_or_tree, None
    else:
        game = as_game(game_or_tree)
        tree = cached_game_tree(game)
    return tree, policy_to_slots(tree, policy, game), game


class TreeEvaluator:
    """Reusable buffers for repeated best-response / value computations on one tree."""

    def __init__(self, tree: GameTree) -> None:
        self.tree = tree
        self.kernel = KernelTree(tree)
        n = tree.num_nodes
        self._reach = np.empty(n)
        self._own = np.empty(n)
        self._value = np.empty(n)
        self._utility_sum: float | None = None

    def on_policy_values(self, probs: np.ndarray) -> np.ndarray:
        """Expected utility of every player at the root."""
        return np.array([K.expected_values(self.kernel, probs, self._value, p)
                         for p in range(self.tree.num_players)])

    def best_response(self, probs: np.ndarray, player: int) -> BestResponse:
        if not 0 <= player < self.tree.num_players:
            raise ValueError(f"player must be in [0, {self.tree.num_players}), got {player}")
        best = np.full(max(1, self.tree.num_infosets), -1, dtype=np.int32)
        value = K.best_response_value(self.kernel, player, probs, self._reach, self._own,
                                      self._value, best)
        on_policy = K.expected_values(self.kernel, probs, self._value, player)
        return BestResponse(player, float(value), float(on_policy), best[:self.tree.num_infosets])

    def nash_conv(self, probs: np.ndarray) -> float:
        return float(sum(self.best_response(probs, p).improvement
                         for p in range(self.tree.num_players)))

    def exploitability(self, probs: np.ndarray) -> float:
        """(sum of best-response values - utility sum) / num_players, as OpenSpiel defines it."""
        br = sum(self.best_response(probs, p).value for p in range(self.tree.num_players))
        if self._utility_sum is None:
            self._utility_sum = float(
                self.tree.utility[:, self.tree.player == TERMINAL].sum(axis=0).mean())
        return float((br - self._utility_sum) / self.tree.num_players)


def best_response(game_or_tree: "str | pyspiel.Game | GameTree", policy: PolicyLike,
                  player: int) -> BestResponse:
    """Best response of ``player`` to ``policy`` (the other players' part of it)."""
    tree, probs, _ = _tree_and_slots(game_or_tree, policy)
    return TreeEvaluator(tree).best_response(probs, player)


def nash_conv(game_or_tree: "str | pyspiel.Game | GameTree", policy: PolicyLike) -> float:
    """Sum over players of what a unilateral best response gains (any number of players)."""
    tree, probs, _ = _tree_and_slots(game_or_tree, policy)
    return TreeEvaluator(tree).nash_conv(probs)


def require_constant_sum(game_or_tree: "str | pyspiel.Game | GameTree") -> None:
    """Raise ValueError unless the game is two-player zero-sum / constant-sum."""
    if isinstance(game_or_tree, GameTree):
        tree = game_or_tree
        terminal = tree.player == TERMINAL
        sums = tree.utility[:, terminal].sum(axis=0)
        if tree.num_players != 2 or (sums.size and np.ptp(sums) > 1e-9):
            raise ValueError(f"exploitability needs a two-player constant-sum game; the tree of "
                             f"{tree.game_string} has {tree.num_players} players / "
                             "non-constant utility sums")
        return
    game = as_game(game_or_tree)
    info = game.get_type()
    if game.num_players() != 2 or info.utility not in (pyspiel.GameType.Utility.ZERO_SUM,
                                                       pyspiel.GameType.Utility.CONSTANT_SUM):
        raise ValueError(f"exploitability needs a two-player zero-sum (or constant-sum) game; "
                         f"{game} has {game.num_players()} players and utility "
                         f"{info.utility.name} (use nash_conv for general games)")


def exploitability(game_or_tree: "str | pyspiel.Game | GameTree", policy: PolicyLike) -> float:
    """Mean best-response value over the two seats (0 at a Nash equilibrium), 2p zero-sum only."""
    require_constant_sum(game_or_tree)
    tree, probs, _ = _tree_and_slots(game_or_tree, policy)
    return TreeEvaluator(tree).exploitability(probs)
