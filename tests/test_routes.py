"""Coordinates on records, distances, great-circle geometry and airport totals."""
from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic

from flightmap.loader import load_dataset
from flightmap.routes import airport_totals, great_circle, locate
from tests.conftest import DEFAULT_DATA, edit_csv


@pytest.fixture(scope="module")
def located():
    return locate(load_dataset(DEFAULT_DATA))


def test_loop_legs_have_geodesic_distances(located):
    loop = located.flights.set_index("id")
    # Reference distances from geopy on the airports' coordinates (see TECH-NOTES).
    assert loop.at["loop-1", "distance_km"] == pytest.approx(950, abs=5)  # Bamako - Gao
    assert loop.at["loop-2", "distance_km"] == pytest.approx(454, abs=5)  # Gao - Tessalit
    assert loop.at["loop-4", "distance_km"] == pytest.approx(1104, abs=5)  # Niamey - Bamako
    assert loop.at["loop-3", "destination_name"] == "Niamey"  # 'Niamay' as the reports write it


def test_unreported_end_keeps_the_record_without_distance(located):
    row = located.flights.set_index("id").loc["tessalit-airlift"]
    assert row["origin"] == "" and np.isnan(row["distance_km"])
    assert row["destination_name"] == "Tessalit"


def test_default_data_resolves_every_named_place(located):
    assert located.unresolved == ()
    assert set(located.resolutions["method"]) <= {"places table", "airport database"}


def test_unresolved_place_is_reported_not_dropped(dataset_dir):
    edit_csv(dataset_dir / "flights.csv", 3, "destination", "Atlantis Base")
    located = locate(load_dataset(dataset_dir))
    assert len(located.flights) == len(load_dataset(DEFAULT_DATA).flights)
    (problem,) = located.unresolved
    assert (problem.file, problem.row, problem.column) == ("data/flights.csv", 3, "destination")
    assert "'Atlantis Base' could not be resolved" in problem.message and "places.csv" in problem.hint


def test_great_circle_ends_at_both_places_and_bows_poleward():
    lats, lons = great_circle(12.5335, -7.9499, 13.4815, 2.1836)
    assert (lats[0], lons[0]) == pytest.approx((12.5335, -7.9499))
    assert (lats[-1], lons[-1]) == pytest.approx((13.4815, 2.1836))
    # Between two places in the northern hemisphere the great circle lies north of the straight line.
    assert lats[len(lats) // 2] > (12.5335 + 13.4815) / 2
    steps = [geodesic((a, b), (c, d)).km for a, b, c, d in zip(lats, lons, lats[1:], lons[1:])]
    assert max(steps) < 55


def test_great_circle_across_the_antimeridian_does_not_wrap():
    lats, lons = great_circle(60.0, 170.0, 60.0, -170.0)
    assert np.all(np.abs(np.diff(lons)) < 5)
    assert lons[-1] == pytest.approx(190.0)


def test_airport_totals_count_records_at_each_end(located):
    totals = airport_totals(located.flights).set_index("name")
    assert set(totals.index) >= {"Bamako", "Gao", "Tessalit", "Niamey"}
    assert totals.at["Tessalit", "dated_flights"] == 4  # 2 + 1 + 1 dated arrivals
    assert totals.at["Tessalit", "pattern_legs"] == 2
