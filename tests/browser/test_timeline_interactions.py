"""What a person does with the timeline, the map, the evidence panel and the table.

Each test reads the figure the browser is showing (not pixels) and ends with no browser errors."""
from __future__ import annotations

import pandas as pd

from tests.browser.conftest import click_on_map, drawn_keys, map_traces, set_window, wait_for_map

LOOP_KEYS = {"route|loop-1", "route|loop-2", "route|loop-3", "route|loop-4"}


def window_label(page) -> str:
    return page.locator(".window-label").text_content()


def test_typing_a_window_redraws_the_map(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    assert LOOP_KEYS <= drawn_keys(page)

    set_window(page, "2019-11-01", "2020-06-30")
    page.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.name || '').startsWith('reported pattern'))", timeout=15_000)
    keys = drawn_keys(page)
    assert not keys & LOOP_KEYS  # before the pattern's range: no routes
    assert "event|ab201-operating" in keys

    set_window(page, "2023-10-10", "2023-10-20")
    page.wait_for_function("() => document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).includes('event|minusma-c130-hit'))", timeout=15_000)
    keys = drawn_keys(page)
    assert LOOP_KEYS <= keys  # the pattern's range overlaps the window: still drawn, still dashed
    assert "event|gao-crash" not in keys  # 23 Sep is outside
    assert "event|tessalit-fire-landing" in keys


def test_dragging_the_slider_moves_the_window(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    before = window_label(page)
    thumb = page.locator("#timeline-slider [role=slider]").nth(1)
    box = thumb.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 60, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    if window_label(page) == before:  # a pointer drag did not register: use the keys on the handle
        thumb.focus()
        for _ in range(30):
            page.keyboard.press("ArrowLeft")
    page.wait_for_function("(before) => document.querySelector('.window-label').textContent !== before", arg=before, timeout=15_000)
    start, end = window_label(page).split(" – ")
    assert start == before.split(" – ")[0] and end != before.split(" – ")[1]
    assert page.locator("#window-end").input_value() != "2024-03-22"


def test_play_advances_the_window_and_pause_stops_it(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-08-20", "2023-09-10")
    page.select_option  # noqa: B018 - speed stays at one week per second
    page.locator("#play-button").click()
    # The map plays in the browser; the page's label waits for the pause.
    page.wait_for_function("() => (window.dash_clientside.flightmap.playbackWindow() || [0, 0])[1] > Math.round(Date.parse('2023-09-10') / 86400000)", timeout=15_000)
    assert "Pause" in page.locator("#play-button").text_content()
    assert window_label(page) == "20 Aug 2023 – 10 Sep 2023"
    page.locator("#play-button").click()
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=5_000)
    page.wait_for_timeout(800)  # a tick already under way may still land
    stopped = window_label(page)
    page.wait_for_timeout(2500)
    assert window_label(page) == stopped
    start, end = stopped.split(" – ")
    assert start != "20 Aug 2023"  # a sliding window moved both ends


def test_arrow_keys_step_from_event_to_event(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-09-01", "2023-09-20")
    page.locator("h1").click()  # focus leaves the date field
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.window-label').textContent.endsWith('23 Sep 2023')", timeout=15_000)
    page.wait_for_selector("#details-panel h3:has-text('Event')", timeout=10_000)
    assert "23 Sep 2023" in page.locator("#details-panel").text_content()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('.window-label').textContent.endsWith('16 Sep 2023')", timeout=15_000)
    page.wait_for_selector("#details-panel article:has-text('Alliance of Sahel States')", timeout=10_000)


def test_clicking_an_event_opens_its_evidence(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    click_on_map(page, "event|gao-crash")
    panel = page.wait_for_selector("#details-panel article:has-text('Transport aircraft overruns')", timeout=15_000)
    text = page.locator("#details-panel").text_content()
    assert "Conflict:" in text and "TZ-98T" in text and "disputed" in text
    assert "jeuneafrique.com" in text and "africanews.com" in text
    # The founding report behind the attribution can be read from the panel.
    link = page.locator("#details-panel a:has-text('read the document')").first
    assert link.get_attribute("href").startswith("source/")
    assert panel.is_visible()


def test_the_founding_report_opens_from_the_panel(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    click_on_map(page, "route|loop-2")
    page.wait_for_selector("#details-panel article:has-text('Gao → Tessalit')", timeout=15_000)
    with page.context.expect_page() as opened:
        page.locator("#details-panel li.source:has-text('founding report 000') a").click()
    document = opened.value
    document.wait_for_load_state()
    assert "5UMBH" in document.text_content("body") and "Niamay" in document.text_content("body")
    document.close()


def test_table_and_map_selections_follow_each_other(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    # A row chosen in the table is highlighted on the map and explained in the panel.
    page.locator(".ag-row[row-id='flight:loop-2'] .ag-cell[col-id='where']").click()  # waits for the row's block
    page.wait_for_function("() => document.querySelector('#route-map .js-plotly-plot').data.some(t => t.name === 'selected')", timeout=15_000)
    assert "selected" in map_traces(page)
    page.wait_for_selector("#details-panel article:has-text('Gao → Tessalit')", timeout=10_000)

    # An airport clicked on the map selects the rows of every record touching it.
    click_on_map(page, "airport|Tessalit")
    # Read the grid's own selection: rows scrolled out of view are not in the DOM.
    selected_rows = "() => dash_ag_grid.getApi('records-table').getSelectedRows().map(r => r.key)"
    page.wait_for_function("() => dash_ag_grid.getApi('records-table').getSelectedRows().length >= 4", timeout=15_000)
    chosen = set(page.evaluate(selected_rows))
    assert {"flight:loop-2", "flight:loop-3", "flight:tessalit-airlift", "flight:minusma-c130-tessalit"} <= chosen
    assert "flight:loop-1" not in chosen


def test_slider_handles_line_up_with_the_strip_dates(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    page.wait_for_function("() => document.querySelector('#timeline-strip .js-plotly-plot')._fullLayout.xaxis._length > 0")
    offsets = page.evaluate(
        """() => {
      const gd = document.querySelector('#timeline-strip .js-plotly-plot');
      const xa = gd._fullLayout.xaxis;
      const left = gd.getBoundingClientRect().left + xa._offset;
      const dates = [document.getElementById('window-start').value, document.getElementById('window-end').value];
      return Array.from(document.querySelectorAll('#timeline-slider [role=slider]')).map((thumb, i) => {
        const box = thumb.getBoundingClientRect();
        return (box.left + box.width / 2) - (left + xa.d2p(dates[i]));
      });
    }"""
    )
    assert len(offsets) == 2 and all(abs(o) <= 3 for o in offsets), offsets



def test_play_from_a_window_outside_the_slider_range_keeps_the_window_whole(default_server, page):
    """A story step moves the window and the slider's range in separate callbacks: Play pressed
    between the two used to cut the window to the stale range, ending before it started (seen in
    presenter mode: every server callback then failed). Playback runs within the data's span."""
    page.goto(default_server.url)
    wait_for_map(page)
    day = "(iso) => Math.round(Date.parse(iso) / 86400000)"
    # The slider's range as the previous step left it, starting the day after the new window ends.
    page.evaluate(f"() => window.dash_clientside.set_props('timeline-slider', {{min: ({day})('2023-09-13')}})")
    page.wait_for_timeout(300)
    page.evaluate(f"() => window.dash_clientside.set_props('timeline-slider', {{value: [({day})('2023-08-20'), ({day})('2023-09-12')]}})")
    page.wait_for_timeout(300)
    page.locator("#play-button").click()
    first = page.wait_for_function("() => window.dash_clientside.flightmap.playbackWindow()", timeout=5_000).json_value()
    page.locator("#play-button").click()  # at once, as a presenter's two presses of the space bar
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=5_000)
    assert first[0] <= first[1]
    assert first[0] < page.evaluate(f"() => ({day})('2023-09-13')")  # from the window shown, not the stale range
    page.wait_for_timeout(1500)  # the server's answers to the paused window
    start, end = (pd.Timestamp(part) for part in window_label(page).split(" – "))
    assert start <= end


STRIP_HEIGHT = "() => document.querySelector('#timeline-strip .js-plotly-plot')._fullLayout.height"


def test_the_strip_follows_the_screen_and_not_the_maps_box(default_server, page):
    """The map's box changes when the header's counts wrap onto a second line; the strip is then
    left alone (a slider move that also sent the whole strip cost twice its bytes at 100k
    flights). A screen of another height does get a strip of its height (components/timeline.py)."""
    strip_requests = []
    page.on("request", lambda r: "_dash-update-component" in r.url and '"output":"timeline-strip.figure"' in (r.post_data or "") and strip_requests.append(r))
    page.goto(default_server.url)
    wait_for_map(page)
    page.wait_for_function(f"() => ({STRIP_HEIGHT})() === 170")  # 1400 × 850: the usual strip
    page.wait_for_timeout(500)
    sent = len(strip_requests)
    size = page.evaluate("() => window.dash_clientside.flightmap.measureMap()")
    page.evaluate("(s) => window.dash_clientside.set_props('map-size', {data: Object.assign({}, s, {h: s.h - 40})})", size)
    page.wait_for_timeout(1500)
    assert len(strip_requests) == sent  # the map re-framed for its box; the strip untouched

    page.set_viewport_size({"width": 1920, "height": 1080})  # a projector: a taller strip
    page.wait_for_function(f"() => ({STRIP_HEIGHT})() === 200", timeout=15_000)
    for _ in range(100):  # the screen's size is sent once the resize has settled
        if len(strip_requests) > sent:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)
    assert len(strip_requests) == sent + 1
    assert '"vh":1080' in strip_requests[-1].post_data
