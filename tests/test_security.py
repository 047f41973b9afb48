"""Safe defaults: security headers on every response, a request-size limit, debug off."""
from __future__ import annotations

import app as dashboard


def test_every_response_carries_the_security_headers():
    client = dashboard.server.test_client()
    for path in ("/", "/assets/app.css", "/source/bnn-2024-03-22", "/_dash-layout"):
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
