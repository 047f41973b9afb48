"""Browser fixtures: the app served by `python app.py` in a subprocess, and a headless Chromium
page that records every console error, page error and failed request."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import DEFAULT_DATA, PROJECT

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Without these flags Chromium phones home at start-up, and on a closed network each attempt
# is a refused connection.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
MAP_READY = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
  return Boolean(map && gd.data && gd.data.length && map.loaded() && map.areTilesLoaded());
}"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = open(data_dir.parent / f"server-{self.port}.log", "w+")
        env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "DASH_DEBUG")}
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port), "--data", str(data_dir)],
            cwd=PROJECT, stdout=self.log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


@contextmanager
def page_on_default_data(width: int = 1400, height: int = 850):
    """For scripts (screenshots, benchmarks): the app serving a throw-away copy of the shipped
    data, and a headless Chromium page; everything is stopped and removed on exit."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DEFAULT_DATA, data)
        server = Server(data)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    yield server, browser.new_page(viewport={"width": width, "height": height})
                finally:
                    browser.close()
        finally:
            server.stop()


@pytest.fixture(scope="session")
def default_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("default") / "data"
    shutil.copytree(DEFAULT_DATA, data)
    server = Server(data)
    yield server
    server.stop()


@pytest.fixture
def server_for(tmp_path):
    """Start a server on a dataset folder of the test's own."""
    started = []

    def start(data_dir: Path) -> Server:
        started.append(Server(data_dir))
        return started[-1]

    yield start
    for server in started:
        server.stop()


# Counts the page's callback requests in flight, so that a navigation never aborts one (an
# aborted request is a failed request, which the test counts as a browser error).
COUNT_FETCHES = """(() => {
  window.__inflight = 0;
  const fetch = window.fetch;
  window.fetch = function (...args) {
    window.__inflight += 1;
    return fetch.apply(this, args).finally(() => { window.__inflight -= 1; });
  };
})();"""


def goto_when_quiet(page, url: str):
    for _ in range(3):  # quiet for a moment: a finished callback may start another
        page.wait_for_function("() => window.__inflight === 0", timeout=30_000)
        page.wait_for_timeout(300)
    page.goto(url)


class BrowserErrors(list):
    """Errors the browser logged while the test ran. What happens while the test closes its page
    (a callback still answering is aborted, a map frame torn down mid-render) is not the app's
    error: `close` stops counting."""

    closing = False

    def attach(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.closing or self.append(f"page error: {exc.message}\n{(exc.stack or '')[:700]}"))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request):
        if self.closing:
            return
        self.append(f"request failed: {request.url} {request.failure}")

    def close(self, context):
        self.closing = True
        context.close()


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the browser logged any error while it ran."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    page = context.new_page()
    errors = BrowserErrors()
    errors.attach(page)
    yield page
    errors.close(context)
    assert list(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def wait_for_map(page, timeout_ms: int = 45_000):
    page.wait_for_selector("#route-map .maplibregl-canvas", timeout=timeout_ms)
    # The first drawing may come before the page has measured the map; it is then re-framed for
    # its size, and a test that reads positions in between reads a frame about to move. Wait for
    # the framed one where there is one (a page with no data, or a view fixed by the link, has
    # none to wait for).
    try:
        page.wait_for_function(FRAME_CURRENT, timeout=min(timeout_ms, 15_000))
    except PlaywrightTimeout:
        pass
    page.wait_for_function(MAP_READY, timeout=timeout_ms)


# The map's frame was fitted for the map's present size (components/map_panel.py writes the
# size into the figure's meta; the page re-frames when the box changes by more than 24 px).
FRAME_CURRENT = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const frame = gd && gd.layout && gd.layout.meta && gd.layout.meta.frame;
  if (!frame || !frame.w) return false;
  const box = document.getElementById('route-map').getBoundingClientRect();
  return Math.abs(box.width - frame.w) <= 24 && Math.abs(box.height - frame.h) <= 24;
}"""


def wait_for_frame(page, timeout_ms: int = 45_000):
    """The map drawn and framed for the size it has now."""
    page.wait_for_function(FRAME_CURRENT, timeout=timeout_ms)
    wait_for_map(page, timeout_ms)


MAP_TRACES = """() => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  return gd.data.map(t => ({name: t.name, customdata: Array.from(t.customdata || []).filter((v, i, a) => v !== null && a.indexOf(v) === i)}));
}"""


def map_traces(page) -> dict[str, list]:
    """Trace name -> distinct customdata of the figure the map is showing now."""
    return {t["name"]: t["customdata"] for t in page.evaluate(MAP_TRACES)}


def drawn_keys(page) -> set[str]:
    """Every route, airport and event key drawn on the map ('route|ids', 'airport|name', 'event|id')."""
    return {c for values in map_traces(page).values() for c in values if isinstance(c, str)}


def click_on_map(page, customdata: str):
    """Click the map where the point carrying `customdata` is drawn, after checking that it is
    the point under the mouse (a route's end and its airport share a position)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    target = page.evaluate(
        """(key) => {
      const gd = document.querySelector('#route-map .js-plotly-plot');
      if (!gd.__hoverWatch) {
        gd.on('plotly_hover', d => { window.__hovered = d.points.map(p => p.customdata); });
        gd.on('plotly_unhover', () => { window.__hovered = []; });
        gd.__hoverWatch = true;
      }
      const map = gd._fullLayout.map._subplot.map;
      for (const t of gd._fullData) {
        const data = Array.from(t.customdata || []);
        const i = data.indexOf(key);
        if (i >= 0) {
          const j = t.mode === 'lines' ? Math.floor((i + data.lastIndexOf(key)) / 2) : i;
          const px = map.project([t.lon[j], t.lat[j]]);
          const box = map.getCanvas().getBoundingClientRect();
          return {x: box.left + px.x, y: box.top + px.y};
        }
      }
      return null;
    }""",
        customdata,
    )
    assert target is not None, f"{customdata} is not drawn"
    for dx, dy in ((0, 0), (0, -3), (3, 0), (-3, 0), (0, 3), (4, 4), (-4, -4), (4, -4), (-4, 4), (0, -6), (6, 0)):
        x, y = target["x"] + dx, target["y"] + dy
        page.mouse.move(x - 25, y - 25)
        page.mouse.move(x, y, steps=4)
        try:
            page.wait_for_function("(key) => (window.__hovered || []).includes(key)", arg=customdata, timeout=1500)
        except Exception:
            continue
        page.mouse.click(x, y)
        return
    raise AssertionError(f"could not hover {customdata}")


def set_window(page, start: str, end: str):
    """Type an exact window into the two date fields, as a person would, one field at a time:
    each is confirmed by the window label before the next is typed."""
    for selector, value, check in (
        ("#window-start", start, "(s) => document.querySelector('.window-label').textContent.startsWith(s)"),
        ("#window-end", end, "(e) => document.querySelector('.window-label').textContent.endsWith(e)"),
    ):
        field = page.locator(selector)
        field.fill(value)
        field.press("Enter")
        page.wait_for_function(check, arg=_label(value), timeout=15_000)
    page.keyboard.press("Escape")
    page.wait_for_function(
        "(s) => document.querySelector('.window-label').textContent.startsWith(s)", arg=_label(start), timeout=15_000
    )


def _label(iso: str) -> str:
    import datetime

    return datetime.date.fromisoformat(iso).strftime("%d %b %Y")


# The records table pages its rows from the server (AG Grid's infinite row model): rows appear
# once their block has loaded, and a row still loading has no data and no row-id.
TABLE_ROW = "#records-table .ag-row[row-id]"
LOADED_ROWS = """() => {
  let api = null;
  try { api = dash_ag_grid.getApi('records-table'); } catch (e) { return null; }
  const rows = [];
  api.forEachNode(n => { if (n.data) rows.push(n.data); });
  return rows;
}"""
TABLE_SETTLED = """() => {
  let api = null;
  try { api = dash_ag_grid.getApi('records-table'); } catch (e) { return false; }
  const blocks = Object.values((api && api.getCacheBlockState()) || {});
  // An empty window leaves no block once its answer (no rows) is in.
  return blocks.every(b => b.pageStatus === 'loaded') && (blocks.length > 0 || api.getDisplayedRowCount() === 0);
}"""


def wait_for_table(page, timeout_ms: int = 30_000):
    """The records table's blocks have loaded (whatever the number of rows, none included)."""
    page.wait_for_function(TABLE_SETTLED, timeout=timeout_ms)


def table_rows(page) -> list[dict]:
    """The rows the records table has loaded (a block at a time), in the grid's order."""
    return page.evaluate(LOADED_ROWS) or []
