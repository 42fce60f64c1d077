"""The results directory of an experiment run: stored configuration, one JSON line per game, a lock.

Layout of a directory::

    config.json   {"kind": ..., "fingerprint": ..., "config": {...}} (written atomically)
    games.jsonl   one JSON object per finished game, each with a unique "key"
    lock          held with fcntl.flock(LOCK_EX) by the one process writing (holds its pid)

One step of a run: ``RunStore.open`` takes the lock (a second writer is refused at once, naming
the pid holding it), then creates the directory or, on resume, checks the stored fingerprint and
reads the records back; every finished game is appended as one line and flushed and fsynced
before the next, so a crash loses at most the game being written. A torn last line (no newline,
or a last line that is not JSON) is cut off on resume and that game is played again; a corrupt
line in the middle, a repeated key or a key that is not part of the run is refused, naming the
line. Readers that only report (``read_records(..., repair=False)``) take no lock and change
nothing on disk.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
from typing import Any, Iterable

CONFIG_FILE = "config.json"
GAMES_FILE = "games.jsonl"
LOCK_FILE = "lock"


class StoreError(ValueError):
    """A results directory that cannot be used as asked (names the file and the problem)."""


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _make_dir(directory: str) -> None:
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise StoreError(f"output directory {directory!r} is a file, not a directory")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot create output directory {directory!r}: "
                         f"{err.strerror or err}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreError(f"output directory {directory!r} is not writable")


def acquire_lock(directory: str) -> int:
    """Take the directory's exclusive lock (held until the fd is closed) or refuse."""
    path = os.path.join(directory, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise StoreError(f"cannot open lock file {path!r}: {err.strerror or err}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise StoreError(f"{directory} is in use by another run (pid {holder}); wait for it "
                             "to finish (or stop it) before writing to this directory") from None
        raise StoreError(f"cannot lock {path!r}: {err.strerror or err}") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def load_config(directory: str, kind: str | None = None) -> dict[str, Any]:
    """The stored ``{"kind", "fingerprint", "config"}`` of a results directory."""
    path = os.path.join(directory, CONFIG_FILE)
    if not os.path.isfile(path):
        raise StoreError(f"cannot resume: {path} does not exist")
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StoreError(f"cannot resume: {path} is unreadable: {err}") from None
    if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
        raise StoreError(f"cannot resume: {path} holds no stored configuration")
    if kind is not None and stored.get("kind", kind) != kind:
        raise StoreError(f"cannot resume: {directory} holds a {stored.get('kind')} run, "
                         f"not a {kind} run")
    return stored


def write_config(directory: str, kind: str, config: dict[str, Any], fingerprint: str) -> None:
    """Write ``config.json`` atomically (temporary file, fsync, rename)."""
    path = os.path.join(directory, CONFIG_FILE)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"kind": kind, "fingerprint": fingerprint, "config": config}, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(directory)


class RunStore:
    """Append-only game records in ``directory``, locked for this process; see ``open``."""

    def __init__(self, directory: str, kind: str, config: dict[str, Any], fingerprint: str,
                 records: list[dict[str, Any]], lock_fd: int) -> None:
        self.directory = directory
        self.kind = kind
        self.config_dict = config
        self.fingerprint = fingerprint
        self.records = records
        self.keys = {r["key"] for r in records}
        self._lock_fd: int | None = lock_fd
        self._file = open(os.path.join(directory, GAMES_FILE), "a", encoding="utf-8")

    @classmethod
    def open(cls, directory: str, kind: str, config: dict[str, Any], fingerprint: str, *,
             resume: bool = False, valid_keys: Iterable[str] | None = None) -> "RunStore":
        """Create a new results directory, or (``resume=True``) continue an existing one whose
        stored fingerprint must equal ``fingerprint``."""
        games_path = os.path.join(directory, GAMES_FILE)
        if resume and not os.path.isfile(os.path.join(directory, CONFIG_FILE)):
            raise StoreError(f"cannot resume: {os.path.join(directory, CONFIG_FILE)} "
                             "does not exist")
        _make_dir(directory)
        lock_fd = acquire_lock(directory)
        try:
            if resume:
                stored = load_config(directory, kind)
                if stored.get("fingerprint") != fingerprint:
                    raise StoreError(
                        f"cannot resume {directory}: it holds a different {kind} "
                        f"(fingerprint {stored.get('fingerprint')} vs {fingerprint}); "
                        f"stored configuration: {json.dumps(stored.get('config'))}")
                records = read_records(games_path, valid_keys)
                if stored.get("config") != config:
                    write_config(directory, kind, config, fingerprint)
            else:
                if os.path.exists(games_path) and os.path.getsize(games_path) > 0:
                    raise StoreError(f"{directory} already holds results; pass --resume to "
                                     "continue them or choose another --out directory")
                write_config(directory, kind, config, fingerprint)
                open(games_path, "w", encoding="utf-8").close()
                _fsync_dir(directory)
                records = []
            return cls(directory, kind, config, fingerprint, records, lock_fd)
        except BaseException:
            os.close(lock_fd)
            raise

    def append(self, record: dict[str, Any]) -> None:
        """Write one finished game durably (flush + fsync) before returning."""
        if record["key"] in self.keys:
            raise StoreError(f"game {record['key']} is already recorded")
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records.append(record)
        self.keys.add(record["key"])

    def close(self) -> None:
        """Close the games file and release the lock."""
        self._file.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(path: str, valid_keys: Iterable[str] | None = None, *,
                 repair: bool = True, what: str = "this tournament") -> list[dict[str, Any]]:
    """Every complete record in a JSONL file. A torn last line is ignored, and with ``repair``
    (only for the lock holder) also cut off the file."""
    if not os.path.exists(path):
        return []
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise StoreError(f"cannot read {path}: {err.strerror or err}") from None
    *complete, tail = data.split(b"\n")    # tail != b"" means the last line has no newline
    records: list[dict[str, Any]] = []
    keys: set[str] = set()
    valid = set(valid_keys) if valid_keys is not None else None
    good_bytes = 0
    for number, raw in enumerate(complete):
        try:
            record = json.loads(raw)
            if not isinstance(record, dict) or "key" not in record:
                raise ValueError("not a game record")
        except ValueError as err:
            if number == len(complete) - 1 and tail == b"":
                break           # a last line garbled by a crash (e.g. zero-filled): torn
            raise StoreError(f"{path}: line {number + 1} is corrupt ({err}); "
                             "it is not the last line, so this is not a torn write") from None
        if record["key"] in keys:
            raise StoreError(f"{path}: line {number + 1} repeats game {record['key']}")
        if valid is not None and record["key"] not in valid:
            raise StoreError(f"{path}: line {number + 1} holds game {record['key']}, which is "
                             f"not part of {what}")
        keys.add(record["key"])
        records.append(record)
        good_bytes += len(raw) + 1
    if repair and good_bytes < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good_bytes)
            handle.flush()
            os.fsync(handle.fileno())
    return records

