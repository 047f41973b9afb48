"""Evidence tied together: whether a flown track supports or contradicts a dated flight or an
event with a place, said only as far as the track's points show it. Pure functions; no Dash.

A track concerns a record when it is of the same aircraft (same registration or hex code) or is
linked to the flight. Only records dated to the day are checked, over their day(s) in UTC:
- supported: points within NEAR_KM of the place (a flight: of its origin or destination);
- contradicted: at a reported time (a flight's departure or arrival, within CLOCK_MINUTES) the
  nearest point is over FAR_KM away; or, with no time reported, every point of those days is over
  FAR_KM away from the place (from both ends of a flight);
- nothing is said when the track has no point in those days, or its points are neither near nor far.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from flightmap.geocode import haversine_km

NEAR_KM = 10.0  # as legs.AIRPORT_KM: a point this close to a place is at that place
FAR_KM = 100.0  # further than any airport's approach or any town's outskirts
CLOCK_MINUTES = 30  # a point this close in time to a reported departure or arrival tells where the aircraft was then


@dataclass(frozen=True)
class Verdict:
    track_id: str
    verdict: str  # "supported", "supported in part" or "contradicted"
    facts: str  # what the points show, e.g. "at Gao 08:03-09:48 UTC"

    @property
    def text(self) -> str:
        return f"{self.verdict[0].upper()}{self.verdict[1:]} by track {self.track_id}: {self.facts}"


def _plain(text) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text or "").upper())


def same_aircraft(tracks: pd.DataFrame, registration: str = "", aircraft_text: str = "", flight_id: str = "") -> pd.DataFrame:
    """The tracks of the aircraft named: same registration (case, dashes and spaces ignored), a hex
    code or registration written in `aircraft_text` (an event's aircraft cell), or linked to the flight."""
    if tracks.empty:
        return tracks
    reg = _plain(registration)
    words = {_plain(w) for w in re.split(r"[\s,;/()]+", str(aircraft_text or "")) if w}
    words.discard("")
    regs = tracks["registration"].map(_plain)
    hexes = tracks["hex"].map(_plain)
    mask = (regs != "") & ((regs == reg) | regs.isin(words)) if reg or words else pd.Series(False, index=tracks.index)
    mask |= (hexes != "") & hexes.isin(words)
    if flight_id:
        mask |= tracks["flight_ids"].map(lambda ids: flight_id in ids)
    return tracks[mask.to_numpy(bool)]


def _day_window(start, end) -> tuple[pd.Timestamp, pd.Timestamp]:
    first = pd.Timestamp(start).tz_localize("UTC") if pd.Timestamp(start).tzinfo is None else pd.Timestamp(start)
    last = pd.Timestamp(end if not pd.isna(end) else start)
    last = last.tz_localize("UTC") if last.tzinfo is None else last
    return first.normalize(), last.normalize() + pd.Timedelta(days=1)


def _span(times: pd.Series) -> str:
    first, last = times.min(), times.max()
    return f"{first:%H:%M} UTC" if f"{first:%H:%M}" == f"{last:%H:%M}" else f"{first:%H:%M}-{last:%H:%M} UTC"


def _km(value: float) -> str:
    return f"{value:,.0f} km"


def _points_on(points: pd.DataFrame, track_id: str, window: tuple) -> pd.DataFrame:
    own = points[(points["track_id"] == track_id).to_numpy()]
    times = own["time"]
    return own[(times.notna() & (times >= window[0]) & (times < window[1])).to_numpy()]


def _at_clock(day, clock: str, own: pd.DataFrame, lat: float, lon: float, place: str, what: str) -> str | None:
    """'412 km from Bamako at 08:12 UTC (reported departure 08:15)' when the point nearest the
    reported time is far; None when no point is close enough in time or it is not far."""
    if not clock or own.empty:
        return None
    moment = pd.Timestamp(f"{pd.Timestamp(day):%Y-%m-%d} {clock}", tz="UTC")
    apart = (own["time"] - moment).abs()
    nearest = int(np.argmin(apart.to_numpy()))
    if apart.iloc[nearest] > pd.Timedelta(minutes=CLOCK_MINUTES):
        return None
    distance = float(haversine_km(lat, lon, own["lat"].iloc[nearest], own["lon"].iloc[nearest]))
    if distance <= FAR_KM:
        return None
    return f"{_km(distance)} from {place} at {own['time'].iloc[nearest]:%H:%M} UTC (reported {what} {clock})"


def _judge(track_id: str, own: pd.DataFrame, places: list[tuple[str, float, float]], timed: list[str]) -> Verdict | None:
    distances = [haversine_km(lat, lon, own["lat"].to_numpy(), own["lon"].to_numpy()) for _, lat, lon in places]
    near = [(name, own["time"][d <= NEAR_KM]) for (name, _, _), d in zip(places, distances)]
    seen = [f"at {name} {_span(times)}" for name, times in near if len(times)]
    unseen = [name for name, times in near if not len(times)]
    if timed:
        facts = "; ".join(timed + ([f"but {', '.join(seen)}"] if seen else []))
        return Verdict(track_id, "contradicted", facts)
    if seen:
        partial = bool(unseen)
        facts = ", ".join(seen) + (f" (no point within {NEAR_KM:g} km of {' or '.join(unseen)} that day)" if partial else "")
        if len(near) == 2 and not partial and near[0][1].min() > near[1][1].max():
            partial, facts = True, facts + f" (at {near[1][0]} before {near[0][0]}: flown the other way)"
        return Verdict(track_id, "supported in part" if partial else "supported", facts)
    nearest = np.min(np.vstack(distances), axis=0)  # each point's distance to the closest of the places
    if (nearest > FAR_KM).all():
        closest = int(np.argmin(nearest))
        where = " or ".join(name for name, _, _ in places)
        return Verdict(track_id, "contradicted",
                       f"{_km(nearest[closest])} from {where} at {own['time'].iloc[closest]:%H:%M} UTC, the nearest of its "
                       f"{len(own)} point{'s' if len(own) != 1 else ''} that day ({_span(own['time'])}, all over {FAR_KM:g} km away)")
    return None


def flight_verdicts(flight, tracks: pd.DataFrame, points: pd.DataFrame) -> list[Verdict]:
    """Verdicts of the tracks on one located flight (a row of Located.flights, as a namedtuple)."""
    if flight.kind != "dated" or flight.date_precision != "day" or pd.isna(flight.date_start) or tracks.empty or points.empty:
        return []
    ends = [(name or code, lat, lon) for name, code, lat, lon in (
        (flight.origin_name, flight.origin, flight.origin_lat, flight.origin_lon),
        (flight.destination_name, flight.destination, flight.destination_lat, flight.destination_lon)) if not pd.isna(lat) and not pd.isna(lon)]
    if not ends:
        return []
    window = _day_window(flight.date_start, flight.date_end)
    out = []
    for track in same_aircraft(tracks, flight.registration, flight_id=flight.id).itertuples():
        own = _points_on(points, track.id, window)
        if own.empty:
            continue
        timed = []
        if not pd.isna(flight.origin_lat):
            timed.append(_at_clock(flight.date_start, getattr(flight, "departure_time", ""), own, flight.origin_lat, flight.origin_lon, flight.origin_name or flight.origin, "departure"))
        if not pd.isna(flight.destination_lat):
            end = flight.date_end if not pd.isna(flight.date_end) else flight.date_start
            timed.append(_at_clock(end, getattr(flight, "arrival_time", ""), own, flight.destination_lat, flight.destination_lon, flight.destination_name or flight.destination, "arrival"))
        verdict = _judge(track.id, own, ends, [t for t in timed if t])
        if verdict:
            out.append(verdict)
    return out


def event_verdicts(event, tracks: pd.DataFrame, points: pd.DataFrame) -> list[Verdict]:
    """Verdicts of the tracks of the aircraft an event names (its `aircraft` cell) on the event's
    place and day(s) (a row of Located.events, as a namedtuple)."""
    if (event.date_precision != "day" or pd.isna(event.date_start) or pd.isna(event.lat) or pd.isna(event.lon)
            or not event.aircraft or tracks.empty or points.empty):
        return []
    window = _day_window(event.date_start, event.date_end)
    place = event.place_name or event.place or f"{event.lat:.3f}, {event.lon:.3f}"
    out = []
    for track in same_aircraft(tracks, aircraft_text=event.aircraft).itertuples():
        own = _points_on(points, track.id, window)
        if own.empty:
            continue
        verdict = _judge(track.id, own, [(place, float(event.lat), float(event.lon))], [])
        if verdict:
            out.append(verdict)
    return out
