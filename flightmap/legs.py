"""Legs implied by a flown track: take-offs and landings found in its points, the nearest airports
named, and one proposed dated flight row per leg, for a person to confirm before it joins
flights.csv. Pure functions over the points table (flightmap.tracks.COLUMNS); no Dash.

A point is on the ground when the file says so (on_ground); where it does not, when its ground
speed is under GROUND_SPEED_KT (then the take-off time is the start of the roll, a minute or two
early). A take-off is the first airborne point after ground points, a
landing the first ground point after airborne ones. A track that starts or ends in the air gives
a leg with an unknown origin or destination (not guessed).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from flightmap.geocode import airport_database, haversine_km

GROUND_SPEED_KT = 50.0  # slower than any fixed-wing take-off or landing roll's end; faster than taxiing
AIRPORT_KM = 10.0  # a ground point this close to an airport's reference point is at that airport


@dataclass(frozen=True)
class Leg:
    takeoff: int | None  # point positions; None: the track starts (ends) in the air
    landing: int | None
    origin: str  # ICAO code, or "" when no airport is within AIRPORT_KM (or the track starts airborne)
    destination: str
    origin_at: tuple[float, float] | None  # where the aircraft was on the ground before take-off
    destination_at: tuple[float, float] | None


@lru_cache(maxsize=1)
def _airports() -> tuple[np.ndarray, np.ndarray, list[str]]:
    rows = [(a["lat"], a["lon"], code) for code, a in airport_database().items() if a.get("lat") is not None]
    return np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float), [r[2] for r in rows]


def nearest_airport(lat: float, lon: float, max_km: float = AIRPORT_KM) -> tuple[str, float] | None:
    """The ICAO code of the airport nearest to a position and its distance, if within max_km."""
    lats, lons, codes = _airports()
    near = np.flatnonzero((np.abs(lats - lat) < 0.5) & (np.abs(lons - lon) < 0.5))
    if not len(near):
        return None
    distances = haversine_km(lat, lon, lats[near], lons[near])
    best = int(np.argmin(distances))
    return (codes[near[best]], float(distances[best])) if distances[best] <= max_km else None


def on_ground(points: pd.DataFrame) -> np.ndarray:
    flags = points["on_ground"].astype("boolean")
    slow = points["speed_kt"] < GROUND_SPEED_KT
    return np.where(flags.notna().to_numpy(), flags.fillna(False).to_numpy(bool), slow.to_numpy(bool))


def find_legs(points: pd.DataFrame) -> list[Leg]:
    """The legs flown in a track (see the module's rules); [] when the points say nothing about
    the ground (no on_ground flag and no speed) or the aircraft never left it."""
    if points.empty or (points["on_ground"].isna().all() and points["speed_kt"].isna().all()):
        return []
    ground = on_ground(points)
    legs = []
    airborne = not ground[0]
    takeoff = None
    for i in range(1, len(points)):
        if ground[i - 1] and not ground[i]:
            takeoff, airborne = i, True
        elif not ground[i - 1] and ground[i] and airborne:
            legs.append((takeoff, i))
            airborne, takeoff = False, None
    if airborne:
        legs.append((takeoff, None))
    out = []
    for takeoff, landing in legs:
        origin_at = (float(points["lat"].iloc[takeoff - 1]), float(points["lon"].iloc[takeoff - 1])) if takeoff is not None else None
        destination_at = (float(points["lat"].iloc[landing]), float(points["lon"].iloc[landing])) if landing is not None else None
        origin = nearest_airport(*origin_at) if origin_at else None
        destination = nearest_airport(*destination_at) if destination_at else None
        out.append(Leg(takeoff, landing, origin[0] if origin else "", destination[0] if destination else "", origin_at, destination_at))
    return out


def _clock(moment) -> str:
    return "" if moment is None or pd.isna(moment) else f"{moment:%H:%M}"


def proposed_flights(track, track_id: str, source_ids: str, confidence: str, taken_ids=()) -> list[dict]:
    """flights.csv rows (text cells) for the legs of a Track: dated, the track's source and
    confidence, "derived from track T". Legs without times cannot be dated and are left out."""
    points = track.points
    rows = []
    taken = set(taken_ids)
    for number, leg in enumerate(find_legs(points), 1):
        first = leg.takeoff if leg.takeoff is not None else 0
        last = leg.landing if leg.landing is not None else len(points) - 1
        start, end = points["time"].iloc[first], points["time"].iloc[last]
        if pd.isna(start) or pd.isna(end):
            continue
        leg_id = f"{track_id}-leg-{number}"
        while leg_id in taken:
            leg_id += "-b"
        said = []
        for label, code, where, index in (("take-off", leg.origin, leg.origin_at, leg.takeoff), ("landing", leg.destination, leg.destination_at, leg.landing)):
            if index is None:
                said.append(f"{label} not in the track (it {'starts' if label == 'take-off' else 'ends'} in the air)")
            else:
                said.append(f"{label} {points['time'].iloc[index]:%H:%M} UTC " + (f"at {code}" if code else f"at {where[0]:.4f}, {where[1]:.4f} (no airport within {AIRPORT_KM:g} km)"))
        row = {
            "id": leg_id, "date_start": f"{start:%Y-%m-%d}", "date_end": f"{end:%Y-%m-%d}", "date_precision": "day",
            "origin": leg.origin, "destination": leg.destination, "registration": track.registration, "aircraft_type": track.aircraft_type,
            "operator": "", "kind": "dated", "flights_count": "", "confidence": confidence, "source_ids": source_ids,
            "summary": f"Derived from track {track_id}: " + "; ".join(said) + ".",
            "conflict_note": "",
            "departure_time": _clock(points["time"].iloc[leg.takeoff]) if leg.takeoff is not None else "",
            "arrival_time": _clock(points["time"].iloc[leg.landing]) if leg.landing is not None else "",
            "callsign": track.callsign,
            "origin_lat": f"{leg.origin_at[0]:.5f}" if leg.origin_at and not leg.origin else "",
            "origin_lon": f"{leg.origin_at[1]:.5f}" if leg.origin_at and not leg.origin else "",
            "destination_lat": f"{leg.destination_at[0]:.5f}" if leg.destination_at and not leg.destination else "",
            "destination_lon": f"{leg.destination_at[1]:.5f}" if leg.destination_at and not leg.destination else "",
        }
        rows.append(row)
    return rows
