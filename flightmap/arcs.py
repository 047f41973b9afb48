"""Route geometry for the map: legs merged into routes, bent arcs so that A→B and B→A sit side by
side, direction chevrons, dashes and traffic-scaled widths.

Pure functions on plain values and located tables; nothing here knows about Dash or Plotly.
Geometry that must look right on the map is computed in web-Mercator x/y (radians), the
projection MapLibre draws, and converted back to latitude/longitude.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from flightmap.routes import great_circle

EARTH_RADIUS_KM = 6371.0
MAX_MERCATOR_LAT = 85.0
ROUTE_KEYS = ["origin_name", "origin_lat", "origin_lon", "destination_name", "destination_lat", "destination_lon", "style"]
ROUTE_COLUMNS = [*ROUTE_KEYS, "records", "flights", "ids", "distance_km"]


def leg_style(kind: str, confidence: str) -> str:
    """The drawing style of a leg: disputed wins over kind."""
    if confidence == "disputed":
        return "disputed"
    return "pattern" if kind == "pattern" else "dated"


def aggregate_routes(flights: pd.DataFrame) -> pd.DataFrame:
    """One row per (origin, destination, style): legs in the same direction merged.

    Legs with an unknown end are left out. `flights` counts dated flights (an unknown count is
    one flight); pattern records add no flights, their number of flights is unknown.
    """
    ends = ["origin_lat", "origin_lon", "destination_lat", "destination_lon"]
    legs = flights.loc[flights[ends].notna().all(axis=1)]
    if legs.empty:
        return pd.DataFrame({c: pd.Series(dtype=flights[c].dtype if c in flights else "object") for c in ROUTE_COLUMNS}).astype(
            {"records": "int64", "flights": "int64"}
        )
    style = pd.Series("dated", index=legs.index, dtype="object")
    style = style.mask(legs["kind"] == "pattern", "pattern").mask(legs["confidence"] == "disputed", "disputed")
    counted = legs["flights_count"].astype("Float64").fillna(1).astype("int64").where(legs["kind"] != "pattern", 0)
    work = legs[[*ROUTE_KEYS[:-1], "id", "distance_km"]].assign(style=style, counted=counted)
    routes = work.groupby(ROUTE_KEYS, sort=False, as_index=False).agg(
        records=("id", "size"), flights=("counted", "sum"), ids=("id", tuple), distance_km=("distance_km", "first")
    )
    routes = routes.astype({"records": "int64", "flights": "int64"})[ROUTE_COLUMNS]
    return routes.sort_values(["origin_name", "destination_name", "style"], kind="stable").reset_index(drop=True)


def _to_mercator(lats, lons) -> tuple[np.ndarray, np.ndarray]:
    lat = np.radians(np.clip(np.asarray(lats, dtype="float64"), -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT))
    return np.radians(np.asarray(lons, dtype="float64")), np.log(np.tan(np.pi / 4 + lat / 2))


def _from_mercator(x, y) -> tuple[np.ndarray, np.ndarray]:
    return np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2), np.degrees(x)


def route_line(lat1: float, lon1: float, lat2: float, lon2: float, bend: float = 0.06, step_km: float = 30) -> tuple[np.ndarray, np.ndarray]:
    """The great circle from place 1 to place 2, bent to the right of the direction of travel.

    The sideways offset is `bend` × the (Mercator) chord length at mid-route and tapers to zero
    at both ends (sin(pi t)), so the two directions of a route are drawn side by side and
    both still start and end exactly at the places. `bend=0` gives the plain great circle.
    """
    lats, lons = great_circle(lat1, lon1, lat2, lon2, step_km=step_km)
    if bend == 0 or len(lats) < 3:
        return lats, lons
    x, y = _to_mercator(lats, lons)
    dx, dy = x[-1] - x[0], y[-1] - y[0]
    chord = math.hypot(dx, dy)
    if chord == 0:
        return lats, lons
    # Right of travel: the direction turned clockwise by 90 degrees (x east, y north).
    normal_x, normal_y = dy / chord, -dx / chord
    offset = bend * chord * np.sin(np.pi * np.linspace(0.0, 1.0, len(lats)))
    offset[[0, -1]] = 0.0
    bent_lats, bent_lons = _from_mercator(x + offset * normal_x, y + offset * normal_y)
    # Ends exactly at the places (the far longitude keeps great_circle's unwrapping).
    bent_lats[0], bent_lons[0] = lat1, lon1
    bent_lats[-1], bent_lons[-1] = lat2, lon2 + 360.0 * round((lons[-1] - lon2) / 360.0)
    return bent_lats, bent_lons


def _length_km(lats: np.ndarray, lons: np.ndarray) -> float:
    """Length of a polyline on the sphere (haversine per segment)."""
    p, q = np.radians(lats), np.radians(lons)
    h = np.sin(np.diff(p) / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(np.diff(q) / 2) ** 2
    return float(np.sum(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))))


def chevrons(lats, lons, count: int | None = None, size: float = 0.35) -> tuple[list, list]:
    """Direction marks along a polyline, drawn as line geometry (a ">" per mark).

    Scattermap markers cannot be rotated without a sprite, so each chevron is two arms of
    `size` degrees-equivalent (Mercator) at ±30° from the reversed direction of travel,
    meeting at a tip on the line. Marks sit at the middles of `count` equal stretches of the
    line (default one per ~300 km, 1 to 6), so never at its ends. Returns lat/lon lists
    [arm end, tip, arm end, None] per chevron, ready to append to a lines trace.
    """
    lats, lons = np.asarray(lats, dtype="float64"), np.asarray(lons, dtype="float64")
    if len(lats) < 2:
        return [], []
    if count is None:
        count = int(min(6, max(1, round(_length_km(lats, lons) / 300.0))))
    x, y = _to_mercator(lats, lons)
    steps = np.hypot(np.diff(x), np.diff(y))
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if count <= 0 or along[-1] == 0:
        return [], []
    targets = along[-1] * (np.arange(count) + 0.5) / count
    # The segment holding each target: along[s] <= target < along[s + 1], so it has a length.
    segment = np.clip(np.searchsorted(along, targets, side="right") - 1, 0, len(steps) - 1)
    share = (targets - along[segment]) / steps[segment]
    tip_x = x[segment] + share * (x[segment + 1] - x[segment])
    tip_y = y[segment] + share * (y[segment + 1] - y[segment])
    back_x = -(x[segment + 1] - x[segment]) / steps[segment]
    back_y = -(y[segment + 1] - y[segment]) / steps[segment]
    arm = math.radians(size)
    cos, sin = math.cos(math.radians(30)), math.sin(math.radians(30))
    xs = np.stack([tip_x + arm * (cos * back_x - sin * back_y), tip_x, tip_x + arm * (cos * back_x + sin * back_y)], axis=1)
    ys = np.stack([tip_y + arm * (sin * back_x + cos * back_y), tip_y, tip_y + arm * (-sin * back_x + cos * back_y)], axis=1)
    shape_lats, shape_lons = _from_mercator(xs, ys)
    out_lat: list = []
    out_lon: list = []
    for la, lo in zip(shape_lats.tolist(), shape_lons.tolist()):
        out_lat += [*la, None]
        out_lon += [*lo, None]
    return out_lat, out_lon


def dashes(lats, lons, on: int = 3, off: int = 2) -> tuple[list, list]:
    """Break a polyline into dashes of `on` segments and gaps of `off`: Scattermap lines have no dash style.

    The line always shows its last point: when it would end inside a gap, its last segment is
    drawn as a closing dash (joined to the previous dash if they touch).
    """
    lats, lons = list(lats), list(lons)
    if len(lats) < 2:
        return ([*lats, None], [*lons, None]) if lats else ([], [])
    last = len(lats) - 1
    pieces = [[start, min(start + on, last)] for start in range(0, last, on + off)]
    if pieces[-1][1] < last:
        if pieces[-1][1] >= last - 1:
            pieces[-1][1] = last
        else:
            pieces.append([last - 1, last])
    out_lat, out_lon = [], []
    for start, stop in pieces:
        out_lat += [*lats[start : stop + 1], None]
        out_lon += [*lons[start : stop + 1], None]
    return out_lat, out_lon


def width_for(flights: int, records: int, busiest: int | None = None) -> float:
    """Line width for a route: 2.5 px for one flight, growing with the square root, at most 12.

    Patterns have no flight count (flights 0): their width comes from the number of records.
    `busiest` (the traffic of the busiest route drawn) keeps a big window readable: the widest
    line is then 12 px and the others scale by the square root of their share, where the plain
    rule would draw every route past 23 flights 12 px wide.
    """
    traffic = max(1, int((flights if flights and flights > 0 else records) or 0))
    width = min(12.0, 2.5 * math.sqrt(traffic))
    if busiest and busiest > traffic:
        width = min(width, 12.0 * math.sqrt(traffic / busiest))
    return float(max(2.5, width))


def route_label(row) -> str:
    """Short map label for an aggregated route: '3 flights', 'pattern', '2 patterns'."""
    if row.style != "pattern" and row.flights > 0:
        return "1 flight" if row.flights == 1 else f"{row.flights} flights"
    return "pattern" if row.records == 1 else f"{row.records} patterns"


# ----------------------------------------------------------------------------- pre-aggregation
# Built once per dataset version: each leg's route and leg ends as small integer codes, so that
# any subset of legs (a window, a filter) is aggregated with np.bincount over its positions
# instead of a groupby over the rows. Equal to aggregate_routes / airport_totals on that subset.

from dataclasses import dataclass  # noqa: E402

from flightmap.routes import airport_totals  # noqa: E402

AIRPORT_COLUMNS = ["name", "lat", "lon", "dated_flights", "pattern_legs", "records"]


@dataclass(frozen=True, eq=False)
class RouteIndex:
    """Per-leg codes of one located flights table (read-only, shared across requests)."""

    ids: np.ndarray  # flight ids (object), by position
    routes: pd.DataFrame  # ROUTE_KEYS + distance_km, one row per route code
    route_rank: np.ndarray  # rank of each route's (origin, destination, style) in aggregate_routes' order
    route_ties: bool  # two routes share names and style (then order also follows first appearance)
    code: np.ndarray  # route code of each leg; -1 when an end is unknown
    counted: np.ndarray  # flights each leg adds: dated = flights_count or 1, pattern = 0
    airports: pd.DataFrame  # name, lat, lon of each airport code
    airport_rank: np.ndarray  # position of each airport in airport_totals' order (name, lat, lon)
    ends: np.ndarray  # (2, legs) airport code of origin and destination; -1 when unknown
    dated: np.ndarray  # bool per leg
    pattern: np.ndarray  # bool per leg
    empty_routes: pd.DataFrame  # aggregate_routes' answer for no legs (keeps its dtypes)
    empty_airports: pd.DataFrame

    @property
    def legs(self) -> int:
        return len(self.code)


def _group_codes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A code per row for its combination of column values, numbered by first appearance, and
    the position of each code's first row. Column by column: far faster than hashing tuples."""
    codes = np.zeros(len(frame), dtype="int64")
    for column in frame.columns:
        column_codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * max(1, len(uniques)) + column_codes)
    firsts = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype="int64")
    positions = np.arange(len(codes))[::-1]
    firsts[codes[::-1]] = positions  # the last write per code is its first row
    return codes.astype("int64"), firsts


def route_index(flights: pd.DataFrame) -> RouteIndex:
    """Codes for every leg of a located flights table (origin_/destination_ name, lat, lon)."""
    ends = ["origin_lat", "origin_lon", "destination_lat", "destination_lon"]
    known = flights[ends].notna().all(axis=1).to_numpy()
    style = np.where((flights["confidence"] == "disputed").to_numpy(), "disputed",
                     np.where((flights["kind"] == "pattern").to_numpy(), "pattern", "dated")).astype(object)
    pattern = (flights["kind"] == "pattern").to_numpy()
    counted = flights["flights_count"].astype("Float64").fillna(1).astype("int64").to_numpy()
    counted = np.where(pattern, 0, counted).astype("int64")

    keyed = flights[ROUTE_KEYS[:-1]].assign(style=style)[known]
    code = np.full(len(flights), -1, dtype="int64")
    if len(keyed):
        codes, firsts = _group_codes(keyed)
        code[known] = codes
        # distance_km is the same for every leg of a route (same ends): the first, as groupby's first
        routes = keyed.iloc[firsts].assign(distance_km=flights["distance_km"].to_numpy()[known][firsts]).reset_index(drop=True)
    else:
        routes = pd.DataFrame({c: pd.Series(dtype=flights[c].dtype if c in flights else "object") for c in ROUTE_KEYS}).assign(distance_km=pd.Series(dtype="float64"))
    for column in ROUTE_KEYS:
        if column in flights:
            routes[column] = routes[column].astype(flights[column].dtype)
    order = routes.sort_values(["origin_name", "destination_name", "style"], kind="stable").index.to_numpy()
    names = ["origin_name", "destination_name", "style"]
    ties = bool(routes.duplicated(names).any())
    rank = np.empty(len(routes), dtype="int64")
    if ties:  # routes equal in names and style share a rank; first appearance orders them later
        ordered = routes[names].iloc[order]
        rank[order] = np.cumsum((ordered != ordered.shift()).any(axis=1).to_numpy()) - 1
    else:
        rank[order] = np.arange(len(routes))

    # Leg ends: one code per distinct (name, lat, lon) that has coordinates.
    parts = []
    for prefix in ("origin", "destination"):
        part = flights[[f"{prefix}_name", f"{prefix}_lat", f"{prefix}_lon"]].copy()
        part.columns = ["name", "lat", "lon"]
        parts.append(part)
    both = pd.concat(parts, ignore_index=True)
    placed = both[["lat", "lon"]].notna().all(axis=1).to_numpy()
    end_code = np.full(len(both), -1, dtype="int64")
    if placed.any():
        codes, firsts = _group_codes(both[placed])
        end_code[placed] = codes
        airports = both[placed].iloc[firsts].reset_index(drop=True)
    else:
        airports = pd.DataFrame({"name": pd.Series(dtype="object"), "lat": pd.Series(dtype="float64"), "lon": pd.Series(dtype="float64")})
    airports = airports.astype({"lat": "float64", "lon": "float64"})
    airports["name"] = airports["name"].astype(flights["origin_name"].dtype) if "origin_name" in flights else airports["name"]
    airport_rank = np.empty(len(airports), dtype="int64")
    airport_rank[airports.sort_values(["name", "lat", "lon"]).index.to_numpy()] = np.arange(len(airports))
    return RouteIndex(
        ids=flights["id"].to_numpy(dtype=object), routes=routes, route_rank=rank, route_ties=ties, code=code,
        counted=counted, airports=airports, airport_rank=airport_rank, ends=end_code.reshape(2, len(flights)),
        dated=(flights["kind"] == "dated").to_numpy(), pattern=pattern,
        empty_routes=aggregate_routes(flights.iloc[:0]), empty_airports=airport_totals(flights.iloc[:0]),
    )


def window_routes(index: RouteIndex, rows: np.ndarray, max_ids: int | None = None, with_rows: bool = False,
                  ids_for_busiest: int | None = None) -> pd.DataFrame:
    """aggregate_routes of the legs at `rows` (ascending positions), from the codes.

    `ids` holds every id in table order, or only the first `max_ids` (then `records` still
    counts them all): a route of thousands of legs needs no tuple of thousands of ids to draw.
    `with_rows` adds `rows`, the positions of those ids, after the usual columns.
    `ids_for_busiest`: only the routes `busiest` would keep get ids (the others get none), for a
    caller that draws only those.
    """
    rows = np.asarray(rows, dtype="int64")
    codes = index.code[rows]
    on_map = codes >= 0
    codes, rows = codes[on_map], rows[on_map]
    if len(codes) == 0:
        empty = index.empty_routes.copy()
        return empty.assign(rows=pd.Series(dtype="object")) if with_rows else empty
    n = len(index.routes)
    records = np.bincount(codes, minlength=n)
    flights = np.bincount(codes, weights=index.counted[rows], minlength=n).round().astype("int64")
    present = np.flatnonzero(records)
    rank = index.route_rank[present]
    if index.route_ties:  # equal names and style: first appearance in these rows decides, as groupby does
        _, first_index = np.unique(codes, return_index=True)  # codes sorted: one per present route
        order = np.lexsort((rows[first_index], rank))
    else:
        order = np.argsort(rank, kind="stable")
    present = present[order]
    table = index.routes.iloc[present].reset_index(drop=True)
    table["records"] = records[present].astype("int64")
    table["flights"] = flights[present]
    wanted = np.ones(len(present), dtype=bool)
    if ids_for_busiest is not None:
        wanted[:] = False
        wanted[busiest(table, ids_for_busiest).index.to_numpy()] = True
    # Legs of the wanted routes, grouped by route with table order kept inside each route.
    slot = np.full(n, -1, dtype="int64")
    slot[present[wanted]] = np.arange(int(wanted.sum()))
    leg_slot = slot[codes]
    mine = np.flatnonzero(leg_slot >= 0)
    by_route = mine[np.argsort(leg_slot[mine], kind="stable")]
    counts = records[present[wanted]]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype("int64")
    take = counts if max_ids is None else np.minimum(counts, max_ids)
    ordered_rows = rows[by_route]
    ordered_ids = index.ids[ordered_rows]
    spans = list(zip(np.flatnonzero(wanted).tolist(), starts.tolist(), take.tolist()))
    ids: list = [()] * len(present)
    for position, start, k in spans:
        ids[position] = tuple(ordered_ids[start:start + k])
    table["ids"] = ids
    if with_rows:
        kept_rows: list = [ordered_rows[:0]] * len(present)
        for position, start, k in spans:
            kept_rows[position] = ordered_rows[start:start + k]
        table["rows"] = kept_rows
    return table[ROUTE_COLUMNS + (["rows"] if with_rows else [])]


def window_airports(index: RouteIndex, rows: np.ndarray) -> pd.DataFrame:
    """airport_totals of the legs at `rows`, from the codes."""
    rows = np.asarray(rows, dtype="int64")
    ends = index.ends[:, rows].ravel()  # origins, then destinations
    placed = ends >= 0
    if not placed.any():
        return index.empty_airports.copy()
    n = len(index.airports)
    # airport_totals counts a dated leg's flights_count, an unknown count as 1 (as `counted` does).
    dated = np.where(index.dated[rows], index.counted[rows], 0).astype("float64")
    pattern = index.pattern[rows].astype("float64")
    ends = ends[placed]
    records = np.bincount(ends, minlength=n)
    dated_flights = np.bincount(ends, weights=np.tile(dated, 2)[placed], minlength=n)
    pattern_legs = np.bincount(ends, weights=np.tile(pattern, 2)[placed], minlength=n)
    present = np.flatnonzero(records)
    present = present[np.argsort(index.airport_rank[present], kind="stable")]
    table = index.airports.iloc[present].reset_index(drop=True)
    table["dated_flights"] = dated_flights[present].round().astype("int64")
    table["pattern_legs"] = pattern_legs[present].round().astype("int64")
    table["records"] = records[present].astype("int64")
    return table[AIRPORT_COLUMNS]


def route_styles(flights: pd.DataFrame) -> pd.Series:
    """leg_style of every leg, vectorised."""
    style = pd.Series("dated", index=flights.index, dtype="object")
    return style.mask(flights["kind"] == "pattern", "pattern").mask(flights["confidence"] == "disputed", "disputed")


def busiest(routes: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most `limit` routes: the most flights, then the most records; their order kept."""
    if len(routes) <= limit:
        return routes
    ranked = routes.assign(_traffic=routes["flights"].where(routes["flights"] > 0, routes["records"]))
    keep = ranked.sort_values(["_traffic", "records"], ascending=False, kind="stable").index[:limit]
    return routes.loc[sorted(keep)]
