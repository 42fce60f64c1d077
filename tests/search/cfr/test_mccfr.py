"""Monte Carlo CFR: convergence with fixed seeds, reproducibility, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from uedtp.search.cfr.mccfr import ExternalSamplingMCCFRSolver, OutcomeSamplingMCCFRSolver


@pytest.mark.parametrize("cls,iterations", [(ExternalSamplingMCCFRSolver, 5_000),
                                            (OutcomeSamplingMCCFRSolver, 30_000)])
def test_kuhn_convergence(cls, iterations: int) -> None:
    solver = cls("kuhn_poker", seed=7)
    start = solver.exploitability()
    solver.run(iterations)
    assert solver.exploitability() < 0.05 < start


def test_external_sampling_leduc_improves() -> None:
    solver = ExternalSamplingMCCFRSolver("leduc_poker", seed=2)
    solver.run(20_000)
    assert solver.exploitability() < 0.3


def test_more_traversals_per_iteration_help() -> None:
    few = OutcomeSamplingMCCFRSolver("kuhn_poker", seed=3).run(2_000)
    many = OutcomeSamplingMCCFRSolver("kuhn_poker", seed=3, traversals_per_iteration=10)
    many.run(2_000)
    assert many.exploitability() < few.exploitability()


@pytest.mark.parametrize("cls", [ExternalSamplingMCCFRSolver, OutcomeSamplingMCCFRSolver])
def test_seeded_runs_are_reproducible(cls) -> None:
    a = cls("leduc_poker", seed=11).run(300)
    b = cls("leduc_poker", seed=11).run(300)
    c = cls("leduc_poker", seed=12).run(300)
    assert np.array_equal(a.average_policy_array(), b.average_policy_array())
    assert np.array_equal(a.regret, b.regret)
    assert not np.array_equal(a.regret, c.regret)


def test_current_policy_is_regret_matching() -> None:
    solver = ExternalSamplingMCCFRSolver("kuhn_poker", seed=0).run(50)
    policy = solver.current_policy_array()
    tree = solver.tree
    for k in range(tree.num_infosets):
        r = np.maximum(solver.regret[tree.slots(k)], 0)
        expected = r / r.sum() if r.sum() > 0 else np.full(r.shape, 1 / r.size)
        assert np.allclose(policy[tree.slots(k)], expected)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        OutcomeSamplingMCCFRSolver("kuhn_poker", epsilon=0.0)
    with pytest.raises(ValueError, match="seed"):
        ExternalSamplingMCCFRSolver("kuhn_poker", seed=-1)
    with pytest.raises(ValueError, match="traversals_per_iteration"):
        ExternalSamplingMCCFRSolver("kuhn_poker", traversals_per_iteration=0)
