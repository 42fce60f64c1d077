"""Data generation split into chunks of games and run by an executor, wherever it runs.

The trainers' heavy data generation (teacher games, the student's self-play games labelled by
the teacher) is cut into chunks by game index: ``chunk_ranges(n, size)`` depends only on the
number of games and the chunk size, never on where the chunks run, and every chunk is seeded
from its own index. A chunk is a picklable task handed to a module-level function, so the same
chunks give the same data in this process, on worker processes or on a Ray cluster.

One step of ``run_chunks``: hand every task to the executor, collect the results as they
finish (``on_result`` is called for each, e.g. to advance a progress bar), return them in task
order.

``Executor`` is the one verb this layer needs: ``map_unordered(fn, items)`` yields
``(index, fn(item))`` pairs as each finishes. ``SERIAL`` runs in this process; the process pool
and Ray executors are in the eval layer (``uedtp.eval.runs.backends``), which the training CLIs pass
in (``python -m uedtp.eval.train_hanabi``).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence


class Executor(Protocol):
    """Runs ``fn`` over ``items``; yields ``(index, result)`` in completion order."""

    name: str
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[tuple[int, Any]]: ...


class SerialExecutor:
    """Every item in this process, one after the other."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            yield index, fn(item)


SERIAL = SerialExecutor()


def chunk_ranges(n: int, size: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` game ranges of at most ``size`` games covering ``0..n-1`` in order."""
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"chunk size must be a positive int, got {size!r}")
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


def run_chunks(executor: Executor | None, fn: Callable[[Any], Any], tasks: Sequence[Any],
               on_result: Callable[[int, Any], object] | None = None) -> list[Any]:
    """``fn(task)`` for every task on ``executor`` (default ``SERIAL``), in task order."""
    results: list[Any] = [None] * len(tasks)
    done = [False] * len(tasks)
    for index, result in (executor or SERIAL).map_unordered(fn, tasks):
        results[index] = result
        done[index] = True
        if on_result is not None:
            on_result(index, result)
    missing = [i for i, d in enumerate(done) if not d]
    if missing:
        raise RuntimeError(f"the {executor and executor.name} executor returned no result for "
                           f"chunks {missing[:5]}")
    return results
