"""Towns offline: GeoNames populated places (≥ 500 people) with the look-up keys of their names and
Latin-script alternate names, from the extract `tools/build_towns.py` writes (origin and licence
in flightmap/gazetteer/README.md).

Loaded once per process, and only when a name is not in the places table or the airport
database (about two seconds and 250 MB): the shipped data never needs it.
"""
from __future__ import annotations

import lzma
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).with_name("gazetteer")
TOWNS_FILE = FOLDER / "towns.tsv.xz"
COUNTRIES_FILE = FOLDER / "countries.tsv"


@dataclass(frozen=True)
class Towns:
    names: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    country: tuple[str, ...]
    population: np.ndarray
    by_key: dict[str, tuple[int, ...]]  # normalised name or alternate name -> town rows
    row_keys: tuple[tuple[str, ...], ...]  # town row -> its normalised names

    def __len__(self) -> int:
        return len(self.names)


_LOADING = threading.Lock()


def towns() -> Towns:
    """The gazetteer, loaded once per process; callers arriving during the load wait for it
    rather than load a second copy."""
    with _LOADING:
        return _load()


@lru_cache(maxsize=1)
def _load() -> Towns:
    names, lats, lons, countries, populations = [], [], [], [], []
    by_key: dict[str, list[int]] = {}
    row_keys: list[tuple[str, ...]] = []
    with lzma.open(TOWNS_FILE, "rt", encoding="utf-8") as handle:
        for row, line in enumerate(handle):
            _id, name, lat, lon, country, population, written_keys = line.rstrip("\n").split("\t")
            names.append(name)
            lats.append(float(lat))
            lons.append(float(lon))
            countries.append(country)
            populations.append(int(population or 0))
            keys = tuple(written_keys.split("|")) if written_keys else ()
            row_keys.append(keys)
            for key in keys:
                by_key.setdefault(key, []).append(row)
    return Towns(tuple(names), np.array(lats), np.array(lons), tuple(countries), np.array(populations, dtype="int64"),
                 {key: tuple(rows) for key, rows in by_key.items()}, tuple(row_keys))


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-2 code -> English name ('ML' -> 'Mali')."""
    lines = COUNTRIES_FILE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if "\t" in line)


def country_name(code: str) -> str:
    return country_names().get(str(code).upper(), str(code))
