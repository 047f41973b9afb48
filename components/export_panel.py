"""Export buttons: the view in the address bar (or its story) as a file, made on the server by
the same code as `python app.py export`, so the page and the command line give the same file."""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids, jobs
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
                    html.Div(id=ids.EXPORT_PROGRESS, className="export-status hint"),
                    html.Button("Cancel the export", id=ids.EXPORT_CANCEL, className="button small", n_clicks=0, type="button", hidden=True),
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
    State(ids.USER_ID, "data"),
    background=True,  # a job of the job store (components/jobs.py): no request waits for Chromium
    running=[
        *[(Output(button, "disabled"), True, False) for button in ids.EXPORT_BUTTONS.values()],
        (Output(ids.EXPORT_STATUS, "children"), "Preparing the file…", ""),
        (Output(ids.EXPORT_CANCEL, "hidden"), False, True),
    ],
    progress=[Output(ids.EXPORT_PROGRESS, "children")],
    progress_default=[""],
    cancel=[Input(ids.EXPORT_CANCEL, "n_clicks")],
    interval=1000,
    prevent_initial_call=True,
)
def export_view(set_progress, *args):
    *_clicks, search, picked_story, _user = args
    fmt = next((fmt for fmt, button in ids.EXPORT_BUTTONS.items() if button == ctx.triggered_id), None)
    snapshot = store().current()
    if fmt is None or snapshot.located is None:
        raise dash.exceptions.PreventUpdate
    from flightmap import exports  # kaleido and python-pptx load on the first export only
    from flightmap.story import load_story

    try:
        with jobs.one_job(f"a {CHOICES[fmt][0]} export"):
            view, story = exports.view_for_link(snapshot.dataset, snapshot.located, search or "")
            if fmt == "pptx" and story is None:
                story = load_story(snapshot.dataset.folder, picked_story or "default")
            name = exports.export_filename(fmt, view, story)
            started = time.monotonic()
            set_progress(f"Preparing {name}…")
            with tempfile.TemporaryDirectory(prefix="flightmap-export-") as folder:
                path = exports.write_export(snapshot.dataset, snapshot.located, fmt, Path(folder) / name, view, story,
                                            progress=lambda text: set_progress(f"{text} ({time.monotonic() - started:.0f} s)"))
                return dcc.send_file(str(path), filename=name), f"{name} ({path.stat().st_size / 1024:,.0f} KB)"
    except jobs.Busy as exc:
        return dash.no_update, jobs.busy_message(str(exc))
    except jobs.TimeLimit:
        return dash.no_update, jobs.limit_message(f"The {CHOICES[fmt][0]} export")
    except Exception as exc:  # the reader gets the reason, the log the whole story
        log.exception("Export as %s failed", fmt)
        return dash.no_update, f"Export failed: {exc}"
