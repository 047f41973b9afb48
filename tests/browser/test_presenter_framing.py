"""Presenter mode frames each step's subject (issue 13): on a phone, a laptop and a projector, the place
of every step's selected record is on the map and clear of the caption, which sits beside the
map (under it on a phone), and the map moves from one step's subject to the next."""
from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_map

# The step's subject (the selection in the address) drawn on the map, in the map's free area,
# and the caption's box apart from the map's.
SUBJECT_SHOWN = """() => {
  const select = new URLSearchParams(location.search).get('select');
  const gd = document.querySelector('#route-map .js-plotly-plot');
  if (!select || !gd || !gd._fullLayout.map) return false;
  const map = gd._fullLayout.map._subplot.map;
  const canvas = map.getCanvas().getBoundingClientRect();
  const caption = document.getElementById('story-caption').getBoundingClientRect();
  const apart = caption.left >= canvas.right - 1 || caption.top >= canvas.bottom - 1;
  for (const t of gd._fullData) {
    const i = Array.from(t.customdata || []).indexOf(select);
    if (i < 0 || t.mode === 'lines') continue;
    const p = map.project([t.lon[i], t.lat[i]]);
    const inside = p.x > 30 && p.x < canvas.width - 30 && p.y > 30 && p.y < canvas.height - 30;
    return inside && apart ? {x: p.x, y: p.y, w: canvas.width, h: canvas.height} : false;
  }
  return false;
}"""
SCREENS = {"laptop": (1366, 768), "projector": (1920, 1080)}
SUBJECT_STEPS = [1, 3, 4, 5, 6]  # steps whose selection is a placed event or an airport


@pytest.mark.parametrize("screen", ["laptop", "projector"])
def test_pf01_every_step_subject_is_on_the_map_and_clear_of_the_caption(default_server, page, screen):
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(default_server.url + "?story=default&step=1&present=1")
    wait_for_map(page)
    page.wait_for_selector(".app.presenting")
    centres = {}
    for step in range(1, 8):
        if step > 1:
            page.keyboard.press("ArrowRight")
        page.wait_for_function("(n) => location.search.includes('step=' + n)", arg=step, timeout=45_000)
        if step in SUBJECT_STEPS:
            page.wait_for_function(SUBJECT_SHOWN, timeout=45_000)
            centres[step] = page.evaluate("() => document.querySelector('#route-map .js-plotly-plot')._fullLayout.map.center")
    # The map went to each subject: Niamey (step 1) and Bamako (step 5) are not one frame.
    assert abs(centres[1]["lon"] - centres[5]["lon"]) > 3, centres
    # Type follows the screen: the caption's text is larger on the projector.
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#caption-text')).fontSize)")
    assert size >= (24 if screen == "projector" else 16), size


def test_pf02_on_a_phone_the_caption_shows_below_the_map_and_both_are_on_screen(default_server, page):
    """390x844: the caption goes under the map, not over it; the map keeps most of the screen and
    frames each step's subject; the caption's heading and the start of its text are on screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(default_server.url + "?story=default&step=1&present=1")
    wait_for_map(page)
    page.wait_for_selector(".app.presenting")
    for step in range(1, 8):
        if step > 1:
            page.keyboard.press("ArrowRight")
        page.wait_for_function("(n) => location.search.includes('step=' + n)", arg=step, timeout=45_000)
        if step in SUBJECT_STEPS:
            page.wait_for_function(SUBJECT_SHOWN, timeout=45_000)  # on the map, clear of the caption
        page.wait_for_function("() => document.getElementById('caption-title').textContent.length > 0", timeout=45_000)
        boxes = page.evaluate(
            """() => {
              const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; };
              const text = document.querySelector('#caption-text p, #caption-text');
              return {map: box(document.querySelector('#route-map .maplibregl-canvas')), title: box(document.getElementById('caption-title')),
                      text: box(text), screen: {w: innerWidth, h: innerHeight}, scrollWidth: document.documentElement.scrollWidth};
            }"""
        )
        screen = boxes["screen"]
        assert boxes["scrollWidth"] <= screen["w"], f"step {step}: the page scrolls sideways"
        assert boxes["map"]["height"] >= 0.4 * screen["h"] and boxes["map"]["top"] < screen["h"] / 4, f"step {step}: {boxes}"
        assert boxes["title"]["top"] >= boxes["map"]["bottom"] - 1, f"step {step}: the caption covers the map: {boxes}"
        assert boxes["title"]["bottom"] <= screen["h"] and boxes["text"]["top"] + 20 <= screen["h"], f"step {step}: the caption is off screen: {boxes}"
