"""Bring your own data: drop a table of flights or events, correct the column matching, see every
row's problems and places, fix unknown places, then view it for this session or merge it.

The server keeps nothing between requests: the uploaded file stays in the browser (a memory
store) and every step re-reads it, so any gunicorn worker can answer any step.
"""
from __future__ import annotations

import base64
import json
import logging

import dash
import dash_ag_grid as dag
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids, jobs
from components.state import store
from flightmap import cells, importer
from flightmap.geocode import Candidate
from flightmap.loader import DataValidationError

log = logging.getLogger(__name__)
NOT_IN_FILE = "__none__"
# Columns the user may fill with one value for every row when the file has no such column.
CONSTANT_CHOICES = ("confidence", "source_ids", "kind", "operator", "aircraft_type", "registration", "callsign", "category", "aircraft", "summary")
PREVIEW_COLUMNS = [
    {"field": "row", "headerName": "Row", "width": 64},
    {"field": "status", "headerName": "Status", "width": 100},
    {"field": "id", "headerName": "id", "width": 110},
    {"field": "date", "headerName": "Date", "width": 110},
    {"field": "what", "headerName": "Route / title", "width": 150},
    {"field": "problems", "headerName": "Problems", "flex": 1, "minWidth": 200, "wrapText": True, "autoHeight": True, "cellClass": "import-problems"},
    {"field": "places", "headerName": "Places", "flex": 1, "minWidth": 200, "wrapText": True, "autoHeight": True},
]


def create_import_panel():
    limit_mb = importer.MAX_UPLOAD_BYTES / 1048576
    return html.Div(
        [
            dcc.Store(id=ids.IMPORT_FILE),
            dcc.Store(id=ids.IMPORT_ASKED),
            dcc.Store(id=ids.SESSION_LAYER),
            html.Div(
                [
                    html.H2("Import flights or events", id="import-title"),
                    html.Button("Close (Esc)", id=ids.IMPORT_CLOSE, className="button small", n_clicks=0),
                ],
                className="import-head",
            ),
            dcc.Upload(
                id=ids.IMPORT_UPLOAD,
                children=html.Div([html.B("Drop a file here"), f" or click to choose one — CSV (UTF-8), Excel .xlsx or JSON, up to {limit_mb:g} MB and {importer.MAX_ROWS:,} rows; "
                                   "or a flown track: KML, GPX, GeoJSON, ADS-B Exchange / tar1090 trace, OpenSky or flight-tracking-site CSV"]),
                className="import-drop", multiple=False,
            ),
            html.Div(id=ids.IMPORT_MESSAGE, className="import-message", role="status"),
            html.Div(
                [
                    html.Label(["The file holds ", dcc.RadioItems(id=ids.IMPORT_TABLE, options=[{"label": f" {n} ", "value": n} for n in importer.IMPORTABLE], value="flights", inline=True)]),
                    html.H3("Columns"),
                    html.P("Each column of ours and the file's column it comes from. Correct the matching if needed; nothing is loaded until you choose below.", className="hint"),
                    html.Div(id=ids.IMPORT_MAPPING, className="import-mapping"),
                    html.Div(
                        [html.P("Some dates read two ways (03/04/2023: 3 April or 4 March?). The file's dates are:", className="hint"),
                         dcc.RadioItems(id=ids.IMPORT_DATE_ORDER, options=[{"label": " day first (03/04/2023 = 3 April)", "value": cells.DAY_FIRST},
                                                                           {"label": " month first (03/04/2023 = 4 March)", "value": cells.MONTH_FIRST}],
                                        value=None, inline=False)],
                        id=ids.IMPORT_DATE_ORDER_BOX, className="import-date-order", hidden=True,
                    ),
                    html.Div(id=ids.IMPORT_FIXES, className="import-fixes"),
                    html.H3("Rows"),
                    html.Div([html.Span(id=ids.IMPORT_PROGRESS, className="hint"),
                              html.Button("Cancel", id=ids.IMPORT_CANCEL, className="button small", n_clicks=0, type="button", hidden=True,
                                          title="Stop checking this file")],
                             className="import-progress", role="status"),
                    html.Div(id=ids.IMPORT_SUMMARY, className="import-summary"),
                    dag.AgGrid(id=ids.IMPORT_PREVIEW, columnDefs=PREVIEW_COLUMNS, rowData=[], defaultColDef={"resizable": True, "sortable": True},
                               dashGridOptions={"domLayout": "normal"}, style={"height": "300px"}, className="ag-theme-alpine"),
                    html.Div(
                        [
                            html.Button("Show on the map for this session", id=ids.IMPORT_SHOW, className="button", n_clicks=0, disabled=True,
                                        title="An extra layer in this browser tab only; nothing is saved"),
                            html.Button("Merge into the dataset", id=ids.IMPORT_MERGE, className="button primary", n_clicks=0, disabled=True,
                                        title="Add the rows to the dataset's files (a backup of each file is kept)"),
                            html.Button("Remove the session layer", id=ids.IMPORT_CLEAR_LAYER, className="button", n_clicks=0),
                        ],
                        className="import-actions",
                    ),
                    html.P(id=ids.IMPORT_MERGE_WHY, className="import-merge-why", role="status"),
                ],
                id=ids.IMPORT_BODY, hidden=True,
            ),
            create_track_body(),
        ],
        # A modal dialog: assets/flightmap.js moves the focus in, keeps Tab inside, closes on Esc.
        id=ids.IMPORT_PANEL, className="import-panel", hidden=True, role="dialog", **{"aria-modal": "true", "aria-labelledby": "import-title"},
    )


def create_track_body():
    """The form for a flown track: its preview line, where it comes from, how far it is trusted,
    the legs it backs, and Merge."""
    return html.Div(
        [
            html.H3("Flown track"),
            html.P(id=ids.IMPORT_TRACK_LINE, className="import-track-line"),
            html.Div([
                html.Label(["Source (sources.csv) *", dcc.Dropdown(id=ids.IMPORT_TRACK_SOURCE, options=[], placeholder="where the track comes from", className="import-constant")]),
                html.Label(["Confidence *", dcc.Dropdown(id=ids.IMPORT_TRACK_CONFIDENCE, options=list(importer.schema.CONFIDENCES), placeholder="how far it is trusted",
                                                         className="import-constant")]),
                html.Label(["Flights it backs", dcc.Dropdown(id=ids.IMPORT_TRACK_FLIGHTS, options=[], multi=True, placeholder="ids of flights.csv (optional)",
                                                             className="import-constant")]),
            ], className="import-track-form"),
            html.Div([
                html.H4("Legs found in the track"),
                html.P("Take-offs and landings found in the points, with the nearest airports. Tick the legs to add to flights.csv as dated "
                       "flights linked to the track; nothing is added unticked.", className="hint"),
                dcc.Checklist(id=ids.IMPORT_TRACK_LEGS, options=[], value=[], className="import-track-legs", labelStyle={"display": "block"}),
            ], className="import-track-legs-box"),
            html.Div(html.Button("Merge the track into the dataset", id=ids.IMPORT_TRACK_MERGE, className="button primary", n_clicks=0, disabled=True,
                                 title="Save the track as tracks/<id>.csv with a row of tracks.csv"), className="import-actions"),
            html.P(id=ids.IMPORT_TRACK_WHY, className="import-merge-why", role="status"),
        ],
        id=ids.IMPORT_TRACK_BODY, hidden=True, className="import-track",
    )


@callback(Output(ids.IMPORT_PANEL, "hidden"), Input(ids.IMPORT_OPEN, "n_clicks"), Input(ids.IMPORT_CLOSE, "n_clicks"), State(ids.IMPORT_PANEL, "hidden"), prevent_initial_call=True)
def toggle_panel(_open, _close, hidden):
    return True if ctx.triggered_id == ids.IMPORT_CLOSE else not hidden


def _upload(file: dict | None) -> importer.Upload | None:
    if not file:
        return None
    content = base64.b64decode(file["content"].split(",", 1)[1])
    return importer.read_upload(content, file["name"])


@callback(
    Output(ids.IMPORT_FILE, "data"),
    Output(ids.IMPORT_TABLE, "value"),
    Output(ids.IMPORT_MESSAGE, "children"),
    Output(ids.IMPORT_BODY, "hidden"),
    Output(ids.IMPORT_DATE_ORDER, "value"),
    Input(ids.IMPORT_UPLOAD, "contents"),
    State(ids.IMPORT_UPLOAD, "filename"),
    prevent_initial_call=True,
)
def receive_file(contents, filename):
    """A new file: read it, guess what it holds; its dates' order is asked afresh."""
    if not contents:
        raise dash.exceptions.PreventUpdate
    file = {"name": filename or "upload", "content": contents}
    if _is_track(file):  # its own form (create_track_body); the table's body stays hidden
        return {**file, "track": True}, dash.no_update, [], True, None
    try:
        upload = _upload(file)
    except DataValidationError as exc:
        return None, dash.no_update, _problem_list(exc.problems, "The file cannot be read"), True, None
    table = importer.guess_table(upload.frame.columns)
    note = [html.P(f"{upload.name}: {len(upload.frame):,} rows, {len(upload.frame.columns)} columns; read as {table.name}.")]
    return file, table.name, note + [html.P(n, className="hint") for n in upload.notices], False, None


def _problem_list(problems, head: str):
    return html.Div([html.P(head + ":"), html.Ul([html.Li(str(p)) for p in problems])], className="import-error")


@callback(Output(ids.IMPORT_MAPPING, "children"), Input(ids.IMPORT_FILE, "data"), Input(ids.IMPORT_TABLE, "value"))
def show_mapping(file, table_name):
    upload = _safe_upload(file)
    if upload is None:
        return []
    table = importer.IMPORTABLE[table_name]
    guessed = importer.guess_mapping(upload.frame.columns, table, upload.frame)
    options = [{"label": "— not in the file —", "value": NOT_IN_FILE}] + [{"label": c, "value": c} for c in upload.frame.columns]
    snapshot = store().current()
    rows = []
    for column in table.columns:
        constant = None
        if column.name in CONSTANT_CHOICES:
            field_id = {"type": ids.IMPORT_CONSTANT, "column": column.name}
            if column.allowed:
                constant = dcc.Dropdown(id=field_id, options=list(column.allowed), placeholder="or one value for every row", clearable=True, className="import-constant")
            elif column.name == "source_ids":  # an id of the dataset, or a source's name (a new source, as on the command line)
                constant = html.Div([
                    dcc.Input(id=field_id, type="text", list="import-source-ids", placeholder="or one source for every row: an id or a name",
                              debounce=True, className="import-constant"),
                    html.Datalist(id="import-source-ids", children=[html.Option(value=i) for i in sorted(snapshot.dataset.sources["id"])]),
                ])
            else:
                constant = dcc.Input(id=field_id, type="text", placeholder="or one value for every row", debounce=True, className="import-constant")
        rows.append(html.Div(
            [
                html.Span(column.name + (" *" if column.required else ""), className="import-ours", title=column.hint),
                dcc.Dropdown(id={"type": ids.IMPORT_COLUMN, "column": column.name}, options=options, value=guessed.get(column.name, NOT_IN_FILE), clearable=False, className="import-theirs"),
                constant if constant is not None else html.Span(),  # a component with no children is falsy
            ],
            className="import-row",
        ))
    return rows


def _content(file: dict) -> bytes:
    return base64.b64decode(file["content"].split(",", 1)[1])


def _is_track(file: dict | None) -> bool:
    if not file:
        return False
    if "track" in file:
        return bool(file["track"])
    return importer.is_track_file(_content(file), file["name"])


def _safe_upload(file):
    if _is_track(file):
        return None
    try:
        return _upload(file)
    except DataValidationError:
        return None


def _controls(kind: str) -> dict:
    """{column or place name: value} of the callback's pattern-matching controls of one kind
    (Dash hands Inputs before States, so they are read by id, not by position)."""
    values = {}
    for group in (*ctx.inputs_list, *ctx.states_list):
        for item in group if isinstance(group, list) else [group]:
            ident = item.get("id")
            if isinstance(ident, dict) and ident.get("type") == kind and item.get("property") == "value":
                values[ident.get("column") or ident.get("name")] = item.get("value")
    return values


def _choices() -> tuple[dict, dict]:
    mapping = {column: value for column, value in _controls(ids.IMPORT_COLUMN).items() if value and value != NOT_IN_FILE}
    constants = {column: value for column, value in _controls(ids.IMPORT_CONSTANT).items() if value not in (None, "")}
    return mapping, constants


def _fixes() -> dict[str, dict]:
    """{place name: a picked candidate {"name", "lat", "lon", "icao", "country", "picked"} or
    typed {"lat", "lon"}} from the fix controls."""
    fixes = {}
    lats, lons = _controls(ids.IMPORT_LAT), _controls(ids.IMPORT_LON)
    for name, pick in _controls(ids.IMPORT_PICK).items():
        if pick:
            fixes[name] = json.loads(pick)
        elif lats.get(name) not in (None, "") or lons.get(name) not in (None, ""):
            fixes[name] = {"lat": lats.get(name), "lon": lons.get(name)}
    return fixes


def pick_options(hit) -> list[dict]:
    """The places a name may mean, as dropdown options whose value carries the place itself
    (any worker can read it back without looking anything up)."""
    places = ([Candidate(name=hit.name, lat=hit.lat, lon=hit.lon, icao=hit.icao, country=hit.country, method=hit.method)] if hit.resolved else []) + list(hit.candidates)
    options = []
    for place in places:
        label = place.label + (" — the guess drawn now" if hit.resolved and place is places[0] else "")
        value = {"name": place.name, "lat": place.lat, "lon": place.lon, "icao": place.icao, "country": place.country, "picked": place.label}
        options.append({"label": label, "value": json.dumps(value, ensure_ascii=False, sort_keys=True)})
    return options


MAPPING_INPUTS = [Input({"type": ids.IMPORT_COLUMN, "column": ALL}, "value"), Input({"type": ids.IMPORT_CONSTANT, "column": ALL}, "value"),
                  Input(ids.IMPORT_DATE_ORDER, "value")]
FIX_INPUTS = [Input({"type": kind, "name": ALL}, "value") for kind in (ids.IMPORT_PICK, ids.IMPORT_LAT, ids.IMPORT_LON)]


def _as_states(inputs):
    return [State(i.component_id, i.component_property) for i in inputs]


def _preview(file, table_name, fixes=None, progress=None):
    upload = _safe_upload(file)
    snapshot = store().current()
    mapping, constants = _choices()
    if upload is None or snapshot.dataset is None or not _controls(ids.IMPORT_COLUMN):
        return None
    return importer.prepare(upload, importer.IMPORTABLE[table_name], mapping, snapshot.dataset, constants, fixes, order=_date_order(), progress=progress)


def _date_order():
    """The day first / month first choice, read by id like the other controls (None if unset)."""
    for group in (*ctx.inputs_list, *ctx.states_list):
        for item in group if isinstance(group, list) else [group]:
            if item.get("id") == ids.IMPORT_DATE_ORDER:
                return item.get("value")
    return None


# Running jobs: the Cancel button shows, and stops the job (its process is killed).
JOB_RUNNING = [(Output(ids.IMPORT_CANCEL, "hidden"), False, True)]
JOB_CANCEL = [Input(ids.IMPORT_CANCEL, "n_clicks")]


# The preview is asked through one store, not by the controls themselves: the page numbers each
# real change of the file or the controls (the empty fix boxes that a preview draws are no change;
# as Inputs of the preview they started it a second time), and the number orders the jobs, so that
# the last change wins however fast the changes come (jobs.one_job, turn=).
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="previewAsked"),
    Output(ids.IMPORT_ASKED, "data"),
    Input(ids.IMPORT_FILE, "data"),
    *MAPPING_INPUTS,
    *FIX_INPUTS,
    State(ids.IMPORT_ASKED, "data"),
)


@callback(
    Output(ids.IMPORT_FIXES, "children"),
    Output(ids.IMPORT_PREVIEW, "rowData"),
    Output(ids.IMPORT_SUMMARY, "children"),
    Output(ids.IMPORT_SHOW, "disabled"),
    Output(ids.IMPORT_MERGE, "disabled"),
    Output(ids.IMPORT_MERGE_WHY, "children"),
    Output(ids.IMPORT_DATE_ORDER_BOX, "hidden"),
    Input(ids.IMPORT_ASKED, "data"),
    State(ids.IMPORT_FILE, "data"),
    *_as_states(MAPPING_INPUTS + FIX_INPUTS),
    State(ids.IMPORT_TABLE, "value"),
    State({"type": ids.IMPORT_PICK, "name": ALL}, "id"),
    State(ids.USER_ID, "data"),
    State(ids.DATA_VERSION, "data"),  # part of the job's key: a result computed on older data is never served
    # A job of the job store (components/jobs.py): a file of 5,000 unknown places takes ~30 s
    # the first time (its names are then cached), and no request may wait that long.
    background=True,
    running=JOB_RUNNING,
    progress=[Output(ids.IMPORT_PROGRESS, "children")],
    progress_default=[""],
    cancel=JOB_CANCEL,
    interval=500,
    prevent_initial_call=True,
)
def show_preview(set_progress, asked, file, *args):
    """The places to fix and the rows, from one check of the file (the same work serves both)."""
    table_name, shown = args[-4], args[-3]
    asked = asked or {}
    turn = (asked["page"], asked["seq"]) if asked.get("page") else None
    try:
        with jobs.one_job("checking a file", turn=turn):
            set_progress("Checking the rows…" if file else "")
            preview = _preview(file, table_name, _fixes(), progress=set_progress)
    except jobs.Superseded:  # a later change of this page is being checked: its answer is the one to show
        return (dash.no_update,) * 7
    except jobs.Busy as exc:
        return dash.no_update, dash.no_update, html.P(jobs.busy_message(str(exc)), className="import-error"), True, True, "", dash.no_update
    except jobs.TimeLimit:
        return [], [], html.P(jobs.limit_message("Checking the file"), className="import-error"), True, True, "", True
    set_progress("")
    if preview is None:
        return [], [], "", True, True, "", True
    return (fix_rows(preview, shown, set(_fixes()), bool(asked.get("byFixes"))), *preview_outputs(preview))


def fix_rows(preview, shown: list[dict], fixed: set[str] = frozenset(), by_fixes: bool = False):
    """The 'places to check or not found' controls: the places to fix and those the user fixed.
    No update when a fix itself changed or the same places are listed (what the user typed or
    picked is kept)."""
    if by_fixes:
        return dash.no_update
    places = {**{n: preview.places[n] for n in sorted(fixed) if n in preview.places}, **preview.to_fix}
    if not places:
        return []
    if sorted(places) == sorted(i["name"] for i in shown):
        return dash.no_update
    rows = []
    for name, hit in places.items():
        state = (f"placed at {hit.name} by a guess: {hit.note or 'check it'}" if hit.resolved
                 else "not found" + (f": {hit.note}" if hit.note else ""))
        options = pick_options(hit)
        rows.append(html.Div(
            [
                html.Span([html.B(name), html.Br(), html.Small(state, className="import-place-state")], className="import-place"),
                dcc.Dropdown(id={"type": ids.IMPORT_PICK, "name": name}, options=options, placeholder="pick the place meant" if options else "no close name",
                             className="import-pick", optionHeight=48),
                dcc.Input(id={"type": ids.IMPORT_LAT, "name": name}, type="number", placeholder="lat", min=-90, max=90, debounce=True, className="import-coordinate"),
                dcc.Input(id={"type": ids.IMPORT_LON, "name": name}, type="number", placeholder="lon", min=-180, max=180, debounce=True, className="import-coordinate"),
            ],
            className="import-row",
        ))
    return [html.H3("Places to check or not found"),
            html.P("Pick the place meant (or confirm the guess), or type its coordinates. A place already in the dataset gets the name as "
                   "an alias; another becomes a new row of places.csv when you merge. Nothing far from the data is drawn until you pick it.",
                   className="hint"), *rows]


def preview_outputs(preview):
    """The rows, the summary above them, the buttons' states, why Merge is off, the date-order box."""
    report = importer.row_report(preview)
    # Problems of the whole file (a required column with no value, dates that read two ways)
    # are not any one row's: they are said above the rows, and they are why Merge is off.
    whole_file = [p for p in preview.problems if p.row in (None, 1) and p.column]
    bad_rows = sum(1 for r in report if r["status"] not in ("ok", "check", "not placed"))
    summary = [html.P(f"{len(report):,} rows: {len(report) - bad_rows:,} ready, {bad_rows:,} with problems; "
                      f"{len(whole_file)} problem(s) of the whole file; "
                      f"{len(preview.unresolved)} place(s) not found, {len(preview.to_check)} placed by a guess to check."
                      + (" Ready to merge." if preview.ok else ""))]
    for place, more in preview.new_aliases.items():
        summary.append(html.P(f"{', '.join(more)}: will be added as {'an alias' if len(more) == 1 else 'aliases'} of {place} (one place, not a new one).", className="hint"))
    summary += [html.P(str(p), className="import-error") for p in whole_file]
    summary += [html.P(n, className="hint") for n in preview.notices]
    return report, summary, len(report) == bad_rows, not preview.ok, merge_why(preview, whole_file, bad_rows), not preview.ambiguous_dates


def merge_why(preview, whole_file: list, bad_rows: int) -> str:
    """Why Merge is off, in words ('' when it is on)."""
    if preview.ok:
        return ""
    reasons = [f"{p.column}: {p.message}" for p in whole_file[:3]]
    if bad_rows:
        reasons.append(f"{bad_rows:,} row(s) with problems (see the Problems column; fix them in the file or remove those rows)")
    other = [p for p in preview.problems if p.row is None and not p.column]
    reasons += [p.message for p in other[:2]]
    return "Merge is off until: " + "; ".join(reasons) + "." if reasons else "Merge is off: the file has problems listed above."


@callback(
    Output(ids.SESSION_LAYER, "data"),
    Output(ids.IMPORT_MESSAGE, "children", allow_duplicate=True),
    Input(ids.IMPORT_SHOW, "n_clicks"),
    Input(ids.IMPORT_CLEAR_LAYER, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.IMPORT_TABLE, "value"),
    *_as_states(MAPPING_INPUTS + FIX_INPUTS),
    State(ids.USER_ID, "data"),
    State(ids.DATA_VERSION, "data"),  # part of the job's key: a result computed on older data is never served
    background=True,
    running=JOB_RUNNING,
    cancel=JOB_CANCEL,
    interval=500,
    prevent_initial_call=True,
)
def show_for_session(_show, _clear, file, table_name, *_controls_values):
    if ctx.triggered_id == ids.IMPORT_CLEAR_LAYER:
        return None, "The session layer is removed."
    fixes = _fixes()
    try:
        with jobs.one_job("showing a file on the map"):
            preview = _preview(file, table_name, fixes)
    except jobs.Busy as exc:
        return dash.no_update, jobs.busy_message(str(exc))
    except jobs.TimeLimit:
        return dash.no_update, jobs.limit_message("Checking the file")
    if preview is None:
        raise dash.exceptions.PreventUpdate
    bad = {p.row for p in preview.problems}
    if None in bad:
        return dash.no_update, "The file has problems that concern every row: fix them first."
    good = preview.rows[[importer.spreadsheet_row(i) not in bad for i in preview.rows.index]]
    left_out = len(preview.rows) - len(good)
    layer = {"name": preview.name, "table": preview.table.name, "rows": good.to_dict("records"), "fixes": fixes}
    return layer, f"Showing {len(good):,} rows of {preview.name} on the map for this session only (nothing saved)" + (f"; {left_out} row(s) with problems left out." if left_out else ".")


@callback(
    Output(ids.IMPORT_MESSAGE, "children", allow_duplicate=True),
    Output(ids.IMPORT_FILE, "data", allow_duplicate=True),
    Output(ids.DATA_VERSION, "data", allow_duplicate=True),
    Input(ids.IMPORT_MERGE, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.IMPORT_TABLE, "value"),
    *_as_states(MAPPING_INPUTS + FIX_INPUTS),
    State(ids.USER_ID, "data"),
    State(ids.DATA_VERSION, "data"),  # part of the job's key: a result computed on older data is never served
    background=True,
    running=[(Output(ids.IMPORT_MERGE, "disabled"), True, True), *JOB_RUNNING],
    cancel=JOB_CANCEL,  # a merge cancelled before its save writes nothing; the save itself is atomic
    interval=500,
    prevent_initial_call=True,
)
def merge_into_dataset(_merge, file, table_name, *_controls_values):
    try:
        with jobs.one_job("merging a file"):
            preview = _preview(file, table_name, _fixes())
            snapshot = store().current()
            if preview is None:
                raise dash.exceptions.PreventUpdate
            added = f"Merged {len(preview.rows):,} rows of {preview.name} into {snapshot.dataset.label(preview.table.filename)}"
            if len(preview.new_places):
                added += f" and {len(preview.new_places)} place(s) into places.csv"
            if preview.new_aliases:
                added += f"; {sum(map(len, preview.new_aliases.values()))} name(s) added as aliases of places already there"
            return _merged(snapshot, preview, added)
    except jobs.Busy as exc:
        return html.Div(jobs.busy_message(str(exc)), className="import-error"), dash.no_update, dash.no_update
    except jobs.TimeLimit:
        return _merge_stopped()


def _merge_stopped() -> tuple:
    return (html.Div(jobs.limit_message("The merge") + " Saves are atomic: each file is as it was or wholly merged (reload the page to see).",
                     className="import-error"), dash.no_update, dash.no_update)


def _merged(snapshot, preview, done: str) -> tuple:
    """Merge a table's or a track's preview into the dataset: the page's message (`done` and the
    backups kept, or why nothing was written), the cleared file, and the new data version.
    Called inside the caller's job (jobs.one_job)."""
    from flightmap.saving import SaveError

    try:
        _texts, backups = importer.merge(snapshot.dataset.folder, preview)
    except DataValidationError as exc:
        return _problem_list(exc.problems, "Not merged; nothing was written"), dash.no_update, dash.no_update
    except SaveError as exc:
        return html.Div(f"Not saved: {exc}", className="import-error"), dash.no_update, dash.no_update
    kept = f" Previous version kept as {', '.join(str(b.name) for b in backups)}." if backups else ""
    return html.Div(done + "." + kept, className="import-done"), None, store().current().version


@callback(Output(ids.DATA_VERSION, "data", allow_duplicate=True), Input(ids.DATA_POLL, "n_intervals"), State(ids.DATA_VERSION, "data"), prevent_initial_call=True)
def notice_new_data(_tick, shown):
    """Every open page follows the files: after a save (here or anywhere) the next tick redraws."""
    version = store().current().version
    if version == shown:
        raise dash.exceptions.PreventUpdate
    return version


# ----------------------------------------------------------------------------- a flown track


@callback(
    Output(ids.IMPORT_TRACK_BODY, "hidden"),
    Output(ids.IMPORT_TRACK_SOURCE, "options"),
    Output(ids.IMPORT_TRACK_FLIGHTS, "options"),
    Output(ids.IMPORT_TRACK_LEGS, "options"),
    Output(ids.IMPORT_TRACK_LEGS, "value"),
    Input(ids.IMPORT_FILE, "data"),
)
def show_track_form(file):
    if not _is_track(file):
        return True, dash.no_update, dash.no_update, [], []
    dataset = store().current().dataset
    try:
        preview = _track_preview(file, None, None, None)
        legs = [{"label": " " + preview.leg_line(n), "value": n} for n in range(1, len(preview.legs) + 1)]
    except DataValidationError:  # said by show_track_preview
        legs = []
    return False, sorted(dataset.sources["id"]), sorted(dataset.flights["id"]), legs, []


def _track_preview(file, source, confidence, flights, legs=()):
    dataset = store().current().dataset
    constants = {"source_ids": source, "confidence": confidence, "flight_ids": ";".join(flights or []),
                 importer.LEGS_CHOICE: ",".join(str(n) for n in sorted(legs or []))}
    return importer.prepare_track(_content(file), file["name"], dataset, constants)


@callback(
    Output(ids.IMPORT_TRACK_LINE, "children"),
    Output(ids.IMPORT_TRACK_MERGE, "disabled"),
    Output(ids.IMPORT_TRACK_WHY, "children"),
    Input(ids.IMPORT_FILE, "data"),
    Input(ids.IMPORT_TRACK_SOURCE, "value"),
    Input(ids.IMPORT_TRACK_CONFIDENCE, "value"),
    Input(ids.IMPORT_TRACK_FLIGHTS, "value"),
    Input(ids.IMPORT_TRACK_LEGS, "value"),
)
def show_track_preview(file, source, confidence, flights, legs=()):
    """The preview line (points, first and last time, who) and why Merge is off."""
    if not _is_track(file):
        return "", True, ""
    try:
        preview = _track_preview(file, source, confidence, flights, legs)
    except DataValidationError as exc:
        return _problem_list(exc.problems, "The track cannot be read"), True, ""
    line = [html.Span(preview.line())] + [html.Span(n, className="hint") for n in preview.notices]
    why = "" if preview.ok else "Merge is off until: " + "; ".join(
        f"{p.column + ': ' if p.column else ''}{p.message}" for p in preview.problems[:4]) + "."
    return html.Div([html.P(part) for part in line]), not preview.ok, why


@callback(
    Output(ids.IMPORT_MESSAGE, "children", allow_duplicate=True),
    Output(ids.IMPORT_FILE, "data", allow_duplicate=True),
    Output(ids.DATA_VERSION, "data", allow_duplicate=True),
    Input(ids.IMPORT_TRACK_MERGE, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.IMPORT_TRACK_SOURCE, "value"),
    State(ids.IMPORT_TRACK_CONFIDENCE, "value"),
    State(ids.IMPORT_TRACK_FLIGHTS, "value"),
    State(ids.IMPORT_TRACK_LEGS, "value"),
    running=[(Output(ids.IMPORT_TRACK_MERGE, "disabled"), True, True)],
    prevent_initial_call=True,
)
def merge_track_into_dataset(_merge, file, source, confidence, flights, legs=()):
    if not _is_track(file):
        raise dash.exceptions.PreventUpdate
    snapshot = store().current()
    try:
        preview = _track_preview(file, source, confidence, flights, legs)
    except DataValidationError as exc:
        return _problem_list(exc.problems, "Not merged; nothing was written"), dash.no_update, dash.no_update
    done = (f"Merged the track {preview.row['id']} ({len(preview.track.points):,} points) of {preview.name} into "
            f"{snapshot.dataset.label(preview.path)} and {snapshot.dataset.label('tracks.csv')}"
            + (f", with {len(preview.accepted)} leg(s) derived from it added to {snapshot.dataset.label('flights.csv')}" if preview.accepted else ""))
    return _merged(snapshot, preview, done)
