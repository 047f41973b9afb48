"""Scrubbing the timeline: while a handle is dragged the strip's window band follows in the
browser, without asking the server; releasing it redraws the map as before."""
from __future__ import annotations

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
    # 2023-10-01 is day 19631, 2023-10-31 day 19661: what a handle reports while it is dragged.
    page.evaluate("() => window.dash_clientside.set_props('timeline-slider', {drag_value: [19631, 19661]})")
    page.wait_for_function(f"() => ({BAND})()[0] === '2023-10-01'", timeout=15_000)
    assert page.evaluate(BAND) == ["2023-10-01", "2023-11-01"]
    page.wait_for_timeout(500)
    assert not [r for r in requests if '"output":"route-map.figure"' in r]  # the map waits for the release
    assert page.locator(".window-label").text_content().startswith("20 Aug 2023")
