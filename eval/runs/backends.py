"""Execution backends: where the work of a run (tournament games, evaluation games, training
data chunks) is done.

- ``serial``: in this process (also ``--backend local --workers 1``).
- ``local``: a process pool (``--workers N``, default one per core) — spawn-started workers, so
  no state leaks from the parent, that die with the parent (SIGTERM, SIGINT or SIGKILL;
  ``uedtp.eval.runs.processes.WorkerPool``).
- ``ray``: Ray tasks on a local instance or a cluster (``--backend ray --ray-address ADDR``);
  the suite must be importable on every Ray node.

One step of every backend, ``map_unordered(fn, items)``: ship items to workers, keep at most
``2 * workers`` in flight, and yield ``(index, fn(item))`` as soon as each is back (a worker's
exception is re-raised here). ``fn`` must be a module-level function and the items picklable.
Results never depend on the backend: every unit of work carries its own seeds. Ray is shut down
by ``close`` only if this backend started it. Every backend satisfies the trainers' executor
protocol (``uedtp.search.train.chunks.Executor``).

``batches(items, workers)`` groups small units (single games) so shipping costs stay small.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from uedtp.eval.runs.processes import WorkerPool
from uedtp.search.train.chunks import SerialExecutor

BACKENDS = ("serial", "local", "ray")
T = TypeVar("T")


class Backend(Protocol):
    name: str
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[tuple[int, Any]]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def batches(items: Sequence[T], workers: int, max_batch: int = 16) -> list[list[T]]:
    """Split items into batches: one each for a single worker, else about 8 batches per worker
    of at most ``max_batch`` items."""
    if not items:
        return []
    size = 1 if workers <= 1 else max(1, min(max_batch, len(items) // (8 * workers)))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _call(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, index, item = job
    return index, fn(item)


class SerialBackend(SerialExecutor):
    """Everything in this process, one item after the other (the trainers' serial executor,
    plus ``close``)."""

    def close(self) -> None:
        pass


class ProcessPoolBackend:
    """A pool of ``workers`` processes that die with this one."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = WorkerPool(workers)

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[tuple[int, Any]]:
        jobs = ((fn, index, item) for index, item in enumerate(items))
        yield from self._pool.map_unordered(_call, jobs, max_in_flight=2 * self.workers)

    def close(self) -> None:
        self._pool.close()


class RayBackend:
    """Ray remote tasks. Joins ``address`` (a cluster; ``auto`` finds the local node's), or the
    instance already running in this process, or starts a local one with ``workers`` CPUs;
    ``workers`` is then the cluster's CPU count."""

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
            try:
                if address:
                    ray.init(address=address, **kwargs)
                else:
                    ray.init(num_cpus=workers, **kwargs)
            except ConnectionError as err:
                raise ValueError(f"cannot join the Ray cluster at {address!r}: {err}") from None
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", workers)))
        self._remote = ray.remote(num_cpus=1)(_call)

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        pending = enumerate(items)
        in_flight: list[Any] = []
        try:
            while True:
                while len(in_flight) < 2 * self.workers:
                    job = next(pending, None)
                    if job is None:
                        break
                    in_flight.append(self._remote.remote((fn, *job)))
                if not in_flight:
                    return
                done, in_flight = ray.wait(in_flight, num_returns=1)
                for ref in done:
                    yield ray.get(ref)
        finally:
            for ref in in_flight:
                ray.cancel(ref)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def make_backend(name: str = "local", workers: int | None = None,
                 ray_address: str | None = None) -> Backend:
    """The backend called ``name`` with ``workers`` processes (default: one per core)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers <= 0):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if ray_address and name != "ray":
        raise ValueError("--ray-address needs --backend ray")
    if name == "serial":
        if workers not in (None, 1):
            raise ValueError(f"the serial backend runs one worker, got --workers {workers}")
        return SerialBackend()
    workers = workers or default_workers()
    if name == "ray":
        return RayBackend(workers, ray_address)
    return SerialBackend() if workers == 1 else ProcessPoolBackend(workers)
