"""Every view is a link: open a URL and get its view; Back restores the previous one."""
from __future__ import annotations

from tests.browser.conftest import drawn_keys, set_window, wait_for_map

LOOP = {"route|loop-1", "route|loop-2", "route|loop-3", "route|loop-4"}


def map_annotation(page) -> str:
    return page.evaluate("() => (document.querySelector('#route-map .js-plotly-plot').layout.annotations || []).map(a => a.text).join(' ')")


def test_a_link_with_window_and_filters_draws_that_view(default_server, page):
    page.goto(default_server.url + "?start=2023-10-10&end=2023-10-20&aircraft=5umbh")
    wait_for_map(page)
    page.wait_for_function("() => document.querySelector('.window-label').textContent === '10 Oct 2023 – 20 Oct 2023'", timeout=15_000)
    page.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.name || '').includes('incident'))", timeout=15_000)
    keys = drawn_keys(page)
    assert LOOP <= keys
    assert not any(k.startswith("event|") for k in keys)  # the Tessalit events involve no 5U-MBH
    assert page.locator("#filter-aircraft").input_value() == "5umbh"
    assert page.locator("#url-notice").is_hidden()


def test_a_link_to_a_place_and_a_record_selects_it(default_server, page):
    page.goto(default_server.url + "?airport=Tessalit&select=event%7Cminusma-c130-hit&start=2023-10-01&end=2023-10-31")
    wait_for_map(page)
    page.wait_for_selector("#details-panel article:has-text('UN C-130 hit by fire at Tessalit')", timeout=15_000)
    page.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).includes('route|loop-1'))", timeout=15_000)
    keys = drawn_keys(page)
    assert {"route|loop-2", "route|loop-3"} <= keys and "route|loop-1" not in keys


def test_malformed_parameters_are_ignored_with_a_notice(default_server, page):
    page.goto(default_server.url + "?start=2023-13-01&end=2023-10-20&foo=bar&category=rumour,incident")
    wait_for_map(page)
    notice = page.wait_for_selector("#url-notice:not([hidden])", timeout=15_000).text_content()
    assert "start=2023-13-01" in notice and "foo=bar" in notice and "category=rumour" in notice
    assert LOOP <= drawn_keys(page)  # the default window, still working
    page.locator("#url-notice-close").click()
    page.wait_for_selector("#url-notice", state="hidden", timeout=5_000)


def test_an_empty_result_says_so_on_the_map(default_server, page):
    page.goto(default_server.url + "?aircraft=ZZ-NONE")
    wait_for_map(page)
    page.wait_for_function("() => (document.querySelector('#route-map .js-plotly-plot').layout.annotations || []).length > 0", timeout=15_000)
    assert "No records match the filters" in map_annotation(page)


def test_changing_the_view_writes_the_url_and_back_restores_it(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-09-18", "2023-09-24")
    page.wait_for_function("() => location.search.includes('start=2023-09-18') && location.search.includes('end=2023-09-24')", timeout=15_000)
    page.locator("#filter-summary").click()
    page.locator("#filter-aircraft").fill("5U-MBH")
    page.locator("#filter-aircraft").press("Enter")
    page.wait_for_function("() => location.search.includes('aircraft=5U-MBH')", timeout=15_000)
    page.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).includes('event|gao-crash'))", timeout=15_000)

    page.go_back()
    page.wait_for_function("() => !location.search.includes('aircraft')", timeout=15_000)
    page.wait_for_function("() => document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).includes('event|gao-crash'))", timeout=15_000)
    assert page.locator("#filter-aircraft").input_value() == ""
    assert page.locator(".window-label").text_content() == "18 Sep 2023 – 24 Sep 2023"

    # Typing the start and then the end made two views: Back walks through both to the first.
    for _ in range(3):
        if page.evaluate("() => location.search") == "":
            break
        page.go_back()
        wait_for_view_of_url(page)
    assert page.evaluate("() => location.search") == ""
    assert page.locator(".window-label").text_content() == "20 Aug 2023 – 22 Mar 2024"
    assert LOOP <= drawn_keys(page)

    for _ in range(3):
        page.go_forward()
        wait_for_view_of_url(page)
        if page.locator(".window-label").text_content() == "18 Sep 2023 – 24 Sep 2023":
            break
    assert page.locator(".window-label").text_content() == "18 Sep 2023 – 24 Sep 2023"


def wait_for_view_of_url(page):
    """Wait until the window shown is the one the address names (the default when it names none)."""
    page.wait_for_function(
        """() => {
      const q = new URLSearchParams(location.search);
      const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
      const fmt = (iso) => { const [y, m, d] = iso.split('-'); return `${d} ${months[Number(m) - 1]} ${y}`; };
      const want = q.get('start') && q.get('end') ? fmt(q.get('start')) + ' – ' + fmt(q.get('end')) : '20 Aug 2023 – 22 Mar 2024';
      const label = document.querySelector('.window-label');
      return label && label.textContent === want;
    }""",
        timeout=20_000,
    )


def test_copied_link_opens_the_same_view_in_a_new_browser(default_server, page, browser):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(default_server.url + "?start=2023-10-10&end=2023-10-20&confidence=confirmed,reported")
    wait_for_map(page)
    page.locator("#filter-summary").click()
    page.locator("#copy-link").click()
    page.wait_for_selector("#link-status:has-text('Link copied')", timeout=10_000)
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link.startswith(default_server.url) and "confidence=confirmed,reported" in link
    original = drawn_keys(page)

    fresh = browser.new_context(viewport={"width": 1400, "height": 850})
    other = fresh.new_page()
    try:
        other.goto(link)
        wait_for_map(other)
        other.wait_for_function("() => document.querySelector('.window-label').textContent === '10 Oct 2023 – 20 Oct 2023'", timeout=15_000)
        other.wait_for_timeout(500)
        assert drawn_keys(other) == original
        assert "event|tessalit-fire-landing" not in original  # disputed: excluded by the link
    finally:
        fresh.close()


def test_reset_returns_to_the_full_view(default_server, page):
    page.goto(default_server.url + "?start=2023-10-10&end=2023-10-20&aircraft=5umbh&select=event%7Cminusma-c130-hit")
    wait_for_map(page)
    page.wait_for_function("() => location.search.includes('aircraft')")
    page.locator("#filter-summary").click()
    page.locator("#reset-view").click()
    page.wait_for_function("() => location.search === ''", timeout=15_000)
    page.wait_for_function("() => document.querySelector('.window-label').textContent === '20 Aug 2023 – 22 Mar 2024'", timeout=15_000)
    assert page.locator("#filter-aircraft").input_value() == ""
