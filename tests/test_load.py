"""The short load test (issue 8): simulated users drive the real callbacks over HTTP against
gunicorn with two workers; no request may fail. The full run is benchmarks/load.py; no timing is
asserted here (the machine is shared)."""
from __future__ import annotations

import pytest

from benchmarks.load import DashClient, figure_keys, gunicorn, run_load
from flightmap import timeline
from flightmap.table_page import BLOCK


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory):
    import shutil

    from tests.conftest import DEFAULT_DATA

    data = tmp_path_factory.mktemp("load") / "data"
    shutil.copytree(DEFAULT_DATA, data)
    with gunicorn(data, workers=2, log_path=data.parent / "gunicorn.log") as url:
        yield url


def test_ten_users_for_a_few_seconds_get_no_errors(gunicorn_url):
    result = run_load(gunicorn_url, users=10, seconds=4)
    assert result.errors == [], "\n".join(f"{s.callback[:60]}: {s.error}" for s in result.errors[:10])
    called = {s.callback for s in result.samples}
    # Page loads, window moves and filter changes all reached the server.
    assert {"route-map.figure", "window-stats.children", "records-table.getRowsResponse", "..filters.data...filter-summary.children.."} <= called
    assert len(result.samples) >= 50


def test_the_answers_are_the_callbacks_real_outputs(gunicorn_url):
    import app  # noqa: F401  installs the shipped data in this process, to compute the expected answers
    from components.records_table import table_page_rows

    client = DashClient(gunicorn_url)
    client.open_page()
    assert figure_keys(client.value("route-map", "figure")), "the first map has no routes"
    window = [timeline.to_day("2023-10-10"), timeline.to_day("2023-10-20")]
    client.keep_responses = True
    client.change({("timeline-slider", "value"): window})
    client.close()
    assert [s for s in client.samples if s.error] == []
    answered = {cb.output for cb, _ in client.responses}
    assert {"route-map.figure", "window-stats.children", "records-table.getRowsResponse"} <= answered

    stats = str(client.value("window-stats", "children"))
    assert "10 Oct 2023 – 20 Oct 2023" in stats
    # The table's first block is the window's, in the page's default order.
    block = client.value("records-table", "getRowsResponse")
    expected = table_page_rows({"startRow": 0, "endRow": BLOCK}, window, {})
    assert [r["key"] for r in block["rowData"]] == [r["key"] for r in expected["rowData"]] and block["rowCount"] == expected["rowCount"] > 0
    keys = figure_keys(client.value("route-map", "figure"))
    assert {"route|loop-1", "event|minusma-c130-hit"} <= set(keys)
    assert client.value("url", "search") == "?start=2023-10-10&end=2023-10-20"


def test_a_filter_change_reaches_every_part_of_the_page(gunicorn_url):
    client = DashClient(gunicorn_url)
    client.open_page()
    client.change({("filter-aircraft", "value"): "zz-none"})
    client.close()
    assert [s for s in client.samples if s.error] == []
    assert client.value("filters", "data") == {"aircraft": "zz-none"}
    assert client.value("records-table", "getRowsResponse") == {"rowData": [], "rowCount": 0}
    annotations = client.value("route-map", "figure")["layout"].get("annotations") or []
    assert any("No records match the filters" in a.get("text", "") for a in annotations)
