"""Filters: registration search and pick-lists, each showing how many records it keeps in the
window, and one Reset back to the full view."""
from __future__ import annotations

from dash import Input, Output, callback, dcc, html

from components import ids
from components.state import store
from flightmap import filters as record_filters
from flightmap import timeline
from flightmap.store import Snapshot

LABELS = {
    "aircraft": "Aircraft registration",
    "type": "Aircraft type",
    "operator": "Operator",
    "airport": "Airport or place",
    "route": "Route",
    "category": "Event category",
    "confidence": "Confidence",
    "source": "Source",
}
PLACEHOLDERS = {
    "type": "any type", "operator": "any operator", "airport": "any place", "route": "any route",
    "category": "any category", "confidence": "any confidence (pick to exclude disputed)", "source": "any source",
}


def _control(key: str, options: list[dict]):
    if key == "aircraft":
        return dcc.Input(id=ids.FILTER_CONTROLS[key], type="search", placeholder="e.g. 5umbh", debounce=0.4, value="", className="filter-input", autoComplete="off")
    return dcc.Dropdown(id=ids.FILTER_CONTROLS[key], options=options, value=[], multi=True, placeholder=PLACEHOLDERS[key], className="filter-dropdown")


def create_filters(snapshot: Snapshot):
    located = snapshot.located
    options = record_filters.options(located.flights, located.events, snapshot.dataset.sources) if located is not None else {}
    rows = [
        html.Div(
            [
                html.Label([LABELS[key], html.Span(id=ids.FILTER_COUNTS[key], className="filter-count")], htmlFor=ids.FILTER_CONTROLS[key]),
                _control(key, options.get(key, [])),
            ],
            className="filter-row",
        )
        for key in record_filters.FILTER_KEYS
    ]
    return html.Details(
        [
            html.Summary("Filters", id=ids.FILTER_SUMMARY),
            *rows,
            html.Div(
                [
                    html.Button("Reset view", id=ids.RESET, className="button small", n_clicks=0, title="Full date range, no filters, nothing selected"),
                    html.Button("Copy link", id=ids.COPY_LINK, className="button small", n_clicks=0, title="Copy a link to exactly this view"),
                    html.Span(id=ids.LINK_STATUS, className="muted", role="status"),
                ],
                className="filter-actions",
            ),
        ],
        open=False,
        className="panel filters",
    )


def read_controls(*values) -> dict:
    """Control values, in FILTER_KEYS order, as a cleaned filters dict."""
    return record_filters.clean(dict(zip(record_filters.FILTER_KEYS, values)))


@callback(
    Output(ids.FILTERS, "data"),
    Output(ids.FILTER_SUMMARY, "children"),
    [Input(ids.FILTER_CONTROLS[key], "value") for key in record_filters.FILTER_KEYS],
)
def collect_filters(*values):
    chosen = read_controls(*values)
    return chosen, f"Filters ({len(chosen)} active)" if chosen else "Filters"


@callback(
    [Output(ids.FILTER_COUNTS[key], "children") for key in record_filters.FILTER_KEYS],
    Input(ids.FILTERS, "data"),
    Input(ids.SLIDER, "value"),
    Input(ids.DATA_VERSION, "data"),
)
def show_counts(filter_values, window, _version):
    """How many records in the window each filter alone keeps."""
    located = store().current().located
    if located is None:
        return [""] * len(record_filters.FILTER_KEYS)
    flights, events = timeline.in_window(located.flights, located.events, timeline.from_day(window[0]), timeline.from_day(window[1]))
    counts = record_filters.counts(flights, events, record_filters.clean(filter_values))
    return [f" keeps {counts[key]['kept']} of {counts[key]['total']}" for key in record_filters.FILTER_KEYS]
