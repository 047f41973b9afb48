"""Marks in the window as a list of buttons: the keyboard's and the screen reader's way to every
route, airport and event on the map (the map's marks can only be pointed at). Enter or a click
on one selects it, and the evidence panel shows every record behind it."""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, callback, ctx, html

from components import ids
from components.state import store
from components.view import map_records
from flightmap.arcs import busiest, route_label
from flightmap.evidence import selection_from_click
from flightmap.figures import MAX_DRAWN_ROUTES, STYLE_NAMES, route_customdata

MARK = "mark"  # pattern-matching: {"type": MARK, "key": the mark's customdata on the map}
MAX_LISTED = 200  # a big window lists its busiest marks; the table holds every record


def create_marks():
    return html.Details(
        [
            html.Summary("Marks in the window", id="marks-summary"),
            html.P("Every route, airport and event on the map: press Enter on one to see its records and sources.", className="muted hint"),
            html.Ul(id=ids.MARKS, className="marks"),
        ],
        className="panel marks-panel",
    )


def mark_items(records) -> list[tuple[str, str]]:
    """(customdata, label) of each mark the map draws for these records: routes, airports, events."""
    items = []
    for route in busiest(records.routes, MAX_DRAWN_ROUTES).itertuples():
        items.append((route_customdata(route), f"Route {route.origin_name} → {route.destination_name}: {route_label(route)}, {STYLE_NAMES[route.style]} · {route.records} record{'s' if route.records != 1 else ''}"))
    for airport in records.airports.sort_values("records", ascending=False).itertuples():
        items.append((f"airport|{airport.name}", f"Airport {airport.name} · {airport.records} record{'s' if airport.records != 1 else ''}"))
    events = records.events.dropna(subset=["lat", "lon"]).sort_values(["date_start", "id"])
    for event in events.itertuples():
        items.append((f"event|{event.id}", f"Event {event.date_start:%d %b %Y}: {event.title} ({event.category}, {event.place_name or event.place})"))
    return items[:MAX_LISTED]


@callback(
    Output(ids.MARKS, "children"),
    Output("marks-summary", "children"),
    Input(ids.SLIDER, "value"),
    Input(ids.FILTERS, "data"),
    Input(ids.DATA_VERSION, "data"),
)
def render_marks(window, filter_values, _version):
    records = map_records(window, filter_values) if window else None
    if records is None:
        return [], "Marks in the window"
    items = mark_items(records)
    buttons = [html.Li(html.Button(label, id={"type": MARK, "key": key}, className="mark-item", n_clicks=0, type="button")) for key, label in items]
    return buttons, f"Marks in the window ({len(items)})"


@callback(
    Output(ids.SELECTION, "data", allow_duplicate=True),
    Input({"type": MARK, "key": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def select_mark(clicks):
    trigger = ctx.triggered_id
    if not trigger or not any(clicks or []) or not ctx.triggered[0].get("value"):
        raise dash.exceptions.PreventUpdate  # the list was redrawn, nothing was pressed
    located = store().current().located
    chosen = selection_from_click(trigger["key"], located.flights) if located is not None else None
    if chosen is None:
        raise dash.exceptions.PreventUpdate
    return chosen
