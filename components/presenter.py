"""Story steps and presenter mode. The URL names the story, the step and presenter mode
(`?story=default&step=3&present=1`); moving between steps is moving between links, so the
view machinery in components/url_state.py applies each step's window, filters and selection."""
from __future__ import annotations

from dataclasses import replace

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids
from components.state import store
from flightmap.loader import DataValidationError
from flightmap.story import available, load_story
from flightmap.viewstate import parse_query, to_query


def create_story_controls(snapshot):
    stories = available(snapshot.dataset.folder) if snapshot.dataset is not None else []
    return html.Div(
        [
            dcc.Dropdown(id=ids.STORY_PICK, options=[{"label": s, "value": s} for s in stories], value=stories[0] if stories else None, clearable=False, searchable=False, className="story-pick"),
            html.Button("▶ Present story", id=ids.PRESENT, className="button", n_clicks=0, title="Presenter mode: ← / → steps, space plays, f full screen, Esc leaves"),
        ],
        className="story-controls",
    )


def create_caption():
    return html.Div(
        [
            dcc.Store(id=ids.STEP_INFO),
            html.Div(id=ids.RESIZE_SINK, hidden=True),
            html.Div(
                [
                    html.Div([html.Span(id=ids.CAPTION_COUNTER, className="caption-counter"), html.H2(id=ids.CAPTION_TITLE)], className="caption-head"),
                    # Markdown without raw HTML: captions come from data files.
                    dcc.Markdown(id=ids.CAPTION_TEXT, className="caption-text", dangerously_allow_html=False, link_target="_blank"),
                    html.Div(
                        [
                            html.Button("← Previous", id=ids.STEP_PREV, className="button", n_clicks=0),
                            html.Button("Next →", id=ids.STEP_NEXT, className="button", n_clicks=0),
                            html.Button("Leave (Esc)", id=ids.PRESENT_EXIT, className="button", n_clicks=0),
                        ],
                        className="caption-buttons",
                    ),
                ],
                id=ids.CAPTION,
                className="caption",
                hidden=True,
            ),
        ]
    )


def _story(name: str | None):
    snapshot = store().current()
    if not name or snapshot.dataset is None:
        return None
    try:
        return load_story(snapshot.dataset.folder, name)
    except (DataValidationError, ValueError, OSError):
        return None


@callback(
    Output(ids.CAPTION, "hidden"),
    Output(ids.CAPTION_TITLE, "children"),
    Output(ids.CAPTION_TEXT, "children"),
    Output(ids.CAPTION_COUNTER, "children"),
    Output(ids.STEP_INFO, "data"),
    Output(ids.APP, "className"),
    Input(ids.URL_CHANGED, "data"),  # story, step and mode change only with the address from outside
    prevent_initial_call=True,
)
def show_step(changed):
    search = (changed or {}).get("search", "")
    state, _ = parse_query(search or "")
    story = _story(state.story)
    step = story.step(state.step) if story else None
    mode = "app presenting" if state.present else "app"
    if step is None:
        return True, "", "", "", None, mode
    info = {"story": story.name, "step": state.step, "of": len(story.steps), "title": step.title}
    return False, step.title, step.caption.strip(), f"{story.title} · step {state.step} of {len(story.steps)}", info, mode


@callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(ids.PRESENT, "n_clicks"),
    Input(ids.STEP_PREV, "n_clicks"),
    Input(ids.STEP_NEXT, "n_clicks"),
    Input(ids.PRESENT_EXIT, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.STORY_PICK, "value"),
    prevent_initial_call=True,
)
def navigate(_present, _prev, _next, _exit, search, picked):
    """Go to a step's link; leaving keeps the view and drops presenter mode."""
    state, _ = parse_query(search or "")
    if ctx.triggered_id == ids.PRESENT_EXIT:
        return to_query(replace(state, present=False))
    if ctx.triggered_id == ids.PRESENT:
        name, number, present = picked or state.story or "default", 1, True
    else:
        name, present = state.story, state.present
        number = (state.step or 1) + (1 if ctx.triggered_id == ids.STEP_NEXT else -1)
    story = _story(name)
    if story is None or story.step(number) is None:
        raise dash.exceptions.PreventUpdate
    return to_query(story.step(number).view_state(story.name, number, present=present))


# Presenter mode changes the map's size: tell Plotly to fit it again.
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="refit"),
    Output(ids.RESIZE_SINK, "children"),
    Input(ids.APP, "className"),
)
