"""The slider and the date pickers keep one window, in the browser (assets/flightmap.js
syncWindow): the rules, called directly, and a typed date moving the slider."""
from __future__ import annotations

import pytest

from flightmap import timeline
from tests.browser.conftest import set_window, wait_for_map

DAY = timeline.to_day
LOW, HIGH = DAY("2019-11-01"), DAY("2024-08-05")

SYNC = """([trigger, value, start, end, low, high]) => {
  const ns = window.dash_clientside, saved = ns.callback_context;
  ns.callback_context = {triggered: [{prop_id: trigger}]};
  try {
    return ns.flightmap.syncWindow(value, start, end, low, high).map((out) => out === ns.no_update ? "no update" : out);
  } finally { ns.callback_context = saved; }
}"""


@pytest.mark.parametrize("trigger, value, start, end, expected", [
    # the slider moved: the date fields follow it
    ("timeline-slider.value", [DAY("2023-10-01"), DAY("2023-10-31")], "2023-08-20", "2024-03-22", ["no update", "2023-10-01", "2023-10-31"]),
    # typed dates move the slider, kept within the data
    ("window-dates.start_date", [DAY("2023-08-20"), DAY("2024-03-22")], "2001-01-01", "2023-09-01", [[LOW, DAY("2023-09-01")], "2019-11-01", "2023-09-01"]),
    # a start typed after the end carries the window (242 days) along
    ("window-dates.start_date", [DAY("2019-11-01"), DAY("2020-06-30")], "2023-10-10", "2020-06-30", [[DAY("2023-10-10"), DAY("2023-10-10") + 242], "2023-10-10", "2024-06-08"]),
    # an end typed before the start carries it back
    ("window-dates.end_date", [DAY("2023-10-10"), DAY("2023-10-20")], "2023-10-10", "2023-09-01", [[DAY("2023-08-22"), DAY("2023-09-01")], "2023-08-22", "2023-09-01"]),
    # a date that is not one changes nothing
    ("window-dates.start_date", [LOW, HIGH], "not a date", "2024-01-01", ["no update"] * 3),
    ("window-dates.start_date", [LOW, HIGH], "2023-02-30", "2024-01-01", ["no update"] * 3),
])
def test_window_rules(default_server, page, trigger, value, start, end, expected):
    page.goto(default_server.url)
    wait_for_map(page)
    assert page.evaluate(SYNC, [trigger, value, start, end, LOW, HIGH]) == expected


def test_typed_dates_move_the_slider_and_the_link(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    set_window(page, "2023-10-01", "2023-10-31")
    page.wait_for_function("() => location.search.includes('start=2023-10-01&end=2023-10-31')", timeout=15_000)
    low, high = page.evaluate("() => Array.from(document.querySelectorAll('#timeline-slider [role=slider]')).map(h => +h.getAttribute('aria-valuenow'))")
    assert [low, high] == [DAY("2023-10-01"), DAY("2023-10-31")]
