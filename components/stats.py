"""Figures for the window: flights dated vs reported, distance flown, airports, events."""
from __future__ import annotations

from dash import Input, Output, callback, html

from components import ids
from components.view import visible
from flightmap import timeline


def create_stats():
    return html.Div(id=ids.STATS, className="stats", **{"aria-live": "polite"})


def stat(value, label, title=""):
    return html.Div([html.Strong(value), html.Span(label)], className="stat", title=title)


@callback(Output(ids.STATS, "children"), Input(ids.SLIDER, "value"), Input(ids.FILTERS, "data"), Input(ids.DATA_VERSION, "data"))
def render_stats(window, filter_values, _version):
    records = visible(window, filter_values)
    if records is None:
        return []
    start, end = timeline.from_day(window[0]), timeline.from_day(window[1])
    s = timeline.window_stats(*records)
    return [
        html.Span(f"{start:%d %b %Y} – {end:%d %b %Y}", className="window-label"),
        stat(s["dated_flights"], "dated flights", "flights with known dates in the window"),
        stat(s["pattern_legs"], "reported-pattern legs", "legs of patterns reported over a date range: not dated flights"),
        stat(f"{s['distance_km']:,} km", "flown (dated)", "geodesic distance of dated flights with both ends known"),
        stat(f"{s['pattern_loop_km']:,} km", "per reported circuit", "one pass over each reported-pattern leg: the number of passes is unknown"),
        stat(s["airports"], "airports"),
        stat(s["events"], "events", f"{s['events_unplaced']} without a place"),
        stat(s["disputed"], "disputed", "records whose sources disagree"),
    ]
