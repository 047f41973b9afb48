"""The records in the window as a table (dash-ag-grid), paged from the server: the grid holds
the blocks it has shown (AG Grid's infinite row model) and asks for more as it scrolls; sorting and
AG Grid's column filters run on the server (flightmap/table_page.py), and so does the CSV
download of every row (/records.csv). A click on a row selects that record, and the loaded rows
behind whatever is selected on the map are shown selected (assets/records_table.js)."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict

import dash_ag_grid as dag
import flask
import numpy as np
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from components import ids
from components import view
from flightmap import filters as record_filters
from flightmap import table_page
from flightmap.evidence import TABLE_COLUMNS

HEADERS = {
    "key": "record", "type": "type", "date_start": "from", "date_end": "to", "time": "time (UTC)", "precision": "precision",
    "where": "route / place", "aircraft": "aircraft", "kind": "kind / category", "confidence": "confidence",
    "summary": "summary", "sources": "sources", "conflict": "conflict note",
}
SHOWN = ["type", "date_start", "date_end", "precision", "where", "aircraft", "kind", "confidence", "summary", "sources"]


def column_defs(shown) -> list[dict]:
    wide = {"summary": 3, "where": 2, "sources": 2, "conflict": 2}
    # Dates are never cut ("2023-0…"): their columns are as wide as a date at any screen size.
    least = {"date_start": 112, "date_end": 112, "confidence": 110, "precision": 100}
    # Widths in the proportions of the old flex values, fitted to the grid by columnSize below.
    # Not `flex`: AG Grid hides flexed columns until it has measured them, and a grid below
    # the fold on a phone stayed unmeasured, leaving axe a header row with no visible headers.
    return [
        {"field": c, "headerName": HEADERS[c], "hide": c not in shown, "width": 110 * wide.get(c, 1), "minWidth": least.get(c, 90),
         "tooltipField": c if c in wide else None, "wrapText": False}
        for c in TABLE_COLUMNS
    ]


def create_records_table():
    return html.Section(
        [
            html.Div(
                [
                    html.H2("Records in the window", id="records-title"),
                    dcc.Dropdown(id=ids.TABLE_COLUMNS, options=[{"label": HEADERS[c], "value": c} for c in TABLE_COLUMNS], value=SHOWN, multi=True, clearable=False, className="column-chooser", placeholder="Columns"),
                    html.Button("Download CSV", id=ids.TABLE_EXPORT, className="button", n_clicks=0),
                    dcc.Store(id=ids.TABLE_VIEW),
                    dcc.Store(id=ids.TABLE_DOWNLOAD),
                ],
                className="table-head",
            ),
            dag.AgGrid(
                id=ids.TABLE,
                columnDefs=column_defs(SHOWN),
                rowModelType="infinite",
                getRowId="params.data.key",
                # AG Grid's text filter (every cell is text, dates too), applied on the server.
                defaultColDef={"sortable": True, "filter": "agTextColumnFilter", "resizable": True},
                dashGridOptions={
                    # Selection is driven by the page's selection (see components/selection.py):
                    # rows show it, a click on a row changes it.
                    "rowSelection": {"mode": "multiRow", "enableClickSelection": False, "checkboxes": False, "headerCheckbox": False},
                    "tooltipShowDelay": 300,
                    "animateRows": False,
                    "cacheBlockSize": table_page.BLOCK,
                    # One block request at a time: dash-ag-grid answers the newest request with
                    # each response, and Dash drops an older pending answer of the same callback,
                    # which would leave AG Grid waiting for it forever.
                    "maxConcurrentDatasourceRequests": 1,
                    "infiniteInitialRowCount": 1,
                    "maxBlocksInCache": 20,
                },
                eventListeners={"modelUpdated": ["flightmapSelectLoaded(params)"]},
                columnSize="responsiveSizeToFit",
                className="ag-theme-quartz records-grid",
                style={"height": "340px"},
            ),
        ],
        className="records",
        **{"aria-labelledby": "records-title"},  # a named region: screen readers list it among the page's landmarks
    )


# The window's rows in a sort and filter of the grid's, as positions in view.table's rows: a
# scroll asks for the next block of the same order. Keyed by the data, the window, the page's
# filters and the grid's models, so the same for every user (like view.py's filter masks).
ORDERS = 8
_orders: OrderedDict = OrderedDict()
_orders_lock = threading.Lock()


def ordered_rows(window, filter_values, sort_model=None, filter_model=None) -> tuple[pd.DataFrame, np.ndarray] | None:
    """(every table row of the dataset, positions of the rows shown in order); None before data.
    ValueError when a model is not one the table knows."""
    got = view.table(window, filter_values)
    if got is None:
        return None
    rows, inside = got
    table_page.clean_sort_model(sort_model, rows.columns)  # a bad model is refused even when the window is empty
    if not sort_model and not filter_model:
        return rows, inside  # the default order: nothing to cache
    key = json.dumps([list(window or []), record_filters.clean(filter_values), sort_model, filter_model], sort_keys=True, default=str)
    with _orders_lock:
        cached = _orders.get(key)
        if cached is not None and cached[0] is rows:
            _orders.move_to_end(key)
            return rows, cached[1]
    positions = inside[table_page.order(rows.iloc[inside], sort_model, filter_model)]
    with _orders_lock:
        _orders[key] = (rows, positions)
        while len(_orders) > ORDERS:
            _orders.popitem(last=False)
    return rows, positions


EMPTY_PAGE = {"rowData": [], "rowCount": 0}


@callback(Output(ids.TABLE, "getRowsResponse"), Input(ids.TABLE, "getRowsRequest"), State(ids.SLIDER, "value"), State(ids.FILTERS, "data"), prevent_initial_call=True)
def table_page_rows(request, window, filter_values):
    """One block of rows. Always an answer (never PreventUpdate): AG Grid waits for every block
    it asked for, and dash-ag-grid has one request at a time (see maxConcurrentDatasourceRequests)."""
    request = request or {}
    try:
        got = ordered_rows(window, filter_values, request.get("sortModel"), request.get("filterModel"))
        if got is None:
            return EMPTY_PAGE
        return table_page.page(*got, request.get("startRow", 0), request.get("endRow", table_page.BLOCK))
    except ValueError:
        return EMPTY_PAGE


# A new window, new filters or new data: the grid drops its blocks and asks for the first one
# again; the change itself sends no rows.
clientside_callback(
    ClientsideFunction("flightmapTable", "refresh"),
    Output(ids.TABLE_VIEW, "data"),
    Input(ids.SLIDER, "value"), Input(ids.FILTERS, "data"), Input(ids.DATA_VERSION, "data"),
    prevent_initial_call=True,
)

clientside_callback(ClientsideFunction("flightmapTable", "select"), Output(ids.TABLE, "selectedRows"), Input(ids.SELECTION, "data"))

clientside_callback(
    ClientsideFunction("flightmapTable", "download"),
    Output(ids.TABLE_DOWNLOAD, "data"),
    Input(ids.TABLE_EXPORT, "n_clicks"), State(ids.SLIDER, "value"), State(ids.FILTERS, "data"),
    prevent_initial_call=True,
)


@callback(Output(ids.TABLE, "columnDefs"), Input(ids.TABLE_COLUMNS, "value"), prevent_initial_call=True)
def choose_columns(shown):
    return column_defs(shown or SHOWN)


CSV_NAME = "flight-records.csv"


def records_csv():
    """GET /records.csv?window=FIRST,LAST&filters={...}&sort=[...]&filter={...}&columns=a,b: every
    row of the window and filters, in the grid's sort and filter and shown columns, streamed as
    CSV with formula cells neutralised. Nothing here writes, and nothing names a path."""
    args = flask.request.args
    try:
        window = [int(v) for v in args.get("window", "").split(",")]
        if len(window) != 2:
            raise ValueError("a window is two day numbers")
        filter_values = table_page.parse_json_arg(args.get("filters"), {}) or {}
        if not isinstance(filter_values, dict):
            raise ValueError("filters are an object")
        columns = [c for c in args.get("columns", "").split(",") if c] or list(SHOWN)
        if any(c not in TABLE_COLUMNS for c in columns):
            raise ValueError("an unknown column")
        got = ordered_rows(window, filter_values, table_page.parse_json_arg(args.get("sort"), []), table_page.parse_json_arg(args.get("filter"), {}))
    except ValueError as exc:
        return flask.Response(f"Not a table view: {exc}.\n", status=400, mimetype="text/plain")
    rows, positions = got if got is not None else (pd.DataFrame(columns=TABLE_COLUMNS), np.zeros(0, dtype="int64"))
    response = flask.Response(table_page.csv_chunks(rows, positions, columns, HEADERS), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{CSV_NAME}"'
    response.headers["Cache-Control"] = "no-store"
    return response
