"""The tabular solvers by name: one registry built from the solver classes' own ``name``.

``SOLVERS`` maps each name to its class; ``solver_class(name)`` looks one up (a ``ValueError``
names the known solvers) and ``make_solver(name, game, **kwargs)`` builds it. Every command or
agent that takes a solver name (the exploitability CLI, the ``cfr`` agent spec, subgame solving)
uses this table, so a name builds the same solver everywhere: the class with its default
parameters.

- ``cfr``, ``cfr+``, ``dcfr``, ``lcfr``, ``pcfr+``: the regret-matching family
  (``uedtp.search.cfr.cfr``, ``dcfr``, ``pcfr``); they accept a warm start (``initial_policy``), so
  subgame solving can use them (``WARM_START_SOLVERS``);
- ``mmd``: ``MMDSolver`` with its defaults, the moving-magnet setting (alpha 1, eta 0.1, magnet
  step 0.05, constant schedule: ``MMDSolver.moving_magnet``), a last-iterate method whose current
  policy is the one to evaluate (the annealed reference settings are ``MMDSolver.annealed_kuhn``
  / ``annealed_leduc``, not reachable by name);
- ``es-mccfr``, ``os-mccfr``: external / outcome sampling Monte Carlo CFR (``uedtp.search.cfr.mccfr``).

Saved solver files name the class (``TreeSolver.save``); ``solver_by_class_name`` finds it back.
"""
from __future__ import annotations

from typing import Any

import pyspiel

from uedtp.envs.game_tree import GameTree
from uedtp.search.cfr.cfr import CFRPlusSolver, CFRSolver, TreeSolver
from uedtp.search.cfr.dcfr import DCFRSolver, LinearCFRSolver
from uedtp.search.cfr.mccfr import ExternalSamplingMCCFRSolver, OutcomeSamplingMCCFRSolver
from uedtp.search.cfr.mmd import MMDSolver
from uedtp.search.cfr.pcfr import PCFRPlusSolver

SOLVERS: dict[str, type[TreeSolver]] = {cls.name: cls for cls in (
    CFRSolver, CFRPlusSolver, DCFRSolver, LinearCFRSolver, PCFRPlusSolver, MMDSolver,
    ExternalSamplingMCCFRSolver, OutcomeSamplingMCCFRSolver)}

WARM_START_SOLVERS: tuple[str, ...] = tuple(name for name, cls in SOLVERS.items()
                                            if cls.warm_start)


def solver_class(name: str, among: tuple[str, ...] | None = None,
                 what: str = "solver") -> type[TreeSolver]:
    """The solver class called ``name`` (restricted to the names ``among`` if given); the
    ``ValueError`` for another name calls it an unknown ``what`` and lists the known names."""
    known = tuple(SOLVERS) if among is None else among
    if name not in known:
        raise ValueError(f"unknown {what} {name!r}; known solvers: {', '.join(known)}")
    return SOLVERS[name]


def make_solver(name: str, game: "str | pyspiel.Game | GameTree", **kwargs: Any) -> TreeSolver:
    """A fresh solver called ``name`` on ``game`` (keyword arguments go to its constructor)."""
    return solver_class(name)(game, **kwargs)


def solver_by_class_name(class_name: str) -> type[TreeSolver]:
    """The registered solver class whose Python class name is ``class_name`` (saved files)."""
    for cls in SOLVERS.values():
        if cls.__name__ == class_name:
            return cls
    raise KeyError(class_name)
