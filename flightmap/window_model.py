"""What the browser needs to redraw the map for any window without asking the server: every
route's geometry with its legs' sorted first and last days, every airport's leg ends likewise,
and the events' day ranges. Built once per (data, filters); the browser (assets/flightmap.js,
`windowModel`) counts a window with two binary searches per route and applies the same rules as
figures.py (the busiest MAX_DRAWN_ROUTES routes, widths by share of the busiest, airport discs by
area, names for the busiest airports). The Python functions here are those rules, for the tests.

A leg overlaps [a, b] when start <= b and end >= a. Since start <= end, the legs with end < a all
have start <= b: overlapping = #(start <= b) - #(end < a), and flights likewise with prefix sums.
"""
from __future__ import annotations

import base64
from functools import lru_cache
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightmap.arcs import RouteIndex, chevrons, route_line, width_for

# Kept in step with figures.py (which the tests check): the drawing rules the browser repeats.
from flightmap.figures import (  # noqa: E402
    AIRPORT_COLOUR, COMPACT_AIRPORTS, DATED_COLOUR, DISPUTED_COLOUR, EVENT_COLOURS, LABELLED_AIRPORTS, MAX_DRAWN_ROUTES,
    MAX_MARKER, MIN_MARKER, PATTERN_COLOUR, WIDTH_STEPS, short_label,
)

STYLES = ("dated", "pattern", "disputed")
CATEGORIES = tuple(EVENT_COLOURS)
# A filtered dataset with more routes than this sends only the busiest over its whole span: a
# window's 60 busiest are then almost always among them (the model says when it is not complete).
MAX_MODEL_ROUTES = 4000


@dataclass(frozen=True, eq=False)
class WindowModel:
    route_style: np.ndarray  # index into STYLES, per model route
    route_origin: np.ndarray  # airport position (into airport_*), per model route
    route_destination: np.ndarray
    route_rank: np.ndarray  # aggregate_routes' order (ties in busiest keep it)
    route_offsets: np.ndarray  # (routes + 1) into route_starts / route_ends
    route_starts: np.ndarray  # int32 days, sorted within each route
    route_ends: np.ndarray
    start_flights: np.ndarray  # prefix sums (leading 0) of flights in route_starts' order
    end_flights: np.ndarray
    geometry_offsets: np.ndarray  # (routes + 1) into geometry_lat / geometry_lon
    geometry_lat: np.ndarray
    geometry_lon: np.ndarray
    chevron_offsets: np.ndarray
    chevron_lat: np.ndarray  # NaN between chevrons
    chevron_lon: np.ndarray
    airport_names: list
    airport_labels: list
    airport_lat: np.ndarray
    airport_lon: np.ndarray
    airport_rank: np.ndarray  # airport_totals' order
    airport_offsets: np.ndarray
    airport_starts: np.ndarray  # each leg end's first day, sorted within each airport
    airport_ends: np.ndarray
    event_start: np.ndarray
    event_end: np.ndarray
    event_lat: np.ndarray
    event_lon: np.ndarray
    event_category: np.ndarray
    complete: bool  # every route of the filtered data is in the model
    total_routes: int

    @property
    def routes(self) -> int:
        return len(self.route_style)


def _grouped(groups: np.ndarray, n: int, starts: np.ndarray, ends: np.ndarray, weights: np.ndarray | None = None):
    """Per group: its starts sorted, its ends sorted (concatenated, with offsets), and prefix sums
    of the weights in each order."""
    order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
    g = groups[order]
    by_start = order[np.lexsort((starts[order], g))]
    by_end = order[np.lexsort((ends[order], g))]
    out = [offsets, starts[by_start].astype("int32"), ends[by_end].astype("int32")]
    if weights is not None:
        out += [np.concatenate([[0], np.cumsum(weights[by_start], dtype="int64")]),
                np.concatenate([[0], np.cumsum(weights[by_end], dtype="int64")])]
    return out


def build(index: RouteIndex, flight_start: np.ndarray, flight_end: np.ndarray, keep_flights: np.ndarray,
          events: pd.DataFrame, event_start: np.ndarray, event_end: np.ndarray, keep_events: np.ndarray,
          codes: dict | None = None, max_routes: int = MAX_MODEL_ROUTES) -> WindowModel:
    """The model of the legs kept by `keep_flights` (the filters) and the events kept by `keep_events`."""
    codes = codes or {}
    legs = np.flatnonzero(keep_flights & (index.code >= 0))
    route_of = index.code[legs]
    n_all = len(index.routes)
    records = np.bincount(route_of, minlength=n_all)
    flights = np.bincount(route_of, weights=index.counted[legs], minlength=n_all)
    present = np.flatnonzero(records)
    total = len(present)
    if total > max_routes:  # the busiest over the whole span, as busiest() ranks them
        traffic = np.where(flights[present] > 0, flights[present], records[present])
        present = present[np.lexsort((index.route_rank[present], -records[present], -traffic))[:max_routes]]
    present = np.sort(present)
    slot = np.full(n_all, -1, dtype="int64")
    slot[present] = np.arange(len(present))
    legs = legs[slot[route_of] >= 0]
    groups = slot[index.code[legs]]
    offsets, starts, ends, start_w, end_w = _grouped(groups, len(present), flight_start[legs], flight_end[legs],
                                                    index.counted[legs].astype("int64"))
    if len(start_w) and start_w[-1] >= 2**31:  # sent as int32
        raise ValueError("more than 2**31 flights in the model")

    table = index.routes.iloc[present].reset_index(drop=True)
    style = table["style"].map({s: i for i, s in enumerate(STYLES)}).to_numpy(dtype="int64")
    # Airports of the model: every placed end of a kept leg (airport_totals counts both ends).
    ends_codes = index.ends[:, legs]
    used = np.unique(ends_codes[ends_codes >= 0])
    airport_slot = np.full(len(index.airports), -1, dtype="int64")
    airport_slot[used] = np.arange(len(used))
    # A route's ends are its legs' ends: the first leg of each route names them.
    _, first_index = np.unique(groups, return_index=True)
    first_leg = legs[first_index]
    origin = airport_slot[index.ends[0, first_leg]] if len(present) else np.zeros(0, dtype="int64")
    destination = airport_slot[index.ends[1, first_leg]] if len(present) else np.zeros(0, dtype="int64")

    placed = np.concatenate([ends_codes[0], ends_codes[1]])
    day_s, day_e = np.tile(flight_start[legs], 2), np.tile(flight_end[legs], 2)
    mask = placed >= 0
    a_offsets, a_starts, a_ends = _grouped(airport_slot[placed[mask]], len(used), day_s[mask], day_e[mask])
    airports = index.airports.iloc[used].reset_index(drop=True)

    geometry = [[], []]
    geometry_offsets = [0]
    chev = [[], []]
    chev_offsets = [0]
    for row in table.itertuples():
        distance = 0.0 if pd.isna(row.distance_km) else float(row.distance_km)
        lats, lons, c_lat, c_lon = _shape(float(row.origin_lat), float(row.origin_lon), float(row.destination_lat), float(row.destination_lon), distance)
        geometry[0].append(lats)
        geometry[1].append(lons)
        geometry_offsets.append(geometry_offsets[-1] + len(lats))
        chev[0] += c_lat
        chev[1] += c_lon
        chev_offsets.append(len(chev[0]))

    kept_events = events[keep_events]
    return WindowModel(
        route_style=style, route_origin=origin, route_destination=destination, route_rank=index.route_rank[present],
        route_offsets=offsets, route_starts=starts, route_ends=ends, start_flights=start_w, end_flights=end_w,
        geometry_offsets=np.array(geometry_offsets, dtype="int64"),
        geometry_lat=np.concatenate(geometry[0]) if geometry[0] else np.zeros(0), geometry_lon=np.concatenate(geometry[1]) if geometry[1] else np.zeros(0),
        chevron_offsets=np.array(chev_offsets, dtype="int64"), chevron_lat=np.array(chev[0], dtype="float64"), chevron_lon=np.array(chev[1], dtype="float64"),
        airport_names=[str(n) for n in airports["name"]], airport_labels=[short_label(n, codes.get(n)) for n in airports["name"]],
        airport_lat=airports["lat"].to_numpy(dtype="float64"), airport_lon=airports["lon"].to_numpy(dtype="float64"),
        airport_rank=index.airport_rank[used], airport_offsets=a_offsets, airport_starts=a_starts, airport_ends=a_ends,
        event_start=np.asarray(event_start)[keep_events].astype("int32"), event_end=np.asarray(event_end)[keep_events].astype("int32"),
        event_lat=kept_events["lat"].to_numpy(dtype="float64"), event_lon=kept_events["lon"].to_numpy(dtype="float64"),
        event_category=kept_events["category"].map({c: i for i, c in enumerate(CATEGORIES)}).fillna(len(CATEGORIES) - 1).to_numpy(dtype="int64"),
        complete=total <= max_routes, total_routes=total,
    )


@lru_cache(maxsize=32_768)
def _shape(lat1: float, lon1: float, lat2: float, lon2: float, distance_km: float) -> tuple:
    """A route's coarse line (figures' compact drawing) and its one chevron: the same routes come
    back with every filter, each is computed once per process."""
    lats, lons = route_line(lat1, lon1, lat2, lon2, step_km=max(30.0, distance_km / 5))
    c_lat, c_lon = chevrons(lats, lons, count=1)
    return (lats.round(4), lons.round(4), tuple(np.nan if v is None else v for v in c_lat), tuple(np.nan if v is None else v for v in c_lon))


def _overlapping(offsets, starts, ends, first: int, last: int, start_w=None, end_w=None):
    """Per group: how many items overlap [first, last], and (with weights) their weight."""
    n = len(offsets) - 1
    count = np.zeros(n, dtype="int64")
    weight = np.zeros(n, dtype="int64")
    for g in range(n):
        lo, hi = offsets[g], offsets[g + 1]
        upto = lo + np.searchsorted(starts[lo:hi], last, side="right")
        before = lo + np.searchsorted(ends[lo:hi], first, side="left")
        count[g] = (upto - lo) - (before - lo)
        if start_w is not None:
            weight[g] = (start_w[upto] - start_w[lo]) - (end_w[before] - end_w[lo])
    return count, weight


def window_counts(model: WindowModel, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(records, flights) per model route and records per model airport in the window [first, last] (days)."""
    records, flights = _overlapping(model.route_offsets, model.route_starts, model.route_ends, first, last, model.start_flights, model.end_flights)
    airports, _ = _overlapping(model.airport_offsets, model.airport_starts, model.airport_ends, first, last)
    return records, flights, airports


def width_step(width: float) -> float:
    return min(WIDTH_STEPS, key=lambda step: abs(step - width))


def drawn_routes(model: WindowModel, first: int, last: int, hidden=()) -> pd.DataFrame:
    """The routes the map draws for the window (figures.route_traces' rule): the busiest
    MAX_DRAWN_ROUTES by flights (records for patterns), then records, then aggregate order; each
    with its width step. Columns: route (model position), style, origin, destination, records,
    flights, width."""
    records, flights, _ = window_counts(model, first, last)
    shown = np.array([STYLES[s] not in set(hidden) for s in model.route_style], dtype=bool) if len(model.route_style) else np.zeros(0, bool)
    candidates = np.flatnonzero((records > 0) & shown)
    traffic = np.where(flights > 0, flights, records)
    order = candidates[np.lexsort((model.route_rank[candidates], -records[candidates], -traffic[candidates]))]
    drawn = order[:MAX_DRAWN_ROUTES]
    drawn = drawn[np.argsort(model.route_rank[drawn], kind="stable")]
    widest = int(max(1, traffic[drawn].max())) if len(drawn) else 1
    return pd.DataFrame({
        "route": drawn, "style": [STYLES[s] for s in model.route_style[drawn]],
        "origin": [model.airport_names[i] for i in model.route_origin[drawn]],
        "destination": [model.airport_names[i] for i in model.route_destination[drawn]],
        "records": records[drawn], "flights": flights[drawn],
        "width": [width_step(width_for(int(f), int(r), widest)) for f, r in zip(flights[drawn], records[drawn])],
    })


def airport_marks(model: WindowModel, first: int, last: int) -> pd.DataFrame:
    """The airports drawn for the window (figures.airport_trace's rule): size by area capped,
    a label for every airport, or for the LABELLED_AIRPORTS busiest when there are more than
    COMPACT_AIRPORTS. Columns: airport (model position), name, records, size, label."""
    from flightmap.figures import airport_sizes

    _, _, records = window_counts(model, first, last)
    shown = np.flatnonzero(records > 0)
    shown = shown[np.argsort(model.airport_rank[shown], kind="stable")]
    sizes = airport_sizes(records[shown])
    labels = [model.airport_labels[i] for i in shown]
    if len(shown) > COMPACT_AIRPORTS:
        busy = pd.Series(records[shown]).rank(method="first", ascending=False).to_numpy() <= LABELLED_AIRPORTS
        labels = [n if b else "" for n, b in zip(labels, busy)]
    return pd.DataFrame({"airport": shown, "name": [model.airport_names[i] for i in shown], "records": records[shown], "size": sizes, "label": labels})


def _b64(values: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def _days(values: np.ndarray, base: int) -> dict:
    """Day numbers as the fewest bytes: offsets from `base` as uint16 when they fit."""
    offsets = np.asarray(values, dtype="int64") - base
    small = not len(offsets) or (offsets.min() >= 0 and offsets.max() < 65536)
    return {"base": int(base), "type": "u2" if small else "i4", "data": _b64(offsets, "<u2" if small else "<i4")}


def _increments(prefix: np.ndarray) -> dict:
    """A prefix sum sent as its steps (the browser adds them up again): mostly 0 and 1, uint16 when they fit."""
    steps = np.diff(np.asarray(prefix, dtype="int64"))
    small = not len(steps) or steps.max() < 65536
    return {"type": "u2" if small else "i4", "data": _b64(steps, "<u2" if small else "<i4")}


def to_json(model: WindowModel, key: str) -> dict:
    """The model as the browser takes it: typed arrays as base64 (little-endian), `key` naming
    the data and filters it was built for."""
    everything = [v for v in (model.route_starts, model.airport_starts) if len(v)]
    base = int(min(v.min() for v in everything)) if everything else 0
    return {
        "key": key, "complete": model.complete, "totalRoutes": model.total_routes,
        "rules": {"maxRoutes": MAX_DRAWN_ROUTES, "widthSteps": list(WIDTH_STEPS), "minMarker": MIN_MARKER, "maxMarker": MAX_MARKER,
                  "compactAirports": COMPACT_AIRPORTS, "labelledAirports": LABELLED_AIRPORTS, "styles": list(STYLES),
                  "colours": {"dated": DATED_COLOUR, "pattern": PATTERN_COLOUR, "disputed": DISPUTED_COLOUR, "airport": AIRPORT_COLOUR,
                              **{f"event-{c}": v for c, v in EVENT_COLOURS.items()}},
                  "categories": list(CATEGORIES)},
        "routes": {
            "style": _b64(model.route_style, "<i4"), "origin": _b64(model.route_origin, "<i4"), "destination": _b64(model.route_destination, "<i4"),
            "rank": _b64(model.route_rank, "<i4"), "offsets": _b64(model.route_offsets, "<i4"), "starts": _days(model.route_starts, base),
            "ends": _days(model.route_ends, base), "startFlights": _increments(model.start_flights), "endFlights": _increments(model.end_flights),
            "geometryOffsets": _b64(model.geometry_offsets, "<i4"), "lat": _b64(model.geometry_lat, "<f4"), "lon": _b64(model.geometry_lon, "<f4"),
            "chevronOffsets": _b64(model.chevron_offsets, "<i4"), "chevronLat": _b64(model.chevron_lat, "<f4"), "chevronLon": _b64(model.chevron_lon, "<f4"),
        },
        "airports": {
            "names": model.airport_names, "labels": model.airport_labels, "lat": _b64(model.airport_lat, "<f4"), "lon": _b64(model.airport_lon, "<f4"),
            "rank": _b64(model.airport_rank, "<i4"), "offsets": _b64(model.airport_offsets, "<i4"), "starts": _days(model.airport_starts, base),
            "ends": _days(model.airport_ends, base),
        },
        "events": {"start": _b64(model.event_start, "<i4"), "end": _b64(model.event_end, "<i4"), "lat": _b64(model.event_lat, "<f4"),
                   "lon": _b64(model.event_lon, "<f4"), "category": _b64(model.event_category, "<i4")},
    }

