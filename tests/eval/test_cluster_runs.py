"""Cluster runs give the same results wherever they run: the Hanabi search evaluation on a local
Ray instance (2 CPUs) equals local workers and serial game for game, a run resumes across
backends, and a DAgger round's data and imitation's teacher data generated in chunks on worker
processes or Ray equal the serial data bit for bit, and so do an expert-iteration round's game
records labelled by a spec-built SPARTA expert. One Ray instance serves the whole module."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from uedtp.agents.neural.policy import PolicyValueNet
from uedtp.envs.hanabi.game import HanabiGame
from uedtp.envs.hanabi.tensor import hanabi_encoding_for
from uedtp.eval.hanabi.evaluate import main as hanabi_main
from uedtp.eval.hanabi.evaluate import run_config, run_games
from uedtp.eval.runs.backends import ProcessPoolBackend, RayBackend, SerialBackend
from uedtp.eval.specs.expert import spec_expert
from uedtp.search.train import expert_iteration, expert_records
from uedtp.search.train.dagger import DaggerConfig, collect, evaluate
from uedtp.search.train.imitation import generate

ray = pytest.importorskip("ray")

AGENTS = ["smart", "md(eta=3,rollouts=10)"]
TIMING = ("search_seconds", "search_ms")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def executors(local_ray):
    """Serial, a 2-process pool and Ray (joining the module's instance)."""
    pool = ProcessPoolBackend(2)
    remote = RayBackend(2)
    yield {"serial": SerialBackend(), "local": pool, "ray": remote}
    pool.close()
    remote.close()
    assert ray.is_initialized()          # joined, not started: the instance stays up


def results(records):
    return {r["key"]: {k: v for k, v in r.items() if k not in TIMING} for r in records}


def test_hanabi_evaluation_is_the_same_on_ray_local_workers_and_serial(tmp_path, executors):
    config = run_config(2, 4, 2, AGENTS)
    serial = results(run_games(config, str(tmp_path / "serial"), backend="serial",
                               progress=False))
    local = results(run_games(config, str(tmp_path / "local"), backend=executors["local"],
                              progress=False))
    remote = results(run_games(config, str(tmp_path / "ray"), backend="ray", progress=False))
    assert len(serial) == 4 and {r["agent"] for r in serial.values()} == set(AGENTS)
    assert sum(r["searched"] for r in serial.values()) > 50       # the searchers searched
    assert remote == serial and local == serial
    assert ray.is_initialized()

    # a partial local run resumed on Ray (through the CLI), a partial Ray run resumed locally
    a, b = str(tmp_path / "local_then_ray"), str(tmp_path / "ray_then_local")
    assert len(run_games(config, a, backend=executors["local"], progress=False,
                         stop_after=3)) == 3
    assert hanabi_main(["--resume", "--out", a, "--backend", "ray", "--no-progress"]) == 0
    assert len(run_games(config, b, backend="ray", progress=False, stop_after=2)) == 2
    resumed = run_games(config, b, resume=True, backend=executors["local"], progress=False)
    from uedtp.eval.runs.store import read_records
    assert results(read_records(a + "/games.jsonl", repair=False)) == serial
    assert results(resumed) == serial


def _round_data(config, net, k, executor):
    enc = hanabi_encoding_for(HanabiGame(players=config.players))
    data, hit = collect(config, enc, net, k, executor)
    return {**data, "hit": hit}, evaluate(config, enc, net, executor)


def test_dagger_round_data_on_workers_and_ray_equals_serial(executors):
    config = DaggerConfig(round0_games=20, games_per_round=14, hidden=(32,), eval_games=9,
                          chunk_games=6, holdout=0.3, seed=3)
    enc = hanabi_encoding_for(HanabiGame(players=2))
    torch.manual_seed(5)
    student = PolicyValueNet(enc.size, enc.num_actions, (32,)).eval()
    for k, net in ((0, None), (1, student)):              # SmartBot's round, the student's
        reference, ref_eval = _round_data(config, net, k, executors["serial"])
        n = config.round0_games if k == 0 else config.games_per_round
        np.testing.assert_array_equal(np.unique(reference["game"]), np.arange(n))
        assert len(reference["scores"]) == n and 0 < reference["holdout"].mean() < 1
        for name in ("local", "ray"):
            data, figures = _round_data(config, net, k, executors[name])
            assert sorted(data) == sorted(reference)
            for key, arr in reference.items():
                assert data[key].dtype == arr.dtype, (name, k, key)
                np.testing.assert_array_equal(data[key], arr, err_msg=f"{name} round {k} {key}")
            assert figures == ref_eval
    assert not np.array_equal(reference["played"], reference["labels"])   # the student moved


def test_imitation_teacher_data_on_workers_and_ray_equals_serial(executors):
    enc = hanabi_encoding_for(HanabiGame(players=3))
    reference = generate(enc, 11, "smart", seed=2)                  # one chunk, this process
    for name, executor in executors.items():
        data = generate(enc, 11, "smart", seed=2, executor=executor, chunk_games=4)
        for field in ("inputs", "masks", "actions", "scores"):
            np.testing.assert_array_equal(getattr(data, field), getattr(reference, field),
                                          err_msg=f"{name} {field}")
    assert len(reference) > 11 * 30


def test_expert_iteration_records_on_workers_and_ray_equal_serial(executors):
    net, players = expert_iteration.load_student("hanabi_smartbot_bc")
    expert = spec_expert("sparta(rollouts=30,skip=0.99)", players)
    config = expert_iteration.ExpertConfig(expert=expert.name, games_per_round=3, chunk_games=1,
                                           label_fraction=0.2, holdout=0.5, seed=4)
    reference = expert_iteration.collect(config, players, net, expert, 1, executor=executors["serial"])
    assert reference["labelled"].any() and reference["searched"].any()
    for name in ("local", "ray"):
        data = expert_iteration.collect(config, players, net, expert, 1, executor=executors[name])
        for key in expert_records.RECORD_ARRAYS:
            if key != "seconds":                                  # wall time differs
                np.testing.assert_array_equal(data[key], reference[key], err_msg=f"{name} {key}")
