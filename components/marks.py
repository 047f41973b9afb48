"""Marks in the window as a list of buttons: the keyboard's and the screen reader's way to every
route, airport and event on the map (the map's marks can only be pointed at). Enter or a click
on one selects it, and the evidence panel shows every record behind it."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from components import ids
from components.plain_list import draw_in_browser, item, plain_list
from components.state import store
from components.view import map_records
from flightmap.arcs import busiest, route_label
from flightmap.evidence import selection_from_click
from flightmap.figures import MAX_DRAWN_ROUTES, STYLE_NAMES, route_customdata

MAX_LISTED = 200  # a big window lists its busiest marks; the table holds every record


def create_marks():
    return html.Details(
        [
            html.Summary("Marks in the window", id="marks-summary"),
            html.P("Every route, airport and event on the map: press Enter on one to see its records and sources.", className="muted hint"),
            *plain_list(ids.MARKS, ids.MARK_ITEMS, ids.MARK_PICKED, className="marks"),
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
    Output(ids.MARK_ITEMS, "data"),
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
    return [item(label, key=key) for key, label in items], f"Marks in the window ({len(items)})"


draw_in_browser(ids.MARKS, ids.MARK_ITEMS)


@callback(
    Output(ids.SELECTION, "data", allow_duplicate=True),
    Input(ids.MARK_PICKED, "data"),
    prevent_initial_call=True,
)
def select_mark(picked):
    located = store().current().located
    key = (picked or {}).get("key")
    chosen = selection_from_click(key, located.flights) if key and located is not None else None
    if chosen is None:
        raise dash.exceptions.PreventUpdate
    return chosen
