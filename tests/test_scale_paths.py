"""The pre-aggregated paths used at scale equal the plain computations they replace, on random
SYNTHETIC data (benchmarks/synthetic.py) and on the default data. No timings here."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.synthetic import generate
from flightmap import arcs, timeline
from flightmap import filters as record_filters
from flightmap.evidence import selection_from_click
from flightmap.figures import COMPACT_INLINE_IDS, MAX_DRAWN_ROUTES, map_figure, route_customdata
from flightmap.loader import by_value, load_dataset
from flightmap.routes import airport_totals, leg_distances_km, locate
from tests.conftest import DEFAULT_DATA


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic") / "data"
    generate(folder, 3000, seed=5)
    dataset = load_dataset(folder)
    return dataset, locate(dataset)


@pytest.fixture(scope="module")
def default():
    dataset = load_dataset(DEFAULT_DATA)
    return dataset, locate(dataset)


def test_synthetic_data_is_marked_and_valid(synthetic):
    dataset, located = synthetic
    assert dataset.sources["title"].str.contains("SYNTHETIC").all()
    assert dataset.flights["summary"].str.contains("SYNTHETIC").all()
    assert dataset.events["summary"].str.contains("SYNTHETIC").all()
    assert located.flights["origin_lat"].notna().all()


def test_synthetic_refuses_the_project_data_folder():
    with pytest.raises(SystemExit):
        generate(DEFAULT_DATA, 10)


@pytest.mark.parametrize("which", ["synthetic", "default"])
def test_window_routes_and_airports_equal_the_groupby(which, request):
    _, located = request.getfixturevalue(which)
    flights = located.flights
    index = arcs.route_index(flights)
    rng = np.random.default_rng(3)
    for share in (0.0, 0.01, 0.3, 1.0):
        rows = np.flatnonzero(rng.random(len(flights)) < share)
        subset = flights.iloc[rows]
        pd.testing.assert_frame_equal(arcs.window_routes(index, rows), arcs.aggregate_routes(subset))
        pd.testing.assert_frame_equal(arcs.window_airports(index, rows), airport_totals(subset))


def test_window_routes_keeps_the_first_ids_and_counts_them_all(synthetic):
    _, located = synthetic
    index = arcs.route_index(located.flights)
    rows = np.arange(len(located.flights))
    full = arcs.window_routes(index, rows)
    short = arcs.window_routes(index, rows, max_ids=3, with_rows=True)
    assert (short["records"] == full["records"]).all()
    for whole, first, positions in zip(full["ids"], short["ids"], short["rows"]):
        assert first == whole[:3]
        assert list(located.flights["id"].to_numpy()[positions]) == list(first)


def test_route_codes_tie_break_like_groupby():
    # Two places share a name: the routes tie on names and style, first appearance decides.
    legs = pd.DataFrame({
        "id": ["a", "b", "c"], "kind": "dated", "confidence": "reported", "flights_count": pd.array([pd.NA] * 3, dtype="Int64"),
        "origin_name": ["X", "X", "X"], "origin_lat": [1.0, 2.0, 1.0], "origin_lon": [0.0, 0.0, 0.0],
        "destination_name": ["Y", "Y", "Y"], "destination_lat": [5.0, 5.0, 5.0], "destination_lon": [5.0, 5.0, 5.0],
        "distance_km": [600.0, 500.0, 600.0],
    })
    index = arcs.route_index(legs)
    for rows in ([0, 1, 2], [1, 2], [2], [1]):
        pd.testing.assert_frame_equal(arcs.window_routes(index, np.array(rows)), arcs.aggregate_routes(legs.iloc[rows]))


def test_window_mask_is_the_overlap_rule(synthetic):
    _, located = synthetic
    flights = located.flights
    starts, ends = timeline.days(flights["date_start"]), timeline.days(flights["date_end"])
    rng = np.random.default_rng(1)
    for _ in range(20):
        first = int(rng.integers(starts.min() - 10, ends.max()))
        last = first + int(rng.integers(0, 120))
        expected = timeline.overlaps(flights["date_start"], flights["date_end"], timeline.from_day(first), timeline.from_day(last)).to_numpy()
        assert (timeline.window_mask(starts, ends, first, last) == expected).all()
    with pytest.raises(ValueError):
        timeline.window_mask(starts, ends, 10, 9)


def test_leg_distances_once_per_route(default):
    _, located = default
    distances = leg_distances_km(located.flights)
    pd.testing.assert_series_equal(distances, located.flights["distance_km"], check_names=False)


def test_by_value_equals_the_row_by_row_result():
    cells = pd.Series([" a", "b ", " a", "c", "b ", ""] * 3, dtype="str", index=range(100, 118))
    pd.testing.assert_series_equal(by_value(cells, lambda u: u.str.strip()).astype("str"), cells.str.strip())
    pd.testing.assert_series_equal(by_value(cells, lambda u: u == "c").astype(bool), cells == "c")


def test_busiest_keeps_the_most_traffic_in_order():
    routes = pd.DataFrame({"flights": [1, 9, 0, 5], "records": [1, 9, 7, 5]})
    assert list(arcs.busiest(routes, 2).index) == [1, 2]  # a pattern route counts its records
    assert arcs.busiest(routes, 10) is routes


def test_crowded_map_draws_the_busiest_and_says_so(synthetic):
    dataset, located = synthetic
    routes = arcs.aggregate_routes(located.flights)
    assert len(routes) > MAX_DRAWN_ROUTES
    figure = map_figure(located.flights, located.events.iloc[:0], dataset.sources, {"version": 8, "sources": {}, "layers": []}, view={"center": {"lat": 0, "lon": 0}, "zoom": 1})
    notes = [a.text for a in figure.layout.annotations]
    assert any(f"{MAX_DRAWN_ROUTES} busiest of {len(routes):,} routes" in n for n in notes)
    drawn = {c for t in figure.data if t.customdata is not None for c in t.customdata if c and c.startswith("route")}
    assert len(drawn) == MAX_DRAWN_ROUTES


def test_a_busy_route_names_itself_and_its_click_selects_every_leg(synthetic):
    _, located = synthetic
    routes = arcs.aggregate_routes(located.flights)
    route = next(r for r in routes.itertuples() if r.records > COMPACT_INLINE_IDS)
    custom = route_customdata(route, COMPACT_INLINE_IDS)
    assert custom.startswith("route-of|")
    chosen = selection_from_click(custom, located.flights)
    assert chosen["kind"] == "route" and sorted(chosen["ids"]) == sorted(f"flight:{i}" for i in route.ids)
    small = next(r for r in routes.itertuples() if r.records == 1)
    assert route_customdata(small, COMPACT_INLINE_IDS) == "route|" + small.ids[0]


def test_filter_masks_then_window_equal_apply_then_in_window(synthetic):
    _, located = synthetic
    flights, events = located.flights, located.events
    starts, ends = timeline.days(flights["date_start"]), timeline.days(flights["date_end"])
    for filters in ({}, {"confidence": ["disputed"]}, {"aircraft": "n12"}, {"source": ["synthetic-source-03"]}):
        kept, _ = record_filters.apply(flights, events, filters)
        expected, _ = timeline.in_window(kept, events, timeline.from_day(19500), timeline.from_day(19560))
        mask = record_filters.flight_mask(flights, filters).to_numpy() & timeline.window_mask(starts, ends, 19500, 19560)
        pd.testing.assert_frame_equal(flights.iloc[np.flatnonzero(mask)], expected)


@pytest.mark.parametrize("which", ["synthetic", "default"])
def test_window_changes_are_what_the_strip_redraw_would_change(which, request):
    _, located = request.getfixturevalue(which)
    flights, events = located.flights, located.events
    span = timeline.data_span(flights, events)
    first_day, last_day = timeline.to_day(span[0]), timeline.to_day(span[1])
    rng = np.random.default_rng(2)
    selected = events["id"].iloc[0]
    for _ in range(4):
        start = int(rng.integers(first_day, last_day))
        window = (timeline.from_day(start), timeline.from_day(min(last_day, start + int(rng.integers(0, 90)))))
        figure = timeline.timeline_figure(flights, events, window, span, selected_event=selected)
        changes = timeline.window_changes(flights, events, window, selected_event=selected)
        assert [figure.layout.shapes[0].x0, figure.layout.shapes[0].x1] == changes["band"]
        assert list(figure.data[0].marker.opacity) == changes["bar_opacity"]
        markers = figure.data[changes["event_trace"]]
        assert markers.name == "events" and changes["event_trace"] == len(figure.data) - 1
        assert list(markers.marker.opacity) == changes["event_opacity"]


def test_window_routes_gives_ids_only_to_the_busiest_when_asked(synthetic):
    _, located = synthetic
    index = arcs.route_index(located.flights)
    rows = np.arange(len(located.flights))
    full = arcs.window_routes(index, rows)
    some = arcs.window_routes(index, rows, ids_for_busiest=10, with_rows=True)
    chosen = set(arcs.busiest(full, 10).index)
    assert len(chosen) == 10
    for position, (whole, ids, kept) in enumerate(zip(full["ids"], some["ids"], some["rows"])):
        assert ids == (whole if position in chosen else ())
        assert len(kept) == len(ids)
    pd.testing.assert_frame_equal(some.drop(columns=["ids", "rows"]), full.drop(columns=["ids"]))
