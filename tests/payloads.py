"""A hostile copy of the shipped dataset (issue 8): HTML and script payloads in every text column
of flights.csv, events.csv, sources.csv and places.csv that the loader accepts, and in a story.

Each payload carries every vector at once (an <img onerror>, a <script>, an attribute break-out
into an <svg onload>, a javascript: text) and names where it was put, so that a payload that ran
would say which column let it through: window.__pwned = '<tag>'.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from tests.conftest import DEFAULT_DATA


def payload(tag: str) -> str:
    return (
        f"{tag} <img src=x onerror=\"window.__pwned='{tag}'\"> <script>window.__pwned='{tag}'</script> "
        f"\"><svg onload=\"window.__pwned='{tag}'\"> javascript:window.__pwned='{tag}'"
    )


def id_payload(tag: str) -> str:
    """Ids may not hold ';' or start with a space; ids also name URLs (/source/<id>), so no '/'."""
    return f"{tag}\"><svg onload=window.__pwned=1><img src=x onerror=window.__pwned=1>"


VECTORS = ("<img src=x onerror=", "<script>window.__pwned=", "\"><svg onload=", "javascript:window.__pwned=")

PLACE = payload("place-name")  # a place of places.csv, drawn on the map where a flight lands
UNRESOLVED = payload("flight-origin")  # a place no gazetteer knows: listed beside the map
EVENT_PLACE = payload("event-place")  # an event placed by its coordinates
SOURCE_ID = id_payload("source-id")
FLIGHT_ID = id_payload("flight-id")
EVENT_ID = id_payload("event-id")
STORY = "payload"

# (file, spreadsheet row (header = 1) or None for a new row, {column: value})
EDITS = [
    # loop-1 Bamako -> Gao: every free-text column of a drawn flight.
    ("flights.csv", 2, {c: payload(f"flight-{c}") for c in ("registration", "aircraft_type", "operator", "summary", "conflict_note")}),
    # gao-overrun: an origin nobody can place, and its id.
    ("flights.csv", 6, {"origin": UNRESOLVED, "id": FLIGHT_ID}),
    # minusma-c130-tessalit: lands at a place whose name is a payload.
    ("flights.csv", 9, {"destination": PLACE}),
    # gao-crash: the event's text columns, and a hostile source cited.
    ("events.csv", 8, {**{c: payload(f"event-{c}") for c in ("title", "summary", "aircraft", "conflict_note")}, "source_ids": None}),
    # anefis-taken: placed by coordinates under a hostile place name.
    ("events.csv", 11, {"place": EVENT_PLACE, "lat": "18.05", "lon": "0.6"}),
    # kidal-offensive has no place: listed beside the map with its title and summary.
    ("events.csv", 10, {"title": payload("offmap-title"), "summary": payload("offmap-summary")}),
    # tessalit-handover: its id.
    ("events.csv", 14, {"id": EVENT_ID}),
]
NEW_SOURCE = {
    "id": SOURCE_ID, "title": payload("source-title"), "publisher": payload("source-publisher"),
    # url is checked by the loader: only http(s) with no quotes or brackets (javascript: is refused).
    "url": "https://example.invalid/report?q=javascript:alert(1)", "file": "", "published": "2023-09", "notes": payload("source-notes"),
}
NEW_PLACE = {"name": PLACE, "aliases": payload("place-alias"), "icao": "", "lat": "19.6", "lon": "1.9", "country": payload("place-country"), "source_ids": "", "notes": payload("place-notes")}
STORY_TOML = f'''
title = {json.dumps(payload("story-title"))}
subtitle = {json.dumps(payload("story-subtitle"))}

[[steps]]
title = {json.dumps(payload("step-title"))}
start = 2023-09-18
end = 2023-10-31
select = "event|gao-crash"
caption = """
{payload("caption")} [a markdown link](javascript:window.__pwned='markdown-link') <b>bold?</b>
"""
notes = {json.dumps(payload("step-notes"))}
'''


def _rewrite(path: Path, change):
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def hostile_dataset(target: Path) -> Path:
    """Copy the shipped data to `target` and plant the payloads; returns `target`."""
    shutil.copytree(DEFAULT_DATA, target)
    for name, row, values in EDITS:
        def change(rows, row=row, values=values):
            header = rows[0]
            for column, value in values.items():
                i = header.index(column)
                if column == "source_ids":
                    value = rows[row - 1][i] + ";" + SOURCE_ID
                rows[row - 1][i] = value
        _rewrite(target / name, change)
    _rewrite(target / "sources.csv", lambda rows: rows.append([NEW_SOURCE[c] for c in rows[0]]))
    _rewrite(target / "places.csv", lambda rows: rows.append([NEW_PLACE[c] for c in rows[0]]))
    (target / "stories" / f"{STORY}.toml").write_text(STORY_TOML, encoding="utf-8")
    return target
