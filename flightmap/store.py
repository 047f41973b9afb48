"""Keep one process's latest good dataset, reloading when its files change.

A dataset that fails validation never replaces the last good one: the app keeps serving it and
shows the error. The state is per process and the same for every user, so it is safe under
gunicorn's several workers (each reloads on its own).
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flightmap import schema
from flightmap.geocode import Gazetteer, OnlineGeocoder
from flightmap.loader import DataValidationError, Dataset, load_dataset
from flightmap.routes import Located, locate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    dataset: Dataset | None
    located: Located | None
    error: DataValidationError | None  # the newest load's error; the data above is older and good
    version: str  # changes whenever the files change
    loaded_at: datetime | None
    geocoder_status: str = "offline"


_STORES: "weakref.WeakSet[DatasetStore]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A background job is a process forked from a threaded server: a lock another thread held
    at the fork would stay held forever in the child. Each store gets a fresh one."""
    for found in list(_STORES):
        found._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class DatasetStore:
    def __init__(self, folder: Path, online: OnlineGeocoder | None = None):
        self.folder = Path(folder)
        self._online = online
        self._lock = threading.Lock()
        _STORES.add(self)
        self._signature: tuple | None = None
        self._snapshot = Snapshot(None, None, None, "", None)

    def _current_signature(self) -> tuple:
        signature = []
        # tracks.csv and the track files too: a hand-edited track reloads like a table.
        tracks = sorted((self.folder / "tracks").glob("*.csv")) if (self.folder / "tracks").is_dir() else []
        for table in (*schema.TABLES, *schema.OPTIONAL_TABLES, *tracks):
            if isinstance(table, Path):
                table = schema.Table(f"tracks/{table.stem}", ())
            try:
                stat = (self.folder / table.filename).stat()
                signature.append((table.filename, stat.st_mtime_ns, stat.st_size))
            except OSError:
                signature.append((table.filename, None, None))
        return tuple(signature)

    def current(self) -> Snapshot:
        """The latest good data plus the newest error; reloads only when a file changed."""
        signature = self._current_signature()
        if signature == self._signature:
            return self._snapshot
        with self._lock:
            if signature != self._signature:
                self._snapshot = self._load(signature)
                self._signature = signature
        return self._snapshot

    def _load(self, signature: tuple) -> Snapshot:
        # The same files give the same version in every process: gunicorn's workers must agree,
        # or a page polling the version would see it flap between workers (str hash is per process).
        version = hashlib.sha256(repr(signature).encode()).hexdigest()[:16]
        previous = self._snapshot
        try:
            dataset = load_dataset(self.folder)
            located = locate(dataset, Gazetteer(dataset.places, places_label=dataset.label("places.csv")), self._online)
        except DataValidationError as exc:
            log.error("Dataset %s not loaded; %s", self.folder, exc)
            return Snapshot(previous.dataset, previous.located, exc, version, previous.loaded_at, self._status())
        for problem in located.unresolved:
            log.warning("%s", problem)
        return Snapshot(dataset, located, None, version, datetime.now(timezone.utc), self._status())

    def _status(self) -> str:
        return "offline (online geocoding off)" if self._online is None else self._online.status
