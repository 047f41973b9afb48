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

import codecs
import csv
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from flightmap import cells, schema
from flightmap.geocode import CHECK, JUDGED, RESOLVED, SAME_PLACE_KM, Gazetteer, Resolution, haversine_km
from flightmap.loader import DataValidationError, Dataset, Problem, load_dataset, spreadsheet_row, table_label, validate_table
from flightmap.schema import Table
from flightmap.security import shown as quoted

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
IMPORTABLE = {"flights": schema.FLIGHTS, "events": schema.EVENTS}
READABLE = (".csv", ".txt", ".xlsx", ".json")

# Common names for our columns in analysts' sheets, ADS-B exports and flight logs; compared
# after `header_key` (case, accents, spaces, '_' '-' '.' ignored).
SYNONYMS = {
    "id": ("id", "record id", "ref", "reference", "flight id", "event id", "identifiant"),
    "date_start": ("date start", "date", "day", "start", "start date", "date from", "from date", "first date", "departure date", "dep date", "flight date",
                   "date utc", "date de debut", "debut", "jour", "date du vol", "date de l evenement", "timestamp", "timestamp epoch", "unix time", "epoch"),
    "date_end": ("date end", "end", "end date", "date to", "to date", "until", "last date", "arrival date", "arr date", "date de fin", "fin", "jusqu au"),
    "date_precision": ("date precision", "precision", "precision de la date"),
    "origin": ("origin", "from", "departure", "dep", "orig", "origin airport", "departure airport", "from airport", "adep",
               "depart", "provenance", "origine", "lieu de depart", "aeroport de depart", "ville de depart"),
    "destination": ("destination", "to", "dest", "arrival", "arr", "destination airport", "arrival airport", "to airport", "ades",
                    "arrivee", "lieu d arrivee", "aeroport d arrivee", "ville d arrivee"),
    "registration": ("registration", "reg", "tail", "tail number", "tail no", "aircraft registration", "callsign reg",
                     "immatriculation", "immat", "aircraft", "avion"),
    "aircraft_type": ("aircraft type", "type", "ac type", "aircraft model", "model", "icao type", "equipment", "appareil", "type d appareil", "type avion", "aeronef"),
    "operator": ("operator", "airline", "owner", "air force", "user", "operateur", "exploitant", "compagnie", "armee de l air"),
    "kind": ("kind", "record kind", "nature"),
    "flights_count": ("flights count", "count", "flights", "number of flights", "no of flights", "nombre de vols"),
    "confidence": ("confidence", "certainty", "reliability", "grade", "fiabilite", "confiance", "certitude"),
    "source_ids": ("source ids", "source", "sources", "source id", "evidence", "source s", "reference source", "lien", "link", "url"),
    "summary": ("summary", "description", "details", "notes", "note", "comment", "comments", "resume", "commentaire", "commentaires", "remarques", "observations"),
    "conflict_note": ("conflict note", "conflict", "dispute", "disputed because", "divergence", "contradiction"),
    "place": ("place", "location", "where", "site", "airport", "city", "town", "lieu", "localite", "ville", "endroit"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "category": ("category", "event type", "type of event", "class", "categorie", "type d evenement"),
    "title": ("title", "event", "headline", "name", "titre", "intitule", "evenement"),
    "aircraft": ("aircraft", "registration", "reg", "tail", "aircraft involved", "immatriculation", "appareil", "avion"),
    # Actual times before scheduled ones (ATD before STD): the synonyms are tried in this order.
    "departure_time": ("departure time", "dep time", "atd", "actual departure", "off block", "takeoff", "take off", "std", "scheduled departure",
                       "heure de depart", "heure depart", "departure utc", "depart utc"),
    "arrival_time": ("arrival time", "arr time", "ata", "actual arrival", "landing", "landed", "status", "sta", "scheduled arrival", "heure d arrivee",
                     "heure arrivee", "arrival utc"),
    "callsign": ("callsign", "call sign", "flight", "flight number", "flight no", "indicatif", "numero de vol"),
    "origin_lat": ("origin lat", "origin latitude", "from lat", "from latitude", "dep lat", "departure lat", "departure latitude", "lat depart", "latitude depart"),
    "origin_lon": ("origin lon", "origin lng", "origin longitude", "from lon", "from lng", "from longitude", "dep lon", "departure lon", "departure longitude",
                   "lon depart", "longitude depart"),
    "destination_lat": ("destination lat", "destination latitude", "dest lat", "to lat", "to latitude", "arr lat", "arrival lat", "arrival latitude",
                        "lat arrivee", "latitude arrivee"),
    "destination_lon": ("destination lon", "destination lng", "destination longitude", "dest lon", "dest lng", "to lon", "to lng", "to longitude",
                        "arr lon", "arrival lon", "arrival longitude", "lon arrivee", "longitude arrivee"),
}
FUZZY_HEADER_CUTOFF = 88
_MARKUP = re.compile(r"<\s*[a-zA-Z!/][^>]*>?")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_DIMENSION_TAG = re.compile(rb"<(?:\w+:)?dimension\b")
_SHEET_DATA_TAG = re.compile(rb"<(?:\w+:)?sheetData\b")
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
    places: dict[str, Resolution]  # every place named that needs a look-up, resolved or not
    notices: tuple[str, ...] = ()
    new_places: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.PLACES.column_names))
    new_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # existing place -> names added as its aliases
    new_sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.SOURCES.column_names))  # from the file's own words
    ambiguous_dates: tuple[str, ...] = ()  # date columns waiting for day first / month first

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unresolved(self) -> dict[str, Resolution]:
        return {name: hit for name, hit in self.places.items() if hit.status != RESOLVED and not hit.resolved}

    @property
    def to_check(self) -> dict[str, Resolution]:
        """Placed by a guess (a close spelling, an ambiguous name): drawn, to be confirmed."""
        return {name: hit for name, hit in self.places.items() if hit.status == CHECK}

    @property
    def to_fix(self) -> dict[str, Resolution]:
        """Every place a person should look at: not found, or placed by a guess."""
        return {name: hit for name, hit in self.places.items() if hit.status != RESOLVED}


# ----------------------------------------------------------------------------- reading

def _problem(name: str, message: str, hint: str = "", row: int | None = None, column: str | None = None) -> DataValidationError:
    return DataValidationError([Problem(name, row, column, message, hint)])


@dataclass(frozen=True)
class Limits:
    """What one upload may hold, each checked while the file is read, so that a small file that
    expands (a zip bomb, millions of empty rows, one giant cell) is refused at the limit, not
    after it has been read whole."""

    bytes: int = MAX_UPLOAD_BYTES  # the file as uploaded
    rows: int = MAX_ROWS
    columns: int = 200  # header names; an analyst's table has a few dozen at most
    cell_chars: int = 32_767  # Excel's own limit for one cell
    cells: int = 1_000_000  # rows x columns: 50,000 rows of 20 columns
    json_depth: int = 32  # a table needs 3 ({"flights": [{...}]}); deeper nesting is refused before parsing
    xlsx_unpacked: int = 100 * 1024 * 1024  # every part of the workbook, as the zip declares them unpacked
    xlsx_shared_strings: int = 50 * 1024 * 1024  # sharedStrings.xml, which openpyxl holds in memory whole
    xlsx_undeclared_sheet: int = 10 * 1024 * 1024  # a sheet without <dimension>, which openpyxl parses whole on opening


LIMITS = Limits()


def _mb(size: int) -> str:
    return f"{size / 1048576:,.1f} MB"


def read_upload(content: bytes, name: str, max_bytes: int | None = None, max_rows: int | None = None, limits: Limits = LIMITS) -> Upload:
    """The file as a table of text cells; DataValidationError saying what is wrong with it."""
    limits = Limits(**{**limits.__dict__, **({"bytes": max_bytes} if max_bytes else {}), **({"rows": max_rows} if max_rows else {})})
    name = Path(str(name)).name or "upload"
    suffix = Path(name).suffix.lower()
    if len(content) > limits.bytes:
        raise _problem(name, f"the file is {len(content) / 1048576:.1f} MB; the limit is {limits.bytes / 1048576:.1f} MB", "split it into smaller files")
    if suffix not in READABLE:
        raise _problem(name, f"cannot read '{suffix or 'no extension'}' files", "save the table as CSV UTF-8 (.csv), Excel (.xlsx) or JSON (.json)")
    if not content.strip():
        raise _problem(name, "the file is empty", "export the table with its header row and at least one row")
    reader = {".xlsx": _read_xlsx, ".json": _read_json}.get(suffix, _read_csv)
    try:
        frame, notices = reader(content, name, limits)
    except RecursionError as exc:  # a parser recursing on nesting the checks above did not foresee
        raise _problem(name, "the file is nested too deeply to read", "give a flat table: one row per line or object") from exc
    except MemoryError as exc:
        raise _problem(name, "the file expands to more than this server can hold", "split it into smaller files") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_shape(frame, name, limits)
    frame = frame.apply(lambda column: column.map(_cell_text))
    _check_cell_lengths(frame, name, limits)
    return Upload(name, frame.reset_index(drop=True), tuple(notices))


def _check_shape(frame: pd.DataFrame, name: str, limits: Limits) -> None:
    if not len(frame.columns) or all(not c or c.startswith("Unnamed:") for c in frame.columns):
        raise _problem(name, "the file has no header row", "put the column names in the first row", row=1)
    _check_header(list(frame.columns), name, limits)
    if frame.empty:
        raise _problem(name, "the file has a header but no rows", "add at least one row under the header")
    if len(frame) > limits.rows:
        raise _problem(name, f"the file has {len(frame):,} rows; the limit is {limits.rows:,}", "split it into smaller files")


def _check_header(header: list[str], name: str, limits: Limits) -> None:
    if len(header) > limits.columns:
        raise _problem(name, f"the header has {len(header):,} columns; the limit is {limits.columns:,}",
                       "keep the table's own columns and remove the rest", row=1)
    counts = Counter(c for c in header if c)  # linear: a header of 600,000 names must not take minutes
    repeated = sorted(c for c, n in counts.items() if n > 1)
    if repeated:  # pandas would quietly rename the second one 'Date.1'
        raise _problem(name, f"the header repeats {', '.join(repr(quoted(c, 40)) for c in repeated[:5])}" + (" and more" if len(repeated) > 5 else ""),
                       "give every column its own name", row=1)


def _too_many_rows(name: str, limits: Limits) -> DataValidationError:
    return _problem(name, f"the file has more than {limits.rows:,} rows; the limit is {limits.rows:,}", "split it into smaller files")


def _too_many_cells(name: str, limits: Limits, rows: int, columns: int) -> DataValidationError:
    return _problem(name, f"the table reaches {rows:,} rows of {columns:,} columns, more than the {limits.cells:,} cells one import may hold",
                    "remove the columns the import does not need, or split the rows into several files")


def _long_cell(name: str, limits: Limits, row: int, column: str | None, length: int | None = None) -> DataValidationError:
    size = f"{length:,} characters" if length else "more characters than this reader accepts"
    return _problem(name, f"a cell holds {size}; the limit is {limits.cell_chars:,}", "shorten it: a cell is one value, not a document", row=row, column=column)


def _check_cell_lengths(frame: pd.DataFrame, name: str, limits: Limits) -> None:
    for column in frame.columns:
        lengths = frame[column].str.len()
        if len(lengths) and lengths.max() > limits.cell_chars:
            index = int(lengths.idxmax())
            raise _long_cell(name, limits, spreadsheet_row(index), column, int(lengths.max()))


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


def _decode(content: bytes, name: str, notices: list[str], what: str = "CSV UTF-8") -> str:
    """The file's text: UTF-8 (a byte-order mark dropped), or UTF-16 as Excel's 'Unicode text'
    writes it; anything else is refused with where it stops being UTF-8 and what it looks like."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[3:]
        notices.append("Removed the byte-order mark spreadsheet programs put at the start of 'CSV UTF-8' files.")
    utf16 = _utf16_encoding(content)
    if utf16:
        try:
            text = content.decode(utf16)
        except UnicodeDecodeError as exc:
            raise _problem(name, f"the file is UTF-16 text with a broken character at byte {exc.start}", f"save it again as '{what}'") from exc
        notices.append("Read the file as UTF-16 text (what Excel's 'Unicode text' export writes).")
        return text
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        guess = " (it looks like Latin-1 / Windows-1252)" if _looks_latin1(content) else ""
        raise _problem(name, f"the file is not UTF-8 text: byte 0x{content[exc.start]:02X} on line {line}{guess}", f"save it as '{what}'", row=line) from exc


def _utf16_encoding(content: bytes) -> str | None:
    """'utf-16' when the file starts with a UTF-16 byte-order mark; 'utf-16-le' / 'utf-16-be'
    when it has none but every other byte of its start is zero (ASCII text in UTF-16)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = content[:1000]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    return None


def _looks_latin1(content: bytes) -> bool:
    return all(0x20 <= b < 0x80 or b in (9, 10, 13) or 0xA0 <= b for b in content[:100_000])


def _read_csv(content: bytes, name: str, limits: Limits) -> tuple[pd.DataFrame, list[str]]:
    notices: list[str] = []
    text = _decode(content, name, notices)
    first_line = text.split("\n", 1)[0][:65536]  # enough to tell the delimiter; a header is never longer
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    if delimiter != ",":
        notices.append(f"Read the file with {'tabs' if delimiter == chr(9) else repr(delimiter)} between columns.")
    # The csv module, row by row: each limit is checked as a row arrives, so a file of millions of
    # rows or a row of millions of fields stops at the limit. Its own field-size limit (131,072
    # characters, process-wide, left alone) becomes the same message as ours.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    header: list[str] | None = None
    try:
        for record in reader:
            if not record:  # a blank line, before the header too, as pandas skips them
                continue
            if header is None:
                header = [c.strip() or f"Unnamed: {n}" for n, c in enumerate(record)]
                _check_header(header, name, limits)
                if not any(not c.startswith("Unnamed:") for c in header):
                    raise _problem(name, "the file has no header row", "put the column names in the first row", row=1)
                continue
            number = len(rows) + 2
            if len(rows) >= limits.rows:
                raise _too_many_rows(name, limits)
            if len(record) > limits.columns:
                raise _problem(name, f"the row has {len(record):,} cells; the limit is {limits.columns:,} columns",
                               "remove the cells beyond the table", row=number)
            if len(record) > len(header):
                extra = record[len(header):]
                if any(cell.strip() for cell in extra):
                    raise _problem(name, f"the row has {len(record):,} cells; the header names {len(header):,} columns",
                                   "remove the extra cells, or name their column in the header", row=number)
                record = record[: len(header)]
            if (len(rows) + 1) * len(header) > limits.cells:
                raise _too_many_cells(name, limits, len(rows) + 1, len(header))
            for position, cell in enumerate(record):
                if len(cell) > limits.cell_chars:
                    raise _long_cell(name, limits, number, header[position], len(cell))
            rows.append(record + [""] * (len(header) - len(record)))
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise _long_cell(name, limits, len(rows) + (2 if header else 1), None) from exc
        raise _problem(name, f"the file is not valid CSV ({exc}) at line {reader.line_num}", "check that cells with commas or quotes are quoted", row=len(rows) + 2) from exc
    if header is None:
        raise _problem(name, "the file is empty", "export the table with its header row")
    return pd.DataFrame(rows, columns=header, dtype=object), notices


def _read_xlsx(content: bytes, name: str, limits: Limits) -> tuple[pd.DataFrame, list[str]]:
    unreadable = "open it in a spreadsheet program and save it again as .xlsx or CSV UTF-8"
    # Look inside the zip before openpyxl does: the sizes it declares are what reading would
    # unpack (Python's zipfile stops at the declared size), so a bomb is refused here.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            undeclared = [part for part in parts if _SHEET_PART.fullmatch(part.filename) and part.file_size > limits.xlsx_undeclared_sheet
                          and not _declares_size(archive, part)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _problem(name, f"not a readable Excel (.xlsx) file ({type(exc).__name__})", unreadable) from exc
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.xlsx_unpacked:
        raise _problem(name, f"the workbook unpacks to {_mb(unpacked)} (from {_mb(len(content))}); the limit is {_mb(limits.xlsx_unpacked)}",
                       "copy just the table into a new workbook, or save it as CSV UTF-8")
    shared = sum(part.file_size for part in parts if part.filename.lower().endswith("sharedstrings.xml"))
    if shared > limits.xlsx_shared_strings:
        raise _problem(name, f"the workbook's text (its shared strings) unpacks to {_mb(shared)}; the limit is {_mb(limits.xlsx_shared_strings)}",
                       "copy just the table into a new workbook, or save it as CSV UTF-8")
    if undeclared:  # openpyxl parses such a sheet whole (looking for its size) before reading a row
        part = undeclared[0]
        raise _problem(name, f"a sheet ({part.filename.rsplit('/', 1)[-1]}) does not declare its size and unpacks to {_mb(part.file_size)}; "
                       f"the limit for such sheets is {_mb(limits.xlsx_undeclared_sheet)}", "open it in a spreadsheet program and save it again")
    import openpyxl  # only when a workbook arrives

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for files that are not XLSX
        raise _problem(name, f"not a readable Excel (.xlsx) file ({type(exc).__name__})", unreadable) from exc
    try:
        if not workbook.worksheets:
            raise _problem(name, "the workbook has no sheets", "add a sheet with the table")
        sheet = workbook.worksheets[0]
        notices = [f"Read the first sheet, '{sheet.title}'; the other {len(workbook.worksheets) - 1} were left alone."] if len(workbook.worksheets) > 1 else []
        return _sheet_rows(sheet, name, limits), notices
    except DataValidationError:
        raise
    except Exception as exc:  # broken XML inside a well-formed zip surfaces while streaming
        raise _problem(name, f"not a readable Excel (.xlsx) file ({type(exc).__name__})", unreadable) from exc
    finally:
        workbook.close()


def _declares_size(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether a sheet's XML has its <dimension> before its data (every spreadsheet program
    writes one); only the first 64 KB are unpacked to tell."""
    with archive.open(part) as stream:
        head = stream.read(65536)
    dimension, data = _DIMENSION_TAG.search(head), _SHEET_DATA_TAG.search(head)
    return dimension is not None and (data is None or dimension.start() < data.start())


def _sheet_rows(sheet, name: str, limits: Limits) -> pd.DataFrame:
    """The sheet streamed row by row (openpyxl's read-only mode) with the limits checked as each
    row arrives. The sheet's declared size is ignored: it could make every row 16,384 cells wide."""
    sheet.reset_dimensions()
    rows: list[list] = []
    header: list[str] | None = None
    blank_tail = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limits.rows + 1:
            raise _too_many_rows(name, limits)
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if len(values) > limits.columns:
            raise _problem(name, f"the row has cells out to column {len(values):,}; the limit is {limits.columns:,} columns",
                           "remove the cells beyond the table", row=number)
        for position, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.cell_chars:
                column = header[position] if header and position < len(header) else None
                raise _long_cell(name, limits, number, column, len(value))
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
            header = [c or f"Unnamed: {n}" for n, c in enumerate(header)]
            _check_header(header, name, limits)
            continue
        if len(values) > len(header):  # cells beyond the header: named as pandas did, then listed as not imported
            header += [f"Unnamed: {n}" for n in range(len(header), len(values))]
            _check_header(header, name, limits)
        if (len(rows) + 1) * len(header) > limits.cells:
            raise _too_many_cells(name, limits, len(rows) + 1, len(header))
        rows.append(values)
        blank_tail = blank_tail + 1 if not values else 0
    if header is None:
        header = []
    rows = rows[: len(rows) - blank_tail]  # formatting often reaches rows below the table
    return pd.DataFrame([row + [None] * (len(header) - len(row)) for row in rows], columns=header, dtype=object)


def _json_depth(text: str) -> int:
    """How deeply the JSON nests arrays and objects, strings left out: found with numpy in one
    pass, before json.loads, which recurses once per level."""
    bare = _JSON_STRING.sub("", text).encode("ascii", "ignore")
    codes = np.frombuffer(bare, dtype=np.uint8)
    steps = np.isin(codes, (0x5B, 0x7B)).astype(np.int32) - np.isin(codes, (0x5D, 0x7D)).astype(np.int32)
    return int(np.cumsum(steps).max()) if len(steps) else 0


def _read_json(content: bytes, name: str, limits: Limits) -> tuple[pd.DataFrame, list[str]]:
    notices: list[str] = []
    text = _decode(content, name, notices, what="UTF-8")
    depth = _json_depth(text)
    if depth > limits.json_depth:
        raise _problem(name, f"the JSON nests {depth:,} levels deep; a table needs 3 and the limit is {limits.json_depth}",
                       "give a list of flat objects, one per row")
    seen = {"objects": 0, "cells": 0}

    def count(pairs):  # called as each object is parsed: the rows and cells limits stop the parse itself
        seen["objects"] += 1
        seen["cells"] += len(pairs)
        if seen["objects"] > limits.rows + 1:
            raise _too_many_rows(name, limits)
        if seen["cells"] > limits.cells:
            raise _problem(name, f"the JSON holds more than {limits.cells:,} values, the most one import may hold", "split it into smaller files")
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=count)
    except json.JSONDecodeError as exc:
        raise _problem(name, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", "check brackets, commas and quotes") from exc
    if isinstance(data, dict):
        lists = [key for key in ("flights", "events", "rows", "records", "data") if isinstance(data.get(key), list)]
        if not lists:
            raise _problem(name, "the JSON object holds no list of rows", "give a list of objects, or {\"flights\": [...]}")
        data = data[lists[0]]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise _problem(name, "the JSON is not a list of objects (one per row)", "write [{\"date\": \"2023-08-20\", \"from\": \"Bamako\", ...}, ...]")
    if len(data) > limits.rows:
        raise _too_many_rows(name, limits)
    for number, item in enumerate(data):
        nested = [key for key, value in item.items() if isinstance(value, (dict, list))]
        if nested:
            raise _problem(name, f"'{quoted(nested[0], 40)}' holds a list or object, not one value", "give one value per key", row=spreadsheet_row(number), column=nested[0])
    columns = list(dict.fromkeys(key for item in data for key in item))
    _check_header(columns, name, limits)
    if len(data) * len(columns) > limits.cells:  # from_records fills every missing key
        raise _too_many_cells(name, limits, len(data), len(columns))
    return pd.DataFrame.from_records(data, columns=columns), notices


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


def guess_mapping(columns, table: Table, values: pd.DataFrame | None = None) -> dict[str, str]:
    """Our column -> the file's column, from exact names, common names, then close spellings.
    Each of the file's columns is used once; a column of ours without a match is left out.
    With the file's `values`, a column named like a time ('Status') is taken as one only if its
    cells hold times ('Landed 10:32')."""
    columns = [str(c) for c in columns]

    def fits(target: str, column: str) -> bool:
        if values is None or target not in ("departure_time", "arrival_time") or column not in values:
            return True
        given = values[column][values[column] != ""].head(200)
        return given.empty or given.map(lambda v: cells.read_time(v) != "").mean() >= 0.5
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
        exact = next((c for name in names for c in columns if c not in taken and keys[c] == name and fits(target, c)), None)
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


def _table_rows(upload: Upload, table: Table, mapping: dict[str, str], constants: dict[str, str], order: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The upload in our columns, as the dataset stores them (dates, times, words, aircraft and
    coordinates read as people write them: flightmap.cells); notices for what was read how,
    filled in, and left out."""
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
    blank = rows.apply(lambda c: c.str.match(cells.EMPTY))  # '—', 'N/A', 'null': no value
    if blank.any().any():
        rows = rows.mask(blank, "")
        notices.append(f"{int(blank.to_numpy().sum()):,} cell(s) such as '—', 'N/A' or 'null' read as empty.")
    rows.attrs["ambiguous"] = {}
    notices += _read_cells(rows, table, mapping, constants, order)
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
    for column in [c for c in frame.columns if c not in mapping.values()]:  # nothing left behind quietly
        values = frame[column][frame[column] != ""]
        first = ", ".join(repr(v[:30]) for v in dict.fromkeys(values.head(20)) if v)
        notices.append(f"Not imported (no matching column): '{column}', {len(values):,} cell(s) with a value" + (f", e.g. {first[:120]}" if first else "") + ".")
    rows.attrs["label"] = upload.name
    rows.attrs["derived"] = {c for c in ("date_end", "date_precision", "kind") if c not in mapping and not constants.get(c)}
    return rows, notices


def _read_cells(rows: pd.DataFrame, table: Table, mapping: dict[str, str], constants: dict[str, str], order: str | None) -> list[str]:
    """Rewrite the cells analysts write in their own forms into ours, in place; say what was read how."""
    notices = []
    given = set(mapping) | {c for c, v in constants.items() if v}

    def told(column: str, what: str, before: pd.Series) -> None:
        changed = rows[column] != before
        if changed.any():
            first = changed.idxmax()
            notices.append(f"{column} ('{mapping.get(column, column)}'): {what}, e.g. '{before[first]}' → '{rows.at[first, column]}' ({int(changed.sum()):,} cell(s)).")

    for column, time_column in (("date_start", "departure_time"), ("date_end", "arrival_time")):
        if column not in mapping:
            continue
        before = rows[column].copy()
        reading = cells.read_dates(rows[column], header=mapping[column], order=order)
        rows[column] = reading.dates
        if reading.how:
            told(column, f"read as {reading.how}", before)
        if reading.ambiguous:
            rows.attrs["ambiguous"][column] = (reading.ambiguous, reading.example)
        if time_column in rows and time_column not in given and (reading.times != "").any():
            rows[time_column] = reading.times
            notices.append(f"{time_column}: the time of '{mapping[column]}' ({int((reading.times != '').sum()):,} cell(s), UTC).")
    for column in ("departure_time", "arrival_time"):
        if column in mapping:
            before = rows[column].copy()
            rows[column] = rows[column].map(lambda v: cells.read_time(v) if v else "")
            unread = (before != "") & (rows[column] == "")
            if unread.any():  # 'Scheduled', 'Unknown' in a status column: no time, said so
                examples = ", ".join(repr(v) for v in dict.fromkeys(before[unread].head(10)))
                notices.append(f"{column} ('{mapping[column]}'): {int(unread.sum()):,} cell(s) hold no time and are left empty, e.g. {examples}.")
            told(column, "time read as HH:MM (UTC)", before.where(~unread, ""))
    for column, words in (("confidence", cells.CONFIDENCE_WORDS), ("kind", cells.KIND_WORDS), ("date_precision", cells.PRECISION_WORDS), ("category", cells.CATEGORY_WORDS)):
        if column in rows and column in given:
            before = rows[column].copy()
            rows[column] = rows[column].map(lambda v, w=words: cells.read_word(v, w) if v else v)
            told(column, "word read as ours", before)
    if table is schema.FLIGHTS and "registration" in mapping:
        # 'C130 (5U-MBH)' is a type and a registration; a cell with no registration in it is a
        # type only in a column named for the aircraft, never in a 'Tail' or 'Reg' column.
        aircraft_column = header_key(mapping["registration"]) in ("aircraft", "avion", "appareil", "aeronef")
        split = rows["registration"].map(cells.split_aircraft)
        split = pd.Series([pair if pair[1] or aircraft_column else ("", cell) for pair, cell in zip(split, rows["registration"])], index=rows.index)
        before = rows["registration"].copy()
        rows["registration"] = split.map(lambda pair: pair[1])
        types = split.map(lambda pair: pair[0])
        rows.attrs["from"] = {"aircraft_type": mapping["registration"]}
        if "aircraft_type" not in given:
            rows["aircraft_type"] = types
            if (types != "").any():
                notices.append(f"aircraft_type: taken from '{mapping['registration']}' ({int((types != '').sum()):,} cell(s)), e.g. '{before[types.ne('').idxmax()]}' → type '{types[types.ne('').idxmax()]}'.")
        told("registration", "registration taken from the aircraft", before)
    for column in [c.name for c in table.columns if c.kind in ("lat", "lon")]:
        if column in mapping:
            before = rows[column].copy()
            rows[column] = rows[column].map(lambda v, axis=table.column(column).kind: cells.read_coordinate(v, axis))
            told(column, "read as decimal degrees", before)
    return notices


# Publishers an analyst's sheet names by their short forms.
PUBLISHERS = {
    "rfi": "Radio France Internationale", "radio france internationale": "Radio France Internationale", "jeune afrique": "Jeune Afrique",
    "fr24": "Flightradar24", "flightradar24": "Flightradar24", "flightradar": "Flightradar24", "adsb exchange": "ADS-B Exchange",
    "adsbexchange": "ADS-B Exchange", "ads b exchange": "ADS-B Exchange", "opensky": "OpenSky Network", "reuters": "Reuters", "afp": "Agence France-Presse",
    "le monde": "Le Monde", "bbc": "BBC", "al jazeera": "Al Jazeera", "france 24": "France 24", "ortm": "ORTM", "rfi afrique": "Radio France Internationale",
}
_SOURCE_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")  # written as an id: unknown ones are refused, not invented


def _sources_from_cells(rows: pd.DataFrame, sources: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A source cell that is not a known id ('RFI', 'Jeune Afrique', a URL) names a source: an
    existing one when its title, publisher or URL is that text, else a new sources.csv row made
    from it. The cells are rewritten to ids in place; the new rows are returned."""
    if "source_ids" not in rows or not (rows["source_ids"] != "").any():
        return pd.DataFrame(columns=schema.SOURCES.column_names), []
    known = set(sources["id"])
    by_text = {}
    for source in sources.itertuples():
        for text in (source.title, source.publisher, source.url):
            if text:
                by_text.setdefault(header_key(text), source.id)
    taken = set(known)
    new, meaning = [], {}
    for cell in pd.unique(rows["source_ids"]):
        for item in [i.strip() for i in str(cell).split(schema.LIST_SEPARATOR) if i.strip()]:
            if item in known or item in meaning or _SOURCE_ID.match(item):
                continue
            key = header_key(item)
            if key in by_text:
                meaning[item] = by_text[key]
                continue
            url = item if re.match(r"^https?://\S+$", item) else ""
            domain = re.sub(r"^www\.", "", urlsplit(url).netloc) if url else ""
            base = _slug(domain or item)[:40].strip("-") or "source"
            ident, n = base, 2
            while ident in taken:
                ident, n = f"{base}-{n}", n + 1
            taken.add(ident)
            meaning[item] = ident
            new.append({"id": ident, "title": item, "publisher": PUBLISHERS.get(key) or PUBLISHERS.get(header_key(domain.split(".")[0])) or domain or "not recorded",
                        "url": url, "file": "", "published": "", "notes": "Added at import from the file's source column: check the title and publisher."})
    if not meaning:
        return pd.DataFrame(columns=schema.SOURCES.column_names), []
    rows["source_ids"] = rows["source_ids"].map(
        lambda cell: schema.LIST_SEPARATOR.join(meaning.get(i.strip(), i.strip()) for i in str(cell).split(schema.LIST_SEPARATOR) if i.strip()))
    notices = [f"source_ids: '{text}' is the existing source {ident}." for text, ident in meaning.items() if ident in known]
    if new:
        notices.append(f"source_ids: {len(new)} new source(s) from the file's words, added to sources.csv on merge: "
                       + ", ".join(f"'{n['title'][:40]}' → {n['id']}" for n in new[:6]) + ("…" if len(new) > 6 else "") + " (check their titles and publishers).")
    return pd.DataFrame(new, columns=schema.SOURCES.column_names), notices


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


def _renamed(problem: Problem, mapping: dict[str, str], derived_from: dict[str, str] | None = None) -> Problem:
    """A loader problem named after the uploaded file's column, which is what the user sees."""
    shown = mapping.get(problem.column) or (derived_from or {}).get(problem.column, problem.column)
    if shown == problem.column:
        return problem
    return Problem(problem.file, problem.row, shown, problem.message, problem.hint)


def _existing_place(places: pd.DataFrame, name: str, lat, lon, icao: str) -> str | None:
    """The places.csv row a fix means, if it is already there: same name, same ICAO, or the
    nearest within SAME_PLACE_KM of its coordinates (one place per place)."""
    from flightmap.geocode import airport_database

    nearest, best = SAME_PLACE_KM, None
    for row in places.itertuples():
        if name and (row.name == name or name in row.aliases):
            return row.name
        if icao and row.icao == icao:
            return row.name
        here_lat, here_lon = row.lat, row.lon
        if pd.isna(here_lat) and row.icao in airport_database():
            airport = airport_database()[row.icao]
            here_lat, here_lon = airport["lat"], airport["lon"]
        if lat is not None and lon is not None and not pd.isna(here_lat):
            distance = float(haversine_km(float(here_lat), float(here_lon), float(lat), float(lon)))
            if distance <= nearest:
                nearest, best = distance, row.name
    return best


def place_changes(fixes: dict[str, dict], places: pd.DataFrame, today: date | None = None) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """What the places the user fixed at import add to places.csv: new rows, and names that
    become aliases of places already there. `fixes` is {written name: {"lat", "lon"}, or a
    picked candidate {"picked", "name", "lat", "lon", "icao", "country"}}. Names fixed to the
    same place become one row (the first name, the others its aliases)."""
    stamp = (today or date.today()).isoformat()
    rows: dict[tuple, dict] = {}
    aliases: dict[str, list[str]] = {}
    for written, fix in fixes.items():
        icao = str(fix.get("icao") or "").upper()
        lat, lon = fix.get("lat"), fix.get("lon")
        lat = float(lat) if lat not in (None, "") else None
        lon = float(lon) if lon not in (None, "") else None
        existing = _existing_place(places, str(fix.get("name") or ""), lat, lon, icao)
        if existing is not None:
            if existing != written:
                aliases.setdefault(existing, []).append(written)
            continue
        key = (icao,) if icao else (round(lat or 0, 2), round(lon or 0, 2))
        if key in rows:
            rows[key]["aliases"] += (written,)
            continue
        how = f"picked {fix['picked']}" if fix.get("picked") else "coordinates typed in"
        rows[key] = {"name": written, "aliases": (), "icao": icao,
                     "lat": lat if lat is not None and not icao else float("nan"),
                     "lon": lon if lon is not None and not icao else float("nan"),
                     "country": str(fix.get("country") or ""), "source_ids": (), "notes": f"Added at import on {stamp}: {how}."}
    new = pd.DataFrame(list(rows.values()), columns=schema.PLACES.column_names)
    return new, {name: tuple(more) for name, more in aliases.items()}


def places_with(places: pd.DataFrame, new_places: pd.DataFrame, aliases: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The places table as it would be after the fixes: the loader's typed form."""
    if aliases:
        places = places.copy()
        places["aliases"] = [row_aliases + aliases.get(name, ()) for name, row_aliases in zip(places["name"], places["aliases"])]
    return pd.concat([places, new_places], ignore_index=True) if len(new_places) else places


def fixes_as_places(fixes: dict[str, dict], today: date | None = None) -> pd.DataFrame:
    """places.csv rows for fixed places, ignoring the places already there (see place_changes)."""
    return place_changes(fixes, pd.DataFrame(columns=schema.PLACES.column_names), today)[0]


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
            fixes: dict[str, dict] | None = None, order: str | None = None, progress=None) -> Preview:
    """Check the upload as `table` rows against the dataset (its sources, its ids, its places),
    with the user's `fixes` for places and `order` (cells.DAY_FIRST / MONTH_FIRST) for numeric
    dates that read two ways: nothing is written. `progress(text)`, when given, hears how far
    the look-up of place names is."""
    constants, fixes = constants or {}, fixes or {}
    rows, notices = _table_rows(upload, table, mapping, constants, order)
    problems = _cell_problems(rows, table, upload.name, mapping)
    for column, (count, example) in rows.attrs["ambiguous"].items():
        problems.append(Problem(upload.name, None, mapping.get(column, column),
                                f"{count:,} date(s) read two ways, e.g. '{example}' (day first or month first?)",
                                "choose day first or month first (on the command line --dayfirst or --monthfirst)"))
    new_sources, source_notices = _sources_from_cells(rows, dataset.sources)
    notices += source_notices
    try:
        validate_table(rows, table, set(dataset.sources["id"]) | set(new_sources["id"]))
    except DataValidationError as exc:  # a column filled in from another repeats that one's problems
        problems += [_renamed(p, mapping, rows.attrs.get("from")) for p in exc.problems if p.column not in rows.attrs["derived"]]
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
    problems += _missing_ends(upload, table, mapping, constants)
    problems += _fix_problems(fixes, upload.name)
    good_fixes = {k: v for k, v in fixes.items() if not _fix_problems({k: v}, upload.name)}
    new_places, new_aliases = place_changes(good_fixes, dataset.places)
    # Judged names are kept across calls (geocode.JUDGED): the page previews the same file again at
    # every change of its controls, and 5,000 unknown names cost ~30 s to judge the first time.
    gazetteer = Gazetteer(places_with(dataset.places, new_places, new_aliases), places_label=dataset.label("places.csv"), cache=JUDGED)
    names = sorted({n for c in _place_columns(table) for n in rows.loc[_needs_lookup(rows, table), c] if n})
    # The dataset's own places say where the data is: an upload is judged against them too.
    from flightmap.routes import event_anchors, place_names

    told = (lambda done, total: progress(f"Looking up place names: {done:,} of {total:,}")) if progress is not None else None
    resolved = gazetteer.resolve_all(names, anchors=event_anchors(dataset.events, dataset.flights), context=place_names(dataset), progress=told)
    problems.sort(key=lambda p: (p.row or 0, str(p.column)))
    return Preview(table, upload.name, rows, tuple(problems), resolved, tuple([*upload.notices, *notices]), new_places, new_aliases, new_sources,
                   tuple(rows.attrs["ambiguous"]))


def _place_columns(table: Table) -> tuple[str, ...]:
    return ("origin", "destination") if table is schema.FLIGHTS else ("place",)


def _needs_lookup(rows: pd.DataFrame, table: Table) -> pd.Series:
    """Rows whose places are looked up: all flights; events without their own coordinates."""
    if table is schema.EVENTS:
        return (rows["lat"] == "") | (rows["lon"] == "")
    return pd.Series(True, index=rows.index)


def _missing_ends(upload: Upload, table: Table, mapping: dict[str, str], constants: dict[str, str]) -> list[Problem]:
    """A flights file that says nothing of where they flew is refused, not imported placeless."""
    if table is not schema.FLIGHTS or any(c in mapping or constants.get(c) for c in ("origin", "destination")):
        return []
    unmatched = [c for c in upload.frame.columns if c not in mapping.values()]
    left = f"; the file's columns not matched: {', '.join(repr(c) for c in unmatched)}" if unmatched else ""
    return [Problem(upload.name, 1, "origin", f"no column gives origin or destination{left}",
                    "choose the departure and arrival columns in the matching, or name them origin and destination")]


def row_report(preview: Preview) -> list[dict]:
    """One line per uploaded row for the preview table: its row number, status, what is wrong,
    and how each of its places was found."""
    by_row: dict[int, list[str]] = {}
    for problem in preview.problems:
        by_row.setdefault(problem.row, []).append((f"'{problem.column}': " if problem.column else "") + problem.message + (f" — {problem.hint}" if problem.hint else ""))
    columns = _place_columns(preview.table)
    looked_up = _needs_lookup(preview.rows, preview.table)
    report = []
    for index, row in preview.rows.iterrows():
        number = spreadsheet_row(index)
        places, to_check, not_found = [], False, False
        for column in columns:
            name = row[column]
            if not name:
                continue
            hit = preview.places.get(name) if looked_up[index] else None
            if hit is None:
                places.append(f"{name}: coordinates in the row")
            elif hit.status == RESOLVED:
                code = f" ({hit.icao})" if hit.icao else ""
                places.append(f"{name} → {hit.name}{code}")
            elif hit.resolved:
                to_check = True
                code = f" ({hit.icao})" if hit.icao else ""
                places.append(f"{name} → {hit.name}{code} — {hit.note or 'a guess: check it'}")
            else:
                not_found = True
                why = f" ({hit.note})" if hit.note else ""
                places.append(f"{name}: NOT FOUND{why}" + (f" — closest: {'; '.join(c.label for c in hit.candidates[:3])}" if hit.candidates else ""))
        errors = by_row.get(number, [])
        status = (f"{len(errors)} problem{'s' if len(errors) > 1 else ''}" if errors
                  else "not placed" if not_found else "check" if to_check else "ok")
        report.append({
            "row": number, "id": row["id"], "status": status,
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
    if len(preview.new_sources):
        texts["sources.csv"] = _appended(folder / "sources.csv", preview.new_sources.astype(str))
    if len(preview.new_places) or preview.new_aliases:
        texts["places.csv"] = _places_text(folder / "places.csv", preview)
    return texts


def _places_text(path: Path, preview: Preview) -> str:
    """places.csv with the new aliases added to their rows and the new places appended."""
    text = path.read_text(encoding="utf-8-sig")
    if preview.new_aliases:
        current = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, more in preview.new_aliases.items():
            where = current["name"] == name
            for index in current.index[where]:
                old = [a for a in current.at[index, "aliases"].split(schema.LIST_SEPARATOR) if a]
                current.at[index, "aliases"] = schema.LIST_SEPARATOR.join(dict.fromkeys([*old, *more]))
        text = _csv_text(current)
    if not len(preview.new_places):
        return text
    new = preview.new_places.copy()
    for column in ("aliases", "source_ids"):
        new[column] = new[column].map(schema.LIST_SEPARATOR.join)
    for column in ("lat", "lon"):
        new[column] = new[column].map(lambda v: "" if pd.isna(v) else f"{v:.6f}".rstrip("0").rstrip("."))
    current = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    columns = list(current.columns)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + _csv_text(new.astype(str).reindex(columns=columns, fill_value=""), header=False)


def merge(folder: Path, preview: Preview) -> tuple[dict[str, str], list[Path]]:
    """Add the preview's rows (and fixed places) to the dataset folder. The new files are loaded
    from a scratch copy first: a merge that would leave the folder unloadable writes nothing.
    Returns the new texts and the backups of the replaced files."""
    import shutil
    import tempfile

    from flightmap.saving import folder_lock, save_tables

    if isinstance(preview, TrackPreview):
        return merge_track(folder, preview)
    if not preview.ok:
        raise DataValidationError(list(preview.problems))
    folder = Path(folder)
    with folder_lock(folder, names=[preview.table.filename]):  # read, add and save with no other save in between
        texts = merged_texts(folder, preview)
        with tempfile.TemporaryDirectory(prefix="flightmap-merge-") as scratch:
            trial = Path(scratch) / folder.name
            shutil.copytree(folder, trial, ignore=shutil.ignore_patterns("backups", ".*"))
            for filename, text in texts.items():
                (trial / filename).write_text(text, encoding="utf-8")
            try:
                load_dataset(trial)  # raises DataValidationError naming the problem; nothing written
            except DataValidationError as exc:
                raise DataValidationError(_as_upload_rows(exc.problems, preview, texts, folder)) from exc
        return texts, save_tables(folder, texts)


def _as_upload_rows(problems: list[Problem], preview: Preview, texts: dict[str, str], folder: Path) -> list[Problem]:
    """The trial load's problems as the user can act on them. It fails after a clean preview when
    another save changed the folder in between (two imports of the same ids: the second loses);
    a problem in one of the appended rows then names the uploaded file and its row, not the row
    the scratch copy gave it."""
    label = table_label(folder, preview.table.filename)
    merged_rows = len(pd.read_csv(io.StringIO(texts[preview.table.filename]), dtype=str, keep_default_na=False))
    first_new = spreadsheet_row(merged_rows - len(preview.rows))
    told = []
    for problem in problems:
        if problem.file == label and problem.row is not None and problem.row >= first_new:
            problem = Problem(preview.name, spreadsheet_row(problem.row - first_new), problem.column,
                              f"{problem.message} (in {label}, which another save changed after this preview)", problem.hint)
        told.append(problem)
    return told


# ----------------------------------------------------------------------------- the session layer

def locate_session(dataset: Dataset, table_name: str, rows: list[dict], fixes: dict[str, dict] | None = None):
    """Rows shown for one session only (never saved) placed on the map like the dataset's own:
    `rows` are a preview's valid rows as text records. Returns routes.Located."""
    from flightmap.routes import locate

    table = IMPORTABLE[table_name]
    empty = {t.name: validate_table(pd.DataFrame(columns=t.column_names), t) for t in IMPORTABLE.values()}
    frame = pd.DataFrame.from_records(rows, columns=table.column_names).fillna("").astype(str)
    typed = validate_table(frame, table, set(dataset.sources["id"]))
    new_places, new_aliases = place_changes(fixes or {}, dataset.places)
    places = places_with(dataset.places, new_places, new_aliases)
    layer = Dataset(folder=dataset.folder, sources=dataset.sources, places=places, **{**empty, table_name: typed})
    return locate(layer)


# ----------------------------------------------------------------------------- flown tracks

TRACK_SUFFIXES = (".kml", ".gpx", ".geojson", ".gz")
TRACK_CONSTANTS = ("id", "registration", "hex", "callsign", "source_ids", "confidence", "flight_ids", "notes")
# Not a column: which proposed legs (numbers from the preview, or "all") join flights.csv with the track.
LEGS_CHOICE = "legs"
_TRACK_JSON = re.compile(r'^\s*\{.*?"(trace|type)"\s*:\s*("(FeatureCollection|Feature|LineString|MultiLineString|GeometryCollection)"|\[)', re.S)


def is_track_file(content: bytes, name: str) -> bool:
    """Whether a file is a flown track rather than a table, by its format: a KML or GPX document,
    a tar1090 trace or GeoJSON, an OpenSky or flight-tracking-site CSV header, or gzip (trace
    files are served gzipped; no table is)."""
    suffix = Path(str(name)).suffix.lower()
    if suffix in TRACK_SUFFIXES or content[:2] == b"\x1f\x8b":
        return True
    head = content[:4096].decode("utf-8-sig", errors="replace").lstrip()
    if head.startswith("<"):
        return bool(re.search(r"<(\w+:)?(kml|gpx)\b", head, re.I))
    if head.startswith("{"):
        return bool(_TRACK_JSON.match(head[:4096]))
    first = head.splitlines()[0].lower() if head else ""
    columns = {c.strip().strip('"') for c in first.split(",")}
    return {"time", "icao24", "lat", "lon"} <= columns or ("position" in columns and bool({"timestamp", "utc"} & columns))


@dataclass(frozen=True)
class TrackPreview:
    """A track file read and checked: the tracks.csv row and the points file merging would write."""

    name: str
    track: object  # flightmap.tracks.Track
    row: dict  # tracks.csv cells, text
    problems: tuple[Problem, ...]
    notices: tuple[str, ...] = ()
    summary: dict = field(default_factory=dict)
    legs: tuple[dict, ...] = ()  # flights.csv rows proposed from the track's take-offs and landings (flightmap.legs)
    accepted: tuple[int, ...] = ()  # the numbers (1-based) of the legs the user confirmed
    new_sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.SOURCES.column_names))  # named, not given by id

    table = schema.TRACKS

    @property
    def new_flights(self) -> pd.DataFrame:
        chosen = [self.legs[n - 1] for n in self.accepted]
        return pd.DataFrame(chosen, columns=schema.FLIGHTS.column_names).fillna("").astype(str)

    def leg_line(self, number: int) -> str:
        leg = self.legs[number - 1]
        return (f"leg {number}: {leg['date_start']} {leg['departure_time'] or '?'}–{leg['arrival_time'] or '?'} UTC, "
                f"{leg['origin'] or 'origin unknown'} → {leg['destination'] or 'destination unknown'} (as flight {leg['id']})")

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> pd.DataFrame:
        return pd.DataFrame([self.row], columns=schema.TRACKS.column_names)

    @property
    def path(self) -> str:
        from flightmap.trackstore import track_path

        return track_path(self.row["id"])

    def line(self) -> str:
        """One line for a person: points, first and last time, who."""
        track, s = self.track, self.summary
        times = (f"{s['first_time']:%Y-%m-%d %H:%M:%S} to {s['last_time']:%Y-%m-%d %H:%M:%S} UTC" if s.get("first_time") is not None
                 else "no times")
        who = ", ".join(f"{k} {v}" for k, v in (("registration", track.registration), ("hex", track.hex), ("callsign", track.callsign)) if v) or "aircraft not named in the file"
        return (f"{self.name}: {track.format}, {s['points']:,} points, {times}; {who}; "
                f"{s['segments']} segment(s), {s['distance_km']:,.0f} km flown; to be saved as {self.path}")


def prepare_track(content: bytes, name: str, dataset: Dataset, constants: dict[str, str] | None = None) -> TrackPreview:
    """Read a track file and check the tracks.csv row it would make (`constants`: values for its
    cells, e.g. source_ids and confidence). DataValidationError when the file cannot be read as a track."""
    from flightmap import trackstore, tracks

    track = tracks.read_track(content, name)
    name = track.name
    constants = {k: str(v).strip() for k, v in (constants or {}).items() if v not in (None, "")}
    wanted = constants.pop(LEGS_CHOICE, "")
    unknown = sorted(set(constants) - set(TRACK_CONSTANTS))
    problems = [Problem(name, None, column, f"'{column}' is not a column of tracks.csv", f"give one of: {', '.join(TRACK_CONSTANTS)}") for column in unknown]
    summary = tracks.summary(track)
    first, last = summary["first_time"], summary["last_time"]
    existing = dataset.tracks
    taken = set(existing["id"]) | {p.stem for p in (Path(dataset.folder) / trackstore.TRACK_DIR).glob("*.csv")}
    row = {
        "id": constants.get("id") or trackstore.suggested_id(track.hex, track.registration, track.callsign, first, taken),
        "registration": constants.get("registration", track.registration),
        "hex": constants.get("hex", track.hex),
        "callsign": constants.get("callsign", track.callsign),
        "first_time": trackstore.utc_text(pd.Series([first]))[0] if first is not None else "",
        "last_time": trackstore.utc_text(pd.Series([last]))[0] if last is not None else "",
        "points": str(len(track.points)),
        "source_ids": constants.get("source_ids", ""),
        "confidence": constants.get("confidence", ""),
        "flight_ids": constants.get("flight_ids", ""),
        "notes": constants.get("notes", f"imported from {name} ({track.format})"),
    }
    frame = pd.DataFrame([row], columns=schema.TRACKS.column_names)
    frame.attrs["label"] = name
    # A source given by its name ('ADS-B Exchange', a URL) is an existing source or a new row, as in a table's import.
    new_sources, source_notices = _sources_from_cells(frame, dataset.sources)
    row["source_ids"] = frame.at[0, "source_ids"]
    try:
        validate_table(frame, schema.TRACKS, set(dataset.sources["id"]) | set(new_sources["id"]))
    except DataValidationError as exc:
        sources_hint = "give an id of sources.csv (e.g. --set source_ids=ID): " + ", ".join(sorted(dataset.sources["id"])[:8]) + ", ..."
        for problem in exc.problems:
            hint = sources_hint if problem.column == "source_ids" and "empty" in problem.message else problem.hint
            problems.append(Problem(name, None, problem.column, problem.message, hint))
    flight_ids = set(dataset.flights["id"])
    for flight in [i.strip() for i in row["flight_ids"].split(schema.LIST_SEPARATOR) if i.strip()]:
        if flight not in flight_ids:
            problems.append(Problem(name, None, "flight_ids", f"unknown flight id '{quoted(flight)}'", "give the id of a row of flights.csv, or leave empty"))
    if row["id"] in taken:
        problems.append(Problem(name, None, "id", f"the dataset already has a track '{quoted(row['id'])}'", "give another id"))
    if first is not None and len(existing):
        same = existing[(existing["first_time"] == first) & (existing["last_time"] == last)
                        & ((existing["hex"] == row["hex"]) | (existing["registration"] == row["registration"]))]
        for other in same["id"]:
            problems.append(Problem(name, None, None, f"the dataset already holds this track as '{quoted(other)}' (same aircraft, same first and last time)",
                                    "nothing to merge; remove that track first to replace it"))
    from flightmap.legs import proposed_flights

    legs = tuple(proposed_flights(track, row["id"], row["source_ids"], row["confidence"], taken_ids=flight_ids))
    accepted: tuple[int, ...] = ()
    if wanted.strip().lower() == "all":
        accepted = tuple(range(1, len(legs) + 1))
    elif wanted.strip():
        for part in re.split(r"[,;\s]+", wanted.strip()):
            if not part.isdigit() or not 1 <= int(part) <= len(legs):
                problems.append(Problem(name, None, LEGS_CHOICE, f"'{quoted(part)}' is not the number of a proposed leg (1 to {len(legs)})",
                                        "give leg numbers from the preview, e.g. 1,2, or 'all'"))
            elif int(part) not in accepted:
                accepted += (int(part),)
    if accepted:
        row["flight_ids"] = schema.LIST_SEPARATOR.join(dict.fromkeys(
            [i for i in row["flight_ids"].split(schema.LIST_SEPARATOR) if i] + [legs[n - 1]["id"] for n in accepted]))
    return TrackPreview(name, track, row, tuple(problems), (*track.notices, *source_notices), summary, legs, accepted, new_sources)


def merge_track(folder: Path, preview: TrackPreview) -> tuple[dict[str, str], list[Path]]:
    """Write the track's points file, then its tracks.csv row, after loading the result from a
    scratch copy (a merge that would leave the folder unloadable writes nothing)."""
    import shutil
    import tempfile

    from flightmap import trackstore
    from flightmap.saving import folder_lock, save_tables

    if not preview.ok:
        raise DataValidationError(list(preview.problems))
    folder = Path(folder)
    with folder_lock(folder, names=[preview.path, schema.TRACKS.filename, *([schema.SOURCES.filename] if len(preview.new_sources) else [])]):
        index = folder / schema.TRACKS.filename
        current = index.read_text(encoding="utf-8-sig") if index.exists() else None
        # points file first: the index never names a file that is not there yet
        texts = {preview.path: trackstore.points_text(preview.track.points, preview.track.breaks)}
        if len(preview.new_sources):  # the sources before the rows that cite them
            texts[schema.SOURCES.filename] = _appended(folder / schema.SOURCES.filename, preview.new_sources.astype(str))
        if preview.accepted:  # the confirmed legs before the index that names them
            texts[schema.FLIGHTS.filename] = _appended(folder / schema.FLIGHTS.filename, preview.new_flights)
        texts[schema.TRACKS.filename] = trackstore.index_text(current, preview.row)
        with tempfile.TemporaryDirectory(prefix="flightmap-merge-") as scratch:
            trial = Path(scratch) / folder.name
            shutil.copytree(folder, trial, ignore=shutil.ignore_patterns("backups", ".*"))
            (trial / trackstore.TRACK_DIR).mkdir(exist_ok=True)
            for filename, text in texts.items():
                (trial / filename).write_text(text, encoding="utf-8")
            load_dataset(trial)  # raises DataValidationError naming the problem; nothing written
        return texts, save_tables(folder, texts)
