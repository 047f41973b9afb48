"""The route map: its graph component and the callback that draws the window."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc

from components import ids
from components.state import store
from flightmap import timeline
from flightmap.figures import basemap_style, fit_view, map_figure

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


@callback(Output(ids.MAP, "figure"), Input(ids.SLIDER, "value"), Input(ids.SELECTION, "data"), Input(ids.DATA_VERSION, "data"))
def render_map(window, selection, _version):
    snapshot = store().current()
    located = snapshot.located
    if located is None:
        raise dash.exceptions.PreventUpdate
    flights, events = timeline.in_window(located.flights, located.events, timeline.from_day(window[0]), timeline.from_day(window[1]))
    # Framed on the whole dataset's routes, so the map holds still while the window moves.
    whole = located.flights
    view = fit_view([*whole["origin_lat"], *whole["destination_lat"]], [*whole["origin_lon"], *whole["destination_lon"]])
    return map_figure(flights, events, snapshot.dataset.sources, offline_style(), selected=(selection or {}).get("ids"), view=view)
