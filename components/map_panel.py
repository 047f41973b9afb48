"""The route map: its graph component and the callback that draws the window."""
from __future__ import annotations

import json
from functools import lru_cache

import dash
from dash import Input, Output, callback, dcc

from components import ids
from components.state import store
from components.view import dataset_view, map_records
from flightmap import filters as record_filters
from flightmap.figures import basemap_style, map_figure, session_traces

GRAPH_CONFIG = {
    "displaylogo": False,
    "scrollZoom": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "filename": "flight-routes", "scale": 2},
}


def create_map_panel():
    return dcc.Graph(id=ids.MAP, className="route-map", config=GRAPH_CONFIG, figure={"data": [], "layout": {}})


def offline_style() -> dict:
    return basemap_style(dash.get_asset_url("geo/countries.geojson"), dash.get_asset_url("geo/country-labels.geojson"))


@callback(
    Output(ids.MAP, "figure"),
    Input(ids.SLIDER, "value"),
    Input(ids.FILTERS, "data"),
    Input(ids.SELECTION, "data"),
    Input(ids.MAP_VIEW, "data"),
    Input(ids.URL_APPLIED, "data"),
    Input(ids.DATA_VERSION, "data"),
    Input(ids.SESSION_LAYER, "data"),
    # The first drawing waits until the link has been applied: drawing the default view and then
    # the link's at once made MapLibre add layers while its style was still loading.
    prevent_initial_call=True,
)
def render_map(window, filter_values, selection, map_view, _applied, _version, session_layer=None):
    snapshot = store().current()
    records = map_records(window, filter_values)  # pre-aggregated: costs what is drawn
    if records is None:
        raise dash.exceptions.PreventUpdate
    if map_view:  # a view named by the URL: apply it, then keep the reader's pan and zoom again
        view = {"center": {"lat": map_view["lat"], "lon": map_view["lon"]}, "zoom": map_view["zoom"]}
        revision = f"view-{map_view['lat']}-{map_view['lon']}-{map_view['zoom']}"
    else:  # framed on the whole dataset's routes, so the map holds still while the window moves
        view = dataset_view()
        revision = "map"
    empty = "No records match the filters in this window" if record_filters.is_active(filter_values) else "No records in this window"
    figure = map_figure(
        records.flights, records.events, snapshot.dataset.sources, offline_style(), selected=(selection or {}).get("ids"), view=view,
        empty_message=empty, routes=records.routes, airports=records.airports, flight_count=records.flight_count,
    )
    figure.add_traces(_session_traces(snapshot, session_layer, window))
    figure.update_layout(uirevision=revision)
    return figure


def _session_traces(snapshot, layer: dict | None, window) -> list:
    """An upload viewed for this session only (the browser holds it; nothing is saved)."""
    if not layer or not layer.get("rows"):
        return []
    from flightmap import timeline

    located = _located_layer(snapshot.version, json.dumps(layer, sort_keys=True))
    if located is None:
        return []
    flights, events = timeline.in_window(located.flights, located.events, timeline.from_day(window[0]), timeline.from_day(window[1]))
    return session_traces(flights, events)


@lru_cache(maxsize=8)
def _located_layer(version: str, layer_json: str):
    """The layer checked and placed once per data version, not again at every slider move
    (the browser sends the same rows with each redraw)."""
    from flightmap.importer import locate_session
    from flightmap.loader import DataValidationError

    layer = json.loads(layer_json)
    try:
        return locate_session(store().current().dataset, layer["table"], layer["rows"], layer.get("fixes"))
    except (DataValidationError, KeyError, ValueError):  # rows checked against older data: show none rather than fail
        return None
