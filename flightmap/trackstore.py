"""Flown tracks kept with a dataset: `tracks.csv` (one row per track, schema.TRACKS) and
`tracks/<id>.csv` (the track's points, one row each), written from a read Track and read back with
every problem naming the file, the row and the column. Nothing here knows about Dash.

A track file is CSV so that a person can read it and a diff shows what changed:

    time_utc,lat,lon,altitude_ft,ground_speed_kt,track_deg,on_ground,segment
    2023-03-14T08:00:00Z,12.5335,-7.9499,1247,0,,true,1

time_utc is ISO 8601 in UTC ending in Z (every row, or none for a track without times); lat and lon
decimal degrees (6 decimals, ~0.1 m); altitude in feet, speed in knots, track in degrees (empty
when the file had none); on_ground true, false or empty; segment numbers the lines of the original
file (a GPX trkseg, a MultiLineString part): the drawing never joins two segments.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from flightmap import schema
from flightmap.loader import DataValidationError, Problem, spreadsheet_row, table_label
from flightmap.security import shown

TRACK_DIR = "tracks"
FILE_COLUMNS = ["time_utc", "lat", "lon", "altitude_ft", "ground_speed_kt", "track_deg", "on_ground", "segment"]
REQUIRED_FILE_COLUMNS = ("time_utc", "lat", "lon")
# The points as the app holds them (flightmap.tracks.COLUMNS, plus the track's id and segment).
POINT_COLUMNS = ["track_id", "time", "lat", "lon", "altitude_ft", "speed_kt", "track_deg", "on_ground", "segment"]
MAX_FILE_PROBLEMS = 20
_UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_FLAGS = {"true": True, "false": False, "": pd.NA}


def track_path(track_id: str) -> str:
    """The track file's name inside the dataset folder (a name save_tables accepts)."""
    return f"{TRACK_DIR}/{track_id}.csv"


def empty_index() -> pd.DataFrame:
    from flightmap.loader import validate_table

    return validate_table(pd.DataFrame(columns=schema.TRACKS.column_names), schema.TRACKS)


def empty_points() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in POINT_COLUMNS})
    frame["track_id"] = frame["track_id"].astype(object)
    frame["time"] = frame["time"].astype("datetime64[ns, UTC]")
    frame["on_ground"] = frame["on_ground"].astype("boolean")
    frame["segment"] = frame["segment"].astype("int64")
    return frame


# ---------------------------------------------------------------------------------------------
# Writing


def utc_text(times: pd.Series) -> list[str]:
    """ISO 8601 UTC texts ending in Z; fractions of a second kept (tar1090 offsets have them); '' for NaT."""
    times = pd.Series(times).astype("datetime64[ns, UTC]")
    whole = times.dt.strftime("%Y-%m-%dT%H:%M:%S")
    micro = times.dt.microsecond.fillna(0).astype("int64")
    fraction = ("." + micro.map("{:06d}".format).str.rstrip("0")).where(micro > 0, "")
    return (whole + fraction + "Z").where(times.notna(), "").tolist()


def _numbers(values, decimals: int) -> list[str]:
    """Numbers with at most `decimals` decimals, no exponent, no trailing zeros; '' for NaN."""
    values = np.asarray(values, dtype="float64")
    texts = pd.Series(np.char.mod(f"%.{decimals}f", np.nan_to_num(values)))
    if decimals:
        texts = texts.str.rstrip("0").str.rstrip(".")
    texts = texts.mask(texts.isin(["-0", ""]), "0")
    return texts.where(~np.isnan(values), "").tolist()


def segments_of(count: int, breaks=()) -> np.ndarray:
    """Segment numbers (1, 2, ...) of `count` points cut at `breaks` (positions starting a new line)."""
    numbers = np.ones(count, dtype="int64")
    for start in sorted(int(b) for b in breaks if 0 < int(b) < count):
        numbers[start:] += 1
    return numbers


def points_text(points: pd.DataFrame, breaks=()) -> str:
    """The text of tracks/<id>.csv for a Track's points (flightmap.tracks.COLUMNS)."""
    flags = ["" if pd.isna(v) else ("true" if v else "false") for v in points["on_ground"]]
    frame = pd.DataFrame({
        "time_utc": utc_text(points["time"]),
        "lat": _numbers(points["lat"], 6),
        "lon": _numbers(points["lon"], 6),
        "altitude_ft": _numbers(points["altitude_ft"], 0),
        "ground_speed_kt": _numbers(points["speed_kt"], 1),
        "track_deg": _numbers(points["track_deg"], 1),
        "on_ground": flags,
        "segment": segments_of(len(points), breaks).astype(str),
    })
    return frame.to_csv(index=False, lineterminator="\n")


def suggested_id(hex_code: str, registration: str, callsign: str, first_time, taken) -> str:
    """A readable id that is also a file name: who flew (hex, registration or callsign) and the
    day, e.g. 0a1b2c-2023-03-14; '-2', '-3'... when taken."""
    who = next((v for v in (hex_code, registration, callsign) if v), "track")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", who).strip("-.").lower() or "track"
    if first_time is not None and not pd.isna(first_time):
        stem += f"-{first_time:%Y-%m-%d}"
    taken = {str(t).lower() for t in taken}
    candidate, n = stem, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


# ---------------------------------------------------------------------------------------------
# Reading and checking


_NUMERIC = {"lat": (-90, 90), "lon": (-180, 180), "altitude_ft": None, "ground_speed_kt": (0, 2000), "track_deg": (0, 360)}


def _read_well_formed(path: Path) -> pd.DataFrame | None:
    """The points of a file with no problem at all, read by pandas' C parser (a 20,000-point track
    in a fraction of the time the cell-by-cell checks take); None for any doubt, and then
    read_points checks every cell to say what is wrong and where."""
    try:
        header = [str(c).strip() for c in pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns]
        if set(header) - set(FILE_COLUMNS) or set(REQUIRED_FILE_COLUMNS) - set(header) or len(set(header)) != len(header):
            return None
        frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values={c: [""] for c in _NUMERIC},
                            dtype={c: ("float64" if c in _NUMERIC else str) for c in header}, skipinitialspace=True)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.reindex(columns=FILE_COLUMNS)
    if frame.empty or frame[["lat", "lon"]].isna().any().any():
        return None
    for column, bounds in _NUMERIC.items():
        values = frame[column].astype("float64")
        if bounds and ((values < bounds[0]) | (values > bounds[1])).any():
            return None
    cells = frame["time_utc"].fillna("").str.strip()
    if (cells != "").any():
        if not cells.str.match(_UTC_TIME.pattern).all():
            return None
        times = pd.to_datetime(cells, utc=True, format="ISO8601", errors="coerce").astype("datetime64[ns, UTC]")
        stamps = times.to_numpy(dtype="datetime64[ns]")
        if np.isnat(stamps).any() or (stamps[1:] < stamps[:-1]).any():
            return None
    else:
        times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    flags = frame["on_ground"].fillna("").str.strip().str.lower()
    segments = frame["segment"].fillna("").str.strip().replace("", "1")
    if not flags.isin(list(_FLAGS)).all() or not segments.str.match(r"^[1-9]\d{0,8}$").all():
        return None
    segment = segments.astype("int64").to_numpy()
    if (np.diff(segment) < 0).any():
        return None
    return pd.DataFrame({
        "time": times.array, "lat": frame["lat"].to_numpy("float64"), "lon": frame["lon"].to_numpy("float64"),
        "altitude_ft": frame["altitude_ft"].to_numpy("float64"), "speed_kt": frame["ground_speed_kt"].to_numpy("float64"),
        "track_deg": frame["track_deg"].to_numpy("float64"), "on_ground": pd.array(flags.map(_FLAGS).tolist(), dtype="boolean"), "segment": segment,
    })


def read_points(path: Path, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One track file as points (POINT_COLUMNS without track_id), or None and its problems."""
    fast = _read_well_formed(path)
    if fast is not None:
        return fast, []
    return _read_checked(path, label)


def _read_checked(path: Path, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """read_points cell by cell: every problem with its row and column."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(label, None, None, f"the file is not UTF-8 text (byte {exc.start})", "save it as 'CSV UTF-8'")]
    except pd.errors.EmptyDataError:
        return None, [Problem(label, None, None, "the file is empty", f"a track file starts with the header: {','.join(FILE_COLUMNS)}")]
    except pd.errors.ParserError as exc:
        return None, [Problem(label, None, None, f"the file is not valid CSV ({shown(exc, 120)})", "check quoting")]
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = []
    for name in frame.columns:
        if name not in FILE_COLUMNS:
            close = difflib.get_close_matches(name, FILE_COLUMNS, n=1)
            problems.append(Problem(label, 1, name, "unknown column", f"rename it to '{close[0]}'" if close else f"remove it; known columns: {', '.join(FILE_COLUMNS)}"))
    for name in REQUIRED_FILE_COLUMNS:
        if name not in frame.columns:
            problems.append(Problem(label, 1, name, "required column is missing", "add it to the header row"))
    if problems:
        return None, problems
    if frame.empty:
        return None, [Problem(label, None, None, "the file has no points", "a track file holds one row per point")]
    frame = frame.apply(lambda col: col.str.strip()).reindex(columns=FILE_COLUMNS, fill_value="")

    def problem(index, column, message, hint):
        problems.append(Problem(label, spreadsheet_row(index), column, message, hint))

    def numbers(column: str, required: bool, low: float | None = None, high: float | None = None, hint: str = "") -> np.ndarray:
        cells = frame[column]
        numeric = cells.str.match(_NUMBER)
        values = pd.to_numeric(cells.where(numeric), errors="coerce").to_numpy("float64")
        for index in frame.index[(cells == "") & required]:
            problem(index, column, "is empty but required", hint)
        for index in frame.index[(cells != "") & ~numeric]:
            problem(index, column, f"'{shown(cells[index], 40)}' is not a number", hint)
        if low is not None:
            with np.errstate(invalid="ignore"):
                outside = (values < low) | (values > high)
            for index in np.flatnonzero(outside):
                problem(index, column, f"{values[index]:g} is outside {low:g} to {high:g}", hint)
        return values

    lat = numbers("lat", True, -90, 90, "a latitude in decimal degrees between -90 and 90")
    lon = numbers("lon", True, -180, 180, "a longitude in decimal degrees between -180 and 180")
    altitude = numbers("altitude_ft", False, hint="the altitude in feet, or leave empty")
    speed = numbers("ground_speed_kt", False, 0, 2000, "the ground speed in knots, or leave empty")
    heading = numbers("track_deg", False, 0, 360, "the track in degrees from north (0-360), or leave empty")

    cells = frame["time_utc"]
    times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    if (cells != "").any():
        well_formed = cells.str.match(_UTC_TIME)
        times = pd.to_datetime(cells.where(well_formed), utc=True, format="ISO8601", errors="coerce").astype("datetime64[ns, UTC]")
        hint = "give every point a time in UTC as YYYY-MM-DDTHH:MM:SSZ (a track without times leaves every time_utc empty)"
        for index in frame.index[cells == ""]:
            problem(index, "time_utc", "is empty while other points have times", hint)
        for index in frame.index[(cells != "") & times.isna()]:
            problem(index, "time_utc", f"'{shown(cells[index], 40)}' is not a UTC time in the form YYYY-MM-DDTHH:MM:SSZ", hint)
        stamps = times.to_numpy(dtype="datetime64[ns]")
        valid = np.flatnonzero(~np.isnat(stamps))
        for position in np.flatnonzero(stamps[valid[1:]] < stamps[valid[:-1]]):
            index, previous = valid[position + 1], valid[position]
            problem(index, "time_utc", f"the time goes backwards: {cells[index]} is before row {spreadsheet_row(previous)}'s {cells[previous]}",
                    "keep the points in the order flown; check this point's date and time")

    flags = frame["on_ground"].str.lower()
    for index in frame.index[~flags.isin(list(_FLAGS))]:
        problem(index, "on_ground", f"'{shown(frame.at[index, 'on_ground'], 20)}' is not true or false", "write true, false, or leave empty")
    segment_cells = frame["segment"].replace("", "1")
    whole = segment_cells.str.match(r"^[1-9]\d{0,8}$")
    for index in frame.index[~whole]:
        problem(index, "segment", f"'{shown(frame.at[index, 'segment'], 20)}' is not a whole number of at least 1", "number the file's lines 1, 2, ... or leave empty")
    segment = pd.to_numeric(segment_cells.where(whole, "1")).to_numpy("int64")
    for index in np.flatnonzero(np.diff(segment) < 0) + 1:
        problem(index, "segment", f"segment {segment[index]} follows segment {segment[index - 1]}", "segments are numbered in the order flown")

    if problems:
        problems.sort(key=lambda p: p.row or 0)
        if len(problems) > MAX_FILE_PROBLEMS:
            extra = len(problems) - MAX_FILE_PROBLEMS
            problems = problems[:MAX_FILE_PROBLEMS] + [Problem(label, None, None, f"and {extra:,} more problem{'s' if extra != 1 else ''} like these")]
        return None, problems
    points = pd.DataFrame({
        "time": times.array, "lat": lat, "lon": lon, "altitude_ft": altitude, "speed_kt": speed, "track_deg": heading,
        "on_ground": pd.array([_FLAGS[f] for f in flags], dtype="boolean"), "segment": segment,
    })
    return points, []


def _times_of(points: pd.DataFrame) -> tuple:
    times = points["time"].dropna()
    return (times.iloc[0], times.iloc[-1]) if len(times) else (None, None)


def check_tracks(folder: Path, index: pd.DataFrame, flight_ids: set[str] | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The points of every track of a typed index (all tracks, one frame, POINT_COLUMNS) and the
    problems: unknown flight ids, missing or broken track files, files that disagree with the index."""
    folder = Path(folder)
    label = table_label(folder, schema.TRACKS.filename)
    problems: list[Problem] = []
    frames = []
    for index_position, row in index.iterrows():
        where = spreadsheet_row(index_position)
        if flight_ids is not None:
            for unknown in [i for i in row["flight_ids"] if i not in flight_ids]:
                close = difflib.get_close_matches(unknown, sorted(flight_ids), n=1)
                problems.append(Problem(label, where, "flight_ids", f"unknown flight id '{shown(unknown)}'",
                                        f"did you mean '{close[0]}'?" if close else "give the id of a row of flights.csv, or leave empty"))
        name = track_path(row["id"])
        path = folder / name
        file_label = table_label(folder, name) if folder.name in ("", ".") else f"{folder.name}/{name}"
        if not path.is_file():
            problems.append(Problem(label, where, "id", f"the track file {name} does not exist",
                                    f"put the points in {name} (header: {','.join(FILE_COLUMNS)}), or remove this row"))
            continue
        points, found = read_points(path, file_label)
        if points is None:
            problems += found
            continue
        if len(points) != row["points"]:
            problems.append(Problem(label, where, "points", f"says {row['points']} but {name} has {len(points)} points",
                                    f"write {len(points)}, the number of rows of {name} after its header"))
        first, last = _times_of(points)
        for column, expected in (("first_time", first), ("last_time", last)):
            stated = row[column]
            if (pd.isna(stated) and expected is not None) or (not pd.isna(stated) and (expected is None or stated != expected)):
                problems.append(Problem(label, where, column,
                                        f"says {utc_text(pd.Series([stated]))[0] or 'nothing'} but {name}'s {'first' if column == 'first_time' else 'last'} "
                                        f"point is at {utc_text(pd.Series([expected]))[0] if expected is not None else 'no time'}",
                                        "write the time of the file's point (YYYY-MM-DDTHH:MM:SSZ), or leave empty for a track without times"))
        frames.append(points.assign(track_id=row["id"])[POINT_COLUMNS])
    points = pd.concat(frames, ignore_index=True) if frames else empty_points()
    return points, problems


def load_tracks(folder: Path, source_ids: set[str] | None, flight_ids: set[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The typed tracks.csv and every track's points; both empty when the dataset has no tracks.csv.
    Raises DataValidationError with every problem."""
    from flightmap.loader import read_table, validate_table

    folder = Path(folder)
    if not (folder / schema.TRACKS.filename).exists():
        return empty_index(), empty_points()
    raw = read_table(folder / schema.TRACKS.filename, schema.TRACKS)
    index = validate_table(raw, schema.TRACKS, source_ids)
    points, problems = check_tracks(folder, index, flight_ids)
    if problems:
        raise DataValidationError(problems)
    return index, points


def index_text(current: str | None, row: dict) -> str:
    """tracks.csv with `row` appended (the existing lines kept byte for byte), or a new file."""
    line = pd.DataFrame([row]).reindex(columns=schema.TRACKS.column_names, fill_value="").astype(str)
    if not current:
        return line.to_csv(index=False, lineterminator="\n")
    from io import StringIO

    existing = pd.read_csv(StringIO(current), dtype=str, keep_default_na=False)
    columns = [str(c).strip() for c in existing.columns]
    if any(value not in ("", None) for key, value in row.items() if key not in columns):  # a column the file lacks: write it whole
        existing.columns = columns
        return pd.concat([existing, line], ignore_index=True).reindex(columns=schema.TRACKS.column_names, fill_value="").to_csv(index=False, lineterminator="\n")
    if not current.endswith("\n"):
        current += "\n"
    return current + line.reindex(columns=columns, fill_value="").to_csv(index=False, header=False, lineterminator="\n")
