"""Import in the browser: drop a spreadsheet, correct what it flags, see it on the map for the
session, merge it, and find the rows saved and drawn."""
from __future__ import annotations

import json
import shutil
import time

from tests.browser.conftest import wait_for_map
from tests.conftest import DEFAULT_DATA

SHEET = (
    "Date,From,To,Tail,Source,Notes,Confidence\n"
    "2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,uploaded flight one,reported\n"
    "2023-09-02,Gao,Camp Zulu,5U-MBH,bnn-2024-03-22,uploaded flight two,sure\n"
)


def control(kind: str, **key) -> str:
    """CSS selector of a pattern-matching control: Dash writes its id as JSON, keys sorted."""
    return "[id='" + json.dumps({**key, "type": kind}, sort_keys=True, separators=(",", ":")) + "']"


def preview_rows(page) -> list[dict]:
    return page.evaluate("() => { const rows = []; dash_ag_grid.getApi('import-preview').forEachNode(n => rows.push(n.data)); return rows; }")


class PreviewRequests:
    """The page's requests for the preview job: starts (a new job) and polls (is it done?)."""

    def __init__(self, page):
        self.seen: list[tuple[float, str]] = []
        page.on("request", self._record)

    def _record(self, request):
        if "_dash-update-component" in request.url and "import-fixes.children" in (request.post_data or ""):
            self.seen.append((time.monotonic(), "poll" if "cacheKey=" in request.url else "start"))

    def starts(self) -> int:
        return sum(kind == "start" for _, kind in self.seen)


def test_upload_preview_fix_and_merge(server_for, page, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    server = server_for(data)
    sheet = tmp_path / "my flights.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    requests = PreviewRequests(page)

    page.goto(server.url + "?start=2023-08-20&end=2024-03-22")
    wait_for_map(page)
    assert requests.starts() == 0  # no file, no job
    page.locator("#import-open").click()
    page.locator("#import-upload input[type=file]").set_input_files(str(sheet))
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('2 rows, 7 columns; read as flights')", timeout=60_000)

    # The preview names the row and column of each problem and the place it could not find.
    page.wait_for_function("() => document.getElementById('import-summary').textContent.includes('1 with problems')", timeout=60_000)
    # One job for one file: the fix boxes that the preview draws do not ask for it again.
    page.wait_for_timeout(1500)
    assert requests.starts() == 1, requests.seen
    rows = preview_rows(page)
    assert [r["status"] for r in rows] == ["ok", "1 problem"]
    assert "'Confidence': 'sure' is not an allowed value" in rows[1]["problems"]
    assert "Camp Zulu: NOT FOUND" in rows[1]["places"]
    assert page.locator("#import-merge").is_disabled()

    # View the good row for this session only: an extra layer, nothing written.
    before = (data / "flights.csv").read_bytes()
    page.locator("#import-show").click()
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('for this session only')", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#route-map .js-plotly-plot').data.some(t => t.name && t.name.startsWith('your upload'))", timeout=60_000)
    assert (data / "flights.csv").read_bytes() == before

    # Fix what it flags: one value for the confidence column, coordinates for the place.
    page.locator(control("import-column", column="confidence")).click()
    page.get_by_role("option", name="— not in the file —").click()
    page.locator(control("import-constant", column="confidence")).click()
    page.get_by_role("option", name="reported", exact=True).click()
    page.locator("#import-fixes input[placeholder=lat]").fill("17.5")
    page.locator("#import-fixes input[placeholder=lon]").fill("-1.25")
    page.locator("#import-fixes input[placeholder=lon]").press("Enter")
    # Four changes in quick succession, quicker than a job's id comes back: four jobs at most, the
    # last change's answer shown, and no job left behind that the page would poll for ever.
    page.wait_for_function("() => document.getElementById('import-summary').textContent.includes('0 place(s) not found, 0 placed by a guess to check. Ready to merge')", timeout=60_000)
    ready = time.monotonic()
    assert "Camp Zulu → Camp Zulu" in preview_rows(page)[1]["places"]
    assert requests.starts() <= 1 + 4, requests.seen
    page.wait_for_timeout(2000)
    assert not [kind for at, kind in requests.seen if at > ready + 0.8], requests.seen

    page.locator("#import-merge").click()
    page.wait_for_function("() => document.getElementById('import-message').textContent.includes('Merged 2 rows')", timeout=30_000)
    assert (data / "flights.csv").read_bytes().startswith(before)
    assert b"my-flights-2,2023-09-02" in (data / "flights.csv").read_bytes()
    assert b"Camp Zulu" in (data / "places.csv").read_bytes()
    assert list((data / "backups").iterdir())

    # The merged flights are the dataset's now: drawn as dated flights, listed in the table.
    page.locator("#import-close").click()
    page.wait_for_function(
        "() => document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).some(c => String(c).includes('my-flights-2')))",
        timeout=30_000,
    )
    page.wait_for_function(
        "() => { let found = false; dash_ag_grid.getApi('records-table').forEachNode(n => { found = found || Boolean(n.data && JSON.stringify(n.data).includes('uploaded flight two')); }); return found; }",
        timeout=30_000,
    )


def test_an_open_page_follows_a_save_made_elsewhere(server_for, page, tmp_path):
    from flightmap import importer
    from flightmap.loader import load_dataset

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    server = server_for(data)
    page.goto(server.url + "?start=2023-08-20&end=2024-03-22")
    wait_for_map(page)

    upload = importer.read_upload(SHEET.replace(",sure", ",reported").encode(), "elsewhere.csv")
    mapping = importer.guess_mapping(upload.frame.columns, importer.schema.FLIGHTS)
    preview = importer.prepare(upload, importer.schema.FLIGHTS, mapping, load_dataset(data), fixes={"Camp Zulu": {"lat": 17.5, "lon": -1.25}})
    importer.merge(data, preview)  # as another worker, or the command line, would

    page.wait_for_function(
        "() => document.querySelector('#route-map .js-plotly-plot').data.some(t => (t.customdata || []).some(c => String(c).includes('elsewhere-2')))",
        timeout=30_000,
    )
