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

A walk can dead-end (a later attempt of i reveals something else than in the true game), so
in hard information states the sampler may find too few particles within its attempt budget.
``posterior_with_fallbacks`` (used by ``HistorySampler`` and the native phantom beliefs) then
falls back, in order, and tags the posterior with the level it reached (``Posterior.fallback``):
  "more_particles" – sampling the missing particles with ``retry_factor`` times the walks;
  "enumeration"    – if still short: exact enumeration within a larger node budget;
  "partial"        – if that does not fit: the (valid, importance-weighted) particles found;
and otherwise raises ``SamplingFailed`` (a ``NoPosterior``), on which a search plays its
blueprint's move (``uedtp.search.update_equivalent.core``). Nothing raises mid-game.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np
import pyspiel


class Blueprint(Protocol):
    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        ...


class EnumerationLimitExceeded(RuntimeError):
    """Raised when exact enumeration would visit more nodes than allowed."""


class NoPosterior(ValueError):
    """No posterior to search over at this information state: a search keeps its blueprint."""


class ZeroPosterior(NoPosterior):
    """The information state has probability zero under the blueprint (no posterior exists)."""


class SamplingFailed(NoPosterior):
    """Every fallback of ``posterior_with_fallbacks`` failed to find a consistent history."""


class SamplingShortfall(RuntimeError):
    """Sequential importance sampling found fewer particles than asked within its attempt
    budget; ``states`` / ``raw_weights`` / ``visited`` hold what it did find."""

    def __init__(self, message: str, states: list | None = None,
                 raw_weights: np.ndarray | None = None, visited: int = 0) -> None:
        super().__init__(message)
        self.states = list(states or [])
        self.raw_weights = np.zeros(0) if raw_weights is None else np.asarray(raw_weights, float)
        self.visited = int(visited)


FALLBACK_LEVELS = ("more_particles", "enumeration", "partial", "blueprint")


@dataclasses.dataclass
class Posterior:
    """Histories (as states) with normalised posterior weights."""

    states: Sequence[pyspiel.State]
    weights: np.ndarray
    exact: bool
    nodes_visited: int
    fallback: str | None = None       # FALLBACK_LEVELS entry that produced it (None: first try)

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
    """``num_particles`` importance-weighted histories from the posterior (see module doc);
    ``SamplingShortfall`` (a ``RuntimeError``) if too few are found."""
    particles, w, visited = sample_particles(state, player, blueprint, num_particles, rng,
                                             max_attempts_per_particle)
    return Posterior(particles, w / w.sum(), False, visited)


def sample_particles(state: pyspiel.State, player: int, blueprint: Blueprint,
                     num_particles: int, rng: np.random.Generator,
                     max_attempts_per_particle: int = 100) -> Particles:
    """``sample_histories`` before normalisation: (states, raw weights, nodes visited)."""
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
            raise SamplingShortfall(f"sequential importance sampling found only "
                                    f"{len(particles)} of {num_particles} particles for "
                                    f"{traj.target!r}", particles, np.asarray(weights), visited)
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
    return particles, np.asarray(weights, dtype=float), visited


Particles = tuple  # (states, raw importance weights, nodes visited) of one sampling run


def _joined(a: Particles, b: Particles) -> Particles:
    states = b[0] if not len(a[0]) else a[0] if not len(b[0]) else list(a[0]) + list(b[0])
    return states, np.concatenate([a[1], b[1]]), a[2] + b[2]


def posterior_with_fallbacks(enumerate_within: Callable[[int], Posterior],
                             sample_within: Callable[[int, int], Particles], *, max_nodes: int,
                             num_particles: int = 100, max_attempts: int = 100,
                             retry_factor: int = 3,
                             fallback_max_nodes: int | None = None) -> Posterior:
    """Exact enumeration within ``max_nodes``, else ``num_particles`` importance-sampled
    histories with ``max_attempts`` walks per particle, else the fallbacks of the module
    docstring ("more_particles" samples only the missing particles, with ``retry_factor``
    times the walks per particle, and keeps those already found: independent runs of one
    proposal, so their raw weights combine). ``enumerate_within(n)`` enumerates within n
    nodes; ``sample_within(k, m)`` returns (states, raw weights, nodes visited) of k particles
    sampled with m walks per particle, or raises ``SamplingShortfall`` holding what it found.
    ``fallback_max_nodes`` defaults to ten times ``max_nodes``. Raises ``SamplingFailed`` (or
    ``ZeroPosterior``) if everything fails."""
    try:
        return enumerate_within(max_nodes)
    except EnumerationLimitExceeded:
        pass
    fallback = None
    try:
        found: Particles = sample_within(num_particles, max_attempts)
    except SamplingShortfall as short:
        found = (short.states, short.raw_weights, short.visited)
        fallback = "more_particles"
        try:
            found = _joined(found, sample_within(num_particles - len(found[0]),
                                                 max_attempts * retry_factor))
        except SamplingShortfall as again:
            found = _joined(found, (again.states, again.raw_weights, again.visited))
            fallback = "partial"
    if fallback == "partial":
        budget = 10 * max_nodes if fallback_max_nodes is None else fallback_max_nodes
        if budget > max_nodes:
            try:
                return dataclasses.replace(enumerate_within(budget), fallback="enumeration")
            except EnumerationLimitExceeded:
                pass
    states, raw, visited = found
    total = float(np.sum(raw))
    if not len(states) or len(raw) != len(states) or total <= 0.0:
        raise SamplingFailed("no history consistent with the information state was found by "
                             "sampling or by enumeration within the node budget")
    return Posterior(states, np.asarray(raw, float) / total, False, visited, fallback=fallback)


@dataclasses.dataclass
class HistorySampler:
    """Exact posterior when enumeration fits in ``max_nodes``, importance sampling otherwise,
    then the fallbacks of ``posterior_with_fallbacks`` (never raises on a hard state)."""

    blueprint: Blueprint
    max_nodes: int = 20_000
    num_particles: int = 100
    fallback_max_nodes: int | None = None       # None: 10 * max_nodes

    def __post_init__(self) -> None:
        if self.max_nodes <= 0 or self.num_particles <= 0:
            raise ValueError("max_nodes and num_particles must be positive")

    def posterior(self, state: pyspiel.State, player: int,
                  rng: np.random.Generator) -> Posterior:
        return posterior_with_fallbacks(
            lambda n: enumerate_histories(state, player, self.blueprint, n),
            lambda k, m: sample_particles(state, player, self.blueprint, k, rng, m),
            max_nodes=self.max_nodes, num_particles=self.num_particles,
            fallback_max_nodes=self.fallback_max_nodes)
