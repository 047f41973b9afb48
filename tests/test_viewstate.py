"""The view in the URL: reading every parameter, ignoring bad ones with a notice, writing it back."""
from __future__ import annotations

from datetime import date

import pytest

from flightmap.evidence import airport_selection, event_selection, route_selection, selection_from_click
from flightmap.loader import load_dataset
from flightmap.routes import locate
from flightmap.viewstate import ViewState, parse_query, selection_from_param, selection_param, to_query
from tests.conftest import DEFAULT_DATA


@pytest.fixture(scope="module")
def flights():
    return locate(load_dataset(DEFAULT_DATA)).flights


def parsed(search):
    state, notices = parse_query(search)
    return state


# --- reading each parameter ---------------------------------------------------------------

@pytest.mark.parametrize("search", ["", None, "?", "?&&", "&"])
def test_an_empty_query_is_the_default_view(search):
    assert parse_query(search) == (ViewState(), [])


def test_window_with_or_without_question_mark():
    expected = ViewState(start=date(2023, 10, 10), end=date(2023, 10, 20))
    assert parse_query("?start=2023-10-10&end=2023-10-20") == (expected, [])
    assert parse_query("start=2023-10-10&end=2023-10-20") == (expected, [])
    assert parsed("?start=2023-10-10") == ViewState(start=date(2023, 10, 10))  # the other end: the default
    assert parsed("?end=2023-10-20") == ViewState(end=date(2023, 10, 20))
    assert parsed("?start=2023-10-10&end=2023-10-10").end == date(2023, 10, 10)  # a one-day window


def test_filters_are_read_as_text_and_comma_separated_lists():
    state, notices = parse_query(
        "?aircraft=5U-MBH&type=C-130H,C-130&operator=Niger%20Air%20Force&airport=Air%20Base%20201,Gao"
        "&route=Gao%3ETessalit,Bamako>Gao&category=incident,military&confidence=disputed&source=setal-2023-09"
    )
    assert notices == []
    assert state.filters == {
        "aircraft": "5U-MBH",
        "type": ["C-130H", "C-130"],
        "operator": ["Niger Air Force"],
        "airport": ["Air Base 201", "Gao"],
        "route": ["Gao>Tessalit", "Bamako>Gao"],
        "category": ["incident", "military"],
        "confidence": ["disputed"],
        "source": ["setal-2023-09"],
    }


def test_list_items_are_decoded_stripped_and_deduplicated():
    assert parsed("?operator=Niger+Air+Force").filters == {"operator": ["Niger Air Force"]}
    assert parsed("?airport=Gao,,%20Tessalit%20,Gao,").filters == {"airport": ["Gao", "Tessalit"]}
    assert parsed("?airport=Gao%2CTessalit").filters == {"airport": ["Gao", "Tessalit"]}  # a comma always separates
    assert parsed("?aircraft=%205u%20mbh%20").filters == {"aircraft": "5u mbh"}
    assert parsed("?type=&aircraft=").filters == {}  # empty values: no filter, no notice
    assert parse_query("?type=&aircraft=")[1] == []


def test_selection_map_view_and_story():
    state, notices = parse_query(
        "?select=route|loop-1,loop-2&lat=16.2484&lon=-0.0055&zoom=5.5&story=gao-2023_v2&step=3&present=1"
    )
    assert notices == []
    assert state == ViewState(select="route|loop-1,loop-2", lat=16.2484, lon=-0.0055, zoom=5.5,
                              story="gao-2023_v2", step=3, present=True)
    assert parsed("?select=airport|Air%20Base%20201").select == "airport|Air Base 201"
    assert parsed("?select=records|flight:loop-2,event:gao-crash").select == "records|flight:loop-2,event:gao-crash"
    assert parsed("?select=event|gao-crash").select == "event|gao-crash"


def test_map_view_is_kept_to_a_few_decimals_and_bounds_are_inclusive():
    state = parsed("?lat=16.248449999&lon=-0.00551&zoom=5.4567")
    assert (state.lat, state.lon, state.zoom) == (16.2484, -0.0055, 5.46)
    state = parsed("?lat=-90&lon=180&zoom=0")
    assert (state.lat, state.lon, state.zoom) == (-90.0, 180.0, 0.0)
    assert parsed("?lat=90&lon=-180&zoom=22").zoom == 22.0
    assert parsed("?zoom=1e1").zoom == 10.0


@pytest.mark.parametrize(("text", "value"), [("1", True), ("true", True), ("TRUE", True), ("0", False), ("false", False)])
def test_present_flag(text, value):
    assert parse_query(f"?present={text}") == (ViewState(present=value), [])


def test_repeated_parameters_last_wins():
    state, notices = parse_query("?start=2023-13-01&start=2023-10-10&aircraft=abc&aircraft=5U-MBH&zoom=4&zoom=6")
    assert (state.start, state.filters, state.zoom) == (date(2023, 10, 10), {"aircraft": "5U-MBH"}, 6.0)
    assert notices == []  # the malformed first start was overridden, not used
    assert parsed("?start=2023-10-10&start=bad").start is None


# --- malformed parameters: ignored, with a notice -----------------------------------------

@pytest.mark.parametrize(
    ("search", "notice"),
    [
        ("?start=2023-13-01", "Ignored start=2023-13-01: not a date (use YYYY-MM-DD)"),
        ("?end=2023-02-30", "Ignored end=2023-02-30: not a date (use YYYY-MM-DD)"),
        ("?start=10/10/2023", "Ignored start=10/10/2023: not a date (use YYYY-MM-DD)"),
        ("?start=20231010", "Ignored start=20231010: not a date (use YYYY-MM-DD)"),
        ("?start=%D9%A2%D9%A0%D9%A2%D9%A3-10-10", "Ignored start=٢٠٢٣-10-10: not a date (use YYYY-MM-DD)"),
        ("?foo=bar", "Ignored foo=bar: unknown parameter"),
        ("?foo", "Ignored foo: unknown parameter"),
        ("?Start=2023-10-10", "Ignored Start=2023-10-10: unknown parameter"),
        ("?zoom=99", "Ignored zoom=99: outside 0..22"),
        ("?zoom=-1", "Ignored zoom=-1: outside 0..22"),
        ("?lat=90.5", "Ignored lat=90.5: outside -90..90"),
        ("?lon=-181", "Ignored lon=-181: outside -180..180"),
        ("?lat=north", "Ignored lat=north: not a number"),
        ("?lon=nan", "Ignored lon=nan: not a number"),
        ("?zoom=inf", "Ignored zoom=inf: not a number"),
        ("?lat=1_0", "Ignored lat=1_0: not a number"),
        ("?category=rumour", "Ignored category=rumour: not a known value"),
        ("?confidence=certain", "Ignored confidence=certain: not a known value"),
        ("?route=Gao", "Ignored route=Gao: not a route (use Origin>Destination)"),
        ("?story=my%20story", "Ignored story=my story: use letters, digits, '-' and '_' only"),
        ("?step=0", "Ignored step=0: not a whole number from 1"),
        ("?step=2.5", "Ignored step=2.5: not a whole number from 1"),
        ("?step=-3", "Ignored step=-3: not a whole number from 1"),
        ("?present=maybe", "Ignored present=maybe: use 1, true, 0 or false"),
        ("?select=gao", "Ignored select=gao: not a selection (use kind|key, kind one of route, airport, event, records)"),
        ("?select=plane|5U-MBH", "Ignored select=plane|5U-MBH: not a selection (use kind|key, kind one of route, airport, event, records)"),
        ("?select=records|loop-2", "Ignored select=records|loop-2: not a selection (use kind|key, kind one of route, airport, event, records)"),
    ],
)
def test_malformed_parameter_is_ignored_with_a_notice(search, notice):
    state, notices = parse_query(search)
    assert notices == [notice]
    assert state == ViewState()


def test_a_reversed_window_is_ignored_whole():
    state, notices = parse_query("?start=2023-10-20&end=2023-10-10&zoom=5")
    assert (state.start, state.end, state.zoom) == (None, None, 5.0)
    assert notices == ["Ignored start=2023-10-20 and end=2023-10-10: the window ends before it starts"]


def test_bad_list_items_are_dropped_and_good_ones_kept():
    state, notices = parse_query("?category=rumour,incident,gossip&confidence=disputed,sure")
    assert state.filters == {"category": ["incident"], "confidence": ["disputed"]}
    assert notices == [
        "Ignored category=rumour: not a known value",
        "Ignored category=gossip: not a known value",
        "Ignored confidence=sure: not a known value",
    ]


def test_good_parameters_survive_bad_neighbours():
    state, notices = parse_query("?start=2023-10-10&foo=1&zoom=abc&aircraft=5umbh&step=x&lat=12.5")
    assert state == ViewState(start=date(2023, 10, 10), filters={"aircraft": "5umbh"}, lat=12.5)
    assert len(notices) == 3


@pytest.mark.parametrize(
    "search",
    [
        "%", "%%", "?%zz=%", "?%ff%fe=1", "?start=%", "?=", "?==&=x", "&&&", "?a=b=c", "??start=2023-10-10",
        "?start=" + "9" * 5000, "?step=" + "9" * 5000, "?zoom=" + "1" * 400, "?lat=1e999", "?x" * 20000,
        "?aircraft=" + "é" * 100000, "?airport=" + ",".join(["Gao"] * 5000),
        "?select=%00%01|%0A", "?story=\u202e\U0001F600", "?present=%E2%80%8B", "\x00\ud800", "#start=1",
        "?type=%C3%28&source=\uffff", "?category=%", "?lat= &lon=\t",
    ],
)
def test_garbage_never_raises(search):
    state, notices = parse_query(search)
    assert isinstance(state, ViewState) and all(isinstance(n, str) for n in notices)
    assert all(len(n) < 300 for n in notices)  # long values are cut short in notices
    assert not any("could not be read" in n for n in notices)  # handled, not caught by the safety net
    assert parse_query(to_query(state))[0] == state


@pytest.mark.parametrize("value", [123, b"?start=2023-10-10", ["start"], {"a": 1}, 1.5])
def test_non_text_input_never_raises(value):
    state, notices = parse_query(value)
    assert isinstance(state, ViewState) and isinstance(notices, list)


def test_long_values_are_shortened_in_notices():
    (notice,) = parse_query("?foo=" + "x" * 1000)[1]
    assert notice.startswith("Ignored foo=xxx") and notice.endswith("…: unknown parameter") and len(notice) < 100


# --- writing ------------------------------------------------------------------------------

def test_the_default_view_writes_nothing():
    assert to_query(ViewState()) == ""
    assert to_query(ViewState(filters={"type": [], "aircraft": " "}, present=False)) == ""


def test_query_is_written_in_a_fixed_readable_order():
    state = ViewState(
        start=date(2023, 10, 10), end=date(2023, 10, 20),
        filters={"source": ["setal-2023-09"], "route": ["Gao>Tessalit"], "aircraft": "5U-MBH",
                 "airport": ["Air Base 201", "Gao"], "confidence": ["reported", "disputed"]},
        select="route|loop-1,loop-2", lat=16.248449, lon=-0.005512, zoom=5.456,
        story="gao", step=2, present=True,
    )
    assert to_query(state) == (
        "?start=2023-10-10&end=2023-10-20&aircraft=5U-MBH&airport=Air%20Base%20201,Gao&route=Gao>Tessalit"
        "&confidence=reported,disputed&source=setal-2023-09&select=route|loop-1,loop-2"
        "&lat=16.2484&lon=-0.0055&zoom=5.46&story=gao&step=2&present=1"
    )


def test_numbers_are_written_short():
    assert to_query(ViewState(lat=12.0, lon=-8.5, zoom=5.0)) == "?lat=12&lon=-8.5&zoom=5"
    assert to_query(ViewState(lat=10.0, lon=-100.0, zoom=20.0)) == "?lat=10&lon=-100&zoom=20"
    assert to_query(ViewState(lat=0.0, lon=-0.00001, zoom=0.0)) == "?lat=0&lon=0&zoom=0"


def test_reserved_characters_are_escaped():
    query = to_query(ViewState(filters={"aircraft": "a&b=c#d%e+f?", "operator": ["Mali/Niger"]}))
    assert "&b=" not in query and "#" not in query and "+" not in query
    assert parsed(query).filters == {"aircraft": "a&b=c#d%e+f?", "operator": ["Mali/Niger"]}


VALID_STATES = [
    ViewState(),
    ViewState(start=date(2023, 10, 10), end=date(2023, 10, 20)),
    ViewState(start=date(2023, 10, 10)),
    ViewState(end=date(2024, 3, 22)),
    ViewState(filters={"aircraft": "5U-MBH"}),
    ViewState(filters={"aircraft": "Il-76 (reported; registration disputed)"}),
    ViewState(filters={"type": ["cargo aircraft (type disputed)", "C-130H"], "operator": ["MINUSMA (UN)"]}),
    ViewState(filters={"airport": ["Air Base 201", "Gao"], "route": ["Air Base 201>Niamey", "Gao>Tessalit"]}),
    ViewState(filters={"category": list(("context", "incident")), "confidence": ["confirmed", "reported"]}),
    ViewState(filters={"source": ["setal-2023-09", "bnn-2024-03-22"], "airport": ["Zürich — Kloten", "Ségou"]}),
    ViewState(select="route|loop-1,loop-2"),
    ViewState(select="airport|Air Base 201"),
    ViewState(select="event|gao-crash"),
    ViewState(select="records|flight:loop-2,event:gao-crash"),
    ViewState(lat=16.2484, lon=-0.0055, zoom=5.5),
    ViewState(lat=-90.0, lon=180.0, zoom=22.0),
    ViewState(story="gao-2023", step=4, present=True),
    ViewState(story="gao-2023"),
    ViewState(
        start=date(2023, 8, 20), end=date(2024, 3, 22),
        filters={"aircraft": "5u mbh", "type": ["C-130H"], "operator": ["Niger Air Force"], "airport": ["Tessalit"],
                 "route": ["Gao>Tessalit"], "category": ["incident"], "confidence": ["disputed"], "source": ["founding-003"]},
        select="records|flight:loop-2", lat=12.5335, lon=-7.9499, zoom=4.25, story="loop", step=1, present=True,
    ),
]


@pytest.mark.parametrize("state", VALID_STATES)
def test_round_trip(state):
    query = to_query(state)
    assert parse_query(query) == (state, [])
    assert to_query(parse_query(query)[0]) == query


# --- the selection as a parameter ---------------------------------------------------------

def test_selection_param_of_each_kind(flights):
    assert selection_param(route_selection(["loop-1", "loop-2"])) == "route|loop-1,loop-2"
    assert selection_param(airport_selection("Gao", flights)) == "airport|Gao"
    assert selection_param(event_selection("gao-crash")) == "event|gao-crash"
    records = {"kind": "records", "key": "flight:loop-2", "ids": ["flight:loop-2"]}
    assert selection_param(records) == "records|flight:loop-2"
    for nothing in (None, {}, {"kind": "plane", "key": "5U-MBH", "ids": []}, {"kind": "airport", "key": ""}, "route|x"):
        assert selection_param(nothing) is None


@pytest.mark.parametrize(
    "selection",
    [
        route_selection(["loop-1", "loop-2"]),
        route_selection(["gao-overrun"]),
        event_selection("gao-crash"),
        {"kind": "records", "key": "flight:loop-2", "ids": ["flight:loop-2"]},
        {"kind": "records", "key": "flight:loop-2,event:gao-crash", "ids": ["flight:loop-2", "event:gao-crash"]},
    ],
)
def test_selection_round_trip(selection, flights):
    assert selection_from_param(selection_param(selection), flights) == selection


@pytest.mark.parametrize("name", ["Gao", "Tessalit", "Niamey"])
def test_airport_selection_round_trip(name, flights):
    selection = airport_selection(name, flights)
    assert selection["ids"]  # the airport is touched by flights, so the round trip says something
    assert selection_from_param(selection_param(selection), flights) == selection


def test_selection_from_param_matches_a_click(flights):
    for text in ("route|loop-1,loop-2", "airport|Tessalit", "event|gao-crash"):
        assert selection_from_param(text, flights) == selection_from_click(text, flights)


def test_selection_through_the_whole_url(flights):
    selection = {"kind": "records", "key": "flight:loop-2,event:gao-crash", "ids": ["flight:loop-2", "event:gao-crash"]}
    query = to_query(ViewState(select=selection_param(selection)))
    assert selection_from_param(parsed(query).select, flights) == selection
    airport = airport_selection("Air Base 201", flights)  # no flights there: ids empty, still an airport
    assert selection_from_param(parsed(to_query(ViewState(select=selection_param(airport)))).select, flights) == airport


@pytest.mark.parametrize(
    "text",
    [None, "", "gao", "plane|5U-MBH", "route|", "route|,,", "airport|", "event|", "records|", "records|loop-2",
     "records|plane:1,:x,flight:", "|gao"],
)
def test_selection_from_param_refuses_what_is_not_a_selection(text, flights):
    assert selection_from_param(text, flights) is None


def test_records_keep_only_record_keys(flights):
    assert selection_from_param("records|flight:loop-2,plane:x,event:gao-crash,flight:loop-2", flights) == {
        "kind": "records", "key": "flight:loop-2,event:gao-crash", "ids": ["flight:loop-2", "event:gao-crash"],
    }
