"""The route map: its graph component and the callback that draws it."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc

from components import ids
from components.state import store
from flightmap.figures import basemap_style, map_figure

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


@callback(Output(ids.MAP, "figure"), Input(ids.DATA_VERSION, "data"))
def render_map(_version):
    located = store().current().located
    if located is None:
        raise dash.exceptions.PreventUpdate
    return map_figure(located.flights, located.events, store().current().dataset.sources, offline_style())
