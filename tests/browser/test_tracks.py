"""A flown track in the browser (issue 17): drop a SYNTHETIC tar1090 trace on the import dialog,
read its preview line, give its source and confidence, confirm the leg it implies, merge it, and
see it drawn beside the legs with the points of the window only (cut by point time, not by day)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.browser.conftest import set_window, wait_for_map
from tests.conftest import DEFAULT_DATA

TRACE = Path(__file__).resolve().parent.parent / "data" / "tracks" / "synthetic_trace_full_0a1b2c.json"
START = 1692486000  # 2023-08-19T23:00:00Z: the made-up flight crosses midnight into 2023-08-20 (loop-1's day)

TRACK_POINTS = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const t = gd && gd._fullData && gd._fullData.find(t => t.meta && t.meta.track);
  return t ? Array.from(t.lat).filter(v => v !== null && v === v).length : 0;
}"""

# The aircraft "now" (the marker at the last point of the window) and the last point of the line drawn.
AIRCRAFT = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const now = gd && gd._fullData && gd._fullData.find(t => t.meta && t.meta['track-now']);
  const line = gd && gd._fullData && gd._fullData.find(t => t.meta && t.meta.track);
  if (!now || !line) return null;
  const lats = Array.from(line.lat), lons = Array.from(line.lon);
  let i = lats.length - 1;
  while (i >= 0 && lats[i] === null) i--;
  return {now: [now.lat[0], now.lon[0]], last: [lats[i], lons[i]]};
}"""


def pick(page, selector: str, option: str):
    page.locator(selector).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_import_merge_and_draw_a_track(server_for, page, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    trace = json.loads(TRACE.read_text())
    trace["timestamp"] = START
    upload = tmp_path / "synthetic_trace_0a1b2c.json"
    upload.write_text(json.dumps(trace))
    server = server_for(data)

    page.goto(server.url + "?start=2023-08-19&end=2023-08-20")
    wait_for_map(page)
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(upload))
    line = "document.getElementById('import-track-line').textContent"
    page.wait_for_function(f"() => {line}.includes('15 points')", timeout=45_000)
    text = page.evaluate(f"() => {line}")
    assert "2023-08-19 23:00:00 to 2023-08-20 00:50:00 UTC" in text and "registration TZ-TST" in text and "hex 0a1b2c" in text
    assert page.locator("#import-body").is_hidden()  # the table form stays closed for a track
    assert page.locator("#import-track-merge").is_disabled()

    pick(page, "#import-track-source", "research-notes")
    pick(page, "#import-track-confidence", "reported")
    pick(page, "#import-track-flights", "loop-1")
    page.locator("#import-track-line").click()  # close the multi-choice list (Esc would close the dialog)
    # The leg its take-off and landing imply is proposed; ticked, it joins flights.csv with the track.
    leg = page.locator("#import-track-legs label", has_text="leg 1: 2023-08-19 23:03–00:48 UTC, GABS → GAGO")
    leg.wait_for(timeout=45_000)
    leg.locator("input").check()
    page.screenshot(path=str(tmp_path / "track-import.png"))
    page.wait_for_function("() => !document.getElementById('import-track-merge').disabled", timeout=45_000)
    page.locator("#import-track-merge").click()
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('Merged the track 0a1b2c-2023-08-19')", timeout=45_000)
    assert (data / "tracks" / "0a1b2c-2023-08-19.csv").is_file()
    assert "research-notes,reported,loop-1;0a1b2c-2023-08-19-leg-1" in (data / "tracks.csv").read_text()
    assert "0a1b2c-2023-08-19-leg-1,2023-08-19,2023-08-20,day,GABS,GAGO" in (data / "flights.csv").read_text()

    # Drawn beside the legs: every point in the two days' window.
    page.locator("#import-close").click()
    page.wait_for_function(f"() => ({TRACK_POINTS})() === 15", timeout=45_000)
    wait_for_map(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(tmp_path / "tracks.png"))

    # Only 2023-08-20: the points after midnight UTC (7 of 15), not the whole track.
    set_window(page, "2023-08-20", "2023-08-20")
    page.wait_for_function(f"() => ({TRACK_POINTS})() === 7", timeout=45_000)
    wait_for_map(page)

    # Playback slides the window: the aircraft's marker follows the last point drawn.
    at_landing = page.evaluate(AIRCRAFT)
    assert at_landing and at_landing["now"] == at_landing["last"]
    set_window(page, "2023-08-19", "2023-08-19")
    page.wait_for_function(f"() => ({TRACK_POINTS})() === 8", timeout=45_000)
    before_midnight = page.evaluate(AIRCRAFT)
    assert before_midnight["now"] == before_midnight["last"] and before_midnight["now"] != at_landing["now"]

    # Play: from a window before the track, the growing window reaches it and draws it whole.
    set_window(page, "2023-08-16", "2023-08-17")
    page.wait_for_function(f"() => ({TRACK_POINTS})() === 0", timeout=45_000)
    page.locator("#play-mode input[value=growing]").check()
    page.locator("#play-button").click()
    page.wait_for_function(f"() => ({TRACK_POINTS})() === 15", timeout=60_000)
    if "Pause" in page.locator("#play-button").text_content():  # (a slow machine may have played to the end)
        page.locator("#play-button").click()
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=15_000)
    played = page.evaluate(AIRCRAFT)
    assert played and played["now"] == played["last"]
