"""The keyboard alone (issue 13): dialogs that take the focus, keep it and give it back; a walk
from browsing through filters and evidence to presenting and exporting; keys that act in one
place at a time."""
from __future__ import annotations

from tests.browser.conftest import COUNT_FETCHES, wait_for_map

ACTIVE_INSIDE = "(id) => document.getElementById(id).contains(document.activeElement)"
ACTIVE_ID = "() => document.activeElement && document.activeElement.id"


def tab_stays_inside(page, dialog_id: str, presses: int):
    for i in range(presses):
        page.keyboard.press("Shift+Tab" if i % 5 == 4 else "Tab")
        assert page.evaluate(ACTIVE_INSIDE, dialog_id), f"Tab {i + 1} left #{dialog_id} for {page.evaluate(ACTIVE_ID)!r}"


def test_kbd01_import_and_export_are_dialogs(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)

    page.focus("#import-open")
    page.keyboard.press("Enter")
    page.wait_for_selector("#import-panel:not([hidden])")
    page.wait_for_function(ACTIVE_INSIDE, arg="import-panel")
    assert page.get_attribute("#import-panel", "role") == "dialog"
    tab_stays_inside(page, "import-panel", 12)
    page.keyboard.press("Escape")
    page.wait_for_selector("#import-panel", state="hidden")
    page.wait_for_function("() => document.activeElement.id === 'import-open'")

    page.focus("#export-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#export-dialog:not([hidden])")
    assert page.get_attribute("#export-toggle", "aria-expanded") == "true"
    page.wait_for_function(ACTIVE_INSIDE, arg="export-dialog")
    tab_stays_inside(page, "export-dialog", 10)
    page.keyboard.press("Escape")
    page.wait_for_selector("#export-dialog", state="hidden")
    page.wait_for_function("() => document.activeElement.id === 'export-toggle'")
    assert page.get_attribute("#export-toggle", "aria-expanded") == "false"
    assert not page.locator(".app.presenting").count()  # Esc closed the menu and did nothing else


def test_kbd02_slider_handles_read_dates(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    start = page.locator("#timeline-slider [role=slider]").first
    page.wait_for_function("() => document.querySelector('#timeline-slider [role=slider]').getAttribute('aria-valuetext') === '20 Aug 2023'")
    assert start.get_attribute("aria-label") == "Window start"
    assert page.locator("#timeline-slider [role=slider]").nth(1).get_attribute("aria-valuetext") == "22 Mar 2024"
    start.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.window-label').textContent.startsWith('21 Aug 2023')")
    assert start.get_attribute("aria-valuetext") == "21 Aug 2023"
    assert page.locator("#timeline-slider .dash-slider-tooltip").first.text_content() == "21 Aug 2023"  # shown while it moves


def test_kbd03_arrows_pan_the_map_or_step_the_window_never_both(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    label = page.locator(".window-label").text_content()
    centre = "() => { const c = document.querySelector('#route-map .js-plotly-plot')._fullLayout.map._subplot.map.getCenter(); return [c.lng, c.lat]; }"
    before = page.evaluate(centre)
    page.focus("#route-map .maplibregl-canvas")
    page.keyboard.press("ArrowLeft")  # off the map this would step back to the previous event
    page.wait_for_function(f"(before) => ({centre})()[0] < before[0] - 0.01", arg=before)
    page.wait_for_timeout(700)  # a step of the window would have shown by now (the browser needs no server for it)
    assert page.locator(".window-label").text_content() == label
    assert "select=" not in page.url

    page.locator("h1").click()
    page.keyboard.press("ArrowLeft")  # away from the map the arrows step from event to event
    page.wait_for_function("() => /select=event/.test(window.location.search)", timeout=45_000)


def test_kbd04_walk_browse_filter_evidence_present_export(default_server, page):
    page.add_init_script(COUNT_FETCHES)
    page.goto(default_server.url)
    wait_for_map(page)

    # Filter: open the panel and type a registration.
    page.focus("#filter-summary")
    page.keyboard.press("Enter")
    page.focus("#filter-aircraft")
    page.keyboard.type("5umbh")
    page.wait_for_function("() => document.getElementById('filter-summary').textContent === 'Filters (1 active)'", timeout=45_000)
    page.keyboard.press("Escape")
    # The filter redraws the list of marks: a mark taken before it is redrawn is gone when Enter
    # lands (seen in fresh-clone runs). Wait until no callback is in flight for a moment.
    for _ in range(3):
        page.wait_for_function("() => window.__inflight === 0", timeout=45_000)
        page.wait_for_timeout(300)

    # Evidence from the list of marks in the window.
    page.focus("#marks-summary")
    page.keyboard.press("Enter")
    first = page.locator("#marks-list .mark-item").first
    first.wait_for()
    name = first.text_content()
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#details-panel h3", timeout=45_000)
    heading = page.locator("#details-panel h3").text_content()
    assert heading.split(" — ")[0].split(":")[0] in {"Route", "Airport", "Event"} and name.split(" ")[0] in heading

    # Evidence from a row of the table: Enter on the focused row.
    page.locator("#records-table .ag-row").first.wait_for()
    page.focus("#records-table .ag-row[row-index='0'] .ag-cell")
    page.keyboard.press("Enter")
    page.wait_for_selector("#details-panel h3:has-text('Selected records — 1 record')", timeout=45_000)

    # Present, step on, leave.
    page.focus("#present-button")
    page.keyboard.press("Enter")
    page.wait_for_selector(".app.presenting", timeout=45_000)
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The aircraft'", timeout=45_000)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The cooperation begins'", timeout=45_000)
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.app.presenting')", timeout=45_000)

    # Export: the menu opens on Enter and every format is a button in it.
    page.focus("#export-toggle")
    page.keyboard.press("Enter")
    page.wait_for_selector("#export-dialog:not([hidden])")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE_ID) == "export-png"
    page.keyboard.press("Escape")
    page.wait_for_selector("#export-dialog", state="hidden")
