"""The records table served in pages (issue 16 item 2): AG Grid's sort and filter models applied
on the server (flightmap/table_page.py), the block callback, and the CSV download route."""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from flightmap import table_page
from flightmap.security import neutralise_cell
from flightmap.timeline import to_day

ROWS = pd.DataFrame(
    {
        "key": ["flight:a", "flight:b", "event:c", "flight:d", "event:e"],
        "where": ["Gao → Tessalit", "Bamako → Gao", "Niamey", "gao", ""],
        "summary": ["=1+1", "plain", "-12.5", "@SUM(A1)", "a=b"],
        "date_start": ["2023-08-20", "2023-01-02", "2023-08-20", "2022-12-31", "2023-05-05"],
    }
)


def keys(positions):
    return list(ROWS["key"].to_numpy()[positions])


def text(kind, value=None):
    return {"filterType": "text", "type": kind, **({"filter": value} if value is not None else {})}


def test_no_models_keep_every_row_in_the_order_given():
    assert keys(table_page.order(ROWS, [], {})) == list(ROWS["key"])
    assert keys(table_page.order(ROWS, None, None)) == list(ROWS["key"])


def test_sort_by_one_column_and_by_two_with_ties_in_the_order_given():
    assert keys(table_page.order(ROWS, [{"colId": "date_start", "sort": "asc"}], {})) == ["flight:d", "flight:b", "event:e", "flight:a", "event:c"]
    # Descending keeps tied rows (a and c share a date) in the order given: the sort is stable.
    assert keys(table_page.order(ROWS, [{"colId": "date_start", "sort": "desc"}], {})) == ["flight:a", "event:c", "event:e", "flight:b", "flight:d"]
    two = [{"colId": "date_start", "sort": "desc"}, {"colId": "key", "sort": "asc"}]
    assert keys(table_page.order(ROWS, two, {})) == ["event:c", "flight:a", "event:e", "flight:b", "flight:d"]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (text("contains", "GAO"), ["flight:a", "flight:b", "flight:d"]),  # case-insensitive, as AG Grid's own matcher
        (text("notContains", "gao"), ["event:c", "event:e"]),
        (text("equals", "Gao"), ["flight:d"]),
        (text("notEqual", "gao"), ["flight:a", "flight:b", "event:c", "event:e"]),
        (text("startsWith", "ga"), ["flight:a", "flight:d"]),
        (text("endsWith", "gao"), ["flight:b", "flight:d"]),
        (text("blank"), ["event:e"]),
        (text("notBlank"), ["flight:a", "flight:b", "event:c", "flight:d"]),
        (text("contains", ""), ["flight:a", "flight:b", "event:c", "flight:d", "event:e"]),  # an empty filter filters nothing
        (text("contains", "("), []),  # text, never a pattern
        ({"filterType": "text", "operator": "OR", "conditions": [text("equals", "niamey"), text("startsWith", "bam")]}, ["flight:b", "event:c"]),
        ({"filterType": "text", "operator": "AND", "conditions": [text("contains", "gao"), text("contains", "→")]}, ["flight:a", "flight:b"]),
    ],
)
def test_text_filters(model, expected):
    assert keys(table_page.order(ROWS, [], {"where": model})) == expected


def test_filters_on_two_columns_and_sorted():
    positions = table_page.order(ROWS, [{"colId": "date_start", "sort": "asc"}], {"where": text("contains", "gao"), "summary": text("notContains", "plain")})
    assert keys(positions) == ["flight:d", "flight:a"]


@pytest.mark.parametrize(
    ("sort", "filters"),
    [
        ([{"colId": "nope", "sort": "asc"}], {}),
        ([{"colId": "where", "sort": "sideways"}], {}),
        (["where"], {}),
        ([], {"nope": text("contains", "x")}),
        ([], {"where": {"filterType": "number", "type": "greaterThan", "filter": 3}}),
        ([], {"where": text("regex", "x")}),
        ([], {"where": text("contains", ["x"])}),
        ([], {"where": {"operator": "XOR", "conditions": [text("contains", "x")]}}),
        ([], ["where"]),
    ],
)
def test_models_not_understood_are_refused(sort, filters):
    with pytest.raises(ValueError):
        table_page.order(ROWS, sort, filters)


def test_the_default_order_is_the_full_tables_order_without_building_it(shipped):
    from components import view
    from flightmap.evidence import table_frame, table_order

    located = view.prepared().located
    whole = table_frame(located.flights, located.events)
    assert list(table_order(located.flights, located.events)) == list(whole.sort_values(["date_start", "type", "time", "key"], kind="stable").index)
    # Rows built at any positions are those rows of the whole table, in the order asked for.
    positions = np.array([len(located.flights) + 2, 0, len(located.flights), 3, 1])
    pd.testing.assert_frame_equal(view.table_rows_at(view.prepared(), positions), whole.iloc[positions].reset_index(drop=True))


def test_a_page_is_the_block_asked_for_with_the_count_of_all_rows():
    positions = table_page.order(ROWS, [{"colId": "key", "sort": "asc"}], {})
    got = table_page.page(ROWS, positions, 1, 3)
    assert [r["key"] for r in got["rowData"]] == ["event:e", "flight:a"] and got["rowCount"] == 5
    assert table_page.page(ROWS, positions, 4, 100)["rowData"][0]["key"] == "flight:d"  # clipped at the end
    assert table_page.page(ROWS, positions, 100, 200) == {"rowData": [], "rowCount": 5}  # past the end: nothing
    assert table_page.page(ROWS, positions[:0], 0, 100) == {"rowData": [], "rowCount": 0}


@pytest.mark.parametrize(("start", "end"), [(-1, 10), (10, 5), ("0", 100), (0, 1.5), (True, 10), (0, table_page.MAX_BLOCK + 1), (None, 100)])
def test_block_bounds_that_are_not_a_block_are_refused(start, end):
    with pytest.raises(ValueError):
        table_page.page(ROWS, np.arange(len(ROWS)), start, end)


def read_csv_text(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")  # a spreadsheet reads the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_every_row_in_order_and_the_chosen_columns_with_formula_cells_quoted():
    positions = table_page.order(ROWS, [{"colId": "date_start", "sort": "asc"}], {})
    lines = read_csv_text(table_page.csv_chunks([ROWS.iloc[positions]], ["key", "summary"], {"key": "record"}))
    assert lines[0] == ["record", "summary"]
    assert lines[1:] == [[k, neutralise_cell(s)] for k, s in ROWS.iloc[positions][["key", "summary"]].to_numpy()]
    assert [s for _, s in lines[1:]] == ["'@SUM(A1)", "plain", "a=b", "'=1+1", "'-12.5"]


def test_csv_in_blocks_is_the_same_as_in_one_piece():
    many = pd.DataFrame({"key": [f"flight:{i}" for i in range(25)], "summary": ["+1", "x"] * 12 + ["=2"]})
    whole = read_csv_text(table_page.csv_chunks([many], ["summary", "key"], {}))
    chunks = list(table_page.csv_chunks((many.iloc[i:i + 4] for i in range(0, 25, 4)), ["summary", "key"], {}))
    assert len(chunks) == 1 + 7 and read_csv_text(chunks) == whole
    assert whole[1] == ["'+1", "flight:0"] and whole[-1] == ["'=2", "flight:24"]
    assert read_csv_text(table_page.csv_chunks([], ["key"], {"key": "=record"})) == [["'=record"]]  # no rows: the header alone


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "2023-08-20", " =1", "", "a=b", "'=quoted"])
def test_csv_cells_follow_the_one_neutralising_rule(cell):
    rows = pd.DataFrame({"summary": [cell]})
    assert read_csv_text(table_page.csv_chunks([rows], ["summary"], {}))[1] == [neutralise_cell(cell)]


def test_csv_refuses_unknown_columns():
    with pytest.raises(ValueError):
        list(table_page.csv_chunks([ROWS], ["key", "nope"], {}))


# ----------------------------------------------------------------------------- the app's side

SPAN = [to_day("2019-11-01"), to_day("2024-08-05")]


@pytest.fixture()
def shipped():
    import app as dashboard

    dashboard.install_data(dashboard.Settings())
    return dashboard


def test_the_block_callback_pages_the_window_in_the_default_order(shipped):
    from components.records_table import table_page_rows
    from components.view import visible
    from flightmap.evidence import table_rows

    everything = [r["key"] for r in table_rows(*visible(SPAN, {}))]
    first = table_page_rows({"startRow": 0, "endRow": 10, "sortModel": [], "filterModel": {}}, SPAN, {})
    rest = table_page_rows({"startRow": 10, "endRow": 100, "sortModel": [], "filterModel": {}}, SPAN, {})
    assert first["rowCount"] == rest["rowCount"] == len(everything) > 10
    assert [r["key"] for r in first["rowData"] + rest["rowData"]] == everything
    # The page's filters and window cut the rows; a bad model is an empty answer, never an error.
    narrow = table_page_rows({"startRow": 0, "endRow": 100}, [to_day("2023-10-10"), to_day("2023-10-20")], {"type": ["event"]})
    assert narrow["rowCount"] == len(narrow["rowData"]) > 0 and {r["type"] for r in narrow["rowData"]} == {"event"}
    assert table_page_rows({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "x", "sort": "asc"}]}, SPAN, {}) == {"rowData": [], "rowCount": 0}
    assert table_page_rows(None, SPAN, {})["rowCount"] == len(everything)


def test_a_sorted_view_is_cached_and_the_same_as_computed_afresh(shipped):
    from components import records_table, view

    sort = [{"colId": "where", "sort": "desc"}]
    model = {"where": text("contains", "gao")}
    ready, positions = records_table.ordered_rows(SPAN, {}, sort, model)
    again = records_table.ordered_rows(SPAN, {}, sort, model)
    assert again[1] is positions  # the second block of a view is not sorted again
    rows = view.table_rows_at(ready, np.arange(len(ready.located.flights) + len(ready.located.events)))
    assert list(rows.iloc[positions]["where"]) == sorted(rows.iloc[positions]["where"], reverse=True)
    assert all("gao" in w.lower() for w in rows.iloc[positions]["where"])


def test_the_csv_route_streams_the_view_as_an_attachment_with_the_security_headers(shipped):
    client = shipped.app.server.test_client()
    url = f"/records.csv?window={SPAN[0]},{SPAN[1]}&filters={{}}&sort=%5B%7B%22colId%22%3A%22date_start%22%2C%22sort%22%3A%22desc%22%7D%5D&filter={{}}&columns=key,date_start"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="flight-records.csv"'
    assert "Content-Security-Policy" in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == ["record", "from"]
    from components.records_table import table_page_rows

    count = table_page_rows({"startRow": 0, "endRow": 1}, SPAN, {})["rowCount"]
    assert len(lines) - 1 == count and [d for _, d in lines[1:]] == sorted((d for _, d in lines[1:]), reverse=True)


@pytest.mark.parametrize(
    "query",
    ["", "window=1", "window=a,b", "window=1,2&filters=[1]", "window=1,2&filters={", "window=1,2&sort=[{}]",
     "window=1,2&filter={\"x\":{}}", "window=1,2&columns=key,../etc"],
)
def test_the_csv_route_refuses_what_is_not_a_table_view(shipped, query):
    response = shipped.app.server.test_client().get("/records.csv?" + query)
    assert response.status_code == 400 and response.mimetype == "text/plain"
