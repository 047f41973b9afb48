"""The panel beside the map: data status, what is not on the map, and how places were resolved."""
from __future__ import annotations

from dash import html

from components import ids
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


def _off_map(snapshot: Snapshot):
    located = snapshot.located
    items = [html.Li(str(p), className="unresolved") for p in located.unresolved]
    flights = located.flights
    for row in flights[flights["origin_lat"].isna() | flights["destination_lat"].isna()].itertuples():
        if row.origin and row.destination:
            continue  # an unresolved place, listed above
        where = row.destination_name or row.origin_name or "place not reported"
        end = "origin" if not row.origin else "destination"
        items.append(html.Li([html.Strong(f"{row.date_start:%d %b %Y} · {where}: "), f"{row.summary} (no line: {end} not reported)"]))
    events = located.events
    for row in events[events["lat"].isna()].itertuples():
        if row.place:
            continue  # an unresolved place, listed above
        span = f"{row.date_start:%d %b %Y}" + (f" – {row.date_end:%d %b %Y}" if row.date_end != row.date_start else "")
        items.append(html.Li([html.Strong(f"{span} · {row.title}: "), f"{row.summary} (place not reported)"]))
    return html.Details(
        [html.Summary(f"Not drawn on the map ({len(items)})"), html.Ul(items, id=ids.OFF_MAP)],
        open=True,
        className="panel",
    )


def _resolution_table(snapshot: Snapshot):
    rows = [
        html.Tr([html.Td(r.query), html.Td(r.name or "—"), html.Td(r.method), html.Td(f"{r.score:.0f}" if r.score else "")])
        for r in snapshot.located.resolutions.sort_values("query").itertuples()
    ]
    return html.Details(
        [
            html.Summary("How places were resolved"),
            html.Table([html.Thead(html.Tr([html.Th("as written"), html.Th("placed at"), html.Th("how"), html.Th("sure")])), html.Tbody(rows)]),
            html.P(f"Geocoding: {snapshot.geocoder_status}.", className="muted"),
        ],
        className="panel",
    )


LEGEND = html.Details(
    [
        html.Summary("Reading the map"),
        html.Ul(
            [
                html.Li([html.Span(className="swatch dated"), "solid blue: a dated flight"]),
                html.Li([html.Span(className="swatch pattern"), "dashed orange: a reported pattern over a date range, not dated flights"]),
                html.Li([html.Span(className="swatch disputed"), "vermilion: sources disagree (see the conflict note)"]),
                html.Li("Routes follow great circles. Hover any line, airport or event for its summary, confidence and sources."),
            ]
        ),
    ],
    open=True,
    className="panel",
)


def create_sidebar(snapshot: Snapshot):
    if snapshot.located is None:
        return html.Aside([_error_banner(snapshot)], id=ids.DATA_STATUS, className="sidebar")
    return html.Aside(
        [_error_banner(snapshot), _counts(snapshot), LEGEND, _off_map(snapshot), _resolution_table(snapshot)],
        id=ids.DATA_STATUS,
        className="sidebar",
    )
