"""Tracks kept with a dataset (issue 17): tracks.csv and tracks/<id>.csv written, saved atomically,
loaded back unchanged, and every broken case named by file, row and column (loader and validate).

The track is the SYNTHETIC one of tests/data/tracks/ (made-up aircraft TZ-TST, 0a1b2c).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flightmap import schema, trackstore
from flightmap.loader import DataValidationError, load_dataset
from flightmap.saving import save_tables
from flightmap.tracks import read_track
from tests.conftest import DEFAULT_DATA, edit_csv

TRACKS = Path(__file__).resolve().parent / "data" / "tracks"


def synthetic(name: str = "synthetic_gx_track.kml"):
    return read_track((TRACKS / name).read_bytes(), name)


def add_track(folder: Path, name: str = "synthetic_gx_track.kml", track_id: str = "0a1b2c-2023-03-14", **cells) -> dict:
    track = synthetic(name)
    times = track.points["time"].dropna()
    row = {"id": track_id, "registration": track.registration, "hex": track.hex, "callsign": track.callsign,
           "first_time": trackstore.utc_text(times.iloc[:1])[0] if len(times) else "",
           "last_time": trackstore.utc_text(times.iloc[-1:])[0] if len(times) else "",
           "points": str(len(track.points)), "source_ids": "research-notes", "confidence": "reported", "flight_ids": "loop-1",
           "notes": "SYNTHETIC test track", **cells}
    current = (folder / "tracks.csv").read_text() if (folder / "tracks.csv").exists() else None
    save_tables(folder, {trackstore.track_path(track_id): trackstore.points_text(track.points, track.breaks),
                         "tracks.csv": trackstore.index_text(current, row)})
    return row


def problems(folder: Path) -> list:
    with pytest.raises(DataValidationError) as caught:
        load_dataset(folder)
    return caught.value.problems


def test_the_shipped_dataset_has_no_track():
    dataset = load_dataset(DEFAULT_DATA)
    assert not (DEFAULT_DATA / "tracks.csv").exists() and not (DEFAULT_DATA / "tracks").exists()
    assert dataset.tracks.empty and dataset.track_points.empty
    assert list(dataset.tracks.columns) == schema.TRACKS.column_names
    assert list(dataset.track_points.columns) == trackstore.POINT_COLUMNS


@pytest.mark.parametrize("name", ["synthetic_gx_track.kml", "synthetic_trace_full_0a1b2c.json", "synthetic_track.gpx", "synthetic_linestring.kml",
                                  "synthetic_multilinestring.geojson"])
def test_a_track_saved_loads_back_as_read(dataset_dir, name):
    track = synthetic(name)
    add_track(dataset_dir, name)
    dataset = load_dataset(dataset_dir)
    assert len(dataset.tracks) == 1
    row = dataset.tracks.iloc[0]
    assert row["id"] == "0a1b2c-2023-03-14" and row["points"] == len(track.points) and row["flight_ids"] == ("loop-1",)
    points = dataset.track_points
    assert len(points) == len(track.points) and set(points["track_id"]) == {"0a1b2c-2023-03-14"}
    np.testing.assert_allclose(points["lat"], track.points["lat"], atol=1e-6)
    np.testing.assert_allclose(points["lon"], track.points["lon"], atol=1e-6)
    np.testing.assert_allclose(points["altitude_ft"], track.points["altitude_ft"].round(), atol=1e-9)
    np.testing.assert_allclose(points["speed_kt"], track.points["speed_kt"], atol=0.05)
    assert points["time"].equals(track.points["time"]) or (points["time"].isna().all() and track.points["time"].isna().all())
    assert points["on_ground"].fillna(False).tolist() == track.points["on_ground"].fillna(False).tolist()
    # the file's own lines (MultiLineString parts) survive as segments
    assert (np.flatnonzero(np.diff(points["segment"])) + 1).tolist() == list(track.breaks)


def test_the_track_file_is_readable_csv(dataset_dir):
    add_track(dataset_dir)
    lines = (dataset_dir / "tracks" / "0a1b2c-2023-03-14.csv").read_text().splitlines()
    assert lines[0] == ",".join(trackstore.FILE_COLUMNS)
    assert lines[1].startswith("2023-03-14T08:00:00Z,12.5335,-7.9499,")


def test_a_second_save_keeps_a_backup_in_backups_tracks(dataset_dir):
    add_track(dataset_dir)
    text = (dataset_dir / "tracks" / "0a1b2c-2023-03-14.csv").read_text()
    backups = save_tables(dataset_dir, {"tracks/0a1b2c-2023-03-14.csv": text})
    assert [b.parent.name for b in backups] == ["tracks"] and backups[0].parent.parent.name == "backups"
    assert not list((dataset_dir / "tracks").glob(".*.tmp"))


@pytest.mark.parametrize("name", ["places/x.csv", "tracks/../flights.csv", "tracks/.hidden.csv", "tracks/a/b.csv", "tracks/x.txt"])
def test_only_plain_track_file_names_are_saved(dataset_dir, name):
    with pytest.raises(ValueError):
        save_tables(dataset_dir, {name: "a\n"})


def _edit_track_file(folder: Path, row: int, column: str, value: str) -> None:
    edit_csv(folder / "tracks" / "0a1b2c-2023-03-14.csv", row, column, value)


@pytest.mark.parametrize("change, file, row, column, words", [
    (lambda d: edit_csv(d / "tracks.csv", 2, "source_ids", "no-such-source"), "data/tracks.csv", 2, "source_ids", "unknown source id 'no-such-source'"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "flight_ids", "loop-1;loop-9"), "data/tracks.csv", 2, "flight_ids", "unknown flight id 'loop-9'"),
    (lambda d: (d / "tracks" / "0a1b2c-2023-03-14.csv").unlink(), "data/tracks.csv", 2, "id", "tracks/0a1b2c-2023-03-14.csv does not exist"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "id", "../flights"), "data/tracks.csv", 2, "id", "is not a short id"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "hex", "0A1B2G"), "data/tracks.csv", 2, "hex", "is not six lower-case hex digits"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "first_time", "2023-03-14 08:00"), "data/tracks.csv", 2, "first_time", "is not a UTC time"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "points", "14"), "data/tracks.csv", 2, "points", "says 14 but tracks/0a1b2c-2023-03-14.csv has 15 points"),
    (lambda d: edit_csv(d / "tracks.csv", 2, "last_time", "2023-03-14T09:40:00Z"), "data/tracks.csv", 2, "last_time", "last point is at 2023-03-14T09:50:00Z"),
    (lambda d: _edit_track_file(d, 5, "time_utc", "2023-03-14T07:00:00Z"), "data/tracks/0a1b2c-2023-03-14.csv", 5, "time_utc", "the time goes backwards"),
    (lambda d: _edit_track_file(d, 4, "lat", "95"), "data/tracks/0a1b2c-2023-03-14.csv", 4, "lat", "95 is outside -90 to 90"),
    (lambda d: _edit_track_file(d, 4, "lon", "east"), "data/tracks/0a1b2c-2023-03-14.csv", 4, "lon", "'east' is not a number"),
    (lambda d: _edit_track_file(d, 6, "on_ground", "yes"), "data/tracks/0a1b2c-2023-03-14.csv", 6, "on_ground", "is not true or false"),
    (lambda d: _edit_track_file(d, 3, "time_utc", ""), "data/tracks/0a1b2c-2023-03-14.csv", 3, "time_utc", "empty while other points have times"),
])
def test_a_broken_track_is_named_by_file_row_and_column(dataset_dir, change, file, row, column, words):
    add_track(dataset_dir)
    change(dataset_dir)
    found = problems(dataset_dir)
    assert any(p.file == file and p.row == row and p.column == column and words in p.message for p in found), [str(p) for p in found]


def test_validate_names_the_problem(dataset_dir, capsys):
    import app

    add_track(dataset_dir)
    assert app.main(["validate", str(dataset_dir)]) == 0
    assert "1 track(s) of 15 points" in capsys.readouterr().out
    _edit_track_file(dataset_dir, 4, "lat", "95")
    assert app.main(["validate", str(dataset_dir)]) == 1
    assert "data/tracks/0a1b2c-2023-03-14.csv, row 4, column 'lat': latitude" not in (err := capsys.readouterr().err)
    assert "data/tracks/0a1b2c-2023-03-14.csv, row 4, column 'lat': 95 is outside -90 to 90" in err


def test_a_track_without_times_has_no_first_or_last_time(dataset_dir):
    add_track(dataset_dir, "synthetic_linestring.kml")
    dataset = load_dataset(dataset_dir)
    assert pd.isna(dataset.tracks.iloc[0]["first_time"]) and dataset.track_points["time"].isna().all()


def test_suggested_ids_are_file_names_and_unique():
    first = pd.Timestamp("2023-03-14T08:00:00Z")
    assert trackstore.suggested_id("0a1b2c", "TZ-TST", "", first, []) == "0a1b2c-2023-03-14"
    assert trackstore.suggested_id("", "TZ/TST", "", first, ["tz-tst-2023-03-14"]) == "tz-tst-2023-03-14-2"
    assert trackstore.suggested_id("", "", "", None, []) == "track"


@pytest.mark.parametrize("name", ["synthetic_trace_full_0a1b2c.json", "synthetic_linestring.kml", "synthetic_multilinestring.geojson",
                                  "synthetic_site_TST101.csv"])
def test_the_fast_reader_and_the_cell_by_cell_checks_agree(tmp_path, name):
    track = synthetic(name)
    path = tmp_path / "t.csv"
    path.write_text(trackstore.points_text(track.points, track.breaks))
    fast = trackstore._read_well_formed(path)
    checked, found = trackstore._read_checked(path, "t.csv")
    assert fast is not None and found == []
    pd.testing.assert_frame_equal(fast, checked)


def test_numbers_are_written_without_exponents_or_trailing_zeros():
    assert trackstore._numbers([0.00001, -0.0000001, 12.5, 1247.0, float("nan"), 3.1234567], 6) == ["0.00001", "0", "12.5", "1247", "", "3.123457"]
    assert trackstore.utc_text(pd.Series(pd.to_datetime(["2023-03-14T08:00:00.25Z", None], utc=True))) == ["2023-03-14T08:00:00.25Z", ""]
