"""Scrubbing the timeline: while a handle is dragged the strip's window band follows in the
browser, without asking the server; releasing it redraws the map as before."""
from __future__ import annotations

import datetime

from tests.browser.conftest import COUNT_FETCHES, wait_for_map

BAND = "() => { const s = document.querySelector('#timeline-strip .js-plotly-plot').layout.shapes[0]; return [String(s.x0).slice(0, 10), String(s.x1).slice(0, 10)]; }"


def test_dragging_moves_the_strip_band_at_once_and_the_map_waits_for_release(default_server, page):
    page.add_init_script(COUNT_FETCHES)
    page.goto(default_server.url)
    wait_for_map(page)
    page.wait_for_function("() => (document.querySelector('#timeline-strip .js-plotly-plot').layout.shapes || []).length > 0", timeout=15_000)
    # The page's first callbacks (a re-framed map, the window model) may still be in flight on a
    # busy machine: only a map request made by the drag counts, so wait until none is in flight.
    for _ in range(3):
        page.wait_for_function("() => window.__inflight === 0", timeout=45_000)
        page.wait_for_timeout(300)
    requests = []
    page.on("request", lambda request: "_dash-update-component" in request.url and requests.append(request.post_data or ""))
    # The start handle held and moved right with the mouse, as a person drags it.
    handle = page.locator("#timeline-slider [role=slider]").nth(0)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y, steps=4)
    held = page.evaluate("() => +document.querySelector('#timeline-slider [role=slider]').getAttribute('aria-valuenow')")
    start = page.evaluate("(day) => new Date(day * 86400000).toISOString().slice(0, 10)", held)
    page.wait_for_function(f"(start) => ({BAND})()[0] === start", arg=start, timeout=15_000)
    assert start > "2023-08-20"
    page.wait_for_timeout(500)
    assert not [r for r in requests if '"output":"route-map.figure"' in r]  # the map waits for the release
    assert page.locator(".window-label").text_content().startswith("20 Aug 2023")
    page.mouse.up()
    label = datetime.date.fromisoformat(start).strftime("%d %b %Y")
    page.wait_for_function("(label) => document.querySelector('.window-label').textContent.startsWith(label)", arg=label, timeout=30_000)
    assert [r for r in requests if '"output":"route-map.figure"' in r]  # released: the map is asked for
