"""Turn place names as sources write them into coordinates, recording how each was resolved.

Order: the dataset's places table (names, aliases, ICAO), then the offline airport database
(ICAO / IATA code, airport name, city), then a tolerant match for misspellings, and only when
enabled an online geocoder (Nominatim) behind a rate limiter and an on-disk cache.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import airportsdata
import pandas as pd
from rapidfuzz import fuzz, process

from flightmap.loader import DataValidationError, Problem, spreadsheet_row

log = logging.getLogger(__name__)

PLACES_TABLE, AIRPORT_DB, FUZZY, ONLINE, MANUAL, UNRESOLVED = (
    "places table", "airport database", "fuzzy", "online", "manual", "unresolved",
)
# How close a misspelling must be (rapidfuzz ratio, 0..100). The dataset's own places are few
# and chosen, so a looser match is safe there; the 28k airport names need a stricter one.
FUZZY_CUTOFF_PLACES = 80
FUZZY_CUTOFF_AIRPORTS = 88
_GENERIC_WORDS = re.compile(
    r"\b(international|intl|airport|airfield|aerodrome|aeroport|aeroporto|aeropuerto|air base|airbase|base aerienne|regional|municipal)\b"
)


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
    candidates: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.lat is not None and self.lon is not None


def normalise_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Bamako-Sénou' -> 'bamako senou'."""
    bare = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare.casefold()).split())


@lru_cache(maxsize=1)
def airport_database() -> dict[str, dict]:
    """The airportsdata ICAO table (28k airports), loaded once per process."""
    return airportsdata.load("ICAO")


def _index_airports(airports: dict[str, dict]) -> tuple[dict[str, Resolution], dict[str, Resolution]]:
    """Lookups by code and by normalised airport name or city."""
    codes: dict[str, Resolution] = {}
    names: dict[str, Resolution] = {}
    # Airports with an IATA code are the ones with scheduled or notable traffic: prefer them
    # when a name or city is shared.
    for airport in sorted(airports.values(), key=lambda a: (a["iata"] == "", a["icao"])):
        hit = Resolution(query="", name=airport["name"], lat=airport["lat"], lon=airport["lon"], icao=airport["icao"], method=AIRPORT_DB, score=100.0)
        codes.setdefault(airport["icao"], replace(hit, matched=f"ICAO {airport['icao']}"))
        if airport["iata"]:
            codes.setdefault(airport["iata"], replace(hit, matched=f"IATA {airport['iata']}"))
        for label, what in ((airport["name"], "airport name"), (airport["city"], "city")):
            full = normalise_name(label)
            for key in (full, " ".join(_GENERIC_WORDS.sub(" ", full).split())):
                if key:
                    names.setdefault(key, replace(hit, matched=f"{what} '{label}'"))
    return codes, names


@lru_cache(maxsize=1)
def _airport_index() -> tuple[dict[str, Resolution], dict[str, Resolution]]:
    # Built once per process (about a second); callers must not mutate the dicts.
    return _index_airports(airport_database())


class Gazetteer:
    """Offline lookups over a places table and the airport database."""

    def __init__(self, places: pd.DataFrame, airports: dict[str, dict] | None = None, places_label: str = "places.csv"):
        self._airports = airport_database() if airports is None else airports
        self._places: dict[str, Resolution] = {}
        self._codes, self._names = _airport_index() if airports is None else _index_airports(airports)
        self._index_places(places, places_label)
        self._place_keys = list(self._places)
        self._name_keys = list(self._names)

    def _index_places(self, places: pd.DataFrame, label: str) -> None:
        problems = []
        for index, row in places.iterrows():
            lat, lon, method = row["lat"], row["lon"], MANUAL
            icao = str(row["icao"]).upper()
            if pd.isna(lat) and icao:
                airport = self._airports.get(icao)
                if airport is None:
                    problems.append(Problem(label, spreadsheet_row(index), "icao", f"'{icao}' is not in the airport database", "check the code, or give lat and lon instead"))
                    continue
                lat, lon, method = airport["lat"], airport["lon"], AIRPORT_DB
            for written in (row["name"], *row["aliases"], *([icao] if icao else [])):
                key = normalise_name(written)
                if key and key not in self._places:
                    self._places[key] = Resolution(
                        query="", name=row["name"], lat=float(lat), lon=float(lon), icao=icao,
                        method=PLACES_TABLE, matched=f"{'name' if written == row['name'] else 'alias'} '{written}'"
                        + (f" (coordinates from the {method})" if method == AIRPORT_DB else ""), score=100.0,
                    )
        if problems:
            raise DataValidationError(problems)

    def resolve(self, query: str) -> Resolution:
        """Resolve offline; an unresolved result carries the closest candidates."""
        text = str(query).strip()
        key = normalise_name(text)
        if not key:
            return Resolution(query=text)
        if key in self._places:
            return replace(self._places[key], query=text)
        # Codes only when written as codes: the town 'Ber' must not become Berlin's BER.
        if text.isupper() and text in self._codes:
            return replace(self._codes[text], query=text)
        if key in self._names:
            return replace(self._names[key], query=text)
        for keys, table, cutoff in (
            (self._place_keys, self._places, FUZZY_CUTOFF_PLACES),
            (self._name_keys, self._names, FUZZY_CUTOFF_AIRPORTS),
        ):
            best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best:
                hit = table[best[0]]
                return replace(hit, query=text, method=FUZZY, score=round(best[1], 1), matched=f"{hit.matched} (close spelling of '{text}')")
        near = process.extract(key, self._place_keys + self._name_keys, scorer=fuzz.ratio, limit=3, score_cutoff=55)
        return Resolution(query=text, candidates=tuple(dict.fromkeys(self._describe(k) for k, _, _ in near)))

    def _describe(self, key: str) -> str:
        hit = self._places.get(key) or self._names[key]
        return f"{hit.name} ({hit.icao})" if hit.icao else hit.name


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


def resolve_all(names, gazetteer: Gazetteer, online: OnlineGeocoder | None = None) -> dict[str, Resolution]:
    """Resolve each distinct non-empty name once."""
    results = {}
    for name in dict.fromkeys(n for n in names if n):
        hit = gazetteer.resolve(name)
        if not hit.resolved and online is not None:
            hit = online.lookup(name) or hit
        results[name] = hit
    return results
