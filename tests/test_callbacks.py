"""Callbacks are plain functions: call them directly, with no browser."""
from __future__ import annotations

import dash
import pytest

import app as dashboard
from components import ids
from components.selection import update_selection
from flightmap import timeline


class FakeContext:
    def __init__(self, trigger):
        self.triggered_id = trigger


@pytest.fixture
def triggered(monkeypatch):
    def set_trigger(component_id):
        monkeypatch.setattr("components.timeline.ctx", FakeContext(component_id))
        monkeypatch.setattr("components.selection.ctx", FakeContext(component_id))

    return set_trigger


DAY = timeline.to_day
LOW, HIGH = DAY("2019-11-01"), DAY("2024-08-05")


def test_table_click_selects_and_second_click_clears(triggered):
    triggered(ids.TABLE)
    chosen = update_selection(None, None, {"rowId": "flight:loop-2", "colId": "where"}, 0, None)
    assert chosen == {"kind": "records", "key": "flight:loop-2", "ids": ["flight:loop-2"]}
    assert update_selection(None, None, {"rowId": "flight:loop-2"}, 0, chosen) is None


def test_map_click_on_an_airport_selects_every_record_touching_it(triggered):
    dashboard.install_data(dashboard.Settings())
    triggered(ids.MAP)
    chosen = update_selection({"points": [{"customdata": "airport|Gao"}]}, None, None, 0, None)
    assert chosen["kind"] == "airport" and set(chosen["ids"]) == {"flight:loop-1", "flight:loop-2", "flight:gao-overrun"}


def test_strip_click_on_a_weekly_bar_is_not_a_selection(triggered):
    triggered(ids.STRIP)
    assert update_selection(None, {"points": [{"customdata": 3}]}, None, 0, None) is dash.no_update
    assert update_selection(None, {"points": [{"customdata": "gao-crash"}]}, None, 0, None)["ids"] == ["event:gao-crash"]


def test_source_documents_are_served_by_id_only():
    dashboard.install_data(dashboard.Settings())
    client = dashboard.server.test_client()
    ok = client.get("/source/bnn-2024-03-22")
    assert ok.status_code == 200 and b"5UMBH" in ok.data
    assert ok.headers["Content-Type"].startswith("text/plain") and ok.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/source/defenceweb-handover").status_code == 404  # no shipped file
    traversal = client.get("/source/..%2F..%2Fapp.py")  # falls to Dash's page route, never a file
    assert b"def create_app" not in traversal.data and b"import dash" not in traversal.data
    assert client.get("/source/nothing-like-this").status_code == 404


def test_apply_url_sets_only_what_differs_and_lists_what_it_ignored(triggered, monkeypatch):
    from components.url_state import apply_url

    dashboard.install_data(dashboard.Settings())
    monkeypatch.setattr("components.url_state.ctx", FakeContext(ids.URL))
    window = [DAY("2023-08-20"), DAY("2024-03-22")]
    blank_filters = ["", [], [], [], [], [], [], []]
    out = apply_url({"search": "?start=2023-10-10&end=2023-10-20&airport=Tessalit,Atlantis&foo=1"}, 0, None, window, LOW, HIGH, *blank_filters, None, None)
    slider, aircraft, _type, _operator, airport, *_rest = out
    assert slider == [DAY("2023-10-10"), DAY("2023-10-20")]
    assert aircraft is dash.no_update and airport == ["Tessalit"]
    notice, hidden = out[-4], out[-3]
    assert out[-2] == "?start=2023-10-10&end=2023-10-20&airport=Tessalit,Atlantis&foo=1"
    assert hidden is False and "Atlantis" in str(notice) and "foo=1" in str(notice)


def test_apply_url_ignores_its_own_echo(monkeypatch):
    from components.url_state import apply_url

    monkeypatch.setattr("components.url_state.ctx", FakeContext(ids.URL))
    with pytest.raises(dash.exceptions.PreventUpdate):
        apply_url({"search": "?aircraft=5umbh"}, 0, "?aircraft=5umbh", [LOW, HIGH], LOW, HIGH, "5umbh", [], [], [], [], [], [], [], None, None)


def test_distance_never_contradicts_the_flights_counted():
    from components.stats import distance_stat

    base = {"dated_flights": 5, "dated_flights_measured": 0, "distance_km": 0}
    assert distance_stat(base)[0] == "? km" and "no dated flight has both ends" in distance_stat(base)[1]
    some = {**base, "dated_flights_measured": 2, "distance_km": 1904}
    assert distance_stat(some) == ("≥ 1,904 km", "flown by 2 of 5 dated flights",
                                   "geodesic distance of dated flights with both ends known: 3 of the window's dated flights lack an origin or a destination")
    many = {"dated_flights": 10_559, "dated_flights_measured": 10_533, "distance_km": 41_250_798}
    assert distance_stat(many)[:2] == ("≥ 41,250,798 km", "flown by 10,533 of 10,559 dated flights")
    every = {**base, "dated_flights_measured": 5, "distance_km": 4000}
    assert distance_stat(every)[:2] == ("4,000 km", "flown (dated)")
    assert distance_stat({"dated_flights": 0, "dated_flights_measured": 0, "distance_km": 0})[0] == "0 km"


def test_marks_list_every_route_airport_and_event_the_map_draws(monkeypatch):
    """The keyboard's way to the map's marks names each one with the key the map carries."""
    from components.marks import mark_items, select_mark
    from components.view import map_records

    dashboard.install_data(dashboard.Settings())
    records = map_records([LOW, HIGH], {})
    items = dict(mark_items(records))
    assert {"airport|Gao", "airport|Bamako", "event|gao-crash"} <= set(items)
    assert any(k.startswith("route|") for k in items)
    assert items["event|gao-crash"].startswith("Event 23 Sep 2023:")

    assert select_mark({"key": "event|gao-crash", "n": 1})["ids"] == ["event:gao-crash"]
    for nothing in (None, {}, {"key": "not-a-mark|x", "n": 2}):
        with pytest.raises(dash.exceptions.PreventUpdate):
            select_mark(nothing)
