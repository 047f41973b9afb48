"""The loader on the shipped data and on each kind of bad data: one error naming file, row, column."""
from __future__ import annotations

import pandas as pd
import pytest

from flightmap.loader import DataValidationError, load_dataset
from tests.conftest import DEFAULT_DATA, edit_csv


def problems_of(folder) -> list:
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    return caught.value.problems


def only_problem(folder):
    problems = problems_of(folder)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_default_dataset_loads_typed():
    data = load_dataset(DEFAULT_DATA)
    assert len(data.flights) >= 8 and len(data.events) >= 20
    assert pd.api.types.is_datetime64_any_dtype(data.flights["date_start"])
    loop = data.flights[data.flights["registration"] == "5U-MBH"]
    # The loop is a reported pattern over a range, never dated flights.
    assert set(loop["kind"]) == {"pattern"} and set(loop["date_precision"]) == {"range"}
    assert loop["flights_count"].isna().all()
    assert (loop["date_start"] == "2023-08-20").all() and (loop["date_end"] == "2024-03-22").all()


def test_every_record_cites_a_known_source():
    data = load_dataset(DEFAULT_DATA)
    known = set(data.sources["id"])
    for table in (data.flights, data.events):
        assert table["source_ids"].map(len).gt(0).all()
        assert set().union(*table["source_ids"]) <= known


def test_disputed_records_carry_a_conflict_note():
    data = load_dataset(DEFAULT_DATA)
    for table in (data.flights, data.events):
        disputed = table[table["confidence"] == "disputed"]
        assert not disputed.empty
        assert (disputed["conflict_note"] != "").all()


def test_registration_is_normalised_on_load(dataset_dir):
    data = load_dataset(dataset_dir)
    assert "5UMBH" not in set(data.flights["registration"])
    assert "5U-MBH" in set(data.flights["registration"])


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "says"),
    [
        ("flights.csv", 3, "date_start", "2023/08/20", "is not a date in the form YYYY-MM-DD"),
        ("flights.csv", 3, "date_start", "2023-02-30", "is not a real calendar date"),
        ("flights.csv", 2, "date_end", "2023-01-01", "is before date_start"),
        ("flights.csv", 4, "kind", "rumour", "is not an allowed value"),
        ("flights.csv", 4, "confidence", "", "is empty but required"),
        ("flights.csv", 5, "flights_count", "two", "is not a whole number"),
        ("flights.csv", 5, "source_ids", "bnn-2024-03-22;nowhere", "unknown source id 'nowhere'"),
        ("flights.csv", 3, "id", "loop-1", "repeats the id of row 2"),
        ("places.csv", 7, "lat", "123", "is outside -90..90"),
        ("events.csv", 6, "category", "rumour", "is not an allowed value"),
        ("sources.csv", 2, "url", "javascript:alert(1)", "is not an http(s) address"),
        ("sources.csv", 2, "published", "March 2024", "is not a date in the form YYYY"),
        ("sources.csv", 2, "file", "sources/missing.txt", "does not exist"),
        ("sources.csv", 2, "file", "../../etc/passwd", "outside the dataset folder"),
        ("places.csv", 2, "icao", "", "neither an ICAO code nor coordinates"),
        ("events.csv", 8, "conflict_note", "", "is empty on a disputed record"),
    ],
)
def test_bad_cell_names_file_row_and_column(dataset_dir, table, row, column, value, says):
    edit_csv(dataset_dir / table, row, column, value)
    problem = only_problem(dataset_dir)
    assert (problem.file, problem.row, problem.column) == (f"data/{table}", row, column)
    assert says in problem.message
    assert problem.hint or "outside" in problem.message or "does not exist" in problem.message
    text = str(problem)
    assert f"data/{table}, row {row}, column '{column}'" in text


def test_half_a_coordinate_pair_names_the_missing_half(dataset_dir):
    edit_csv(dataset_dir / "events.csv", 2, "lon", "8.1")
    problem = only_problem(dataset_dir)
    assert (problem.row, problem.column, problem.message) == (2, "lat", "is empty while its pair is given")


def test_unknown_column_suggests_the_intended_name(dataset_dir):
    path = dataset_dir / "flights.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("destination,", "destinaton,", 1), encoding="utf-8")
    problems = problems_of(dataset_dir)
    assert any(p.column == "destinaton" and p.row == 1 and "rename it to 'destination'" in p.hint for p in problems)


def test_missing_required_column(dataset_dir):
    path = dataset_dir / "events.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["title"])
    frame.to_csv(path, index=False)
    problem = only_problem(dataset_dir)
    assert (problem.column, problem.message) == ("title", "required column is missing")


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "the file is empty"), ("id,title\n\xe9".encode("latin-1"), "not UTF-8")],
)
def test_unreadable_files(dataset_dir, content, says):
    (dataset_dir / "sources.csv").write_bytes(content)
    assert any(says in p.message and p.file == "data/sources.csv" for p in problems_of(dataset_dir))


def test_missing_file(dataset_dir):
    (dataset_dir / "events.csv").unlink()
    problem = only_problem(dataset_dir)
    assert problem.file == "data/events.csv" and "missing" in problem.message


def test_byte_order_mark_is_accepted(dataset_dir):
    path = dataset_dir / "flights.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_dataset(dataset_dir).flights) == len(load_dataset(DEFAULT_DATA).flights)


def test_all_problems_of_all_tables_come_in_one_error(dataset_dir):
    edit_csv(dataset_dir / "flights.csv", 2, "date_start", "soon")
    edit_csv(dataset_dir / "events.csv", 3, "confidence", "sure")
    problems = problems_of(dataset_dir)
    assert {(p.file, p.row, p.column) for p in problems} == {
        ("data/flights.csv", 2, "date_start"),
        ("data/events.csv", 3, "confidence"),
    }


@pytest.mark.parametrize("column, value, message", [
    ("summary", "-2+3+cmd|' /C calc'!A0", "row 3, column 'summary': '-2+3+cmd|' /C calc'!A0' looks like a spreadsheet formula"),
    ("operator", "@SUM(A1)", "row 3, column 'operator': '@SUM(A1)' looks like a spreadsheet formula"),
    ("registration", "5U-\u202eMBH", "row 3, column 'registration': contains the control character U+202E (right-to-left override) at character 4"),
    ("summary", "bell\x07", "row 3, column 'summary': contains the control character U+0007 (bell) at character 5"),
    ("operator", "two\nlines", "row 3, column 'operator': contains the control character U+000A (newline) at character 4"),
])
def test_the_dataset_files_follow_the_same_cell_rule_as_imports(column, value, message, dataset_dir):
    edit_csv(dataset_dir / "flights.csv", 3, column, value)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(dataset_dir)
    assert message in str(caught.value)


def test_numbers_and_multi_line_notes_stay_valid_in_the_dataset(dataset_dir):
    edit_csv(dataset_dir / "flights.csv", 3, "summary", "first line\n-12.5 on the second\twith a tab")
    edit_csv(dataset_dir / "flights.csv", 4, "conflict_note", "-12.5")
    edit_csv(dataset_dir / "events.csv", 2, "lat", "-12.5")
    edit_csv(dataset_dir / "events.csv", 2, "lon", "-1.5")
    load_dataset(dataset_dir)
