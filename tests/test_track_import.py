"""Importing a flown track (issue 17): recognised by its format through the tables' import path
(importer / `app.py import`), previewed, checked, and merged atomically with nothing lost.
Tracks are the SYNTHETIC files of tests/data/tracks/; tables the analyst files of tests/data/analyst_files/.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import app
from flightmap import importer
from flightmap.loader import DataValidationError, load_dataset

HERE = Path(__file__).resolve().parent / "data"
TRACK_FILES = sorted(p for p in (HERE / "tracks").glob("synthetic_*") if "_bad_" not in p.name and "not_a_track" not in p.name)
TABLE_FILES = sorted(p for p in (HERE / "analyst_files").iterdir() if p.suffix in (".csv", ".json", ".xlsx") and p.name != "manifest.json")
GOOD = {"source_ids": "research-notes", "confidence": "reported"}


@pytest.mark.parametrize("path", TRACK_FILES, ids=lambda p: p.name)
def test_a_track_file_is_recognised_by_its_format(path):
    assert importer.is_track_file(path.read_bytes(), path.name)


@pytest.mark.parametrize("path", TABLE_FILES, ids=lambda p: p.name)
def test_a_table_is_not_taken_for_a_track(path):
    assert not importer.is_track_file(path.read_bytes(), path.name)


def test_broken_track_files_are_still_tracks_and_say_why():
    for name in ("synthetic_bad_backwards.gpx", "synthetic_bad_lat95.csv", "synthetic_bad_no_points.kml"):
        content = (HERE / "tracks" / name).read_bytes()
        assert importer.is_track_file(content, name)
        with pytest.raises(DataValidationError):
            importer.prepare_track(content, name, load_dataset(HERE.parent.parent / "data"))


def test_the_preview_line_names_points_times_and_aircraft(dataset_dir):
    path = HERE / "tracks" / "synthetic_trace_full_0a1b2c.json"
    preview = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir), GOOD)
    assert preview.ok
    line = preview.line()
    for words in ("15 points", "2023-03-14 08:00:00 to 2023-03-14 09:50:00 UTC", "registration TZ-TST", "hex 0a1b2c", "tracks/0a1b2c-2023-03-14.csv"):
        assert words in line, line


@pytest.mark.parametrize("constants, column, words", [
    ({}, "source_ids", "is empty but required"),
    ({"source_ids": "no-such", "confidence": "reported"}, "source_ids", "unknown source id 'no-such'"),
    ({**GOOD, "confidence": "sure"}, "confidence", "is not an allowed value"),
    ({**GOOD, "flight_ids": "loop-9"}, "flight_ids", "unknown flight id 'loop-9'"),
    ({**GOOD, "id": "../x"}, "id", "is not a short id"),
    ({**GOOD, "colour": "red"}, "colour", "is not a column of tracks.csv"),
])
def test_the_row_is_checked_before_merge(dataset_dir, constants, column, words):
    path = HERE / "tracks" / "synthetic_gx_track.kml"
    preview = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir), constants)
    assert not preview.ok
    assert any(p.column == column and words in p.message and p.file == path.name for p in preview.problems), [str(p) for p in preview.problems]
    with pytest.raises(DataValidationError):
        importer.merge(dataset_dir, preview)
    assert not (dataset_dir / "tracks.csv").exists() and not (dataset_dir / "tracks").exists()


def test_merge_writes_the_track_and_its_row_and_refuses_it_twice(dataset_dir):
    path = HERE / "tracks" / "synthetic_track.gpx"
    before = {p.name: p.read_bytes() for p in dataset_dir.glob("*.csv")}
    preview = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir), {**GOOD, "flight_ids": "loop-1"})
    texts, backups = importer.merge(dataset_dir, preview)
    assert list(texts) == ["tracks/track-2023-03-14.csv", "tracks.csv"] and backups == []
    assert {p.name: p.read_bytes() for p in dataset_dir.glob("*.csv") if p.name != "tracks.csv"} == before  # the tables are untouched
    dataset = load_dataset(dataset_dir)
    np.testing.assert_allclose(dataset.track_points["lat"], preview.track.points["lat"], atol=1e-6)
    again = importer.prepare_track(path.read_bytes(), path.name, dataset, GOOD)
    assert any("already holds this track" in p.message for p in again.problems)
    assert again.row["id"] == "track-2023-03-14-2"  # the id is never reused (a GPX file does not name the aircraft)


def test_cli_import_and_validate_a_track(dataset_dir, capsys):
    path = HERE / "tracks" / "synthetic_opensky_0a1b2c.csv"
    assert app.main(["import", str(path), "--data", str(dataset_dir)]) == 1
    out = capsys.readouterr()
    assert "Nothing was written" in out.err and "column 'source_ids': is empty but required" in out.err
    assert not (dataset_dir / "tracks.csv").exists()
    assert app.main(["validate", str(path), "--data", str(dataset_dir), "--set", "source_ids=research-notes", "--set", "confidence=probable"]) == 0
    assert "valid — track '0a1b2c-2023-03-14' (15 points)" in capsys.readouterr().out
    assert app.main(["import", str(path), "--data", str(dataset_dir), "--set", "source=research-notes", "--set", "confidence=probable"]) == 0
    out = capsys.readouterr().out
    assert "OpenSky state vectors, 15 points" in out and "Added track '0a1b2c-2023-03-14' (15 points)" in out
    assert load_dataset(dataset_dir).tracks.iloc[0]["confidence"] == "probable"


def test_a_source_named_not_given_by_id_is_found_or_added_as_in_a_table_import(dataset_dir, capsys):
    path = HERE / "tracks" / "synthetic_opensky_0a1b2c.csv"
    known = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir),
                                   {"source_ids": "Research notes: what is documented, and by whom", "confidence": "reported"})
    assert known.ok and known.row["source_ids"] == "research-notes" and not len(known.new_sources)
    sources_before = (dataset_dir / "sources.csv").read_text()
    assert app.main(["import", str(path), "--data", str(dataset_dir), "--set", "source_ids=ADS-B Exchange", "--set", "confidence=reported"]) == 0
    out = capsys.readouterr().out
    assert "'ADS-B Exchange' → ads-b-exchange" in out and "Added track '0a1b2c-2023-03-14'" in out
    dataset = load_dataset(dataset_dir)
    source = dataset.sources.set_index("id").loc["ads-b-exchange"]
    assert source["title"] == "ADS-B Exchange" and source["publisher"] == "ADS-B Exchange" and "check the title" in source["notes"]
    assert list(dataset.tracks.iloc[0]["source_ids"]) == ["ads-b-exchange"]
    assert (dataset_dir / "sources.csv").read_text().startswith(sources_before)  # appended, nothing lost


# ----------------------------------------------------------------------------- legs derived from a track

@pytest.mark.parametrize("name, departure, arrival", [
    ("synthetic_trace_full_0a1b2c.json", "08:03", "09:48"),  # on_ground flags: the first airborne and the first ground point
    ("synthetic_opensky_0a1b2c.csv", "08:03", "09:48"),
    ("synthetic_points.geojson", "08:03", "09:48"),
    ("synthetic_site_TST101.csv", "08:01", "09:50"),  # speed only: the take-off roll (115 kt) already counts as airborne
])
def test_the_leg_flown_is_found_with_its_airports(name, departure, arrival):
    from flightmap.legs import proposed_flights
    from flightmap.tracks import read_track

    track = read_track((HERE / "tracks" / name).read_bytes(), name)
    legs = proposed_flights(track, "t", "research-notes", "reported")
    assert len(legs) == 1
    leg = legs[0]
    assert (leg["origin"], leg["destination"], leg["departure_time"], leg["arrival_time"]) == ("GABS", "GAGO", departure, arrival)
    assert leg["kind"] == "dated" and leg["date_start"] == "2023-03-14" and leg["summary"].startswith("Derived from track t:")


def test_no_leg_from_a_track_that_says_nothing_of_the_ground():
    from flightmap.legs import find_legs
    from flightmap.tracks import read_track

    track = read_track((HERE / "tracks" / "synthetic_gx_track.kml").read_bytes(), "synthetic_gx_track.kml")
    assert find_legs(track.points) == []


def test_a_track_cut_in_the_air_gives_a_leg_with_an_unknown_end():
    from flightmap.legs import proposed_flights
    from flightmap.tracks import read_track

    track = read_track((HERE / "tracks" / "synthetic_trace_full_0a1b2c.json").read_bytes(), "x.json")
    cut = type(track)(**{**track.__dict__, "points": track.points.iloc[:10].reset_index(drop=True)})
    (leg,) = proposed_flights(cut, "t", "s", "reported")
    assert leg["origin"] == "GABS" and leg["destination"] == "" and leg["arrival_time"] == ""
    assert "landing not in the track (it ends in the air)" in leg["summary"]


def test_confirmed_legs_join_flights_csv_linked_to_the_track(dataset_dir, capsys):
    path = HERE / "tracks" / "synthetic_trace_full_0a1b2c.json"
    assert app.main(["import", str(path), "--data", str(dataset_dir), "--set", "source_ids=research-notes", "--set", "confidence=reported",
                     "--set", "legs=2"]) == 1
    assert "'2' is not the number of a proposed leg (1 to 1)" in capsys.readouterr().err
    assert app.main(["import", str(path), "--data", str(dataset_dir), "--set", "source_ids=research-notes", "--set", "confidence=reported"]) == 0
    assert "leg 1: 2023-03-14 08:03–09:48 UTC, GABS → GAGO (as flight 0a1b2c-2023-03-14-leg-1): proposed" in capsys.readouterr().out
    dataset = load_dataset(dataset_dir)
    assert len(dataset.flights) == 8  # proposed only: nothing joins flights.csv unconfirmed
    (dataset_dir / "tracks.csv").unlink()
    for leftover in (dataset_dir / "tracks").iterdir():
        leftover.unlink()
    assert app.main(["import", str(path), "--data", str(dataset_dir), "--set", "source_ids=research-notes", "--set", "confidence=reported",
                     "--set", "legs=all"]) == 0
    dataset = load_dataset(dataset_dir)
    leg = dataset.flights[dataset.flights["id"] == "0a1b2c-2023-03-14-leg-1"].iloc[0]
    assert leg["kind"] == "dated" and leg["departure_time"] == "08:03" and leg["source_ids"] == ("research-notes",)
    assert dataset.tracks.iloc[0]["flight_ids"] == ("0a1b2c-2023-03-14-leg-1",)
