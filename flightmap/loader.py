"""Read a dataset folder's CSV tables, validate them, and return typed DataFrames.

Every problem names the file, the spreadsheet row (the header is row 1), the column, what is
wrong and how to fix it; all problems of a load are gathered into one `DataValidationError`.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from flightmap import registration, schema
from flightmap.security import MULTILINE_COLUMNS, cell_hazards, shown
from flightmap.schema import LIST_SEPARATOR, Column, Table

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_WHOLE_NUMBER = r"^[1-9]\d*$"
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_ID_TEXT = r"^[^;\s][^;]*$"
_SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"  # also a file name: tracks/<id>.csv
_HEX = r"^[0-9a-f]{6}$"
_UTC_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def by_value(cells: pd.Series, fn) -> pd.Series:
    """`fn` applied to the distinct cells only and spread back to every row (same index).

    Big tables repeat dates, codes, registrations and allowed values over and over: a Python
    string operation per distinct value instead of per row keeps loading a million rows fast.
    `fn` takes a Series of text values and returns a Series with one value per item.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=False)
    if 2 * len(uniques) > len(cells):  # mostly distinct (ids, free text): no point in the round trip
        return fn(cells).set_axis(cells.index)
    values = fn(pd.Series(uniques, dtype=cells.dtype)).to_numpy()
    return pd.Series(values[codes], index=cells.index)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row: header is 1, first record is 2; None for the whole file
    column: str | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if not self.hint:
            return f"{text}."
        return f"{text}. Fix: {self.hint}" + ("" if self.hint.endswith(("?", ".")) else ".")


class DataValidationError(ValueError):
    """Raised once per load with every problem found, each naming file, row and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        files = sorted({p.file for p in problems})
        head = f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {', '.join(files)}"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Dataset:
    """Validated, typed tables. Treat the frames as read-only: they are shared across requests."""

    folder: Path
    sources: pd.DataFrame
    places: pd.DataFrame
    flights: pd.DataFrame
    events: pd.DataFrame
    # Optional (tracks.csv and tracks/): the index, typed, and every track's points in one frame
    # (flightmap.trackstore.POINT_COLUMNS). Empty when the dataset has no tracks.
    tracks: pd.DataFrame = field(default_factory=lambda: _empty_tracks()[0])
    track_points: pd.DataFrame = field(default_factory=lambda: _empty_tracks()[1])

    def label(self, filename: str) -> str:
        return table_label(self.folder, filename)


def _empty_tracks() -> tuple[pd.DataFrame, pd.DataFrame]:
    from flightmap import trackstore

    return trackstore.empty_index(), trackstore.empty_points()


def table_label(folder: Path, filename: str) -> str:
    """How messages name a file: its folder and name, e.g. data/flights.csv."""
    folder = Path(folder)
    return filename if folder.name in ("", ".") else f"{folder.name}/{filename}"


def spreadsheet_row(index: int) -> int:
    return int(index) + 2


def read_table(path: Path, table: Table) -> pd.DataFrame:
    """Read one CSV as text cells, checking the header; raise DataValidationError on failure."""
    label = table_label(path.parent, path.name)
    if not path.is_file():
        raise DataValidationError(
            [Problem(label, None, None, "the file is missing", f"create it with the header: {','.join(table.column_names)}")]
        )
    try:
        # utf-8-sig drops a byte-order mark that spreadsheet programs like to add.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            [Problem(label, None, None, f"the file is not UTF-8 text (byte {exc.start})", "save it as 'CSV UTF-8'")]
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(
            [Problem(label, None, None, "the file is empty", f"add the header: {','.join(table.column_names)}")]
        ) from exc
    except pd.errors.ParserError as exc:
        raise DataValidationError([Problem(label, None, None, f"the file is not valid CSV ({exc})", "check quoting")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = _header_problems(label, list(frame.columns), table)
    if problems:
        raise DataValidationError(problems)
    frame = frame.apply(lambda col: by_value(col, lambda cells: cells.str.strip()).astype(col.dtype))
    frame.attrs["label"] = label
    return frame


def _header_problems(label: str, columns: list[str], table: Table) -> list[Problem]:
    problems = []
    for name in columns:
        if name not in table.column_names:
            close = difflib.get_close_matches(name, table.column_names, n=1)
            hint = f"rename it to '{close[0]}'" if close else f"remove it; known columns: {', '.join(table.column_names)}"
            problems.append(Problem(label, 1, name, "unknown column", hint))
    for column in table.columns:
        if column.name not in columns and (column.required or column.name == table.key):
            problems.append(Problem(label, 1, column.name, "required column is missing", "add it to the header row"))
    return problems


def _iso_date(cells: pd.Series) -> pd.Series:
    return by_value(cells, lambda u: u.str.match(_ISO_DATE)).astype(bool)


def _valid_calendar_date(cells: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(cells.where(cells.str.match(_ISO_DATE)), format="%Y-%m-%d", errors="coerce")
    return parsed.notna() | ~cells.str.match(_ISO_DATE)


def _checks(column: Column) -> list[pa.Check]:
    """Pandera checks for one text column; empty cells pass all but the required check."""

    def optional(check_fn, name):
        # Each distinct cell is checked once (see by_value); the result is one bool per row.
        return pa.Check(lambda s: by_value(s, lambda u: (u == "") | check_fn(u)).astype(bool), name=name)

    checks = []
    if column.required:
        checks.append(pa.Check(lambda s: s != "", name="is empty"))
    if column.kind == "date":
        checks.append(optional(lambda s: s.str.match(_ISO_DATE), "is not a date in the form YYYY-MM-DD"))
        checks.append(optional(_valid_calendar_date, "is not a real calendar date"))
    elif column.kind == "partial-date":
        checks.append(optional(lambda s: s.str.match(_PARTIAL_DATE), "is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD"))
    elif column.kind == "time":
        checks.append(optional(lambda s: s.str.match(r"^([01]\d|2[0-3]):[0-5]\d$"), "is not a time in the form HH:MM (00:00-23:59, UTC)"))
    elif column.kind == "enum":
        allowed = set(column.allowed)
        checks.append(optional(lambda s: s.isin(allowed), "is not an allowed value"))
    elif column.kind == "int":
        checks.append(optional(lambda s: s.str.match(_WHOLE_NUMBER), "is not a whole number of at least 1"))
    elif column.kind in ("lat", "lon"):
        limit = 90 if column.kind == "lat" else 180
        checks.append(optional(lambda s: s.str.match(_NUMBER), "is not a number in decimal degrees"))
        checks.append(
            optional(
                lambda s: pd.to_numeric(s.where(s.str.match(_NUMBER)), errors="coerce").abs().le(limit)
                | ~s.str.match(_NUMBER),
                f"is outside -{limit}..{limit}",
            )
        )
    elif column.kind == "slug":
        checks.append(optional(lambda s: s.str.match(_SLUG) & ~s.str.contains(r"\.\.", regex=True), "is not a short id of letters, digits, '-', '_' or '.'"))
    elif column.kind == "hex":
        checks.append(optional(lambda s: s.str.match(_HEX), "is not six lower-case hex digits"))
    elif column.kind == "datetime":
        checks.append(optional(lambda s: s.str.match(_UTC_TIME), "is not a UTC time in the form YYYY-MM-DDTHH:MM:SSZ"))
        checks.append(optional(lambda s: pd.to_datetime(s.where(s.str.match(_UTC_TIME)), utc=True, format="ISO8601", errors="coerce").notna()
                               | ~s.str.match(_UTC_TIME), "is not a real date and time"))
    elif column.kind == "url":
        # Only web addresses: a javascript: or file: link from the data must never reach a page.
        checks.append(optional(lambda s: s.str.match(r"^https?://[^\s<>\"']+$"), "is not an http(s) address"))
    elif column.kind == "ids":
        checks.append(
            optional(
                lambda s: s.str.split(LIST_SEPARATOR).map(lambda ids: all(re.match(_ID_TEXT, i.strip()) for i in ids)),
                "has an empty id in its list",
            )
        )
    return checks


def _pandera_schema(table: Table, present: list[str]) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(str, checks=_checks(c), unique=(c.name == table.key), nullable=False)
        for c in table.columns
        if c.name in present
    }
    frame_checks = [
        pa.Check(
            lambda df, a=start, b=end: (df[a] == "") | (df[b] == "") | ~_iso_date(df[a])
            | ~_iso_date(df[b]) | (df[a] <= df[b]),
            name=f"{end} is before {start}",
        )
        for start, end in table.date_order
        if start in present and end in present
    ]
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)


def validate_cells(frame: pd.DataFrame, table: Table) -> list[Problem]:
    """Check every cell of a text table against its column's rules."""
    label = frame.attrs.get("label", table.filename)
    try:
        _pandera_schema(table, list(frame.columns)).validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for case in cases.itertuples(index=False):
        index = case.index
        if index is None or pd.isna(index):
            continue
        check = str(case.check)
        column_name = case.column
        if case.schema_context == "DataFrameSchema":
            # A frame-level check reports every column of a failing row: keep the one it is about.
            column_name = check.split(" is before ")[0]
        key = (int(index), column_name, check)
        if key in seen:
            continue
        seen.add(key)
        column = table.column(column_name)
        value = frame.at[index, column_name]
        if check == "field_uniqueness":
            first = frame.index[frame[column_name] == value][0]
            if first == index:
                continue
            problems.append(
                Problem(label, spreadsheet_row(index), column_name,
                        f"'{shown(value)}' repeats the {column_name} of row {spreadsheet_row(first)}",
                        "give each row a unique " + column_name)
            )
        elif check == "is empty":
            problems.append(Problem(label, spreadsheet_row(index), column_name, "is empty but required", column.hint))
        elif " is before " in check:
            start = check.split(" is before ")[1]
            problems.append(
                Problem(label, spreadsheet_row(index), column_name,
                        f"{value} is before {start} {frame.at[index, start]}",
                        f"put the later date in {column_name} or correct {start}")
            )
        else:
            problems.append(Problem(label, spreadsheet_row(index), column_name, f"'{shown(value)}' {check}", column.hint))
    return sorted(problems, key=lambda p: (p.row or 0, table.column_names.index(p.column) if p.column in table.column_names else 0))


def _split_list(cells: pd.Series) -> pd.Series:
    return by_value(cells, lambda u: u.map(lambda s: tuple(i.strip() for i in s.split(LIST_SEPARATOR) if i.strip())))


def _reference_problems(frame: pd.DataFrame, table: Table, source_ids: set[str]) -> list[Problem]:
    label = frame.attrs.get("label", table.filename)
    problems = []
    if "source_ids" in frame.columns:
        # Only rows citing an unknown id are visited, in row order; each distinct list is split once.
        lists = _split_list(frame["source_ids"])
        citing_unknown = by_value(frame["source_ids"], lambda u: _split_list(u).map(lambda ids: any(i not in source_ids for i in ids)))
        for index, ids in lists[citing_unknown.astype(bool).to_numpy()].items():
            for unknown in [i for i in ids if i not in source_ids]:
                close = difflib.get_close_matches(unknown, sorted(source_ids), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "add the source to sources.csv first"
                problems.append(Problem(label, spreadsheet_row(index), "source_ids", f"unknown source id '{shown(unknown)}'", hint))
    return problems


def _place_coordinate_problems(frame: pd.DataFrame, table: Table) -> list[Problem]:
    """lat and lon come in pairs (a flight's ends too); a places row needs an ICAO code or coordinates."""
    label = frame.attrs.get("label", table.filename)
    problems = []
    for lat, lon in (("lat", "lon"), ("origin_lat", "origin_lon"), ("destination_lat", "destination_lon")):
        if not {lat, lon} <= set(frame.columns):
            continue
        half = (frame[lat] == "") != (frame[lon] == "")
        for index in frame.index[half]:
            missing = lon if frame.at[index, lon] == "" else lat
            problems.append(Problem(label, spreadsheet_row(index), missing, "is empty while its pair is given", f"give both {lat} and {lon}, or neither"))
    if not {"lat", "lon"} <= set(frame.columns):
        return problems
    if table is schema.PLACES and "icao" in frame.columns:
        bare = (frame["icao"] == "") & (frame["lat"] == "") & (frame["lon"] == "")
        for index in frame.index[bare]:
            problems.append(Problem(label, spreadsheet_row(index), "icao", "neither an ICAO code nor coordinates are given", schema.PLACES.column("icao").hint))
    return problems


def _conflict_problems(frame: pd.DataFrame, table: Table) -> list[Problem]:
    """A disputed record must say what is disputed: conflicts are shown, never implied."""
    if not {"confidence", "conflict_note"} <= set(frame.columns):
        return []
    label = frame.attrs.get("label", table.filename)
    silent = (frame["confidence"] == "disputed") & (frame["conflict_note"] == "")
    return [
        Problem(label, spreadsheet_row(i), "conflict_note", "is empty on a disputed record", "say which sources disagree and on what")
        for i in frame.index[silent]
    ]


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Convert validated text cells to their types; add missing optional columns as empty."""
    out = frame.copy()
    for column in table.columns:
        if column.name not in out.columns:
            out[column.name] = ""
        cells = out[column.name]
        if column.kind == "date":
            out[column.name] = pd.to_datetime(cells, format="%Y-%m-%d", cache=True)
        elif column.kind == "datetime":
            out[column.name] = pd.to_datetime(cells.replace("", None), utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
        elif column.kind == "int":
            out[column.name] = pd.to_numeric(cells.replace("", None)).astype("Int64")
        elif column.kind in ("lat", "lon"):
            out[column.name] = pd.to_numeric(cells.replace("", None)).astype("float64")
        elif column.kind in ("ids", "list"):
            out[column.name] = _split_list(cells)
    if "registration" in out.columns:
        out["registration"] = by_value(out["registration"], lambda u: u.map(registration.normalise)).astype(out["registration"].dtype)
    out.attrs = {}
    return out[table.column_names].reset_index(drop=True)


def unsafe_cell_problems(frame: pd.DataFrame, table: Table) -> list[Problem]:
    """Cells no table may hold, whoever wrote it: formulas a spreadsheet would run, and control
    characters (flightmap.security has the rule and why)."""
    label = frame.attrs.get("label", table.filename)
    problems = []
    for column in [c for c in table.column_names if c in frame.columns]:
        for index, kind, detail in cell_hazards(frame[column], multiline=column in MULTILINE_COLUMNS):
            if kind == "formula":
                problems.append(Problem(label, spreadsheet_row(index), column, f"'{shown(detail, 40)}' looks like a spreadsheet formula",
                                        "remove the leading = + - @, tab or carriage return (a spreadsheet would run it); a number such as -12.5 is fine"))
            else:
                problems.append(Problem(label, spreadsheet_row(index), column, f"contains the control character {detail}",
                                        "remove it: control characters can hide or reorder text and rewrite a terminal"
                                        + ("" if column in MULTILINE_COLUMNS else "; line breaks and tabs belong only in summary, conflict_note and notes")))
    return problems


def validate_table(frame: pd.DataFrame, table: Table, source_ids: set[str] | None = None) -> pd.DataFrame:
    """Validate one text table and return it typed; raise DataValidationError listing every problem."""
    problems = validate_cells(frame, table)
    problems += unsafe_cell_problems(frame, table)
    problems += _place_coordinate_problems(frame, table)
    problems += _conflict_problems(frame, table)
    if source_ids is not None:
        problems += _reference_problems(frame, table, source_ids)
    if problems:
        raise DataValidationError(problems)
    return _typed(frame, table)


def load_dataset(folder: str | Path) -> Dataset:
    """Load and validate the four tables of a dataset folder, and its tracks when it has
    tracks.csv, gathering problems from all of them."""
    folder = Path(folder)
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    known_sources: set[str] | None = None
    for table in schema.TABLES:  # sources first: the others refer to its ids
        try:
            raw = read_table(folder / table.filename, table)
            typed[table.name] = validate_table(raw, table, known_sources)
        except DataValidationError as exc:
            problems += exc.problems
        if table is schema.SOURCES:
            known_sources = set(typed["sources"]["id"]) if "sources" in typed else None
    if "sources" in typed:
        problems += _missing_source_files(folder, typed["sources"])
    from flightmap import trackstore

    try:
        flight_ids = set(typed["flights"]["id"]) if "flights" in typed else None
        typed["tracks"], typed["track_points"] = trackstore.load_tracks(folder, known_sources, flight_ids)
    except DataValidationError as exc:
        problems += exc.problems
    if problems:
        raise DataValidationError(problems)
    return Dataset(folder=folder, **typed)


def _missing_source_files(folder: Path, sources: pd.DataFrame) -> list[Problem]:
    problems = []
    label = table_label(folder, schema.SOURCES.filename)
    root = folder.resolve()
    for index, file in sources["file"].items():
        if not file:
            continue
        target = (folder / file).resolve()
        if not target.is_relative_to(root):
            problems.append(Problem(label, spreadsheet_row(index), "file", f"'{file}' lies outside the dataset folder", "keep source documents inside the dataset folder"))
        elif not target.is_file():
            problems.append(Problem(label, spreadsheet_row(index), "file", f"'{file}' does not exist", "fix the path or copy the document into the dataset folder"))
    return problems
