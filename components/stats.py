"""Figures for the window: flights dated vs reported, distance flown, airports, events."""
from __future__ import annotations

import numbers

from dash import Input, Output, callback, html

from components import ids
from components.view import visible
from flightmap import timeline


def create_stats():
    return html.Div(id=ids.STATS, className="stats", **{"aria-live": "polite"})


def stat(value, label, title=""):
    shown = f"{value:,}" if isinstance(value, numbers.Integral) else value  # 336,776 reads; 336776 does not
    return html.Div([html.Strong(shown), html.Span(label)], className="stat", title=title)


def distance_stat(s: dict) -> tuple[str, str, str]:
    """(value, label, tooltip) of the distance flown, never contradicting the flights counted:
    "5 dated flights · 0 km flown" read as if the five went nowhere, when no end was reported."""
    dated, measured = s["dated_flights"], s["dated_flights_measured"]
    why = "geodesic distance of dated flights with both ends known"
    if dated == 0:
        return "0 km", "flown (dated)", why
    if measured == 0:
        return "? km", "flown (no dated flight has both ends)", why + ": no dated flight in the window has both ends reported"
    if measured < dated:
        # Kept short: with 100k-flight numbers the header's counts wrap onto a second line (the
        # map's box shrinks as the window moves); why the rest are not measured is the tooltip.
        return (f"≥ {s['distance_km']:,} km", f"flown by {measured:,} of {dated:,} dated flights",
                f"{why}: {dated - measured:,} of the window's dated flights lack an origin or a destination")
    return f"{s['distance_km']:,} km", "flown (dated)", why


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
        stat(s["pattern_legs"], "pattern legs", "legs of patterns reported over a date range: not dated flights"),
        stat(*distance_stat(s)),
        stat(f"{s['pattern_loop_km']:,} km", "per pattern circuit", "one pass over each reported-pattern leg: the number of passes is unknown"),
        stat(s["airports"], "airports"),
        stat(s["events"], "events", f"{s['events_unplaced']} without a place"),
        stat(s["disputed"], "disputed", "records whose sources disagree"),
    ]
