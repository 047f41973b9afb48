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


def width_for(flights: int, records: int) -> float:
    """Line width for a route: 2.5 px for one flight, growing with the square root, at most 12.

    Patterns have no flight count (flights 0): their width comes from the number of records.
    """
    traffic = flights if flights and flights > 0 else records
    return float(min(12.0, 2.5 * math.sqrt(max(1, int(traffic or 0)))))


def route_label(row) -> str:
    """Short map label for an aggregated route: '3 flights', 'pattern', '2 patterns'."""
    if row.style != "pattern" and row.flights > 0:
        return "1 flight" if row.flights == 1 else f"{row.flights} flights"
    return "pattern" if row.records == 1 else f"{row.records} patterns"
