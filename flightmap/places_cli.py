"""`python app.py places PATH`: every place name as written, once, and where it is placed and how.

    python app.py places data/                       the dataset's own names
    python app.py places my-flights.xlsx [--data DIR]   a file's names, judged as the import would
    ... [--format table|csv|json]

Exit status: 0 when every name is resolved; 1 when any is unresolved or placed by a guess to
check (the candidates for those are listed); 2 bad arguments.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pandas as pd

from flightmap.geocode import RESOLVED, Resolution

CSV_COLUMNS = ["written", "name", "lat", "lon", "country", "method", "score", "status"]


def build_parser() -> argparse.ArgumentParser:
    from flightmap.config import Settings

    parser = argparse.ArgumentParser(prog="app.py places", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a dataset folder, or a CSV (UTF-8), XLSX or JSON file to import")
    parser.add_argument("--data", type=Path, default=Settings.from_env().data_dir, help="for a file: the dataset it would be imported into (default: the shipped data/; env FLIGHTMAP_DATA)")
    parser.add_argument("--table", choices=("flights", "events"), help="for a file: what it holds (default: guessed from its columns)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    return parser


def folder_places(folder: Path) -> dict[str, Resolution]:
    """The dataset's names, resolved exactly as the map resolves them."""
    from flightmap.geocode import Gazetteer
    from flightmap.loader import load_dataset
    from flightmap.routes import event_anchors, place_names

    dataset = load_dataset(folder)
    gazetteer = Gazetteer(dataset.places, places_label=dataset.label("places.csv"))
    return gazetteer.resolve_all(place_names(dataset), anchors=event_anchors(dataset.events, dataset.flights))


def file_places(path: Path, data: Path, table_name: str | None) -> dict[str, Resolution]:
    from flightmap import importer
    from flightmap.loader import DataValidationError, load_dataset

    dataset = load_dataset(data)
    upload = importer.read_upload(path.read_bytes(), path.name)
    table = importer.IMPORTABLE[table_name] if table_name else importer.guess_table(upload.frame.columns)
    preview = importer.prepare(upload, table, importer.guess_mapping(upload.frame.columns, table, upload.frame), dataset)
    unplaced = [p for p in preview.problems if p.column in ("origin", "destination", "place") and p.row == 1]
    if unplaced:  # no place column matched: say so rather than list nothing
        raise DataValidationError(unplaced)
    return preview.places


def rows(places: dict[str, Resolution]) -> list[dict]:
    return [{
        "written": written, "name": hit.name if hit.resolved else "", "lat": hit.lat if hit.resolved else None, "lon": hit.lon if hit.resolved else None,
        "country": hit.country if hit.resolved else "", "method": hit.method if hit.resolved else "", "score": round(hit.score, 1) if hit.resolved else None,
        "status": hit.status, "note": hit.note, "candidates": [c.label for c in hit.candidates],
    } for written, hit in places.items()]


def _text(value) -> str:
    """A cell for a terminal: control characters from a hostile file escaped (security.terminal_safe)."""
    from flightmap.security import terminal_safe

    return terminal_safe(value)


def print_table(lines: list[dict], out) -> None:
    widths = {c: max([len(c)] + [len(_text(_show(line[c]))) for line in lines]) for c in CSV_COLUMNS}
    print("  ".join(c.ljust(widths[c]) for c in CSV_COLUMNS), file=out)
    for line in lines:
        print("  ".join(_text(_show(line[c])).ljust(widths[c]) for c in CSV_COLUMNS), file=out)
        if line["status"] != RESOLVED:
            if line["note"]:
                print(f"    {_text(line['note'])}", file=out)
            for label in line["candidates"]:
                print(f"    candidate: {_text(label)}", file=out)


def _show(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{value:.5f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def main(argv: list[str], out=None, err=None) -> int:
    from flightmap.loader import DataValidationError

    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        places = folder_places(args.path) if args.path.is_dir() else file_places(args.path, args.data, args.table)
    except DataValidationError as exc:
        print(exc, file=err)
        return 1
    except OSError as exc:
        print(f"{args.path}: cannot be read ({exc.strerror or exc})", file=err)
        return 1
    lines = rows(places)
    if args.format == "json":
        print(json.dumps(lines, ensure_ascii=True, indent=1), file=out)  # \u escapes: nothing raw reaches a terminal
    elif args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            writer.writerow([_text(_show(line[c])) for c in CSV_COLUMNS])
        for line in lines:  # the header stays exactly CSV_COLUMNS: candidates go to stderr
            for label in line["candidates"] if line["status"] != RESOLVED else ():
                print(f"{_text(line['written'])}: candidate {_text(label)}", file=err)
    else:
        print_table(lines, out)
    flagged = [line for line in lines if line["status"] != RESOLVED]
    if flagged:
        print(f"{len(flagged)} of {len(lines)} place name(s) unresolved or to check: add them (or confirm them as aliases) in places.csv, "
              "or pick them on the page's import.", file=err)
        return 1
    return 0
