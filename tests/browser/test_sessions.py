"""Stateless serving (issue 7): under gunicorn with two workers, two browser sessions with
different windows and filters never see each other's view; each one's later requests, served by
whichever worker, still answer for its own filters."""
from __future__ import annotations

import shutil

import pytest

from benchmarks.load import gunicorn
from tests.browser.conftest import BrowserErrors, drawn_keys, set_window, table_rows, wait_for_map, wait_for_table
from tests.conftest import DEFAULT_DATA

DEFAULT_LABEL = "20 Aug 2023 – 22 Mar 2024"
# Each callback request is logged with the id of the worker process that answered it.
ACCESS_LOG = ("--access-logfile", "-", "--access-logformat", "worker=%(p)s %(m)s %(U)s %(s)s")


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("sessions") / "data"
    shutil.copytree(DEFAULT_DATA, data)
    log = data.parent / "gunicorn.log"
    with gunicorn(data, workers=2, log_path=log, extra_args=ACCESS_LOG) as url:
        yield url + "/", log


@pytest.fixture
def two_sessions(browser):
    """Two separate browser contexts (no shared cookies or storage); fails on any browser error."""
    contexts, pages, errors = [], [], BrowserErrors()
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 850})
        page = context.new_page()
        errors.attach(page)
        contexts.append(context)
        pages.append(page)
    yield pages
    for context in contexts:
        errors.close(context)
    assert list(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def view(page) -> dict:
    return {
        "label": page.locator(".window-label").text_content(),
        "stats": page.locator("#window-stats").text_content(),
        "keys": drawn_keys(page),
        "rows": sorted(r["key"] for r in table_rows(page)),  # the loaded block: every row of these small windows
        "aircraft": page.locator("#filter-aircraft").input_value(),
        "annotation": page.evaluate("() => (document.querySelector('#route-map .js-plotly-plot').layout.annotations || []).map(a => a.text).join(' ')"),
    }


def search_aircraft(page, text: str):
    if not page.locator("#filter-aircraft").is_visible():
        page.locator("#filter-summary").click()
    page.locator("#filter-aircraft").fill(text)
    page.locator("#filter-aircraft").press("Enter")
    page.wait_for_function("(t) => location.search.includes('aircraft=' + encodeURIComponent(t))", arg=text, timeout=15_000)


def settle(page):
    """Wait until no callback is pending and the map is drawn."""
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000)
    wait_for_map(page)
    wait_for_table(page)
    page.wait_for_timeout(600)


def test_two_sessions_with_different_filters_do_not_affect_each_other(gunicorn_server, two_sessions):
    url, log = gunicorn_server
    a, b = two_sessions

    a.goto(url)
    wait_for_map(a)
    set_window(a, "2023-10-10", "2023-10-20")
    search_aircraft(a, "5umbh")
    a.wait_for_function("() => !document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).includes('event|minusma-c130-hit'))", timeout=15_000)
    settle(a)
    seen_by_a = view(a)
    assert seen_by_a["label"] == "10 Oct 2023 – 20 Oct 2023"
    assert {"route|loop-1", "route|loop-2"} <= seen_by_a["keys"]
    assert not any(k.startswith("event|") for k in seen_by_a["keys"])  # no Tessalit event involves 5U-MBH

    # A second session opens on the default view, not on A's, and sets a different one.
    b.goto(url)
    wait_for_map(b)
    settle(b)
    assert b.locator(".window-label").text_content() == DEFAULT_LABEL
    assert b.locator("#filter-aircraft").input_value() == ""
    assert "event|gao-crash" in drawn_keys(b)
    set_window(b, "2023-09-18", "2023-09-30")
    search_aircraft(b, "zz-none")
    b.wait_for_function("() => (document.querySelector('#route-map .js-plotly-plot').layout.annotations || []).some(a => a.text.includes('No records match'))", timeout=15_000)
    settle(b)
    seen_by_b = view(b)
    assert seen_by_b["label"] == "18 Sep 2023 – 30 Sep 2023" and seen_by_b["rows"] == []

    # A has not moved: its map, stats and table are what they were.
    settle(a)
    assert view(a) == seen_by_a

    # A's next requests answer for A's filter (5U-MBH), not for B's (nothing matches).
    set_window(a, "2023-10-01", "2023-10-31")
    settle(a)
    later_a = view(a)
    assert later_a["label"] == "01 Oct 2023 – 31 Oct 2023" and later_a["aircraft"] == "5umbh"
    assert {"route|loop-1", "route|loop-2"} <= later_a["keys"] and "No records" not in later_a["annotation"]
    assert len(later_a["rows"]) > 0

    # And B's answer for B's: its own window, still nothing matching its filter.
    set_window(b, "2023-09-01", "2023-10-31")
    settle(b)
    later_b = view(b)
    assert later_b["label"] == "01 Sep 2023 – 31 Oct 2023" and later_b["aircraft"] == "zz-none"
    assert later_b["keys"] == set() and later_b["rows"] == [] and "No records match the filters" in later_b["annotation"]
    settle(a)
    assert view(a) == later_a

    # Both workers answered callbacks: the sessions really were spread over processes.
    workers = {line.split()[0] for line in log.read_text().splitlines() if "/_dash-update-component" in line and line.startswith("worker=")}
    assert len(workers) >= 2, f"callbacks were served by {workers}"
