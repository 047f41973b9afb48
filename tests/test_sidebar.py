"""The panel beside the map lists how places were resolved, flagged ones first, and no more than
PLACE_ROWS of them: every element is a component the page's renderer visits on each update."""
from __future__ import annotations

import pandas as pd

from components.sidebar import PLACE_ROWS, _resolution_table


def _text(component) -> str:
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    if isinstance(children, str):
        return children
    return "" if children is None else _text(children)


def _rows(component) -> list:
    table = next(c for c in component.children if getattr(c, "__class__", None).__name__ == "Table")
    return table.children[1].children


def snapshot_with(resolutions: pd.DataFrame):
    class Located:
        pass

    class Snap:
        geocoder_status = "offline"

    located = Located()
    located.resolutions = resolutions
    snap = Snap()
    snap.located = located
    return snap


def resolutions(resolved: int, unresolved: int) -> pd.DataFrame:
    rows = [{"query": f"Place {i:04d}", "name": f"Place {i:04d}", "icao": "", "country": "", "method": "places.csv", "score": 100.0,
             "status": "resolved", "note": "", "candidates": []} for i in range(resolved)]
    rows += [{"query": f"Nowhere {i:04d}", "name": "", "icao": "", "country": "", "method": "", "score": 0.0,
              "status": "unresolved", "note": "", "candidates": []} for i in range(unresolved)]
    return pd.DataFrame(rows)


def test_a_few_places_are_all_listed():
    panel = _resolution_table(snapshot_with(resolutions(8, 1)))
    assert len(_rows(panel)) == 9 and "more places" not in _text(panel)


def test_many_places_list_the_flagged_first_and_say_how_many_more():
    panel = _resolution_table(snapshot_with(resolutions(500, 3)))
    rows = _rows(panel)
    assert len(rows) == PLACE_ROWS + 1  # the rows shown and one line saying what is left
    assert all("Nowhere" in _text(rows[i]) for i in range(3))  # flagged first: never cut off
    assert "… and 453 more places (0 of them to check or not found): python app.py places DATA lists every one." in _text(rows[-1])
