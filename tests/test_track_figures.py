"""Drawing flown tracks (issue 17): cut to the window by point time, gaps as gaps, direction,
hover with time/altitude/speed, the "tracks" layer toggle, and the evidence panel's list.
The track is the SYNTHETIC tar1090 trace of tests/data/tracks/ (made-up aircraft TZ-TST)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flightmap import figures, importer
from flightmap.loader import load_dataset

TRACKS = Path(__file__).resolve().parent / "data" / "tracks"
STYLE = {"version": 8, "sources": {}, "layers": []}


@pytest.fixture
def with_track(dataset_dir):
    def add(name="synthetic_trace_full_0a1b2c.json", flights="loop-1"):
        path = TRACKS / name
        preview = importer.prepare_track(path.read_bytes(), path.name, load_dataset(dataset_dir),
                                         {"source_ids": "research-notes", "confidence": "reported", "flight_ids": flights})
        importer.merge(dataset_dir, preview)
        return load_dataset(dataset_dir)
    return add


def drawn(traces):
    lines = [t for t in traces if t.meta and "track" in t.meta]
    return lines, [t for t in traces if t.meta and "track-direction" in t.meta]


def test_a_track_is_a_thin_line_with_dots_broken_at_the_gap(with_track):
    dataset = with_track()
    lines, arrows = drawn(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources))
    assert len(lines) == 1 and len(arrows) == 1
    line = lines[0]
    assert line.mode == "lines+markers" and line.line.width <= 2 and line.line.color == figures.TRACK_COLOUR
    assert [v is None for v in line.lat].count(True) == 1  # the 50-minute hole over the desert
    assert line.lat.index(None) == 8  # after the 8 points before the hole, never joined across it
    assert sum(v is not None for v in line.lat) == 15 and line.meta["points"] == 15 and line.meta["segments"] == 2
    assert len([v for v in arrows[0].lat if v is None]) >= 2  # a chevron per stretch at least


def test_hover_gives_time_altitude_and_speed(with_track):
    dataset = with_track()
    line = drawn(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources))[0][0]
    text = line.hovertext[3]
    assert "2023-03-14 08:06:00 UTC" in text and "9,500 ft" in text and "210 kt" in text and "project research" in text


@pytest.mark.parametrize("start, end, count", [
    ("2023-03-14 08:05", "2023-03-14 09:20", 6),
    ("2023-03-14", "2023-03-15", 15),
    ("2023-03-15", "2023-03-16", 0),
])
def test_the_track_is_cut_to_the_window_by_point_time(with_track, start, end, count):
    dataset = with_track()
    lines, _ = drawn(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources, pd.Timestamp(start), pd.Timestamp(end)))
    assert sum(v is not None for t in lines for v in t.lat) == count


def now_marker(traces):
    marks = [t for t in traces if t.meta and "track-now" in t.meta]
    return marks[0] if marks else None


def test_the_aircraft_is_marked_at_the_last_point_of_the_window_and_moves_with_it(with_track):
    dataset = with_track()
    times = dataset.track_points["time"]
    seen = []
    for end in ("2023-03-14 08:30", "2023-03-14 09:20", "2023-03-15"):  # the window sliding as in playback
        traces = figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources, pd.Timestamp("2023-03-14"), pd.Timestamp(end))
        mark = now_marker(traces)
        last = dataset.track_points[times < pd.Timestamp(end, tz="UTC")].iloc[-1]
        assert mark.meta["track-now"] == ["0a1b2c-2023-03-14"] and mark.mode == "markers"
        assert (mark.lat[0], mark.lon[0]) == (round(last["lat"], 6), round(last["lon"], 6))
        assert f"{last['time']:%Y-%m-%d %H:%M:%S} UTC" in mark.hovertext[0] and set(mark.customdata) == {"route|loop-1"}
        seen.append((mark.lat[0], mark.lon[0]))
    assert len(set(seen)) == 3  # it moved each time
    assert now_marker(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources, pd.Timestamp("2023-03-15"), pd.Timestamp("2023-03-16"))) is None


def test_a_track_without_times_has_no_aircraft_position(with_track):
    dataset = with_track("synthetic_linestring.kml")
    assert now_marker(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources)) is None


def test_a_track_without_times_is_drawn_whole(with_track):
    dataset = with_track("synthetic_linestring.kml")
    lines, _ = drawn(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources, pd.Timestamp("2030-01-01"), pd.Timestamp("2030-01-02")))
    assert sum(v is not None for v in lines[0].lat) == 15


def test_the_layer_toggle_hides_tracks(with_track):
    dataset = with_track()
    from flightmap.routes import locate

    located = locate(dataset)
    kwargs = dict(tracks=dataset.tracks, track_points=dataset.track_points, window=(pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31")))
    shown = figures.map_figure(located.flights, located.events, dataset.sources, STYLE, **kwargs)
    assert any(t.meta and "track" in t.meta for t in shown.data)
    hidden = figures.map_figure(located.flights, located.events, dataset.sources, STYLE, hidden=("tracks",), **kwargs)
    assert not any(t.meta and ("track" in t.meta or "track-direction" in t.meta or "track-now" in t.meta) for t in hidden.data)
    assert len(hidden.data) == len(shown.data) - 3  # line, chevrons, aircraft position


def test_a_click_on_a_track_selects_the_legs_it_backs(with_track):
    dataset = with_track()
    line = drawn(figures.track_traces(dataset.tracks, dataset.track_points, dataset.sources))[0][0]
    assert set(line.customdata) == {"route|loop-1"}


def test_the_evidence_panel_lists_the_tracks_of_a_selected_flight(with_track):
    from components.details import details_children
    from flightmap.evidence import route_selection
    from flightmap.routes import locate

    dataset = with_track()
    located = locate(dataset)
    text = str(details_children(route_selection(["loop-1"]), located.flights, located.events, dataset.sources, dataset.tracks))
    assert "Flown track 0a1b2c-2023-03-14" in text and "15 points, 2023-03-14 08:00 to 2023-03-14 09:50 UTC" in text
    assert "Research notes" in text  # the track's source, by its title
    other = str(details_children(route_selection(["loop-2"]), located.flights, located.events, dataset.sources, dataset.tracks))
    assert "Flown track" not in other


def test_figures_know_nothing_of_dash():
    source = Path(figures.__file__).read_text()
    assert "import dash" not in source and "from dash" not in source


def test_exports_draw_the_tracks_of_their_window(with_track):
    from datetime import date

    from flightmap import exports
    from flightmap.routes import locate

    dataset = with_track()
    located = locate(dataset)
    inside = exports.export_figure(dataset, located, exports.ExportView(start=date(2023, 3, 14), end=date(2023, 3, 14)), 900, 500)
    assert [t.meta["points"] for t in inside.data if t.meta and "track" in t.meta] == [15]
    outside = exports.export_figure(dataset, located, exports.ExportView(start=date(2023, 3, 15), end=date(2023, 3, 16)), 900, 500)
    assert not [t for t in outside.data if t.meta and "track" in t.meta]


def test_the_map_frames_a_track_of_the_window(with_track):
    from types import SimpleNamespace

    from components.map_panel import frame_points

    dataset = with_track()
    nothing = SimpleNamespace(airports=pd.DataFrame({"lat": [], "lon": []}), events=pd.DataFrame({"lat": [], "lon": []}))
    lats, lons, _ = frame_points(nothing, None, dataset.track_points)
    assert min(lats) == dataset.track_points["lat"].min() and max(lons) == dataset.track_points["lon"].max()
    assert frame_points(nothing, None, None)[0] == []
