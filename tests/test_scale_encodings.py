"""Encodings that hold at any size (issue 16): airport discs by area with a cap, route widths
scaled to the busiest route drawn, short labels, and the key that says so. Tables here are
synthetic and say so."""
from __future__ import annotations

import numpy as np
import pandas as pd

from flightmap.arcs import width_for
from flightmap.figures import MAX_MARKER, MIN_MARKER, airport_sizes, airport_trace, short_label, size_key
from flightmap.routes import place_codes


def test_small_windows_keep_the_plain_rule():
    # The shipped data's look does not change: one flight 2.5 px, one record an 11 px disc.
    assert width_for(1, 1) == 2.5 and width_for(4, 4, busiest=4) == 5.0
    assert list(airport_sizes([1, 4, 8])) == [11.0, 14.0, round(8 + 3 * 8 ** 0.5, 1)]


def test_route_widths_keep_telling_busy_routes_apart():
    # Without `busiest` every route past 23 flights is 12 px: 500 and 100,000 look the same.
    assert width_for(500, 500) == width_for(100_000, 100_000) == 12.0
    busy = [width_for(n, n, busiest=100_000) for n in (1_000, 5_000, 25_000, 100_000)]
    assert busy == sorted(busy) and len(set(busy)) == 4
    assert busy[-1] == 12.0 and min(busy) >= 2.5
    # By area: a quarter of the traffic is half the width.
    assert abs(width_for(25_000, 25_000, busiest=100_000) - 6.0) < 1e-9


def test_airport_discs_are_capped_and_by_area():
    sizes = airport_sizes([1, 100, 2_500, 10_000, 100_000])
    assert sizes.max() == MAX_MARKER and sizes.min() >= MIN_MARKER
    assert list(sizes) == sorted(sizes)
    # Area proportional to records above the floor: 10,000 is a tenth of the hub's area.
    assert abs((sizes[3] / sizes[4]) ** 2 - 0.1) < 0.01
    assert airport_sizes([]).size == 0


def test_long_names_get_short_labels_and_keep_the_full_name_in_the_hover():
    assert short_label("Gao") == "Gao"
    assert short_label("General Edward Lawrence Logan International Airport", "BOS") == "BOS"
    assert short_label("Hartsfield-Jackson Atlanta International Airport") == "Hartsfield-Jackson…"
    assert short_label("Tamanrasset Aguenar Airport") == "Tamanrasset Aguenar"
    assert len(short_label("Aéroport international Modibo Keïta de Bamako")) <= 21
    # Synthetic totals: the label is short, the hover and the click key keep the whole name.
    totals = pd.DataFrame({"name": ["General Edward Lawrence Logan International Airport"], "lat": [42.36], "lon": [-71.0],
                           "dated_flights": [3], "pattern_legs": [0], "records": [3]})
    trace = airport_trace(totals.iloc[0:0], totals, {"General Edward Lawrence Logan International Airport": "BOS"})
    assert list(trace.text) == ["BOS"]
    assert "General Edward Lawrence Logan" in trace.hovertext[0] and trace.customdata[0].endswith("International Airport")


def test_codes_come_from_what_the_data_wrote():
    resolutions = pd.DataFrame({"query": ["KBOS", "BOS", "Gao", "bos"], "name": ["Logan Intl", "Logan Intl", "Gao", "Logan Intl"]})
    assert place_codes(resolutions) == {"Logan Intl": "BOS"}
    assert place_codes(pd.DataFrame({"query": [], "name": []})) == {}


def test_the_key_appears_only_once_the_scale_departs_from_the_plain_rule():
    routes = pd.DataFrame({"flights": [3, 1], "records": [3, 1]})
    airports = pd.DataFrame({"records": [3, 4]})
    assert size_key(routes, airports) is None
    big = pd.DataFrame({"flights": [12_000, 30], "records": [12_000, 30]})
    hubs = pd.DataFrame({"records": np.array([100_000, 40])})
    key = size_key(big, hubs)
    assert "100,000 records" in key and "12,000 flights" in key
    assert size_key(big, None) == "Sized by area · widest line: 12,000 flights"
