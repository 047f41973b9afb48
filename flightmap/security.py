"""Safety rules in one place: HTTP security headers (as strict as the page allows), the policy
for source documents, and the cells a table may hold (no formulas, no control characters).

Why each exception: MapLibre builds its workers from blob: URLs; Plotly, React and the grid set
inline styles. Inline scripts are allowed only by hash (Dash's renderer bootstrap); no eval. Every
browser test runs under this policy, so a page feature that needs more fails there.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import pandas as pd


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
# a cell with a single quote, which the spreadsheet shows as text. The records table's CSV
# download (/records.csv, flightmap/table_page.py) applies it to every cell, all of them text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A cell as it is safe to export: text that a spreadsheet would read as a formula gets a
    leading `'`; numbers and everything else are left as they are (a negative number stays a
    number). Apply it to text columns only."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_column(cells: pd.Series) -> pd.Series:
    """neutralise_cell over a column of text at once (the same rule, vectorised)."""
    text = cells.astype(str)
    return text.where(~text.str.startswith(FORMULA_TRIGGERS), "'" + text)


# ----------------------------------------------------------------------------- cells that are safe everywhere
# One rule for the loader (the dataset's own CSV files) and the importer (an analyst's upload):
# a cell that a spreadsheet would run as a formula is refused unless the whole cell is a number
# (-12.5 is data; -2+3+cmd|' /C calc'!A0 is not), and so is a cell holding a control character
# that could rewrite a terminal (ESC sequences), hide text (NUL) or reorder what a reader sees
# (bidi overrides). Tab and newline are allowed inside the free-text columns only.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
FORMULA = re.compile(rf"^(?!{_NUMBER}\Z)[=+\-@\t\r]")
_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls and DEL (C1 holds CSI, 0x9B, which some terminals obey like ESC [).
CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI}]")
CONTROL_IN_TEXT = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]|\r(?!\n)")
# For the one scan over a column's cells joined by newlines: every control character but the
# joining newline (counted instead), and in free text but tab too; a hit means "look closer".
_JOINED_SCAN = re.compile(rf"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
_JOINED_SCAN_TEXT = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
MULTILINE_COLUMNS = frozenset({"summary", "conflict_note", "notes"})
_NAMES = {0: "NUL", 7: "bell", 8: "backspace", 9: "tab", 10: "newline", 11: "vertical tab", 12: "form feed", 13: "carriage return",
          27: "ESC", 127: "DEL", 0x9B: "CSI"}


def describe_character(char: str) -> str:
    """A control character as words a person can search for: 'U+202E (right-to-left override)'."""
    name = _NAMES.get(ord(char)) or unicodedata.name(char, "").lower() or "control character"
    return f"U+{ord(char):04X} ({name})"


def shown(text, limit: int | None = None) -> str:
    """A cell as it is safe to quote in a message, on a page or a terminal: control characters
    as visible escapes (\\x1b, \\u202e), cut to `limit` characters if given."""
    text = str(text)
    cut = text if limit is None or len(text) <= limit else text[:limit] + "…"
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), cut)


def terminal_safe(text: str) -> str:
    """Text to print on a terminal: every control character but newline and tab escaped, so no
    cell quoted in a message can move the cursor, recolour or reorder the terminal's text."""
    return CONTROL_IN_TEXT.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text).replace("\r\n", "\n"))


def cell_hazards(cells: pd.Series, multiline: bool = False) -> list[tuple[object, str, str]]:
    """(index, "formula" or "control", detail) for each unsafe cell of a text column, in order.

    Almost every column is clean: one regular-expression scan over the distinct cells joined by
    newlines answers that, and only a column with a hit is checked cell by cell (a million-row
    dataset loads with two C-speed scans per column, not two Python calls per cell)."""
    distinct = pd.unique(cells.astype(str)) if len(cells) else []
    joined = "\n".join(distinct)
    control = CONTROL_IN_TEXT if multiline else CONTROL
    newlines_inside = joined.count("\n") != max(len(distinct) - 1, 0)
    suspicious_start = re.search(r"(?:^|\n)[=+\-@\t\r]", joined) is not None
    scan = _JOINED_SCAN_TEXT if multiline else _JOINED_SCAN
    if not (suspicious_start or scan.search(joined) or (newlines_inside and not multiline)):
        return []
    found = []
    for index, text in cells.astype(str).items():
        if FORMULA.match(text):
            found.append((index, "formula", text))
        hit = control.search(text)
        if hit:
            found.append((index, "control", f"{describe_character(hit.group()[0])} at character {hit.start() + 1}"))
    return found


# ----------------------------------------------------------------------------- same-origin writes
# A page from another site must not write through this app: not by DNS rebinding (its own name
# resolving to this server: the Host header gives it away), nor by posting across origins (the
# Origin header does). Loopback names are allowed by default; a deployment adds its own names.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def split_host(value: str) -> tuple[str, str]:
    """'Example.org:8050' -> ('example.org', '8050'); '[::1]:8050' -> ('::1', '8050')."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest.removeprefix(":")
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name, port
    return value, ""


def host_allowed(host: str | None, allowed) -> bool:
    """Whether a Host header names this app: an allowed name exactly, or a subdomain of one
    written with a leading dot ('.example.org')."""
    if not host:
        return False
    name = split_host(host)[0].rstrip(".")
    for entry in allowed:
        entry = split_host(entry)[0]
        if name == entry or (entry.startswith(".") and name.endswith(entry)):
            return True
    return False


def write_refusal(method: str, headers, allowed) -> tuple[int, str] | None:
    """(status, why) when a request must be refused before it reaches the app, else None.

    Every request: its Host must be allowed. Requests that write (POST...): a browser's Origin
    must be this host (or an allowed name, for a reverse proxy that rewrites Host); an opaque
    'null' Origin (a sandboxed document, or a same-origin form post under Referrer-Policy:
    no-referrer) is accepted only with Sec-Fetch-Site: same-origin, which a page cannot forge;
    Sec-Fetch-Site cross-site or same-site is refused outright. (Chromium's callback requests
    carry Origin: http://host:port and Sec-Fetch-Site: same-origin.) A request with none of these headers is not from a browser page, and a
    foreign page cannot strip them."""
    host = headers.get("Host")
    if not host_allowed(host, allowed):
        return 400, f"host {shown(host or '(none)', 80)!r} is not one this app serves (FLIGHTMAP_ALLOWED_HOSTS)"
    if method.upper() not in WRITE_METHODS:
        return None
    site = (headers.get("Sec-Fetch-Site") or "").lower()
    if site in ("cross-site", "same-site"):
        return 403, f"a write from another site (Sec-Fetch-Site: {shown(site, 20)})"
    origin = headers.get("Origin")
    if origin == "null":
        return None if site == "same-origin" else (403, "a write from an opaque origin (Origin: null)")
    source = origin or headers.get("Referer")
    if not source:
        return None
    netloc = urlsplit(source).netloc.lower()
    if netloc == host.strip().lower() or (netloc and host_allowed(netloc, [a for a in allowed if a not in LOOPBACK_HOSTS])):
        return None
    return 403, f"a write from another origin ({shown(source, 80)!r})"
