"""Filters: the dict, the masks on the default data, how they combine, counts and dropdown options."""
from __future__ import annotations

import pandas as pd
import pytest

from flightmap import filters
from flightmap.filters import (
    FILTER_KEYS,
    apply,
    clean,
    counts,
    event_mask,
    flight_mask,
    is_active,
    options,
    route_key,
    route_label,
)
from flightmap.loader import load_dataset
from flightmap.routes import locate
from flightmap.schema import CONFIDENCES, EVENT_CATEGORIES
from tests.conftest import DEFAULT_DATA

LOOP = ["loop-1", "loop-2", "loop-3", "loop-4"]
MBH_EVENTS = {"c130-handover", "support-begins", "bamako-sighting", "founding-report"}
TESSALIT_FLIGHTS = {"tessalit-airlift", "tessalit-under-fire", "minusma-c130-tessalit"}
TESSALIT_EVENTS = {"tessalit-fire-landing", "minusma-c130-hit", "tessalit-handover"}
DISPUTED_FLIGHTS = {"gao-overrun", "tessalit-under-fire"}
DISPUTED_EVENTS = {"gao-crash", "traore-death", "tessalit-fire-landing"}
INCIDENTS = {"gao-airport-attack", "gao-crash", "traore-death", "tessalit-fire-landing", "minusma-c130-hit"}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DEFAULT_DATA)


@pytest.fixture(scope="module")
def located(dataset):
    return locate(dataset)


def kept(located, chosen):
    flights, events = apply(located.flights, located.events, chosen)
    return set(flights["id"]), set(events["id"])


def all_ids(located):
    return set(located.flights["id"]), set(located.events["id"])


# --- the dict ----------------------------------------------------------------------------

def test_clean_drops_unknown_and_empty_keys_and_normalises_values():
    raw = {
        "aircraft": "  5U-MBH ",
        "type": "C-130H",  # a single string becomes a list
        "operator": [],
        "airport": [" Gao", "Tessalit", "Gao", "", None, "  "],
        "route": None,
        "category": ("incident",),
        "confidence": "",
        "source": ["setal-2023-09", "setal-2023-09"],
        "colour": ["red"],
    }
    assert clean(raw) == {
        "aircraft": "5U-MBH",
        "type": ["C-130H"],
        "airport": ["Gao", "Tessalit"],
        "category": ["incident"],
        "source": ["setal-2023-09"],
    }
    assert list(clean(raw)) == ["aircraft", "type", "airport", "category", "source"]  # FILTER_KEYS order


@pytest.mark.parametrize("raw", [None, {}, [], "aircraft", {"aircraft": "  "}, {"aircraft": " - "}, {"type": [None, ""]},
                                 {"aircraft": ["5U-MBH"]}, {"type": {"a": 1}}, {"foo": "bar"}])
def test_clean_of_nothing_or_garbage_is_empty_and_inactive(raw):
    assert clean(raw) == {}
    assert is_active(raw) is False


def test_clean_keeps_list_order_and_does_not_touch_its_input():
    raw = {"confidence": ["reported", "confirmed", "reported"]}
    assert clean(raw) == {"confidence": ["reported", "confirmed"]}
    assert raw == {"confidence": ["reported", "confirmed", "reported"]}
    assert is_active(raw) is True and is_active({"aircraft": "u-mb"}) is True


def test_no_filters_keep_everything(located):
    for chosen in (None, {}, {"type": []}, {"aircraft": ""}):
        assert kept(located, chosen) == all_ids(located)


def test_route_keys_and_labels():
    assert route_key("Bamako", "Gao") == "Bamako>Gao"
    assert route_label("Bamako>Gao") == "Bamako → Gao"
    assert route_label(route_key("Air Base 201", "Niamey")) == "Air Base 201 → Niamey"
    assert route_label("Gao") == "Gao"


# --- each filter on the default data ------------------------------------------------------

@pytest.mark.parametrize("search", ["5umbh", "5U-MBH", "u-mb", "5U MBH", " 5u.mbh "])
def test_aircraft_search_ignores_case_and_separators(located, search):
    flights, events = kept(located, {"aircraft": search})
    assert flights == set(LOOP)
    assert events == MBH_EVENTS


def test_aircraft_search_reads_free_text_in_events(located):
    flights, events = kept(located, {"aircraft": "il76"})  # "Il-76 (reported; registration disputed)"
    assert events == {"gao-crash"}
    assert flights == set()  # gao-overrun has no registration: its Il-76 is the type
    assert kept(located, {"aircraft": "ZZ-ZZZ"}) == (set(), set())


def test_excluding_disputed_hides_disputed_records(located):
    flights, events = kept(located, {"confidence": ["confirmed", "probable", "reported"]})
    all_flights, all_events = all_ids(located)
    assert flights == all_flights - DISPUTED_FLIGHTS
    assert events == all_events - DISPUTED_EVENTS
    assert kept(located, {"confidence": ["disputed"]}) == (DISPUTED_FLIGHTS, DISPUTED_EVENTS)


def test_airport_keeps_legs_touching_it_and_events_there(located):
    flights, events = kept(located, {"airport": ["Tessalit"]})
    assert flights == {"loop-2", "loop-3"} | TESSALIT_FLIGHTS
    assert events == TESSALIT_EVENTS


def test_route_is_directed_and_keeps_every_event(located):
    flights, events = kept(located, {"route": ["Gao>Tessalit"]})
    assert flights == {"loop-2"}
    assert events == all_ids(located)[1]  # events have no route: a flight-only filter keeps them
    assert kept(located, {"route": ["Tessalit>Gao"]})[0] == set()
    assert kept(located, {"route": ["Gao>Tessalit", "Niamey>Bamako"]})[0] == {"loop-2", "loop-4"}


def test_type_and_operator_filter_flights_only(located):
    flights, events = kept(located, {"type": ["C-130H"]})
    assert flights == set(LOOP) and events == all_ids(located)[1]
    flights, events = kept(located, {"operator": ["Malian Armed Forces", "MINUSMA (UN)"]})
    assert flights == TESSALIT_FLIGHTS and events == all_ids(located)[1]


def test_category_filters_events_only(located):
    flights, events = kept(located, {"category": ["incident"]})
    assert events == INCIDENTS
    assert flights == all_ids(located)[0]


def test_source_keeps_records_citing_any_of_the_ids(located):
    assert kept(located, {"source": ["setal-2023-09"]}) == (set(), {"gao-airport-attack"})
    flights, events = kept(located, {"source": ["bamada-traore", "trt-2023-10-13"]})
    assert flights == {"tessalit-airlift"} and events == {"traore-death"}
    assert kept(located, {"source": ["no-such-source"]}) == (set(), set())


def test_filters_combine_with_and(located):
    flights, events = kept(located, {"aircraft": "5umbh", "airport": ["Tessalit"]})
    assert flights == {"loop-2", "loop-3"} and events == set()  # no 5U-MBH event at Tessalit
    flights, events = kept(located, {"airport": ["Tessalit"], "confidence": ["disputed"]})
    assert flights == {"tessalit-under-fire"} and events == {"tessalit-fire-landing"}
    flights, events = kept(located, {"airport": ["Gao"], "category": ["incident"], "type": ["Il-76 (reported)"]})
    assert flights == {"gao-overrun"}
    assert events == {"gao-airport-attack", "gao-crash", "traore-death"}
    flights, events = kept(located, {"category": ["incident"], "source": ["founding-003"]})
    assert flights == set(LOOP) | {"gao-overrun"} and events == {"gao-crash", "traore-death"}


def test_masks_keep_the_index_and_apply_does_not_mutate(located):
    flights = located.flights.set_index(located.flights.index + 100)
    events = located.events.iloc[::-1]
    before_flights, before_events = flights.copy(), events.copy()
    chosen = {"aircraft": "5umbh", "source": ["bnn-2024-03-22"]}
    mask = flight_mask(flights, chosen)
    assert mask.dtype == bool and mask.index.equals(flights.index)
    emask = event_mask(events, chosen)
    assert emask.dtype == bool and emask.index.equals(events.index)
    assert set(events.loc[emask, "id"]) == {"support-begins", "bamako-sighting", "founding-report"}
    out_flights, out_events = apply(flights, events, chosen)
    assert list(out_flights.index) == [100, 101, 102, 103]
    pd.testing.assert_frame_equal(flights, before_flights)
    pd.testing.assert_frame_equal(events, before_events)
    assert out_flights is not flights and out_events is not events


def test_masks_on_empty_tables(located):
    flights, events = located.flights.iloc[:0], located.events.iloc[:0]
    chosen = {"aircraft": "5umbh", "source": ["x"], "airport": ["Gao"]}
    assert flight_mask(flights, chosen).empty and event_mask(events, chosen).empty
    out_flights, out_events = apply(flights, events, chosen)
    assert out_flights.empty and out_events.empty


# --- counts -------------------------------------------------------------------------------

def test_counts_each_filter_alone(located):
    total = len(located.flights) + len(located.events)
    result = counts(located.flights, located.events, {
        "aircraft": "5umbh", "route": ["Gao>Tessalit"], "category": ["incident"], "confidence": ["disputed"],
    })
    assert list(result) == list(FILTER_KEYS)
    assert all(r["total"] == total for r in result.values())
    assert result["aircraft"]["kept"] == 4 + 4
    assert result["route"]["kept"] == 1 + len(located.events)
    assert result["category"]["kept"] == len(located.flights) + len(INCIDENTS)
    assert result["confidence"]["kept"] == len(DISPUTED_FLIGHTS) + len(DISPUTED_EVENTS)
    for key in ("type", "operator", "airport", "source"):
        assert result[key] == {"kept": total, "total": total}
    assert all(isinstance(v, int) for r in result.values() for v in r.values())


def test_counts_use_the_records_they_are_given(located):
    flights, events = located.flights.iloc[:2], located.events.iloc[:3]  # as if cut to a window
    result = counts(flights, events, {"airport": ["Gao"]})
    assert result["airport"] == {"kept": 2, "total": 5}  # loop-1 and loop-2 touch Gao; no event there
    assert counts(flights, events, None)["airport"] == {"kept": 5, "total": 5}


# --- dropdown options ---------------------------------------------------------------------

def values(opts):
    return [o["value"] for o in opts]


def test_options_from_the_data(located, dataset):
    opts = options(located.flights, located.events, dataset.sources)
    assert set(opts) == set(FILTER_KEYS) - {"aircraft"}
    assert all(set(o) == {"label", "value"} for group in opts.values() for o in group)
    assert values(opts["type"]) == ["C-130", "C-130H", "cargo aircraft (type disputed)", "Il-76 (reported)", "not identified"]
    assert values(opts["operator"]) == ["Malian Armed Forces", "MINUSMA (UN)", "Niger Air Force", "not identified"]
    assert values(opts["airport"]) == ["Air Base 201", "Anefis", "Bamako", "Gao", "Kidal", "Niamey", "Tessalit", "Washington"]
    assert opts["route"] == [
        {"label": "Bamako → Gao", "value": "Bamako>Gao"},
        {"label": "Gao → Tessalit", "value": "Gao>Tessalit"},
        {"label": "Niamey → Bamako", "value": "Niamey>Bamako"},
        {"label": "Tessalit → Niamey", "value": "Tessalit>Niamey"},
    ]
    assert values(opts["category"]) == list(EVENT_CATEGORIES)
    assert values(opts["confidence"]) == list(CONFIDENCES)


def test_source_options_name_publisher_and_title(located, dataset):
    sources = options(located.flights, located.events, dataset.sources)["source"]
    assert sorted(values(sources)) == sorted(dataset.sources["id"])
    by_value = {o["value"]: o["label"] for o in sources}
    assert by_value["setal-2023-09"] == "setal.net — Report on the JNIM attack in the Gao airport zone"
    long = by_value["africanews-2023-09-28"]
    assert len(long) == filters.SOURCE_LABEL_MAX and long.endswith("…")
    assert long.startswith("africanews.com — Report on the Gao crash")
    assert all(len(label) <= 70 for label in by_value.values())
    labels = [o["label"] for o in sources]
    assert labels == sorted(labels, key=str.casefold)


def test_options_leave_out_unresolved_leg_ends(located, dataset):
    flights = located.flights.copy()
    flights.loc[flights["id"] == "loop-1", ["origin_name", "origin_lat", "origin_lon"]] = ["Nowhere", float("nan"), float("nan")]
    opts = options(flights, located.events.iloc[:0], dataset.sources)
    assert "Nowhere" not in values(opts["airport"])
    assert "Nowhere>Gao" not in values(opts["route"]) and "Bamako>Gao" not in values(opts["route"])
    assert list(apply(flights, located.events, {"route": ["Nowhere>Gao"]})[0]["id"]) == ["loop-1"]  # still filterable
