"""Every view is a link: the URL's query holds the window, the filters, the selection and the
map view. Changing the view writes the URL (a new history entry, so Back and Forward walk
through views); opening a URL, Back, Forward and Reset apply one. Bad parameters are ignored
with a visible notice, never an error page.
"""
from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html

from components import ids
from components.filters_panel import read_controls
from components.state import store
from flightmap import filters as record_filters
from flightmap.story import resolve_step
from flightmap import timeline
from flightmap.viewstate import ViewState, parse_query, selection_from_param, selection_param, to_query

KEYS = record_filters.FILTER_KEYS
LAST_WRITTEN = "url-last-written"
ADDRESS_WANTED = "url-address-wanted"
ADDRESS_WRITTEN = "url-address-written"


def create_url_state():
    return [
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.MAP_VIEW),
        dcc.Store(id=LAST_WRITTEN),
        dcc.Store(id=ADDRESS_WANTED),
        dcc.Store(id=ADDRESS_WRITTEN),
        dcc.Store(id=ids.URL_CHANGED),
        dcc.Store(id=ids.URL_APPLIED),
        html.Div(
            [html.Button("×", id=ids.URL_NOTICE_CLOSE, className="close", title="Dismiss", n_clicks=0), html.Div(id=ids.URL_NOTICE_BODY)],
            id=ids.URL_NOTICE, className="url-notice", role="status", hidden=True,
        ),
    ]


def _default_window(located) -> list[int]:
    start, end = timeline.default_window(located.flights, located.events)
    return [timeline.to_day(start), timeline.to_day(end)]


def map_view_from_relayout(relayout: dict | None) -> dict | None:
    if not relayout or "map.center" not in relayout or "map.zoom" not in relayout:
        return None
    centre = relayout["map.center"]
    return {"lat": round(float(centre["lat"]), 4), "lon": round(float(centre["lon"]), 4), "zoom": round(float(relayout["map.zoom"]), 2)}


# The view is written to LAST_WRITTEN, and a client-side step hands it to the address bar. Were
# the address bar this callback's output, Dash would hold every callback downstream of it (the
# map among them, through apply_url) until this one and apply_url had answered: two round trips
# before each repaint. Set from the browser, nothing waits on it.
# LAST_WRITTEN says which address is the view's own (apply_url marks a link so once applied);
# only this callback's write (ADDRESS_WANTED) goes to the address bar. Were LAST_WRITTEN the
# trigger, a link applied late (Next pressed twice quickly in presenter mode) would put its
# address back over the newer one, and the two steps would take turns in the address bar.
@callback(
    Output(LAST_WRITTEN, "data"),
    Output(ADDRESS_WANTED, "data"),
    Input(ids.SLIDER, "value"),
    [Input(ids.FILTER_CONTROLS[key], "value") for key in KEYS],
    Input(ids.SELECTION, "data"),
    Input(ids.MAP, "relayoutData"),
    State(ids.URL, "search"),
    State(LAST_WRITTEN, "data"),
    State(ids.TICK, "disabled"),
    prevent_initial_call=True,
)
def write_url(window, *rest):
    *filter_values, selection, relayout, current_search, adopted, paused = rest
    if paused is False:
        raise dash.exceptions.PreventUpdate  # playback would flood the history; the view is written on pause
    if (current_search or "") != (adopted or ""):
        raise dash.exceptions.PreventUpdate  # the address holds a link not applied yet: it wins
    located = store().current().located
    if located is None or window is None:
        raise dash.exceptions.PreventUpdate
    current, _ = parse_query(current_search or "")
    view = map_view_from_relayout(relayout) if ctx.triggered_id == ids.MAP else None
    if view is None and current.lat is not None:
        view = {"lat": current.lat, "lon": current.lon, "zoom": current.zoom}
    default = _default_window(located)
    state = ViewState(
        start=None if window == default else timeline.from_day(window[0]).date(),
        end=None if window == default else timeline.from_day(window[1]).date(),
        filters=read_controls(*filter_values),
        select=selection_param(selection),
        lat=view["lat"] if view else None,
        lon=view["lon"] if view else None,
        zoom=view["zoom"] if view else None,
        story=current.story,
        step=current.step,
        present=current.present,
    )
    search = to_query(state)
    if search == (current_search or ""):
        raise dash.exceptions.PreventUpdate
    return search, search


clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="writeAddress"),
    Output(ADDRESS_WRITTEN, "data"),
    Input(ADDRESS_WANTED, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)

# Our own writes come back as address changes; the browser tells them from a link, Back or
# Forward, so that only those reach the server (apply_url, the story caption).
clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="addressChanged"),
    Output(ids.URL_CHANGED, "data"),
    Input(ids.URL, "search"),
    State(LAST_WRITTEN, "data"),
)


def _unknown_values(state: ViewState, options: dict) -> tuple[dict, list[str]]:
    """Keep list-filter values that exist in the data; a notice for each that does not."""
    kept, notices = {}, []
    for key, value in state.filters.items():
        if key == "aircraft":
            kept[key] = value
            continue
        known = {o["value"] for o in options.get(key, [])}
        good = [v for v in value if v in known]
        notices += [f"Ignored {key}={v}: not in the data" for v in value if v not in known]
        if good:
            kept[key] = good
    return kept, notices


@callback(
    Output(ids.SLIDER, "value", allow_duplicate=True),
    [Output(ids.FILTER_CONTROLS[key], "value", allow_duplicate=True) for key in KEYS],
    Output(ids.SELECTION, "data", allow_duplicate=True),
    Output(ids.MAP_VIEW, "data"),
    Output(ids.URL_NOTICE_BODY, "children"),
    Output(ids.URL_NOTICE, "hidden"),
    Output(LAST_WRITTEN, "data", allow_duplicate=True),
    Output(ids.URL_APPLIED, "data"),
    Input(ids.URL_CHANGED, "data"),
    Input(ids.RESET, "n_clicks"),
    State(LAST_WRITTEN, "data"),
    State(ids.SLIDER, "value"),
    State(ids.SPAN_LOW, "data"),  # the data's span, not the slider's detail span
    State(ids.SPAN_HIGH, "data"),
    [State(ids.FILTER_CONTROLS[key], "value") for key in KEYS],
    State(ids.SELECTION, "data"),
    State(ids.MAP_VIEW, "data"),
    prevent_initial_call=True,  # the first address arrives through URL_CHANGED
)
def apply_url(changed, _reset, last_written, window, low, high, *rest):
    """Apply the URL (on load, Back, Forward) or Reset; outputs only what differs from now."""
    *current_filters, current_selection, current_view = rest
    search = (changed or {}).get("search", "")
    reset = ctx.triggered_id == ids.RESET
    if not reset and search and search == last_written:
        raise dash.exceptions.PreventUpdate  # our own write echoed back
    snapshot = store().current()
    located = snapshot.located
    if located is None:
        raise dash.exceptions.PreventUpdate
    state, notices = (ViewState(), []) if reset else parse_query(search or "")
    state, _, step_notices = resolve_step(state, snapshot.dataset.folder)
    notices += step_notices
    filter_values, unknown = _unknown_values(state, record_filters.options(located.flights, located.events, snapshot.dataset.sources))
    notices += unknown

    wanted_window = _default_window(located)
    if state.start is not None and state.end is not None:
        start, end = timeline.to_day(state.start), timeline.to_day(state.end)
        if start > high or end < low:
            notices.append(f"Ignored start={state.start}&end={state.end}: outside the data ({timeline.from_day(low):%Y-%m-%d} to {timeline.from_day(high):%Y-%m-%d})")
        else:
            wanted_window = [max(start, low), min(end, high)]
    elif state.start is not None or state.end is not None:
        notices.append("Ignored a window with only one end: give both start and end")

    wanted_selection = selection_from_param(state.select, located.flights) if state.select else None
    if wanted_selection is not None:
        known = {f"flight:{i}" for i in located.flights["id"]} | {f"event:{i}" for i in located.events["id"]}
        if not set(wanted_selection["ids"]) & known:
            notices.append(f"Ignored select={state.select}: no such record")
            wanted_selection = None
    elif state.select:
        notices.append(f"Ignored select={state.select}: not a selection (use e.g. event|gao-crash)")

    wanted_view = {"lat": state.lat, "lon": state.lon, "zoom": state.zoom} if None not in (state.lat, state.lon, state.zoom) else None

    def changed(new, old):
        return dash.no_update if new == old else new

    blank = {key: ("" if key == "aircraft" else []) for key in KEYS}
    filter_outputs = [changed(filter_values.get(key, blank[key]), old if old is not None else blank[key]) for key, old in zip(KEYS, current_filters)]
    notice = [html.Strong("Some of the link was not understood. "), html.Ul([html.Li(n) for n in notices])] if notices else None
    return (
        changed(wanted_window, window),
        *filter_outputs,
        changed(wanted_selection, current_selection),
        changed(wanted_view, current_view),
        notice,
        not notices,
        dash.no_update if reset else (search or ""),  # this link is now the view's own
        f"{search or ''}#{_reset or 0}",  # tells the map the view is settled (see map_panel)
    )


@callback(Output(ids.URL_NOTICE, "hidden", allow_duplicate=True), Input(ids.URL_NOTICE_CLOSE, "n_clicks"), prevent_initial_call=True)
def dismiss_notice(clicks):
    if not clicks:
        raise dash.exceptions.PreventUpdate
    return True


clientside_callback(
    ClientsideFunction(namespace="flightmap", function_name="copyLink"),
    Output(ids.LINK_STATUS, "children"),
    Input(ids.COPY_LINK, "n_clicks"),
    prevent_initial_call=True,
)
