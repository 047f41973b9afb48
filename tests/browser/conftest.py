"""Browser fixtures: the app served by `python app.py` in a subprocess, and a headless Chromium
page that records every console error, page error and failed request."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


class BrowserErrors(list):
    def attach(self, page):
        page.on("console", lambda msg: msg.type == "error" and self.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: self.append(f"request failed: {req.url} {req.failure}"))


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the browser logged any error while it ran."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    page = context.new_page()
    errors = BrowserErrors()
    errors.attach(page)
    yield page
    context.close()
    assert list(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def wait_for_map(page, timeout_ms: int = 45_000):
    page.wait_for_selector("#route-map .maplibregl-canvas", timeout=timeout_ms)
    page.wait_for_function(MAP_READY, timeout=timeout_ms)
