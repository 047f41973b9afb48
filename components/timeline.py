"""The timeline under the map: the window slider, exact dates, the strip of flights and events,
and playback. Playback and arrow keys run in the browser (assets/flightmap.js): playback's frames
and a dragged handle redraw the map there (assets/window_map.js); the server draws the window once
it settles (while playback runs, the slider follows once a second for the rest of the page).
"""
from __future__ import annotations

from html import escape as html_escape

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids
from components.state import store
from components.view import filtered
from flightmap import timeline
from flightmap.figures import text_scale
from flightmap.store import Snapshot

SPEEDS = {1: "1 day/s", 3: "3 days/s", 7: "1 week/s", 14: "2 weeks/s", 30: "1 month/s"}
MODES = {"sliding": "sliding window", "growing": "growing window"}


def window_bounds(snapshot: Snapshot) -> tuple[int, int, list[int]]:
    """Slider range over every record, and the initial window: the flights' span."""
    located = snapshot.located
    if located is None:
        return 0, 1, [0, 1]
    span = timeline.data_span(located.flights, located.events)
    default = timeline.default_window(located.flights, located.events)
    return timeline.to_day(span[0]), timeline.to_day(span[1]), [timeline.to_day(default[0]), timeline.to_day(default[1])]


def event_days(snapshot: Snapshot) -> list[list]:
    """[[start day, event id], ...] by date, for stepping with the arrow keys in the browser."""
    if snapshot.located is None:
        return []
    events = snapshot.located.events.sort_values(["date_start", "id"])
    return [[timeline.to_day(d), i] for d, i in zip(events["date_start"], events["id"])]


PRESET_LABELS = {
    "case": ("Case span", "The window and the detail span on the flights' dates"),
    "month": ("Month", "A month from the window's start, in a detail span of three months"),
    "quarter": ("Quarter", "Three months from the window's start, in a detail span of six months"),
    "all": ("All", "Every record: the whole span"),
}


def create_timeline(snapshot: Snapshot):
    low, high, window = window_bounds(snapshot)
    start, end = (timeline.from_day(d).date().isoformat() for d in window)
    # The slider and the strip show a detail span (zoom) round the window: the whole 2019-2024
    # span gave the case 117 px and a month's handles sat on each other.
    zoom = timeline.zoom_span(window, low, high)
    whole = max(high - low, 1)
    return html.Section(
        [
            dcc.Store(id=ids.EVENT_DAYS, data=event_days(snapshot)),
            dcc.Store(id=ids.KEY_STEP),
            dcc.Store(id=ids.ZOOM, data=zoom),
            dcc.Store(id=ids.SPAN_LOW, data=low),
            dcc.Store(id=ids.SPAN_HIGH, data=high),
            dcc.Store(id=ids.CASE_SPAN, data=window),
            dcc.Interval(id=ids.TICK, interval=1000, disabled=True),
            html.Div(
                [
                    html.Button("▶ Play", id=ids.PLAY, className="button play", title="Play / pause (space)", n_clicks=0),
                    html.Div(
                        [html.Span("Show", className="presets-label", id="presets-label")]
                        + [html.Button(label, id=ids.PRESETS[key], className="button small preset", n_clicks=0, type="button", title=tip)
                           for key, (label, tip) in PRESET_LABELS.items()],
                        className="presets", role="group", **{"aria-labelledby": "presets-label"},
                    ),
                    html.Label(["Speed ", dcc.Dropdown(id=ids.SPEED, options=[{"label": v, "value": k} for k, v in SPEEDS.items()], value=7, clearable=False, searchable=False, className="speed")]),
                    dcc.RadioItems(id=ids.MODE, options=[{"label": v, "value": k} for k, v in MODES.items()], value="sliding", inline=True, className="mode"),
                    html.Span("← / → step from event to event", className="muted hint"),
                    html.Label(
                        [
                            "Window ",
                            dcc.DatePickerRange(
                                id=ids.DATES, start_date=start, end_date=end, display_format="YYYY-MM-DD",
                                min_date_allowed=timeline.from_day(low).date().isoformat(), max_date_allowed=timeline.from_day(high).date().isoformat(),
                                first_day_of_week=1, updatemode="bothdates", start_date_id=ids.START_DATE, end_date_id=ids.END_DATE,
                            ),
                        ]
                    ),
                ],
                className="timeline-controls",
            ),
            # Where the detail span sits in the whole span (the overview); the strip below zooms
            # with the wheel or a pinch and pans by dragging.
            html.Div(
                html.Div(id=ids.ZOOM_BRUSH, className="zoom-brush", style={"left": f"{(zoom[0] - low) / whole:.2%}", "width": f"{(zoom[1] - zoom[0]) / whole:.2%}"}),
                className="zoom-overview", title="The detail span within all the data", **{"aria-hidden": "true"},
            ),
            dcc.Graph(id=ids.STRIP, className="timeline-strip", config={"displayModeBar": False, "scrollZoom": True, "doubleClick": False},
                      figure={"data": [], "layout": {}}),
            dcc.Store(id=ids.STRIP_TRACES, data=0),
            dcc.Store(id=ids.SCREEN_SIZE),
            dcc.RangeSlider(
                id=ids.SLIDER, min=zoom[0], max=zoom[1], step=1, value=window, allowCross=False, pushable=0,
                marks=timeline.month_marks(*zoom), updatemode="mouseup", allow_direct_input=False,
                # The handle's date while it is dragged or focused (window.dccFunctions in assets/flightmap.js).
                tooltip={"placement": "top", "always_visible": False, "transform": "flightmapDay"},
            ),
        ],
        className="timeline",
        **{"aria-label": "Timeline"},
    )


# Slider and date pickers show the same window, whichever was moved. In the browser: a server
# round trip here would hold the map, which waits on anything that may still change the slider.
# A start typed after the current end carries the window along with its length (and an end typed
# before the start likewise), so typing a new window start-first or end-first both work.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="syncWindow"),
    Output(ids.SLIDER, "value"),
    Output(ids.DATES, "start_date"),
    Output(ids.DATES, "end_date"),
    Input(ids.SLIDER, "value"),
    Input(ids.DATES, "start_date"),
    Input(ids.DATES, "end_date"),
    State(ids.SPAN_LOW, "data"),  # typed dates may leave the detail span: the zoom follows them
    State(ids.SPAN_HIGH, "data"),
    prevent_initial_call=True,
)


def strip_height(size: dict | None) -> int:
    """The strip's height for the screen: shorter on a laptop's short screen, taller on a
    projector's (assets/app.css sizes its box by the same steps)."""
    height = (size or {}).get("vh") or 900
    return 130 if height < 820 else 200 if height >= 1000 else timeline.HEIGHT_PX


@callback(
    Output(ids.STRIP, "figure"),
    Input(ids.SLIDER, "value"),
    Input(ids.FILTERS, "data"),
    Input(ids.SELECTION, "data"),
    Input(ids.STEP_INFO, "data"),
    Input(ids.DATA_VERSION, "data"),
    Input(ids.SCREEN_SIZE, "data"),
    State(ids.STRIP_TRACES, "data"),
    State(ids.ZOOM, "data"),
)
def render_strip(window, filter_values, selection, step, _version, size=None, drawn_traces=0, zoom=None):
    located = store().current().located
    records = filtered(filter_values)
    if located is None or records is None:
        raise dash.exceptions.PreventUpdate
    # The strip's range stays the slider's (all records) so the two line up whatever is filtered.
    span = timeline.data_span(located.flights, located.events)
    selected = selection["key"] if selection and selection.get("kind") == "event" else None
    changes = None
    if ctx.triggered_prop_ids == {f"{ids.SLIDER}.value": ids.SLIDER} and not step:
        changes = timeline.window_changes(*records, (timeline.from_day(window[0]), timeline.from_day(window[1])), selected)
    if changes is not None and (drawn_traces or 0) > changes["event_trace"]:
        # Only the window moved, and the page has the strip drawn (a patch of a strip still on its
        # way would patch an empty figure): patch the band and the dimming, not the whole strip.
        patch = dash.Patch()
        patch["layout"]["shapes"][0]["x0"], patch["layout"]["shapes"][0]["x1"] = changes["band"]
        patch["data"][0]["marker"]["opacity"] = changes["bar_opacity"]
        patch["data"][changes["event_trace"]]["marker"]["opacity"] = changes["event_opacity"]
        return patch
    figure = timeline.timeline_figure(*records, (timeline.from_day(window[0]), timeline.from_day(window[1])), span, selected_event=selected)
    # Zoomable along time only (wheel, pinch, drag to pan); the shown span is the detail span.
    zoom = zoom or [timeline.to_day(span[0]), timeline.to_day(span[1])]
    scale = text_scale((size or {}).get("vw"), (size or {}).get("vh"))
    figure.update_layout(
        dragmode="pan", uirevision=f"timeline-{zoom[0]}-{zoom[1]}", height=strip_height(size),
        xaxis={"range": [timeline.from_day(zoom[0]).strftime("%Y-%m-%d"), timeline.from_day(zoom[1]).strftime("%Y-%m-%d")], "fixedrange": False,
               "tickfont": {"size": round(11 * scale)}, "automargin": False},  # margins fixed: the plot area lines up with the slider
        hoverlabel={"font": {"size": round(12 * scale)}},
    )
    if step:  # the current story step, marked at the window
        figure.add_annotation(
            x=timeline.from_day(window[0]).isoformat(), y=1, xref="x", yref="paper", xanchor="left", yanchor="top", showarrow=False,
            text=f"Step {step['step']}/{step['of']}: {html_escape(step['title'])}", font={"size": 12, "color": "#0b3d91"},
            bgcolor="rgba(255,255,255,0.85)", name="story-step",
        )
    return figure


# The strip's height and type follow the screen, not the map's box: the map's box changes when
# the header's counts wrap onto another line, and redrawing the whole strip then (94 KB at 100k
# flights) instead of patching its band made such a slider move cost twice the bytes.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="screenSize"),
    Output(ids.SCREEN_SIZE, "data"),
    Input(ids.MAP_SIZE, "data"),
    State(ids.SCREEN_SIZE, "data"),
)


clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="traceCount"),
    Output(ids.STRIP_TRACES, "data"),
    Input(ids.STRIP, "figure"),
)


clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="togglePlay"),
    Output(ids.TICK, "disabled"),
    Output(ids.PLAY, "children"),
    Output(ids.SLIDER, "value", allow_duplicate=True),
    Input(ids.PLAY, "n_clicks"),
    State(ids.TICK, "disabled"),
    State(ids.SLIDER, "value"),
    State(ids.SPAN_LOW, "data"),  # playback runs through the data, whatever the zoom
    State(ids.SPAN_HIGH, "data"),
    State(ids.SPEED, "value"),
    State(ids.MODE, "value"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="playTick"),
    Output(ids.SLIDER, "value", allow_duplicate=True),
    Output(ids.TICK, "disabled", allow_duplicate=True),
    Output(ids.PLAY, "children", allow_duplicate=True),
    Input(ids.TICK, "n_intervals"),
    State(ids.SLIDER, "value"),
    State(ids.SPAN_LOW, "data"),  # playback runs through the data, whatever the zoom
    State(ids.SPAN_HIGH, "data"),
    State(ids.SPEED, "value"),
    State(ids.MODE, "value"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="tickInterval"),
    Output(ids.TICK, "interval"),
    Input(ids.SPEED, "value"),
)

clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="stepEvent"),
    Output(ids.SLIDER, "value", allow_duplicate=True),
    Output(ids.SELECTION, "data", allow_duplicate=True),
    Input(ids.KEY_STEP, "data"),
    State(ids.SLIDER, "value"),
    State(ids.SLIDER, "min"),
    State(ids.SLIDER, "max"),
    State(ids.EVENT_DAYS, "data"),
    prevent_initial_call=True,
)


# The detail span: the slider's range and marks, the strip's range and the overview follow it.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="applyZoom"),
    Output(ids.SLIDER, "min"),
    Output(ids.SLIDER, "max"),
    Output(ids.SLIDER, "marks"),
    Input(ids.ZOOM, "data"),
    State(ids.SPAN_LOW, "data"),
    State(ids.SPAN_HIGH, "data"),
    # Also at load: marks fitted to the slider's width in this browser.
)

# Wheel, pinch or drag on the strip changes the detail span.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="stripZoomed"),
    Output(ids.ZOOM, "data"),
    Output(ids.SLIDER, "value", allow_duplicate=True),  # a window left outside moves (or is cut) into the span
    Input(ids.STRIP, "relayoutData"),
    State(ids.ZOOM, "data"),
    State(ids.SLIDER, "value"),
    State(ids.SPAN_LOW, "data"),
    State(ids.SPAN_HIGH, "data"),
    prevent_initial_call=True,
)

# A window from anywhere (a link, typed dates, a story step, playback) stays inside the detail
# span, and wide enough on screen that its two handles never overlap.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="followWindow"),
    Output(ids.ZOOM, "data", allow_duplicate=True),
    Input(ids.SLIDER, "value"),
    State(ids.ZOOM, "data"),
    State(ids.SPAN_LOW, "data"),
    State(ids.SPAN_HIGH, "data"),
    prevent_initial_call=True,
)

clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="preset"),
    Output(ids.SLIDER, "value", allow_duplicate=True),
    Output(ids.ZOOM, "data", allow_duplicate=True),
    [Input(button, "n_clicks") for button in ids.PRESETS.values()],
    State(ids.SLIDER, "value"),
    State(ids.SPAN_LOW, "data"),
    State(ids.SPAN_HIGH, "data"),
    State(ids.CASE_SPAN, "data"),
    prevent_initial_call=True,
)
