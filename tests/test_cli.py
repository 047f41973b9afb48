"""`python app.py validate DIR`: exit 0 and a summary when valid, 1 and the problems when not."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import DEFAULT_DATA, PROJECT, edit_csv


def run(*args):
    return subprocess.run([sys.executable, "app.py", *args], cwd=PROJECT, capture_output=True, text=True, timeout=120)


def test_validate_default_data():
    result = run("validate", str(DEFAULT_DATA))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "0 unresolved" in result.stdout


def test_validate_bad_data_names_the_cell(dataset_dir):
    edit_csv(dataset_dir / "events.csv", 4, "date_end", "2001-01-01")
    result = run("validate", str(dataset_dir))
    assert result.returncode == 1
    assert "data/events.csv, row 4, column 'date_end'" in result.stderr
