"""HTTP security headers for the dashboard: as strict as the page allows.

Why each exception: MapLibre builds its workers from blob: URLs; Plotly, React and the grid set
inline styles. Inline scripts are allowed only by hash (Dash's renderer bootstrap); no eval. Every
browser test runs under this policy, so a page feature that needs more fails there.
"""
from __future__ import annotations


def content_security_policy(script_hashes) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],  # Dash's hashes come quoted
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# Every /source/<id> response: a document from a dataset is someone else's content, so even one
# a browser would render gets a unique opaque origin (sandbox) and may load nothing.
SOURCE_DOCUMENT_CSP = "sandbox; default-src 'none'"


def security_headers(script_hashes) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


# Spreadsheet formula injection: a cell that starts with one of these is run as a formula by
# Excel, LibreOffice or Google Sheets when an exported CSV is opened. OWASP's rule: prefix such
# a cell with a single quote, which the spreadsheet shows as text. assets/records_export.js
# applies the same rule to the records table's CSV download in the browser.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A cell as it is safe to export: text that a spreadsheet would read as a formula gets a
    leading `'`; numbers and everything else are left as they are (a negative number stays a
    number). Apply it to text columns only."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
