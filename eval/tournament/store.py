"""The results directory of a tournament: its configuration and one JSON line per finished game.

Layout: ``config.json`` (the validated configuration and its fingerprint) and ``games.jsonl``.
One step: every finished game is appended as one line and flushed and fsynced at once, so a
crash loses at most the game being written. On ``--resume`` the file is read back; a torn last
line (no newline, or not JSON) is cut off, every complete line is kept, and games whose key is
already present are not played again. A different configuration, a corrupt line in the middle
or a line whose key is not part of the tournament is refused with an error naming it.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

from eval.tournament.config import TournamentConfig

CONFIG_FILE = "config.json"
GAMES_FILE = "games.jsonl"


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


class ResultStore:
    """Append-only game records in ``directory``; use ``open`` to create or resume one."""

    def __init__(self, directory: str, config: TournamentConfig,
                 records: list[dict[str, Any]]) -> None:
        self.directory = directory
        self.config = config
        self.records = records
        self.keys = {r["key"] for r in records}
        self._file = open(os.path.join(directory, GAMES_FILE), "a", encoding="utf-8")

    @classmethod
    def open(cls, directory: str, config: TournamentConfig, *, resume: bool = False,
             valid_keys: Iterable[str] | None = None) -> "ResultStore":
        """Create a new results directory, or (``resume=True``) continue an existing one."""
        config_path = os.path.join(directory, CONFIG_FILE)
        games_path = os.path.join(directory, GAMES_FILE)
        wanted = {"fingerprint": config.fingerprint(), "config": config.to_dict()}
        if resume:
            if not os.path.isfile(config_path):
                raise StoreError(f"cannot resume: {config_path} does not exist")
            try:
                with open(config_path, encoding="utf-8") as handle:
                    stored = json.load(handle)
            except (OSError, json.JSONDecodeError) as err:
                raise StoreError(f"cannot resume: {config_path} is unreadable: {err}") from None
            if stored.get("fingerprint") != wanted["fingerprint"]:
                raise StoreError(
                    f"cannot resume {directory}: it holds a different tournament "
                    f"(fingerprint {stored.get('fingerprint')} vs {wanted['fingerprint']}); "
                    f"stored configuration: {json.dumps(stored.get('config'))}")
            records = read_records(games_path, valid_keys)
        else:
            if os.path.exists(games_path) and os.path.getsize(games_path) > 0:
                raise StoreError(f"{directory} already holds results; pass --resume to continue "
                                 "them or choose another --out directory")
            os.makedirs(directory, exist_ok=True)
            tmp = config_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(wanted, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, config_path)
            open(games_path, "w", encoding="utf-8").close()
            _fsync_dir(directory)
            records = []
        return cls(directory, config, records)

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
        self._file.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(path: str, valid_keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every complete record in a JSONL file; a torn last line is removed from the file."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as handle:
        data = handle.read()
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
                             "not part of this tournament")
        keys.add(record["key"])
        records.append(record)
        good_bytes += len(raw) + 1
    if good_bytes < len(data):
        with open(path, "r+b") as handle:
            handle.truncate(good_bytes)
            handle.flush()
            os.fsync(handle.fileno())
    return records
