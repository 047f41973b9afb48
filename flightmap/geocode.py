"""Turn place names as sources write them into coordinates, recording how each was resolved.

Order: the dataset's places table (names, aliases, ICAO), then the offline airport database
(ICAO / IATA code, airport name, city), then GeoNames towns (flightmap.towns), then close
spellings, and only when enabled an online geocoder (Nominatim) behind a rate limiter and an
on-disk cache. Every match is judged against the data's region (`Region`): a place far from
everything the data already places is never drawn without a person's confirmation, and a
close spelling is drawn only as a place to check.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import airportsdata
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from flightmap.loader import DataValidationError, Problem, spreadsheet_row

log = logging.getLogger(__name__)

PLACES_TABLE, AIRPORT_DB, GAZETTEER, FUZZY, ONLINE, MANUAL, UNRESOLVED = (
    "places table", "airport database", "gazetteer", "close spelling", "online", "manual", "unresolved",
)
RESOLVED, CHECK = "resolved", "check"  # statuses; UNRESOLVED is the third
# A place more than this far from every place the data already places for sure is "far away":
# never drawn without a person's confirmation, however well its name matches.
NEAR_KM = 1000.0
# ...except inside a country the data already has places in, up to this far (Mali is 1,800 km
# wide), and for a town (235k of them, many homonyms) in another country, only this far.
COUNTRY_KM = 2000.0
FOREIGN_TOWN_KM = 500.0
# Two written forms of one place (a name and its code, the two halves of 'Mopti-Sévaré') agree
# when they land this close; an airport this close to a town is the town's airport.
AGREE_KM = 30.0
AIRPORT_OF_TOWN_KM = 15.0
# Points of an existing place this close are the same place (one place per place); Agadez's
# airport and Air Base 201 are 2.3 km apart and two places.
SAME_PLACE_KM = 2.0
# Close spellings (rapidfuzz ratio on normalised names) drawn "to check" / offered as candidates.
# The dataset's own names are few and chosen, so a looser match is safe there (it is drawn as a
# place to check either way); among 900k airport and town names only a very close one.
FUZZY_CUTOFF_PLACES = 80
FUZZY_CUTOFF = 90
CANDIDATE_CUTOFF = 70
MIN_FUZZY_LENGTH = 5
# Close spellings are searched among every name key near the data's region (~14k in the Sahel;
# 425k once a batch of made-up names happens to name towns in 16 countries: then ~0.2 s a name).
# One batch compares its unknown names with at most this many keys (~30 s of one core); the names
# past it stay not found, with a note that says why, and are not kept as judged.
CLOSE_SPELLING_BUDGET = 60_000_000
PREFIX_SCORE = 85  # a name that begins with what is written: offered high, never drawn by itself  # 'Ber' is not a misspelling of 'Bir'
_GENERIC = re.compile(
    r"\b(international|internationale|intl|airport|airfield|airstrip|aerodrome|aeroport|aeroporto|aeropuerto|"
    r"air base|airbase|base aerienne|regional|municipal)\b"
)
_LEADING_PARTICLE = re.compile(r"^(de la|de l|de|d|du|des|of|the)\s+")
_PAREN_CODE = re.compile(r"^(?P<name>.*?)\s*[(\[]\s*(?P<code>[A-Za-z0-9]{3,4})\s*[)\]]\s*$")
_TWIN_SEPARATOR = re.compile(r"\s*[-/–—]\s*")
TIERS = {PLACES_TABLE: 0, AIRPORT_DB: 1, GAZETTEER: 2}


@dataclass(frozen=True)
class Candidate:
    """A place a name may mean, with what a person needs to judge it."""

    name: str
    lat: float
    lon: float
    icao: str = ""
    country: str = ""
    method: str = ""
    matched: str = ""
    score: float = 100.0  # spelling, 0..100
    distance_km: float | None = None  # to the nearest place the data already has
    near: str = ""  # that place

    @property
    def label(self) -> str:
        from flightmap.towns import country_name

        code = f" ({self.icao})" if self.icao else ""
        where = f", {country_name(self.country)}" if self.country else ""
        far = f", {self.distance_km:,.0f} km from {self.near}" if self.distance_km is not None and self.near else ""
        return f"{self.name}{code}{where}{far}"


@dataclass(frozen=True)
class Resolution:
    query: str
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    icao: str = ""
    method: str = UNRESOLVED
    matched: str = ""  # what the query matched, for people: "alias 'Niamay'", "ICAO GABS"
    score: float = 0.0  # how sure, 0..100; 100 for an exact match
    candidates: tuple[Candidate, ...] = ()
    country: str = ""
    status: str = UNRESOLVED  # resolved | check (drawn, to be confirmed) | unresolved (not drawn)
    note: str = ""  # why it is to check or not drawn

    @property
    def resolved(self) -> bool:
        """Drawn on the map (resolved, or a guess drawn as a place to check)."""
        return self.lat is not None and self.lon is not None


_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})


def normalise_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Bamako-Sénou' -> 'bamako senou'."""
    # Typographic apostrophes and dashes first: 'Aguel’hoc' is 'Aguel'hoc', not 'Aguelhoc'.
    bare = unicodedata.normalize("NFKD", str(text).translate(_TYPOGRAPHIC)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare.casefold()).split())


def strip_generic(key: str) -> str:
    """A normalised name without 'airport', 'aéroport international de'…: 'aeroport de gao' -> 'gao'."""
    bare = " ".join(_GENERIC.sub(" ", key).split())
    bare = _LEADING_PARTICLE.sub("", bare)
    return bare if len(bare) >= 3 and not bare.isdigit() else ""


def name_keys(text: str) -> list[str]:
    key = normalise_name(text)
    return [k for k in dict.fromkeys((key, strip_generic(key))) if k]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance on a 6,371 km sphere; numpy arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@lru_cache(maxsize=1)
def airport_database() -> dict[str, dict]:
    """The airportsdata ICAO table (28k airports), loaded once per process."""
    return airportsdata.load("ICAO")


@dataclass(frozen=True)
class _AirportIndex:
    codes: dict[str, Candidate]
    names: dict[str, tuple[Candidate, ...]]
    # Airfields a flight lands at (not heliports): where a town's airport is looked for.
    fields: tuple[Candidate, ...]
    lat: np.ndarray
    lon: np.ndarray


def _index_airports(airports: dict[str, dict]) -> _AirportIndex:
    codes: dict[str, Candidate] = {}
    names: dict[str, list[Candidate]] = {}
    fields = []
    for airport in sorted(airports.values(), key=lambda a: (a["iata"] == "", a["icao"])):
        hit = Candidate(name=airport["name"], lat=float(airport["lat"]), lon=float(airport["lon"]), icao=airport["icao"], country=airport["country"], method=AIRPORT_DB)
        codes.setdefault(airport["icao"], replace(hit, matched=f"ICAO {airport['icao']}"))
        if airport["iata"]:
            codes.setdefault(airport["iata"], replace(hit, matched=f"IATA {airport['iata']}"))
        for label, what in ((airport["name"], "airport name"), (airport["city"], "city")):
            for key in name_keys(label):
                found = names.setdefault(key, [])
                if all(c.icao != hit.icao for c in found):
                    found.append(replace(hit, matched=f"{what} '{label}'"))
        if "heliport" not in airport["name"].lower() and "hospital" not in airport["name"].lower():
            fields.append(hit)
    return _AirportIndex(codes, {k: tuple(v) for k, v in names.items()}, tuple(fields),
                         np.array([f.lat for f in fields]), np.array([f.lon for f in fields]))


@lru_cache(maxsize=1)
def _airport_index() -> _AirportIndex:
    # Built once per process (about a second); callers must not mutate it.
    return _index_airports(airport_database())


class Region:
    """Where the data is: the places it already puts on the map for sure, and their countries.
    A place that fits is within NEAR_KM of one of them, or in one of their countries."""

    def __init__(self, anchors: list[Candidate], from_data: bool = True):
        self.anchors = tuple(anchors)
        # False when only the names being judged made it: then a name cannot vouch for itself.
        self.from_data = from_data
        self.lat = np.array([a.lat for a in anchors], dtype="float64")
        self.lon = np.array([a.lon for a in anchors], dtype="float64")
        self.countries = frozenset(a.country for a in anchors if a.country)

    def __bool__(self) -> bool:
        return bool(self.anchors)

    def fingerprint(self) -> str:
        """Equal for regions that judge every name alike (same anchors, same origin)."""
        points = sorted({(a.name, round(a.lat, 6), round(a.lon, 6), a.country) for a in self.anchors})
        return hashlib.sha256(repr((self.from_data, points)).encode()).hexdigest()[:24]

    def nearest(self, lat: float, lon: float) -> tuple[float, str]:
        if not self.anchors:
            return 0.0, ""
        distances = haversine_km(self.lat, self.lon, lat, lon)
        best = int(np.argmin(distances))
        return float(distances[best]), self.anchors[best].name

    def fits(self, place: Candidate) -> bool:
        if not self.anchors:
            return True  # nothing to judge by
        distance, _ = self.nearest(place.lat, place.lon)
        if place.country and place.country in self.countries:
            return distance <= COUNTRY_KM
        return distance <= (FOREIGN_TOWN_KM if place.method == GAZETTEER else NEAR_KM)

    def measured(self, place: Candidate) -> Candidate:
        """The place with its distance to the data's nearest place (left out when it is there)."""
        distance, near = self.nearest(place.lat, place.lon)
        return replace(place, distance_km=round(distance), near=near) if self.anchors and distance >= 5 else place

    def near_mask(self, lat: np.ndarray, lon: np.ndarray, countries) -> np.ndarray:
        """Which of many points fit, about (anchors rounded to a 1° grid, with a margin): a cheap
        pre-filter before the exact test."""
        if not self.anchors:
            return np.ones(len(lat), dtype=bool)
        cells = np.unique(np.round(np.column_stack([self.lat, self.lon])), axis=0)
        nearest = np.full(len(lat), np.inf)
        for cell_lat, cell_lon in cells:
            nearest = np.minimum(nearest, haversine_km(lat, lon, cell_lat, cell_lon))
        mask = nearest <= NEAR_KM + 80
        if self.countries:
            mask |= np.isin(np.asarray(countries, dtype=object), list(self.countries)) & (nearest <= COUNTRY_KM + 80)
        return mask

    def grown(self, more: list[Candidate]) -> "Region":
        """The region with the places that fit it added, until none is left to add (a table that
        walks from Gao to Agadez to Zinder takes them all; Berlin stays out)."""
        anchors, left = list(self.anchors), list(more)
        while left:
            region = Region(anchors)
            # Only places well inside: one on the edge (another country, 500-1,000 km out) is
            # drawn as a place to check and does not pull the region towards itself.
            fitting = [p for p in left if region.fits(p) and (p.country in region.countries or region.nearest(p.lat, p.lon)[0] <= FOREIGN_TOWN_KM)]
            if not fitting:
                break
            anchors += fitting
            left = [p for p in left if p not in fitting]
        return Region(anchors, self.from_data)

    def supported(self, place: Candidate) -> bool:
        """Near a place other than itself (what a region made of the batch alone must show)."""
        if self.from_data:
            return True
        distances = haversine_km(self.lat, self.lon, place.lat, place.lon)
        return bool(((distances > AGREE_KM) & (distances <= NEAR_KM)).any())


def _supported(points: list[Candidate]) -> list[Candidate]:
    """The points that say where the data is: every cluster (places linked by hops of at most
    FOREIGN_TOWN_KM, or NEAR_KM within a country) of two or more, and the largest one. A Sahel table with one place in Washington is
    about the Sahel; an airline's network on three continents is about all three."""
    if len(points) <= 1:
        return list(points)
    # Points on one 0.1° cell are one for the clustering (a big table repeats its airports).
    cells: dict[tuple, list[int]] = {}
    for i, p in enumerate(points):
        cells.setdefault((round(p.lat, 1), round(p.lon, 1), p.country), []).append(i)
    keys = list(cells)
    lat, lon = np.array([k[0] for k in keys]), np.array([k[1] for k in keys])
    country = np.array([k[2] or "?" for k in keys], dtype=object)
    label = np.full(len(keys), -1)
    for start in range(len(keys)):  # flood fill over the NEAR_KM graph
        if label[start] >= 0:
            continue
        label[start], todo = start, [start]
        while todo:
            here = todo.pop()
            hop = haversine_km(lat, lon, lat[here], lon[here])
            near = np.flatnonzero((label < 0) & ((hop <= FOREIGN_TOWN_KM) | ((country == country[here]) & (hop <= NEAR_KM))))
            label[near] = start
            todo.extend(near.tolist())
    sizes = {c: sum(len(cells[keys[i]]) for i in np.flatnonzero(label == c)) for c in set(label.tolist())}
    largest = max(sizes, key=sizes.get)
    kept = {c for c, size in sizes.items() if size >= 2 or c == largest}
    return [points[i] for k, c in zip(keys, label) if c in kept for i in cells[k]]


def _starting_with(sorted_keys: list[str], prefix: str) -> list[str]:
    """The keys that begin with `prefix`, from a sorted list (bisect, not a scan)."""
    from bisect import bisect_left

    start = bisect_left(sorted_keys, prefix)
    end = bisect_left(sorted_keys, prefix + "\uffff")
    return sorted_keys[start:end]


def _tier(hit: Candidate) -> float:
    """Which meaning of a text wins: the places table, then a code (UFA written as a code is the
    airport UFA, not another airport of a city called Ufa), airport names, towns."""
    return 0.5 if hit.method == AIRPORT_DB and hit.matched.startswith(("ICAO ", "IATA ")) else TIERS[hit.method]


def _distinct(places: list[Candidate]) -> list[Candidate]:
    seen, out = set(), []
    for place in places:
        key = (place.name, place.icao, round(place.lat, 2), round(place.lon, 2))
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out


def _spread_km(hits: list[Candidate]) -> float:
    if len(hits) < 2:
        return 0.0
    lat, lon = np.array([h.lat for h in hits]), np.array([h.lon for h in hits])
    return float(haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]).max())


_NEAR_TABLES: dict[tuple, dict[str, list[Candidate]]] = {}


def _near_table(region: Region, index: _AirportIndex, use_towns: bool) -> dict[str, list[Candidate]]:
    table: dict[str, list[Candidate]] = {}
    fits = region.near_mask(index.lat, index.lon, [f.country for f in index.fields])
    near_icao = {f.icao for f, keep in zip(index.fields, fits) if keep}
    for key, hits in index.names.items():
        for hit in hits:
            if hit.icao in near_icao:
                table.setdefault(key, []).append(hit)
    if use_towns:
        from flightmap.towns import towns

        t = towns()
        mask = region.near_mask(t.lat, t.lon, t.country) if region else t.population >= 15_000
        for row in np.flatnonzero(mask).tolist():
            town = Candidate(name=t.names[row], lat=float(t.lat[row]), lon=float(t.lon[row]), country=t.country[row], method=GAZETTEER,
                             matched=f"town '{t.names[row]}' (GeoNames)")
            for key in t.row_keys[row]:
                table.setdefault(key, []).append(town)
    return table


NOT_SEARCHED = ("not searched for close spellings: this file has too many unknown names for one check; "
                "fix the names, add them to places.csv, or import the file in parts")


class JudgedNames:
    """A bounded, thread-safe LRU of judged names: (gazetteer key, region fingerprint, name) ->
    Resolution. An unknown name costs ~5-10 ms of close-spelling search, and the import preview
    asks again on every change of the page's controls: each distinct name is judged once per
    places table and region, then served from here. Resolutions are frozen, so sharing them
    between callers is safe.

    In memory per process; with `attach(store)` (a diskcache.Cache, bounded by its size limit)
    also on disk, shared by the processes of one machine: the background jobs that check an
    upload are processes that end with the job, and the next job reads what they judged."""

    def __init__(self, max_entries: int = 100_000):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, Resolution] = OrderedDict()
        self._lock = threading.Lock()
        self._store = None
        self._unsaved: dict[str, Resolution] = {}
        self.hits = self.misses = 0

    def attach(self, store) -> None:
        """Keep judged names in `store` too (anything with get/set and transact())."""
        self._store = store

    @staticmethod
    def _disk_key(key: tuple) -> str:
        return "judged:" + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple) -> Resolution | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self.hits += 1
                self._entries.move_to_end(key)
                return found
        if self._store is not None:
            try:
                found = self._store.get(self._disk_key(key))
            except Exception as exc:  # a damaged or full store is a cache miss, not a failure
                log.warning("judged-names store unreadable: %s", exc)
                found = None
            if isinstance(found, Resolution):
                self._remember(key, found)
                with self._lock:
                    self.hits += 1
                return found
        with self._lock:
            self.misses += 1
        return None

    def _remember(self, key: tuple, value: Resolution) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def put(self, key: tuple, value: Resolution) -> None:
        self._remember(key, value)
        if self._store is not None:
            with self._lock:
                self._unsaved[self._disk_key(key)] = value
                full = len(self._unsaved) >= 500
            if full:
                self.flush()

    def flush(self) -> None:
        """Write what was judged since the last flush to the store, in one transaction."""
        with self._lock:
            batch, self._unsaved = self._unsaved, {}
        if self._store is None or not batch:
            return
        try:
            with self._store.transact():
                for disk_key, value in batch.items():
                    self._store.set(disk_key, value)
        except Exception as exc:
            log.warning("judged-names store not written: %s", exc)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._unsaved.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


JUDGED = JudgedNames()


def _judged_after_fork() -> None:
    """A job forked from a threaded server must not inherit a lock another thread held."""
    JUDGED._lock = threading.Lock()
    JUDGED._unsaved = {}


os.register_at_fork(after_in_child=_judged_after_fork)


def places_key(places: pd.DataFrame, label: str = "") -> str:
    """A key that changes whenever the places table (with its fixes and aliases) changes."""
    digest = hashlib.sha256(label.encode())
    digest.update(repr(list(places.columns)).encode())
    digest.update(pd.util.hash_pandas_object(places.astype(str), index=False).values.tobytes())
    return digest.hexdigest()[:24]


class Gazetteer:
    """Offline lookups over a places table, the airport database and a gazetteer of towns, judged
    against the region the data is in. `resolve_all` is the entry point; `resolve` does one name."""

    def __init__(self, places: pd.DataFrame, airports: dict[str, dict] | None = None, places_label: str = "places.csv", use_towns: bool = True,
                 cache: JudgedNames | None = None):
        # Judged names are kept in `cache` (e.g. JUDGED) only with the shipped airport database:
        # the key then covers everything a judgement depends on (places table, towns, region).
        self._cache = cache if airports is None else None
        self._cache_key = (places_key(places, places_label), use_towns) if self._cache is not None else None
        self._airports = airport_database() if airports is None else airports
        self._index = _airport_index() if airports is None else _index_airports(airports)
        self._use_towns = use_towns
        self._places: dict[str, Candidate] = {}
        self._place_points: list[Candidate] = []
        self._index_places(places, places_label)
        self._merged: dict[tuple, tuple[list[str], dict[str, list[Candidate]]]] = {}
        self._sorted: tuple[list[str] | None, list[str]] = (None, [])

    # ------------------------------------------------------------------ the tables

    def _index_places(self, places: pd.DataFrame, label: str) -> None:
        problems = []
        for index, row in places.iterrows():
            lat, lon = row["lat"], row["lon"]
            icao = str(row["icao"]).upper()
            country = str(row.get("country", "") or "").upper()
            how = ""
            if pd.isna(lat) and icao:
                airport = self._airports.get(icao)
                if airport is None:
                    problems.append(Problem(label, spreadsheet_row(index), "icao", f"'{icao}' is not in the airport database", "check the code, or give lat and lon instead"))
                    continue
                lat, lon, how = airport["lat"], airport["lon"], " (coordinates from the airport database)"
                country = country or airport["country"]
            if pd.isna(lat) or pd.isna(lon):
                continue
            point = Candidate(name=row["name"], lat=float(lat), lon=float(lon), icao=icao, country=country, method=PLACES_TABLE)
            self._place_points.append(point)
            for written in (row["name"], *row["aliases"], *([icao] if icao else [])):
                what = "name" if written == row["name"] else ("ICAO" if written == icao else "alias")
                for key in name_keys(written):
                    self._places.setdefault(key, replace(point, matched=f"{what} '{written}'{how}"))
        if problems:
            raise DataValidationError(problems)

    def _as_place(self, hit: Candidate) -> Candidate:
        """One place per place: an airport or town the places table already has (same ICAO, or
        within SAME_PLACE_KM, the nearest) is that row, under its name."""
        if hit.method == PLACES_TABLE or not self._place_points:
            return hit
        same = [p for p in self._place_points if hit.icao and p.icao == hit.icao]
        if not same:
            distances = [haversine_km(p.lat, p.lon, hit.lat, hit.lon) for p in self._place_points]
            nearest = int(np.argmin(distances))
            same = [self._place_points[nearest]] if distances[nearest] <= SAME_PLACE_KM else []
        if same:
            return replace(same[0], matched=f"{hit.matched} = places.csv '{same[0].name}'", score=hit.score)
        return hit

    def _town_hits(self, key: str) -> list[Candidate]:
        if not self._use_towns:
            return []
        from flightmap.towns import towns

        table = towns()
        return [Candidate(name=table.names[i], lat=float(table.lat[i]), lon=float(table.lon[i]), country=table.country[i], method=GAZETTEER,
                          matched=f"town '{table.names[i]}' (GeoNames)") for i in table.by_key.get(key, ())]

    def _airport_of(self, town: Candidate) -> Candidate:
        """The airfield within AIRPORT_OF_TOWN_KM of a town, if any: flights land at airports."""
        index = self._index
        if not len(index.fields):
            return town
        distances = haversine_km(index.lat, index.lon, town.lat, town.lon)
        best = int(np.argmin(distances))
        if distances[best] > AIRPORT_OF_TOWN_KM:
            return town
        field = index.fields[best]
        return replace(field, matched=f"{town.matched}; its airport {distances[best]:.0f} km away", score=town.score)

    # ------------------------------------------------------------------ exact look-ups

    def _code_hits(self, code: str) -> list[Candidate]:
        place = self._places.get(code.lower())  # the places table's ICAO or a code alias (BKO)
        if place is not None:
            return [place]
        airport = self._index.codes.get(code.upper())
        return [airport] if airport is not None else []

    def _name_hits(self, keys: list[str]) -> list[Candidate]:
        for key in keys:  # the dataset's own word first, and alone
            if key in self._places:
                return [self._places[key]]
        hits: list[Candidate] = []
        for key in keys:
            hits += self._index.names.get(key, ())
        if not hits:
            for key in keys:
                hits += self._town_hits(key)
        return hits

    def _exact(self, text: str) -> tuple[list[Candidate], str]:
        """Every place the text names exactly, and a note when its parts disagree."""
        text = str(text).strip()
        paren = _PAREN_CODE.match(text)
        if paren and paren.group("name"):
            by_name = self._name_hits(name_keys(paren.group("name")))
            by_code = self._code_hits(paren.group("code"))
            return self._agreeing(by_name, by_code, paren.group("name"), paren.group("code").upper())
        keys = name_keys(text)
        hits = []
        if re.fullmatch(r"[A-Z0-9]{3,4}", text):  # codes only when written as codes: 'Ber' is not BER
            hits = self._code_hits(text)
        # A code that is also a word or a town (GAO, BER) may mean the name: keep both, the
        # region decides.
        names = self._name_hits(keys)
        if names and names[0].method == PLACES_TABLE:
            return names, ""
        return hits + [h for h in names if all(h.icao != c.icao or not h.icao for c in hits)], ""

    def _agreeing(self, by_name: list[Candidate], by_code: list[Candidate], name: str, code: str) -> tuple[list[Candidate], str]:
        if not by_code:
            return by_name, f"'{code}' is not an airport code" if by_name else ""
        if not by_name:
            return by_code, ""
        code_hit = by_code[0]
        agree = [h for h in by_name if haversine_km(h.lat, h.lon, code_hit.lat, code_hit.lon) <= AGREE_KM]
        if agree:
            best = agree[0]
            return [replace(best, matched=f"{best.matched} and {code_hit.matched} agree")], ""
        far = min(haversine_km(h.lat, h.lon, code_hit.lat, code_hit.lon) for h in by_name)
        return by_code + by_name, f"the name '{name}' and the code {code} disagree ({far:,.0f} km apart)"

    # ------------------------------------------------------------------ judging

    def _choose(self, hits: list[Candidate], region: Region) -> tuple[Candidate | None, list[Candidate], str]:
        """The place drawn (or None), the others worth showing, and why it is to check."""
        fitting = [h for h in hits if h.method == PLACES_TABLE or region.fits(h)]  # the dataset's own word stands
        # Far meanings, airports first (BER, written as a code, means Berlin's airport before any
        # town), then nearest.
        others = sorted((region.measured(h) for h in hits if h not in fitting), key=lambda h: (TIERS[h.method], h.distance_km or 0.0))
        if not fitting:
            return None, others, ""
        tier = min(_tier(h) for h in fitting)
        best_tier = sorted((h for h in fitting if _tier(h) == tier), key=lambda h: region.nearest(h.lat, h.lon)[0])
        best = best_tier[0]
        if best.method == GAZETTEER:
            best = self._airport_of(best)
            if best.method == AIRPORT_DB:  # keep the town available
                others = [region.measured(best_tier[0])] + others
        note = ""
        rivals = [h for h in best_tier[1:] if haversine_km(h.lat, h.lon, best_tier[0].lat, best_tier[0].lon) > AGREE_KM]
        if rivals:
            first = region.nearest(best_tier[0].lat, best_tier[0].lon)[0]
            close_rivals = [h for h in rivals if region.nearest(h.lat, h.lon)[0] < max(3 * first, 150)]
            if close_rivals or not region:
                note = f"{1 + len(close_rivals or rivals)} places in the data's region are called this; the nearest is drawn"
            others = [region.measured(h) for h in rivals] + others
        return self._as_place(best), others, note

    def _twin(self, text: str, region: Region) -> tuple[Candidate | None, list[Candidate], str]:
        """'Mopti-Sévaré', 'Niamey Diori Hamani': two names of one place."""
        parts = [p for p in _TWIN_SEPARATOR.split(text.strip()) if p]
        splits = []
        if len(parts) == 2:
            splits.append((parts[0], parts[1], True))
        words = text.split()
        splits += [(" ".join(words[:i]), " ".join(words[i:]), False) for i in range(1, len(words))]
        # 'Tongo Tongo' (a village) is not two names of Tongo.
        splits = [(a, b, h) for a, b, h in splits if normalise_name(a) != normalise_name(b)]
        for left, right, hyphenated in splits:
            found = []
            for part in (left, right):
                hits, _ = self._exact(part)
                chosen, _, _ = self._choose(hits, region) if hits else (None, [], "")
                found.append((part, hits, chosen))
            (p1, h1, c1), (p2, h2, c2) = found
            if c1 and c2:
                apart = haversine_km(c1.lat, c1.lon, c2.lat, c2.lon)
                if apart <= AGREE_KM:
                    best = c1 if TIERS.get(c1.method, 3) <= TIERS.get(c2.method, 3) or c1.icao else c2
                    return replace(best, matched=f"'{p1}' and '{p2}' are one place: {best.matched}"), [], ""
                if hyphenated:
                    return None, [region.measured(c1), region.measured(c2)], f"'{text}' names two places {apart:,.0f} km apart: write one place per cell"
            elif hyphenated and (c1 or c2) and not (h1 and h2):
                best, known, unknown = (c1, p1, p2) if c1 else (c2, p2, p1)
                return replace(best, matched=f"twin name: '{known}' ({best.matched}); '{unknown}' is not in the references"), [], ""
        return None, [], ""

    def _close_spellings(self, key: str, region: Region, limit: int) -> list[Candidate]:
        """Names spelled like `key` among the places that fit the region, best first: by
        spelling (edit ratio), then nearest; names that begin with it ('Ouaga' for Ouagadougou)
        are offered too. Each candidate's `score` is its edit ratio, which decides whether it
        may be drawn as a guess."""
        keys, table = self._keys_near(region)
        found = {k: score for k, score, _ in process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=CANDIDATE_CUTOFF, limit=limit * 4)}
        if len(key) >= 4:
            for other in _starting_with(self._sorted_keys(keys), key):
                if other.startswith(key + " ") or len(key) >= 5:
                    found.setdefault(other, max(PREFIX_SCORE, fuzz.ratio(key, other)))
        out = []
        for matched_key, score in found.items():
            for hit in table[matched_key]:
                if hit.method == PLACES_TABLE or region.fits(hit):
                    place = self._as_place(self._airport_of(hit) if hit.method == GAZETTEER else hit)
                    out.append(region.measured(replace(place, score=round(score, 1))))
        out.sort(key=lambda c: (-(c.score // 5), c.distance_km or 0.0, TIERS.get(c.method, 3)))
        return _distinct(out)[:limit]

    def _nearer_fuller_name(self, key: str, region: Region, distance_km: float) -> Candidate | None:
        """A place nearer the data whose name begins with `key` ('Fada' for Fada N'Gourma)."""
        if len(key) < 4:
            return None
        keys, table = self._keys_near(region)
        fuller = [region.measured(hit) for other in _starting_with(self._sorted_keys(keys), key + " ") for hit in table[other]
                  if normalise_name(hit.name).startswith(key + " ")]
        fuller = [c for c in fuller if (c.distance_km or 0.0) < distance_km / 2]
        return min(fuller, key=lambda c: c.distance_km or 0.0) if fuller else None

    def _keys_near(self, region: Region) -> tuple[list[str], dict[str, list[Candidate]]]:
        """Every name key of the places, airports and towns that fit the region. Cached for the
        process by the region's 5° cells and countries: a new Gazetteer per preview, or a region
        grown by one more name in the same cells, reuses it."""
        cells = frozenset((int(la // 5), int(lo // 5)) for la, lo in zip(region.lat.tolist(), region.lon.tolist()))
        signature = (cells, region.countries, self._use_towns, id(self._index))
        if signature in self._merged:
            return self._merged[signature]
        shared = _NEAR_TABLES.get(signature)
        if shared is None:
            shared = _near_table(region, self._index, self._use_towns)
            if len(_NEAR_TABLES) >= 16:
                _NEAR_TABLES.pop(next(iter(_NEAR_TABLES)))
            _NEAR_TABLES[signature] = shared
        table = dict(shared)
        for key, hit in self._places.items():  # the dataset's own, always
            table[key] = [hit, *table.get(key, [])]
        self._merged[signature] = (list(table), table)
        return self._merged[signature]

    def _sorted_keys(self, keys: list[str]) -> list[str]:
        """The near keys sorted, for prefix search by bisect; sorted once per key list."""
        if self._sorted[0] is not keys:
            self._sorted = (keys, sorted(keys))
        return self._sorted[1]

    def _judge(self, text: str, hits: list[Candidate], note: str, region: Region, close_search: bool = True) -> Resolution:
        query = str(text).strip()
        key = normalise_name(query)
        if not key:
            return Resolution(query=query)
        codes = [h for h in hits if h.matched.startswith(("ICAO ", "IATA "))] if re.fullmatch(r"[A-Z0-9]{3,4}", query) else []
        chosen, others, why = self._choose(hits, region) if hits else (None, [], "")
        if chosen is None and not note:
            twin, twin_others, twin_note = self._twin(query, region)
            chosen, others, why = (twin, others + twin_others, twin_note) if twin or twin_note else (None, others, "")
        if chosen is not None and not note:
            if codes and chosen.method == GAZETTEER and not why:
                why = f"'{query}' is written as a code, whose airport is far from the data; a town is called this: check it"
            elif chosen.method != PLACES_TABLE and not why and (not region or not region.supported(chosen)):
                why = "nothing else in the data says where it is: check it"
            elif chosen.method != PLACES_TABLE and not why and region and chosen.country not in region.countries:
                distance, near = region.nearest(chosen.lat, chosen.lon)
                if distance > FOREIGN_TOWN_KM:  # on the edge of the region: is a nearer place meant?
                    fuller = self._nearer_fuller_name(key, region, distance)
                    if fuller is not None:
                        why = (f"{distance:,.0f} km from {near}, the nearest of the data's places, in another country, while "
                               f"{fuller.label} begins with '{query}': check it")
                        others = [fuller, *others]
            status = CHECK if why else RESOLVED
            return self._resolution(query, chosen, status, why, others)
        if chosen is not None:  # name and code disagree: draw the code's airport, to check
            return self._resolution(query, chosen, CHECK, note, others)
        if not close_search:
            return Resolution(query=query, candidates=_distinct(others)[:6], note=note or why or NOT_SEARCHED)
        close = self._close_spellings(key, region, 6) if len(key) >= 3 else []
        best = next((c for c in close if c.score >= (FUZZY_CUTOFF_PLACES if c.method == PLACES_TABLE else FUZZY_CUTOFF)), None)
        if best is not None and len(key) >= MIN_FUZZY_LENGTH and not others and not note:
            guess = replace(self._as_place(best), method=FUZZY, score=best.score, matched=f"{best.matched} (close spelling of '{query}')")
            return self._resolution(query, guess, CHECK, f"close spelling ({best.score:.0f}%): check it", [c for c in close if c is not best])
        why = note or why or ("the places called this lie outside the data's region" if others else "")
        return Resolution(query=query, candidates=_distinct(others + close)[:6], note=why)

    @staticmethod
    def _resolution(query: str, place: Candidate, status: str, note: str, others: list[Candidate]) -> Resolution:
        method = place.method
        others = [o for o in _distinct(others) if (o.name, round(o.lat, 2), round(o.lon, 2)) != (place.name, round(place.lat, 2), round(place.lon, 2))]
        return Resolution(query=query, name=place.name, lat=place.lat, lon=place.lon, icao=place.icao, method=method, matched=place.matched,
                          score=place.score if method == FUZZY else 100.0, candidates=tuple(others[:6]), country=place.country, status=status, note=note)

    # ------------------------------------------------------------------ entry points

    def region_of(self, exact: dict[str, tuple[list[Candidate], str]], anchors: list[Candidate] = ()) -> Region:
        """The region of a batch of names: the places table, `anchors` (places the data gives
        coordinates for) and the names that name one place exactly, in clusters with support
        (see _supported)."""
        sure = [hits[0] for hits, note in exact.values() if hits and not note and _spread_km(hits) <= AGREE_KM and hits[0].method != PLACES_TABLE]
        # Clusters with support only: Washington, alone in a Sahel dataset, is placed (a
        # places-table name always is) but its neighbours are not the data's region.
        base = [*self._place_points, *anchors]
        return Region(_supported(base + sure), from_data=bool(base)).grown(sure)

    def resolve_all(self, names, anchors: list[Candidate] = (), online: "OnlineGeocoder | None" = None, context=(), progress=None) -> dict[str, Resolution]:
        """Resolve each distinct non-empty name once, judged against the region of the batch, of
        `anchors` (places with coordinates) and of the `context` names (e.g. the dataset's own,
        when a file is imported into it; they shape the region and are not resolved).
        `progress(done, total)`, when given, hears every 200 names."""
        distinct = list(dict.fromkeys(str(n) for n in names if n is not None and str(n).strip()))
        exact = {name: self._exact(name) for name in distinct}
        around = {name: self._exact(name) for name in dict.fromkeys(str(n) for n in context if n is not None and str(n).strip()) if name not in exact}
        region = self.region_of({**around, **exact}, list(anchors))
        results = {}
        scope = (*self._cache_key, region.fingerprint()) if self._cache is not None else None
        near_keys = None  # the size of the close-spelling search, found when a name first needs it (it may load the towns)
        spent = 0
        for done, name in enumerate(distinct):
            if progress is not None and done % 200 == 0:
                progress(done, len(distinct))
            hit = self._cache.get((*scope, name)) if scope else None
            if hit is None:
                if not exact[name][0] and near_keys is None:
                    near_keys = len(self._keys_near(region)[0])
                searched = bool(exact[name][0]) or spent + near_keys <= CLOSE_SPELLING_BUDGET
                spent += 0 if exact[name][0] else near_keys
                hit = self._judge(name, *exact[name], region, searched)
                if scope and searched:  # a name not searched is judged again next time
                    self._cache.put((*scope, name), hit)
            if hit.status == UNRESOLVED and online is not None:
                found = online.lookup(name)
                if found is not None:
                    place = Candidate(name=found.name, lat=found.lat, lon=found.lon, method=ONLINE, matched=found.matched)
                    if region.fits(place):
                        hit = replace(found, status=CHECK, note="found online: check it", candidates=hit.candidates)
                    else:
                        hit = replace(hit, candidates=(region.measured(place), *hit.candidates))
            results[name] = hit
        if self._cache is not None:
            self._cache.flush()
        return results

    def unambiguous(self, text: str) -> bool:
        """Whether the text names one place only, wherever the data is (DXB, whose city GeoNames
        also calls DXB; not LIM, also a town)."""
        hits, note = self._exact(text)
        return bool(hits) and not note and _spread_km(hits) <= 2 * AGREE_KM

    def resolve(self, query: str) -> Resolution:
        """One name, judged against the places table's region."""
        exact = self._exact(query)
        return self._judge(query, *exact, self.region_of({query: exact}))


class OnlineGeocoder:
    """Nominatim through geopy: opt-in, rate-limited, cached on disk, and quiet when offline.

    After the first network failure it stops trying for the rest of its life, so a dataset with
    many unknown places does not wait out one timeout per place.
    """

    def __init__(self, cache_path: Path, user_agent: str = "flight-route-dashboard", timeout: float = 5.0, min_delay: float = 1.0, geocoder=None):
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self.cache_path = Path(cache_path)
        self.status = "not used"
        self._lock = threading.Lock()
        self._cache = self._read_cache()
        # Nominatim's usage policy: a real user agent and at most one request per second.
        service = geocoder or Nominatim(user_agent=user_agent, timeout=timeout)
        self._geocode = RateLimiter(service.geocode, min_delay_seconds=min_delay, max_retries=0, swallow_exceptions=False)
        self.available = True

    def _read_cache(self) -> dict:
        try:
            cache = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if not isinstance(cache, dict):
                raise ValueError("not a JSON object")
            return cache
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:
            log.warning("Geocoding cache %s is unreadable (%s); starting a new one.", self.cache_path, exc)
            self.status = f"cache rebuilt: {self.cache_path} was unreadable"
            return {}

    def _write_cache(self) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, prefix=".geocode-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._cache, handle, ensure_ascii=False, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.cache_path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise

    def lookup(self, query: str) -> Resolution | None:
        from geopy.exc import GeopyError

        key = normalise_name(query)
        with self._lock:
            if key in self._cache:
                return self._from_cache(query, self._cache[key])
            if not self.available:
                return None
            try:
                found = self._geocode(query)
            except GeopyError as exc:
                self.available = False
                self.status = f"online geocoder unavailable ({type(exc).__name__}); using offline results only"
                log.warning("Online geocoding of %r failed: %s", query, exc)
                return None
            self._cache[key] = None if found is None else {"lat": found.latitude, "lon": found.longitude, "address": found.address}
            self.status = "online geocoder in use"
            try:
                self._write_cache()
            except OSError as exc:
                log.warning("Could not write the geocoding cache %s: %s", self.cache_path, exc)
            return self._from_cache(query, self._cache[key])

    @staticmethod
    def _from_cache(query: str, entry: dict | None) -> Resolution | None:
        if entry is None:
            return None
        return Resolution(query=query, name=entry.get("address", query).split(",")[0], lat=float(entry["lat"]), lon=float(entry["lon"]), method=ONLINE, matched=f"Nominatim '{entry.get('address', '')}'", score=70.0)


def resolve_all(names, gazetteer: Gazetteer, online: OnlineGeocoder | None = None, anchors: list[Candidate] = ()) -> dict[str, Resolution]:
    """Resolve each distinct non-empty name once (see Gazetteer.resolve_all)."""
    return gazetteer.resolve_all(names, anchors=anchors, online=online)
