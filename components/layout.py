"""The page: header with the window's figures, map and evidence side by side, the timeline
under the map and the records table below; built fresh on each page load from the newest data."""
from __future__ import annotations

import uuid

from dash import dcc, html

from components import ids, selection  # noqa: F401  selection has callbacks only: import registers them
from components.details import create_details
from components.export_panel import create_export_menu
from components.filters_panel import create_filters
from components.import_panel import create_import_panel
from components.presenter import create_caption, create_story_controls
from components.map_panel import create_legend, create_map_panel, has_tracks
from components.marks import create_marks
from components.records_table import create_records_table
from components.sidebar import create_sidebar
from components.state import store
from components.stats import create_stats
from components.timeline import create_timeline
from components.url_state import create_url_state
from flightmap.store import Snapshot

# Every component id, with no data behind it: lets Dash check callbacks without loading data.
EMPTY = Snapshot(dataset=None, located=None, error=None, version="", loaded_at=None)


def serve_layout():
    return create_layout(store().current())


def create_layout(snapshot: Snapshot):
    return html.Div(
        [
            dcc.Store(id=ids.DATA_VERSION, data=snapshot.version),
            # One id per browser (kept in local storage: the stored one wins over this new one).
            dcc.Store(id=ids.USER_ID, storage_type="local", data=uuid.uuid4().hex),
            dcc.Interval(id=ids.DATA_POLL, interval=10_000),  # follow saves made anywhere
            dcc.Store(id=ids.SELECTION),
            dcc.Store(id=ids.FILTERS, data={}),
            *create_url_state(),
            html.Div(
                [
                    html.Header([html.H1("Flight-route map"), create_stats(), create_story_controls(snapshot), create_export_menu(),
                                 html.Button("Import data", id=ids.IMPORT_OPEN, className="button import-open", n_clicks=0, title="Add your own table of flights or events")], className="app-header"),
                    html.Main(
                        [
                            html.Div([html.Div([create_map_panel(), create_caption()], className="map-area"), create_legend(has_tracks(snapshot.dataset)), create_timeline(snapshot)], className="map-column"),
                            html.Div([create_filters(snapshot), create_details(), create_marks(), create_sidebar(snapshot)], className="side-column"),
                        ],
                        className="app-main",
                    ),
                ],
                className="viewport",
            ),
            create_records_table(),
            create_import_panel(),
        ],
        className="app",
        id=ids.APP,
    )
