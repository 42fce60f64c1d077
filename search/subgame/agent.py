"""An agent that solves the subgame at its current public state before every decision.

One decision (``action_probabilities(state)``): find the public state of the current history
(compiled tree: closure over shared information-state ids; games too large to compile: DFS
over pyspiel states, capped), build the subgame below it weighted by the blueprint's reach with
the resolve gadget (search/subgame/solver.py), solve it with CFR+ / DCFR for ``iterations``
iterations, and return the solved average policy at the agent's information state. Above the
caps (public state or subgame too large) it plays the blueprint instead and says so in its
``decisions`` log, which records the public-belief size (histories in the public state) of every
decision. Solved public states are cached, so the full policy of the agent (it run at every
information state, ``full_policy``) costs one solve per public state.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

import numpy as np
import pyspiel

from uedtp.agents.protocol import sample_action

from uedtp.csrc import cfr_kernels as K
from uedtp.csrc.game_tree import KernelTree
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, GameTree
from uedtp.envs.openspiel_games import as_game, require_two_player_zero_sum
from uedtp.envs.tree_compile import GameTooLargeError, cached_game_tree
from uedtp.search.subgame.closure import (HistoryFinder, blueprint_reaches, compile_public_subgame,
                                          rollout_values, state_closure, state_of_subtree_node)
from uedtp.search.subgame.solver import (ALGORITHMS, GADGETS, OPT_OUT_VALUES, PublicStateIndex,
                                         SubgameTooLargeError, extract_subgame, opt_out_values,
                                         root_weights, solve_subgame)
from uedtp.search.cfr.solvers import solver_class
from uedtp.search.cfr.tree_policy import policy_to_slots


@dataclasses.dataclass
class SubgameDecision:
    """What one decision cost: public-belief size, subgame size, whether it fell back."""

    player: int
    information_state: str
    public_state_size: int        # histories in the public state (-1 if the cap was hit)
    subgame_nodes: int            # 0 when it fell back or reused a cached solve
    depth_limit: int | None
    fell_back: bool
    cached: bool
    reason: str
    seconds: float


class SubgameSolvingAgent:
    """Decision-time subgame solving over a blueprint, for two-player zero-sum games.

    Args:
      game: game string or ``pyspiel.Game``.
      blueprint: the policy everyone is assumed to have played (slot array, TabularPolicy,
        dict, or any object with ``action_probabilities(state)``; the last form is required
        for games too large to compile).
      iterations: solver iterations per subgame; algorithm: a solver name that takes a warm
        start (``uedtp.search.cfr.solvers.WARM_START_SOLVERS``: 'cfr', 'cfr+', 'dcfr', 'lcfr', 'pcfr+').
      gadget: 'resolve' (opponent may opt out at its counterfactual value) or 'none'.
      opt_out: 'best_response' (safe: its best-response value against the blueprint) or
        'blueprint' (its value under the blueprint).
      max_public_histories: above this public-state size, play the blueprint.
      max_subgame_nodes: larger subgames are depth-limited, leaves valued by the blueprint
        (exact values on a compiled tree; ``rollouts`` blueprint playouts otherwise).
      max_tree_nodes: games with more histories are handled without compiling the whole game.
      finder / max_closure_visits (uncompiled games): ``finder(state, player)`` lists the
        histories giving ``player`` the same information state (default: a pruned DFS that
        may search at most ``max_closure_visits`` nodes per decision before falling back).
      on_decision: called with every ``SubgameDecision`` (e.g. ``print`` to watch the
        public-belief size grow).
    """

    def __init__(self, game: "str | pyspiel.Game", blueprint: Any, iterations: int = 200,
                 algorithm: str = "cfr+", seed: int | None = 0, gadget: str = "resolve",
                 opt_out: str = "best_response", max_public_histories: int = 100_000,
                 max_subgame_nodes: int = 500_000, max_tree_nodes: int = DEFAULT_MAX_NODES,
                 rollouts: int = 4, finder: HistoryFinder | None = None,
                 max_closure_visits: int = 300_000,
                 on_decision: Callable[[SubgameDecision], None] | None = None) -> None:
        self.game = as_game(game)
        require_two_player_zero_sum(self.game, "subgame solving")
        solver_class(algorithm, ALGORITHMS, "subgame algorithm")    # ValueError if unknown
        if gadget not in GADGETS:
            raise ValueError(f"unknown gadget {gadget!r}; expected one of {GADGETS}")
        if opt_out not in OPT_OUT_VALUES:
            raise ValueError(f"unknown opt_out {opt_out!r}; expected one of {OPT_OUT_VALUES}")
        for label, v in (("iterations", iterations), ("max_public_histories",
                                                      max_public_histories),
                         ("max_subgame_nodes", max_subgame_nodes), ("rollouts", rollouts),
                         ("max_closure_visits", max_closure_visits)):
            if not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"{label} must be a positive integer, got {v!r}")
        self.iterations, self.algorithm = int(iterations), algorithm
        self.gadget, self.opt_out = gadget, opt_out
        self.max_public_histories = int(max_public_histories)
        self.max_subgame_nodes = int(max_subgame_nodes)
        self.rollouts, self.finder = int(rollouts), finder
        self.max_closure_visits = int(max_closure_visits)
        self.on_decision = on_decision
        self.blueprint = blueprint
        self._rng = np.random.default_rng(seed)
        self._cache: dict[Any, dict[int, np.ndarray] | None] = {}
        self.decisions: list[SubgameDecision] = []
        self.tree: GameTree | None
        try:
            self.tree = cached_game_tree(self.game, max_nodes=max_tree_nodes)
        except GameTooLargeError:
            self.tree = None
        if self.tree is not None:
            self._bp = policy_to_slots(self.tree, blueprint, self.game, name="blueprint")
            self._index = PublicStateIndex(self.tree)
            kern = KernelTree(self.tree)
            self._node_values = np.empty((2, self.tree.num_nodes))
            for p in range(2):
                K.expected_values(kern, self._bp, self._node_values[p], p)
        elif not hasattr(blueprint, "action_probabilities"):
            raise TypeError(f"{self.game} is too large to compile; the blueprint must have "
                            "action_probabilities(state)")

    # ------------------------------------------------------------------ protocol
    def action_probabilities(self, state: pyspiel.State) -> dict[int, float]:
        if state.is_terminal() or state.is_chance_node():
            raise ValueError("action_probabilities needs a decision node (not chance/terminal)")
        if self.tree is not None:
            return self._decide_on_tree(self.tree.node_of_state(state))
        return self._decide_on_states(state)

    def act(self, state: pyspiel.State) -> int:
        return sample_action(self._rng, self.action_probabilities(state))

    # ---------------------------------------------------------------- reporting
    @property
    def fallback_rate(self) -> float:
        return float(np.mean([d.fell_back for d in self.decisions])) if self.decisions else 0.0

    def summary(self) -> dict[str, Any]:
        sizes = [d.public_state_size for d in self.decisions if d.public_state_size >= 0]
        return {"decisions": len(self.decisions), "fallback_rate": self.fallback_rate,
                "public_state_size_mean": float(np.mean(sizes)) if sizes else float("nan"),
                "public_state_size_max": max(sizes) if sizes else -1,
                "solves": sum(1 for d in self.decisions if d.subgame_nodes > 0),
                "seconds": float(sum(d.seconds for d in self.decisions))}

    def full_policy(self) -> np.ndarray:
        """The agent's policy at every information state of the game, as a slot array."""
        if self.tree is None:
            raise ValueError(f"{self.game} is too large to compile; its full policy cannot be "
                             "enumerated")
        out = np.empty(self.tree.num_slots)
        for k in range(self.tree.num_infosets):
            probs = self._decide_on_tree(int(self.tree.infoset_node[k]))
            out[self.tree.slots(k)] = [probs[int(a)] for a in
                                       self.tree.slot_action[self.tree.slots(k)]]
        return out

    # ------------------------------------------------------------------- helpers
    def _record(self, player: int, info: str, size: int, nodes: int, cut: int | None,
                fell_back: bool, cached: bool, reason: str, t0: float) -> None:
        record = SubgameDecision(player, info, size, nodes, cut, fell_back, cached, reason,
                                time.perf_counter() - t0)
        self.decisions.append(record)
        if self.on_decision is not None:
            self.on_decision(record)

    def _as_dict(self, tree: GameTree, k: int, probs: np.ndarray) -> dict[int, float]:
        return {int(a): float(x) for a, x in zip(tree.slot_action[tree.slots(k)], probs)}

    def _decide_on_tree(self, node: int) -> dict[int, float]:
        tree = self.tree
        assert tree is not None                # only called once the game is compiled
        t0 = time.perf_counter()
        player = int(tree.player[node])
        if player < 0:
            raise ValueError(f"node {node} is not a decision node")
        k = int(tree.node_infoset[node])
        info = tree.infoset_strings[k]
        ps = self._index.closure(node, self.max_public_histories)
        if not ps.complete:
            self._record(player, info, -1, 0, None, True, False,
                         f"public state larger than {self.max_public_histories:,}", t0)
            return self._as_dict(tree, k, self._bp[tree.slots(k)])
        key = (player, ps.roots.tobytes())
        cached = key in self._cache
        nodes, cut, reason = 0, None, ""
        if not cached:
            try:
                solved, nodes, cut = self._solve_on_tree(ps.roots, player)
            except SubgameTooLargeError as err:
                solved, reason = None, str(err)
            self._cache[key] = solved
        solved = self._cache[key]
        if solved is None or k not in solved:
            self._record(player, info, ps.size, nodes, cut, True, cached,
                         reason or "infoset not in the solved subgame", t0)
            return self._as_dict(tree, k, self._bp[tree.slots(k)])
        self._record(player, info, ps.size, nodes, cut, False, cached, "", t0)
        return self._as_dict(tree, k, solved[k])

    def _solve_on_tree(self, roots: np.ndarray, player: int
                       ) -> tuple[dict[int, np.ndarray], int, int | None]:
        tree = self.tree
        assert tree is not None                # only called once the game is compiled
        weights = root_weights(tree, roots, self._bp, player, self.gadget)
        opt = None
        if self.gadget == "resolve":
            opt = opt_out_values(tree, roots, weights, self._bp, player, self.opt_out,
                                 self.max_subgame_nodes, self._node_values)
        sub = extract_subgame(tree, roots, weights, player, self.gadget, opt,
                              self.max_subgame_nodes, self._node_values)
        probs = solve_subgame(sub, self.algorithm, self.iterations, self._bp)
        solved = {int(k_src): probs[sub.tree.slots(k_sub)].copy()
                  for k_sub, k_src in enumerate(sub.infoset_map)
                  if k_src >= 0 and tree.infoset_player[k_src] == player}
        return solved, sub.tree.num_nodes, sub.depth_limit

    def _decide_on_states(self, state: pyspiel.State) -> dict[int, float]:
        t0 = time.perf_counter()
        player = state.current_player()
        info = state.information_state_string(player)
        try:
            histories = state_closure(state, self.max_public_histories, self.finder,
                                      self.max_closure_visits)
        except SubgameTooLargeError as err:
            self._record(player, info, -1, 0, None, True, False, str(err), t0)
            return self.blueprint.action_probabilities(state)
        try:
            probs, nodes, cut = self._solve_on_states(state, histories, player)
        except SubgameTooLargeError as err:
            self._record(player, info, len(histories), 0, None, True, False, str(err), t0)
            return self.blueprint.action_probabilities(state)
        self._record(player, info, len(histories), nodes, cut, False, False, "", t0)
        return probs

    def _solve_on_states(self, state: pyspiel.State, histories: list[pyspiel.State],
                         player: int) -> tuple[dict[int, float], int, int | None]:
        reach = blueprint_reaches(histories, self.blueprint)
        w = reach[:, 0] * reach[:, 1 + player]
        if self.gadget == "none":
            w = w * reach[:, 2 - player]
        keep = w > 0
        roots_states = [h for h, k in zip(histories, keep) if k]
        w = w[keep]
        leaf = rollout_values(self.blueprint, self.rollouts, self._rng)
        sub_tree, cut = compile_public_subgame(roots_states, self.max_subgame_nodes, leaf)
        bp = np.empty(sub_tree.num_slots)
        for k in range(sub_tree.num_infosets):
            s = state_of_subtree_node(sub_tree, roots_states, int(sub_tree.infoset_node[k]))
            d = self.blueprint.action_probabilities(s)
            row = np.array([float(d.get(int(a), 0.0))
                            for a in sub_tree.slot_action[sub_tree.slots(k)]])
            bp[sub_tree.slots(k)] = row / row.sum()
        roots = sub_tree.children(0)
        opt = None
        if self.gadget == "resolve":
            opt = opt_out_values(sub_tree, roots, w, bp, player, self.opt_out,
                                 self.max_subgame_nodes)
        sub = extract_subgame(sub_tree, roots, w, player, self.gadget, opt,
                              self.max_subgame_nodes)
        probs = solve_subgame(sub, self.algorithm, self.iterations, bp)
        k_src = sub_tree.infoset_index(player, state.information_state_string(player))
        k_sub = sub.source_to_sub()[k_src]
        return self._as_dict(sub.tree, k_sub, probs[sub.tree.slots(k_sub)]), \
            sub.tree.num_nodes, cut
