"""The records table pages its rows from the server (issue 16 item 2): a slider move sends at most
a block of rows, whatever the window holds. SYNTHETIC data (benchmarks/synthetic.py)."""
from __future__ import annotations

import json

from benchmarks.synthetic import generate
from flightmap.table_page import BLOCK
from tests.browser.conftest import COUNT_FETCHES, TABLE_ROW, table_rows, wait_for_map, wait_for_table

SMALL = 50_000  # bytes: the bound on what a slider move may send for the table


def quiet(page):
    for _ in range(3):  # quiet for a moment: a finished callback may start another
        page.wait_for_function("() => window.__inflight === 0", timeout=45_000)
        page.wait_for_timeout(300)


def test_tbl01_a_slider_move_sends_one_block_of_rows(tmp_path, server_for, page):
    data = tmp_path / "data"
    generate(data, 4000, seed=5)  # SYNTHETIC flights, every row marked so
    server = server_for(data)
    page.add_init_script(COUNT_FETCHES)
    page.goto(server.url)
    wait_for_map(page)
    page.wait_for_selector(TABLE_ROW, timeout=30_000)
    wait_for_table(page)
    quiet(page)
    before = page.evaluate("() => dash_ag_grid.getApi('records-table').getDisplayedRowCount()")
    assert before > 10 * BLOCK, "the window should hold many blocks of rows"
    first_keys = [r["key"] for r in table_rows(page)]

    answers = []  # (callback output, bytes of its answer as sent: Content-Length, Flask sends it)
    page.on("response", lambda r: "_dash-update-component" in r.url and answers.append((json.loads(r.request.post_data)["output"], int(r.headers.get("content-length", 0)))))
    # One step of the slider's end handle, from the keyboard (a day less in the window).
    page.locator("#timeline-slider [role=slider]").last.focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "(keys) => { const api = dash_ag_grid.getApi('records-table'); const rows = []; api.forEachNode(n => n.data && rows.push(n.data.key));"
        " return rows.length > 0 && JSON.stringify(rows) !== JSON.stringify(keys) || api.getDisplayedRowCount() !== %d; }" % before,
        arg=first_keys, timeout=30_000,
    )
    wait_for_table(page)
    quiet(page)

    sizes = {}
    for output, size in answers:
        sizes[output] = sizes.get(output, 0) + size
    table = {o: n for o, n in sizes.items() if "records-table" in o}
    assert list(table) == ["records-table.getRowsResponse"], sizes
    assert table["records-table.getRowsResponse"] < SMALL, sizes
    # No other answer carries the table's rows either.
    assert not any(n > 4 * SMALL for n in sizes.values()), sizes
    loaded = table_rows(page)
    assert 0 < len(loaded) <= 2 * BLOCK and all(r["summary"].startswith("SYNTHETIC") for r in loaded)
    assert page.evaluate("() => dash_ag_grid.getApi('records-table').getDisplayedRowCount()") > 10 * BLOCK
