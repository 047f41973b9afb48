"""Filters over the located flights and events: what the analyst narrowed the view to.

Filters are a plain dict, so they can live in a dcc.Store and in the URL. Every key is optional;
a missing or empty key does not filter:

    aircraft    str        registration search: case-insensitive, hyphens, spaces, dots and
                           underscores ignored, substring match (`5umbh` and `u-mb` find
                           `5U-MBH`); flights' `registration`, events' free-text `aircraft`
    type        [str]      flights' `aircraft_type` is one of these          (flights only)
    operator    [str]      flights' `operator` is one of these               (flights only)
    airport     [str]      flights whose origin or destination name is one of these;
                           events whose place name is one of these
    route       [str]      route keys "Origin>Destination" of resolved names, direction
                           matters (see `route_key`)                         (flights only)
    category    [str]      events' `category` is one of these                (events only)
    confidence  [str]      records of either table whose confidence is one of these
    source      [str]      records of either table citing at least one of these source ids

All set filters combine with AND. A filter on a field that only one table has never removes
records of the other table: when any flight-only filter (type, operator, route) is set, events
are kept (they have no aircraft type, operator or route), and a category filter keeps every
flight. So `type=["C-130H"]` shows the C-130H flights and all events (still cut by the other
filters); the shared filters (aircraft, airport, confidence, source) apply to both tables.

Nothing here imports dash; everything works on whole columns and never changes its inputs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from flightmap.registration import _SEPARATORS, compact
from flightmap.schema import CONFIDENCES, EVENT_CATEGORIES

FILTER_KEYS = ("aircraft", "type", "operator", "airport", "route", "category", "confidence", "source")
TEXT_KEYS = ("aircraft",)
LIST_KEYS = tuple(k for k in FILTER_KEYS if k not in TEXT_KEYS)
FLIGHT_ONLY = ("type", "operator", "route")
EVENT_ONLY = ("category",)

ROUTE_SEPARATOR = ">"
ROUTE_ARROW = " → "
SOURCE_LABEL_MAX = 70


# ----------------------------------------------------------------------------- the dict

def _text(value) -> str:
    """A scalar as stripped text; anything else (None, lists, dicts...) as ''."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    return ""


def clean(filters: dict | None) -> dict:
    """The filters in canonical form, keys in FILTER_KEYS order.

    Unknown keys and empty values are dropped; strings are stripped; a single string given for
    a list key becomes a one-item list; list items are stripped, empty ones dropped and
    duplicates removed keeping the first. An aircraft search with nothing but separators
    ("-", " ") is empty too. Never raises on odd input (None, numbers, nested values).
    """
    if not isinstance(filters, dict):
        return {}
    cleaned: dict = {}
    for key in FILTER_KEYS:
        value = filters.get(key)
        if key in TEXT_KEYS:
            text = _text(value)
            if compact(text):
                cleaned[key] = text
            continue
        items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
        kept: list[str] = []
        for item in items:
            text = _text(item)
            if text and text not in kept:
                kept.append(text)
        if kept:
            cleaned[key] = kept
    return cleaned


def is_active(filters: dict | None) -> bool:
    """Whether any filter is set."""
    return bool(clean(filters))


# ----------------------------------------------------------------------------- routes

def route_key(origin_name: str, destination_name: str) -> str:
    """The route filter value of a leg: 'Bamako>Gao' (direction matters)."""
    return f"{origin_name}{ROUTE_SEPARATOR}{destination_name}"


def route_label(key: str) -> str:
    """'Bamako>Gao' as people read it: 'Bamako → Gao'."""
    origin, separator, destination = str(key).partition(ROUTE_SEPARATOR)
    return f"{origin}{ROUTE_ARROW}{destination}" if separator else str(key)


def _route_keys(flights: pd.DataFrame) -> pd.Series:
    return flights["origin_name"].astype(str) + ROUTE_SEPARATOR + flights["destination_name"].astype(str)


# ----------------------------------------------------------------------------- masks

def _true(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(np.ones(len(frame), dtype=bool), index=frame.index)


def _isin(column: pd.Series, values) -> pd.Series:
    return column.astype(str).isin(list(values)).astype(bool)


def _contains_registration(column: pd.Series, needle: str) -> pd.Series:
    """Compacted column contains the compacted needle (plain substring, not a regex)."""
    compacted = column.fillna("").astype(str).str.replace(_SEPARATORS.pattern, "", regex=True).str.upper()
    return compacted.str.contains(compact(needle), regex=False).fillna(False).astype(bool)


def _cites_any(column: pd.Series, source_ids) -> pd.Series:
    """Each record's source_ids (a tuple or list) shares at least one id with source_ids."""
    if column.empty:
        return pd.Series(np.zeros(0, dtype=bool), index=column.index)
    positions = pd.Series(
        [tuple(ids) if isinstance(ids, (tuple, list)) else () for ids in column], dtype=object
    )
    exploded = positions.explode()
    hits = exploded.isin(list(source_ids)).groupby(level=0).any()
    return pd.Series(hits.reindex(range(len(column)), fill_value=False).to_numpy(dtype=bool), index=column.index)


def flight_mask(flights: pd.DataFrame, filters: dict | None) -> pd.Series:
    """Which flights every set filter keeps (category is ignored: flights have none)."""
    f = clean(filters)
    keep = _true(flights)
    if "aircraft" in f:
        keep &= _contains_registration(flights["registration"], f["aircraft"])
    if "type" in f:
        keep &= _isin(flights["aircraft_type"], f["type"])
    if "operator" in f:
        keep &= _isin(flights["operator"], f["operator"])
    if "airport" in f:
        keep &= _isin(flights["origin_name"], f["airport"]) | _isin(flights["destination_name"], f["airport"])
    if "route" in f:
        keep &= _route_keys(flights).isin(f["route"]).astype(bool)
    if "confidence" in f:
        keep &= _isin(flights["confidence"], f["confidence"])
    if "source" in f:
        keep &= _cites_any(flights["source_ids"], f["source"])
    return keep


def event_mask(events: pd.DataFrame, filters: dict | None) -> pd.Series:
    """Which events every set filter keeps (type, operator and route are ignored: events have none)."""
    f = clean(filters)
    keep = _true(events)
    if "aircraft" in f:
        keep &= _contains_registration(events["aircraft"], f["aircraft"])
    if "airport" in f:
        keep &= _isin(events["place_name"], f["airport"])
    if "category" in f:
        keep &= _isin(events["category"], f["category"])
    if "confidence" in f:
        keep &= _isin(events["confidence"], f["confidence"])
    if "source" in f:
        keep &= _cites_any(events["source_ids"], f["source"])
    return keep


def apply(flights: pd.DataFrame, events: pd.DataFrame, filters: dict | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flights and events the filters keep (new frames, original index kept)."""
    return flights[flight_mask(flights, filters).to_numpy()], events[event_mask(events, filters).to_numpy()]


def counts(flights: pd.DataFrame, events: pd.DataFrame, filters: dict | None) -> dict[str, dict]:
    """For every filter key, how many records (flights + events) that filter ALONE keeps.

    `{"aircraft": {"kept": 12, "total": 30}, ...}`; the caller passes records already cut to the
    date window. A key that is not set keeps everything (kept == total). Plain ints.
    """
    f = clean(filters)
    total = int(len(flights) + len(events))
    result: dict[str, dict] = {}
    for key in FILTER_KEYS:
        if key not in f:
            result[key] = {"kept": total, "total": total}
            continue
        alone = {key: f[key]}
        kept = int(flight_mask(flights, alone).sum()) + int(event_mask(events, alone).sum())
        result[key] = {"kept": kept, "total": total}
    return result


# ----------------------------------------------------------------------------- dropdown options

def _sorted_options(values) -> list[dict]:
    distinct = {str(v).strip() for v in values if isinstance(v, str) and v.strip()}
    return [{"label": v, "value": v} for v in sorted(distinct, key=lambda v: (v.casefold(), v))]


def _truncate(text: str, limit: int = SOURCE_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def options(flights: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame) -> dict[str, list[dict]]:
    """Dash dropdown options {"label", "value"} for every list filter, from the data.

    type, operator: the non-empty values, sorted. airport: leg-end names that were resolved to
    coordinates plus every event place name, sorted. route: legs with both ends resolved,
    sorted by label ("Bamako → Gao", value "Bamako>Gao"). category, confidence: every schema
    value, in schema order. source: "publisher — title" (at most 70 characters), value the id,
    sorted by label.
    """
    origin_known = flights["origin_lat"].notna() & flights["origin_lon"].notna() & (flights["origin_name"] != "")
    destination_known = (
        flights["destination_lat"].notna() & flights["destination_lon"].notna() & (flights["destination_name"] != "")
    )
    airports = pd.concat([
        flights.loc[origin_known, "origin_name"],
        flights.loc[destination_known, "destination_name"],
        events["place_name"],
    ])
    both = flights[origin_known & destination_known]
    routes = sorted(set(_route_keys(both)), key=lambda k: (route_label(k).casefold(), k))

    source_options = [
        {"label": _truncate(f"{str(publisher).strip()} — {str(title).strip()}"), "value": str(source_id)}
        for source_id, title, publisher in zip(sources["id"], sources["title"], sources["publisher"])
        if str(source_id).strip()
    ]
    source_options.sort(key=lambda o: (o["label"].casefold(), o["value"]))

    return {
        "type": _sorted_options(flights["aircraft_type"]),
        "operator": _sorted_options(flights["operator"]),
        "airport": _sorted_options(airports),
        "route": [{"label": route_label(k), "value": k} for k in routes],
        "category": [{"label": c, "value": c} for c in EVENT_CATEGORIES],
        "confidence": [{"label": c, "value": c} for c in CONFIDENCES],
        "source": source_options,
    }
