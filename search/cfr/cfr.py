"""Counterfactual regret minimisation (CFR, CFR+) on a compiled game tree.

One iteration (``update()``), for each player p in turn (alternating updates) or for all
players against the same policy (simultaneous):
  1. traverse the tree with the current policy (Cython, two sweeps): counterfactual values
     cfv(I, a) of p's infosets and p's own reach;
  2. add p's current policy, weighted by its own reach, into the average policy
     (weight ∝ t^gamma: gamma 0 = uniform, 1 = linear, 2 = quadratic averaging);
  3. fold the instantaneous regrets cfv(I, a) - sum_b policy(I, b) cfv(I, b) into the cumulative
     regrets by the algorithm's rule and set p's next policy by regret matching.
CFR: R += r, uniform averaging. CFR+: regret-matching+ (R = max(R + r, 0)), alternating
updates, linear averaging. DCFR / linear CFR live in search/cfr/dcfr.py, predictive CFR+ in
search/cfr/pcfr.py, tabular MMD in search/cfr/mmd.py; all share ``TreeSolver`` below.

Policies come out as slot arrays, OpenSpiel ``TabularPolicy`` objects or agents; solver state
saves to / loads from ``.npz`` (``save`` / ``load_solver``) with a check that the file belongs to
the same game.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, ClassVar

import numpy as np
import pyspiel
from open_spiel.python import policy as policy_lib

from uedtp.csrc import cfr_kernels as K
from uedtp.csrc.game_tree import KernelTree
from uedtp.envs.game_tree import DEFAULT_MAX_NODES, CorruptTreeFileError, GameTree, read_npz
from uedtp.envs.openspiel_games import as_game
from uedtp.envs.tree_compile import cached_game_tree
from uedtp.search.cfr.best_response import TreeEvaluator
from uedtp.search.cfr.tree_policy import SlotPolicyAgent, slots_to_tabular


def tree_fingerprint(tree: GameTree) -> str:
    """Hash of the infoset strings and action layout (identifies the game a slot array is for)."""
    h = hashlib.sha1(tree.game_string.encode())
    h.update(tree.slot_action.tobytes())
    h.update(tree.infoset_offset.tobytes())
    h.update("\n".join(tree.infoset_strings).encode())
    return h.hexdigest()


def resolve_tree(game: "str | pyspiel.Game | GameTree",
                 max_nodes: int = DEFAULT_MAX_NODES) -> tuple[GameTree, pyspiel.Game | None]:
    """The compiled tree for a game string / game (cached), or the given tree itself."""
    if isinstance(game, GameTree):
        return game, None
    if not isinstance(game, (str, pyspiel.Game)):
        raise TypeError(f"game must be a game string, pyspiel.Game or GameTree, got "
                        f"{type(game).__name__}")
    loaded = as_game(game)
    return cached_game_tree(loaded, max_nodes=max_nodes), loaded


class TreeSolver:
    """Base of the tabular solvers: tree, buffers, policies, agents, save/load.

    Subclasses implement ``update()`` (one iteration) and keep their state in the arrays named
    by ``_state_arrays``. ``name`` is the solver's name in ``uedtp.search.cfr.solvers.SOLVERS``;
    ``warm_start`` says whether the constructor takes an ``initial_policy``.
    """

    name: ClassVar[str] = "tree_solver"
    warm_start: ClassVar[bool] = False
    _state_arrays: ClassVar[tuple[str, ...]] = ("policy", "avg")

    def __init__(self, game: "str | pyspiel.Game | GameTree",
                 max_nodes: int = DEFAULT_MAX_NODES) -> None:
        self.tree, self.game = resolve_tree(game, max_nodes)
        if self.tree.num_infosets == 0:
            raise ValueError(f"{self.tree.game_string} has no decision points to solve")
        self.kernel = KernelTree(self.tree)
        n, s, k = self.tree.num_nodes, self.tree.num_slots, self.tree.num_infosets
        self.policy = self.tree.uniform_policy()
        self.avg = np.zeros(s)
        self.iteration = 0
        self._reach = np.empty(n)
        self._own = np.empty(n)
        self._value = np.empty(n)
        self._cfv = np.zeros(s)
        self._iset_reach = np.zeros(k)
        self._scratch = np.empty(max(1, int(self.tree.infoset_num_actions.max())))
        self._evaluator: TreeEvaluator | None = None

    # ----------------------------------------------------------------- iterate
    def update(self) -> None:
        """Run one iteration."""
        raise NotImplementedError

    def run(self, iterations: int) -> "TreeSolver":
        """Run ``iterations`` iterations (convenience loop over ``update``)."""
        if not isinstance(iterations, (int, np.integer)) or iterations < 0:
            raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
        for _ in range(int(iterations)):
            self.update()
        return self

    def _traverse(self, player: int) -> float:
        self._cfv.fill(0.0)
        self._iset_reach.fill(0.0)
        return K.cfr_traverse(self.kernel, player, self.policy, self._reach, self._own,
                              self._value, self._cfv, self._iset_reach)

    # ---------------------------------------------------------------- policies
    def current_policy_array(self) -> np.ndarray:
        return self.policy.copy()

    def average_policy_array(self) -> np.ndarray:
        out = np.empty_like(self.avg)
        K.normalize_slots(self.kernel, self.avg, out)
        return out

    def _tabular(self, probs: np.ndarray) -> policy_lib.TabularPolicy:
        if self.tree.source_node is not None:
            raise ValueError("this solver runs on a subgame tree; use the *_policy_array methods")
        return slots_to_tabular(self.tree, probs, self.game)

    def current_policy(self) -> policy_lib.TabularPolicy:
        """The current iterate as an OpenSpiel ``TabularPolicy``."""
        return self._tabular(self.current_policy_array())

    def average_policy(self) -> policy_lib.TabularPolicy:
        """The (weighted) average policy as an OpenSpiel ``TabularPolicy``."""
        return self._tabular(self.average_policy_array())

    def as_agent(self, average: bool = True, seed: int | None = 0) -> SlotPolicyAgent:
        probs = self.average_policy_array() if average else self.current_policy_array()
        return SlotPolicyAgent(self.tree, probs, seed=seed)

    def exploitability(self, average: bool = True) -> float:
        """Exploitability (2p zero-sum) of the average or current policy."""
        if self._evaluator is None:
            self._evaluator = TreeEvaluator(self.tree)
        probs = self.average_policy_array() if average else self.current_policy_array()
        return self._evaluator.exploitability(probs)

    # --------------------------------------------------------------- save/load
    def params(self) -> dict[str, Any]:
        """Constructor keyword arguments that reproduce this solver."""
        return {}

    def save(self, path: str | os.PathLike) -> None:
        """Write the solver state (arrays, iteration, parameters, game check) to ``path``."""
        arrays = {name: getattr(self, name) for name in self._state_arrays}
        meta = {"class": type(self).__name__, "params": self.params(),
                "iteration": self.iteration, "game": self.tree.game_string,
                "fingerprint": tree_fingerprint(self.tree)}
        np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)

    def _restore(self, arrays: dict[str, np.ndarray], iteration: int, path: Any) -> None:
        for name in self._state_arrays:
            current = getattr(self, name)
            value = arrays[name]
            if value.shape != current.shape or value.dtype != current.dtype:
                raise CorruptTreeFileError(f"{path}: array {name!r} has shape {value.shape} "
                                           f"{value.dtype}, expected {current.shape} "
                                           f"{current.dtype}")
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                raise CorruptTreeFileError(f"{path}: array {name!r} has non-finite entries")
            current[...] = value
        self.iteration = iteration


def load_solver(path: str | os.PathLike, game: "str | pyspiel.Game | GameTree") -> TreeSolver:
    """Rebuild a solver saved with ``save`` for ``game`` (which must be the game it was run on)."""
    from uedtp.search.cfr.solvers import solver_by_class_name   # the registry imports this module
    raw = read_npz(path, ("meta",), "solver")
    try:
        meta = json.loads(raw["meta"].tobytes().decode("utf-8"))
        cls = solver_by_class_name(meta["class"])
        params, iteration = dict(meta["params"]), int(meta["iteration"])
        fingerprint = meta["fingerprint"]
    except (ValueError, KeyError, TypeError) as err:
        raise CorruptTreeFileError(f"{path}: unreadable solver metadata ({err})") from None
    solver = cls(game, **params)
    if fingerprint != tree_fingerprint(solver.tree):
        raise CorruptTreeFileError(f"{path}: solver state is for game {meta.get('game')!r}, not "
                                   f"{solver.tree.game_string!r}")
    missing = [name for name in solver._state_arrays if name not in raw]
    if missing:
        raise CorruptTreeFileError(f"{path}: solver file is missing arrays {missing}")
    solver._restore(raw, iteration, path)
    return solver


class RegretSolver(TreeSolver):
    """Regret-matching family on the compiled tree (see the module docstring for one iteration).

    Parameters: ``rule`` (a ``uedtp.csrc.cfr_kernels.RULE_*``), ``alternating`` updates,
    ``averaging`` exponent gamma (average weight ∝ t^gamma), ``initial_policy`` (slot array;
    default uniform): the first iterate, and the policy played wherever no regret is positive
    (so infosets the opponents never let matter keep it, e.g. a blueprint in subgame solving).
    """

    name = "regret"
    warm_start = True
    _state_arrays = ("policy", "avg", "regret", "fallback")
    rule: ClassVar[int] = K.RULE_CFR

    def __init__(self, game: "str | pyspiel.Game | GameTree", alternating: bool = True,
                 averaging: float = 0.0, max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        if not isinstance(alternating, bool):
            raise TypeError(f"alternating must be a bool, got {alternating!r}")
        if not np.isfinite(averaging) or averaging < 0:
            raise ValueError(f"averaging exponent must be finite and >= 0, got {averaging}")
        super().__init__(game, max_nodes)
        self.alternating = alternating
        self.averaging = float(averaging)
        self.regret = np.zeros(self.tree.num_slots)
        if initial_policy is not None:
            self.policy = self.tree.check_policy(initial_policy, "initial_policy").copy()
        self.fallback = self.policy.copy()

    def params(self) -> dict[str, Any]:
        return {"alternating": self.alternating, "averaging": self.averaging}

    def _discounts(self, t: int) -> tuple[float, float, float]:
        """(regret_weight, positive discount, negative discount) at iteration t."""
        return 1.0, 1.0, 1.0

    def update(self) -> None:
        self.iteration += 1
        t = self.iteration
        decay = ((t - 1) / t) ** self.averaging
        weight, pos, neg = self._discounts(t)
        players = range(self.tree.num_players)
        if self.alternating:
            for p in players:
                self._traverse(p)
                K.average_update(self.kernel, p, self.policy, self._own, self.avg, decay, 1.0)
                K.regret_update(self.kernel, p, self.rule, self.policy, self._cfv, self.regret,
                                self._scratch, weight, pos, neg, self.fallback)
        else:
            cfvs, owns = [], []
            for p in players:
                self._traverse(p)
                cfvs.append(self._cfv.copy())
                owns.append(self._own.copy())
            for p in players:
                K.average_update(self.kernel, p, self.policy, owns[p], self.avg, decay, 1.0)
            for p in players:
                K.regret_update(self.kernel, p, self.rule, self.policy, cfvs[p], self.regret,
                                self._scratch, weight, pos, neg, self.fallback)


class CFRSolver(RegretSolver):
    """Vanilla CFR: R += r, regret matching, uniform averaging (alternating updates by default)."""

    name = "cfr"
    rule = K.RULE_CFR

    def __init__(self, game: "str | pyspiel.Game | GameTree", alternating: bool = True,
                 averaging: float = 0.0, max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        super().__init__(game, alternating, averaging, max_nodes, initial_policy)


class CFRPlusSolver(RegretSolver):
    """CFR+: regret-matching+, alternating updates, linear averaging."""

    name = "cfr+"
    rule = K.RULE_RM_PLUS

    def __init__(self, game: "str | pyspiel.Game | GameTree", alternating: bool = True,
                 averaging: float = 1.0, max_nodes: int = DEFAULT_MAX_NODES,
                 initial_policy: np.ndarray | None = None) -> None:
        super().__init__(game, alternating, averaging, max_nodes, initial_policy)
