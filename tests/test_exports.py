"""Exports: every format gives a valid, non-blank file drawn offline (basemap and routes visible),
the HTML page opens from a file:// URL with no network, and the command line writes files.

One Chromium (kaleido's sync server, through `exports.renderer`) serves every render of this
module, and the images are small, so the module takes 40-60 s on a 2-CPU machine.
"""
from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from PIL import Image, ImageChops

from flightmap import export_cli, exports
from flightmap.figures import LAND, PATTERN_COLOUR
from flightmap.loader import load_dataset
from flightmap.routes import locate
from flightmap.story import load_story
from flightmap.viewstate import ViewState
from tests.conftest import DEFAULT_DATA, edit_csv

WIDTH, HEIGHT = 800, 450
TITLE = "Export test map"


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def pixels_near(image: Image.Image, colour: str, tolerance: int = 10) -> int:
    """How many pixels are within `tolerance` of `colour` on every channel."""
    target = rgb(colour)
    return sum(count for count, pixel in image.getcolors(image.width * image.height) if all(abs(a - b) <= tolerance for a, b in zip(pixel, target)))


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def data():
    dataset = load_dataset(DEFAULT_DATA)
    return dataset, locate(dataset)


@pytest.fixture(scope="module")
def story():
    return load_story(DEFAULT_DATA, "default")


@pytest.fixture(scope="module")
def view(data):
    _, located = data
    return exports.view_from_state(ViewState(), located.flights, located.events, title=TITLE, subtitle="whole period")


@pytest.fixture(scope="module")
def figure(data, view):
    dataset, located = data
    return exports.export_figure(dataset, located, view, WIDTH, HEIGHT)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for every render of this module."""
    with exports.renderer():
        yield


@pytest.fixture(scope="module")
def images(chromium, figure, tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    return {fmt: exports.write_image(figure, folder / f"map.{fmt}", fmt) for fmt in ("png", "svg", "pdf")}


# ----------------------------------------------------------------------------- pure parts

def test_view_from_state_defaults_to_the_flights_span(data):
    _, located = data
    view = exports.view_from_state(ViewState(), located.flights, located.events)
    assert (view.start, view.end) == (date(2023, 8, 20), date(2024, 3, 22))
    assert view.filters == {} and view.select is None
    chosen = exports.view_from_state(ViewState(start=date(2023, 9, 1), filters={"confidence": "disputed", "junk": 1}, select="event|gao-crash"), located.flights, located.events)
    assert (chosen.start, chosen.end) == (date(2023, 9, 1), date(2024, 3, 22))
    assert chosen.filters == {"confidence": ["disputed"]} and chosen.select == "event|gao-crash"


def test_the_basemap_is_inline_and_can_be_cut_to_the_view():
    world = exports.offline_basemap_style()
    assert all(isinstance(source["data"], dict) for source in world["sources"].values())
    assert not re.search(r"https?:|file:", json.dumps(world)), "the style must not name anything to fetch"
    assert exports.offline_basemap_style() == world  # parsed once, same result
    sahel = exports.offline_basemap_style((-12.0, 8.0, 8.0, 24.0))
    names = {f["properties"]["name"] for f in sahel["sources"]["countries"]["data"]["features"]}
    assert {"Mali", "Niger", "Burkina Faso"} <= names and "Japan" not in names
    assert len(names) < len(world["sources"]["countries"]["data"]["features"]) / 4


def test_export_figure_has_title_window_legend_and_sources(data, figure):
    dataset, _ = data
    layout = figure.layout
    assert layout.width == WIDTH and layout.height == HEIGHT and layout.showlegend is True
    assert TITLE in layout.title.text
    assert layout.title.subtitle.text == "whole period · 20 Aug 2023 – 22 Mar 2024"
    credit = " ".join(a.text for a in layout.annotations)
    assert credit.startswith("Sources: ") and "bnnbreaking.com" in credit
    assert "Data: data" in credit and "Basemap: Natural Earth" in credit and re.search(r"and \d+ more", credit)
    assert layout.margin.t >= 60 and layout.margin.b >= 20  # title and source line outside the map
    assert isinstance(layout.map.style["sources"]["countries"]["data"], dict)


def test_export_figure_shows_the_window_after_filters(data):
    dataset, located = data
    view = exports.ExportView(start=date(2023, 9, 18), end=date(2023, 9, 30), filters={"confidence": ["disputed"]}, select="event|gao-crash", subtitle="Gao")
    figure = exports.export_figure(dataset, located, view, 900, 500)
    flights, events = exports.records_in_view(located, view)
    assert set(events["confidence"]) == {"disputed"} and "gao-crash" in set(events["id"])
    drawn = {c for trace in figure.data for c in (trace.customdata or ()) if isinstance(c, str)}
    assert "event|gao-crash" in drawn and all(c.partition("|")[2] in set(events["id"]) for c in drawn if c.startswith("event|"))
    assert any(trace.name == "selected event" for trace in figure.data)
    assert figure.layout.title.subtitle.text == "Gao · 18 Sep 2023 – 30 Sep 2023"
    publishers = exports.publisher_names(dataset, flights, events)
    assert "jeuneafrique.com" in publishers and len(publishers) == len(set(publishers))


def test_source_line_names_at_most_eight_publishers():
    line = exports.source_line([f"p{i}.com" for i in range(11)], "data")
    assert line == "Sources: p0.com, p1.com, p2.com, p3.com, p4.com, p5.com, p6.com, p7.com and 3 more · Data: data · Basemap: Natural Earth"
    assert exports.source_line([], "x").startswith("Sources: none")


def test_plain_caption_drops_markdown_markers(story):
    assert exports.plain_caption("From **20 August** the *loop* (c130_handover) and __bold__ _it_ 5U-MBH") == \
        "From 20 August the loop (c130_handover) and bold it 5U-MBH"
    for step in story.steps:
        text = exports.plain_caption(step.caption)
        assert "**" not in text and not re.search(r"(^|\s)[*_]\w", text), text


def test_playback_windows_slide_and_grow():
    sliding = exports.playback_windows(date(2024, 1, 1), date(2024, 1, 24), frames=4)
    assert sliding == [(date(2024, 1, 1), date(2024, 1, 6)), (date(2024, 1, 7), date(2024, 1, 12)),
                       (date(2024, 1, 13), date(2024, 1, 18)), (date(2024, 1, 19), date(2024, 1, 24))]
    growing = exports.playback_windows(date(2024, 1, 1), date(2024, 1, 24), frames=4, mode="growing")
    assert [w[0] for w in growing] == [date(2024, 1, 1)] * 4 and growing[-1][1] == date(2024, 1, 24)
    assert len(exports.playback_windows(date(2024, 1, 1), date(2024, 1, 3), frames=24)) == 3  # one day per frame at most


def test_a_link_exports_as_the_dashboard_shows_it(data):
    dataset, located = data
    view, story = exports.view_for_link(dataset, located, "?start=2023-10-01&end=2023-10-31&confidence=confirmed&select=airport|Gao")
    assert (view.start, view.end, view.filters, view.select, story) == (date(2023, 10, 1), date(2023, 10, 31), {"confidence": ["confirmed"]}, "airport|Gao", None)
    assert exports.export_filename("pdf", view) == "flight-routes_2023-10-01_2023-10-31.pdf"


def test_a_story_link_exports_its_step_with_the_step_title(data, story):
    dataset, located = data
    view, linked = exports.view_for_link(dataset, located, "?story=default&step=3")
    step = story.step(3)
    assert linked.name == "default"
    assert (view.start, view.end, view.select) == (step.start, step.end, step.select)
    assert (view.title, view.subtitle) == (story.title, f"3. {step.title}")
    assert exports.export_filename("pptx", view, linked) == "story-default.pptx"


def test_write_export_refuses_an_unknown_format_and_a_deck_without_story(data, view, tmp_path):
    dataset, located = data
    with pytest.raises(exports.ExportError, match="unknown export format"):
        exports.write_export(dataset, located, "bmp", tmp_path / "x.bmp", view)
    with pytest.raises(exports.ExportError, match="story"):
        exports.write_export(dataset, located, "pptx", tmp_path / "x.pptx", view)
    assert not list(tmp_path.iterdir())


def test_missing_chromium_is_a_clear_error(figure, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with pytest.raises(exports.ExportError, match="BROWSER_PATH"):
        exports.write_image(figure, tmp_path / "map.png", "png")


# ----------------------------------------------------------------------------- static images

def test_png_is_the_map_at_the_requested_size(images):
    image = Image.open(images["png"]).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    assert len(image.getcolors(WIDTH * HEIGHT)) > 50, "a flat image: nothing was drawn"
    assert pixels_near(image, LAND, 3) > WIDTH * HEIGHT * 0.2, "the basemap's land is missing"
    assert pixels_near(image, PATTERN_COLOUR, 12) > 100, "the reported-pattern routes are missing"


def test_svg_is_xml_with_the_title(images):
    text = images["svg"].read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    assert TITLE in text and "20 Aug 2023" in text
    assert "<image" in text  # the map itself is a bitmap inside the SVG


def test_pdf_is_a_pdf(images):
    content = images["pdf"].read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 10_000


# ----------------------------------------------------------------------------- HTML

READY = """() => {
  const gd = document.getElementById('flight-map');
  const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
  return Boolean(map && gd.data && gd.data.length && map.loaded() && map.areTilesLoaded());
}"""


def test_html_is_one_self_contained_file(data, view, tmp_path):
    dataset, located = data
    path = exports.write_html(exports.export_figure(dataset, located, view, world=True), tmp_path / "map.html", TITLE)
    page = path.read_text(encoding="utf-8")
    assert f"<title>{TITLE}</title>" in page
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I), "every script must be inline"
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", page, re.I)
    # plotly.js itself holds URLs (of basemaps this page does not use, of links): look at the
    # markup outside the scripts (the style is checked in test_the_basemap_is_inline...)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S | re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup, re.I)
    assert "Natural Earth" in page and "Mali" in page  # the basemap travels inside the file


def test_html_opens_offline_from_a_file_url(data, view, tmp_path, browser):
    """Headless Chromium with no extra permissions, as a reader would double-click the file;
    every request that is not file:, data: or blob: is aborted and recorded."""
    dataset, located = data
    path = exports.write_html(exports.export_figure(dataset, located, view, world=True), tmp_path / "map.html", TITLE)
    outside, errors = [], []

    def local_only(route):
        if route.request.url.split(":", 1)[0] in ("file", "data", "blob"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        context.route("**/*", local_only)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
        page.goto(path.as_uri())
        page.wait_for_selector("#flight-map .maplibregl-canvas", timeout=60_000)
        page.wait_for_function(READY, timeout=60_000)
        page.wait_for_timeout(300)
        assert page.title() == TITLE
        shot = Image.open(io.BytesIO(page.locator("#flight-map .maplibregl-canvas").screenshot())).convert("RGB")
    finally:
        context.close()
    assert outside == [], f"the page tried to fetch: {outside}"
    assert errors == []
    assert pixels_near(shot, LAND, 3) > shot.width * shot.height * 0.2, "the basemap did not draw"
    assert pixels_near(shot, PATTERN_COLOUR, 12) > 100, "the routes did not draw"


# ----------------------------------------------------------------------------- PowerPoint

@pytest.fixture(scope="module")
def deck(data, story, images, tmp_path_factory):
    """The default story's deck. Its pictures are all the module's one PNG (rendering seven maps
    would add ~15 s; the command-line test below has write_pptx render a short story itself)."""
    from pptx import Presentation

    dataset, located = data
    frames = exports.story_frames(dataset, located, story, width=600, height=360)
    assert [step for step, _ in frames] == list(story.steps)
    assert [f.layout.title.subtitle.text.split(" · ")[0] for _, f in frames] == [f"{n}. {s.title}" for n, s in enumerate(story.steps, 1)]
    png = images["png"].read_bytes()
    path = exports.write_pptx(dataset, located, story, tmp_path_factory.mktemp("deck") / "story.pptx", images=[png] * len(story.steps))
    return Presentation(str(path))


def test_pptx_has_a_title_a_slide_per_step_and_sources(deck, story):
    slides = list(deck.slides)
    assert len(slides) == 1 + len(story.steps) + 1
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    assert story.title in slides[0].shapes.title.text
    pictures = [shape for slide in slides for shape in slide.shapes if shape.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == len(story.steps)
    for slide, step in zip(slides[1:-1], story.steps):
        assert step.title in slide.shapes.title.text
        text = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        assert "**" not in text
    assert "Sources" in slides[-1].shapes.title.text
    assert "jeuneafrique.com" in " ".join(s.text_frame.text for s in slides[-1].shapes if s.has_text_frame)


def test_pptx_notes_and_footers(deck, story):
    step3 = list(deck.slides)[3]
    assert "Il-76" in step3.notes_slide.notes_text_frame.text
    footer = [shape.text_frame.text for shape in step3.shapes if shape.has_text_frame and shape.text_frame.text.startswith("Sources:")]
    assert footer and "jeuneafrique.com" in footer[0] and "africanews.com (2023-09-28)" in footer[0]
    assert all(run.font.size.pt <= 10 for p in next(s for s in step3.shapes if s.has_text_frame and s.text_frame.text.startswith("Sources:")).text_frame.paragraphs for run in p.runs)


# ----------------------------------------------------------------------------- GIF

def test_gif_plays_the_window(chromium, data, view, tmp_path):
    dataset, located = data
    path = exports.write_gif(dataset, located, view, tmp_path / "playback.gif", frames=4, width=480, height=300, duration_ms=250)
    gif = Image.open(path)
    assert gif.format == "GIF" and gif.n_frames == 4 and gif.size == (480, 300) and gif.info.get("loop") == 0
    frames = []
    for index in range(gif.n_frames):
        gif.seek(index)
        frames.append(gif.convert("RGB"))
    assert all(ImageChops.difference(a, b).getbbox() for a, b in zip(frames, frames[1:])), "two frames are the same"
    assert pixels_near(frames[0], LAND, 3) > 480 * 300 * 0.2


# ----------------------------------------------------------------------------- command line

def test_cli_writes_a_png(chromium, tmp_path, capsys):
    out = tmp_path / "map.png"
    assert export_cli.main(["--format", "png", "--out", str(out), "--width", "640", "--height", "360", "--start", "2023-10-01", "--end", "2023-10-31"]) == 0
    assert Image.open(out).size == (640, 360)
    printed = capsys.readouterr().out
    assert str(out) in printed and "KB" in printed and " s" in printed


def test_cli_writes_a_story_deck(chromium, dataset_dir, tmp_path):
    from pptx import Presentation

    (dataset_dir / "stories" / "short.toml").write_text(
        'title = "Short"\n[[steps]]\ntitle = "One"\nstart = 2023-09-18\nend = 2023-09-30\nnotes = "first"\n'
        '[[steps]]\ntitle = "Two"\nstart = 2023-10-07\nend = 2023-10-21\ncaption = "**Tessalit**"\n', encoding="utf-8")
    out = tmp_path / "short.pptx"
    assert export_cli.main(["--format", "pptx", "--out", str(out), "--data", str(dataset_dir), "--story", "short"]) == 0
    deck = Presentation(str(out))
    assert len(deck.slides) == 4
    assert sum(1 for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13) == 2


@pytest.mark.parametrize("argv, message", [
    (["--format", "bmp", "--out", "x.bmp"], "invalid choice"),
    (["--format", "png"], "--out"),
    (["--format", "png", "--out", "OUT", "--start", "2024-02-01", "--end", "2024-01-01"], "before"),
    (["--format", "png", "--out", "OUT", "--start", "1 May"], "not a date"),
    (["--format", "png", "--out", "OUT", "--step", "2"], "--step needs --story"),
    (["--format", "pptx", "--out", "OUT", "--step", "2"], "every step"),
    (["--format", "png", "--out", "OUT", "--story", "default", "--step", "99"], "no step 99"),
    (["--format", "png", "--out", "OUT", "--story", "../etc"], "not a story name"),
    (["--format", "png", "--out", "OUT", "--frames", "3"], "gif only"),
    (["--format", "png", "--out", "NOWHERE/x.png"], "does not exist"),
    (["--format", "png", "--out", "OUT", "--width", "5"], "outside"),
])
def test_cli_bad_arguments_exit_2(argv, message, tmp_path, capsys):
    argv = [a.replace("OUT", str(tmp_path / "x.png")).replace("NOWHERE", str(tmp_path / "missing")) for a in argv]
    assert export_cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_cli_bad_data_exits_1_and_names_the_cell(dataset_dir, tmp_path, capsys):
    edit_csv(dataset_dir / "events.csv", 4, "date_end", "2001-01-01")
    assert export_cli.main(["--format", "png", "--out", str(tmp_path / "x.png"), "--data", str(dataset_dir)]) == 1
    assert "events.csv, row 4, column 'date_end'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
