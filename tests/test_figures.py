"""The map figure is a pure function of the located tables: check what it would draw."""
from __future__ import annotations

import pandas as pd
import pytest

from flightmap.figures import LAND, STYLE_NAMES, basemap_style, fit_view, map_figure
from flightmap.loader import load_dataset
from flightmap.routes import locate
from tests.conftest import DEFAULT_DATA, edit_csv

STYLE = basemap_style("/assets/geo/countries.geojson", "/assets/geo/country-labels.geojson")


def build(folder=DEFAULT_DATA):
    dataset = load_dataset(folder)
    located = locate(dataset)
    return map_figure(located.flights, located.events, dataset.sources, STYLE)


def trace(figure, name):
    return next(t for t in figure.data if t.name == name)


def test_basemap_style_needs_no_network():
    text = str(STYLE)
    assert "http" not in text and "mapbox://" not in text
    assert STYLE["version"] == 8 and {layer["id"] for layer in STYLE["layers"]} >= {"land", "borders", "country-names"}


def test_airports_are_drawn_with_labels_at_their_coordinates():
    airports = trace(build(), "airports")
    drawn = {name: (lat, lon) for name, lat, lon in zip(airports.text, airports.lat, airports.lon)}
    assert drawn["Bamako"] == pytest.approx((12.5335, -7.9499), abs=1e-3)
    assert drawn["Tessalit"] == pytest.approx((20.243, 0.9773), abs=1e-3)


def test_pattern_legs_carry_their_evidence_in_the_hover():
    legs = trace(build(), STYLE_NAMES["pattern"])
    hover = legs.hovertext[0]
    assert "Bamako → Gao" in hover and "reported pattern (no dated flights)" in hover
    assert "confidence: <b>reported</b>" in hover and "bnnbreaking.com (2024-03-22)" in hover
    assert "5U-MBH" in hover
    assert None in legs.lat  # drawn as dashes


def test_disputed_event_shows_its_conflict_note():
    incidents = trace(build(), "✖ incident")
    crash = incidents.hovertext[list(incidents.customdata).index("event|gao-crash")]
    assert "conflict:" in crash and "TZ-98T" in crash


def test_text_from_the_data_is_escaped(dataset_dir):
    edit_csv(dataset_dir / "flights.csv", 2, "summary", "<img src=x onerror=alert(1)>")
    hover = trace(build(dataset_dir), STYLE_NAMES["pattern"]).hovertext[0]
    assert "<img" not in hover and "&lt;img" in hover


def test_fit_view_frames_the_points():
    view = fit_view([12.5, 20.2], [-7.9, 2.2])
    assert 15.5 < view["center"]["lat"] < 17 and -3.5 < view["center"]["lon"] < -2.5
    assert 4 < view["zoom"] < 6.5
    assert fit_view([], [])["zoom"] == 2


def test_fit_view_keeps_the_points_in_the_free_area():
    """Padding for whatever is drawn over the map: the points' box is centred in what is left."""
    plain = fit_view([12.5, 20.2], [-7.9, 2.2], 1000, 600)
    padded = fit_view([12.5, 20.2], [-7.9, 2.2], 1000, 600, padding={"l": 400, "t": 0, "r": 0, "b": 200})
    assert padded["zoom"] < plain["zoom"]  # less room: zoomed out
    assert padded["center"]["lon"] < plain["center"]["lon"]  # the points sit right of the centre, clear of the left 400 px
    assert padded["center"]["lat"] < plain["center"]["lat"]  # and above it, clear of the bottom 200 px
    one_place = fit_view([16.27], [-0.04], 1000, 600, min_span_deg=4.0)
    assert one_place["zoom"] < 7  # a single place keeps its surroundings


def test_the_selected_event_is_labelled_last_and_ringed_in_a_clear_colour():
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    figure = map_figure(located.flights, located.events, dataset.sources, STYLE, selected=["event:bamako-sighting"])
    assert figure.data[-1].name == "selected event label"  # drawn last: MapLibre places its label first
    assert "Bamako" in figure.data[-1].text[0] and len(figure.data[-1].text) == 1
    assert "selected event label" not in {t.name for t in build().data}
    ring = trace(figure, "selected event")
    assert ring.marker.opacity == 1 and contrast(ring.marker.color, LAND) >= 3  # not a see-through grey halo


def contrast(a: str, b: str) -> float:
    def luminance(colour):
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def events_frame(rows):
    return pd.DataFrame(
        [{"id": i, "category": c, "date_start": pd.Timestamp(d), "lat": lat, "lon": lon, "title": i} for i, c, d, lat, lon in rows]
    )


GAO = (16.2484, -0.00546)
NEAR_GAO = [  # five events within a few kilometres of Gao, and one at Tessalit
    ("attack", "incident", "2023-09-08", *GAO), ("crash", "incident", "2023-09-23", *GAO),
    ("death", "incident", "2023-09-23", GAO[0] + 0.02, GAO[1]), ("lends", "military", "2023-11-17", *GAO),
    ("visit", "political", "2023-12-01", GAO[0], GAO[1] + 0.03), ("tessalit", "incident", "2023-10-16", 20.243, 0.977),
]


def test_co_located_events_are_fanned_out_with_one_counted_label():
    from flightmap.figures import event_layout, _world_px

    layout = event_layout(events_frame(NEAR_GAO), zoom=5.5)
    gao = layout.iloc[:5]
    assert gao["group"].nunique() == 1 and (gao["count"] == 5).all() and layout["count"].iloc[5] == 1
    # Fanned out: no two discs of the group closer than a disc's width at the frame's zoom.
    x, y = _world_px(gao["draw_lat"].to_numpy(), gao["draw_lon"].to_numpy(), 5.5)
    gaps = [((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) ** 0.5 for i in range(5) for j in range(i)]
    assert min(gaps) >= 13
    # One label for the group, on the best-ranked event (an incident, the newest), counting the rest.
    assert gao["labelled"].sum() == 1 and layout.loc[gao["labelled"].idxmax(), "more"] == 4
    assert gao["rank"].idxmin() in (1, 2)  # the 23 Sep incidents outrank the 8 Sep one and the others
    assert layout["labelled"].iloc[5]  # a lone event keeps its own label
    # Zoomed in far enough, the same places are no longer one group, and each is drawn by its place.
    close = event_layout(events_frame(NEAR_GAO), zoom=11)
    assert close["group"].nunique() > 2
    assert abs(close["draw_lat"] - events_frame(NEAR_GAO)["lat"]).max() < abs(layout["draw_lat"] - events_frame(NEAR_GAO)["lat"]).max()


def test_the_selection_always_keeps_its_labels_within_a_group():
    from flightmap.figures import event_layout

    keep = {"event:lends", "event:visit"}  # a story step's two records, neither the group's best-ranked
    layout = event_layout(events_frame(NEAR_GAO), zoom=5.5, keep=keep)
    labelled = set(events_frame(NEAR_GAO)["id"][layout["labelled"]])
    assert {"lends", "visit"} <= labelled and "crash" not in labelled and "attack" not in labelled
    assert layout["rank"].iloc[3] < 2 and layout["rank"].iloc[4] < 2  # placed before every other event
    assert layout["more"].sum() == 3  # the group's other three are counted once


def test_the_map_labels_one_event_per_group_and_counts_the_others():
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    figure = map_figure(located.flights, located.events, dataset.sources, STYLE)
    labels = [text for t in figure.data if t.legendgroup == "events" for text in t.text if text]
    assert sum("more here" in text for text in labels) >= 2  # Gao's four, Tessalit's three
    assert not any("Traoré" in text for text in labels) or not any("overruns" in text for text in labels)


def test_hidden_layers_are_not_drawn_and_text_scales():
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    figure = map_figure(located.flights, located.events, dataset.sources, STYLE, hidden={"pattern", "airports", "event-incident"}, scale=1.5)
    names = {t.name for t in figure.data}
    assert STYLE_NAMES["pattern"] not in names and "airports" not in names and "✖ incident" not in names
    assert "★ sighting" in names
    assert trace(figure, "★ sighting").textfont.size == 16.5


def test_every_event_disc_carries_its_category_glyph():
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    figure = map_figure(located.flights, located.events, dataset.sources, STYLE)
    glyphs = trace(figure, "event glyphs")
    placed = located.events.dropna(subset=["lat", "lon"])
    assert len(glyphs.text) == len(placed)
    assert sorted(glyphs.text) == sorted({"sighting": "★", "incident": "✖", "military": "▲", "political": "◆", "context": "●"}[c] for c in placed["category"])


def test_callouts_that_would_be_cut_at_the_right_edge_are_written_to_the_left():
    """A phone's narrow map framed on the case: Niamey and Tessalit lie near the right edge, and a
    callout to their right would run off the map (seen at 390 px); Bamako's stays on the right."""
    from flightmap.figures import LEFT_CALLOUTS

    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    events = located.events
    sahel = events[events["lon"] > -20]  # the frame of the case's window (Washington's event is another window)
    view = fit_view(sahel["lat"], sahel["lon"], 390, 500)
    figure = map_figure(located.flights, events, dataset.sources, STYLE, view=view, width_px=390)
    left = trace(figure, LEFT_CALLOUTS)
    assert left.textposition == "top left" and len(left.text) >= 1
    assert all(lon > -2 for lon in left.lon)  # Gao (0°) and east of it: the right-hand side of the frame; not Bamako (-8°)
    labels = [text for t in figure.data if t.legendgroup == "events" for text in t.text if text]
    wide = map_figure(located.flights, events, dataset.sources, STYLE, view=view)  # no width: nothing moves
    assert LEFT_CALLOUTS not in {t.name for t in wide.data}
    assert sorted(labels) == sorted(text for t in wide.data if t.legendgroup == "events" for text in t.text if text)  # the same callouts, moved
