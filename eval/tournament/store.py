"""The results directory of a tournament (the shared ``uedtp.eval.runs.store`` layout).

``config.json`` holds the validated ``TournamentConfig`` and its fingerprint, ``games.jsonl`` one
line per finished game keyed by ``[game, seats, index]``, ``lock`` the writer's lock. One step:
``ResultStore.open`` binds the shared store to a tournament configuration, so ``--resume``
refuses a different tournament and any record whose key the schedule does not hold.
"""
from __future__ import annotations

from typing import Iterable

from uedtp.eval.runs.store import (CONFIG_FILE, GAMES_FILE, LOCK_FILE, RunStore, StoreError,
                                load_config, read_records)
from uedtp.eval.tournament.config import TournamentConfig

KIND = "tournament"
__all__ = ["CONFIG_FILE", "GAMES_FILE", "LOCK_FILE", "KIND", "ResultStore", "StoreError",
           "load_config", "read_records", "stored_config"]


class ResultStore(RunStore):
    """Append-only game records of one tournament; use ``open`` to create or resume one."""

    config: TournamentConfig

    @classmethod
    def open(cls, directory: str, config: TournamentConfig, *,  # type: ignore[override]
             resume: bool = False, valid_keys: Iterable[str] | None = None) -> "ResultStore":
        store = super().open(directory, KIND, config.to_dict(), config.fingerprint(),
                             resume=resume, valid_keys=valid_keys)
        assert isinstance(store, ResultStore)      # RunStore.open builds ``cls``
        store.config = config
        return store


def stored_config(directory: str) -> TournamentConfig:
    """The configuration a tournament directory was started with (for ``--resume --out DIR``)."""
    return TournamentConfig.from_dict(load_config(directory, KIND)["config"])
