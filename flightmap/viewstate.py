"""The whole view as URL query parameters, so an analyst can share or bookmark exactly what
they see: the date window, the filters, the selection, the map view and the story step.

    ?start=2023-10-10&end=2023-10-20&aircraft=5U-MBH&confidence=confirmed,reported
     &select=route|loop-1,loop-2&lat=16.2484&lon=-0.0055&zoom=5.5

Parameters, in the order `to_query` writes them:
    start, end      the window, YYYY-MM-DD (missing = the default window)
    aircraft        the registration search (text)
    type, operator, airport, route, category, confidence, source
                    comma-separated lists (see flightmap.filters). List items must not contain
                    commas: a comma always separates items, also when written %2C.
    select          the selection as "kind|key": "event|gao-crash", "airport|Gao",
                    "route|loop-1,loop-2" (flight ids), "records|flight:loop-2,event:gao-crash"
    lat, lon, zoom  the map view: -90..90, -180..180, 0..22 (kept to 4, 4 and 2 decimals)
    story, step     a story id ([A-Za-z0-9_-]+) and its step (a whole number from 1)
    present         1/true or 0/false

`parse_query` never raises: a parameter that is unknown or malformed is left out and a
notice says why, so the page can still open on everything else. Repeated parameters: the
last one wins. Nothing here imports dash.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, unquote_plus, urlencode

import pandas as pd

from flightmap import filters as filtering
from flightmap.evidence import EVENT, FLIGHT, record_key, selection_from_click
from flightmap.schema import CONFIDENCES, EVENT_CATEGORIES

SELECTION_KINDS = ("route", "airport", "event", "records")
PARAMS = (
    "start", "end", "aircraft", "type", "operator", "airport", "route", "category", "confidence", "source",
    "select", "lat", "lon", "zoom", "story", "step", "present",
)
LIST_PARAMS = filtering.LIST_KEYS
ALLOWED = {"category": EVENT_CATEGORIES, "confidence": CONFIDENCES}
RANGES = {"lat": (-90.0, 90.0, 4), "lon": (-180.0, 180.0, 4), "zoom": (0.0, 22.0, 2)}  # low, high, decimals
SAFE = ",|:>"
TRUE, FALSE = ("1", "true"), ("0", "false")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)
_STORY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_STEP = re.compile(r"\d{1,9}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN = 60  # characters of a value quoted in a notice


@dataclass(frozen=True)
class ViewState:
    start: date | None = None  # None = the default window
    end: date | None = None
    filters: dict = field(default_factory=dict)  # as in flightmap.filters, cleaned
    select: str | None = None  # "kind|key", see selection_param
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None
    story: str | None = None
    step: int | None = None
    present: bool = False


# ----------------------------------------------------------------------------- reading

def _shown(text: str) -> str:
    """A value as a notice quotes it: printable, and cut short when long."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(text))
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _ignored(name: str, value: str | None, reason: str) -> str:
    what = _shown(name) if value is None else f"{_shown(name)}={_shown(value)}"
    return f"Ignored {what}: {reason}"


def _pairs(search) -> list[tuple[str, str | None]]:
    """(name, decoded value) in order; value None when the pair has no '='."""
    if search is None:
        return []
    if isinstance(search, bytes):
        search = search.decode("utf-8", errors="replace")
    text = _SURROGATE.sub("\ufffd", str(search))  # lone surrogates cannot be encoded: never keep them
    if text.startswith("?"):
        text = text[1:]
    pairs = []
    for part in text.split("&"):
        if not part:
            continue
        name, equals, value = part.partition("=")
        pairs.append((unquote_plus(name).strip(), unquote_plus(value) if equals else None))
    return pairs


def _parse_date(value: str) -> date:
    text = value.strip()
    if not _DATE.fullmatch(text):
        raise ValueError
    return date.fromisoformat(text)


def _format_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def parse_query(search: str | None) -> tuple[ViewState, list[str]]:
    """The view a query string (location.search, "?" optional) asks for, and a notice for each
    part that was ignored. Never raises."""
    try:
        return _parse_query(search)
    except Exception:  # a safety net: a bad link must never stop the page from opening
        return ViewState(), ["Ignored the address query: it could not be read"]


def _parse_query(search) -> tuple[ViewState, list[str]]:
    notices: list[str] = []
    values: dict[str, str] = {}
    for name, value in _pairs(search):
        if not name and not value:
            continue  # a stray "=" or "&&"
        if name not in PARAMS:
            notice = _ignored(name, value, "unknown parameter")
            if notice not in notices:
                notices.append(notice)
            continue
        if value is None:
            value = ""
        values[name] = value  # the last one wins
    state: dict = {}
    chosen: dict = {}

    for name in ("start", "end"):
        value = values.get(name, "").strip()
        if not value:
            continue
        try:
            state[name] = _parse_date(value)
        except ValueError:
            notices.append(_ignored(name, value, "not a date (use YYYY-MM-DD)"))
    if "start" in state and "end" in state and state["end"] < state["start"]:
        notices.append(
            f"Ignored start={state['start']:%Y-%m-%d} and end={state['end']:%Y-%m-%d}: the window ends before it starts"
        )
        del state["start"], state["end"]

    aircraft = values.get("aircraft", "").strip()
    if aircraft:
        chosen["aircraft"] = aircraft
    for name in LIST_PARAMS:
        items = [item.strip() for item in values.get(name, "").split(",")]
        kept = []
        for item in items:
            if not item:
                continue
            if name in ALLOWED and item not in ALLOWED[name]:
                notices.append(_ignored(name, item, "not a known value"))
            elif name == "route" and not _is_route(item):
                notices.append(_ignored(name, item, "not a route (use Origin>Destination)"))
            else:
                kept.append(item)
        if kept:
            chosen[name] = kept
    state["filters"] = filtering.clean(chosen)

    select = values.get("select", "").strip()
    if select:
        kind, _, key = select.partition("|")
        if kind in SELECTION_KINDS and key.strip() and (kind != "records" or _record_keys(key.split(","))):
            state["select"] = select
        else:
            notices.append(_ignored("select", select, "not a selection (use kind|key, kind one of " + ", ".join(SELECTION_KINDS) + ")"))

    for name, (low, high, decimals) in RANGES.items():
        value = values.get(name, "").strip()
        if not value:
            continue
        number = float(value) if _NUMBER.fullmatch(value) else math.nan
        if not math.isfinite(number):
            notices.append(_ignored(name, value, "not a number"))
        elif not low <= number <= high:
            notices.append(_ignored(name, value, f"outside {_format_number(low, 0)}..{_format_number(high, 0)}"))
        else:
            state[name] = float(_format_number(number, decimals))

    story = values.get("story", "").strip()
    if story:
        if _STORY.fullmatch(story):
            state["story"] = story
        else:
            notices.append(_ignored("story", story, "use letters, digits, '-' and '_' only"))

    step = values.get("step", "").strip()
    if step:
        if _STEP.fullmatch(step) and int(step) >= 1:
            state["step"] = int(step)
        else:
            notices.append(_ignored("step", step, "not a whole number from 1"))

    present = values.get("present", "").strip()
    if present:
        if present.lower() in TRUE + FALSE:
            state["present"] = present.lower() in TRUE
        else:
            notices.append(_ignored("present", present, "use 1, true, 0 or false"))

    return ViewState(**state), notices


def _is_route(item: str) -> bool:
    origin, separator, destination = item.partition(">")
    return bool(separator and origin.strip() and destination.strip())


# ----------------------------------------------------------------------------- writing

def to_query(state: ViewState) -> str:
    """The query string of a view ("" for the default view): the inverse of parse_query."""
    pairs: list[tuple[str, str]] = []
    if state.start is not None:
        pairs.append(("start", state.start.isoformat()))
    if state.end is not None:
        pairs.append(("end", state.end.isoformat()))
    chosen = filtering.clean(state.filters)
    if "aircraft" in chosen:
        pairs.append(("aircraft", chosen["aircraft"]))
    for name in LIST_PARAMS:
        if name in chosen:
            pairs.append((name, ",".join(chosen[name])))
    if state.select:
        pairs.append(("select", state.select))
    for name, (_, _, decimals) in RANGES.items():
        value = getattr(state, name)
        if value is not None:
            pairs.append((name, _format_number(round(float(value), decimals), decimals)))
    if state.story:
        pairs.append(("story", state.story))
    if state.step is not None:
        pairs.append(("step", str(int(state.step))))
    if state.present:
        pairs.append(("present", "1"))
    return "?" + urlencode(pairs, quote_via=quote, safe=SAFE, errors="replace") if pairs else ""


# ----------------------------------------------------------------------------- the selection

def selection_param(selection: dict | None) -> str | None:
    """A selection dict (see flightmap.evidence) as the "kind|key" of the select parameter.

    route -> "route|<flight id>,<flight id>", airport -> "airport|<name>", event -> "event|<id>",
    records -> "records|<record key>,<record key>". None for no selection or an unknown kind.
    """
    if not isinstance(selection, dict):
        return None
    kind, key, ids = selection.get("kind"), selection.get("key"), selection.get("ids") or []
    if kind == "route":
        flight_ids = [str(i).partition(":")[2] for i in ids if str(i).startswith(FLIGHT + ":")]
        return f"route|{','.join(flight_ids)}" if flight_ids else None
    if kind in ("airport", "event"):
        return f"{kind}|{key}" if isinstance(key, str) and key else None
    if kind == "records":
        keys = _record_keys(ids) or _record_keys(str(key or "").split(","))
        return f"records|{','.join(keys)}" if keys else None
    return None


def _record_keys(items) -> list[str]:
    """The items of the form flight:<id> or event:<id>, stripped, first occurrence kept."""
    keys: list[str] = []
    for item in items if isinstance(items, (list, tuple)) else ():
        table, _, record_id = str(item).strip().partition(":")
        if table in (FLIGHT, EVENT) and record_id.strip():
            key = record_key(table, record_id.strip())
            if key not in keys:
                keys.append(key)
    return keys


def selection_from_param(text: str | None, flights: pd.DataFrame) -> dict | None:
    """The selection dict a "kind|key" select parameter stands for; None when it is not one."""
    kind, _, value = str(text or "").partition("|")
    if kind == "records":
        keys = _record_keys(value.split(","))
        return {"kind": "records", "key": ",".join(keys), "ids": keys} if keys else None
    if kind in ("route", "airport", "event"):
        if kind == "route":
            flight_ids = [i.strip() for i in value.split(",") if i.strip()]
            value = ",".join(flight_ids)
        return selection_from_click(f"{kind}|{value}", flights) if value else None
    return None
