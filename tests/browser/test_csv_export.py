"""The records table's CSV download neutralises spreadsheet formulas (issue 8): a text cell that
starts with =, +, -, @, tab or CR is exported with a leading ', under the page's CSP (no eval).

Since issue 15 the loader refuses formula cells in the dataset itself (tests/test_loader.py), so
what reaches the page's table is at most a signed number written in a text column; the export
still quotes it, and the browser's rule is checked against the Python one on every kind of cell
(test_the_browser_rule_is_the_python_rule)."""
from __future__ import annotations

import csv
import io
import shutil

from flightmap.security import neutralise_cell
from tests.browser.conftest import wait_for_map
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
    page.wait_for_selector("#records-table .ag-row", timeout=20_000)
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


CASES = ["=1+1", "+1", "-1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "2023-08-20", " =1", "", "a=b", "'=quoted"]


def test_the_browser_rule_is_the_python_rule(default_server, page):
    page.goto(default_server.url)
    page.wait_for_function("() => window.dashAgGridFunctions && window.dashAgGridFunctions.flightmapNeutraliseCell", timeout=20_000)
    got = page.evaluate(
        """(cases) => {
      const fn = window.dashAgGridFunctions.flightmapNeutraliseCell;
      const text = {getColDef: () => ({field: 'summary'})};
      const numeric = {getColDef: () => ({field: 'flights', type: 'numericColumn'})};
      const typed = {getColDef: () => ({field: 'km', cellDataType: 'number'})};
      return {
        text: cases.map(value => fn({value, column: text})),
        numbers: [fn({value: -5, column: text}), fn({value: -1.5, column: numeric}), fn({value: '-7', column: numeric}), fn({value: '-7', column: typed}), fn({value: null, column: text})],
      };
    }""",
        CASES,
    )
    assert got["text"] == [neutralise_cell(c) for c in CASES]
    # Negative numbers are never mangled: numbers, and any value of a numeric column, pass as they are.
    assert got["numbers"] == [-5, -1.5, "-7", "-7", None]
