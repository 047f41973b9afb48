"""One place per place, in the browser (issue 12): a misspelled place is marked 'check' and
ringed, never silently placed; picking its candidate makes the spelling an alias, so the map
keeps one marker and the airport filter finds both spellings."""
from __future__ import annotations

import shutil

from tests.browser.conftest import COUNT_FETCHES, goto_when_quiet, wait_for_map
from tests.browser.test_import import control, preview_rows
from tests.conftest import DEFAULT_DATA

SHEET = (
    "Date,From,To,Tail,Source,Notes,Confidence\n"
    "2023-09-01,Niamey,Tesalitt,5U-MBH,bnn-2024-03-22,uploaded flight to a misspelled Tessalit,reported\n"
    "2023-09-02,Gao,BER,5U-MBH,bnn-2024-03-22,uploaded flight to a far-away code,reported\n"
)

MARKERS = """() => {
    const gd = document.querySelector('#route-map .js-plotly-plot');
    const airports = gd.data.find(t => t.name === 'airports');
    return (airports.customdata || []).filter(c => String(c).startsWith('airport|Tessalit')).length;
}"""
RECORDS = """() => { const rows = []; dash_ag_grid.getApi('records-table').forEachNode(n => rows.push(JSON.stringify(n.data))); return rows; }"""


def test_a_picked_candidate_becomes_an_alias(server_for, page, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    server = server_for(data)
    sheet = tmp_path / "sahel.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    places_before = (data / "places.csv").read_text(encoding="utf-8")

    page.add_init_script(COUNT_FETCHES)  # to navigate later without aborting a callback
    page.goto(server.url + "?start=2023-08-20&end=2024-03-22")
    wait_for_map(page)
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(sheet))
    page.wait_for_function("() => document.getElementById('import-summary').textContent.includes('1 placed by a guess to check')", timeout=60_000)

    # The guess is marked, the far code is not placed at all: Berlin is a candidate, not a line.
    rows = preview_rows(page)
    assert [r["status"] for r in rows] == ["check", "not placed"]
    assert "Tesalitt → Tessalit (GATS) — close spelling" in rows[0]["places"]
    assert "BER: NOT FOUND" in rows[1]["places"] and "Berlin Brandenburg Airport (EDDB), Germany" in rows[1]["places"]
    guess = page.locator("#import-fixes").get_by_text("placed at Tessalit by a guess")
    guess.wait_for(timeout=60_000)  # the fixes panel can be drawn a moment after the summary
    assert guess.count() == 1

    # Confirm the guess: the spelling becomes an alias of Tessalit, no new place.
    page.locator(control("import-pick", name="Tesalitt")).click()
    page.get_by_role("option", name="Tessalit (GATS), Mali — the guess drawn now").click()
    page.wait_for_function("() => document.getElementById('import-summary').textContent.includes('Tesalitt: will be added as an alias of Tessalit')", timeout=60_000)
    page.wait_for_function("() => document.getElementById('import-summary').textContent.includes('Ready to merge')", timeout=60_000)
    page.locator("#import-merge").click()
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('Merged 2 rows')", timeout=60_000)
    assert "name(s) added as aliases" in page.locator("#import-message").text_content()

    places_after = (data / "places.csv").read_text(encoding="utf-8")
    assert places_after.count("\n") == places_before.count("\n")  # no new row
    assert "Tessalit Airport;Tesalitt" in places_after

    # One marker for Tessalit; the airport filter finds the flight written 'Tesalitt'.
    page.locator("#import-close").click()
    goto_when_quiet(page, server.url + "?start=2023-08-20&end=2024-03-22&airport=Tessalit")
    wait_for_map(page)
    page.wait_for_function(RECORDS.replace("return rows;", "return rows.some(r => r.includes('misspelled Tessalit'));"), timeout=60_000)
    assert page.evaluate(MARKERS) == 1
    rows = page.evaluate(RECORDS)
    assert any("Gao" in r and "Tessalit" in r for r in rows)  # the dataset's own flights there too
    assert not any("far-away code" in r for r in rows)  # BER is not at Tessalit, nor anywhere
