"""Safe defaults: security headers on every response, a request-size limit, debug off."""
from __future__ import annotations

import pytest

import app as dashboard


def test_every_response_carries_the_security_headers():
    client = dashboard.server.test_client()
    for path in ("/", "/assets/app.css", "/_dash-layout"):  # /source has its own, stricter policy (below)
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        script = next(d for d in csp.split("; ") if d.startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "http" not in script
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_oversized_requests_are_refused():
    client = dashboard.server.test_client()
    response = client.post("/_dash-update-component", data=b"x" * (dashboard.MAX_REQUEST_BYTES + 1), content_type="application/json")
    assert response.status_code == 413


def test_debug_is_off_and_host_is_loopback_by_default():
    settings = dashboard.Settings.from_env()
    assert settings.debug is False and settings.host == "127.0.0.1"


def test_exported_text_that_a_spreadsheet_would_run_is_neutralised():
    from flightmap.security import neutralise_cell

    for text in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")'):
        assert neutralise_cell(text) == "'" + text
    for value in ("plain", "2023-08-20", "a=b", "", None, -5, -1.5, 0):
        assert neutralise_cell(value) == value  # numbers stay numbers, harmless text stays as it is


# ----------------------------------------------------------------------------- source documents

DOCUMENTS = {
    "page.html": "<html><script>fetch('/_dash-layout')</script></html>",
    "drawing.svg": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "helper.js": "fetch('/_dash-update-component', {method: 'POST'})",
    "notes.txt": "plain notes",
}


@pytest.fixture
def hostile_documents(dataset_dir):
    """The dataset with a saved web page, an SVG and a script among its source documents."""
    with open(dataset_dir / "sources.csv", "a", encoding="utf-8") as sources:
        for name, text in DOCUMENTS.items():
            (dataset_dir / "sources" / name).write_text(text, encoding="utf-8")
            sources.write(f"doc-{name.replace('.', '-')},{name},me,,sources/{name},2024,\n")
    dashboard.install_data(dashboard.Settings(data_dir=dataset_dir))
    yield dashboard.server.test_client()
    dashboard.install_data(dashboard.Settings())


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "helper.js"])
def test_a_source_document_that_could_run_script_is_a_sandboxed_download(name, hostile_documents):
    response = hostile_documents.get(f"/source/doc-{name.replace('.', '-')}")
    assert response.status_code == 200 and response.data == DOCUMENTS[name].encode()
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_text_source_document_is_plain_text_sandboxed_with_one_charset(hostile_documents):
    for source_id in ("doc-notes-txt", "bnn-2024-03-22", "research-notes"):
        response = hostile_documents.get(f"/source/{source_id}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
