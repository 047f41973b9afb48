"""Figures escape the data's text (issue 8): Plotly renders a subset of HTML in hover labels, so
every text from the data must reach it escaped. Payloads: tests/payloads.py."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from flightmap import timeline
from flightmap.figures import basemap_style, map_figure
from flightmap.loader import DataValidationError, load_dataset
from flightmap.routes import locate
from tests.conftest import edit_csv
from tests.payloads import hostile_dataset, payload

# The only tags the figures write themselves; anything else would come from the data.
OWN_TAGS = re.compile(r"</?b>|</?i>|<br>")
# Plotly's pseudo-HTML decodes these named entities and numeric ones (plotly.js svg_text_utils).
PLOTLY_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\xa0", "times": "×", "plusmn": "±", "deg": "°", "mu": "μ"}


def plotly_shows(text: str) -> str:
    """What Plotly displays for a hover text: its own tags dropped, its entities decoded."""
    def entity(match):
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return PLOTLY_ENTITIES.get(name, match.group(0))

    return re.sub(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);", entity, OWN_TAGS.sub(" ", text))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    data = hostile_dataset(tmp_path_factory.mktemp("hostile") / "data")
    dataset = load_dataset(data)
    return dataset, locate(dataset)


def hover_texts(figure) -> list[str]:
    """Every hover text of a figure (labels drawn on the map are MapLibre's plain text, not HTML)."""
    texts = []
    for trace in figure.data:
        value = getattr(trace, "hovertext", None)
        if value is not None:
            texts += [v for v in ([value] if isinstance(value, str) else list(value)) if isinstance(v, str)]
    return texts


def all_figures(dataset, located):
    flights, events = located.flights, located.events
    style = basemap_style("/assets/geo/countries.geojson", "/assets/geo/country-labels.geojson")
    everything = (pd.Timestamp("2019-01-01"), pd.Timestamp("2025-01-01"))
    return {
        "map": map_figure(flights, events, dataset.sources, style),
        "strip": timeline.timeline_figure(flights, events, everything, timeline.data_span(flights, events)),
    }


def test_hover_texts_hold_no_tag_from_the_data(hostile):
    dataset, located = hostile
    for name, figure in all_figures(dataset, located).items():
        texts = [t for t in hover_texts(figure) if "pwned" in t]
        assert texts, f"no payload reached the {name} figure"
        for text in texts:
            left = OWN_TAGS.sub("", text)
            assert "<" not in left and ">" not in left, f"{name} hover text lets markup through: {text[:300]!r}"


def squeeze(text: str) -> str:
    """Without whitespace: hover lines are wrapped, at spaces and inside long words."""
    return "".join(text.split())


def test_every_flight_and_event_payload_reaches_the_hover_escaped(hostile):
    dataset, located = hostile
    shown = squeeze(" ".join(plotly_shows(t).replace(" ", "") for t in hover_texts(all_figures(dataset, located)["map"])))
    for tag in ("event-title", "event-summary", "event-aircraft", "event-conflict_note", "flight-operator", "flight-aircraft_type",
                "flight-summary", "source-publisher", "place-name"):
        assert squeeze(f"{tag} <img src=x onerror=") in shown, tag
        assert squeeze(f"<script>window.__pwned='{tag}'</script>") in shown, tag


def test_hover_shows_double_quotes_as_they_are_written(hostile):
    dataset, located = hostile
    shown = squeeze(" ".join(plotly_shows(t) for t in hover_texts(all_figures(dataset, located)["map"])))
    assert squeeze(payload("event-title")) in shown


def test_a_javascript_link_in_the_sources_is_refused(dataset_dir):
    edit_csv(dataset_dir / "sources.csv", 2, "url", "javascript:window.__pwned=1")
    with pytest.raises(DataValidationError, match="url"):
        load_dataset(dataset_dir)
