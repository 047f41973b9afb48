"""Routes merged by direction and style, bent arcs, chevrons, dashes and widths."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from geopy.distance import geodesic

from flightmap.arcs import aggregate_routes, chevrons, dashes, leg_style, route_label, route_line, width_for
from flightmap.loader import load_dataset
from flightmap.routes import great_circle, locate
from tests.conftest import DEFAULT_DATA

BAMAKO = (12.5335, -7.94994)
GAO = (16.2484, -0.00546)
NAN = np.nan


def _cross(u, v) -> float:
    """z of the 2-D cross product: > 0 when v is to the left of u."""
    return float(u[0] * v[1] - u[1] * v[0])


@pytest.fixture(scope="module")
def located():
    return locate(load_dataset(DEFAULT_DATA))


def _leg(id, kind, confidence, count, origin, destination):
    (o_name, o_lat, o_lon), (d_name, d_lat, d_lon) = origin, destination
    return {
        "id": id, "kind": kind, "confidence": confidence, "flights_count": count,
        "origin_name": o_name, "origin_lat": o_lat, "origin_lon": o_lon,
        "destination_name": d_name, "destination_lat": d_lat, "destination_lon": d_lon, "distance_km": 100.0,
    }


@pytest.fixture
def synthetic():
    # Synthetic legs, not real records: places A and B are made up.
    a, b, unknown = ("A", 10.0, 0.0), ("B", 12.0, 4.0), ("", NAN, NAN)
    frame = pd.DataFrame(
        [
            _leg("d1", "dated", "confirmed", 2, a, b),
            _leg("p1", "pattern", "reported", pd.NA, a, b),
            _leg("d2", "dated", "probable", pd.NA, a, b),
            _leg("back", "dated", "reported", 1, b, a),
            _leg("dis", "dated", "disputed", 4, a, b),
            _leg("nowhere", "dated", "reported", 5, unknown, b),
        ]
    )
    return frame.astype({"flights_count": "Int64"})


def test_leg_style_disputed_wins_over_kind():
    assert leg_style("pattern", "disputed") == "disputed"
    assert leg_style("pattern", "reported") == "pattern"
    assert leg_style("dated", "confirmed") == "dated"


def test_aggregate_merges_same_direction_and_style(synthetic):
    before = synthetic.copy()
    routes = aggregate_routes(synthetic)
    pd.testing.assert_frame_equal(synthetic, before)  # input untouched
    keyed = routes.set_index(["origin_name", "destination_name", "style"])
    assert len(routes) == 4 and keyed.index.is_unique
    dated = keyed.loc[("A", "B", "dated")]
    assert (dated["records"], dated["flights"], dated["ids"]) == (2, 3, ("d1", "d2"))  # 2 + unknown counted as 1
    assert keyed.loc[("B", "A", "dated"), "ids"] == ("back",)  # the other direction is its own route
    assert (keyed.loc[("A", "B", "pattern"), "flights"], keyed.loc[("A", "B", "pattern"), "records"]) == (0, 1)
    assert keyed.loc[("A", "B", "disputed"), "flights"] == 4
    assert "nowhere" not in {i for ids in routes["ids"] for i in ids}  # unknown origin left out
    assert list(routes[["origin_name", "destination_name", "style"]].itertuples(index=False, name=None)) == sorted(
        routes[["origin_name", "destination_name", "style"]].itertuples(index=False, name=None)
    )
    assert routes["records"].dtype == "int64" and routes["flights"].dtype == "int64"


def test_aggregate_default_data_is_the_reported_loop(located):
    routes = aggregate_routes(located.flights)
    assert set(zip(routes["origin_name"], routes["destination_name"])) == {
        ("Bamako", "Gao"), ("Gao", "Tessalit"), ("Tessalit", "Niamey"), ("Niamey", "Bamako"),
    }
    assert (routes["style"] == "pattern").all() and (routes["flights"] == 0).all() and (routes["records"] == 1).all()
    assert routes.set_index("origin_name").at["Bamako", "distance_km"] == pytest.approx(950, abs=5)


def test_route_label_counts_flights_or_patterns(synthetic):
    labels = {(r.origin_name, r.destination_name, r.style): route_label(r) for r in aggregate_routes(synthetic).itertuples()}
    assert labels[("A", "B", "dated")] == "3 flights"
    assert labels[("B", "A", "dated")] == "1 flight"
    assert labels[("A", "B", "pattern")] == "pattern"
    two = pd.Series({"style": "pattern", "flights": 0, "records": 2})
    assert route_label(two) == "2 patterns"


def test_route_line_ends_exactly_at_the_places():
    lats, lons = route_line(*BAMAKO, *GAO)
    assert (lats[0], lons[0]) == BAMAKO
    assert (lats[-1], lons[-1]) == GAO


def test_route_line_without_bend_is_the_great_circle():
    lats, lons = route_line(*BAMAKO, *GAO, bend=0, step_km=30)
    gc_lats, gc_lons = great_circle(*BAMAKO, *GAO, step_km=30)
    np.testing.assert_allclose(lats, gc_lats)
    np.testing.assert_allclose(lons, gc_lons)


def _side(lats, lons, gc_lats, gc_lons, start, end) -> float:
    """Sign of the mid-route offset from the great circle: < 0 right of start→end, > 0 left."""
    i = len(lats) // 2
    travel = np.array([end[1] - start[1], end[0] - start[0]])  # (east, north)
    offset = np.array([lons[i] - gc_lons[i], lats[i] - gc_lats[i]])
    return _cross(travel, offset)


def test_opposite_directions_are_drawn_side_by_side():
    there = route_line(*BAMAKO, *GAO)
    back = route_line(*GAO, *BAMAKO)
    gc_there, gc_back = great_circle(*BAMAKO, *GAO, step_km=30), great_circle(*GAO, *BAMAKO, step_km=30)
    # Both bend to their own right, so in a common frame (Bamako→Gao) they lie on opposite sides.
    assert _side(*there, *gc_there, BAMAKO, GAO) < 0
    assert _side(*back, *gc_back, BAMAKO, GAO) > 0
    mid_there = (there[0][len(there[0]) // 2], there[1][len(there[1]) // 2])
    mid_back = (back[0][len(back[0]) // 2], back[1][len(back[1]) // 2])
    assert geodesic(mid_there, mid_back).km > 60


def test_route_line_bends_to_the_right_of_travel():
    lats, lons = route_line(10, 0, 10, 10)
    gc_lats, _ = great_circle(10, 0, 10, 10, step_km=30)
    i = len(lats) // 2
    assert lats[i] < gc_lats[i] - 0.3  # travelling east, right is south
    lats_west, _ = route_line(10, 10, 10, 0)
    assert lats_west[len(lats_west) // 2] > gc_lats[i]  # travelling west, right is north


def _shapes(lats, lons):
    assert lats[-1] is None and lons[-1] is None
    assert [i for i, v in enumerate(lats) if v is None] == [i for i, v in enumerate(lons) if v is None]
    shapes = [(lats[i : i + 3], lons[i : i + 3]) for i in range(0, len(lats), 4)]
    assert all(lats[i + 3] is None for i in range(0, len(lats), 4))
    return shapes


def test_chevrons_default_count_follows_length():
    lats, lons = route_line(*BAMAKO, *GAO)  # ~950 km: about one per 300 km
    assert len(_shapes(*chevrons(lats, lons))) == 3
    short = route_line(*GAO, 17.0, 0.5)  # ~100 km: still one
    assert len(_shapes(*chevrons(*short))) == 1
    long = route_line(10, -20, 10, 60)  # ~8,700 km: capped
    assert len(_shapes(*chevrons(*long))) == 6
    assert len(_shapes(*chevrons(lats, lons, count=4))) == 4


@pytest.mark.parametrize("start, end", [(BAMAKO, GAO), (GAO, BAMAKO), ((10.0, 10.0), (30.0, 12.0))])
def test_chevron_tips_are_on_the_line_and_point_ahead(start, end):
    lats, lons = route_line(*start, *end)
    travel = np.array([end[1] - start[1], end[0] - start[0]])  # roughly straight lines: (east, north)
    for (arm1_lat, tip_lat, arm2_lat), (arm1_lon, tip_lon, arm2_lon) in _shapes(*chevrons(lats, lons)):
        nearest = min(geodesic((tip_lat, tip_lon), p).km for p in zip(lats, lons))
        assert nearest < 20  # points are 30 km apart: the tip lies on a segment
        for arm_lat, arm_lon in ((arm1_lat, arm1_lon), (arm2_lat, arm2_lon)):
            assert np.dot(travel, [tip_lon - arm_lon, tip_lat - arm_lat]) > 0  # tip ahead of the arm ends
            assert geodesic((tip_lat, tip_lon), (arm_lat, arm_lon)).km == pytest.approx(39, rel=0.15)  # 0.35° of arc
        # The arms open symmetrically, one on each side of the line.
        sides = [_cross(travel, [arm_lon - tip_lon, arm_lat - tip_lat]) for arm_lon, arm_lat in ((arm1_lon, arm1_lat), (arm2_lon, arm2_lat))]
        assert sides[0] * sides[1] < 0


def test_chevrons_avoid_the_ends():
    lats, lons = route_line(*BAMAKO, *GAO)
    marks = _shapes(*chevrons(lats, lons, count=1))
    (_, tip_lat, _), (_, tip_lon, _) = marks[0]
    assert geodesic((tip_lat, tip_lon), BAMAKO).km > 300 and geodesic((tip_lat, tip_lon), GAO).km > 300


@pytest.mark.parametrize("points", [2, 6, 7, 9, 10, 33])
def test_dashes_keep_both_ends_and_leave_gaps(points):
    lats, lons = np.linspace(0, 1, points), np.linspace(10, 11, points)
    out_lat, out_lon = dashes(lats, lons)
    assert out_lat[0] == lats[0] and out_lon[0] == lons[0]
    assert out_lat[-2] == lats[-1] and out_lon[-2] == lons[-1]
    assert out_lat[-1] is None and out_lon[-1] is None
    drawn = {(a, b) for a, b in zip(out_lat, out_lat[1:]) if a is not None and b is not None}
    assert drawn <= set(zip(lats, lats[1:]))  # dashes follow the line
    if points > 4:
        assert None in out_lat[:-1] and len(drawn) < points - 1  # and leave some segments out


def test_dashes_pattern_of_on_and_off_segments():
    lats = list(range(11))
    out, _ = dashes(lats, lats, on=3, off=2)
    assert out == [0, 1, 2, 3, None, 5, 6, 7, 8, None, 9, 10, None]  # closing dash reaches the end


def test_width_grows_with_traffic_and_is_capped():
    widths = [width_for(n, n) for n in range(1, 60)]
    assert widths[0] == 2.5
    assert all(a <= b for a, b in zip(widths, widths[1:])) and widths[3] > widths[0]
    assert max(widths) == 12 and width_for(10_000, 1) == 12
    assert width_for(0, 4) == width_for(4, 4) > width_for(0, 1)  # patterns: width from records


def test_disputed_pattern_adds_no_flights():
    # Synthetic: a pattern leg whose report is disputed is drawn as disputed, but its number of flights is still unknown.
    frame = pd.DataFrame([_leg("dp", "pattern", "disputed", pd.NA, ("A", 10.0, 0.0), ("B", 12.0, 4.0))]).astype({"flights_count": "Int64"})
    (route,) = aggregate_routes(frame).itertuples()
    assert (route.style, route.flights, route.records) == ("disputed", 0, 1)
    assert route_label(route) == "pattern"


def test_route_line_across_the_antimeridian_keeps_unwrapped_longitudes():
    lats, lons = route_line(60.0, 170.0, 60.0, -170.0)
    assert np.all(np.abs(np.diff(lons)) < 5)
    assert (lats[-1], lons[-1]) == (60.0, 190.0)
