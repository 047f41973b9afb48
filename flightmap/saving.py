"""Replace files of a dataset folder so that no crash, kill, full disk or read-only folder loses data.

Each new text goes to a temporary file beside its target, is flushed to disk, and only then is
renamed over the target: a rename within one folder is atomic, so a reader (or a power cut) sees
either the old file or the new one, whole. The previous file is first copied to `backups/`.
One lock per folder (a thread lock plus `flock` on a lock file) keeps saves from several threads
and several gunicorn workers from interleaving.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import stat
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = ".flightmap-save.lock"
BACKUP_DIR = "backups"
ALLOWED_SUFFIXES = (".csv", ".toml", ".json")
# The one folder of a dataset whose files are saved here too: tracks/<id>.csv (flightmap.trackstore).
SUBFOLDERS = ("tracks",)
NEW_FILE_MODE = 0o644
STALE_AFTER_SECONDS = 60.0
_CHUNK = 1 << 20

# Within one process flock alone would do (two open() calls conflict), but the thread lock lets
# threads wait in order without polling; the flock covers the other processes.
_thread_lock = threading.Lock()


class SaveError(Exception):
    """A save did not happen; the message names the file and what to do. Nothing was changed."""


def _reason(exc: OSError) -> tuple[str, str]:
    """Plain words for an OS error, and what the person can do about it."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full", "Free some disk space, then save again."
    if code == errno.EROFS:
        return (
            "the data folder is read-only",
            "Mount it read-write or serve a writable copy (--data DIR), then save again.",
        )
    if code in (errno.EACCES, errno.EPERM):
        return (
            "permission denied: this user may not write to the data folder",
            "Give the app's user write permission on the folder, then save again.",
        )
    if code == errno.EIO:
        return "the disk reported an input/output error", "Check the disk, then save again."
    words = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    return words[:1].lower() + words[1:], "Save again once the cause is fixed."


def _error(path: Path, exc: OSError, what: str = "save") -> SaveError:
    reason, advice = _reason(exc)
    detail = f" ({exc.strerror})" if exc.strerror and exc.strerror.lower() not in reason else ""
    return SaveError(f"Could not {what} {path}: {reason}{detail}. Nothing was changed. {advice}")


def _check_name(name: str) -> None:
    if isinstance(name, str) and name.count("/") == 1 and name.split("/")[0] in SUBFOLDERS:
        name = name.split("/")[1]  # tracks/<plain name>: the rest of the rules apply to the plain name
    if not isinstance(name, str) or not name or name in (".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    if "/" in name or "\\" in name or "\0" in name or ".." in name or name != name.strip():
        raise ValueError(f"{name!r} is not a plain file name: no folders, '..' or surrounding spaces")
    if name.startswith("."):
        raise ValueError(f"{name!r} is a hidden file name; the dataset's files are not hidden")
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValueError(f"{name!r} must end in one of {', '.join(ALLOWED_SUFFIXES)}")


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    """Make renames in `folder` durable. Some file systems cannot fsync a folder: then the
    renames are as durable as that file system allows, and the save still happened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        log.warning("could not open %s to flush it: %s", folder, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.warning("could not flush folder %s: %s", folder, exc)
    finally:
        os.close(fd)


def _remove_quietly(path: Path | str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove temporary file %s: %s", path, exc)


def remove_stale_temp_files(folder: str | Path, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Delete `.*.tmp` files left by a killed save (here and in `backups/`) older than
    `older_than` seconds; return what was removed. They are harmless: the loader never reads them."""
    folder = Path(folder)
    cutoff = time.time() - older_than
    removed = []
    for place in (folder, folder / BACKUP_DIR, *(folder / sub for sub in SUBFOLDERS), *(folder / BACKUP_DIR / sub for sub in SUBFOLDERS)):
        try:
            candidates = list(place.glob(".*.tmp"))
        except OSError:
            continue
        for path in candidates:
            try:
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed.append(path)
            except OSError as exc:
                log.warning("could not remove stale temporary file %s: %s", path, exc)
    return removed


class _FolderLock:
    """The thread lock plus an exclusive flock on `folder/.flightmap-save.lock`, with a timeout."""

    def __init__(self, folder: Path, names: list[str], timeout: float):
        self.folder, self.names, self.timeout = folder, names, timeout
        self.fd: int | None = None

    def _busy(self) -> SaveError:
        return SaveError(
            f"Could not save {', '.join(self.names) or 'the dataset'} in {self.folder}: another save is in progress and did not "
            f"finish within {self.timeout:g} s. Nothing was changed. Try again in a moment."
        )

    def __enter__(self) -> _FolderLock:
        deadline = time.monotonic() + self.timeout
        if not _thread_lock.acquire(timeout=max(self.timeout, 0.0)):
            raise self._busy()
        try:
            self.fd = self._open()
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return self
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._busy() from None
                    time.sleep(0.02)
        except BaseException:
            self._release()
            raise

    def _open(self) -> int:
        path = self.folder / LOCK_NAME
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, NEW_FILE_MODE)
        except OSError as exc:
            try:  # flock works on a read-only descriptor too, if the lock file already exists
                return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:  # name the file the save was for, or else the folder
                raise _error(self.folder / self.names[0] if self.names else self.folder, exc) from exc

    def _release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None
        _thread_lock.release()

    def __exit__(self, *exc_info) -> None:
        self._release()


def _backup_stamp() -> datetime:
    return datetime.now(timezone.utc)


def _stamp_text(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


def _backup_pattern(name: str) -> re.Pattern:
    return re.compile(re.escape(name) + r"\.\d{8}T\d{12}Z")


def _read_chunks(path: Path):
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            yield chunk


def _stage(directory: Path, name: str, chunks, like: os.stat_result | None) -> str:
    """Write `chunks` to a new temp file in `directory`, flushed to disk, with the permissions
    (and, for root, the owner) of `like`, or 0644 when there is none; return its path. On any
    failure the temp file is removed."""
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        try:
            # mkstemp makes the file 0600: a replaced file keeps its permissions.
            os.fchmod(fd, stat.S_IMODE(like.st_mode) if like else NEW_FILE_MODE)
            if like and os.geteuid() == 0 and (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(fd, like.st_uid, like.st_gid)
                except OSError as exc:
                    log.warning("could not give %s its previous owner: %s", directory / name, exc)
            for chunk in chunks:
                _write_all(fd, chunk)
            if like:
                # Readers notice a change by modification time and size (flightmap.store): a new
                # file of the same size written within one clock tick of the old must still differ.
                now = max(time.time_ns(), like.st_mtime_ns + 1_000)
                os.utime(fd, ns=(now, now))
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _remove_quietly(temp)
        raise
    return temp


def _write_backup(source: Path, backups: Path, moment: datetime) -> Path:
    """Copy `source` to `backups/<name>.<UTC timestamp>` through a temp file, so a backup that
    exists is whole."""
    while (backups / f"{source.name}.{_stamp_text(moment)}").exists():
        moment += timedelta(microseconds=1)
    target = backups / f"{source.name}.{_stamp_text(moment)}"
    temp = _stage(backups, source.name, _read_chunks(source), source.stat())
    try:
        os.replace(temp, target)
    except BaseException:
        _remove_quietly(temp)
        raise
    return target


def _prune_backups(backups: Path, name: str, keep: int) -> None:
    pattern = _backup_pattern(name)
    try:
        found = sorted(p for p in backups.iterdir() if pattern.fullmatch(p.name))
    except OSError as exc:
        log.warning("could not list %s to prune old backups: %s", backups, exc)
        return
    for old in found[: max(len(found) - keep, 0)]:
        try:
            old.unlink()
        except OSError as exc:
            log.warning("could not remove old backup %s: %s", old, exc)


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def save_tables(
    folder: Path,
    texts: dict[str, str],
    keep_backups: int = 20,
    *,
    lock_timeout: float = 30.0,
) -> list[Path]:
    """Replace some files of a dataset folder (file name -> the whole new text, e.g.
    {"flights.csv": "...", "places.csv": "..."}) so that a crash or kill at any moment leaves
    each file either old or new, whole. Returns the backup paths written.

    The backups of one save share one timestamp, so a consistent earlier set can be restored.
    Texts made from the files' current content must be made inside `folder_lock(folder)`, or a
    save in between would be undone.
    A track file is named `tracks/<id>.csv` (the folder is made if needed; its backups go to
    `backups/tracks/`); list it before `tracks.csv`, so the index never names a file not yet there.
    Raises ValueError for a name that is not a plain `.csv`, `.toml` or `.json` file name and
    SaveError, with nothing changed, when the save cannot happen.
    """
    for name in texts:
        _check_name(name)
    if isinstance(keep_backups, bool) or not isinstance(keep_backups, int) or keep_backups < 0:
        raise ValueError(f"keep_backups must be a whole number >= 0, not {keep_backups!r}")
    # Encoded up front, byte for byte: no newline translation, and a text that cannot be UTF-8
    # fails before anything is touched.
    encoded = {}
    for name, text in texts.items():
        if not isinstance(text, str):
            raise ValueError(f"the new text of {name} must be a str, not {type(text).__name__}")
        encoded[name] = text.encode("utf-8")
    folder = Path(folder)
    if not folder.is_dir():
        raise SaveError(
            f"Could not save {', '.join(texts) or 'anything'} in {folder}: the data folder does not exist. "
            "Nothing was changed. Create the folder or choose another with --data DIR."
        )
    if not encoded:
        return []

    held = _folders_held()
    with contextlib.nullcontext() if _key(folder) in held else _FolderLock(folder, list(encoded), lock_timeout):
        remove_stale_temp_files(folder)
        temps: dict[str, str] = {}
        backup_of: dict[str, Path] = {}
        replaced: list[str] = []
        try:
            # Phase 1: every new text on disk beside its target; nothing visible has changed yet.
            for name, data in encoded.items():
                try:
                    target = folder / name
                    if target.parent != folder:  # tracks/: made on the first save of a track
                        target.parent.mkdir(exist_ok=True)
                    temps[name] = _stage(target.parent, target.name, [data], _stat_or_none(target))
                except OSError as exc:
                    raise _error(folder / name, exc) from exc
            # A whole copy of each file about to be replaced, before any replacement. Made even
            # with keep_backups=0: it is what a failed rename rolls back from.
            backups = folder / BACKUP_DIR
            moment = _backup_stamp()
            for name in encoded:
                if (folder / name).is_file():
                    try:
                        backups.mkdir(exist_ok=True)
                        place = (backups / name).parent  # backups/tracks/ for tracks/<id>.csv
                        place.mkdir(exist_ok=True)
                        backup_of[name] = _write_backup(folder / name, place, moment)
                    except OSError as exc:
                        raise _error(folder / name, exc, what="back up") from exc
            for place in {(backups / name).parent for name in backup_of}:
                _fsync_folder(place)
            # Phase 2: atomic renames, then make them durable.
            for name, temp in list(temps.items()):
                try:
                    os.replace(temp, folder / name)
                except OSError as exc:
                    lost = _roll_back(folder, replaced, backup_of)
                    if lost:
                        raise SaveError(
                            f"Could not save {folder / name}: {_reason(exc)[0]}, and "
                            f"{', '.join(lost)} could not be put back. Their previous versions are in "
                            f"{backups}: copy them back by hand."
                        ) from exc
                    raise _error(folder / name, exc) from exc
                replaced.append(name)
                del temps[name]
            for place in {(folder / name).parent for name in replaced}:
                _fsync_folder(place)
        except BaseException:
            for temp in temps.values():
                _remove_quietly(temp)
            if not replaced:  # the backups only duplicate the current files
                for backup in backup_of.values():
                    _remove_quietly(backup)
            raise
        for name in backup_of:
            _prune_backups((backups / name).parent, Path(name).name, keep_backups)
        return [path for path in backup_of.values() if path.exists()]


_held = threading.local()


def _key(folder: Path) -> str:
    return str(Path(folder).resolve())


def _folders_held() -> set[str]:
    return getattr(_held, "folders", set())


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float = 30.0, names: list[str] | None = None):
    """Hold a folder's save lock across read, change and save_tables (which then does not take
    it again), so that no other thread or process saves in between: a read-modify-write that
    loses nobody's rows. Re-entrant within a thread. `names`, the files about to be saved, are
    what a failure to take the lock names."""
    folder = Path(folder)
    held = _folders_held()
    if _key(folder) in held:
        yield
        return
    with _FolderLock(folder, list(names or []), timeout):
        _held.folders = held | {_key(folder)}
        try:
            yield
        finally:
            _held.folders = held


def _roll_back(folder: Path, replaced: list[str], backup_of: dict[str, Path]) -> list[str]:
    """A rename failed part way: put back the files already replaced, from their backups, so the
    folder is again the old set (a file that did not exist before is removed). Returns the names
    that could not be put back; `replaced` keeps only those."""
    lost = []
    for name in reversed(replaced):
        target = folder / name
        try:
            if name not in backup_of:
                target.unlink()
                continue
            temp = _stage(target.parent, target.name, _read_chunks(backup_of[name]), backup_of[name].stat())
            try:
                os.replace(temp, target)
            except BaseException:
                _remove_quietly(temp)
                raise
        except OSError as exc:
            log.error("could not restore %s after a failed save (its backup: %s): %s", target, backup_of.get(name), exc)
            lost.append(name)
    replaced[:] = [name for name in replaced if name in lost]
    for place in {folder} | {(folder / name).parent for name in backup_of}:
        _fsync_folder(place)
    return lost
