"""The legend under the map (issue 13): each entry a button that switches its layer off and on,
from the mouse or the keyboard; dashes drawn as dashes."""
from __future__ import annotations

from tests.browser.conftest import map_traces, wait_for_map

PATTERN = "reported pattern (not dated flights)"
BUTTON = '[id=\'{"layer":"%s","type":"layer-toggle"}\']'


def test_lg01_legend_buttons_switch_layers(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    assert PATTERN in map_traces(page) and "airports" in map_traces(page)
    # Each event disc shows its category's glyph, whatever labels collide round it.
    page.wait_for_function(
        """() => { const gd = document.querySelector('#route-map .js-plotly-plot');
                   const map = gd._fullLayout.map._subplot.map;
                   const t = gd._fullData.find(t => t.name === 'event glyphs');
                   const shown = map.queryRenderedFeatures({layers: [`plotly-trace-layer-${t.uid}-symbol`]});
                   return shown.length === t.text.length; }""",
        timeout=15_000,
    )
    pattern = page.locator(BUTTON % "pattern")
    assert pattern.get_attribute("aria-pressed") == "true"
    style = page.evaluate(f"() => getComputedStyle(document.querySelector(`{BUTTON % 'pattern'} .legend-swatch`)).borderTopStyle")
    assert style == "dashed"

    pattern.click()
    page.wait_for_function(f"() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => t.name === '{PATTERN}')", timeout=15_000)
    assert pattern.get_attribute("aria-pressed") == "false"
    assert "airports" in map_traces(page)

    page.locator(BUTTON % "airports").focus()
    page.keyboard.press("Enter")  # a button: the keyboard works as the mouse does
    page.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => t.name === 'airports')", timeout=15_000)

    pattern.click()
    page.wait_for_function(f"() => document.querySelector('#route-map .js-plotly-plot').data.some(t => t.name === '{PATTERN}')", timeout=15_000)
    assert pattern.get_attribute("aria-pressed") == "true"
    assert "airports" not in map_traces(page)
