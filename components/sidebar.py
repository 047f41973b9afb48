"""The panel beside the map: data status, what is not on the map, and how places were resolved."""
from __future__ import annotations

from dash import Input, Output, callback, html

from components import ids
from components.plain_list import draw_in_browser, item, plain_list, plain_table, row
from components.state import store
from components.view import visible
from flightmap.store import Snapshot


def _error_banner(snapshot: Snapshot):
    if snapshot.error is None:
        return None
    kept = (
        f"Showing the last good data, loaded {snapshot.loaded_at:%Y-%m-%d %H:%M} UTC."
        if snapshot.located is not None
        else "No data could be loaded yet."
    )
    return html.Div(
        [
            html.Strong("The data files have problems. "),
            html.Span(kept),
            html.Ul([html.Li(str(p)) for p in snapshot.error.problems[:50]]),
        ],
        id=ids.DATA_ERROR,
        className="alert alert-error",
        role="alert",
    )


def _counts(snapshot: Snapshot):
    flights, events = snapshot.located.flights, snapshot.located.events
    dated = flights[flights["kind"] == "dated"]
    return html.P(
        [
            html.Strong(f"{int(dated['flights_count'].fillna(1).sum())}"), " dated flights in ",
            html.Strong(f"{len(dated)}"), " records · ",
            html.Strong(f"{int((flights['kind'] == 'pattern').sum())}"), " reported-pattern legs · ",
            html.Strong(f"{len(events)}"), " events · ",
            html.Strong(f"{len(snapshot.dataset.sources)}"), " sources",
        ],
        id=ids.RECORD_COUNTS,
    )


def off_map_items(located, flights, events) -> list:
    """Everything in the window that has no line or marker, and every unresolved place."""
    items = [item(str(p), class_name="unresolved") for p in located.unresolved]
    for record in flights[flights["origin_lat"].isna() | flights["destination_lat"].isna()].itertuples():
        if record.origin and record.destination:
            continue  # an unresolved place, listed above
        where = record.destination_name or record.origin_name or "place not reported"
        end = "origin" if not record.origin else "destination"
        items.append(item(f"{record.summary} (no line: {end} not reported)", strong=f"{record.date_start:%d %b %Y} · {where}: "))
    for record in events[events["lat"].isna()].itertuples():
        if record.place:
            continue  # an unresolved place, listed above
        span = f"{record.date_start:%d %b %Y}" + (f" – {record.date_end:%d %b %Y}" if record.date_end != record.date_start else "")
        items.append(item(f"{record.summary} (place not reported)", strong=f"{span} · {record.title}: "))
    return items


def _off_map():
    return html.Details(
        [html.Summary("Not drawn on the map", id=ids.OFF_MAP_SUMMARY), *plain_list(ids.OFF_MAP, ids.OFF_MAP_ITEMS)],
        open=True,
        className="panel",
    )


draw_in_browser(ids.OFF_MAP, ids.OFF_MAP_ITEMS)


@callback(Output(ids.OFF_MAP_ITEMS, "data"), Output(ids.OFF_MAP_SUMMARY, "children"), Input(ids.SLIDER, "value"), Input(ids.FILTERS, "data"), Input(ids.DATA_VERSION, "data"))
def render_off_map(window, filter_values, _version):
    located = store().current().located
    records = visible(window, filter_values)
    if located is None or records is None:
        return [], "Not drawn on the map"
    items = off_map_items(located, *records)
    return items, f"Not drawn on the map ({len(items)} in the window)"


# Places listed on the page, flagged ones first (the rest: `python app.py places DATA`); drawn in
# the browser from data, as every Dash component costs time on each update of the page.
PLACE_ROWS = 50


def _resolution_table(snapshot: Snapshot):
    """The same lines as `python app.py places DIR`: each name as written, where and how it is placed."""
    from flightmap.towns import country_name

    order = {"unresolved": 0, "check": 1, "resolved": 2}
    table = snapshot.located.resolutions.assign(_order=lambda f: f["status"].map(order)).sort_values(["_order", "query"])
    rows = []
    for r in table.head(PLACE_ROWS).itertuples():
        placed = f"{r.name}{f' ({r.icao})' if r.icao else ''}{f', {country_name(r.country)}' if r.country else ''}" if r.method else "—"
        rows.append(row([r.query, placed, r.method, f"{r.score:.0f}" if r.method and r.score else "",
                         {"text": r.status, "class": f"place-status {r.status}"}], class_name=f"place-{r.status}"))
        if r.status != "resolved" and (r.note or r.candidates):
            lines = ["candidates: " + "; ".join(r.candidates[:4])] if r.candidates else []
            rows.append(row([{"text": r.note or "", "lines": lines, "span": 5, "class": "muted"}]))
    if len(table) > PLACE_ROWS:
        rest = table.iloc[PLACE_ROWS:]
        left_flagged = int((rest["status"] != "resolved").sum())
        rows.append(row([{"text": f"… and {len(rest):,} more places ({left_flagged:,} of them to check or not found): python app.py places DATA lists every one.",
                          "span": 5, "class": "muted"}]))
    flagged = int((table["status"] != "resolved").sum())
    return html.Details(
        [
            html.Summary(f"How places were resolved ({flagged} to check or not found)" if flagged else "How places were resolved"),
            *plain_table(ids.PLACES_BODY, ids.PLACES_ROWS, rows, ["as written", "placed at", "how", "sure", "status"]),
            html.P(f"Geocoding: {snapshot.geocoder_status}. The command line lists the same: python app.py places DATA.", className="muted"),
        ],
        open=bool(flagged),
        className="panel",
    )


draw_in_browser(ids.PLACES_BODY, ids.PLACES_ROWS, "fillTable")


LEGEND = html.Details(
    [
        html.Summary("Reading the map"),
        html.Ul(
            [
                html.Li([html.Span(className="swatch dated"), "solid blue: dated flights; wider = more flights"]),
                html.Li([html.Span(className="swatch pattern"), "dashed orange: a reported pattern over a date range, not dated flights"]),
                html.Li([html.Span(className="swatch disputed"), "dotted vermilion: sources disagree (see the conflict note)"]),
                html.Li("Routes follow great circles; chevrons point the way flown; the two directions of a route run side by side."),
                html.Li("★ sighting · ✖ crash or incident · ▲ military · ◆ political · ● context — drawn just beside their place; hover gives the true place."),
                html.Li("A record is shown when its dates overlap the window; a record with uncertain dates keeps its styling."),
            ]
        ),
    ],
    open=True,
    className="panel",
)


def create_sidebar(snapshot: Snapshot):
    if snapshot.located is None:  # the places table's ids stay in the layout for its callback
        hidden = html.Div(plain_table(ids.PLACES_BODY, ids.PLACES_ROWS, [], []), hidden=True)
        return html.Aside([_error_banner(snapshot), LEGEND, _off_map(), hidden], id=ids.DATA_STATUS, className="sidebar")
    return html.Aside(
        [_error_banner(snapshot), LEGEND, _off_map(), _counts(snapshot), _resolution_table(snapshot)],
        id=ids.DATA_STATUS,
        className="sidebar",
    )
