"""The route map: its graph component and the callback that draws the window."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc

from components import ids
from components.state import store
from components.view import visible
from flightmap import filters as record_filters
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


@callback(
    Output(ids.MAP, "figure"),
    Input(ids.SLIDER, "value"),
    Input(ids.FILTERS, "data"),
    Input(ids.SELECTION, "data"),
    Input(ids.MAP_VIEW, "data"),
    Input(ids.URL_APPLIED, "data"),
    Input(ids.DATA_VERSION, "data"),
    # The first drawing waits until the link has been applied: drawing the default view and then
    # the link's at once made MapLibre add layers while its style was still loading.
    prevent_initial_call=True,
)
def render_map(window, filter_values, selection, map_view, _applied, _version):
    snapshot = store().current()
    records = visible(window, filter_values)
    if records is None:
        raise dash.exceptions.PreventUpdate
    flights, events = records
    if map_view:  # a view named by the URL: apply it, then keep the reader's pan and zoom again
        view = {"center": {"lat": map_view["lat"], "lon": map_view["lon"]}, "zoom": map_view["zoom"]}
        revision = f"view-{map_view['lat']}-{map_view['lon']}-{map_view['zoom']}"
    else:  # framed on the whole dataset's routes, so the map holds still while the window moves
        whole = snapshot.located.flights
        view = fit_view([*whole["origin_lat"], *whole["destination_lat"]], [*whole["origin_lon"], *whole["destination_lon"]])
        revision = "map"
    empty = "No records match the filters in this window" if record_filters.is_active(filter_values) else "No records in this window"
    figure = map_figure(flights, events, snapshot.dataset.sources, offline_style(), selected=(selection or {}).get("ids"), view=view, empty_message=empty)
    figure.update_layout(uirevision=revision)
    return figure
