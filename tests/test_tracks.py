"""Reading flown tracks (issue 17, first layer): every format to the same normalised points, the
refusals with file, row or point and column, segments at coverage gaps, and the summary numbers.

The fixtures in tests/data/tracks/ are SYNTHETIC, written by tests/data/tracks/build.py from its
TRUTH list, which these tests compare with.
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import math
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightmap.loader import DataValidationError
from flightmap.tracks import COLUMNS, MAX_POINTS, Track, read_track, split_at_gaps, summary

HERE = Path(__file__).resolve().parent / "data" / "tracks"
_spec = importlib.util.spec_from_file_location("tracks_build", HERE / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
TRUTH = pd.DataFrame(build.TRUTH)
TRUTH_TIMES = pd.Series(pd.to_datetime([p["time"] for p in build.TRUTH], utc=True)).astype("datetime64[ns, UTC]")
GROUND = TRUTH["on_ground"].to_numpy(bool)


def read(name: str) -> Track:
    return read_track((HERE / name).read_bytes(), name)


def problems_of(content: bytes, name: str):
    with pytest.raises(DataValidationError) as caught:
        read_track(content, name)
    return caught.value.problems


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    """Independent of flightmap.tracks: the plain textbook formula, one pair at a time."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_committed_fixtures_are_what_the_generator_writes():
    for name, content in build.build().items():
        assert (HERE / name).read_bytes() == content, f"{name}: run tests/data/tracks/build.py"


# name, format label, has times, carries altitude (and how: 'ft' exact, 'm' via metres), speed, track, on_ground
FORMATS = [
    ("synthetic_linestring.kml", "KML LineString", False, "m", False, False, False),
    ("synthetic_gx_track.kml", "KML gx:Track", True, "m", False, False, False),
    ("synthetic_track.gpx", "GPX", True, "m", False, False, False),
    ("synthetic_linestring.geojson", "GeoJSON LineString", False, "m", False, False, False),
    ("synthetic_multilinestring.geojson", "GeoJSON MultiLineString", False, "m", False, False, False),
    ("synthetic_points.geojson", "GeoJSON Points", True, "ft", True, True, True),
    ("synthetic_trace_full_0a1b2c.json", "tar1090 trace", True, "ground", True, True, True),
    ("synthetic_opensky_0a1b2c.csv", "OpenSky state vectors", True, "m", True, True, True),
    ("synthetic_site_TST101.csv", "flight-tracking site CSV", True, "ft", True, True, False),
]


@pytest.mark.parametrize("name, label, timed, altitude, speed, track, ground", FORMATS, ids=[f[0] for f in FORMATS])
def test_each_format_reads_to_the_same_points(name, label, timed, altitude, speed, track, ground):
    result = read(name)
    points = result.points
    assert result.format == label and result.name == name
    assert list(points.columns) == COLUMNS
    assert str(points["time"].dtype) == "datetime64[ns, UTC]"
    assert all(points[c].dtype == np.float64 for c in ("lat", "lon", "altitude_ft", "speed_kt", "track_deg"))
    assert str(points["on_ground"].dtype) == "boolean"
    assert len(points) == len(TRUTH)
    np.testing.assert_allclose(points["lat"], TRUTH["lat"], atol=1e-9)
    np.testing.assert_allclose(points["lon"], TRUTH["lon"], atol=1e-9)
    if timed:
        pd.testing.assert_series_equal(points["time"], TRUTH_TIMES, check_names=False)
        assert not any("no times" in n for n in result.notices)
    else:
        assert points["time"].isna().all()
        assert any("no times" in n for n in result.notices)
    if altitude == "ground":  # tar1090 writes 'ground' instead of a height on the ground
        assert points["altitude_ft"][GROUND].isna().all()
        np.testing.assert_allclose(points["altitude_ft"][~GROUND], TRUTH["altitude_ft"][~GROUND])
    else:  # metres in the file were rounded to 1 cm, 0.033 ft: 0.05 ft is far tighter than a missed conversion
        np.testing.assert_allclose(points["altitude_ft"], TRUTH["altitude_ft"], atol=0.05 if altitude == "m" else 1e-9)
    for column, carried, tolerance in (("speed_kt", speed, 0.01), ("track_deg", track, 1e-9)):
        if carried:
            np.testing.assert_allclose(points[column], TRUTH[column], atol=tolerance)
        else:
            assert points[column].isna().all()
    if ground:
        assert points["on_ground"].tolist() == TRUTH["on_ground"].tolist()
    else:
        assert points["on_ground"].isna().all()


def test_metres_and_metres_per_second_are_converted_to_feet_and_knots():
    """OpenSky's own cells, converted: velocity m/s x 3600/1852 = knots, baroaltitude m / 0.3048 = feet."""
    raw = pd.read_csv(HERE / "synthetic_opensky_0a1b2c.csv").dropna(subset=["lat"]).reset_index(drop=True)
    result = read("synthetic_opensky_0a1b2c.csv")
    np.testing.assert_allclose(result.points["speed_kt"], raw["velocity"] * 3600 / 1852, rtol=1e-12)
    np.testing.assert_allclose(result.points["altitude_ft"], raw["baroaltitude"] / 0.3048, rtol=1e-12)
    assert result.points["speed_kt"].iloc[5] == pytest.approx(280, abs=0.01)  # 144.04 m/s
    assert result.points["altitude_ft"].iloc[6] == pytest.approx(22000, abs=0.05)  # 6705.6 m, not the geoaltitude 6736.08
    assert any("m/s (velocity) to knots" in n for n in result.notices)
    assert any("metres (baroaltitude) to feet" in n for n in result.notices)
    kml = read("synthetic_gx_track.kml")
    assert kml.points["altitude_ft"].iloc[6] == pytest.approx(6705.6 / 0.3048)
    assert any("metres (gx:coord) to feet" in n for n in kml.notices)


def test_opensky_rows_without_a_position_are_dropped_and_said():
    result = read("synthetic_opensky_0a1b2c.csv")
    assert len(result.points) == len(TRUTH)
    assert any(n.startswith("1 row dropped (row 10)") for n in result.notices)


def test_tar1090_ground_altitude_is_on_ground_with_unknown_height():
    points = read("synthetic_trace_full_0a1b2c.json").points
    assert points["on_ground"].tolist() == [True, True] + [False] * 11 + [True, True]
    assert points["altitude_ft"].isna().tolist() == [True, True] + [False] * 11 + [True, True]


METADATA = {
    "synthetic_linestring.kml": ("TZ-TST", "0a1b2c", "TST101", "C130"),
    "synthetic_gx_track.kml": ("TZ-TST", "0a1b2c", "TST101", "C130"),
    "synthetic_track.gpx": ("", "", "", ""),  # GPX has no aircraft fields
    "synthetic_linestring.geojson": ("TZ-TST", "0a1b2c", "TST101", "C130"),
    "synthetic_multilinestring.geojson": ("TZ-TST", "0a1b2c", "TST101", "C130"),
    "synthetic_points.geojson": ("TZ-TST", "0a1b2c", "TST101", ""),
    "synthetic_trace_full_0a1b2c.json": ("TZ-TST", "0a1b2c", "TST101", "C130"),  # callsign from the first row's details
    "synthetic_opensky_0a1b2c.csv": ("", "0a1b2c", "TST101", ""),  # callsign padded with spaces in the file
    "synthetic_site_TST101.csv": ("", "", "TST101", ""),
}


@pytest.mark.parametrize("name", METADATA)
def test_metadata(name):
    result = read(name)
    assert (result.registration, result.hex, result.callsign, result.aircraft_type) == METADATA[name]
    with pytest.raises(FrozenInstanceError):
        result.callsign = "X"  # type: ignore[misc]


def test_hex_is_lower_case_and_non_icao_addresses_are_not_kept():
    trace = json.loads((HERE / "synthetic_trace_full_0a1b2c.json").read_text())
    assert read_track(json.dumps({**trace, "icao": "0A1B2C"}).encode(), "t.json").hex == "0a1b2c"
    anonymous = read_track(json.dumps({**trace, "icao": "~0a1b2c"}).encode(), "t.json")
    assert anonymous.hex == ""
    assert any("'~0a1b2c' is not an ICAO 24-bit address" in n for n in anonymous.notices)


# --- refusals ----------------------------------------------------------------------------------

def test_times_going_backwards_name_the_point():
    [problem] = problems_of((HERE / "synthetic_bad_backwards.gpx").read_bytes(), "synthetic_bad_backwards.gpx")
    assert (problem.file, problem.row, problem.column) == ("synthetic_bad_backwards.gpx", 5, "time")
    assert "point 5" in problem.message and "goes backwards" in problem.message and "point 4's 2023-03-14 08:06:00" in problem.message


def test_latitude_out_of_range_names_row_and_column():
    [problem] = problems_of((HERE / "synthetic_bad_lat95.csv").read_bytes(), "synthetic_bad_lat95.csv")
    assert (problem.file, problem.row, problem.column) == ("synthetic_bad_lat95.csv", 4, "Position")
    assert "latitude 95 is outside -90 to 90" in problem.message


def test_out_of_range_in_a_point_format_names_the_point():
    text = (HERE / "synthetic_linestring.kml").read_text().replace(f"{TRUTH['lon'][2]},{TRUTH['lat'][2]}", f"{TRUTH['lon'][2]},-95.5")
    [problem] = problems_of(text.encode(), "x.kml")
    assert (problem.row, problem.column) == (3, "coordinates")
    assert problem.message.startswith("point 3: latitude -95.5 is outside")


def test_no_points():
    [problem] = problems_of((HERE / "synthetic_bad_no_points.kml").read_bytes(), "synthetic_bad_no_points.kml")
    assert problem.row is None and problem.message == "the track has no points"


def test_two_separate_lines_are_refused_naming_both():
    [problem] = problems_of((HERE / "synthetic_bad_two_linestrings.kml").read_bytes(), "synthetic_bad_two_linestrings.kml")
    assert "2 separate lines" in problem.message
    assert "'First part'" in problem.message and "'Second part'" in problem.message


def test_a_table_of_flights_is_not_a_track_and_the_message_lists_the_formats_read():
    [problem] = problems_of((HERE / "synthetic_not_a_track.csv").read_bytes(), "synthetic_not_a_track.csv")
    assert problem.row == 1 and "not a track's" in problem.message
    for word in ("KML", "GPX", "GeoJSON", "tar1090", "OpenSky", "Position"):
        assert word in problem.hint


def test_a_bad_number_and_a_missing_time_name_point_and_field():
    trace = json.loads((HERE / "synthetic_trace_full_0a1b2c.json").read_text())
    trace["trace"][3][1] = "north"
    trace["trace"][6][0] = None
    trace["trace"][9][2] = True  # JSON true is not the number 1
    problems = problems_of(json.dumps(trace).encode(), "t.json")
    assert [(p.row, p.column) for p in problems] == [(4, "trace lat"), (7, "trace seconds offset"), (10, "trace lon")]
    assert "'north' is not a number" in problems[0].message and "time is missing" in problems[1].message
    assert "'True' is not a number" in problems[2].message


def test_times_without_a_zone_are_read_as_utc_and_said():
    text = (HERE / "synthetic_track.gpx").read_text().replace("Z</time>", "</time>")
    result = read_track(text.encode(), "naive.gpx")
    pd.testing.assert_series_equal(result.points["time"], TRUTH_TIMES, check_names=False)
    assert f"{len(TRUTH)} times had no time zone and were read as UTC" in result.notices


def test_a_gzipped_trace_is_read():
    content = gzip.compress((HERE / "synthetic_trace_full_0a1b2c.json").read_bytes())
    result = read_track(content, "trace_full_0a1b2c.json.gz")
    assert len(result.points) == len(TRUTH) and "gzip" in result.notices[0]


# --- bounded cost: each refused with a message, never a traceback -------------------------------

def _kml_of(coordinates: str) -> bytes:
    return f'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>{coordinates}</coordinates></LineString></Placemark></kml>'.encode()


HOSTILE = {
    "over 20 MB": (b"time,icao24,lat,lon\n" + b"1678780800,0a1b2c,12.5,-7.9\n" * 800_000, "big.csv", "the limit for a track is 20 MB"),
    "over 500,000 points": (_kml_of("0,0 " * (MAX_POINTS + 1)), "many.kml", "the track has 500,001 points; the limit is 500,000"),
    "deep JSON": (b"[" * 200_000 + b"]" * 200_000, "deep.json", "nested too deeply"),
    "deep XML": (b"<kml>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</kml>", "deep.kml", "nested more than 64 levels"),
    "entity expansion": (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><kml>&b;</kml>',
                         "laughs.kml", "declares a DTD or entities"),
    "malformed XML": (b"<kml><Placemark><LineString><coordinates>1,2</coordinates></Placemark></kml>", "broken.kml", "not well-formed XML"),
    "malformed JSON": (b'{"icao": "0a1b2c", "trace": [[0, 12.5, ', "broken.json", "not valid JSON"),
    "gzip bomb": (gzip.compress(b" " * (30 * 1024 * 1024)), "bomb.json.gz", "unpacks to more than 20 MB"),
    "binary": (bytes(range(256)) * 4, "photo.jpg", "not UTF-8"),
    "empty": (b"   \n", "empty.kml", "the file is empty"),
    "KMZ named .kml": (b"PK\x03\x04" + b"\x00" * 40, "track.kml", "NUL characters"),
    "live aircraft.json": (b'{"now": 1678780800, "aircraft": []}', "aircraft.json", "not one aircraft's track"),
    "several aircraft in OpenSky": (b"time,icao24,lat,lon\n1678780800,0a1b2c,12.5,-7.9\n1678780810,0a1b2d,12.6,-7.8\n",
                                    "two.csv", "the file holds 2 aircraft"),
    "GeoJSON places without times": (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-7.95, 12.53]}, "properties": {"name": "Bamako"}}]}).encode(),
        "places.geojson", "no time property"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_are_refused_with_a_message(case):
    content, name, expected = HOSTILE[case]
    problems = problems_of(content, name)
    assert any(expected in p.message for p in problems), [str(p) for p in problems]
    assert all(p.file == name for p in problems)


def test_many_bad_points_are_listed_up_to_twenty_and_counted():
    problems = problems_of(_kml_of("0,95 " * 50), "lat.kml")
    assert len(problems) == 21 and problems[-1].message == "and 30 more problems like these"


# --- segments and summary ----------------------------------------------------------------------

def test_split_at_gaps_cuts_the_hole_in_coverage():
    points = read("synthetic_gx_track.kml").points
    segments = split_at_gaps(points)
    assert [len(s) for s in segments] == [build.GAP_AFTER + 1, len(TRUTH) - build.GAP_AFTER - 1]
    assert segments[1]["time"].iloc[0] == TRUTH_TIMES[build.GAP_AFTER + 1]
    # the 50-minute hole is the only step over 10 minutes: allowed a longer gap and jump, the track is whole
    assert [len(s) for s in split_at_gaps(points, max_gap_s=3000, max_jump_km=1000)] == [len(TRUTH)]
    # under 5 minutes, the steps of 10, 10 and 6 minutes after 09:20 split too; 08:00-08:25 (steps of 5 min or less) does not
    assert [len(s) for s in split_at_gaps(points, max_gap_s=300, max_jump_km=1000)] == [8, 2, 1, 1, 3]


def test_split_at_gaps_by_time_alone_by_jump_alone_and_at_file_breaks():
    times = pd.to_datetime(["2023-03-14T08:00:00Z", "2023-03-14T08:10:00Z", "2023-03-14T08:20:01Z", "2023-03-14T08:21:00Z"],
                           utc=True).astype("datetime64[ns, UTC]")
    close = pd.DataFrame({"time": times, "lat": [12.5, 12.51, 12.52, 12.53], "lon": [-7.9] * 4})
    assert [len(s) for s in split_at_gaps(close)] == [2, 2]  # 600 s is not a gap; 601 s is
    far = close.assign(time=pd.Series([pd.NaT] * 4, dtype="datetime64[ns, UTC]"), lat=[12.5, 12.6, 15.0, 15.1])  # 267 km between the 2nd and 3rd point
    assert [len(s) for s in split_at_gaps(far)] == [2, 2]
    assert [len(s) for s in split_at_gaps(far, max_jump_km=300)] == [4]
    assert [len(s) for s in split_at_gaps(far, max_jump_km=300, breaks=(1, 3))] == [1, 2, 1]
    assert split_at_gaps(close.iloc[:0]) == []


def test_parts_of_a_multilinestring_stay_apart_even_without_times_or_a_jump():
    result = read("synthetic_multilinestring.geojson")
    assert result.breaks == (build.GAP_AFTER + 1,)
    assert [len(s) for s in split_at_gaps(result.points, max_jump_km=10_000, breaks=result.breaks)] == [8, 7]


def test_summary_numbers():
    result = read("synthetic_trace_full_0a1b2c.json")
    numbers = summary(result)
    truth = build.TRUTH
    within = [i for i in range(len(truth) - 1) if i != build.GAP_AFTER]  # never across the hole
    expected = sum(haversine_km(truth[i]["lat"], truth[i]["lon"], truth[i + 1]["lat"], truth[i + 1]["lon"]) for i in within)
    assert numbers["points"] == 15 and numbers["segments"] == 2
    assert numbers["first_time"] == pd.Timestamp("2023-03-14T08:00Z")
    assert numbers["last_time"] == pd.Timestamp("2023-03-14T09:50Z")
    assert numbers["duration"] == pd.Timedelta(minutes=110)
    assert numbers["distance_km"] == pytest.approx(expected, rel=1e-9)
    # the points lie on the Bamako-Gao great circle: 22 % then 30 % of it is flown in coverage
    whole = haversine_km(*build.GABS, *build.GAGO)
    assert numbers["distance_km"] == pytest.approx(0.52 * whole, rel=1e-3)
    untimed = summary(read("synthetic_linestring.kml"))
    assert untimed["first_time"] is None and untimed["duration"] is None
    assert untimed["distance_km"] == pytest.approx(expected, rel=1e-9)  # the 456 km jump splits it


# --- any bytes: read, or DataValidationError -----------------------------------------------------

NAMES = ["t.kml", "t.gpx", "t.geojson", "t.json", "t.csv", "t.txt", "t"]
FIXTURES = sorted(p.name for p in HERE.glob("synthetic_*"))


def _reads_or_refuses(content: bytes, name: str) -> None:
    try:
        result = read_track(content, name)
    except DataValidationError as exc:
        assert exc.problems and all(p.file == Path(name).name for p in exc.problems)
        return
    assert list(result.points.columns) == COLUMNS and len(result.points) >= 1
    assert result.points["lat"].between(-90, 90).all() and result.points["lon"].between(-180, 180).all()
    times = result.points["time"].dropna()
    assert times.is_monotonic_increasing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2000), name=st.sampled_from(NAMES))
def test_any_bytes_read_or_raise_data_validation_error(content, name):
    _reads_or_refuses(content, name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fixture=st.sampled_from(FIXTURES))
def test_any_edit_of_a_real_file_reads_or_raises_data_validation_error(data, fixture):
    """Random bytes are mostly refused at the first check; edits of the real fixtures reach every reader."""
    content = bytearray((HERE / fixture).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(content)))
        cut = data.draw(st.integers(0, 8))
        content[at:at + cut] = data.draw(st.binary(max_size=8) | st.sampled_from([b"", b"-", b"9e9", b"null", b"[", b"<a>", b",", b'"', b"\n"]))
    _reads_or_refuses(bytes(content), fixture)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
                           max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fixture=st.sampled_from(["synthetic_trace_full_0a1b2c.json", "synthetic_points.geojson",
                                                "synthetic_multilinestring.geojson"]))
def test_any_json_value_anywhere_in_a_track_reads_or_raises_data_validation_error(data, fixture):
    document = json.loads((HERE / fixture).read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        node, key = document, None
        for _depth in range(data.draw(st.integers(0, 5))):  # walk down to a random place
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
            if not children:
                break
            key, child = data.draw(st.sampled_from(children))
            if not isinstance(child, (dict, list)):
                break
            node = child
        value = data.draw(JSON_VALUES)
        if isinstance(node, dict):
            node[key if key in node else data.draw(st.text(max_size=6))] = value
        elif isinstance(node, list) and node:
            node[data.draw(st.integers(0, len(node) - 1))] = value
    _reads_or_refuses(json.dumps(document).encode(), fixture)


# --- parts of one flight in one file, and times in other places ---------------------------------

def _gx_track(points) -> str:
    return ("<gx:Track><altitudeMode>absolute</altitudeMode>" + "".join(f"<when>{build.iso(p['time'])}</when>" for p in points)
            + "".join(f"<gx:coord>{p['lon']} {p['lat']} {build.metres(p['altitude_ft'])}</gx:coord>" for p in points) + "</gx:Track>")


def _line_string(points) -> str:
    return ("<LineString><altitudeMode>absolute</altitudeMode><coordinates>"
            + " ".join(f"{p['lon']},{p['lat']},{build.metres(p['altitude_ft'])}" for p in points) + "</coordinates></LineString>")


def _two_parts(kind: str) -> bytes:
    """The truth cut in two at the hole in coverage, the way each format keeps parts of one flight together."""
    first, second = build.TRUTH[: build.GAP_AFTER + 1], build.TRUTH[build.GAP_AFTER + 1:]
    if kind == "GPX":
        cut = f'<trkpt lat="{second[0]["lat"]}"'
        return (HERE / "synthetic_track.gpx").read_text().replace(cut, "</trkseg><trkseg>" + cut).encode()
    if kind == "KML gx:Track":
        return build._kml(f"<Placemark><gx:MultiTrack>{_gx_track(first)}{_gx_track(second)}</gx:MultiTrack></Placemark>").encode()
    return build._kml(f"<Placemark><MultiGeometry>{_line_string(first)}{_line_string(second)}</MultiGeometry></Placemark>").encode()


@pytest.mark.parametrize("kind", ["GPX", "KML gx:Track", "KML LineString"])
def test_parts_of_one_flight_in_one_file_are_read_and_stay_apart(kind):
    content = _two_parts(kind)
    assert content.count(b"<trkseg>" if kind == "GPX" else b"<gx:Track>" if "gx" in kind else b"<LineString>") == 2
    result = read_track(content, "parts.gpx" if kind == "GPX" else "parts.kml")
    assert result.format == kind
    np.testing.assert_allclose(result.points["lat"], TRUTH["lat"], atol=1e-9)
    assert result.breaks == (build.GAP_AFTER + 1,)
    # with limits that would join the hole, the file's own break still keeps the parts apart
    assert [len(s) for s in split_at_gaps(result.points, 1e9, 1e9)] == [15]
    assert [len(s) for s in split_at_gaps(result.points, 1e9, 1e9, result.breaks)] == [8, 7]
    assert summary(result)["segments"] == 2


def test_geojson_line_with_coord_times():
    data = json.loads((HERE / "synthetic_linestring.geojson").read_text())
    data["features"][0]["properties"]["coordTimes"] = [build.iso(p["time"]) for p in build.TRUTH]
    result = read_track(json.dumps(data).encode(), "times.geojson")
    pd.testing.assert_series_equal(result.points["time"], TRUTH_TIMES, check_names=False)
    data["features"][0]["properties"]["coordTimes"] = data["features"][0]["properties"]["coordTimes"][:-1]
    [problem] = problems_of(json.dumps(data).encode(), "times.geojson")
    assert problem.column == "coordTimes" and "15 positions but 14 times" in problem.message


def test_site_csv_with_only_the_utc_column():
    frame = pd.read_csv(HERE / "synthetic_site_TST101.csv", dtype=str).drop(columns="Timestamp")
    result = read_track(frame.to_csv(index=False).encode(), "utc_only.csv")
    pd.testing.assert_series_equal(result.points["time"], TRUTH_TIMES, check_names=False)
    assert not any("time zone" in n for n in result.notices)
    frame["UTC"] = frame["UTC"].str.replace("Z", "")
    assert "15 times had no time zone and were read as UTC" in read_track(frame.to_csv(index=False).encode(), "naive.csv").notices
