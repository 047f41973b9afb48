"""The route map: its graph component, the legend that switches its layers, and the callback
that draws the window, framed on what the window shows in the map's real size."""
from __future__ import annotations

import json
from functools import lru_cache

import dash
import pandas as pd
from dash import ALL, ClientsideFunction, Input, Output, callback, clientside_callback, dcc, html

from components import ids
from components.state import store
from components.view import dataset_view, map_records
from flightmap import filters as record_filters
from flightmap.evidence import selected_records
from flightmap.routes import place_codes
from flightmap.figures import (
    AIRPORT_COLOUR, DATED_COLOUR, DISPUTED_COLOUR, EVENT_COLOURS, EVENT_GLYPHS, PATTERN_COLOUR, TRACK_COLOUR, basemap_style, fit_view, guessed_places, map_figure,
    session_traces, text_scale,
)

GRAPH_CONFIG = {
    "displaylogo": False,
    "scrollZoom": True,
    # No lasso or box select (nothing uses them), and no "Share chart" upload in an offline tool.
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"],
    "showSendToCloud": False,
    "toImageButtonOptions": {"format": "png", "filename": "flight-routes", "scale": 2},
}
# Room kept free of content at each side of the map (px): the mode bar at the top right, a
# margin elsewhere so that labels beside points stay inside the frame.
# Airport names and event callouts are drawn to the right of their point: more room there.
FRAME_PADDING = {"t": 46, "r": 110, "b": 34, "l": 34}
FRAME_PADDING_SMALL = {"t": 40, "r": 64, "b": 24, "l": 20}
# A story step's subject may be one place: frame at least this many degrees round it.
SUBJECT_MIN_SPAN = 6.0
# key, label, how the swatch is drawn (class), colour
LAYERS = [
    ("dated", "dated flights", "line solid", DATED_COLOUR),
    ("pattern", "reported pattern", "line dashed", PATTERN_COLOUR),
    ("disputed", "disputed", "line dotted", DISPUTED_COLOUR),
    ("tracks", "flown tracks", "line solid thin", TRACK_COLOUR),
    ("airports", "airports", "dot", AIRPORT_COLOUR),
    *[(f"event-{c}", f"{EVENT_GLYPHS[c]} {c}", "dot", colour) for c, colour in EVENT_COLOURS.items()],
]


def create_map_panel():
    return dcc.Graph(id=ids.MAP, className="route-map", config=GRAPH_CONFIG, figure={"data": [], "layout": {}})


def create_legend(has_tracks: bool = True):
    """The map's legend under the map: each entry a toggle button for its layer (keyboard and
    touch reachable; Plotly's own legend is neither, and draws dashed lines as solid). The
    "flown tracks" entry shows only when the data holds a track (a toggle of nothing misleads)."""
    return html.Div(
        [
            dcc.Store(id=ids.MAP_SIZE),
            dcc.Store(id=ids.WINDOW_MODEL),
            dcc.Store(id=ids.LAYERS, data=[]),
            html.Span("Layers:", className="legend-title", id="legend-title"),
            *[
                html.Button(
                    [html.Span(className=f"legend-swatch {shape}", style={"--swatch": colour}), label],
                    id={"type": ids.LAYER_TOGGLE, "layer": key}, className="legend-item", n_clicks=0, type="button",
                    title=f"Show or hide {label} on the map", hidden=key == "tracks" and not has_tracks, **{"aria-pressed": "true"},
                )
                for key, label, shape, colour in LAYERS
            ],
        ],
        className="map-legend", role="group", **{"aria-labelledby": "legend-title"},
    )


# A click on a legend entry switches its layer; the buttons say whether their layer is shown.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="toggleLayers"),
    Output(ids.LAYERS, "data"),
    Output({"type": ids.LAYER_TOGGLE, "layer": ALL}, "aria-pressed"),
    Output({"type": ids.LAYER_TOGGLE, "layer": ALL}, "className"),
    Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "n_clicks"),
    prevent_initial_call=True,
)

@callback(Output({"type": ids.LAYER_TOGGLE, "layer": "tracks"}, "hidden"), Input(ids.DATA_VERSION, "data"), prevent_initial_call=True)
def show_tracks_toggle(_version):
    """A track imported (or the last one removed) shows (or hides) the tracks' legend entry."""
    return not has_tracks(store().current().dataset)


def has_tracks(dataset) -> bool:
    return dataset is not None and bool(len(dataset.tracks))


# The map's size in the page, measured once the link is applied (and again by a ResizeObserver in
# assets/flightmap.js when the box changes): the map is drawn after it, framed for that size.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="measureMap"),
    Output(ids.MAP_SIZE, "data"),
    Input(ids.URL_APPLIED, "data"),
    prevent_initial_call=True,
)


def frame_padding(size: dict | None) -> dict:
    small = bool(size) and min(size.get("w", 900), size.get("h", 600)) < 420
    padding = dict(FRAME_PADDING_SMALL if small else FRAME_PADDING)
    scale = text_scale((size or {}).get("vw"), (size or {}).get("vh"))
    return {side: round(px * scale) for side, px in padding.items()}


def frame_points(records, subject: tuple | None = None, track_points=None) -> tuple[list, list, float]:
    """Latitudes and longitudes the map frames: a story step's subject (its records' places) when
    there is one, else everything placed in the window (airports, leg ends, events); and the
    smallest span (degrees) to show round them."""
    if subject is not None:
        flights, events = subject
        lats = [*flights["origin_lat"], *flights["destination_lat"], *events["lat"]]
        lons = [*flights["origin_lon"], *flights["destination_lon"], *events["lon"]]
        if any(v == v and v is not None for v in lats):
            return lats, lons, SUBJECT_MIN_SPAN
    airports, events = records.airports, records.events
    lats = [*airports["lat"], *events["lat"]] if len(airports) or len(events) else []
    lons = [*airports["lon"], *events["lon"]] if len(airports) or len(events) else []
    if track_points is not None and len(track_points):  # a flown track of the window is framed too (its ends and extremes)
        for extreme in (track_points["lat"].idxmin(), track_points["lat"].idxmax(), track_points["lon"].idxmin(), track_points["lon"].idxmax()):
            lats.append(track_points.at[extreme, "lat"])
            lons.append(track_points.at[extreme, "lon"])
    return lats, lons, 0.5


def step_subject(selection: dict | None, airport_key: str | None = None):
    """The records a story step is about (its selection), as (flights, events); None without one."""
    located = store().current().located
    if located is None or not selection:
        return None
    flights, events = selected_records(selection, located.flights, located.events)
    if selection.get("kind") == "airport":  # an airport: its own place, not every leg's far end
        name = selection.get("key")
        ends = located.flights
        at_origin = ends[ends["origin_name"] == name]
        if len(at_origin):
            row = at_origin.iloc[[0]]
            return row.assign(destination_lat=row["origin_lat"], destination_lon=row["origin_lon"]), events.iloc[0:0]
        at_dest = ends[ends["destination_name"] == name]
        if len(at_dest):
            row = at_dest.iloc[[0]]
            return row.assign(origin_lat=row["destination_lat"], origin_lon=row["destination_lon"]), events.iloc[0:0]
    if flights.empty and events.empty:
        return None
    return flights, events


def offline_style() -> dict:
    return basemap_style(dash.get_asset_url("geo/countries.geojson"), dash.get_asset_url("geo/country-labels.geojson"))


@callback(
    Output(ids.MAP, "figure"),
    Input(ids.SLIDER, "value"),
    Input(ids.FILTERS, "data"),
    Input(ids.SELECTION, "data"),
    Input(ids.MAP_VIEW, "data"),
    # The map's size arrives once the link has been applied (measureMap): the first drawing waits
    # for it, as drawing the default view and then the link's at once made MapLibre add layers
    # while its style was still loading.
    Input(ids.MAP_SIZE, "data"),
    Input(ids.DATA_VERSION, "data"),
    Input(ids.SESSION_LAYER, "data"),
    Input(ids.STEP_INFO, "data"),
    Input(ids.LAYERS, "data"),
    # While playback runs the browser draws the map (assets/window_map.js) and the slider's value
    # follows once a second for the rest of the page; the map is drawn here when playback stops.
    Input(ids.TICK, "disabled"),
    prevent_initial_call=True,
)
def render_map(window, filter_values, selection, map_view, size, _version, session_layer=None, step=None, hidden=None, paused=True):
    if paused is False:
        raise dash.exceptions.PreventUpdate
    snapshot = store().current()
    records = map_records(window, filter_values)  # pre-aggregated: costs what is drawn
    if records is None:
        raise dash.exceptions.PreventUpdate
    size = size or {}
    if map_view:  # a view named by the URL or the story step: apply it, then keep the reader's pan and zoom again
        view = {"center": {"lat": map_view["lat"], "lon": map_view["lon"]}, "zoom": map_view["zoom"]}
        revision = f"view-{map_view['lat']}-{map_view['lon']}-{map_view['zoom']}"
    else:
        # Framed on what the window shows (a story step: on its subject), in the map's real size,
        # with room for what is drawn over it. The reader's pan and zoom are kept until the frame
        # changes (new places in the window, another step, another size).
        subject = step_subject(selection) if step else None
        shown_tracks = None
        if "tracks" not in (hidden or ()) and len(snapshot.dataset.track_points):
            from flightmap.figures import in_track_window

            shown_tracks = in_track_window(snapshot.dataset.track_points, *(track_window(window) or (None, None)))
        lats, lons, min_span = frame_points(records, subject, shown_tracks)
        if lats:
            view = fit_view(lats, lons, size.get("w") or 900, size.get("h") or 600, frame_padding(size), max_zoom=8, min_span_deg=min_span)
        else:
            view = dataset_view()
        revision = f"frame-{view['center']['lat']}-{view['center']['lon']}-{view['zoom']}"
    empty = "No records match the filters in this window" if record_filters.is_active(filter_values) else "No records in this window"
    figure = map_figure(
        records.flights, records.events, snapshot.dataset.sources, offline_style(), selected=(selection or {}).get("ids"), view=view,
        empty_message=empty, routes=records.routes, airports=records.airports, flight_count=records.flight_count,
        scale=text_scale(size.get("vw"), size.get("vh")), hidden=hidden or (), guesses=_guesses(snapshot.version),
        codes=_codes(snapshot.version),
        tracks=snapshot.dataset.tracks, track_points=snapshot.dataset.track_points, window=track_window(window), width_px=size.get("w"),
    )
    figure.add_traces(_session_traces(snapshot, session_layer, window))
    # The size the frame was fitted for: the page (and its tests) can tell a frame is current.
    # ...and the window it shows: the browser's own drawing of a dragged or played window
    # (assets/flightmap.js) gives way to this figure once it shows the same window.
    figure.update_layout(uirevision=revision, meta={"frame": {"w": size.get("w"), "h": size.get("h")}, "window": list(window)})
    return figure


@callback(Output(ids.WINDOW_MODEL, "data"), Input(ids.DATA_VERSION, "data"), Input(ids.FILTERS, "data"))
def send_window_model(_version, filter_values):
    """Once per data and filters: what the browser needs to redraw the map for any window while
    a handle is dragged or playback runs (the server is then asked only when the window settles)."""
    snapshot = store().current()
    if snapshot.located is None:
        raise dash.exceptions.PreventUpdate
    return _window_model(snapshot.version, json.dumps(record_filters.clean(filter_values), sort_keys=True))


# The browser keeps the model (and the legend's hidden layers) for its own drawing of a window.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="windowModel"),
    Output(ids.WINDOW_MODEL, "clear_data"),  # never changed
    Input(ids.WINDOW_MODEL, "data"),
    Input(ids.LAYERS, "data"),
)

# The slider's value settled (released, typed, a link, playback's sync): the browser's drawing
# of the window gives way to the server's figure once that shows the same window.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="windowSettled"),
    Output(ids.MAP, "className"),  # never changed
    Input(ids.SLIDER, "value"),
    prevent_initial_call=True,
)


@lru_cache(maxsize=8)
def _window_model(version: str, filters_json: str) -> dict:
    from components.view import prepared
    from flightmap import window_model

    ready = prepared()
    keep_flights, keep_events = ready.filter_masks(json.loads(filters_json))
    model = window_model.build(ready.routes, ready.flight_start, ready.flight_end, keep_flights, ready.located.events,
                               ready.event_start, ready.event_end, keep_events, codes=_codes(version))
    return window_model.to_json(model, f"{version}|{filters_json}")


def track_window(window) -> tuple | None:
    """The slider's days [first, last] as the UTC span a track's points are cut to: from the first
    day's midnight to the end of the last day (the day-based overlap rule of the legs)."""
    from flightmap import timeline

    if not window:
        return None
    return timeline.from_day(window[0]), timeline.from_day(window[1]) + pd.Timedelta(days=1)


@lru_cache(maxsize=4)
def _codes(version: str) -> dict:
    """Long place names' short labels (the code the data wrote for them); once per version."""
    return place_codes(store().current().located.resolutions)


@lru_cache(maxsize=4)
def _guesses(version: str):
    """The dataset's places drawn by a guess (the window is cut in map_figure); once per version."""
    located = store().current().located
    return guessed_places(located.flights, located.events)


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
