"""The Ray backend on a local Ray instance gives the same results as the local backend."""
from __future__ import annotations

import pytest

from uedtp.eval.tournament.config import Section, TournamentConfig
from uedtp.eval.tournament.run import run_tournament

ray = pytest.importorskip("ray")

TIMING = ("move_seconds", "seconds", "ms_mean", "ms_p95")


def strip_timing(obj):
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items() if k not in TIMING}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_backend_matches_local_backend(tmp_path, local_ray):
    config = TournamentConfig((
        Section("kuhn_poker", ("uniform", "cfr(iters=20)", "mmd(exact=true)"), "round-robin", 3),
        Section("tiny_hanabi", ("uniform", "md(eta=2.0,exact=true)"), "cross-play", 3)), seed=11)
    local = run_tournament(config, str(tmp_path / "local"), workers=1, progress=False,
                           plots=False)
    remote = run_tournament(config, str(tmp_path / "ray"), backend="ray", progress=False,
                            plots=False)
    assert remote.played == local.played > 0
    by_key = lambda r: r["key"]  # noqa: E731
    assert strip_timing(sorted(remote.records, key=by_key)) == \
        strip_timing(sorted(local.records, key=by_key))
    assert strip_timing(remote.summaries) == strip_timing(local.summaries)
    assert ray.is_initialized()          # the backend joined the running instance, left it up
