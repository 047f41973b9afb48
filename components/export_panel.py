"""Export buttons: the view in the address bar (or its story) as a file, made on the server by
the same code as `python app.py export`, so the page and the command line give the same file."""
from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids
from components.state import store

log = logging.getLogger(__name__)

# label, tooltip; about how long each takes on a 2-CPU machine (measured, see the README)
CHOICES = {
    "png": ("PNG", "The map of this view as a picture (about 10 s)"),
    "pdf": ("PDF", "The map of this view as a one-page PDF (about 10 s)"),
    "svg": ("SVG", "The map of this view as a vector image (about 10 s)"),
    "html": ("HTML", "One interactive page that opens offline (about 5 s, 6 MB)"),
    "pptx": ("PPTX", "A slide deck of the story, one slide per step (30-40 s)"),
    "gif": ("GIF", "Playback of this window as an animation (about 40 s)"),
}
# One export at a time per process: each starts a Chromium, and two at once on a small machine
# only make both slow.
_ONE_AT_A_TIME = threading.Lock()


def create_export_menu():
    """A button and the small dialog it opens (assets/flightmap.js moves the focus in, keeps Tab
    inside, closes it on Esc or a click outside, and gives the focus back to the button)."""
    return html.Div(
        [
            html.Button(
                "Export", id=ids.EXPORT_TOGGLE, className="button", n_clicks=0, type="button", title="Download this view or the story as a file",
                **{"aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": ids.EXPORT_DIALOG},
            ),
            html.Div(
                [
                    html.H2("Export this view", id="export-title", className="export-title"),
                    *[html.Button(label, id=ids.EXPORT_BUTTONS[fmt], className="button", n_clicks=0, title=tip, **{"aria-describedby": f"export-tip-{fmt}"})
                      for fmt, (label, tip) in CHOICES.items()],
                    *[html.Span(tip, id=f"export-tip-{fmt}", hidden=True) for fmt, (_label, tip) in CHOICES.items()],
                    html.Div(id=ids.EXPORT_STATUS, className="export-status", role="status"),
                    html.Button("Close (Esc)", id=ids.EXPORT_CLOSE, className="button small export-close", n_clicks=0, type="button"),
                ],
                id=ids.EXPORT_DIALOG, className="export-menu", role="dialog", hidden=True, **{"aria-labelledby": "export-title", "aria-modal": "true"},
            ),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
        ],
        className="export",
    )


clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="toggleExport"),
    Output(ids.EXPORT_DIALOG, "hidden"),
    Output(ids.EXPORT_TOGGLE, "aria-expanded"),
    Input(ids.EXPORT_TOGGLE, "n_clicks"),
    State(ids.EXPORT_DIALOG, "hidden"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="closeExport"),
    Output(ids.EXPORT_DIALOG, "hidden", allow_duplicate=True),
    Output(ids.EXPORT_TOGGLE, "aria-expanded", allow_duplicate=True),
    Input(ids.EXPORT_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EXPORT_DOWNLOAD, "data"),
    Output(ids.EXPORT_STATUS, "children"),
    [Input(button, "n_clicks") for button in ids.EXPORT_BUTTONS.values()],
    State(ids.URL, "search"),
    State(ids.STORY_PICK, "value"),
    running=[
        *[(Output(button, "disabled"), True, False) for button in ids.EXPORT_BUTTONS.values()],
        (Output(ids.EXPORT_STATUS, "children"), "Preparing the file…", ""),
    ],
    prevent_initial_call=True,
)
def export_view(*args):
    *_clicks, search, picked_story = args
    fmt = next((fmt for fmt, button in ids.EXPORT_BUTTONS.items() if button == ctx.triggered_id), None)
    snapshot = store().current()
    if fmt is None or snapshot.located is None:
        raise dash.exceptions.PreventUpdate
    from flightmap import exports  # kaleido and python-pptx load on the first export only
    from flightmap.story import load_story

    try:
        view, story = exports.view_for_link(snapshot.dataset, snapshot.located, search or "")
        if fmt == "pptx" and story is None:
            story = load_story(snapshot.dataset.folder, picked_story or "default")
        name = exports.export_filename(fmt, view, story)
        with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="flightmap-export-") as folder:
            path = exports.write_export(snapshot.dataset, snapshot.located, fmt, Path(folder) / name, view, story)
            return dcc.send_file(str(path), filename=name), f"{name} ({path.stat().st_size / 1024:,.0f} KB)"
    except Exception as exc:  # the reader gets the reason, the log the whole story
        log.exception("Export as %s failed", fmt)
        return dash.no_update, f"Export failed: {exc}"
