"""Public states of games too large to compile: steps 1-2 of a subgame decision on pyspiel states.

``state_closure`` finds the histories of a public state by depth-first searches over pyspiel
states pruned on information-state strings (``matching_histories`` per player, alternating
until no new history appears); ``blueprint_reaches`` weights them; ``compile_public_subgame``
compiles the trees below them under a synthetic chance node (cut at a depth, with
``rollout_values`` of the blueprint at the leaves, when it does not fit); the solving itself is
``uedtp.search.subgame.solver``'s.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import pyspiel

from uedtp.agents.protocol import sample_action
from uedtp.envs.game_tree import GameTree
from uedtp.envs.tree_compile import compile_from_states
from uedtp.search.subgame.solver import SubgameTooLargeError

HistoryFinder = Callable[[pyspiel.State, int], list[pyspiel.State]]


class ClosureLimitExceeded(SubgameTooLargeError):
    """The public state has more histories (or needs more search) than allowed."""


def matching_histories(state: pyspiel.State, player: int, max_visits: int = 200_000
                       ) -> list[pyspiel.State]:
    """Histories of the same length as ``state`` giving ``player`` the same information state.

    Depth-first search from the root, pruned: a node whose information-state string for
    ``player`` was never seen along the true history is skipped, and at ``player``'s own
    decisions only the action it really took is followed. Raises ``ClosureLimitExceeded``
    after ``max_visits`` nodes.
    """
    return _matching(state, player, max_visits)[0]


def _matching(state: pyspiel.State, player: int, max_visits: int
              ) -> tuple[list[pyspiel.State], int]:
    game = state.get_game()
    history = state.history()
    target_len = len(history)
    target = state.information_state_string(player)
    seen: set[str] = set()
    own: dict[str, int] = {}
    node = game.new_initial_state()
    for a in history:
        if not node.is_chance_node():
            s = node.information_state_string(player)
            seen.add(s)
            if node.current_player() == player:
                own[s] = a
        node.apply_action(a)
    seen.add(target)
    found: list[pyspiel.State] = []
    stack = [(game.new_initial_state(), 0)]
    visits = 0
    while stack:
        node, depth = stack.pop()
        visits += 1
        if visits > max_visits:
            raise ClosureLimitExceeded(f"more than {max_visits:,} histories searched for the "
                                       f"information state of player {player}")
        if depth == target_len:
            if (not node.is_chance_node() and not node.is_terminal()
                    and node.information_state_string(player) == target):
                found.append(node)
            continue
        if node.is_terminal():
            continue
        if node.is_chance_node():
            actions = [a for a, p in node.chance_outcomes() if p > 0]
        else:
            s = node.information_state_string(player)
            if s not in seen:
                continue
            if node.current_player() == player:
                actions = [own[s]] if s in own else []
            else:
                actions = node.legal_actions()
        for a in actions:
            child = node.child(a)
            if not child.is_chance_node() and not child.is_terminal():
                if child.information_state_string(player) not in seen:
                    continue
            stack.append((child, depth + 1))
    return found, visits


def state_closure(state: pyspiel.State, max_histories: int = 2_000,
                  finder: HistoryFinder | None = None, max_visits: int = 300_000
                  ) -> list[pyspiel.State]:
    """Public state of ``state``: repeatedly add every history that gives some player the same
    information state as a history already found (searched once per information state).

    ``finder(state, player)`` may replace the built-in pruned DFS (e.g. a history sampler's
    enumerator). Raises ``ClosureLimitExceeded`` above ``max_histories`` histories or (built-in
    search) ``max_visits`` searched nodes in total.
    """
    found: dict[tuple[int, ...], pyspiel.State] = {tuple(state.history()): state}
    frontier = [state]
    searched: set[tuple[int, str]] = set()
    budget = max_visits
    num_players = state.get_game().num_players()
    while frontier:
        h = frontier.pop()
        for p in range(num_players):
            key = (p, h.information_state_string(p))
            if key in searched:
                continue
            searched.add(key)
            if finder is not None:
                others = finder(h, p)
            else:
                if budget <= 0:
                    raise ClosureLimitExceeded(f"more than {max_visits:,} histories searched "
                                               "while building the public state")
                try:
                    others, used = _matching(h, p, budget)
                except ClosureLimitExceeded:
                    raise ClosureLimitExceeded(
                        f"more than {max_visits:,} histories searched while building the public "
                        f"state (at least {len(found):,} histories in it)") from None
                budget -= used
            for other in others:
                hist = tuple(other.history())
                if hist not in found:
                    found[hist] = other
                    frontier.append(other)
                    if len(found) > max_histories:
                        raise ClosureLimitExceeded(
                            f"public state has more than {max_histories:,} histories")
    return [found[k] for k in sorted(found)]


def history_sampler_finder(blueprint: Any, max_nodes: int = 200_000) -> HistoryFinder:
    """A ``finder`` for ``state_closure`` built on uedtp.search.update_equivalent.history_sampler: its exact enumeration for
    the player to move (histories with positive blueprint probability only), the built-in DFS
    for the other player."""
    from uedtp.search.update_equivalent.history_sampler import EnumerationLimitExceeded, enumerate_histories

    def finder(state: pyspiel.State, player: int) -> list[pyspiel.State]:
        if state.current_player() != player:
            return matching_histories(state, player, max_nodes)
        try:
            return list(enumerate_histories(state, player, blueprint, max_nodes).states)
        except EnumerationLimitExceeded as err:
            raise ClosureLimitExceeded(str(err)) from None

    return finder


def blueprint_reaches(states: Sequence[pyspiel.State], blueprint: Any) -> np.ndarray:
    """(len(states), 3) array of chance, player-0 and player-1 blueprint reach of each history."""
    out = np.ones((len(states), 3))
    for i, s in enumerate(states):
        node = s.get_game().new_initial_state()
        for a in s.history():
            if node.is_chance_node():
                out[i, 0] *= dict(node.chance_outcomes()).get(a, 0.0)
            else:
                p = node.current_player()
                out[i, 1 + p] *= float(blueprint.action_probabilities(node).get(a, 0.0))
            node.apply_action(a)
    return out


def rollout_values(blueprint: Any, rollouts: int, rng: np.random.Generator
                   ) -> Callable[[pyspiel.State], np.ndarray]:
    """Leaf evaluator: mean returns of ``rollouts`` blueprint playouts from a state."""

    def evaluate(state: pyspiel.State) -> np.ndarray:
        total = np.zeros(state.get_game().num_players())
        for _ in range(rollouts):
            s = state.clone()
            while not s.is_terminal():
                if s.is_chance_node():
                    actions, probs = zip(*s.chance_outcomes())
                else:
                    dist = blueprint.action_probabilities(s)
                    actions, probs = tuple(dist), tuple(dist.values())
                s.apply_action(sample_action(rng, actions, probs))
            total += s.returns()
        return total / rollouts

    return evaluate


def compile_public_subgame(roots: Sequence[pyspiel.State], max_nodes: int,
                           leaf_values: Callable[[pyspiel.State], np.ndarray]
                           ) -> tuple[GameTree, int | None]:
    """Compile the trees below ``roots`` under a synthetic chance node (uniform placeholder
    probabilities), as deep as fits in ``max_nodes``; returns the tree and the depth cut."""
    game = roots[0].get_game()
    uniform = [1.0 / len(roots)] * len(roots)
    zero = lambda s: np.zeros(game.num_players())  # noqa: E731 (placeholder for sizing)
    try:
        return compile_from_states(roots, uniform, str(game), game.num_players(),
                                   max_nodes), None
    except ValueError:
        pass
    depth = 1
    while True:
        try:
            compile_from_states(roots, uniform, str(game), game.num_players(), max_nodes,
                                max_depth=depth + 1, leaf_values=zero)
        except ValueError:
            break
        depth += 1
    if depth <= 1:
        raise SubgameTooLargeError(f"one level below {len(roots)} roots exceeds "
                                   f"max_nodes={max_nodes:,}")
    tree = compile_from_states(roots, uniform, str(game), game.num_players(), max_nodes,
                               max_depth=depth, leaf_values=leaf_values)
    return tree, depth


def state_of_subtree_node(tree: GameTree, roots: Sequence[pyspiel.State], node: int
                          ) -> pyspiel.State:
    """The pyspiel state of a node of a tree built by ``compile_public_subgame``."""
    path = []
    while tree.parent[node] > 0:
        path.append(int(tree.action[node]))
        node = int(tree.parent[node])
    state = roots[int(tree.action[node])].clone()
    for a in reversed(path):
        state.apply_action(a)
    return state
