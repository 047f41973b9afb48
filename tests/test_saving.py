"""Saving never loses data: atomic replacement, backups, the save lock, and the faults of a save
(kill mid-save, disk full, read-only folder, a failed rename)."""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flightmap import saving
from flightmap.loader import load_dataset
from flightmap.saving import SaveError, remove_stale_temp_files, save_tables
from tests.conftest import PROJECT

CHILD_ENV = {**os.environ, "PYTHONPATH": str(PROJECT)}


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def leftovers(folder: Path) -> list[Path]:
    """Temp files of a save, in the folder or its backups/."""
    return sorted(folder.glob(".*.tmp")) + sorted(folder.glob("backups/.*.tmp"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the lock file, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != saving.LOCK_NAME
    }


def with_cell(text: str, row: int, column: str, value: str) -> str:
    """A CSV text with one cell set, `row` counted as in a spreadsheet (header = row 1)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue()


def proc_fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    (target / "flights.csv").write_text("id,origin\nf1,Gao\n", encoding="utf-8")
    (target / "places.csv").write_text("name\nGao\n", encoding="utf-8")
    (target / "events.csv").write_text("id\ne1\n", encoding="utf-8")
    return target


# --- SV01 round trip -------------------------------------------------------------------------


def test_sv01_round_trip_replaces_exactly_and_backs_up(folder: Path):
    os.chmod(folder / "flights.csv", 0o640)
    old = (folder / "flights.csv").read_bytes()
    untouched = {name: ((folder / name).read_bytes(), (folder / name).stat().st_mtime_ns)
                 for name in ("places.csv", "events.csv")}
    new_flights = "id,origin\r\nf1,Gao\r\nf2,\"Niamey, Niger\"\r\nf3,Tessalit – Aguelhok ✈\n"
    new_json = '{"a": 1}\n'

    written = save_tables(folder, {"flights.csv": new_flights, "extra.json": new_json})

    assert (folder / "flights.csv").read_bytes() == new_flights.encode("utf-8")  # byte for byte, \r\n kept
    assert (folder / "extra.json").read_bytes() == new_json.encode("utf-8")
    assert [p.name.rsplit(".", 1)[0] for p in written] == ["flights.csv"]  # a new file has nothing to back up
    assert written[0].parent == folder / "backups"
    assert written[0].read_bytes() == old
    assert stat.S_IMODE((folder / "flights.csv").stat().st_mode) == 0o640  # permissions kept
    assert stat.S_IMODE((folder / "extra.json").stat().st_mode) == 0o644  # not mkstemp's 0600
    for name, (content, mtime) in untouched.items():
        assert (folder / name).read_bytes() == content
        assert (folder / name).stat().st_mtime_ns == mtime
    assert leftovers(folder) == []


def test_sv02_backups_pruned_to_the_newest(folder: Path):
    versions = [f"id,origin\nf1,v{i}\n" for i in range(6)]
    for text in versions:
        save_tables(folder, {"flights.csv": text}, keep_backups=3)
    backups = sorted((folder / "backups").iterdir())
    assert len(backups) == 3
    # The newest three previous versions, oldest first (names sort by their UTC timestamp).
    assert [p.read_text(encoding="utf-8") for p in backups] == versions[2:5]
    assert all(saving._backup_pattern("flights.csv").fullmatch(p.name) for p in backups)
    assert (folder / "flights.csv").read_text(encoding="utf-8") == versions[5]
    save_tables(folder, {"flights.csv": "id,origin\n"}, keep_backups=0)
    assert list((folder / "backups").iterdir()) == []
    assert leftovers(folder) == []


def test_sv03_every_save_changes_what_the_store_watches(folder: Path):
    """flightmap.store reloads when a table's (mtime_ns, size) changes: a save of the same size
    right after another, within one clock tick, must still change it."""
    signatures = []
    for text in ("id,origin\nf1,Gao\n", "id,origin\nf1,Gao\n", "id,origin\nf2,Gao\n", "id,origin\nf3,Gao\n"):
        save_tables(folder, {"flights.csv": text})
        status = (folder / "flights.csv").stat()
        signatures.append((status.st_mtime_ns, status.st_size))
    assert len(set(signatures)) == len(signatures)
    assert [s[0] for s in signatures] == sorted(s[0] for s in signatures)


def test_sv04_stale_temp_files_are_removed_only_when_old(folder: Path):
    stale = folder / ".flights.csv.abc123.tmp"
    fresh = folder / ".places.csv.def456.tmp"
    (folder / "backups").mkdir()
    stale_backup = folder / "backups" / ".flights.csv.x.tmp"
    for path in (stale, fresh, stale_backup):
        path.write_text("half a file", encoding="utf-8")
    long_ago = time.time() - 3600
    os.utime(stale, (long_ago, long_ago))
    os.utime(stale_backup, (long_ago, long_ago))

    save_tables(folder, {"events.csv": "id\ne2\n"})  # a save cleans up first

    assert not stale.exists() and not stale_backup.exists()
    assert fresh.exists()  # maybe another process's save in progress: left alone
    assert remove_stale_temp_files(folder, older_than=0) == [fresh]


# --- SV05 kill mid-save ----------------------------------------------------------------------

KILL_CHILD = r"""
import sys
from pathlib import Path
from flightmap.saving import save_tables
folder, texts = Path(sys.argv[1]), Path(sys.argv[2])
names = ("flights.csv", "events.csv")
versions = [{n: (texts / f"{n}.{v}").read_bytes().decode("utf-8") for n in names} for v in "AB"]
print("ready", flush=True)
i = 0
while True:
    save_tables(folder, versions[i % 2], keep_backups=2)
    i += 1
"""


def test_sv05_kill_mid_save_leaves_each_file_old_or_new_whole(dataset_dir: Path, tmp_path: Path):
    """A process saving a ~3 MB valid table in a loop is killed (SIGKILL) at random moments:
    each time, each file is one complete version, and the dataset loads."""
    flights = (dataset_dir / "flights.csv").read_text(encoding="utf-8")
    events = (dataset_dir / "events.csv").read_text(encoding="utf-8")
    texts = tmp_path / "texts"
    texts.mkdir()
    versions = {
        "flights.csv": {v: with_cell(flights, 2, "summary", v * 3_000_000) for v in "AB"},
        "events.csv": {"A": events, "B": with_cell(events, 2, "title", "Edited title")},
    }
    expected = {}
    for name, by_version in versions.items():
        for v, text in by_version.items():
            (texts / f"{name}.{v}").write_text(text, encoding="utf-8", newline="")
        expected[name] = {digest(text): v for v, text in by_version.items()}
    save_tables(dataset_dir, {name: by_version["A"] for name, by_version in versions.items()})

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    mid_save, loads = 0, 0
    for round_ in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_CHILD, str(dataset_dir), str(texts)],
            stdout=subprocess.PIPE, env=CHILD_ENV, cwd=PROJECT,
        )
        try:
            assert child.stdout.readline() == b"ready\n", "the saving process did not start"
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL, f"the saver stopped by itself (seed {seed})"
        for name in versions:
            got = digest((dataset_dir / name).read_bytes())
            assert got in expected[name], f"round {round_}: {name} is neither version, whole (seed {seed})"
        left = leftovers(dataset_dir)
        mid_save += bool(left)
        if (left and loads < 2) or round_ == 19:  # the loader ignores a killed save's temp files
            load_dataset(dataset_dir)
            loads += 1

    assert mid_save > 0, f"no kill landed inside a save (seed {seed}): the test proved nothing"
    for backup in (dataset_dir / "backups").glob("[!.]*"):  # a backup that exists is whole too
        name = backup.name.rsplit(".", 1)[0]
        assert digest(backup.read_bytes()) in expected[name], backup.name
    remove_stale_temp_files(dataset_dir, older_than=0)
    assert leftovers(dataset_dir) == []
    save_tables(dataset_dir, {"flights.csv": versions["flights.csv"]["B"]})  # a killed save leaves no lock
    load_dataset(dataset_dir)


# --- SV06 disk full --------------------------------------------------------------------------


def fail_on_temp_files(real, code: int, partial: bool = False):
    """A stand-in for os.write / os.fsync that fails with `code` on a save's temp files."""

    def fake(fd, *args):
        if proc_fd_path(fd).endswith(".tmp"):
            if partial and args and len(args[0]) > 1:
                return real(fd, args[0][: len(args[0]) // 2])  # the disk fills part way
            raise OSError(code, os.strerror(code))
        return real(fd, *args)

    return fake


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_sv06_disk_full_during_write_changes_nothing(folder: Path, monkeypatch, call):
    before = snapshot(folder)
    real = getattr(os, call)
    monkeypatch.setattr(saving.os, call, fail_on_temp_files(real, errno.ENOSPC, partial=call == "write"))
    with pytest.raises(SaveError) as caught:
        save_tables(folder, {"places.csv": "name\nGao\nKidal\n", "flights.csv": "id,origin\n" + "f,Gao\n" * 1000})
    message = str(caught.value)
    assert "disk is full" in message and "places.csv" in message and "Nothing was changed" in message
    assert snapshot(folder) == before
    assert leftovers(folder) == []


def test_sv07_disk_full_during_backup_changes_nothing(folder: Path, monkeypatch):
    before = snapshot(folder)
    real = os.write
    monkeypatch.setattr(
        saving.os, "write",
        lambda fd, data: fail_on_temp_files(real, errno.ENOSPC)(fd, data) if "/backups/" in proc_fd_path(fd) else real(fd, data),
    )
    with pytest.raises(SaveError, match=r"Could not back up .*flights\.csv: the disk is full"):
        save_tables(folder, {"flights.csv": "id,origin\nf9,Gao\n"})
    assert snapshot(folder) == before
    assert leftovers(folder) == []


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    """A real 1 MiB file system, when this process may mount one (root in a permissive container)."""
    point = tmp_path / "tiny"
    point.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tiny tmpfs needs root and mount(8); the monkeypatched variants cover this")
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(point)]
    done = subprocess.run(mount, capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_sv08_real_full_disk_and_real_read_only_mount(tiny_tmpfs: Path):
    data = tiny_tmpfs / "data"
    data.mkdir()
    save_tables(data, {"flights.csv": "id\n" + "x" * 500_000 + "\n"})
    before = snapshot(data)

    with pytest.raises(SaveError, match=r"flights\.csv: the disk is full") as too_big:  # the new text does not fit
        save_tables(data, {"flights.csv": "id\n" + "y" * 700_000 + "\n"})
    assert "Free some disk space" in str(too_big.value)
    assert snapshot(data) == before and leftovers(data) == []

    # The new text fits, but the backup of the old one does not: still nothing replaced.
    with pytest.raises(SaveError, match=r"Could not back up .*flights\.csv: the disk is full"):
        save_tables(data, {"flights.csv": "id\n" + "z" * 300_000 + "\n"})
    assert snapshot(data) == before and leftovers(data) == []

    subprocess.run(["mount", "-o", "remount,ro", str(tiny_tmpfs)], check=True)
    with pytest.raises(SaveError, match=r"flights\.csv: the data folder is read-only") as read_only:
        save_tables(data, {"flights.csv": "id\nsmall\n"})
    assert "Nothing was changed" in str(read_only.value)
    assert snapshot(data) == before


# --- SV09 read-only folder -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.EROFS, "Read-only file system"), "the data folder is read-only"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
    ],
)
def test_sv09_read_only_folder_simulated(folder: Path, monkeypatch, error, words):
    """As root, chmod does not stop writes: the refusal is simulated where the temp file is made."""
    before = snapshot(folder)
    real = saving.tempfile.mkstemp
    calls = []

    def refuse(*args, **kwargs):
        calls.append(kwargs.get("prefix"))
        if len(calls) == 2:  # the first file's temp is made; the second is refused
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(saving.tempfile, "mkstemp", refuse)
    with pytest.raises(SaveError) as caught:
        save_tables(folder, {"flights.csv": "id,origin\nf2,Gao\n", "places.csv": "name\nKidal\n"})
    assert words in str(caught.value) and "places.csv" in str(caught.value)
    assert snapshot(folder) == before
    assert leftovers(folder) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod 0555; the simulated variant covers root")
def test_sv10_read_only_folder_by_chmod(folder: Path):
    before = snapshot(folder)
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(SaveError, match="permission denied"):
            save_tables(folder, {"flights.csv": "id,origin\nf2,Gao\n"})
    finally:
        os.chmod(folder, 0o755)
    assert snapshot(folder) == before
    assert leftovers(folder) == []


def test_sv11_missing_folder(tmp_path: Path):
    with pytest.raises(SaveError, match="does not exist"):
        save_tables(tmp_path / "nowhere", {"flights.csv": "id\n"})


def test_sv12_failed_rename_part_way_puts_the_first_file_back(folder: Path, monkeypatch):
    before = snapshot(folder)
    real = os.replace

    def replace(src, dst):
        if Path(dst) == folder / "places.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(saving.os, "replace", replace)
    with pytest.raises(SaveError, match=r"places\.csv: the disk reported an input/output error.*Nothing was changed"):
        save_tables(folder, {"flights.csv": "id,origin\nf2,Gao\n", "places.csv": "name\nKidal\n", "new.csv": "a\n"})
    assert snapshot(folder) == before  # flights.csv, already replaced, is back; no backups kept
    assert leftovers(folder) == []


# --- SV13 concurrent saves -------------------------------------------------------------------

CONCURRENT_CHILD = r"""
import sys
from pathlib import Path
from flightmap.saving import save_tables
folder, mark, times = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
texts = {"flights.csv": "id\n" + mark * 200_000 + "\n", "places.csv": "name\n" + mark * 50_000 + "\n"}
sys.stdin.readline()
for _ in range(times):
    save_tables(folder, texts, keep_backups=1000)
"""


def whole_set(mark: str) -> dict[str, str]:
    return {"flights.csv": "id\n" + mark * 200_000 + "\n", "places.csv": "name\n" + mark * 50_000 + "\n"}


def check_concurrent_result(folder: Path, marks: str, saves: int, reads: list[str]) -> None:
    versions = {name: {digest(whole_set(m)[name]): m for m in marks + "0"} for name in ("flights.csv", "places.csv")}
    final = {name: versions[name].get(digest((folder / name).read_bytes())) for name in versions}
    assert None not in final.values(), "a file is not one complete text"
    assert final["flights.csv"] == final["places.csv"] != "0", "the last save's two files are from different saves"
    assert all(r in versions["flights.csv"] for r in reads), "a reader saw a partly written file"
    # One backup per replaced file per save, and the backups of each save (one timestamp) are
    # one writer's consistent pair: saves did not interleave.
    by_stamp: dict[str, dict[str, str]] = {}
    for backup in (folder / "backups").iterdir():
        name, stamp = backup.name.rsplit(".", 1)
        by_stamp.setdefault(stamp, {})[name] = versions[name].get(digest(backup.read_bytes()))
    assert len(by_stamp) == saves
    assert all(len(set(pair.values())) == 1 and None not in pair.values() for pair in by_stamp.values())
    assert leftovers(folder) == []


def read_while(folder: Path, running) -> list[str]:
    reads = []
    while running():
        reads.append(digest((folder / "flights.csv").read_bytes()))
    return reads


def test_sv13_two_processes_saving_at_once_never_mix(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    save_tables(folder, whole_set("0"))
    times = 15
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_CHILD, str(folder), mark, str(times)],
            stdin=subprocess.PIPE, env=CHILD_ENV, cwd=PROJECT,
        )
        for mark in "ab"
    ]
    for child in children:  # both start together
        child.stdin.write(b"go\n")
        child.stdin.close()
    reads = read_while(folder, lambda: any(child.poll() is None for child in children))
    assert [child.wait(timeout=60) for child in children] == [0, 0]
    check_concurrent_result(folder, "ab", 2 * times, reads)


def test_sv14_threads_saving_at_once_never_mix(tmp_path: Path):
    folder = tmp_path / "data"
    folder.mkdir()
    save_tables(folder, whole_set("0"))
    errors, times, marks = [], 8, "abcd"

    def saver(mark: str) -> None:
        try:
            for _ in range(times):
                save_tables(folder, whole_set(mark), keep_backups=1000)
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=saver, args=(mark,)) for mark in marks]
    for thread in threads:
        thread.start()
    reads = read_while(folder, lambda: any(thread.is_alive() for thread in threads))
    for thread in threads:
        thread.join()
    assert errors == []
    check_concurrent_result(folder, marks, len(marks) * times, reads)


# --- SV15 lock timeout -----------------------------------------------------------------------

HOLD_LOCK = r"""
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


def test_sv15_lock_held_by_another_process_times_out(folder: Path):
    before = snapshot(folder)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(folder / saving.LOCK_NAME)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"locked\n"
        with pytest.raises(SaveError, match=r"another save is in progress.*Nothing was changed"):
            save_tables(folder, {"flights.csv": "id,origin\nf2,Gao\n"}, lock_timeout=0.2)
        assert snapshot(folder) == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    save_tables(folder, {"flights.csv": "id,origin\nf2,Gao\n"}, lock_timeout=5)  # a dead holder frees it
    assert (folder / "flights.csv").read_text(encoding="utf-8") == "id,origin\nf2,Gao\n"


def test_sv16_lock_held_by_another_thread_times_out(folder: Path):
    with saving._thread_lock:
        with pytest.raises(SaveError, match="another save is in progress"):
            save_tables(folder, {"flights.csv": "id\n"}, lock_timeout=0.1)
    save_tables(folder, {"flights.csv": "id\n"}, lock_timeout=1)  # the lock was not left taken


# --- SV17 bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../flights.csv", "sub/flights.csv", "/etc/flights.csv", "a\\b.csv", "..", ".", "", "flights.txt",
     "flights", "flights.csv/", ".flights.csv", "fl..ights.csv", " flights.csv", "flights.csv\0.json"],
)
def test_sv17_bad_file_names_raise_value_error(folder: Path, name: str):
    before = snapshot(folder)
    with pytest.raises(ValueError):
        save_tables(folder, {"flights.csv": "id\n", name: "x\n"})
    assert snapshot(folder) == before


@pytest.mark.parametrize("bad", [{"flights.csv": b"id\n"}, {"flights.csv": "id\ud800\n"}])
def test_sv18_text_that_is_not_utf8_text_raises_value_error(folder: Path, bad):
    before = snapshot(folder)
    with pytest.raises(ValueError):
        save_tables(folder, bad)
    assert snapshot(folder) == before


def test_sv19_allowed_names(folder: Path):
    save_tables(folder, {"config.toml": "a = 1\n", "state.JSON": "{}\n"})
    assert (folder / "config.toml").read_text(encoding="utf-8") == "a = 1\n"
