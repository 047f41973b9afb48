"""Access to the process's dataset store, set once by `app.create_app`."""
from __future__ import annotations

from flightmap.store import DatasetStore

_store: DatasetStore | None = None


def install(dataset_store: DatasetStore) -> None:
    global _store
    _store = dataset_store


def store() -> DatasetStore:
    if _store is None:
        raise RuntimeError("create_app() has not installed a dataset store")
    return _store
