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
    for missing in ("/source/no-such-source", "/source/defenceweb-handover"):  # unknown, and a source with no file
        response = hostile_documents.get(missing)
        assert response.status_code == 404 and response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


# ----------------------------------------------------------------------------- cells

@pytest.mark.parametrize("text", ["=1+1", "@SUM(A1)", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "-0+cmd|x", "-1+HYPERLINK(\"x\")",
                                  "\t=1", "\r=1", "- item", "+", "-", "-12.5\n", "--1"])
def test_a_cell_starting_like_a_formula_is_one_unless_it_is_a_whole_number(text):
    from flightmap.security import FORMULA

    assert FORMULA.match(text)


@pytest.mark.parametrize("text", ["-12.5", "+3", "-0", "-.5", "1e-3", "-2E+10", "2023-08-20", "a=b", "", "Gao - Tessalit"])
def test_numbers_and_ordinary_text_are_not_formulas(text):
    from flightmap.security import FORMULA

    assert not FORMULA.match(text)


def test_cell_hazards_names_each_unsafe_cell_once_per_kind():
    import pandas as pd

    from flightmap.security import cell_hazards

    cells = pd.Series(["fine", "-12.5", "a\x1b[31m", "=1", "x\u2066y", "two\nlines", "tab\tinside"], index=range(10, 17))
    assert cell_hazards(cells) == [
        (12, "control", "U+001B (ESC) at character 2"), (13, "formula", "=1"),
        (14, "control", "U+2066 (left-to-right isolate) at character 2"), (15, "control", "U+000A (newline) at character 4"),
        (16, "control", "U+0009 (tab) at character 4"),
    ]
    assert [i for i, *_ in cell_hazards(cells, multiline=True)] == [12, 13, 14]  # line breaks and tabs are text there
    assert cell_hazards(pd.Series(["Bamako", "Gao", "-1.5"] * 1000)) == []


def test_text_for_a_terminal_has_every_control_character_escaped():
    from flightmap.security import terminal_safe

    assert terminal_safe("a\x1b[2Jb\u202ec\x9b\r\nline\tend") == "a\\x1b[2Jb\\u202ec\\x9b\nline\tend"


# ----------------------------------------------------------------------------- errors, quietly

def test_an_unknown_component_suite_path_is_not_found(caplog):
    client = dashboard.server.test_client()
    for path in ("/_dash-component-suites/nope/missing.js", "/_dash-component-suites/dash/nope.js"):
        assert client.get(path).status_code == 404
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("body", [
    {"output": "nope.children", "inputs": [], "changedPropIds": []},
    {"output": "route-map.figure", "inputs": "not a list", "changedPropIds": []},
    {"inputs": []},
])
def test_a_malformed_callback_logs_one_line_not_a_traceback(body, caplog):
    client = dashboard.server.test_client()
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (400, 500)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is None and "\n" not in errors[0].getMessage()
    assert errors[0].getMessage().startswith("callback request failed: ")


def test_a_clean_column_is_answered_by_one_scan_and_a_suspect_one_cell_by_cell(monkeypatch):
    import pandas as pd

    from flightmap import security

    assert security.cell_hazards(pd.Series(["a\r", "b"]), multiline=True) == [(0, "control", "U+000D (carriage return) at character 2")]
    assert security.cell_hazards(pd.Series(["line\r\nnext", "tab\there"]), multiline=True) == []

    class NotCalled:
        def match(self, text):
            raise AssertionError("a clean column was checked cell by cell")

    monkeypatch.setattr(security, "FORMULA", NotCalled())
    clean = pd.Series([f"flight-{n}" for n in range(5000)] + ["Gao - Tessalit", "-12.5x"[1:]])
    assert security.cell_hazards(clean) == [] and security.cell_hazards(clean.str.cat([" two\nlines"] * len(clean)), multiline=True) == []


def test_answers_are_compressed_when_the_browser_accepts_it():
    """A map figure or the window model is JSON that shrinks several times: sent compressed to a
    browser that accepts it (every browser), plain to a client that does not, same content."""
    import gzip

    client = dashboard.server.test_client()
    plain = client.get("/_dash-dependencies")  # the same answer every time (a layout holds fresh ids)
    packed = client.get("/_dash-dependencies", headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) * 3 < len(plain.get_data())
    assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
