"""Execution backends: where tournament games run.

- ``serial``: in this process (``--workers 1``).
- ``local``: a process pool (``--workers N``, default one per core) — spawn-started workers, so
  no state leaks from the parent, that die with the parent (SIGTERM, SIGINT or SIGKILL).
- ``ray``: Ray tasks on a local instance or a cluster (``--backend ray --ray-address ...``); the
  suite must be importable on every Ray node.

One step of every backend: ship batches of ``GameTask`` to workers, keep a bounded number in
flight, and yield each game record as soon as its batch is back. Records never depend on the
backend: each game rebuilds its agents from specs and seeds (``eval.tournament.play``).
"""
from __future__ import annotations

import os
from typing import Any, Iterator, Protocol

from eval.runs.processes import WorkerPool
from eval.tournament.play import play_games
from eval.tournament.schedule import GameTask

BACKENDS = ("local", "ray")


class Backend(Protocol):
    name: str
    workers: int

    def run(self, tasks: list[GameTask]) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def batches(tasks: list[GameTask], workers: int, max_batch: int = 16) -> list[list[GameTask]]:
    """Split tasks into batches: about 8 per worker, at most ``max_batch`` games each."""
    if not tasks:
        return []
    size = max(1, min(max_batch, len(tasks) // (8 * max(1, workers))))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


class SerialBackend:
    """Plays the games one after the other in this process."""

    name = "serial"
    workers = 1

    def run(self, tasks: list[GameTask]) -> Iterator[dict[str, Any]]:
        for batch in batches(tasks, 1, max_batch=1):
            yield from play_games(batch)

    def close(self) -> None:
        pass


class ProcessPoolBackend:
    """A pool of ``workers`` processes (``eval.runs.processes.WorkerPool``: they die with
    this process on any signal); at most ``2 * workers`` batches are in flight."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = WorkerPool(workers)

    def run(self, tasks: list[GameTask]) -> Iterator[dict[str, Any]]:
        for records in self._pool.map_unordered(play_games, batches(tasks, self.workers)):
            yield from records

    def close(self) -> None:
        self._pool.close()


class RayBackend:
    """Ray remote tasks. Joins ``address`` (a cluster) or the already running instance, or
    starts a local one with ``workers`` CPUs; shuts down only an instance it started."""

    name = "ray"

    def __init__(self, workers: int, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ValueError("the ray backend needs the 'ray' package: pip install ray") from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers, **kwargs)
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", workers)))
        self._remote = ray.remote(num_cpus=1)(play_games)

    def run(self, tasks: list[GameTask]) -> Iterator[dict[str, Any]]:
        ray = self._ray
        pending = iter(batches(tasks, self.workers))
        in_flight: list[Any] = []
        try:
            while True:
                while len(in_flight) < 2 * self.workers:
                    batch = next(pending, None)
                    if batch is None:
                        break
                    in_flight.append(self._remote.remote(batch))
                if not in_flight:
                    return
                done, in_flight = ray.wait(in_flight, num_returns=1)
                for ref in done:
                    yield from ray.get(ref)
        finally:
            for ref in in_flight:
                ray.cancel(ref)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_backend(name: str = "local", workers: int | None = None,
                 ray_address: str | None = None) -> Backend:
    """The backend called ``name`` with ``workers`` processes (default: one per core)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    if workers is not None and (not isinstance(workers, int) or workers <= 0):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if ray_address and name != "ray":
        raise ValueError("--ray-address needs --backend ray")
    workers = workers or default_workers()
    if name == "ray":
        return RayBackend(workers, ray_address)
    return SerialBackend() if workers == 1 else ProcessPoolBackend(workers)
