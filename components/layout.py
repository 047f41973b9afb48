"""The page: header, map and sidebar, built fresh on each page load from the newest data."""
from __future__ import annotations

from dash import dcc, html

from components import ids
from components.map_panel import create_map_panel
from components.sidebar import create_sidebar
from components.state import store
from flightmap.store import Snapshot

# Every component id, with no data behind it: lets Dash check callbacks without loading data.
EMPTY = Snapshot(dataset=None, located=None, error=None, version="", loaded_at=None)


def serve_layout():
    return create_layout(store().current())


def create_layout(snapshot: Snapshot):
    return html.Div(
        [
            dcc.Store(id=ids.DATA_VERSION, data=snapshot.version),
            html.Header(
                [
                    html.H1("Flight-route map"),
                    html.P("Documented flights and events, with the evidence behind every line.", className="tagline"),
                ],
                className="app-header",
            ),
            html.Main([html.Div(create_map_panel(), className="map-area"), create_sidebar(snapshot)], className="app-main"),
        ],
        className="app",
    )
