"""Helpers for process tests: the children of a pid and whether a pid still runs (from /proc)."""
from __future__ import annotations

import os
import time


def state(pid: int) -> str | None:
    """The /proc state letter of ``pid`` (None when it no longer exists)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Running or sleeping (a zombie waiting for its reaper is dead)."""
    return state(pid) not in (None, "Z", "X")


def children(pid: int) -> list[int]:
    """Every process whose parent is ``pid``."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            out.append(int(name))
    return out


def wait_for_children(pid: int, count: int, timeout: float = 60.0) -> list[int]:
    """Wait until ``pid`` has at least ``count`` live children; return them."""
    deadline = time.monotonic() + timeout
    found: list[int] = []
    while time.monotonic() < deadline:
        found = [c for c in children(pid) if alive(c)]
        if len(found) >= count:
            return found
        time.sleep(0.02)
    return found


def survivors(pids: list[int], timeout: float = 5.0) -> list[int]:
    """The pids still alive after waiting up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [p for p in left if alive(p)]
        time.sleep(0.05)
    return [p for p in left if alive(p)]
