"""Histories consistent with a player's information state, weighted by a blueprint.

Given the true state ``h*`` and the player ``i`` to move, the posterior over histories is
``P(h | s_i) ∝ π_{-i}(h)`` for every ``h`` with ``s_i(h) = s_i(h*)``: the product of chance and
the other players' blueprint probabilities along ``h`` (player i's own probabilities are the
same for every such ``h`` under perfect recall, so they cancel).

One step of the enumeration (a depth-first search from the root):
  1. at a node where ``i`` is to move with the target information state: record it, stop;
  2. at ``i``'s earlier decisions: follow only the action ``i`` really took there;
  3. at chance / other players' nodes: expand every child with positive probability whose
     information state for ``i`` is one that ``i`` had along the true history (a necessary
     condition for consistency under perfect recall); the child's weight is multiplied by its
     chance/blueprint probability.

Large posteriors are sampled instead (sequential importance sampling): walk from the root,
at each node pick among the *consistent* children in proportion to their probability and
multiply the particle's weight by the total probability of those children. The weights are
exact importance weights, so self-normalised estimates are consistent; the effective sample
size is reported.
"""
from __future__ import annotations

import dataclasses
from typing import Iterator, Protocol, Sequence

import numpy as np
import pyspiel


class Blueprint(Protocol):
    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        ...


class EnumerationLimitExceeded(RuntimeError):
    """Raised when exact enumeration would visit more nodes than allowed."""


class ZeroPosterior(ValueError):
    """The information state has probability zero under the blueprint (no posterior exists)."""


@dataclasses.dataclass
class Posterior:
    """Histories (as states) with normalised posterior weights."""

    states: Sequence[pyspiel.State]
    weights: np.ndarray
    exact: bool
    nodes_visited: int

    @property
    def support_size(self) -> int:
        return len(self.states)

    @property
    def effective_sample_size(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2)) if len(self.weights) else 0.0

    def sample_indices(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` indices drawn i.i.d. from the posterior weights."""
        return rng.choice(len(self.weights), size=n, p=self.weights)

    def subset(self, indices: np.ndarray, weights: np.ndarray) -> "Posterior":
        """The histories at ``indices`` (repeats allowed) with the given ``weights``."""
        return dataclasses.replace(self, states=[self.states[i] for i in indices],
                                   weights=np.asarray(weights, dtype=float))

    def draw(self, n: int, rng: np.random.Generator) -> "Posterior":
        """``n`` histories drawn i.i.d. from the weights (``sample_indices``), equally weighted:
        what step 2 of Algorithm 1 averages over when it samples G histories."""
        indices = self.sample_indices(n, rng)
        return self.subset(indices, np.full(len(indices), 1.0 / len(indices)))


@dataclasses.dataclass(frozen=True)
class _Trajectory:
    """What player i experienced along the true history."""

    player: int
    target: str                       # i's information state now
    seen: frozenset[str]              # i's information states along the true history
    own_actions: dict[str, int]       # i's information state at its past decisions -> action taken


def _infostate(state: pyspiel.State, player: int) -> str | None:
    try:
        return state.information_state_string(player)
    except pyspiel.SpielError:
        return None


def _trajectory(state: pyspiel.State, player: int) -> _Trajectory:
    if state.is_terminal():
        raise ValueError("cannot condition on a terminal state")
    if state.current_player() != player:
        raise ValueError(f"player {player} is not to move (current player {state.current_player()})")
    game = state.get_game()
    node = game.new_initial_state()
    seen: set[str] = set()
    own: dict[str, int] = {}
    for action in state.history():
        info = _infostate(node, player) if not node.is_chance_node() else None
        if info is not None:
            seen.add(info)
            if node.current_player() == player:
                own[info] = action
        node.apply_action(action)
    target = state.information_state_string(player)
    seen.add(target)
    return _Trajectory(player, target, frozenset(seen), own)


def _children(node: pyspiel.State, traj: _Trajectory,
              blueprint: Blueprint) -> Iterator[tuple[pyspiel.State, float]]:
    """Consistent children of ``node`` with their transition probabilities."""
    if node.is_chance_node():
        outcomes = node.chance_outcomes()
    elif node.current_player() == traj.player:
        info = node.information_state_string(traj.player)
        action = traj.own_actions.get(info)
        if action is None:
            return
        outcomes = [(action, 1.0)]
    else:
        outcomes = list(blueprint.action_probabilities(node).items())
    for action, prob in outcomes:
        if prob <= 0.0:
            continue
        child = node.child(action)
        if child.is_terminal():
            continue
        if not child.is_chance_node():
            info = _infostate(child, traj.player)
            if info is not None and info not in traj.seen:
                continue
        yield child, prob


def _is_target(node: pyspiel.State, traj: _Trajectory) -> bool:
    return (node.current_player() == traj.player
            and node.information_state_string(traj.player) == traj.target)


def enumerate_histories(state: pyspiel.State, player: int, blueprint: Blueprint,
                        max_nodes: int = 200_000) -> Posterior:
    """All histories consistent with ``player``'s information state, with exact weights.

    Raises ``EnumerationLimitExceeded`` if the search would visit more than ``max_nodes`` nodes.
    """
    if max_nodes <= 0:
        raise ValueError(f"max_nodes must be positive, got {max_nodes}")
    traj = _trajectory(state, player)
    root = state.get_game().new_initial_state()
    found: list[pyspiel.State] = []
    weights: list[float] = []
    stack: list[tuple[pyspiel.State, float]] = [(root, 1.0)]
    visited = 0
    while stack:
        node, weight = stack.pop()
        visited += 1
        if visited > max_nodes:
            raise EnumerationLimitExceeded(
                f"more than {max_nodes} nodes needed to enumerate the histories of {traj.target!r}")
        if not node.is_chance_node() and _is_target(node, traj):
            found.append(node)
            weights.append(weight)
            continue
        for child, prob in _children(node, traj, blueprint):
            stack.append((child, weight * prob))
    total = float(np.sum(weights))
    if not found or total <= 0.0:
        raise ZeroPosterior("no history consistent with the information state has positive "
                            "probability under the blueprint (does the blueprint have full support?)")
    return Posterior(found, np.asarray(weights) / total, True, visited)


def sample_histories(state: pyspiel.State, player: int, blueprint: Blueprint,
                     num_particles: int, rng: np.random.Generator,
                     max_attempts_per_particle: int = 100) -> Posterior:
    """``num_particles`` importance-weighted histories from the posterior (see module doc)."""
    if num_particles <= 0:
        raise ValueError(f"num_particles must be positive, got {num_particles}")
    traj = _trajectory(state, player)
    game = state.get_game()
    particles: list[pyspiel.State] = []
    weights: list[float] = []
    visited = 0
    attempts = 0
    while len(particles) < num_particles:
        attempts += 1
        if attempts > max_attempts_per_particle * num_particles:
            raise RuntimeError(f"sequential importance sampling found only {len(particles)} of "
                               f"{num_particles} particles for {traj.target!r}")
        node, weight = game.new_initial_state(), 1.0
        while True:
            visited += 1
            if not node.is_chance_node() and _is_target(node, traj):
                particles.append(node)
                weights.append(weight)
                break
            options = list(_children(node, traj, blueprint))
            if not options:
                break                                   # dead end: retry (rejection)
            probs = np.array([p for _, p in options])
            total = probs.sum()
            pick = rng.choice(len(options), p=probs / total)
            node, weight = options[pick][0], weight * total
    w = np.asarray(weights)
    return Posterior(particles, w / w.sum(), False, visited)


@dataclasses.dataclass
class HistorySampler:
    """Exact posterior when enumeration fits in ``max_nodes``, importance sampling otherwise."""

    blueprint: Blueprint
    max_nodes: int = 20_000
    num_particles: int = 100

    def __post_init__(self) -> None:
        if self.max_nodes <= 0 or self.num_particles <= 0:
            raise ValueError("max_nodes and num_particles must be positive")

    def posterior(self, state: pyspiel.State, player: int,
                  rng: np.random.Generator) -> Posterior:
        try:
            return enumerate_histories(state, player, self.blueprint, self.max_nodes)
        except EnumerationLimitExceeded:
            return sample_histories(state, player, self.blueprint, self.num_particles, rng)
