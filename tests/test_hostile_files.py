"""Small files that cost a lot to read (issue 15): each is refused with its own message naming the
file, and reading it stays inside a memory and CPU bound. Each is read in a child process under
resource.setrlimit (address space and CPU seconds): a reader that blew up would die there (no
message, or killed by the CPU limit) instead of taking the test machine down, and the test fails.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from flightmap import importer
from tests import hostile_files as hostile
from tests.conftest import PROJECT

MEMORY_LIMIT_MB = 1024  # address space: Python with pandas and openpyxl maps ~250 MB before reading
PEAK_RSS_LIMIT_MB = 400  # what reading any of these may add to the ~110 MB of a bare process
CPU_LIMIT_S = 30

CHILD = """
import json, sys
from flightmap import importer
from flightmap.loader import DataValidationError
content = open(sys.argv[1], "rb").read()
try:
    upload = importer.read_upload(content, sys.argv[2])
    outcome = f"read {len(upload.frame)} rows"
except DataValidationError as exc:
    outcome = str(exc)
# VmHWM, not ru_maxrss: ru_maxrss keeps the forking parent's (pytest's) high-water mark across exec.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mb": peak_kb / 1024}))
"""


def read_bounded(tmp_path, name: str, content: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(content)

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_MB << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S,) * 2)

    child = subprocess.run([sys.executable, "-c", CHILD, str(path), name], cwd=PROJECT, capture_output=True, text=True,
                           preexec_fn=limits, env={"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(PROJECT)})
    assert child.returncode == 0, f"the reader died (status {child.returncode}): {child.stderr[-2000:]}"
    return json.loads(child.stdout.strip().splitlines()[-1])


LIMITS = importer.LIMITS
# name, the file, what the message says. The sizes are the where making them is quick,
# and past the limit by a wide margin otherwise.
HOSTILE = [
    ("huge-cell.xlsx", lambda: hostile.xlsx_huge_cell(400_000_000), "huge-cell.xlsx: the workbook unpacks to 381.5 MB (from 0.4 MB); the limit is 100.0 MB"),
    ("huge-shared-strings.xlsx", lambda: hostile.xlsx_huge_cell(60 * 1024 * 1024), "the workbook's text (its shared strings) unpacks to 60.0 MB; the limit is 50.0 MB"),
    ("long-cell.xlsx", lambda: hostile.xlsx_huge_cell(40_000), "long-cell.xlsx, row 2, column 'Date': a cell holds 40,000 characters; the limit is 32,767"),
    ("many-rows.xlsx", lambda: hostile.xlsx_many_rows(3_000_000), f"many-rows.xlsx: the file has more than {LIMITS.rows:,} rows"),
    ("undeclared.xlsx", lambda: hostile.xlsx_many_rows(3_000_000, declared=False), "a sheet (sheet1.xml) does not declare its size and unpacks to 74.4 MB"),
    ("wide-rows.xlsx", lambda: hostile.xlsx_many_cells(1_000, 2_000), "wide-rows.xlsx, row 2: the row has cells out to column 2,000; the limit is 200 columns"),
    ("many-cells.xlsx", lambda: hostile.xlsx_many_cells(10_000, 200), "many-cells.xlsx: the table reaches 5,001 rows of 200 columns, more than the 1,000,000 cells"),
    ("far-cell.xlsx", lambda: hostile.xlsx_far_cell(200_000), "far-cell.xlsx, row 2: the row has cells out to column 16,384"),
    ("wide-row.csv", lambda: hostile.csv_wide_row(5_000_000), "wide-row.csv, row 2: the row has 5,000,001 cells; the limit is 200 columns"),
    ("many-headers.csv", lambda: hostile.csv_many_headers(600_000), "many-headers.csv, row 1: the header has 600,000 columns; the limit is 200"),
    ("many-rows.csv", lambda: hostile.csv_many_rows(2_500_000), f"many-rows.csv: the file has more than {LIMITS.rows:,} rows"),
    ("many-cells.csv", lambda: (",".join(f"c{n}" for n in range(200)) + "\n" + ("1," * 199 + "1\n") * 6_000).encode(),
     "many-cells.csv: the table reaches 5,001 rows of 200 columns, more than the 1,000,000 cells"),
    ("long-header-field.csv", lambda: hostile.csv_long_field(200_000), "long-header-field.csv, row 1: a cell holds more characters than this reader accepts; the limit is 32,767"),
    ("long-cell.csv", lambda: hostile.csv_long_field(100_000, in_header=False), "long-cell.csv, row 2, column 'To': a cell holds 100,000 characters; the limit is 32,767"),
    ("deep.json", lambda: hostile.json_deep(100_000), "deep.json: the JSON nests 100,000 levels deep; a table needs 3 and the limit is 32"),
    ("many-objects.json", lambda: hostile.json_many_objects(600_000), f"many-objects.json: the file has more than {LIMITS.rows:,} rows"),
    ("repeated-header.csv", lambda: (",".join(["Date"] * 150) + "\n" + ",".join(["1"] * 150) + "\n").encode(), "the header repeats 'Date'"),
]


@pytest.mark.parametrize("name, make, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_refused_within_a_memory_and_cpu_bound(name, make, message, tmp_path):
    result = read_bounded(tmp_path, name, make())
    assert message in result["outcome"], result["outcome"]
    assert result["peak_mb"] < PEAK_RSS_LIMIT_MB, f"reading took {result['peak_mb']:.0f} MB"


def test_a_table_within_every_limit_is_read_whole(tmp_path):
    """The limits are not a cap below what an analyst's table holds: 50,000 rows of 20 columns."""
    content = (",".join(f"col{n}" for n in range(20)) + "\n" + ("x," * 19 + "x\n") * LIMITS.rows).encode()
    assert read_bounded(tmp_path, "full.csv", content)["outcome"] == f"read {LIMITS.rows} rows"


def test_json_nested_just_past_the_limit_and_a_parser_recursion_both_get_messages(monkeypatch):
    from flightmap.loader import DataValidationError

    with pytest.raises(DataValidationError, match="nests 33 levels deep"):
        importer.read_upload(hostile.json_deep(33), "deep.json")
    # Brackets inside strings are text, not nesting.
    assert importer.read_upload(b'[{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]', "text.json").frame["a"].tolist() == ["[" * 44]

    def recurse(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(importer.json, "loads", recurse)
    with pytest.raises(DataValidationError, match="nested too deeply to read"):
        importer.read_upload(b'[{"a": 1}]', "any.json")


def test_utf16_is_read_as_utf16(tmp_path):
    text = "Date\tFrom\tTo\n2023-09-01\tBamako\tGao\n"
    for content in (text.encode("utf-16"), text.encode("utf-16-le"), text.encode("utf-16-be")):
        upload = importer.read_upload(content, "unicode.txt")
        assert upload.frame.to_dict("list") == {"Date": ["2023-09-01"], "From": ["Bamako"], "To": ["Gao"]}
        assert any("UTF-16" in notice for notice in upload.notices)


@pytest.mark.parametrize("name, content, message", [
    ("deep.json", hostile.json_deep(100_000), "the JSON nests 100,000 levels deep"),
    ("huge-cell.xlsx", hostile.xlsx_huge_cell(200_000_000), "the workbook unpacks to"),
    ("long-header-field.csv", hostile.csv_long_field(200_000), "a cell holds more characters than this reader accepts"),
], ids=["deep-json", "xlsx-bomb", "csv-field-limit"])
def test_the_page_shows_the_message_where_it_used_to_answer_500(name, content, message):
    """The upload callback, called as Dash calls it: the refusal is a message on the page."""
    import base64

    from components.import_panel import receive_file

    file, _table, shown, hidden, _order = receive_file("data:application/octet-stream;base64," + base64.b64encode(content).decode(), name)
    assert file is None and hidden is True
    assert message in str(shown) and name in str(shown)
