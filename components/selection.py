"""One selection for the page, set by a click on the map, the timeline or the table rows."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, ctx

from components import ids
from components.state import store
from flightmap.evidence import event_selection, selection_from_click


def _customdata(click_data):
    points = (click_data or {}).get("points") or []
    return points[0].get("customdata") if points else None


@callback(
    Output(ids.SELECTION, "data"),
    Input(ids.MAP, "clickData"),
    Input(ids.STRIP, "clickData"),
    Input(ids.TABLE, "cellClicked"),
    Input(ids.CLEAR_SELECTION, "n_clicks"),
    State(ids.SELECTION, "data"),
    prevent_initial_call=True,
)
def update_selection(map_click, strip_click, table_click, _clear, current):
    trigger = ctx.triggered_id
    if trigger == ids.CLEAR_SELECTION:
        return None
    if trigger == ids.MAP:
        located = store().current().located
        chosen = selection_from_click(_customdata(map_click), located.flights) if located is not None else None
        return chosen or dash.no_update
    if trigger == ids.STRIP:
        event_id = _customdata(strip_click)
        # Weekly bars carry their counts (numbers) as customdata; events carry their id.
        return event_selection(event_id) if isinstance(event_id, str) and event_id else dash.no_update
    # The table's selected rows only mirror the selection (they change whenever its rows do);
    # a click on a row is what selects a record.
    key = (table_click or {}).get("rowId")
    if not key:
        raise dash.exceptions.PreventUpdate
    if (current or {}).get("ids") == [key]:
        return None  # a second click on the selected row clears the selection
    return {"kind": "records", "key": key, "ids": [key]}
