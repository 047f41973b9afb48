"""Place validated records on the map: coordinates for every leg end and event, leg distances,
great-circle geometry, and per-airport totals.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from geopy.distance import geodesic

from flightmap.geocode import CHECK, MANUAL, RESOLVED, Candidate, Gazetteer, OnlineGeocoder, Resolution, resolve_all
from flightmap.loader import Dataset, Problem, spreadsheet_row


@dataclass(frozen=True)
class Located:
    """A dataset with coordinates. Unresolved places stay in the tables with empty coordinates."""

    flights: pd.DataFrame  # + origin_/destination_ name, lat, lon, method, status; distance_km
    events: pd.DataFrame  # + place_name, lat, lon (filled), place_method, place_status
    resolutions: pd.DataFrame  # one row per distinct place name: how it was resolved (RESOLUTION_COLUMNS)
    unresolved: tuple[Problem, ...]  # one per record cell whose place could not be resolved
    to_check: tuple[Problem, ...] = ()  # one per record cell placed by a guess a person should confirm


RESOLUTION_COLUMNS = ["query", "name", "lat", "lon", "icao", "country", "method", "matched", "score", "status", "note", "candidates"]


def resolution_rows(hits: dict[str, Resolution]) -> pd.DataFrame:
    """One row per place name as written: where it was placed, how, and what else it may be."""
    return pd.DataFrame(
        [{"query": q, "name": h.name, "lat": h.lat, "lon": h.lon, "icao": h.icao, "country": h.country, "method": h.method if h.resolved else "",
          "matched": h.matched, "score": h.score, "status": h.status, "note": h.note, "candidates": tuple(c.label for c in h.candidates)}
         for q, h in hits.items()],
        columns=RESOLUTION_COLUMNS,
    )


def _endpoint_columns(names: pd.Series, hits: dict[str, Resolution], prefix: str) -> pd.DataFrame:
    # Worked out once per distinct name, then spread to the rows: tables repeat their places.
    codes, distinct = pd.factorize(names, use_na_sentinel=False)
    rows = [hits.get(n) if n else None for n in distinct]
    columns = {
        f"{prefix}_name": np.array([h.name if h and h.resolved else n for h, n in zip(rows, distinct)], dtype=object),
        f"{prefix}_lat": np.array([h.lat if h and h.lat is not None else np.nan for h in rows], dtype="float64"),
        f"{prefix}_lon": np.array([h.lon if h and h.lon is not None else np.nan for h in rows], dtype="float64"),
        f"{prefix}_method": np.array([h.method if h else "" for h in rows], dtype=object),
        f"{prefix}_status": np.array([h.status if h else "" for h in rows], dtype=object),
    }
    return pd.DataFrame({name: values[codes] for name, values in columns.items()}, index=names.index)


@lru_cache(maxsize=65_536)
def _geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geodesic((lat1, lon1), (lat2, lon2)).km


def leg_distances_km(flights: pd.DataFrame) -> pd.Series:
    """Geodesic (WGS-84) distance of each leg; NaN where an end is unknown. One call per route."""
    ends = flights[["origin_lat", "origin_lon", "destination_lat", "destination_lon"]].to_numpy(dtype="float64")
    known = ~np.isnan(ends).any(axis=1)
    out = np.full(len(ends), np.nan)
    if known.any():
        pairs, which = np.unique(ends[known], axis=0, return_inverse=True)
        lengths = np.array([_geodesic_km(*pair) for pair in pairs.tolist()], dtype="float64")
        out[known] = lengths[which.ravel()]
    return pd.Series(out, index=flights.index, dtype="float64")


def place_names(dataset: Dataset) -> np.ndarray:
    """Every place name the records look up, once, in first-seen order (ends and events that
    carry their own coordinates need none)."""
    events, flights = dataset.events, dataset.flights
    return pd.unique(pd.concat([flights.loc[flights["origin_lat"].isna(), "origin"], flights.loc[flights["destination_lat"].isna(), "destination"],
                                events.loc[events["lat"].isna(), "place"]]))


def event_anchors(events: pd.DataFrame, flights: pd.DataFrame | None = None) -> list[Candidate]:
    """Events and flight ends with their own coordinates: places the data is sure of, which say
    where it is."""
    anchors = []
    for frame, name, lat, lon in ((events, "place", "lat", "lon"), *(((flights, e, f"{e}_lat", f"{e}_lon") for e in ("origin", "destination")) if flights is not None else ())):
        given = frame.loc[frame[lat].notna() & frame[lon].notna()]
        anchors += [Candidate(name=str(p or "given coordinates"), lat=float(a), lon=float(o), method=MANUAL) for p, a, o in zip(given[name], given[lat], given[lon])]
    return anchors


def _given_ends(flights: pd.DataFrame, located: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """A flight end with coordinates in its row is placed there, as written ('manual')."""
    given = flights[f"{prefix}_lat"].notna() & flights[f"{prefix}_lon"].notna()
    if given.any():
        located = located.copy()
        located.loc[given, f"{prefix}_name"] = flights.loc[given, prefix].where(flights.loc[given, prefix] != "", "given coordinates")
        located.loc[given, f"{prefix}_lat"] = flights.loc[given, f"{prefix}_lat"]
        located.loc[given, f"{prefix}_lon"] = flights.loc[given, f"{prefix}_lon"]
        located.loc[given, f"{prefix}_method"] = MANUAL
        located.loc[given, f"{prefix}_status"] = RESOLVED
    return located


def locate(dataset: Dataset, gazetteer: Gazetteer | None = None, online: OnlineGeocoder | None = None) -> Located:
    gazetteer = gazetteer or Gazetteer(dataset.places, places_label=dataset.label("places.csv"))
    flights, events = dataset.flights, dataset.events
    needs_lookup = events["lat"].isna()
    hits = resolve_all(place_names(dataset), gazetteer, online, anchors=event_anchors(events, flights))  # each distinct place once

    ends = [_given_ends(flights, _endpoint_columns(flights[e].where(flights[f"{e}_lat"].isna(), ""), hits, e), e) for e in ("origin", "destination")]
    flights = pd.concat([flights.drop(columns=["origin_lat", "origin_lon", "destination_lat", "destination_lon"]), *ends], axis=1)
    flights["distance_km"] = leg_distances_km(flights)

    looked_up = _endpoint_columns(events["place"].where(needs_lookup, ""), hits, "place")
    events = events.copy()
    events["place_name"] = looked_up["place_name"].where(needs_lookup, events["place"])
    events["place_method"] = looked_up["place_method"].where(needs_lookup, MANUAL)
    events["place_status"] = looked_up["place_status"].where(needs_lookup, RESOLVED)
    events["lat"] = events["lat"].fillna(looked_up["place_lat"])
    events["lon"] = events["lon"].fillna(looked_up["place_lon"])

    unresolved, to_check = [], []
    flagged = [name for name, hit in hits.items() if hit.status != RESOLVED]
    for frame, file, columns in ((dataset.flights, dataset.label("flights.csv"), ("origin", "destination")), (dataset.events, dataset.label("events.csv"), ("place",))):
        for column in columns:
            given = frame["lat" if column == "place" else f"{column}_lat"].notna()  # a record with its own coordinates is placed
            cells = frame[column].where(~given, "")
            for index, name in cells[cells.isin(flagged).to_numpy()].items():  # only the rows that need a message
                hit = hits.get(name)
                if hit is None:
                    continue
                if hit.status == CHECK:
                    to_check.append(Problem(file, spreadsheet_row(index), column, f"place '{name}' is placed at {hit.name}{_country(hit)} by a guess ({hit.note})",
                                            f"if that is right, add '{name}' as an alias in places.csv; otherwise add the right place"))
                else:
                    why = f" ({hit.note})" if hit.note else ""
                    maybe = f"did you mean {' or '.join(c.label for c in hit.candidates[:3])}? Otherwise add" if hit.candidates else "add"
                    unresolved.append(Problem(file, spreadsheet_row(index), column, f"place '{name}' could not be resolved{why}", f"{maybe} it to places.csv with coordinates"))
    return Located(flights=flights, events=events, resolutions=resolution_rows(hits), unresolved=tuple(unresolved), to_check=tuple(to_check))


def _country(hit: Resolution) -> str:
    from flightmap.towns import country_name

    return f", {country_name(hit.country)}" if hit.country else ""


def great_circle(lat1: float, lon1: float, lat2: float, lon2: float, step_km: float = 50.0) -> tuple[np.ndarray, np.ndarray]:
    """Points along the great circle between two places (spherical interpolation).

    On a web-Mercator map a great circle is a curve; drawing it point by point also lets hover
    fire anywhere along the leg, not only at its ends. Longitudes are unwrapped so a leg that
    crosses the antimeridian does not draw across the whole world.
    """
    p1, p2 = np.radians([lat1, lon1]), np.radians([lat2, lon2])
    a = np.array([np.cos(p1[0]) * np.cos(p1[1]), np.cos(p1[0]) * np.sin(p1[1]), np.sin(p1[0])])
    b = np.array([np.cos(p2[0]) * np.cos(p2[1]), np.cos(p2[0]) * np.sin(p2[1]), np.sin(p2[0])])
    angle = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
    count = max(2, int(np.ceil(angle * 6371.0 / step_km)) + 1)
    t = np.linspace(0.0, 1.0, count)
    if angle < 1e-9:
        points = np.outer(np.ones_like(t), a)
    else:
        points = (np.sin((1 - t) * angle)[:, None] * a + np.sin(t * angle)[:, None] * b) / np.sin(angle)
    lats = np.degrees(np.arcsin(np.clip(points[:, 2], -1.0, 1.0)))
    lons = np.degrees(np.unwrap(np.arctan2(points[:, 1], points[:, 0])))
    return lats, lons


def airport_totals(flights: pd.DataFrame) -> pd.DataFrame:
    """One row per resolved leg end: name, coordinates, dated flights, pattern legs, records."""
    ends = []
    for prefix in ("origin", "destination"):
        part = flights[[f"{prefix}_name", f"{prefix}_lat", f"{prefix}_lon", "kind", "flights_count"]].copy()
        part.columns = ["name", "lat", "lon", "kind", "flights_count"]
        ends.append(part)
    ends = pd.concat(ends).dropna(subset=["lat", "lon"])
    ends["dated_flights"] = ends["flights_count"].fillna(1).where(ends["kind"] == "dated", 0).astype("int64")
    ends["pattern_legs"] = (ends["kind"] == "pattern").astype("int64")
    totals = ends.groupby(["name", "lat", "lon"], as_index=False).agg(
        dated_flights=("dated_flights", "sum"), pattern_legs=("pattern_legs", "sum"), records=("kind", "size")
    )
    return totals.sort_values("name").reset_index(drop=True)


def place_codes(resolutions: pd.DataFrame) -> dict[str, str]:
    """Place name -> the airport code the data wrote for it ("BOS" for General Edward Lawrence
    Logan International Airport), for short map labels; a 3-letter code is preferred to a
    4-letter one."""
    codes: dict[str, str] = {}
    if resolutions is None or not len(resolutions):
        return codes
    for query, name in sorted(zip(resolutions["query"], resolutions["name"]), key=lambda pair: len(str(pair[0]))):
        query = str(query).strip()
        if name and query != name and len(query) in (3, 4) and query.isalnum() and query.isupper():
            codes.setdefault(name, query)
    return codes

