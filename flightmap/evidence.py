"""What lies behind a mark on the map: the records a selection stands for, their sources, and the
rows of the records table.

A selection is a plain dict, so it can live in a dcc.Store or the URL:
    {"kind": "route" | "airport" | "event" | "records", "key": str, "ids": [record keys]}
Record keys are "flight:<id>" or "event:<id>": flight and event ids may coincide.
"""
from __future__ import annotations

import pandas as pd

FLIGHT, EVENT = "flight", "event"


def record_key(table: str, record_id: str) -> str:
    return f"{table}:{record_id}"


def split_keys(keys) -> tuple[set[str], set[str]]:
    """Flight ids and event ids named by a list of record keys."""
    flights, events = set(), set()
    for key in keys or ():
        table, _, record_id = str(key).partition(":")
        (flights if table == FLIGHT else events if table == EVENT else set()).add(record_id)
    return flights, events


def route_selection(ids) -> dict:
    keys = [record_key(FLIGHT, i) for i in ids]
    return {"kind": "route", "key": "|".join(keys), "ids": keys}


def airport_selection(name: str, flights: pd.DataFrame) -> dict:
    touching = flights[(flights["origin_name"] == name) | (flights["destination_name"] == name)]
    return {"kind": "airport", "key": name, "ids": [record_key(FLIGHT, i) for i in touching["id"]]}


def event_selection(event_id: str) -> dict:
    return {"kind": "event", "key": event_id, "ids": [record_key(EVENT, event_id)]}


def selection_from_click(customdata: str, flights: pd.DataFrame) -> dict | None:
    """Map and timeline points carry 'route|id,id', 'airport|name' or 'event|id' as customdata;
    a busy route of a big dataset carries 'route-of|origin|destination|style' instead."""
    kind, _, value = str(customdata or "").partition("|")
    if kind == "route" and value:
        return route_selection(value.split(","))
    if kind == "route-of" and value:  # a busy route of a big dataset names itself, not its ids
        from flightmap.arcs import route_styles

        origin, _, rest = value.partition("|")
        destination, _, style = rest.rpartition("|")
        on = flights[(flights["origin_name"] == origin) & (flights["destination_name"] == destination)]
        return route_selection(on.loc[route_styles(on) == style, "id"])
    if kind == "airport" and value:
        return airport_selection(value, flights)
    if kind == "event" and value:
        return event_selection(value)
    return None


def selected_records(selection: dict | None, flights: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    flight_ids, event_ids = split_keys((selection or {}).get("ids"))
    return flights[flights["id"].isin(flight_ids)], events[events["id"].isin(event_ids)]


def sources_of(records: list[pd.DataFrame], sources: pd.DataFrame) -> pd.DataFrame:
    """The sources cited by the given records, in the order first cited."""
    cited: list[str] = []
    for frame in records:
        for ids in frame["source_ids"]:
            cited += [i for i in ids if i not in cited]
    by_id = sources.set_index("id")
    return by_id.loc[[i for i in cited if i in by_id.index]].reset_index()


def format_dates(start: pd.Timestamp, end: pd.Timestamp, precision: str) -> str:
    if precision == "month":
        return start.strftime("%B %Y")
    if start == end:
        return start.strftime("%d %b %Y")
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


TABLE_COLUMNS = [
    "key", "type", "date_start", "date_end", "time", "precision", "where", "aircraft", "kind",
    "confidence", "summary", "sources", "conflict",
]


def table_rows(flights: pd.DataFrame, events: pd.DataFrame) -> list[dict]:
    """One plain row per record for the records table (flights first, then events, by date)."""
    flight_rows = pd.DataFrame(
        {
            "key": FLIGHT + ":" + flights["id"],
            "type": FLIGHT,
            "date_start": flights["date_start"].dt.strftime("%Y-%m-%d"),
            "date_end": flights["date_end"].dt.strftime("%Y-%m-%d"),
            "precision": flights["date_precision"],
            "where": flights["origin_name"].replace("", "?") + " → " + flights["destination_name"].replace("", "?"),
            "time": _times(flights["departure_time"], flights["arrival_time"]),
            "aircraft": (flights["registration"] + " " + flights["aircraft_type"] + (" · " + flights["callsign"]).where(flights["callsign"] != "", "")).str.strip(),
            "kind": flights["kind"].map({"dated": "dated flight", "pattern": "reported pattern"}),
            "confidence": flights["confidence"],
            "summary": flights["summary"],
            "sources": flights["source_ids"].map("; ".join),
            "conflict": flights["conflict_note"],
        }
    )
    event_rows = pd.DataFrame(
        {
            "key": EVENT + ":" + events["id"],
            "type": EVENT,
            "date_start": events["date_start"].dt.strftime("%Y-%m-%d"),
            "date_end": events["date_end"].dt.strftime("%Y-%m-%d"),
            "time": "",
            "precision": events["date_precision"],
            "where": events["place_name"].replace("", "place not reported"),
            "aircraft": events["aircraft"],
            "kind": events["category"],
            "confidence": events["confidence"],
            "summary": events["title"] + ": " + events["summary"],
            "sources": events["source_ids"].map("; ".join),
            "conflict": events["conflict_note"],
        }
    )
    rows = pd.concat([flight_rows, event_rows], ignore_index=True)
    return rows.sort_values(["date_start", "type", "time", "key"], kind="stable")[TABLE_COLUMNS].to_dict("records")


def _times(departure: pd.Series, arrival: pd.Series) -> pd.Series:
    """'08:12 → 10:05' (UTC), one end alone, or ''; sorts in the order flown within a day."""
    both = departure + " → " + arrival
    return both.where((departure != "") & (arrival != ""), departure.where(departure != "", ("→ " + arrival).where(arrival != "", "")))


def tracks_of(flight_ids, tracks: pd.DataFrame) -> pd.DataFrame:
    """The flown tracks (Dataset.tracks) linked to any of the given flights, earliest first."""
    wanted = set(flight_ids)
    if tracks.empty or not wanted:
        return tracks.iloc[0:0]
    linked = tracks[tracks["flight_ids"].map(lambda ids: bool(wanted.intersection(ids)))]
    return linked.sort_values("first_time", kind="stable")


def track_line(row) -> str:
    """One line on a track for the evidence panel: points, times, aircraft, confidence."""
    if pd.isna(row.first_time):
        when = "no times"
    else:
        when = f"{row.first_time:%Y-%m-%d %H:%M} to {row.last_time:%Y-%m-%d %H:%M} UTC"
    who = " · ".join(v for v in (row.registration, row.hex and f"hex {row.hex}", row.callsign and f"callsign {row.callsign}") if v) or "aircraft not named"
    return f"{row.points:,} points, {when} · {who} · confidence: {row.confidence}"
