"""Worker pools that never outlive their parent, and signals that stop a run cleanly.

- ``WorkerPool``: a spawn-started ``multiprocessing.Pool`` whose workers, in their initializer,
  ask the kernel for SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)`` through ctypes,
  Linux) and also poll the parent pid once a second (any POSIX system), and ignore SIGINT (a
  Ctrl-C reaches the whole process group; the parent decides). ``map_unordered`` keeps a bounded
  number of tasks in flight and yields results as they finish, waking twice a second so signals
  stop the parent promptly. When the workers are gone, the resource tracker sees its pipe close
  and exits too.
- ``stop_on_signals``: while active, SIGTERM and SIGINT raise ``Interrupted`` in the main thread
  (the caller closes its store, prints how to resume and exits with 128 + signal number).
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing as mp
import os
import queue
import shlex
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterable, Iterator

PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGINT (``signum``)."""

    def __init__(self, signum: int = signal.SIGINT, message: str = "") -> None:
        super().__init__(message or signal.Signals(signum).name)
        self.signum = int(signum)
        self.message = message


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent exits (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def init_worker(parent_pid: int) -> None:
    """Pool initializer: die with the parent (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    set_parent_death_signal()
    if os.getppid() != parent_pid:          # the parent died before the prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="watch-parent").start()


class WorkerPool:
    """``workers`` spawn-started processes that die with this one."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = mp.get_context("spawn").Pool(workers, initializer=init_worker,
                                                  initargs=(os.getpid(),))
        self._pending = 0

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any],
                      max_in_flight: int | None = None) -> Iterator[Any]:
        """``fn(item)`` for every item, in completion order; a worker's exception is re-raised."""
        results: queue.Queue = queue.Queue()
        limit = max_in_flight or 2 * self.workers
        source = iter(items)
        exhausted = False
        while True:
            while not exhausted and self._pending < limit:
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                self._pool.apply_async(fn, (item,), callback=lambda r: results.put((True, r)),
                                       error_callback=lambda e: results.put((False, e)))
                self._pending += 1
            if self._pending == 0:
                return
            while True:
                try:
                    ok, value = results.get(timeout=0.5)
                    break
                except queue.Empty:
                    continue
            self._pending -= 1
            if not ok:
                raise value
            yield value

    def close(self) -> None:
        """Wait for idle workers to exit; with tasks still running, kill them."""
        if self._pending:
            self._pool.terminate()
        else:
            self._pool.close()
        self._pool.join()
        self._pending = 0


_END = object()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise ``Interrupted`` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def resume_message(err: KeyboardInterrupt, command: str, directory: str) -> tuple[str, int]:
    """The text to print after an interruption and the exit code (128 + signal number)."""
    signum = getattr(err, "signum", signal.SIGINT)
    detail = getattr(err, "message", "") or "interrupted"
    text = (f"{signal.Signals(signum).name}: {detail}; every finished game is saved in "
            f"{directory}.\nresume with: {command} --resume --out {shlex.quote(directory)}")
    return text, 128 + signum
