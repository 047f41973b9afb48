"""The records table's CSV download neutralises spreadsheet formulas (issue 8): a text cell that
starts with =, +, -, @, tab or CR is exported with a leading '. Since issue 16 the download comes
from the server (/records.csv, flightmap/table_page.py: the rule is security.neutralise_cell) and
holds every row of the window, not the block of rows the grid has loaded.

Since issue 15 the loader refuses formula cells in the dataset itself (tests/test_loader.py), so
what reaches the page's table is at most a signed number written in a text column; the export
still quotes it (tests/test_table_page.py checks the rule on every kind of cell)."""
from __future__ import annotations

import csv
import io
import shutil

from urllib.parse import parse_qs, urlsplit

import pandas as pd

from benchmarks.synthetic import generate
from flightmap.table_page import BLOCK
from flightmap.timeline import from_day
from tests.browser.conftest import TABLE_ROW, wait_for_map
from tests.conftest import DEFAULT_DATA, edit_csv

# Spreadsheet row (header = 1) -> summary: text cells the loader accepts (whole numbers) that a
# spreadsheet would still read as a sign and a number.
FLIGHT_SUMMARIES = {
    2: "-12.5",
    3: "+1",
    4: "-2",
    5: "+0.5",
}
SAFE_SUMMARY = "Reported leg - with a dash inside, = and + too"


def read_export(download) -> list[dict]:
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def test_csv_download_neutralises_formula_cells(tmp_path, server_for, page):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    for row, text in FLIGHT_SUMMARIES.items():
        edit_csv(data / "flights.csv", row, "summary", text)
    edit_csv(data / "flights.csv", 6, "summary", SAFE_SUMMARY)
    edit_csv(data / "events.csv", 4, "title", "-1")  # the table's summary is "title: summary"
    edit_csv(data / "events.csv", 8, "aircraft", "-7")
    server = server_for(data)
    page.goto(server.url)
    wait_for_map(page)
    page.wait_for_selector(TABLE_ROW, timeout=20_000)
    # The grid shows the text as it is: only the export changes.
    assert page.locator("#records-table .ag-cell[col-id=summary]", has_text="+0.5").count() == 1

    with page.expect_download(timeout=20_000) as info:
        page.locator("#table-export").click()
    download = info.value
    assert download.suggested_filename == "flight-records.csv"
    rows = read_export(download)
    summaries = {r["summary"] for r in rows}
    for text in FLIGHT_SUMMARIES.values():
        assert "'" + text in summaries and text not in summaries
    assert SAFE_SUMMARY in summaries
    assert any(s.startswith("'-1: ") for s in summaries)
    assert "'-7" in {r["aircraft"] for r in rows}
    # Dates, places and every other cell that starts harmlessly are exported unchanged.
    assert {r["from"] for r in rows} >= {"2023-08-20"}
    assert all(not r["from"].startswith("'") for r in rows)


def test_csv_download_has_every_row_of_the_window_in_the_grids_sort(tmp_path, server_for, page):
    """The grid holds a block of rows at a time (the server pages them); the download is every
    row of the window, from the server, in the grid's sort. SYNTHETIC data (benchmarks/synthetic.py)."""
    data = tmp_path / "data"
    generate(data, 3000, seed=3)  # SYNTHETIC flights, every row marked so
    for row, text in FLIGHT_SUMMARIES.items():
        edit_csv(data / "flights.csv", row, "summary", text)
    server = server_for(data)
    page.goto(server.url)
    wait_for_map(page)
    page.wait_for_selector(TABLE_ROW, timeout=20_000)
    count = page.evaluate("() => dash_ag_grid.getApi('records-table').getDisplayedRowCount()")
    assert count > 3 * BLOCK, "the window should hold several blocks of rows"
    loaded = page.evaluate("() => { let n = 0; dash_ag_grid.getApi('records-table').forEachNode(r => { if (r.data) n += 1; }); return n; }")
    assert loaded <= 2 * BLOCK  # the page holds what it has shown, not the window

    # Sort by the start date, newest first (two clicks on the header); the first block reloads.
    header = page.locator("#records-table .ag-header-cell[col-id=date_start] .ag-header-cell-label")
    header.click()
    header.click()
    page.wait_for_function(
        "() => { const api = dash_ag_grid.getApi('records-table'); const row = api.getDisplayedRowAtIndex(0);"
        " return api.getColumnState().some(c => c.colId === 'date_start' && c.sort === 'desc') && row && row.data && row.data.date_start >= '2024-12'; }",
        timeout=20_000,
    )
    with page.expect_download(timeout=30_000) as info:
        page.locator("#table-export").click()
    download = info.value
    assert download.suggested_filename == "flight-records.csv"
    rows = read_export(download)

    # Every record of the window, counted independently from the SYNTHETIC files.
    query = parse_qs(urlsplit(download.url).query)
    first, last = (from_day(int(d)) for d in query["window"][0].split(","))
    expected = 0
    for name in ("flights.csv", "events.csv"):
        table = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        expected += int(((pd.to_datetime(table["date_start"]) <= last) & (pd.to_datetime(table["date_end"]) >= first)).sum())
    assert len(rows) == count == expected
    starts = [r["from"] for r in rows]
    assert starts == sorted(starts, reverse=True)
    assert list(rows[0]) == ["type", "from", "to", "precision", "route / place", "aircraft", "kind / category", "confidence", "summary", "sources"]
    summaries = {r["summary"] for r in rows}
    for text in FLIGHT_SUMMARIES.values():
        assert "'" + text in summaries and text not in summaries
