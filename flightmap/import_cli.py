"""`python app.py import FILE` and `python app.py validate FILE`: the page's import, with the same
checks and messages, from the command line.

    python app.py validate my-flights.xlsx [--data DIR]      check only; exit 0 valid, 1 not
    python app.py import my-flights.csv [--data DIR] [--table flights|events]
        [--set confidence=reported --set source="RFI, 2023-10-16"]   one value for every row
        [--map Départ=origin --map Flight=-]                          correct the column matching ('-': not imported)
        [--dayfirst | --monthfirst]                                   how to read dates such as 03/04/2023
    python app.py import TRACKFILE [--data DIR] --set source_ids=ID --set confidence=reported [--set flight_ids=ID;ID] [--set legs=1,2|all]
        a flown track (KML, GPX, GeoJSON, tar1090 trace, OpenSky or flight-tracking-site CSV), recognised
        by its format: saved as tracks/<id>.csv with a row of tracks.csv; the legs its take-offs and
        landings imply are listed, and those named by --set legs join flights.csv, linked to the track

Columns are matched as on the page (printed first). Places that cannot be found are warnings
(the rows are kept and listed beside the map); fix them on the page or in places.csv.
Exit status: 0 valid / merged; 1 problems (nothing written); 2 bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flightmap import cells, importer
from flightmap.loader import DataValidationError, load_dataset
from flightmap.schema import Table
from flightmap.security import terminal_safe


def say(*parts, file=None) -> None:
    """print(), with every cell quoted in the text made harmless to a terminal (no escape
    sequences, no bidi reordering): an uploaded file's content never reaches the terminal raw."""
    print(terminal_safe(" ".join(str(p) for p in parts)), file=file or sys.stdout)


def build_parser(command: str) -> argparse.ArgumentParser:
    from flightmap.config import Settings

    parser = argparse.ArgumentParser(prog=f"app.py {command}", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a CSV (UTF-8), XLSX or JSON file of flights or events, or a flown track (KML, GPX, GeoJSON, tar1090 trace, OpenSky or site CSV)" + (", or a dataset folder" if command == "validate" else ""))
    parser.add_argument("--data", type=Path, default=Settings.from_env().data_dir, help="the dataset to check against and merge into (default: the shipped data/; env FLIGHTMAP_DATA)")
    parser.add_argument("--table", choices=tuple(importer.IMPORTABLE), help="what the file holds (default: guessed from its columns)")
    parser.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                        help="one value for every row of a column of ours, e.g. confidence=reported or summary='Seen on FR24' (repeatable)")
    parser.add_argument("--map", action="append", default=[], metavar="THEIRS=OURS",
                        help="take our column OURS from the file's column THEIRS, e.g. Départ=origin; OURS '-' leaves THEIRS out (repeatable)")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="order", action="store_const", const=cells.DAY_FIRST, help="read dates such as 03/04/2023 as 3 April")
    order.add_argument("--monthfirst", dest="order", action="store_const", const=cells.MONTH_FIRST, help="read dates such as 03/04/2023 as 4 March")
    return parser


def choices(args, frame, table: Table) -> tuple[dict[str, str], dict[str, str]]:
    """The column matching and the one-value-for-every-row columns the options ask for, as the
    page would hold them; an error naming the column for one that does not exist."""
    columns = list(frame.columns)
    mapping = importer.guess_mapping(columns, table, frame)
    for item in args.map:
        theirs, _, ours = item.rpartition("=")
        if not theirs or theirs not in columns:
            raise SystemExit(f"app.py: --map {item}: the file has no column '{theirs}' (its columns: {', '.join(map(str, columns))})")
        mapping = {k: v for k, v in mapping.items() if v != theirs}
        if ours.strip() != "-":
            if ours not in table.column_names:
                raise SystemExit(f"app.py: --map {item}: '{ours}' is not a column of {table.name} ({', '.join(table.column_names)})")
            mapping[ours] = theirs
    constants = {}
    for item in args.set:
        column, _, value = item.partition("=")
        column = {"source": "source_ids", "sources": "source_ids"}.get(column.strip(), column.strip())
        if column not in table.column_names:
            raise SystemExit(f"app.py: --set {item}: '{column}' is not a column of {table.name} ({', '.join(table.column_names)})")
        mapping.pop(column, None)  # one value for every row replaces the file's column
        constants[column] = value
    return mapping, constants


def check_file(path: Path, data: Path, table_name: str | None, out=None, err=None, args=None) -> importer.Preview | None:
    """Read, match and check the file; print what was done and every problem. None when the
    file or the dataset cannot be read at all."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        dataset = load_dataset(data)
        content = path.read_bytes()
        if importer.is_track_file(content, path.name):
            return check_track(content, path, dataset, out, err, args)
        upload = importer.read_upload(content, path.name)
    except DataValidationError as exc:
        say(exc, file=err)
        return None
    except OSError as exc:
        say(f"{path}: cannot be read ({exc.strerror or exc})", file=err)
        return None
    table = importer.IMPORTABLE[table_name] if table_name else importer.guess_table(upload.frame.columns)
    if args is None:
        args = argparse.Namespace(set=[], map=[], order=None)
    mapping, constants = choices(args, upload.frame, table)
    preview = importer.prepare(upload, table, mapping, dataset, constants, order=args.order)
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


def check_track(content: bytes, path: Path, dataset, out, err, args=None) -> importer.TrackPreview | None:
    """A track file (recognised by its format): read it, print its preview line and notices, and
    every problem of the tracks.csv row it would make."""
    if args is not None and (args.map or args.table):
        raise SystemExit(f"app.py: {path.name} is a flown track: --map and --table are for tables (use --set source_ids=... --set confidence=...)")
    constants = {}
    for item in getattr(args, "set", None) or []:
        column, _, value = item.partition("=")
        column = {"source": "source_ids", "sources": "source_ids"}.get(column.strip(), column.strip())
        if column not in (*importer.TRACK_CONSTANTS, importer.LEGS_CHOICE):
            raise SystemExit(f"app.py: --set {item}: '{column}' is not a column of tracks.csv ({', '.join(importer.TRACK_CONSTANTS)})")
        constants[column] = value
    preview = importer.prepare_track(content, path.name, dataset, constants)  # DataValidationError: caught by check_file
    say(f"Read {preview.line()}", file=out)
    for notice in preview.notices:
        say(f"  note: {notice}", file=out)
    for number in range(1, len(preview.legs) + 1):
        mark = "added with the track" if number in preview.accepted else "proposed (add with --set legs=" + str(number) + " or --set legs=all)"
        say(f"  {preview.leg_line(number)}: {mark}", file=out)
    if preview.problems:
        say(DataValidationError(list(preview.problems)), file=err)
    return preview


def validate_file(argv: list[str]) -> int:
    args = build_parser("validate").parse_args(argv)
    preview = check_file(args.path, args.data, args.table, args=args)
    if preview is None or not preview.ok:
        return 1
    if isinstance(preview, importer.TrackPreview):
        say(f"{args.path.name}: valid — track '{preview.row['id']}' ({len(preview.track.points):,} points) would be added to {args.data / preview.path} and {args.data / 'tracks.csv'}.")
        return 0
    say(f"{args.path.name}: valid — {len(preview.rows)} {preview.table.name} row(s) would be added to {args.data / preview.table.filename}.")
    return 0


def import_file(argv: list[str]) -> int:
    args = build_parser("import").parse_args(argv)
    preview = check_file(args.path, args.data, args.table, args=args)
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
    if isinstance(preview, importer.TrackPreview):
        say(f"Added track '{preview.row['id']}' ({len(preview.track.points):,} points) as {args.data / preview.path}, indexed in {args.data / 'tracks.csv'}"
            + (f", and {len(preview.accepted)} leg(s) derived from it to {args.data / 'flights.csv'}" if preview.accepted else "") + ".")
        for backup in backups:
            say(f"  previous version kept as {backup}")
        return 0
    say(f"Added {len(preview.rows)} {preview.table.name} row(s) to {args.data / preview.table.filename}"
          + (f" and {len(preview.new_places)} place(s) to places.csv" if len(preview.new_places) else "")
          + (f" and {len(preview.new_sources)} source(s) to sources.csv" if len(preview.new_sources) else "") + ".")
    for backup in backups:
        say(f"  previous version kept as {backup}")
    return 0
