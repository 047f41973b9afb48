"""Every screen (issue 13): a phone (390×844), a laptop (1366×768) and a projector (1920×1080).
No sideways scrolling, the map first on a phone and framed on what the window shows, touch
targets of at least 44 px on the phone, table dates never cut."""
from __future__ import annotations

import pytest

from tests.browser.conftest import TABLE_ROW, wait_for_frame, wait_for_map

SCREENS = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}

# Every airport the map draws, as (name, x, y) in page pixels, and the map's box.
AIRPORTS_ON_SCREEN = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const box = map.getCanvas().getBoundingClientRect();
  const trace = gd._fullData.find(t => t.name === 'airports');
  const points = Array.from(trace.lat).map((lat, i) => {
    const px = map.project([trace.lon[i], lat]);
    return {name: trace.text[i], x: box.left + px.x, y: box.top + px.y};
  });
  return {box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom}, points};
}"""

# Visible controls a finger has to hit, outside the map (its mode bar is Plotly's) and the grid.
SMALL_TARGETS = """(least) => {
  const controls = document.querySelectorAll('button, summary, input:not([type=hidden]), select, [role=slider], a.button, .dash-dropdown');
  return [...controls].filter(el => {
    if (el.closest('.modebar, .ag-root-wrapper, .dash-dropdown-focus-target') || el.classList.contains('dash-dropdown-focus-target')) return false;
    // A radio or a checkbox is hit through its whole label.
    const target = (el.type === 'radio' || el.type === 'checkbox') && el.closest('label') ? el.closest('label') : el;
    const r = target.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!r.width || !r.height || style.visibility === 'hidden' || style.opacity === '0') return false;
    if (el.closest('[hidden], details:not([open]) > :not(summary)')) return false;
    return r.height < least || r.width < least;
  }).map(el => `${el.tagName.toLowerCase()}#${el.id || ''}.${el.className && el.className.baseVal === undefined ? el.className : ''} ${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}"`);
}"""


def open_at(page, url: str, screen: str):
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    wait_for_map(page)
    page.wait_for_selector(".window-label")
    wait_for_frame(page)


def no_sideways_scrolling(page):
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(sizes[:2]) <= sizes[2], f"the page scrolls sideways: {sizes}"


@pytest.mark.parametrize("screen", list(SCREENS))
def test_scr01_no_sideways_scrolling_and_the_map_framed(default_server, page, screen):
    open_at(page, default_server.url, screen)
    no_sideways_scrolling(page)
    drawn = page.evaluate(AIRPORTS_ON_SCREEN)
    box = drawn["box"]
    assert box["right"] - box["left"] > 300 and box["bottom"] - box["top"] > 250, f"the map is too small: {box}"
    assert {p["name"] for p in drawn["points"]} >= {"Bamako", "Gao", "Tessalit", "Niamey"}
    if screen != "phone":  # header, map, legend and timeline in the first screen: the slider too
        slider = page.evaluate("() => document.getElementById('timeline-slider').getBoundingClientRect().bottom")
        assert slider <= SCREENS[screen][1], f"the slider is below the fold ({slider} px)"
    for point in drawn["points"]:  # every place of the window inside the frame, clear of its edges
        assert box["left"] + 10 < point["x"] < box["right"] - 40 and box["top"] + 30 < point["y"] < box["bottom"] - 10, f"{point} outside {box}"


def test_scr02_a_phone_shows_the_map_first_at_full_width_with_44px_targets(default_server, page):
    open_at(page, default_server.url, "phone")
    layout = page.evaluate(
        """() => {
          const r = (sel) => document.querySelector(sel).getBoundingClientRect();
          return {map: r('#route-map'), side: r('.side-column'), timeline: r('.timeline'), width: window.innerWidth, height: window.innerHeight};
        }"""
    )
    assert layout["map"]["width"] >= layout["width"] - 2, "the map does not take the phone's width"
    assert layout["map"]["top"] < layout["height"] / 2, "the map does not start in the first half-screen"
    assert layout["map"]["bottom"] <= layout["timeline"]["top"] + 1 and layout["timeline"]["bottom"] <= layout["side"]["top"] + 1, "panels are not below the map"
    page.locator(".filters > summary").click()  # open the filters: their fields count too
    page.wait_for_selector("#filter-aircraft", state="visible")
    small = page.evaluate(SMALL_TARGETS, 44)
    assert small == [], "controls smaller than 44 px on a phone:\n" + "\n".join(small)
    no_sideways_scrolling(page)


def test_scr03_table_dates_are_never_cut(default_server, page):
    open_at(page, default_server.url, "laptop")
    page.locator(TABLE_ROW).first.wait_for()  # the first block of rows has loaded
    cut = page.evaluate(
        """() => [...document.querySelectorAll('#records-table .ag-cell[col-id=date_start], #records-table .ag-cell[col-id=date_end]')]
             .filter(c => c.querySelector('.ag-cell-value, span') ? (c.scrollWidth > c.clientWidth + 1) : false).map(c => c.textContent)"""
    )
    assert cut == []
    dates = page.locator("#records-table .ag-cell[col-id=date_start]").all_text_contents()
    assert dates and all(len(d) == 10 for d in dates if d)
