"""Same-origin writes only (issue 15): a page from another origin, directly or through DNS
rebinding, cannot write. The merge callback is replayed as the browser would post it, with a
foreign Host and a foreign Origin; the same request from the app's own page merges (so the test
can fail)."""
from __future__ import annotations

import base64
import json

import pytest

import app as dashboard
from components import ids
from components.import_panel import NOT_IN_FILE
from flightmap import schema
from flightmap.config import Settings
from flightmap.security import host_allowed, split_host, write_refusal
from tests.test_importer import GOOD, fingerprint

MAPPING = {"date_start": "Date", "origin": "From", "destination": "To", "registration": "Tail", "source_ids": "Source",
           "summary": "Notes", "confidence": "Confidence"}


def merge_request(client) -> dict:
    """The body the page posts when Merge is clicked, built from the app's /_dash-dependencies."""
    dependencies = client.get("/_dash-dependencies").get_json()
    merge = next(d for d in dependencies if {"id": ids.IMPORT_MERGE, "property": "n_clicks"} in d["inputs"])
    outputs = merge["output"].strip(".").split("...")
    specs = []
    for output in outputs:
        ident = output.split("@")[0].rsplit(".", 1)[0]
        specs.append({"id": ident, "property": output[len(ident) + 1:]})
    file = {"name": "foreign.csv", "content": "data:text/csv;base64," + base64.b64encode(GOOD.encode()).decode()}
    state = []
    for item in merge["state"]:
        if item["id"] == ids.IMPORT_FILE:
            state.append({"id": item["id"], "property": item["property"], "value": file})
        elif item["id"] == ids.IMPORT_TABLE:
            state.append({"id": item["id"], "property": item["property"], "value": "flights"})
        elif not item["id"].startswith("{"):  # any other control, as the page starts it
            state.append({"id": item["id"], "property": item["property"], "value": None})
        else:  # pattern-matching controls (ALL): only the column matching has values
            kind = json.loads(item["id"])["type"]
            values = [{"id": {"column": c, "type": kind}, "property": "value", "value": MAPPING.get(c, NOT_IN_FILE)}
                      for c in schema.FLIGHTS.column_names] if kind == ids.IMPORT_COLUMN else []
            state.append(values)
    return {"output": merge["output"], "outputs": specs, "inputs": [{"id": ids.IMPORT_MERGE, "property": "n_clicks", "value": 1}],
            "state": state, "changedPropIds": [f"{ids.IMPORT_MERGE}.n_clicks"]}


@pytest.fixture
def client(dataset_dir):
    dashboard.install_data(Settings(data_dir=dataset_dir))
    yield dashboard.server.test_client()
    dashboard.install_data(Settings())


FOREIGN = [
    ("foreign Host and foreign Origin", {"Host": "evil.example:8050", "Origin": "http://evil.example"}, 400),
    ("DNS rebinding: the attacker's name resolves here, so Host and Origin agree", {"Host": "evil.example:8050", "Origin": "http://evil.example:8050"}, 400),
    ("foreign Origin", {"Origin": "http://evil.example"}, 403),
    ("another local app", {"Origin": "http://localhost:9999"}, 403),
    ("opaque origin", {"Origin": "null"}, 403),
    ("a browser saying cross-site", {"Sec-Fetch-Site": "cross-site"}, 403),
    ("foreign Referer", {"Referer": "http://evil.example/page"}, 403),
]


@pytest.mark.parametrize("headers, status", [f[1:] for f in FOREIGN], ids=[f[0] for f in FOREIGN])
def test_a_merge_from_another_origin_is_refused_and_writes_nothing(headers, status, client, dataset_dir, caplog):
    body = merge_request(client)
    before = fingerprint(dataset_dir)
    response = client.post("/_dash-update-component", json=body, headers={"Host": "localhost:8050", **headers})
    assert response.status_code == status and response.data.startswith(b"Refused: ")
    assert fingerprint(dataset_dir) == before
    assert len([r for r in caplog.records if "refused POST" in r.getMessage()]) == 1


def finished(client, body: dict, headers: dict, seconds: float = 120):
    """The answer of a callback; a background job (the merge is one) is polled as the page does."""
    import json
    import time

    response = client.post("/_dash-update-component", json=body, headers=headers)
    job = json.loads(response.data) if response.status_code == 200 else {}
    deadline = time.monotonic() + seconds
    while "cacheKey" in job and "response" not in job and time.monotonic() < deadline:
        time.sleep(0.5)
        response = client.post(f"/_dash-update-component?cacheKey={job['cacheKey']}&job={job['job']}", json=body, headers=headers)
        job = {**job, **(json.loads(response.data) if response.status_code == 200 and response.data else {})}
    return response


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost:8050", "Sec-Fetch-Site": "same-origin"},  # what Chromium sends for the page's callbacks
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # e.g. a same-origin form post under Referrer-Policy: no-referrer
    {},  # not a browser: curl, the load benchmark
], ids=["same origin", "opaque same-origin", "no browser headers"])
def test_the_same_merge_from_the_apps_own_page_is_written(headers, client, dataset_dir):
    before = (dataset_dir / "flights.csv").read_bytes()
    response = finished(client, merge_request(client), {"Host": "localhost:8050", **headers})
    assert response.status_code == 200, response.data[:300]
    assert b"Merged 2 rows of foreign.csv" in response.data
    assert (dataset_dir / "flights.csv").read_bytes().startswith(before) and len((dataset_dir / "flights.csv").read_bytes()) > len(before)


def test_a_page_from_a_foreign_host_is_not_served_at_all(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:8050"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8050"}).status_code == 200


def test_allowed_hosts_come_from_configuration(monkeypatch):
    monkeypatch.setenv("FLIGHTMAP_ALLOWED_HOSTS", "Map.Example.org, .corp.example")
    settings = Settings.from_env()
    assert settings.trusted_hosts == ("localhost", "127.0.0.1", "::1", "map.example.org", ".corp.example")
    assert host_allowed("map.example.org", settings.trusted_hosts) and host_allowed("intel.corp.example:443", settings.trusted_hosts)
    assert not host_allowed("evil.example", settings.trusted_hosts) and not host_allowed("corp.example.evil", settings.trusted_hosts)
    assert Settings(host="10.0.0.5").trusted_hosts[-1] == "10.0.0.5" and "0.0.0.0" not in Settings(host="0.0.0.0").trusted_hosts
    # Behind a reverse proxy that rewrites Host, the public name in Origin is accepted when configured.
    assert write_refusal("POST", {"Host": "127.0.0.1:8050", "Origin": "https://map.example.org"}, settings.trusted_hosts) is None
    assert write_refusal("POST", {"Host": "127.0.0.1:8050", "Origin": "https://evil.example"}, settings.trusted_hosts)[0] == 403


def test_host_names_are_split_like_a_browser_writes_them():
    assert split_host("Example.org:8050") == ("example.org", "8050")
    assert split_host("[::1]:8050") == ("::1", "8050") and split_host("::1") == ("::1", "")
    assert not host_allowed(None, ["localhost"]) and not host_allowed("", ["localhost"])
