"""The records in the window as a table (dash-ag-grid): sort, filter, choose columns, download
CSV of what is shown; a click on a row selects that record, and the rows behind whatever is
selected on the map are highlighted."""
from __future__ import annotations

import dash_ag_grid as dag
from dash import Input, Output, callback, dcc, html

from components import ids
from components.view import visible
from flightmap.evidence import TABLE_COLUMNS, table_rows

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
                ],
                className="table-head",
            ),
            dag.AgGrid(
                id=ids.TABLE,
                columnDefs=column_defs(SHOWN),
                rowData=[],
                getRowId="params.data.key",
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                dashGridOptions={
                    # Selection is driven by the page's selection (see components/selection.py):
                    # rows show it, a click on a row changes it.
                    "rowSelection": {"mode": "multiRow", "enableClickSelection": False, "checkboxes": False, "headerCheckbox": False},
                    "tooltipShowDelay": 300,
                    "animateRows": False,
                },
                # Text a spreadsheet would run as a formula is exported with a leading ' (issue 8):
                # a named function from assets/records_export.js, called without eval.
                csvExportParams={"fileName": "flight-records.csv", "allColumns": False, "processCellCallback": {"function": "flightmapNeutraliseCell(params)"}},
                columnSize="responsiveSizeToFit",
                className="ag-theme-quartz records-grid",
                style={"height": "340px"},
            ),
        ],
        className="records",
        **{"aria-labelledby": "records-title"},  # a named region: screen readers list it among the page's landmarks
    )


@callback(Output(ids.TABLE, "rowData"), Input(ids.SLIDER, "value"), Input(ids.FILTERS, "data"), Input(ids.DATA_VERSION, "data"))
def table_data(window, filter_values, _version):
    records = visible(window, filter_values)
    return [] if records is None else table_rows(*records)


@callback(Output(ids.TABLE, "selectedRows"), Input(ids.SELECTION, "data"), Input(ids.TABLE, "rowData"))
def table_selection(selection, _rows):
    return {"ids": list((selection or {}).get("ids") or [])}


@callback(Output(ids.TABLE, "columnDefs"), Input(ids.TABLE_COLUMNS, "value"), prevent_initial_call=True)
def choose_columns(shown):
    return column_defs(shown or SHOWN)


@callback(Output(ids.TABLE, "exportDataAsCsv"), Input(ids.TABLE_EXPORT, "n_clicks"), prevent_initial_call=True)
def export_csv(_clicks):
    return True
