"""The site keeps answering while hostile files are uploaded (issue 15): gunicorn with ONE sync
worker (the worst case: a worker stuck on a file is the whole site) gets the page's upload
callback with each hostile file, while another client keeps asking for the page. Every upload is
refused with its message, every page request is answered, the worker is never killed or replaced
(gunicorn's 30 s timeout), and its memory high-water mark stays bounded. No timing is asserted."""
from __future__ import annotations

import base64
import json
import re
import shutil
import threading
import urllib.request
from pathlib import Path

from benchmarks.load import gunicorn
from components import ids
from tests import hostile_files as hostile
from tests.conftest import DEFAULT_DATA

WORKER_PEAK_LIMIT_MB = 600  # one 1.5 GB cell alone took the old reader past 4 GB

UPLOADS = [
    ("huge-cell.xlsx", hostile.xlsx_huge_cell(400_000_000), "the workbook unpacks to"),
    ("many-rows.xlsx", hostile.xlsx_many_rows(3_000_000), "more than 50,000 rows"),
    ("far-cell.xlsx", hostile.xlsx_far_cell(200_000), "cells out to column 16,384"),
    ("wide-row.csv", hostile.csv_wide_row(4_000_000), "the limit is 200 columns"),
    ("many-headers.csv", hostile.csv_many_headers(500_000), "the header has 500,000 columns"),
    ("deep.json", hostile.json_deep(100_000), "the JSON nests 100,000 levels deep"),
    ("long-header-field.csv", hostile.csv_long_field(200_000), "a cell holds more characters than this reader accepts"),
]


def post_json(url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read().decode("utf-8", "replace")


def upload_body(dependencies: list[dict], name: str, content: bytes) -> dict:
    """The request the page sends when a file is dropped on the import panel."""
    receive = next(d for d in dependencies if {"id": ids.IMPORT_UPLOAD, "property": "contents"} in d["inputs"])
    outputs = receive["output"].strip(".").split("...")
    specs = [{"id": o.split("@")[0].rsplit(".", 1)[0], "property": o.split("@")[0].rsplit(".", 1)[1]} for o in outputs]
    return {"output": receive["output"], "outputs": specs,
            "inputs": [{"id": ids.IMPORT_UPLOAD, "property": "contents", "value": "data:application/octet-stream;base64," + base64.b64encode(content).decode()}],
            "state": [{"id": s["id"], "property": s["property"], "value": name if s["property"] == "filename" else None} for s in receive["state"]],
            "changedPropIds": [f"{ids.IMPORT_UPLOAD}.contents"]}


def test_one_worker_keeps_answering_while_hostile_files_are_uploaded(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, data)
    log_path = tmp_path / "gunicorn.log"
    with gunicorn(data, workers=1, log_path=log_path) as url:
        dependencies = json.loads(urllib.request.urlopen(url + "/_dash-dependencies", timeout=60).read())
        answers: dict[str, tuple[int, str]] = {}

        def upload_all():
            for name, content, _message in UPLOADS:
                answers[name] = post_json(url + "/_dash-update-component", upload_body(dependencies, name, content))

        uploader = threading.Thread(target=upload_all)
        uploader.start()
        pages = []
        while uploader.is_alive():
            with urllib.request.urlopen(url + "/_dash-layout", timeout=60) as response:
                pages.append(response.status)
        uploader.join()
        log = log_path.read_text()
        worker = int(re.findall(r"Booting worker with pid: (\d+)", log)[0])
        status = Path(f"/proc/{worker}/status").read_text()
        peak_mb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024

    for name, _content, message in UPLOADS:
        status, text = answers[name]
        assert status == 200 and message in text and name in text, (name, text[:400])
    assert pages and set(pages) == {200}
    assert "WORKER TIMEOUT" not in log and len(re.findall(r"Booting worker", log)) == 1, log[-2000:]
    assert peak_mb < WORKER_PEAK_LIMIT_MB, f"the worker reached {peak_mb:.0f} MB"
