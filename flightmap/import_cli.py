"""`python app.py import FILE` and `python app.py validate FILE`: the page's import, with the same
checks and messages, from the command line.

    python app.py validate my-flights.xlsx [--data DIR]      check only; exit 0 valid, 1 not
    python app.py import my-flights.csv [--data DIR] [--table flights|events]

Columns are matched as on the page (printed first). Places that cannot be found are warnings
(the rows are kept and listed beside the map); fix them on the page or in places.csv.
Exit status: 0 valid / merged; 1 problems (nothing written); 2 bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flightmap import importer
from flightmap.loader import DataValidationError, load_dataset
from flightmap.security import terminal_safe


def say(*parts, file=None) -> None:
    """print(), with every cell quoted in the text made harmless to a terminal (no escape
    sequences, no bidi reordering): an uploaded file's content never reaches the terminal raw."""
    print(terminal_safe(" ".join(str(p) for p in parts)), file=file or sys.stdout)


def build_parser(command: str) -> argparse.ArgumentParser:
    from flightmap.config import Settings

    parser = argparse.ArgumentParser(prog=f"app.py {command}", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a CSV (UTF-8), XLSX or JSON file of flights or events" + (", or a dataset folder" if command == "validate" else ""))
    parser.add_argument("--data", type=Path, default=Settings.from_env().data_dir, help="the dataset to check against and merge into (default: the shipped data/; env FLIGHTMAP_DATA)")
    parser.add_argument("--table", choices=tuple(importer.IMPORTABLE), help="what the file holds (default: guessed from its columns)")
    return parser


def check_file(path: Path, data: Path, table_name: str | None, out=None, err=None) -> importer.Preview | None:
    """Read, match and check the file; print what was done and every problem. None when the
    file or the dataset cannot be read at all."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        dataset = load_dataset(data)
        upload = importer.read_upload(path.read_bytes(), path.name)
    except DataValidationError as exc:
        say(exc, file=err)
        return None
    except OSError as exc:
        say(f"{path}: cannot be read ({exc.strerror or exc})", file=err)
        return None
    table = importer.IMPORTABLE[table_name] if table_name else importer.guess_table(upload.frame.columns)
    mapping = importer.guess_mapping(upload.frame.columns, table)
    preview = importer.prepare(upload, table, mapping, dataset)
    say(f"{path.name}: {len(preview.rows)} row(s) of {table.name}; columns: " + ", ".join(f"{theirs} → {ours}" for ours, theirs in mapping.items()), file=out)
    for notice in preview.notices:
        say(f"  note: {notice}", file=out)
    for name, hit in preview.unresolved.items():
        why = f" ({hit.note})" if hit.note else ""
        closest = f"; closest: {'; '.join(c.label for c in hit.candidates[:3])}" if hit.candidates else ""
        say(f"warning: {path.name}: place '{name}' not found{why}{closest}. Fix: add it to places.csv, or pick it on the page's import", file=err)
    for name, hit in preview.to_check.items():
        say(f"warning: {path.name}: place '{name}' placed at {hit.name} by a guess ({hit.note}). Fix: if that is right, add '{name}' "
            f"as an alias in places.csv or pick it on the page's import; otherwise add the right place", file=err)
    if preview.problems:
        say(DataValidationError(list(preview.problems)), file=err)
    return preview


def validate_file(argv: list[str]) -> int:
    args = build_parser("validate").parse_args(argv)
    preview = check_file(args.path, args.data, args.table)
    if preview is None or not preview.ok:
        return 1
    say(f"{args.path.name}: valid — {len(preview.rows)} {preview.table.name} row(s) would be added to {args.data / preview.table.filename}.")
    return 0


def import_file(argv: list[str]) -> int:
    args = build_parser("import").parse_args(argv)
    preview = check_file(args.path, args.data, args.table)
    if preview is None or not preview.ok:
        say("Nothing was written.", file=sys.stderr)
        return 1
    from flightmap.saving import SaveError

    try:
        texts, backups = importer.merge(args.data, preview)
    except DataValidationError as exc:
        say(exc, file=sys.stderr)
        say("Nothing was written.", file=sys.stderr)
        return 1
    except SaveError as exc:
        say(f"Not saved: {exc}", file=sys.stderr)
        return 1
    say(f"Added {len(preview.rows)} {preview.table.name} row(s) to {args.data / preview.table.filename}"
          + (f" and {len(preview.new_places)} place(s) to places.csv" if len(preview.new_places) else "") + ".")
    for backup in backups:
        say(f"  previous version kept as {backup}")
    return 0
