"""The map follows the window in the browser (assets/window_map.js): while a handle is dragged
and while playback runs, the routes drawn change with the window without asking the server for
a map; what the browser draws for a window is what the server's figure draws for it."""
from __future__ import annotations

import html
import re

from tests.browser.conftest import set_window, wait_for_map

GRAPH = "document.querySelector('#route-map .js-plotly-plot')"
DRAWN = f"() => {{ const d = {GRAPH}.windowDrawn; return d ? {{window: d.window, routes: d.routes}} : null; }}"
# The routes the server's figure draws: (origin, destination, style, width) from each route
# trace's hover texts (the first line names the route) and its line width.
SERVER_ROUTES = f"""() => {{
  const styles = {{"dated flights": "dated", "reported pattern (not dated flights)": "pattern", "disputed": "disputed"}};
  const gd = {GRAPH};
  const out = [];
  gd.data.forEach((t) => {{
    if (!styles[t.name] || !t.hovertext) return;
    new Set(Array.from(t.hovertext).filter(Boolean)).forEach((text) => out.push([text, styles[t.name], t.line.width]));
  }});
  return {{window: gd.layout.meta.window, routes: out}};
}}"""
MAP_REQUESTS = '"output":"route-map.figure"'


def _server_routes(page) -> tuple[list, set]:
    found = page.evaluate(SERVER_ROUTES)
    routes = set()
    for text, style, width in found["routes"]:
        origin, destination = re.match(r"<b>(.*?) → (.*?)</b>", text).groups()
        routes.add((html.unescape(origin), html.unescape(destination), style, float(width)))
    return found["window"], routes


def _routes(drawn) -> set:
    return {(r["origin"], r["destination"], r["style"], float(r["width"])) for r in drawn["routes"]}


# Painted pixels of the canvas the dragged window is drawn on, and Plotly's map layers left visible.
OVERLAY_PIXELS = """() => {
  const canvas = document.querySelector('#route-map canvas.fm-window-overlay');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) painted += 1;
  return painted;
}"""
PLOTLY_LAYERS_SHOWN = f"""() => {{
  const map = {GRAPH}._fullLayout.map._subplot.map;
  return map.getLayersOrder().filter((id) => id.startsWith('plotly-trace-layer-') && map.getLayoutProperty(id, 'visibility') !== 'none').length;
}}"""


def _map_requests(page) -> list:
    requests = []
    page.on("request", lambda r: "_dash-update-component" in r.url and MAP_REQUESTS in (r.post_data or "") and requests.append(r))
    return requests


def test_wf001_dragging_a_handle_redraws_the_map_before_release_without_the_server(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-09-01", "2023-09-30")
    wait_for_map(page)
    page.wait_for_function(f"() => {GRAPH}.layout.meta.window && window.dash_clientside.flightmap.computeWindow(0, 1) !== null", timeout=15_000)
    requests = _map_requests(page)
    handle = page.locator("#timeline-slider [role=slider]").nth(1)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    seen = []
    for step in range(1, 6):
        page.mouse.move(x + 40 * step, y, steps=3)
        page.wait_for_function(
            f"() => {{ const d = {GRAPH}.windowDrawn; const s = document.querySelector('#timeline-slider [role=slider]:nth-of-type(2)') ; return d && d.window[1] > {0 if not seen else seen[-1]['window'][1]}; }}",
            timeout=10_000,
        )
        seen.append(page.evaluate(DRAWN))
    # Still held: the map shows the dragged window, drawn over the map, and no map was asked for.
    assert len({tuple(d["window"]) for d in seen}) >= 3
    assert _routes(seen[-1]) != _routes(seen[0]) or seen[-1]["window"] != seen[0]["window"]
    assert page.evaluate(OVERLAY_PIXELS) > 500
    assert page.evaluate(PLOTLY_LAYERS_SHOWN) == 0  # the figure's routes of the old window are hidden
    assert requests == []
    page.mouse.up()
    # Released: the server's figure of that window takes over and the overlay is cleared.
    page.wait_for_function(f"() => {GRAPH}.windowDrawn === null && !window.dash_clientside.flightmap.windowState().active", timeout=30_000)
    assert page.evaluate(OVERLAY_PIXELS) == 0 and page.evaluate(PLOTLY_LAYERS_SHOWN) > 0
    window, routes = _server_routes(page)
    assert len(requests) >= 1
    assert window == seen[-1]["window"] or window[1] >= seen[-1]["window"][1]


def test_wf002_the_browsers_routes_and_widths_equal_the_servers_for_the_same_window(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    for start, end in (("2023-08-01", "2023-10-31"), ("2023-09-10", "2023-09-20")):
        set_window(page, start, end)
        wait_for_map(page)
        window, server = _server_routes(page)
        browser = page.evaluate("([a, b]) => window.dash_clientside.flightmap.computeWindow(a, b)", window)
        assert server and _routes(browser) == server


def test_wf003_playback_advances_frames_in_the_browser_without_a_map_request_per_frame(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-06-01", "2023-06-20")
    wait_for_map(page)
    page.wait_for_function("() => window.dash_clientside.flightmap.computeWindow(0, 1) !== null", timeout=15_000)
    requests = _map_requests(page)
    page.locator("#play-button").click()
    page.wait_for_function("() => (window.dash_clientside.flightmap.windowState().frames || 0) >= 6", timeout=20_000)
    frames = page.evaluate("() => window.dash_clientside.flightmap.windowState().frames")
    drawn = page.evaluate(DRAWN)
    assert drawn and drawn["window"][1] > 19_528  # past 2023-06-20 (day 19528)
    page.locator("#play-button").click()
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=5_000)
    assert len(requests) < frames  # the server heard of it at most once a second, not per frame
    # Paused: the server's figure of the window reached takes over.
    page.wait_for_function(f"() => {GRAPH}.windowDrawn === null", timeout=30_000)
