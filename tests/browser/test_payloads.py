"""Every text from the data is shown as text (issue 8): HTML and script payloads in every text
column (tests/payloads.py) appear literally wherever the page shows them (records table, map
labels and hovers, evidence panel, lists beside the map, filter options, story caption) and never
run. Run once with the app's CSP and once with the browser ignoring it, so that the escaping
alone is tested, not only the CSP behind it."""
from __future__ import annotations

import pytest

from flightmap.figures import short_label
from tests.browser.conftest import COUNT_FETCHES, BrowserErrors, click_on_map, goto_when_quiet, wait_for_map
from tests.payloads import EVENT_ID, FLIGHT_ID, PLACE, SOURCE_ID, STORY, UNRESOLVED, hostile_dataset, payload

# Where a payload would have landed in the DOM had it been parsed as HTML.
INJECTED = """() => ({
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  handlers: document.querySelectorAll('[onerror], [onload]').length,
  images: document.querySelectorAll('img[src="x"]').length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__pwned')).length,
  links: [...document.querySelectorAll('a[href]')].filter(a => a.href.trim().toLowerCase().startsWith('javascript:') && a.href.includes('__pwned')).length,
})"""
CLEAN = {"pwned": None, "handlers": 0, "images": 0, "scripts": 0, "links": 0}


def assert_not_injected(page, where: str):
    assert page.evaluate(INJECTED) == CLEAN, f"a payload was parsed as HTML {where}"


def assert_literal(text: str, tag: str, where: str):
    expected = payload(tag)
    assert expected in " ".join(text.split()) or expected in text, f"{tag} is not shown literally in {where}: {text[:400]!r}"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from tests.browser.conftest import Server

    data = hostile_dataset(tmp_path_factory.mktemp("payloads") / "data")
    server = Server(data)
    yield server
    server.stop()


@pytest.fixture(params=["under the CSP", "CSP bypassed"])
def hostile_page(request, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 850}, bypass_csp=request.param == "CSP bypassed")
    page = context.new_page()
    page.add_init_script(COUNT_FETCHES)
    errors = BrowserErrors()
    errors.attach(page)
    yield page
    errors.close(context)
    assert list(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def test_payloads_show_as_text_and_never_run(hostile_server, hostile_page):
    page = hostile_page
    page.goto(hostile_server.url + "?start=2023-09-01&end=2023-12-31")
    wait_for_map(page)
    page.wait_for_selector("#records-table .ag-row", timeout=20_000)

    # Records table: summary, aircraft, place and conflict columns as text.
    table = page.locator("#records-table").text_content()
    for tag in ("flight-summary", "event-title"):
        assert payload(tag)[:60] in table, f"{tag} missing from the table"

    # Map: labels are plain MapLibre text; hover labels go through Plotly's HTML subset, escaped.
    labels = page.evaluate("() => document.querySelector('#route-map .js-plotly-plot').data.flatMap(t => Array.isArray(t.text) ? t.text : [])")
    # A long place name is labelled short (figures.short_label), cut as text: the payload's own
    # characters, never markup; the full name is in the hover.
    assert short_label(PLACE) in labels and short_label(PLACE).startswith(PLACE[:12])
    # An event callout is its title cut at 38 characters, then how many more events share the spot.
    assert any(payload("event-title")[:38] + "…" in label for label in labels)
    click_on_map(page, "event|gao-crash")
    hover = page.locator(".hoverlayer .hovertext").first.text_content()
    # Shown as text; quotes excepted: the figures escape " as &quot;, which Plotly does not decode
    # (see tests/test_payload_escaping.py).
    assert "event-title <img src=x onerror=" in hover and "<script>window.__pwned='event-title'</script>" in hover

    # Evidence panel of the clicked event: every text of the record and of its sources.
    page.wait_for_selector("#details-panel article", timeout=15_000)
    details = page.locator("#details-panel").text_content()
    for tag in ("event-title", "event-summary", "event-aircraft", "event-conflict_note", "source-title", "source-publisher", "source-notes"):
        assert_literal(details, tag, "the evidence panel")
    assert SOURCE_ID in details  # cited ids are listed
    assert_not_injected(page, "in the evidence panel")

    # A route whose records hold payloads in every flight column, and the airport with a payload name.
    click_on_map(page, "route|loop-1")
    page.wait_for_selector("#details-panel article", timeout=15_000)
    page.wait_for_function("() => document.querySelector('#details-panel').textContent.includes('flight-operator')", timeout=15_000)
    details = page.locator("#details-panel").text_content()
    for tag in ("flight-summary", "flight-conflict_note", "flight-operator", "flight-aircraft_type"):
        assert_literal(details, tag, "the evidence panel")
    assert "FLIGHT-REGISTRATION-<IMG-SRC=X" in details  # normalised like any registration, still text
    click_on_map(page, "airport|" + PLACE)
    page.wait_for_function("(p) => document.querySelector('#details-panel').textContent.includes('Airport: ' + p)", arg=PLACE, timeout=15_000)
    assert_not_injected(page, "after selecting routes and airports")

    # Beside the map: the place nobody could resolve, the event with no place, how places were resolved.
    sidebar = page.locator("#data-status").text_content()
    assert UNRESOLVED in sidebar and payload("offmap-title") in sidebar and payload("offmap-summary") in sidebar
    assert PLACE in sidebar

    # Filter options come from the data too.
    page.locator("#filter-summary").click()
    page.locator("#filter-operator").click()
    page.wait_for_selector("text=flight-operator <img", timeout=10_000)
    page.keyboard.press("Escape")

    # Records whose ids are payloads, selected through a link (ids travel in URLs and keys).
    from urllib.parse import quote

    goto_when_quiet(page, hostile_server.url + "?start=2023-09-01&end=2023-12-31&select=" + quote(f"records|event:{EVENT_ID},flight:{FLIGHT_ID}", safe=""))
    wait_for_map(page)
    page.wait_for_function("() => document.querySelector('#details-panel').textContent.includes('MINUSMA leaves Tessalit')", timeout=15_000)
    assert UNRESOLVED in page.locator("#details-panel").text_content()  # the flight with a payload id and origin
    assert_not_injected(page, "on the page")

    # A story whose every text is a payload, in presenter mode; its Markdown link must not run either.
    goto_when_quiet(page, hostile_server.url + f"?story={STORY}&step=1&present=1")
    wait_for_map(page)
    page.wait_for_selector("#story-caption:not([hidden])", timeout=15_000)
    assert page.locator("#caption-title").text_content() == payload("step-title")
    assert payload("story-title") in page.locator("#caption-counter").text_content()
    caption = page.locator("#caption-text").text_content()
    # Markdown without raw HTML: tags show as text (`__` still makes bold, as Markdown does).
    assert "caption <img src=x onerror=" in caption and "<b>bold?</b>" in caption
    hrefs = page.locator("#caption-text a").evaluate_all("links => links.map(a => a.getAttribute('href') || '')")
    assert not any(h.strip().lower().startswith("javascript:") for h in hrefs), hrefs
    assert_not_injected(page, "in the story caption")
