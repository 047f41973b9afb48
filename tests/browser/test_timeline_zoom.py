"""A timeline you can zoom (issue 13): the slider and the strip show a detail span, presets set
the window and the span, the strip zooms with the wheel, the handles never overlap and show
their dates while they move."""
from __future__ import annotations

from flightmap import timeline
from tests.browser.conftest import set_window, wait_for_map

DAY = timeline.to_day
LOW, HIGH = DAY("2019-11-01"), DAY("2024-08-05")

HANDLES = """() => {
  const thumbs = [...document.querySelectorAll('#timeline-slider [role=slider]')];
  const boxes = thumbs.map(t => t.getBoundingClientRect());
  return {min: +thumbs[0].getAttribute('aria-valuemin'), max: +thumbs[0].getAttribute('aria-valuemax'),
          values: thumbs.map(t => +t.getAttribute('aria-valuenow')), gap: boxes[1].left - boxes[0].right};
}"""
STRIP_RANGE = """() => document.querySelector('#timeline-strip .js-plotly-plot')._fullLayout.xaxis.range.map(v => String(v).slice(0, 10))"""


def label(page) -> str:
    return page.locator(".window-label").text_content()


def wait_label(page, text: str):
    page.wait_for_function("(t) => document.querySelector('.window-label').textContent === t", arg=text, timeout=15_000)


def wait_zoom(page, lo: int, hi: int):
    page.wait_for_function(
        "([lo, hi]) => { const t = document.querySelector('#timeline-slider [role=slider]'); return t && +t.getAttribute('aria-valuemin') === lo && +t.getAttribute('aria-valuemax') === hi; }",
        arg=[lo, hi], timeout=15_000,
    )


def test_tz01_the_slider_shows_the_case_not_five_years(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    handles = page.evaluate(HANDLES)
    assert handles["values"] == [DAY("2023-08-20"), DAY("2024-03-22")]
    assert LOW < handles["min"] <= DAY("2023-08-20") and DAY("2024-03-22") <= handles["max"] < HIGH
    assert handles["max"] - handles["min"] < 300  # the case fills the slider, not 117 px of it
    assert page.evaluate(STRIP_RANGE) == [timeline.from_day(handles["min"]).strftime("%Y-%m-%d"), timeline.from_day(handles["max"]).strftime("%Y-%m-%d")]


def test_tz02_presets_set_the_window_and_the_detail_span(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)

    page.locator("#preset-month").click()
    wait_label(page, "20 Aug 2023 – 19 Sep 2023")
    wait_zoom(page, DAY("2023-08-20") - 30, DAY("2023-09-19") + 30)
    handles = page.evaluate(HANDLES)
    assert handles["gap"] > 40, f"the month's handles are {handles['gap']} px apart"
    page.wait_for_function(f"() => ({STRIP_RANGE})()[0] === '2023-07-21'", timeout=15_000)
    assert "start=2023-08-20&end=2023-09-19" in page.url

    page.locator("#preset-quarter").click()
    wait_label(page, "20 Aug 2023 – 19 Nov 2023")

    page.locator("#preset-all").click()
    wait_label(page, "01 Nov 2019 – 05 Aug 2024")
    wait_zoom(page, LOW, HIGH)

    page.locator("#preset-case").click()
    wait_label(page, "20 Aug 2023 – 22 Mar 2024")
    assert page.evaluate(HANDLES)["max"] - page.evaluate(HANDLES)["min"] < 300


def test_tz03_a_short_window_anywhere_keeps_its_handles_apart(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2021-01-10", "2021-01-12")  # far outside the case, three days long
    page.wait_for_function(
        "(d) => +document.querySelector('#timeline-slider [role=slider]').getAttribute('aria-valuemin') <= d", arg=DAY("2021-01-10"), timeout=15_000
    )
    page.wait_for_timeout(300)  # the slider has taken its new range (one frame)
    handles = page.evaluate(HANDLES)
    assert handles["min"] <= DAY("2021-01-10") and handles["max"] >= DAY("2021-01-12")
    assert handles["gap"] > 0, f"the handles overlap: {handles}"


def test_tz04_the_wheel_zooms_the_strip_and_the_slider_follows(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    page.locator("#preset-all").click()
    wait_zoom(page, LOW, HIGH)
    box = page.locator("#timeline-strip .nsewdrag").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
    for _ in range(4):
        page.mouse.wheel(0, -300)  # zoom in round the pointer
    page.wait_for_function(
        "(full) => { const t = document.querySelector('#timeline-slider [role=slider]'); return +t.getAttribute('aria-valuemax') - +t.getAttribute('aria-valuemin') < full; }",
        arg=HIGH - LOW, timeout=15_000,
    )
    # The strip and the slider settle on the same span; the window is cut to it.
    page.wait_for_function(
        f"""() => {{ const s = ({STRIP_RANGE})(); const t = document.querySelector('#timeline-slider [role=slider]');
              return s[0] === new Date(+t.getAttribute('aria-valuemin') * 864e5).toISOString().slice(0, 10)
                  && s[1] === new Date(+t.getAttribute('aria-valuemax') * 864e5).toISOString().slice(0, 10); }}""",
        timeout=15_000,
    )
    handles = page.evaluate(HANDLES)
    assert handles["min"] > LOW and handles["max"] - handles["min"] < HIGH - LOW
    page.wait_for_function("(lo) => +document.querySelectorAll('#timeline-slider [role=slider]')[0].getAttribute('aria-valuenow') >= lo", arg=handles["min"], timeout=15_000)
    page.wait_for_function("() => !document.querySelector('.window-label').textContent.startsWith('01 Nov 2019')", timeout=15_000)


def test_tz05_a_handle_shows_its_date_while_it_moves(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    thumb = page.locator("#timeline-slider [role=slider]").first
    box = thumb.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
    tooltip = page.locator("#timeline-slider .dash-slider-tooltip").first
    assert tooltip.is_visible()
    shown = tooltip.text_content()
    page.mouse.up()
    assert shown != "20 Aug 2023" and shown.endswith("2023") and len(shown.split()) == 3, shown
    page.wait_for_function("(s) => document.querySelector('.window-label').textContent.startsWith(s)", arg=shown, timeout=15_000)


def test_tz06_dragging_the_overview_brush_moves_the_detail_span(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    before = page.evaluate(HANDLES)
    bar = page.locator(".zoom-overview").bounding_box()
    brush = page.locator("#zoom-brush").bounding_box()
    x, y = brush["x"] + brush["width"] / 2, brush["y"] + brush["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - bar["width"] * 0.3, y, steps=8)  # about 14 months earlier
    page.mouse.up()
    page.wait_for_function(
        "(lo) => +document.querySelector('#timeline-slider [role=slider]').getAttribute('aria-valuemin') < lo - 300",
        arg=before["min"], timeout=30_000,
    )
    # The strip, the slider and the brush settle on the same span, of the same length; the
    # window is carried into it.
    page.wait_for_function(
        f"""() => {{ const s = ({STRIP_RANGE})(); const t = document.querySelector('#timeline-slider [role=slider]');
              return s[0] === new Date(+t.getAttribute('aria-valuemin') * 864e5).toISOString().slice(0, 10); }}""",
        timeout=30_000,
    )
    after = page.evaluate(HANDLES)
    assert after["max"] - after["min"] == before["max"] - before["min"]
    assert after["min"] <= after["values"][0] and after["values"][1] <= after["max"]
    moved = page.locator("#zoom-brush").bounding_box()
    assert moved["x"] < brush["x"] - bar["width"] * 0.2
    page.wait_for_function("() => !document.querySelector('.window-label').textContent.startsWith('20 Aug 2023')", timeout=30_000)
