"""The browser's window model: counts of any window from sorted day arrays equal the server's
pre-aggregation, and its drawing rules (routes drawn, widths, airport sizes, labels) equal the
figure's for the same window."""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from flightmap import arcs, timeline, window_model
from flightmap.figures import airport_trace, route_traces
from flightmap.loader import load_dataset
from flightmap.routes import locate, place_codes
from tests.conftest import DEFAULT_DATA


def _synthetic_located(n: int = 3000, seed: int = 3):
    """SYNTHETIC legs between made-up places P0..P39 (not real records), over 300 days."""
    rng = np.random.default_rng(seed)
    places = [(f"P{i}", 10 + (i % 8) * 1.5, -5 + (i // 8) * 2.0) for i in range(40)]
    o = rng.zipf(1.6, n) % 40
    d = (o + 1 + rng.integers(0, 8, n)) % 40
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    end = start + pd.to_timedelta(rng.choice([0, 0, 0, 3, 30], n), unit="D")
    kind = np.where(rng.random(n) < 0.1, "pattern", "dated")
    flights = pd.DataFrame({
        "id": [f"S{i}" for i in range(n)], "kind": kind,
        "confidence": np.where(rng.random(n) < 0.05, "disputed", "reported"),
        "flights_count": pd.array(np.where(rng.random(n) < 0.2, rng.integers(2, 9, n), 1), dtype="Int64"),
        "origin_name": [places[i][0] for i in o], "origin_lat": [places[i][1] for i in o], "origin_lon": [places[i][2] for i in o],
        "destination_name": [places[i][0] for i in d], "destination_lat": [places[i][1] for i in d], "destination_lon": [places[i][2] for i in d],
        "distance_km": 300.0, "date_start": start, "date_end": end, "date_precision": "day",
        "registration": "", "aircraft_type": "", "operator": "", "summary": "SYNTHETIC", "conflict_note": "",
        "source_ids": [()] * n,
    })
    return flights


def _model(flights, events=None, **kwargs):
    events = events if events is not None else pd.DataFrame({"lat": [], "lon": [], "category": [], "date_start": [], "date_end": []})
    index = arcs.route_index(flights)
    fs, fe = timeline.days(flights["date_start"]).astype("int32"), timeline.days(flights["date_end"]).astype("int32")
    es, ee = (timeline.days(events["date_start"]).astype("int32"), timeline.days(events["date_end"]).astype("int32")) if len(events) else (np.zeros(0, "int32"),) * 2
    model = window_model.build(index, fs, fe, np.ones(len(flights), bool), events, es, ee, np.ones(len(events), bool), **kwargs)
    return model, index, fs, fe


def _windows(fs, fe, count=25, seed=5):
    rng = np.random.default_rng(seed)
    low, high = int(fs.min()), int(fe.max())
    out = []
    for _ in range(count):
        length = int(rng.integers(0, 120))
        a = int(rng.integers(low - 5, high))
        out.append((a, a + length))
    return out


@pytest.fixture(scope="module")
def shipped():
    return locate(load_dataset(DEFAULT_DATA))


def test_window_counts_equal_the_servers_aggregation_on_synthetic_legs():
    flights = _synthetic_located()
    model, index, fs, fe = _model(flights)
    names = [(model.airport_names[o], model.airport_names[d], window_model.STYLES[s])
             for o, d, s in zip(model.route_origin, model.route_destination, model.route_style)]
    for a, b in _windows(fs, fe):
        rows = np.flatnonzero(timeline.window_mask(fs, fe, a, b))
        expected = arcs.window_routes(index, rows).set_index(["origin_name", "destination_name", "style"])
        records, counted, airports = window_model.window_counts(model, a, b)
        got = {key: (r, f) for key, r, f in zip(names, records, counted) if r}
        assert got == {key: (row.records, row.flights) for key, row in zip(expected.index, expected.itertuples())}
        totals = arcs.window_airports(index, rows)
        got_airports = {model.airport_names[i]: r for i, r in enumerate(airports) if r}
        assert got_airports == dict(zip(totals["name"], totals["records"]))


def _figure_routes(traces) -> set[tuple]:
    """(origin, destination, style, width) of every route a figure draws, read from its traces
    as the browser test reads them (the hover's first line names the route)."""
    styles = {"dated flights": "dated", "reported pattern (not dated flights)": "pattern", "disputed": "disputed"}
    out = set()
    for trace in traces:
        if trace.name not in styles or trace.hovertext is None:
            continue
        for text in set(t for t in trace.hovertext if t):
            origin, destination = re.match(r"<b>(.*?) → (.*?)</b>", text).groups()
            out.add((html.unescape(origin), html.unescape(destination), styles[trace.name], float(trace.line.width)))
    return out


@pytest.mark.parametrize("source", ["synthetic", "shipped"])
def test_drawn_routes_and_widths_equal_the_figures(source, shipped):
    flights = _synthetic_located() if source == "synthetic" else shipped.flights
    model, index, fs, fe = _model(flights)
    for a, b in _windows(fs, fe, count=15):
        rows = np.flatnonzero(timeline.window_mask(fs, fe, a, b))
        routes = arcs.window_routes(index, rows)
        drawn = window_model.drawn_routes(model, a, b)
        expected = _figure_routes(route_traces(flights.iloc[rows], pd.DataFrame({"id": [], "publisher": [], "published": []}), routes=routes))
        assert {(r.origin, r.destination, r.style, r.width) for r in drawn.itertuples()} == expected, (a, b)


def test_hidden_styles_leave_the_busiest_of_the_others():
    flights = _synthetic_located()
    model, index, fs, fe = _model(flights)
    a, b = _windows(fs, fe, count=1)[0]
    drawn = window_model.drawn_routes(model, a, b, hidden=("dated",))
    assert len(drawn) and set(drawn["style"]) <= {"pattern", "disputed"}


def test_airport_sizes_and_labels_equal_the_figures(shipped):
    flights = _synthetic_located(n=6000)
    # More than COMPACT_AIRPORTS places: only the busiest are labelled.
    flights["origin_name"] = flights["origin_name"] + flights.index.map(lambda i: f"-{i % 4}")
    flights["origin_lat"] = flights["origin_lat"] + flights.index.map(lambda i: (i % 4) * 0.01)
    codes = place_codes(shipped.resolutions)
    model, index, fs, fe = _model(flights, codes=codes)
    for a, b in _windows(fs, fe, count=8):
        rows = np.flatnonzero(timeline.window_mask(fs, fe, a, b))
        totals = arcs.window_airports(index, rows)
        trace = airport_trace(flights.iloc[rows], totals, codes)
        marks = window_model.airport_marks(model, a, b)
        assert list(marks["name"]) == [c.split("|", 1)[1] for c in trace.customdata]
        assert np.allclose(marks["size"].to_numpy(dtype=float), np.asarray(trace.marker.size, dtype=float), atol=0.05)
        assert list(marks["label"]) == list(trace.text)


def test_a_capped_model_keeps_the_busiest_routes_and_says_it_is_incomplete():
    flights = _synthetic_located()
    model, *_ = _model(flights, max_routes=20)
    assert model.routes == 20 and not model.complete and model.total_routes > 20


def test_the_browser_payload_decodes_to_the_same_arrays():
    import base64

    flights = _synthetic_located(n=500)
    model, *_ = _model(flights)
    payload = window_model.to_json(model, "k")
    spec = payload["routes"]["starts"]
    assert spec["type"] == "u2"
    starts = np.frombuffer(base64.b64decode(spec["data"]), dtype="<u2").astype("int64") + spec["base"]
    assert (starts == model.route_starts).all()
    steps = np.frombuffer(base64.b64decode(payload["routes"]["startFlights"]["data"]), dtype="<u2")
    assert (np.concatenate([[0], np.cumsum(steps)]) == model.start_flights).all()
    assert payload["rules"]["maxRoutes"] == 60
