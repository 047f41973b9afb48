"""Analysts' files as they come (issue 14): each file of tests/data/analyst_files/ imported with the
command a user runs, then the dataset loaded and the rows, dates, times, registrations, callsigns,
places and sources checked against tests/data/analyst_files/manifest.json.

Every file there is SYNTHETIC test data (never real reporting). The workbooks are written by
tests/data/analyst_files/build.py. Each file is imported once into its own copy of data/ (the
`imported` cache below); the tests then look at what landed.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import math
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from app import main
from flightmap.loader import Dataset, load_dataset

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "tests" / "data" / "analyst_files"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
FILES = MANIFEST["files"]


@dataclass
class Imported:
    """One run of `app.py import FILE --data DIR ARGS` on a fresh copy of data/."""

    folder: Path
    code: int
    out: str
    err: str
    before: Dataset = field(repr=False)
    after: Dataset | None = field(repr=False)

    def new_rows(self, table: str) -> pd.DataFrame:
        frame = getattr(self.after, table)
        return frame[~frame["id"].isin(set(getattr(self.before, table)["id"]))].reset_index(drop=True)

    def new_sources(self) -> pd.DataFrame:
        return self.after.sources[~self.after.sources["id"].isin(set(self.before.sources["id"]))].reset_index(drop=True)


def run(command: str, path: Path, folder: Path, args: list[str]) -> tuple[int, str, str]:
    """`python app.py COMMAND FILE --data DIR ARGS` through app.main, with what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([command, str(path), "--data", str(folder), *args])
        except SystemExit as exc:  # as the interpreter exits: None is 0, a message is printed and is 1
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
    return code, out.getvalue(), err.getvalue()


_CACHE: dict[tuple, Imported] = {}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("analyst-files")


def imported(scratch: Path, name: str, args: list[str] | None = None) -> Imported:
    args = FILES[name]["args"] if args is None else args
    key = (name, tuple(args))
    if key not in _CACHE:
        folder = scratch / f"{len(_CACHE)}-{Path(name).stem}" / "data"
        shutil.copytree(PROJECT / "data", folder)
        before = load_dataset(folder)
        code, out, err = run("import", CORPUS / name, folder, args)
        _CACHE[key] = Imported(folder, code, out, err, before, load_dataset(folder))
    return _CACHE[key]


def landed(scratch: Path, name: str, args: list[str] | None = None) -> Imported:
    """The import, which must have succeeded (the tests after it check what landed)."""
    result = imported(scratch, name, args)
    assert result.code == 0, f"import of {name} exited {result.code}:\n{result.err}"
    return result


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".flightmap-save.lock"}


def stored(value):
    """A stored cell as the manifest writes it: YYYY-MM-DD, HH:MM, '' or None for empty, lists."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is pd.NA:
        return None
    return value


def same(actual, expected) -> bool:
    if isinstance(expected, float) or (isinstance(expected, int) and not isinstance(expected, bool) and isinstance(actual, float)):
        return isinstance(actual, (int, float)) and abs(actual - expected) < 1e-5
    if expected is None:
        return actual in (None, "")
    if expected == "":
        return actual in (None, "")
    if isinstance(expected, str) and re.fullmatch(r"\d\d:\d\d", expected) and isinstance(actual, str):
        return actual[:5] == expected and actual[5:] in ("", ":00")  # 08:14 or 08:14:00
    return actual == expected


# ----------------------------------------------------------------------------- every file lands

@pytest.mark.parametrize("name", list(FILES))
def test_file_imports_with_its_command_and_every_row_lands(scratch, name):
    spec = FILES[name]
    result = landed(scratch, name)
    assert len(result.new_rows(spec["table"])) == spec["rows"], result.out + result.err


VALUE_CASES = [(name, row, column, value) for name, spec in FILES.items() for row, values in spec["expect"].items()
               for column, value in values.items()]


@pytest.mark.parametrize(("name", "row", "column", "expected"), VALUE_CASES,
                         ids=[f"{n}:row{r}:{c}" for n, r, c, _ in VALUE_CASES])
def test_stored_value(scratch, name, row, column, expected):
    spec = FILES[name]
    result = landed(scratch, name)
    rows = result.new_rows(spec["table"])
    assert len(rows) > int(row) - 2, f"{name}: row {row} did not land ({len(rows)} rows)"
    record = rows.iloc[int(row) - 2]
    if column == "source_url":
        sources = result.after.sources.set_index("id")
        ids = list(record["source_ids"])
        assert len(ids) == 1 and sources.loc[ids[0], "url"] == expected, f"{name} row {row}: sources {ids}"
        return
    assert column in rows.columns, f"{name}: the loaded {spec['table']} have no column '{column}'"
    actual = stored(record[column])
    assert same(actual, expected), f"{name} row {row}, {column}: stored {actual!r}, expected {expected!r}"


PLACE_CASES = [(name, row, end, where) for name, spec in FILES.items() for row, ends in spec.get("places", {}).items()
               for end, where in ends.items()]


@pytest.fixture(scope="module")
def located_cache():
    return {}


@pytest.mark.parametrize(("name", "row", "end", "where"), PLACE_CASES, ids=[f"{n}:row{r}:{e}" for n, r, e, _ in PLACE_CASES])
def test_end_is_placed(scratch, located_cache, name, row, end, where):
    from flightmap.routes import locate

    spec = FILES[name]
    result = landed(scratch, name)
    if name not in located_cache:
        located_cache[name] = locate(result.after)
    located = located_cache[name]
    frame = getattr(located, spec["table"])
    new_ids = list(result.new_rows(spec["table"])["id"])
    record = frame.set_index("id").loc[new_ids[int(row) - 2]]
    if "name" in where:
        assert record[f"{end}_name"] == where["name"]
    if "lat" in where:
        lat_column, lon_column = ("lat", "lon") if end == "place" else (f"{end}_lat", f"{end}_lon")
        assert record[lat_column] == pytest.approx(where["lat"], abs=1e-3) and record[lon_column] == pytest.approx(where["lon"], abs=1e-3)
    if "method" in where:
        assert record[f"{end}_method"] == where["method"]
    assert record[f"{end}_status"] == where["status"]


@pytest.mark.parametrize("name", [n for n, s in FILES.items() if "new_sources" in s])
def test_new_sources_are_exactly_those_named(scratch, name):
    result = landed(scratch, name)
    new = result.new_sources()
    expected = FILES[name]["new_sources"]
    assert len(new) == len(expected), f"new sources: {new[['id', 'title', 'url']].values.tolist()}"
    for source in expected:
        match = new
        for column, value in source.items():
            match = match[match[column] == value]
        assert len(match) == 1, f"no new source with {source}: {new[['id', 'title', 'url']].values.tolist()}"


# ----------------------------------------------------------------------------- focused checks

def test_existing_sources_csv_lines_are_kept_byte_for_byte(scratch):
    result = landed(scratch, "sources_mixtes.csv")
    before = (PROJECT / "data" / "sources.csv").read_text(encoding="utf-8")
    after = (result.folder / "sources.csv").read_text(encoding="utf-8")
    assert after.startswith(before) and after != before


def test_a_free_text_source_repeated_in_the_file_becomes_one_source(scratch):
    result = landed(scratch, "sources_mixtes.csv")
    assert (result.after.sources["title"] == "RFI").sum() == 1
    rows = result.new_rows("flights")
    assert sum("rfi" in ids for ids in rows["source_ids"]) == 3  # rows 3, 4 and 10 of the file
    assert [list(ids) for ids in rows["source_ids"]].count(["rfi"]) == 2


def test_sources_matched_by_url_title_or_publisher_are_reused_not_added(scratch):
    result = landed(scratch, "sources_mixtes.csv")
    added = result.new_sources()
    assert "https://en.wikipedia.org/wiki/Kidal_offensive" not in set(added["url"])
    assert not set(added["title"]) & {"Kidal offensive", "bnnbreaking.com", "https://en.wikipedia.org/wiki/Kidal_offensive"}


def test_a_new_url_source_keeps_the_url(scratch):
    result = landed(scratch, "sources_mixtes.csv")
    url = "https://www.rfi.fr/fr/afrique/20231020-synthetic-test-file"
    (source,) = result.new_sources()[lambda s: s["url"] == url].to_dict("records")
    assert source["title"]  # the text, or a title made from it: never empty


@pytest.mark.parametrize("name", ["coordonnees_piste.csv", "coordonnees_dms.csv"])
def test_flight_ends_with_coordinates_are_never_unresolved(scratch, name):
    from flightmap.routes import locate

    located = locate(landed(scratch, name).after)
    flagged = " ".join(p.message for p in (*located.unresolved, *located.to_check))
    for written in FILES[name]["not_unresolved"]:
        assert written not in flagged


def test_negative_decimal_comma_longitude_is_a_number_not_a_formula(scratch):
    result = imported(scratch, "evenements_fr.csv")
    assert "formula" not in result.err
    rows = landed(scratch, "evenements_fr.csv").new_rows("events")
    assert rows.loc[rows["place"] == "Bamako", "lon"].tolist() == [pytest.approx(-8.0029)]


def test_offset_date_times_are_stored_in_utc_even_across_midnight(scratch):
    rows = landed(scratch, "api_flights_list.json").new_rows("flights")
    assert [stored(v) for v in rows["date_start"]] == ["2023-11-18", "2023-11-19"]
    assert [str(v)[:5] for v in rows["departure_time"]] == ["08:30", "23:30"]


def test_epoch_seconds_are_utc_dates_for_events(scratch):
    rows = landed(scratch, "observations_unix_time.csv").new_rows("events")
    assert [stored(v) for v in rows["date_start"]] == ["2023-11-18", "2023-12-02"]


def test_callsign_is_kept_without_a_registration(scratch):
    rows = landed(scratch, "callsigns_only.csv").new_rows("flights")
    assert rows["callsign"].tolist() == ["TST201", "TST202"] and (rows["registration"] == "").all()


def test_an_em_dash_is_an_empty_value_not_a_callsign_or_time(scratch):
    rows = landed(scratch, "fr24_5U-MBH_history.csv").new_rows("flights")
    for column in ("callsign", "departure_time", "arrival_time", "aircraft_type", "registration"):
        assert not rows[column].astype(str).str.contains("—").any(), column


def test_aircraft_column_is_never_stored_as_a_registration_with_brackets(scratch):
    rows = landed(scratch, "aircraft_forms.csv").new_rows("flights")
    assert not rows["registration"].str.contains(r"[()\s]").any()


def test_new_flight_columns_are_written_to_flights_csv(scratch):
    result = landed(scratch, "fr24_5U-MBH_history.csv")
    header = (result.folder / "flights.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"departure_time", "arrival_time", "callsign"} <= set(header)


def test_the_second_sheet_of_a_workbook_is_left_alone_and_said_so(scratch):
    result = landed(scratch, "vols_5U-MBH.xlsx")
    assert "'Vols'" in result.out and "left alone" in result.out


# ----------------------------------------------------------------------------- ambiguous dates

AMBIGUOUS = "dates_ambigues.csv"


def test_ambiguous_dates_are_refused_without_a_choice_and_nothing_is_written(dataset_dir):
    before = fingerprint(dataset_dir)
    code, out, err = run("import", CORPUS / AMBIGUOUS, dataset_dir, [])
    assert code == 1
    assert "'Date'" in err, err
    assert re.search(r"day[- ]?first", err, re.I) and re.search(r"month[- ]?first", err, re.I), err
    assert fingerprint(dataset_dir) == before


def test_ambiguous_dates_validate_refused_without_a_choice(dataset_dir):
    code, out, err = run("validate", CORPUS / AMBIGUOUS, dataset_dir, [])
    assert code == 1 and "'Date'" in err and re.search(r"day[- ]?first", err, re.I)


@pytest.mark.parametrize("flag", ["--dayfirst", "--monthfirst"])
def test_ambiguous_dates_are_read_as_the_flag_says(scratch, flag):
    rows = landed(scratch, AMBIGUOUS, [flag]).new_rows("flights")
    expected = FILES[AMBIGUOUS][flag.lstrip("-")]["date_start"]
    assert [stored(v) for v in rows["date_start"]] == expected
    assert [stored(v) for v in rows["date_end"]] == expected


def test_dayfirst_and_monthfirst_give_different_dates(scratch):
    day = landed(scratch, AMBIGUOUS, ["--dayfirst"]).new_rows("flights")["date_start"].tolist()
    month = landed(scratch, AMBIGUOUS, ["--monthfirst"]).new_rows("flights")["date_start"].tolist()
    assert day != month and len(day) == len(month) == 3


def test_an_unambiguous_column_is_not_read_against_its_evidence_by_a_flag(scratch):
    # 23/09/2023 reads only day first: --monthfirst cannot make it month 23.
    result = imported(scratch, "dates_jour_mois.csv", ["--monthfirst"])
    if result.code == 0:
        assert [stored(v) for v in result.new_rows("flights")["date_start"]][0] == "2023-09-23"
    else:
        assert "23/09/2023" in result.err


# ----------------------------------------------------------------------------- validate

def test_validate_takes_the_import_options_and_writes_nothing(dataset_dir):
    before = fingerprint(dataset_dir)
    code, out, err = run("validate", CORPUS / "fr24_5U-MBH_history.csv", dataset_dir, FILES["fr24_5U-MBH_history.csv"]["args"])
    assert code == 0, err
    assert re.search(r"valid\b.*\b6\b", out), out
    assert fingerprint(dataset_dir) == before


def test_validate_without_one_value_for_every_row_names_the_missing_columns(dataset_dir):
    code, out, err = run("validate", CORPUS / "fr24_5U-MBH_history.csv", dataset_dir, [])
    assert code == 1
    assert "'confidence'" in err and "'source_ids'" in err
    assert "fr24_5U-MBH_history.csv" in err


def test_map_names_a_column_of_the_file(dataset_dir):
    code, out, err = run("validate", CORPUS / "tableur_minimal.csv", dataset_dir,
                         ["--set", "confidence=reported", "--set", "source_ids=research-notes", "--map", "Nowhere=summary"])
    assert code == 1 and "Nowhere" in err


# ----------------------------------------------------------------------------- the corpus itself

def test_the_corpus_has_at_least_15_files_each_in_the_manifest():
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx", ".json") and p.name != "manifest.json")
    assert len(files) >= 15
    assert sorted(FILES) == files


@pytest.mark.parametrize("name", list(FILES))
def test_every_corpus_file_is_marked_synthetic(name):
    path = CORPUS / name
    if path.suffix == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True)
        text = " ".join(str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v)
    else:
        text = path.read_text(encoding="utf-8-sig")
    assert "SYNTHETIC test file" in text


def test_workbooks_hold_real_date_and_datetime_cells():
    import openpyxl

    vols = openpyxl.load_workbook(CORPUS / "vols_5U-MBH.xlsx").worksheets[0]
    dates = [row[0] for row in vols.iter_rows(min_row=2)]
    assert dates and all(cell.is_date and cell.value.time() == dt.time(0, 0) for cell in dates)
    log = openpyxl.load_workbook(CORPUS / "adsb_log.xlsx").worksheets[0]
    times = [row[0] for row in log.iter_rows(min_row=2)]
    assert times and all(cell.is_date and cell.value.time() != dt.time(0, 0) for cell in times)


def test_workbooks_are_what_build_py_writes():
    done = subprocess.run([sys.executable, str(CORPUS / "build.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
