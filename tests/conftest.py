"""Shared fixtures: a throw-away copy of the default dataset, and helpers to break it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# A job store of this test session's own (the app is built on import and reads this): no result
# of another run, or of another checkout's tests, is ever served for equal callback arguments.
os.environ.setdefault("FLIGHTMAP_JOBS_DIR", tempfile.mkdtemp(prefix="flightmap-test-jobs-"))

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT / "data"


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped dataset."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, target)
    return target


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell, `row` counted as in a spreadsheet (header = row 1)."""
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run: Playwright's sync API allows one instance
    per process, so every test that needs a browser shares this one."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
