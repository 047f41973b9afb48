"""Lists that grow with the data (the marks in the window, what is not drawn on the map) are sent
as data and drawn by the browser as plain elements (assets/plain_list.js), not as Dash components.

Why: Dash's renderer visits every component on the page on every store update of any other, so
each list item made every callback of a slider move slower (at 100k flights the two lists held
~800 components, more than the rest of the page). Here a list is two components whatever its
length: the `<ul>` and the store of its items.

An item is a dict: `text`, and optionally `strong` (a bold lead), `class` (the `<li>`'s) and `key`
(the item is then a button carrying the key; pressing it writes {"key", "n"} to the list's
`picked` store).
"""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html


def plain_list(list_id: str, items_id: str, picked_id: str | None = None, **ul_props) -> list:
    """The `<ul>` and the store of its items; with `picked_id`, the store a pressed item writes to."""
    stores = [dcc.Store(id=items_id, data=[])]
    if picked_id:
        stores.append(dcc.Store(id=picked_id))
        ul_props["data-picked"] = picked_id
    return [html.Ul(id=list_id, **ul_props), *stores]


def draw_in_browser(element_id: str, data_id: str, drawer: str = "fillList") -> None:
    """Draw the element's children from its store: `fillList` for a list, `fillTable` for a table body."""
    clientside_callback(
        ClientsideFunction(namespace="flightmap", function_name=drawer),
        Output(element_id, "title"),  # never changed: the children are drawn in the browser
        Input(data_id, "data"),
        State(element_id, "id"),
    )


def plain_table(body_id: str, rows_id: str, rows: list[dict], header: list[str], **table_props) -> list:
    """A table whose body rows are drawn in the browser from `rows` (see `row`)."""
    return [
        html.Table([html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(id=body_id)], **table_props),
        dcc.Store(id=rows_id, data=rows),
    ]


def row(cells: list, class_name: str | None = None) -> dict:
    """A table row: each cell a text, or a dict with `text`, and optionally `class`, `span`
    (columns it spans) and `lines` (further lines of text under it)."""
    out = {"cells": [c if isinstance(c, dict) else {"text": "" if c is None else str(c)} for c in cells]}
    if class_name:
        out["class"] = class_name
    return out


def item(text: str, *, strong: str | None = None, class_name: str | None = None, key: str | None = None) -> dict:
    out = {"text": text}
    if strong:
        out["strong"] = strong
    if class_name:
        out["class"] = class_name
    if key is not None:
        out["key"] = key
    return out
