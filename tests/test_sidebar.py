"""The panel beside the map lists how places were resolved, flagged ones first, and no more than
PLACE_ROWS of them, drawn by the browser from data (assets/plain_list.js)."""
from __future__ import annotations

import pandas as pd

from components.sidebar import PLACE_ROWS, _resolution_table


def _rows(panel) -> list[str]:
    """The text of each body row, as the browser draws it from the rows' store."""
    store = next(c for c in panel.children if type(c).__name__ == "Store")
    return [" ".join(" ".join([cell["text"], *cell.get("lines", [])]) for cell in r["cells"]) for r in store.data]


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
    assert len(_rows(panel)) == 9 and not any("more places" in r for r in _rows(panel))


def test_many_places_list_the_flagged_first_and_say_how_many_more():
    panel = _resolution_table(snapshot_with(resolutions(500, 3)))
    rows = _rows(panel)
    assert len(rows) == PLACE_ROWS + 1  # the rows shown and one line saying what is left
    assert all("Nowhere" in rows[i] for i in range(3))  # flagged first: never cut off
    assert "… and 453 more places (0 of them to check or not found): python app.py places DATA lists every one." in rows[-1]
