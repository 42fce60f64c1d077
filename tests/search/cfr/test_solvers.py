"""The solver registry: built from the classes' own names, one meaning per name."""
from __future__ import annotations

import pytest

from uedtp.search.cfr.mmd import MMDSolver
from uedtp.search.cfr.solvers import SOLVERS, WARM_START_SOLVERS, make_solver, solver_class


def test_names_are_the_classes_own() -> None:
    assert all(cls.name == name for name, cls in SOLVERS.items())
    assert set(SOLVERS) == {"cfr", "cfr+", "dcfr", "lcfr", "pcfr+", "mmd", "es-mccfr",
                            "os-mccfr"}
    assert WARM_START_SOLVERS == ("cfr", "cfr+", "dcfr", "lcfr", "pcfr+")


def test_mmd_is_the_moving_magnet_setting() -> None:
    assert make_solver("mmd", "kuhn_poker").params() == \
        MMDSolver.moving_magnet("kuhn_poker").params()


def test_warm_start_solvers_take_an_initial_policy() -> None:
    for name in WARM_START_SOLVERS:
        solver = make_solver(name, "kuhn_poker")
        warm = make_solver(name, solver.tree, initial_policy=solver.tree.uniform_policy())
        assert warm.run(2).iteration == 2


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown solver 'cfr-'; known solvers: cfr, cfr\\+, dcfr"):
        solver_class("cfr-")
    with pytest.raises(ValueError, match="unknown subgame algorithm 'mmd'"):
        solver_class("mmd", WARM_START_SOLVERS, "subgame algorithm")
