"""A track supports or contradicts a dated flight or an event with a place (issue 17, item 5).
Every track here is SYNTHETIC: a made-up aircraft (TZ-TST, hex 0a1b2c) on made-up times between
Bamako (12.5335, -7.9499) and Gao (16.2484, -0.0051)."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from flightmap.corroborate import event_verdicts, flight_verdicts, same_aircraft

BAMAKO = (12.5335, -7.9499)
GAO = (16.2484, -0.0051)
NIAMEY = (13.4817, 2.1836)  # ~320 km from Gao, ~1,100 km from Bamako


def tracks(registration="TZ-TST", hex_code="0a1b2c", flight_ids=()):
    return pd.DataFrame({"id": ["t1"], "registration": [registration], "hex": [hex_code], "flight_ids": [list(flight_ids)]})


def points(*rows):
    """rows: (time 'YYYY-MM-DD HH:MM', (lat, lon))."""
    return pd.DataFrame({
        "track_id": ["t1"] * len(rows),
        "time": pd.to_datetime([r[0] for r in rows]).tz_localize("UTC"),
        "lat": [r[1][0] for r in rows], "lon": [r[1][1] for r in rows],
    })


def flight(**changes):
    row = dict(id="f1", kind="dated", date_precision="day", date_start=pd.Timestamp("2023-03-14"), date_end=pd.Timestamp("2023-03-14"),
               origin="GABS", origin_name="Bamako", origin_lat=BAMAKO[0], origin_lon=BAMAKO[1],
               destination="GAGO", destination_name="Gao", destination_lat=GAO[0], destination_lon=GAO[1],
               registration="TZ-TST", departure_time="", arrival_time="")
    row.update(changes)
    return SimpleNamespace(**row)


def event(**changes):
    row = dict(id="e1", date_precision="day", date_start=pd.Timestamp("2023-03-14"), date_end=pd.Timestamp("2023-03-14"),
               place="Gao airport", place_name="Gao", lat=GAO[0], lon=GAO[1], aircraft="TZ-TST (C-130)")
    row.update(changes)
    return SimpleNamespace(**row)


FLOWN = points(("2023-03-14 07:50", BAMAKO), ("2023-03-14 08:03", BAMAKO), ("2023-03-14 09:00", (14.5, -4.0)),
               ("2023-03-14 09:48", GAO), ("2023-03-14 10:05", GAO))


def test_a_flight_flown_end_to_end_is_supported_with_where_and_when():
    [verdict] = flight_verdicts(flight(), tracks(), FLOWN)
    assert verdict.verdict == "supported"
    assert verdict.text == "Supported by track t1: at Bamako 07:50-08:03 UTC, at Gao 09:48-10:05 UTC"


def test_one_end_seen_is_support_in_part_and_says_what_is_missing():
    half = points(("2023-03-14 07:50", BAMAKO), ("2023-03-14 08:30", (13.2, -6.5)))
    [verdict] = flight_verdicts(flight(), tracks(), half)
    assert verdict.verdict == "supported in part"
    assert "at Bamako 07:50 UTC" in verdict.facts and "no point within 10 km of Gao that day" in verdict.facts


def test_flown_the_other_way_is_not_full_support():
    back = points(("2023-03-14 07:50", GAO), ("2023-03-14 10:00", BAMAKO))
    [verdict] = flight_verdicts(flight(), tracks(), back)
    assert verdict.verdict == "supported in part" and "flown the other way" in verdict.facts


def test_far_away_at_the_reported_departure_contradicts():
    elsewhere = points(("2023-03-14 08:12", NIAMEY), ("2023-03-14 12:00", NIAMEY))
    [verdict] = flight_verdicts(flight(departure_time="08:15"), tracks(), elsewhere)
    assert verdict.verdict == "contradicted"
    assert verdict.text.startswith("Contradicted by track t1: 1,1") and "from Bamako at 08:12 UTC (reported departure 08:15)" in verdict.text


def test_far_from_both_ends_all_day_contradicts_without_times():
    elsewhere = points(("2023-03-14 09:00", NIAMEY), ("2023-03-14 10:12", (13.6, 2.3)))
    [verdict] = flight_verdicts(flight(), tracks(), elsewhere)
    assert verdict.verdict == "contradicted" and "all over 100 km away" in verdict.facts and "2 points that day" in verdict.facts


def test_nothing_is_said_without_a_point_that_day_or_when_neither_near_nor_far():
    assert flight_verdicts(flight(), tracks(), points(("2023-03-15 08:00", BAMAKO))) == []
    assert flight_verdicts(flight(), tracks(), points(("2023-03-14 08:00", (12.9, -7.9)))) == []  # ~40 km out: not at Bamako, not elsewhere
    # a reported time with no point within 30 minutes of it tells nothing about that time
    assert flight_verdicts(flight(departure_time="06:00"), tracks(), points(("2023-03-14 08:00", (12.9, -7.9)))) == []


def test_only_the_same_aircraft_or_a_linked_track_and_only_flights_dated_to_the_day():
    assert flight_verdicts(flight(registration="5U-MBH"), tracks(), FLOWN) == []
    assert len(flight_verdicts(flight(registration="5U-MBH"), tracks(flight_ids=["f1"]), FLOWN)) == 1
    assert len(flight_verdicts(flight(registration="tz tst"), tracks(), FLOWN)) == 1  # case and dash ignored
    assert flight_verdicts(flight(date_precision="month"), tracks(), FLOWN) == []
    assert flight_verdicts(flight(kind="pattern"), tracks(), FLOWN) == []


def test_an_event_at_the_place_that_day_is_supported_or_contradicted():
    [seen] = event_verdicts(event(), tracks(), FLOWN)
    assert seen.text == "Supported by track t1: at Gao 09:48-10:05 UTC"
    [away] = event_verdicts(event(), tracks(), points(("2023-03-14 10:12", NIAMEY)))
    assert away.verdict == "contradicted" and away.facts.startswith("3") and "from Gao at 10:12 UTC" in away.facts
    assert event_verdicts(event(aircraft="a C-130"), tracks(), FLOWN) == []  # another aircraft, or none named
    assert len(event_verdicts(event(aircraft="hex 0a1b2c"), tracks(registration=""), FLOWN)) == 1
    assert event_verdicts(event(date_start=pd.Timestamp("2023-03-16"), date_end=pd.Timestamp("2023-03-16")), tracks(), FLOWN) == []


def test_same_aircraft_never_matches_empty_names():
    assert same_aircraft(tracks(registration="", hex_code=""), registration="", aircraft_text="").empty


def test_the_evidence_panel_renders_the_verdicts(dataset_dir):
    """The SYNTHETIC tar1090 trace of tests/data/tracks/ (TZ-TST, Bamako to Gao on 14 March 2023)
    against the shipped loop-1 turned into a flight dated that day."""
    from pathlib import Path

    from components.details import details_children
    from flightmap import importer
    from flightmap.evidence import route_selection
    from flightmap.loader import load_dataset
    from flightmap.routes import locate

    path = Path(__file__).resolve().parent / "data" / "tracks" / "synthetic_trace_full_0a1b2c.json"
    preview = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir),
                                     {"source_ids": "research-notes", "confidence": "reported", "flight_ids": "loop-1"})
    importer.merge(dataset_dir, preview)
    dataset = load_dataset(dataset_dir)
    located = locate(dataset)
    flights = located.flights.copy()
    day = flights["id"] == "loop-1"
    flights.loc[day, ["kind", "date_precision"]] = ["dated", "day"]
    flights.loc[day, ["date_start", "date_end"]] = pd.Timestamp("2023-03-14")
    text = str(details_children(route_selection(["loop-1"]), flights, located.events, dataset.sources, dataset.tracks, dataset.track_points))
    assert "by track 0a1b2c-2023-03-14: at Bamako" in text and "corroboration" in text
    untouched = str(details_children(route_selection(["loop-1"]), located.flights, located.events, dataset.sources, dataset.tracks, dataset.track_points))
    assert "by track" not in untouched  # a pattern over months: nothing said
