"""Bring your own data: read an analyst's CSV, XLSX or JSON table of flights or events, match its
columns to ours, check every row, geocode its places, and merge it into a dataset folder.

    upload = read_upload(content, "my flights.xlsx")        # or raises DataValidationError
    mapping = guess_mapping(upload.frame.columns, schema.FLIGHTS)
    preview = prepare(upload, schema.FLIGHTS, mapping, dataset)   # every row's problems and places
    if preview.ok: merge(dataset.folder, preview)          # atomic, with backups

Nothing is written until `merge`, and `merge` writes only a dataset that loads. Every problem is a
`loader.Problem` naming the uploaded file, the spreadsheet row (header = row 1) and the column.
Nothing here imports dash.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from flightmap import schema
from flightmap.geocode import FUZZY, Gazetteer, Resolution
from flightmap.loader import DataValidationError, Dataset, Problem, load_dataset, spreadsheet_row, validate_table
from flightmap.schema import Table
from flightmap.security import shown as quoted

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
IMPORTABLE = {"flights": schema.FLIGHTS, "events": schema.EVENTS}
READABLE = (".csv", ".txt", ".xlsx", ".json")

# Common names for our columns in analysts' sheets, ADS-B exports and flight logs; compared
# after `header_key` (case, accents, spaces, '_' '-' '.' ignored).
SYNONYMS = {
    "id": ("id", "record id", "ref", "reference", "flight id", "event id"),
    "date_start": ("date start", "date", "day", "start", "start date", "date from", "from date", "first date", "departure date", "dep date", "flight date"),
    "date_end": ("date end", "end", "end date", "date to", "to date", "until", "last date", "arrival date", "arr date"),
    "date_precision": ("date precision", "precision"),
    "origin": ("origin", "from", "departure", "dep", "orig", "origin airport", "departure airport", "from airport", "adep"),
    "destination": ("destination", "to", "dest", "arrival", "arr", "destination airport", "arrival airport", "to airport", "ades"),
    "registration": ("registration", "reg", "tail", "tail number", "tail no", "aircraft registration", "callsign reg"),
    "aircraft_type": ("aircraft type", "type", "ac type", "aircraft model", "model", "icao type"),
    "operator": ("operator", "airline", "owner", "air force", "user"),
    "kind": ("kind", "record kind"),
    "flights_count": ("flights count", "count", "flights", "number of flights", "no of flights"),
    "confidence": ("confidence", "certainty", "reliability", "grade"),
    "source_ids": ("source ids", "source", "sources", "source id", "evidence"),
    "summary": ("summary", "description", "details", "notes", "note", "comment", "comments"),
    "conflict_note": ("conflict note", "conflict", "dispute", "disputed because"),
    "place": ("place", "location", "where", "site", "airport", "city", "town"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "category": ("category", "event type", "type of event", "class"),
    "title": ("title", "event", "headline", "name"),
    "aircraft": ("aircraft", "registration", "reg", "tail", "aircraft involved"),
}
FUZZY_HEADER_CUTOFF = 88
_MARKUP = re.compile(r"<\s*[a-zA-Z!/][^>]*>?")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(:00(\.0+)?)?$")
TEXT_KINDS = ("text", "enum", "ids", "url")


@dataclass(frozen=True)
class Upload:
    """An uploaded table as text cells, with what happened while reading it."""

    name: str  # the file name as uploaded, used in messages
    frame: pd.DataFrame  # every cell text, columns as in the file
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preview:
    """An upload matched to a table and checked: what merging would add, and why not yet."""

    table: Table
    name: str
    rows: pd.DataFrame  # the table's columns, text, one row per uploaded row (same order)
    problems: tuple[Problem, ...]
    places: dict[str, Resolution]  # every place named, resolved or not
    notices: tuple[str, ...] = ()
    new_places: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.PLACES.column_names))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unresolved(self) -> dict[str, Resolution]:
        return {name: hit for name, hit in self.places.items() if not hit.resolved}


# ----------------------------------------------------------------------------- reading

def _problem(name: str, message: str, hint: str = "", row: int | None = None, column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(name, row, column, message, hint)])


def read_upload(content: bytes, name: str, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_ROWS) -> Upload:
    """The file as a table of text cells; DataValidationError saying what is wrong with it."""
    name = Path(str(name)).name or "upload"
    suffix = Path(name).suffix.lower()
    if len(content) > max_bytes:
        raise _problem(name, f"the file is {len(content) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.1f} MB", "split it into smaller files")
    if suffix not in READABLE:
        raise _problem(name, f"cannot read '{suffix or 'no extension'}' files", "save the table as CSV UTF-8 (.csv), Excel (.xlsx) or JSON (.json)")
    if not content.strip():
        raise _problem(name, "the file is empty", "export the table with its header row and at least one row")
    reader = {".xlsx": _read_xlsx, ".json": _read_json}.get(suffix, _read_csv)
    frame, notices = reader(content, name)
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_shape(frame, name, max_rows)
    frame = frame.apply(lambda column: column.map(_cell_text))
    return Upload(name, frame.reset_index(drop=True), tuple(notices))


def _check_shape(frame: pd.DataFrame, name: str, max_rows: int) -> None:
    if not len(frame.columns) or all(not c or c.startswith("Unnamed:") for c in frame.columns):
        raise _problem(name, "the file has no header row", "put the column names in the first row", row=1)
    repeated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if repeated:
        raise _problem(name, f"the header repeats {', '.join(repr(c) for c in repeated)}", "give every column its own name", row=1)
    if frame.empty:
        raise _problem(name, "the file has a header but no rows", "add at least one row under the header")
    if len(frame) > max_rows:
        raise _problem(name, f"the file has {len(frame):,} rows; the limit is {max_rows:,}", "split it into smaller files")


def _cell_text(value) -> str:
    """One cell as text: dates as YYYY-MM-DD, whole numbers without '.0', empty for missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    midnight = _ISO_MIDNIGHT.match(text)
    return midnight.group(1) if midnight else text


def _read_csv(content: bytes, name: str) -> tuple[pd.DataFrame, list[str]]:
    notices = []
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
        notices.append("Removed the byte-order mark spreadsheet programs put at the start of 'CSV UTF-8' files.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        guess = " (it looks like Latin-1 / Windows-1252)" if _looks_latin1(content) else ""
        raise _problem(name, f"the file is not UTF-8 text: byte 0x{content[exc.start]:02X} on line {line}{guess}", "save it as 'CSV UTF-8'", row=line) from exc
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    if delimiter != ",":
        notices.append(f"Read the file with {'tabs' if delimiter == chr(9) else repr(delimiter)} between columns.")
    header = [c.strip() for c in next(csv.reader([first_line], delimiter=delimiter), [])]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:  # pandas would quietly rename the second one 'Date.1'
        raise _problem(name, f"the header repeats {', '.join(repr(c) for c in repeated)}", "give every column its own name", row=1)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter)
    except pd.errors.EmptyDataError as exc:
        raise _problem(name, "the file is empty", "export the table with its header row") from exc
    except pd.errors.ParserError as exc:
        raise _problem(name, f"the file is not valid CSV ({exc})", "check that cells with commas or quotes are quoted") from exc
    return frame, notices


def _looks_latin1(content: bytes) -> bool:
    return all(b < 0x80 or 0xA0 <= b for b in content)


def _read_xlsx(content: bytes, name: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zip, XML and key errors for files that are not XLSX
        raise _problem(name, f"not a readable Excel (.xlsx) file ({type(exc).__name__})", "open it in a spreadsheet program and save it again as .xlsx or CSV UTF-8") from exc
    if not sheets:
        raise _problem(name, "the workbook has no sheets", "add a sheet with the table")
    sheet, frame = next(iter(sheets.items()))
    notices = [f"Read the first sheet, '{sheet}'; the other {len(sheets) - 1} were left alone."] if len(sheets) > 1 else []
    return frame, notices


def _read_json(content: bytes, name: str) -> tuple[pd.DataFrame, list[str]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _problem(name, "the file is not UTF-8 text", "save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise _problem(name, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", "check brackets, commas and quotes") from exc
    if isinstance(data, dict):
        lists = [key for key in ("flights", "events", "rows", "records", "data") if isinstance(data.get(key), list)]
        if not lists:
            raise _problem(name, "the JSON object holds no list of rows", "give a list of objects, or {\"flights\": [...]}")
        data = data[lists[0]]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise _problem(name, "the JSON is not a list of objects (one per row)", "write [{\"date\": \"2023-08-20\", \"from\": \"Bamako\", ...}, ...]")
    for number, item in enumerate(data):
        nested = [key for key, value in item.items() if isinstance(value, (dict, list))]
        if nested:
            raise _problem(name, f"'{nested[0]}' holds a list or object, not one value", "give one value per key", row=spreadsheet_row(number), column=nested[0])
    return pd.DataFrame.from_records(data, columns=list(dict.fromkeys(key for item in data for key in item))), []


# ----------------------------------------------------------------------------- columns

def header_key(text: str) -> str:
    bare = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


def guess_table(columns) -> Table:
    """Flights, unless the columns look more like events (a place and a title or category)."""
    keys = {header_key(c) for c in columns}
    event_only = {"place", "location", "title", "category", "event", "event type", "lat", "latitude"}
    flight_only = {"origin", "from", "destination", "to", "departure", "arrival", "dest", "dep", "arr"}
    return schema.EVENTS if len(keys & event_only) > len(keys & flight_only) else schema.FLIGHTS


def guess_mapping(columns, table: Table) -> dict[str, str]:
    """Our column -> the file's column, from exact names, common names, then close spellings.
    Each of the file's columns is used once; a column of ours without a match is left out."""
    columns = [str(c) for c in columns]
    keys = {column: header_key(column) for column in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()

    def take(target: str, column: str) -> None:
        mapping[target] = column
        taken.add(column)

    for target in table.column_names:  # exact names first: a file in our own format maps 1:1
        for column in columns:
            if column not in taken and keys[column] == header_key(target):
                take(target, column)
                break
    for target in table.column_names:
        if target in mapping:
            continue
        names = SYNONYMS.get(target, ())
        exact = next((c for c in columns if c not in taken and keys[c] in names), None)
        if exact is not None:
            take(target, exact)
            continue
        free = {c: keys[c] for c in columns if c not in taken and len(keys[c]) > 3}
        best = process.extractOne(header_key(target), free, scorer=fuzz.ratio, score_cutoff=FUZZY_HEADER_CUTOFF) if free else None
        if best:
            take(target, best[2])
    return mapping


# ----------------------------------------------------------------------------- checking

def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", header_key(Path(text).stem)).strip("-") or "upload"


def _table_rows(upload: Upload, table: Table, mapping: dict[str, str], constants: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """The upload in our columns, as text; notices for what was filled in and what was left out."""
    frame, notices = upload.frame, []
    rows = pd.DataFrame(index=frame.index)
    for column in table.column_names:
        if column in mapping and mapping[column] in frame.columns:
            rows[column] = frame[mapping[column]].astype(str).str.strip()
        elif constants.get(column, "") != "":
            rows[column] = str(constants[column]).strip()
            notices.append(f"{column}: '{constants[column]}' for every row (chosen at import).")
        else:
            rows[column] = ""
    if "id" not in mapping:
        rows["id"] = [f"{_slug(upload.name)}-{n}" for n in range(1, len(rows) + 1)]
        notices.append(f"id: made from the file name ({rows['id'].iloc[0]}, …).")
    if "date_end" not in mapping and not constants.get("date_end"):
        rows["date_end"] = rows["date_start"]
        notices.append("date_end: not in the file; each record lasts one day (date_end = date_start).")
    if "date_precision" not in mapping and not constants.get("date_precision"):
        rows["date_precision"] = (rows["date_start"] == rows["date_end"]).map({True: "day", False: "range"})
        notices.append("date_precision: 'day' where start = end, 'range' otherwise.")
    if table is schema.FLIGHTS and "kind" not in mapping and not constants.get("kind"):
        rows["kind"] = "dated"
        notices.append("kind: 'dated' (flights on known dates); a reported pattern must be marked 'pattern'.")
    ignored = [c for c in frame.columns if c not in mapping.values()]
    if ignored:
        notices.append("Not imported (no matching column): " + ", ".join(repr(c) for c in ignored) + ".")
    rows.attrs["label"] = upload.name
    rows.attrs["derived"] = {c for c in ("date_end", "date_precision", "kind") if c not in mapping and not constants.get(c)}
    return rows, notices


def _cell_problems(rows: pd.DataFrame, table: Table, name: str, mapping: dict[str, str]) -> list[Problem]:
    """What an upload may not carry even where the folder's own files would: HTML, mixed date
    formats. (Formulas and control characters no table may hold: loader.validate_table.)"""
    problems = []
    for column in table.columns:
        if column.kind not in TEXT_KINDS and column.kind != "date":
            continue
        shown = mapping.get(column.name, column.name)
        cells = rows[column.name]
        for index in cells.index[cells.str.contains(_MARKUP)]:
            problems.append(Problem(name, spreadsheet_row(index), shown, f"'{quoted(cells[index], 40)}' contains HTML markup",
                                    "write plain text; the dashboard shows text, never HTML"))
    for column in [c.name for c in table.columns if c.kind == "date" and c.name in mapping]:
        cells = rows[column]
        iso = cells.str.match(_ISO)
        given = cells != ""
        if iso.any() and (given & ~iso).any():
            first = cells.index[given & ~iso][0]
            problems.append(Problem(name, None, mapping.get(column, column),
                                    f"mixed date formats: {int(iso.sum())} rows are YYYY-MM-DD, {int((given & ~iso).sum())} are not (first: row {spreadsheet_row(first)}, '{cells[first]}')",
                                    "write every date as YYYY-MM-DD, e.g. 2023-08-20"))
    return problems


def _renamed(problem: Problem, mapping: dict[str, str]) -> Problem:
    """A loader problem named after the uploaded file's column, which is what the user sees."""
    shown = mapping.get(problem.column, problem.column)
    if shown == problem.column:
        return problem
    return Problem(problem.file, problem.row, shown, problem.message, problem.hint)


def fixes_as_places(fixes: dict[str, dict], today: date | None = None) -> pd.DataFrame:
    """places.csv rows for the places the user fixed at import: {written name: {"lat", "lon"}
    or {"icao"}}; typed like the loader's places table."""
    stamp = (today or date.today()).isoformat()
    rows = []
    for name, fix in fixes.items():
        icao = str(fix.get("icao") or "").upper()
        lat, lon = fix.get("lat"), fix.get("lon")
        how = f"picked {fix['picked']}" if fix.get("picked") else "coordinates typed in"
        rows.append({"name": name, "aliases": (), "icao": icao,
                     "lat": float(lat) if lat not in (None, "") and not icao else float("nan"),
                     "lon": float(lon) if lon not in (None, "") and not icao else float("nan"),
                     "country": "", "source_ids": (), "notes": f"Added at import on {stamp}: {how}."})
    return pd.DataFrame(rows, columns=schema.PLACES.column_names)


def _fix_problems(fixes: dict[str, dict], name: str) -> list[Problem]:
    problems = []
    for place, fix in fixes.items():
        if fix.get("icao"):
            continue
        for key, (low, high) in (("lat", (-90, 90)), ("lon", (-180, 180))):
            try:
                value = float(fix.get(key))
                if not low <= value <= high:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(Problem(name, None, key, f"the {key} typed for '{place}' ({fix.get(key)!r}) is not a number from {low} to {high}", "type decimal degrees, e.g. 16.25"))
    return problems


def prepare(upload: Upload, table: Table, mapping: dict[str, str], dataset: Dataset, constants: dict[str, str] | None = None,
            fixes: dict[str, dict] | None = None) -> Preview:
    """Check the upload as `table` rows against the dataset (its sources, its ids, its places),
    with the user's `fixes` for places: nothing is written."""
    constants, fixes = constants or {}, fixes or {}
    rows, notices = _table_rows(upload, table, mapping, constants)
    problems = _cell_problems(rows, table, upload.name, mapping)
    try:
        validate_table(rows, table, set(dataset.sources["id"]))
    except DataValidationError as exc:  # a column filled in from another repeats that one's problems
        problems += [_renamed(p, mapping) for p in exc.problems if p.column not in rows.attrs["derived"]]
    absent = [c for c in table.columns if c.required and c.name not in mapping and not constants.get(c.name) and c.name != "id" and c.name not in rows.attrs["derived"]]
    if absent:  # one message per missing column, not one per row
        problems = [p for p in problems if p.column not in {c.name for c in absent}]
        for column in absent:
            names = ", ".join(SYNONYMS.get(column.name, ())[:4])
            problems.append(Problem(upload.name, 1, column.name, "no column of the file gives this required column",
                                    f"add a column named {column.name} ({names}), choose one in the matching, or give one value for every row"))
    existing = set(getattr(dataset, table.name)["id"])
    for index in rows.index[rows["id"].isin(existing)]:
        problems.append(Problem(upload.name, spreadsheet_row(index), mapping.get("id", "id"),
                                f"'{rows.at[index, 'id']}' is already a record of {dataset.label(table.filename)}",
                                "give it a new id; merging never replaces a record"))
    problems += _fix_problems(fixes, upload.name)
    new_places = fixes_as_places({k: v for k, v in fixes.items() if not _fix_problems({k: v}, upload.name)})
    places = pd.concat([dataset.places, new_places], ignore_index=True) if len(new_places) else dataset.places
    gazetteer = Gazetteer(places, places_label=dataset.label("places.csv"))
    columns = ("origin", "destination") if table is schema.FLIGHTS else ("place",)
    names = sorted({n for c in columns for n in rows[c] if n})
    if table is schema.EVENTS:  # a place with coordinates in the row needs no lookup
        with_coordinates = set(rows.loc[(rows["lat"] != "") & (rows["lon"] != ""), "place"])
        names = [n for n in names if n not in with_coordinates]
    resolved = {n: gazetteer.resolve(n) for n in names}
    problems.sort(key=lambda p: (p.row or 0, str(p.column)))
    return Preview(table, upload.name, rows, tuple(problems), resolved, tuple([*upload.notices, *notices]), new_places)


def row_report(preview: Preview) -> list[dict]:
    """One line per uploaded row for the preview table: its row number, status, what is wrong,
    and how each of its places was found."""
    by_row: dict[int, list[str]] = {}
    for problem in preview.problems:
        by_row.setdefault(problem.row, []).append((f"'{problem.column}': " if problem.column else "") + problem.message + (f" — {problem.hint}" if problem.hint else ""))
    columns = ("origin", "destination") if preview.table is schema.FLIGHTS else ("place",)
    report = []
    for index, row in preview.rows.iterrows():
        number = spreadsheet_row(index)
        places = []
        for column in columns:
            name = row[column]
            if not name:
                continue
            hit = preview.places.get(name)
            if hit is None:
                places.append(f"{name}: coordinates in the row")
            elif hit.resolved:
                code = f" ({hit.icao})" if hit.icao else ""
                check = f" — close spelling ({hit.score:.0f}%): check it" if hit.method == FUZZY else ""
                places.append(f"{name} → {hit.name}{code}{check}")
            else:
                places.append(f"{name}: NOT FOUND" + (f" — closest: {', '.join(hit.candidates)}" if hit.candidates else ""))
        errors = by_row.get(number, [])
        report.append({
            "row": number, "id": row["id"], "status": "ok" if not errors else f"{len(errors)} problem{'s' if len(errors) > 1 else ''}",
            "date": row["date_start"] + ("" if row["date_end"] in ("", row["date_start"]) else f" – {row['date_end']}"),
            "what": f"{row['origin'] or '?'} → {row['destination'] or '?'}" if preview.table is schema.FLIGHTS else row["title"],
            "problems": "; ".join(errors), "places": "; ".join(places),
        })
    return report


# ----------------------------------------------------------------------------- merging

def _csv_text(frame: pd.DataFrame, header: bool = True) -> str:
    return frame.to_csv(index=False, header=header, lineterminator="\n")


def _appended(path: Path, new_rows: pd.DataFrame) -> str:
    """The file's text with rows added at the end. The existing lines are kept byte for byte
    (a reviewable diff) unless the header lacks a column the new rows need."""
    text = path.read_text(encoding="utf-8-sig")
    current = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    columns = list(current.columns)
    missing = [c for c in new_rows.columns if c not in columns and (new_rows[c] != "").any()]
    if missing:
        return _csv_text(pd.concat([current, new_rows], ignore_index=True).reindex(columns=[*columns, *missing], fill_value=""))
    if text and not text.endswith("\n"):
        text += "\n"
    return text + _csv_text(new_rows.reindex(columns=columns, fill_value=""), header=False)


def merged_texts(folder: Path, preview: Preview) -> dict[str, str]:
    """The new text of every file the merge changes: the table with the new rows appended, and
    places.csv with the places fixed at import."""
    folder = Path(folder)
    table = preview.table
    texts = {table.filename: _appended(folder / table.filename, preview.rows)}
    if len(preview.new_places):
        new = preview.new_places.copy()
        for column in ("aliases", "source_ids"):
            new[column] = new[column].map(";".join)
        for column in ("lat", "lon"):
            new[column] = new[column].map(lambda v: "" if pd.isna(v) else f"{v:.6f}".rstrip("0").rstrip("."))
        texts["places.csv"] = _appended(folder / "places.csv", new.astype(str))
    return texts


def merge(folder: Path, preview: Preview) -> tuple[dict[str, str], list[Path]]:
    """Add the preview's rows (and fixed places) to the dataset folder. The new files are loaded
    from a scratch copy first: a merge that would leave the folder unloadable writes nothing.
    Returns the new texts and the backups of the replaced files."""
    import shutil
    import tempfile

    from flightmap.saving import folder_lock, save_tables

    if not preview.ok:
        raise DataValidationError(list(preview.problems))
    folder = Path(folder)
    with folder_lock(folder):  # read, add and save with no other save in between
        texts = merged_texts(folder, preview)
        with tempfile.TemporaryDirectory(prefix="flightmap-merge-") as scratch:
            trial = Path(scratch) / folder.name
            shutil.copytree(folder, trial, ignore=shutil.ignore_patterns("backups", ".*"))
            for filename, text in texts.items():
                (trial / filename).write_text(text, encoding="utf-8")
            load_dataset(trial)  # raises DataValidationError naming the problem; nothing written
        return texts, save_tables(folder, texts)


# ----------------------------------------------------------------------------- the session layer

def locate_session(dataset: Dataset, table_name: str, rows: list[dict], fixes: dict[str, dict] | None = None):
    """Rows shown for one session only (never saved) placed on the map like the dataset's own:
    `rows` are a preview's valid rows as text records. Returns routes.Located."""
    from flightmap.routes import locate

    table = IMPORTABLE[table_name]
    empty = {t.name: validate_table(pd.DataFrame(columns=t.column_names), t) for t in IMPORTABLE.values()}
    frame = pd.DataFrame.from_records(rows, columns=table.column_names).fillna("").astype(str)
    typed = validate_table(frame, table, set(dataset.sources["id"]))
    places = pd.concat([dataset.places, fixes_as_places(fixes)], ignore_index=True) if fixes else dataset.places
    layer = Dataset(folder=dataset.folder, sources=dataset.sources, places=places, **{**empty, table_name: typed})
    return locate(layer)
