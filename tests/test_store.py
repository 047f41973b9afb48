"""A bad file replacing a good one never replaces the data being served."""
from __future__ import annotations

import os

from flightmap.store import DatasetStore
from tests.conftest import PROJECT, edit_csv


def touch_later(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_bad_file_keeps_last_good_data_and_reports_the_error(dataset_dir):
    store = DatasetStore(dataset_dir)
    good = store.current()
    assert good.error is None and len(good.located.flights) > 0

    edit_csv(dataset_dir / "flights.csv", 2, "date_start", "not a date")
    touch_later(dataset_dir / "flights.csv")
    after = store.current()
    assert after.located is good.located  # still serving the good data
    assert after.error is not None and after.error.problems[0].row == 2
    assert after.version != good.version

    edit_csv(dataset_dir / "flights.csv", 2, "date_start", "2023-08-20")
    touch_later(dataset_dir / "flights.csv")
    fixed = store.current()
    assert fixed.error is None and fixed.located is not good.located


def test_unchanged_files_are_not_reloaded(dataset_dir):
    store = DatasetStore(dataset_dir)
    assert store.current() is store.current()


def test_first_load_failing_serves_nothing_but_the_error(dataset_dir):
    (dataset_dir / "events.csv").write_text("")
    snapshot = DatasetStore(dataset_dir).current()
    assert snapshot.located is None and "empty" in str(snapshot.error)


def test_the_data_version_is_the_same_in_every_process(dataset_dir):
    """Workers under gunicorn must agree on the version, or open pages would redraw at every poll."""
    import subprocess
    import sys

    code = "import sys; from flightmap.store import DatasetStore; print(DatasetStore(sys.argv[1]).current().version)"
    versions = {subprocess.run([sys.executable, "-c", code, str(dataset_dir)], capture_output=True, text=True, check=True, cwd=PROJECT).stdout.strip() for _ in range(2)}
    assert len(versions) == 1 and versions != {""}
