"""CFR family and tabular MMD: agreement with OpenSpiel, convergence, save/load, bad input."""
from __future__ import annotations

import numpy as np
import pyspiel
import pytest
from open_spiel.python import policy as policy_lib
from open_spiel.python.algorithms import cfr as os_cfr
from open_spiel.python.algorithms import exploitability as os_expl

from uedtp.envs.game_tree import CorruptTreeFileError
from uedtp.search.cfr.cfr import CFRPlusSolver, CFRSolver, load_solver
from uedtp.search.cfr.dcfr import DCFRSolver, LinearCFRSolver
from uedtp.search.cfr.mccfr import ExternalSamplingMCCFRSolver
from uedtp.search.cfr.mmd import MMDSolver
from uedtp.search.cfr.pcfr import PCFRPlusSolver


@pytest.mark.parametrize("mine_cls,theirs_cls", [(CFRSolver, os_cfr.CFRSolver),
                                                 (CFRPlusSolver, os_cfr.CFRPlusSolver)])
@pytest.mark.parametrize("name", ["kuhn_poker", "leduc_poker"])
def test_iterates_equal_openspiel_python(mine_cls, theirs_cls, name: str) -> None:
    game = pyspiel.load_game(name)
    mine, theirs = mine_cls(game), theirs_cls(game)
    for _ in range(4):
        mine.update()
        theirs.evaluate_and_update_policy()
    for ours, ref in ((mine.average_policy(), theirs.average_policy()),
                      (mine.current_policy(), theirs.current_policy())):
        assert isinstance(ours, policy_lib.TabularPolicy)
        rows = [ref.state_lookup[k] for k in ours.state_lookup]
        assert np.allclose(ours.action_probability_array,
                           ref.action_probability_array[rows], atol=1e-12)


def test_cfr_plus_leduc_1000_iterations_and_dcfr_at_least_as_good() -> None:
    cfrp = CFRPlusSolver("leduc_poker").run(1000)
    dcfr = DCFRSolver("leduc_poker").run(1000)
    e_cfrp, e_dcfr = cfrp.exploitability(), dcfr.exploitability()
    assert e_cfrp <= 1e-3
    assert e_dcfr <= e_cfrp
    # the TabularPolicy output evaluates the same under OpenSpiel's own exploitability
    game = pyspiel.load_game("leduc_poker")
    assert os_expl.exploitability(game, cfrp.average_policy()) == pytest.approx(e_cfrp, abs=1e-9)


@pytest.mark.parametrize("cls,bound", [(CFRSolver, 5e-3), (CFRPlusSolver, 1e-3),
                                       (LinearCFRSolver, 1e-3), (PCFRPlusSolver, 1e-3),
                                       (DCFRSolver, 1e-3)])
def test_kuhn_convergence(cls, bound: float) -> None:
    solver = cls("kuhn_poker")
    start = solver.exploitability()
    solver.run(1000)
    assert solver.exploitability() < bound < start


def test_simultaneous_updates_equal_openspiel_and_converge() -> None:
    game = pyspiel.load_game("kuhn_poker")
    mine = CFRSolver(game, alternating=False)
    theirs = os_cfr._CFRSolver(game, regret_matching_plus=False, alternating_updates=False,
                               linear_averaging=False)
    for _ in range(6):
        mine.update()
        theirs.evaluate_and_update_policy()
    ours, ref = mine.average_policy(), theirs.average_policy()
    rows = [ref.state_lookup[k] for k in ours.state_lookup]
    assert np.allclose(ours.action_probability_array, ref.action_probability_array[rows])
    mine.run(994)
    assert mine.exploitability() < 1e-2


@pytest.mark.parametrize("make", [MMDSolver.annealed_kuhn,
                                  lambda: MMDSolver.moving_magnet("kuhn_poker")])
def test_tabular_mmd_last_iterate_converges_on_kuhn(make) -> None:
    solver = make()
    solver.run(100)
    early = solver.exploitability(average=False)
    solver.run(1900)
    late = solver.exploitability(average=False)
    assert late < 0.01 and late < early / 3


def test_mmd_leduc_annealed_improves() -> None:
    solver = MMDSolver.annealed_leduc()
    start = solver.exploitability(average=False)
    solver.run(300)
    assert solver.exploitability(average=False) < start / 5


def test_agents_play_legal_actions() -> None:
    game = pyspiel.load_game("leduc_poker")
    agent = CFRPlusSolver(game).run(50).as_agent(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        state = game.new_initial_state()
        while not state.is_terminal():
            if state.is_chance_node():
                actions, probs = zip(*state.chance_outcomes())
                state.apply_action(int(rng.choice(actions, p=probs)))
                continue
            probs = agent.action_probabilities(state)
            assert sum(probs.values()) == pytest.approx(1.0)
            action = agent.act(state)
            assert action in state.legal_actions()
            state.apply_action(action)


@pytest.mark.parametrize("make", [
    lambda: CFRPlusSolver("kuhn_poker"), lambda: DCFRSolver("kuhn_poker", alpha=2.0),
    lambda: PCFRPlusSolver("kuhn_poker"), lambda: MMDSolver.moving_magnet("kuhn_poker"),
    lambda: ExternalSamplingMCCFRSolver("kuhn_poker", seed=4)])
def test_save_load_resumes_exactly(make, tmp_path) -> None:
    straight = make().run(20)
    first = make().run(10)
    path = tmp_path / "solver.npz"
    first.save(path)
    resumed = load_solver(path, "kuhn_poker").run(10)
    assert type(resumed) is type(straight) and resumed.iteration == 20
    assert np.array_equal(resumed.average_policy_array(), straight.average_policy_array())
    assert np.array_equal(resumed.current_policy_array(), straight.current_policy_array())


def test_corrupt_or_mismatched_solver_files(tmp_path) -> None:
    path = tmp_path / "s.npz"
    CFRPlusSolver("kuhn_poker").run(5).save(path)
    with pytest.raises(CorruptTreeFileError, match="kuhn_poker"):
        load_solver(path, "leduc_poker")
    truncated = tmp_path / "t.npz"
    truncated.write_bytes(path.read_bytes()[:250])
    with pytest.raises(CorruptTreeFileError, match="not a readable"):
        load_solver(truncated, "kuhn_poker")
    data = dict(np.load(path))
    del data["regret"]
    missing = tmp_path / "m.npz"
    np.savez(missing, **data)
    with pytest.raises(CorruptTreeFileError, match="missing arrays"):
        load_solver(missing, "kuhn_poker")
    data = dict(np.load(path))
    data["avg"] = data["avg"][:-1]
    short = tmp_path / "short.npz"
    np.savez(short, **data)
    with pytest.raises(CorruptTreeFileError, match="avg"):
        load_solver(short, "kuhn_poker")
    data = dict(np.load(path))
    data["regret"] = np.full_like(data["regret"], np.nan)
    nan = tmp_path / "nan.npz"
    np.savez(nan, **data)
    with pytest.raises(CorruptTreeFileError, match="non-finite"):
        load_solver(nan, "kuhn_poker")
    data = dict(np.load(path))
    data["meta"] = np.frombuffer(b"{not json", dtype=np.uint8)
    meta = tmp_path / "meta.npz"
    np.savez(meta, **data)
    with pytest.raises(CorruptTreeFileError, match="metadata"):
        load_solver(meta, "kuhn_poker")


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="gamma"):
        DCFRSolver("kuhn_poker", gamma=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        DCFRSolver("kuhn_poker", alpha=float("nan"))
    with pytest.raises(ValueError, match="schedule"):
        MMDSolver("kuhn_poker", schedule="bogus")
    with pytest.raises(ValueError, match="eta"):
        MMDSolver("kuhn_poker", eta=0.0)
    with pytest.raises(ValueError, match="magnet_step"):
        MMDSolver("kuhn_poker", magnet_step=2.0)
    with pytest.raises(TypeError, match="alternating"):
        CFRSolver("kuhn_poker", alternating="yes")
    with pytest.raises(ValueError, match="iterations"):
        CFRSolver("kuhn_poker").run(-1)
    with pytest.raises(ValueError, match="unknown game"):
        CFRSolver("not_a_game")
    with pytest.raises(TypeError, match="game must be"):
        CFRSolver(3.5)
    with pytest.raises(ValueError, match="initial_policy"):
        CFRPlusSolver("kuhn_poker", initial_policy=np.ones(3))


def test_solver_bench_smoke(capsys) -> None:
    from uedtp.eval.bench.solvers import main
    assert main(["--games", "kuhn_poker", "--iterations", "20", "--budget", "2",
                 "--systems", "ours CFR+", "OpenSpiel C++ CFR+"]) == 0
    table = capsys.readouterr().out
    rows = [line for line in table.splitlines() if line.startswith("| ours CFR+")
            or line.startswith("| OpenSpiel C++ CFR+")]
    assert len(rows) == 2
    # same algorithm, same iterations: same exploitability column
    assert rows[0].split("|")[6] == rows[1].split("|")[6]
