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


# The window's rows in a sort and filter of the grid's, as positions (view.table): a scroll asks
# for the next block of the same order. Keyed by the data, the window, the page's filters and the
# grid's models, so the same for every user (like view.py's filter masks); only ints are kept.
ORDERS = 8
_orders: OrderedDict = OrderedDict()
_orders_lock = threading.Lock()


def ordered_rows(window, filter_values, sort_model=None, filter_model=None) -> tuple[view.Prepared, np.ndarray] | None:
    """(the prepared data, positions of the rows shown, in order); None before any good data.
    ValueError when a model is not one the table knows."""
    ready = view.prepared()
    if ready is None:
        return None
    inside = view.table(window, filter_values, ready)
    table_page.clean_sort_model(sort_model, TABLE_COLUMNS)  # a bad model is refused even when the window is empty
    if not sort_model and not filter_model:
        return ready, inside  # the default order: nothing to compute
    key = json.dumps([list(window or []), record_filters.clean(filter_values), sort_model, filter_model], sort_keys=True, default=str)
    with _orders_lock:
        cached = _orders.get(key)
        if cached is not None and cached[0] is ready:
            _orders.move_to_end(key)
            return ready, cached[1]
    # The text of the window's rows, to sort and filter: as costly as the window is long, once
    # per view (the old full-table callback paid this on every move).
    positions = inside[table_page.order(view.table_rows_at(ready, inside), sort_model, filter_model)]
    with _orders_lock:
        _orders[key] = (ready, positions)
        while len(_orders) > ORDERS:
            _orders.popitem(last=False)
    return ready, positions


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
        ready, positions = got
        first, last = table_page.page_bounds(request.get("startRow", 0), request.get("endRow", table_page.BLOCK), len(positions))
        return table_page.response(view.table_rows_at(ready, positions[first:last]), len(positions))
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
    if got is None:
        blocks = iter(())
    else:
        ready, positions = got
        step = table_page.CSV_CHUNK
        blocks = (view.table_rows_at(ready, positions[i:i + step]) for i in range(0, len(positions), step))
    response = flask.Response(table_page.csv_chunks(blocks, columns, HEADERS), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{CSV_NAME}"'
    response.headers["Cache-Control"] = "no-store"
    return response
