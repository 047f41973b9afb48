"""Bytes the server sends per slider move (issue 16 item 2: the records table pages its rows).

    .venv/bin/python benchmarks/table_bytes.py [--moves 20] [--flights 100000] [--app-dir DIR]

For the shipped data and a SYNTHETIC dataset of --flights flights (benchmarks/synthetic.py, in a
temporary folder), serves the app of --app-dir (default: this checkout; point it at an export of
another commit, e.g. `git archive 7c45081 | tar -x -C /tmp/before`, to measure before/after with
the same script), opens it in headless Chromium and sets the slider's value to --moves random
windows of 7-120 days (benchmarks/common.random_windows, as benchmarks/repaint.py), the way
releasing a handle does. Per move: the sum of the Content-Length of every callback answer until
the page is quiet, and the part of it answering the records table (records-table.*). Prints
medians and 95th percentiles.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.common import percentile, random_windows  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, COUNT_FETCHES, free_port, wait_for_map  # noqa: E402
from tests.conftest import DEFAULT_DATA  # noqa: E402

SLIDER = "([start, end]) => window.dash_clientside.set_props('timeline-slider', {value: [start, end]})"
BOUNDS = "() => { const s = document.querySelector('#timeline-slider [role=slider]'); return [+s.getAttribute('aria-valuemin'), +s.getAttribute('aria-valuemax')]; }"


def serve(app_dir: Path, data: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--data", str(data)], cwd=app_dir,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return process, url
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not answer")
            time.sleep(0.5)


def quiet(page, timeout_ms: int = 300_000):
    for _ in range(3):  # quiet for a moment: a finished callback may start another
        page.wait_for_function("() => window.__inflight === 0", timeout=timeout_ms)
        page.wait_for_timeout(300)


def measure(browser, url: str, moves: int, largest: dict | None = None) -> list[tuple[int, int]]:
    """[(bytes of every answer, bytes of the table's answers)] per move; `largest` collects the
    largest answer of each callback output, with the inputs whose change asked for it."""
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    page.add_init_script(COUNT_FETCHES)
    answers: list[tuple[str, int, list]] = []

    def answered(response):
        if "_dash-update-component" in response.url:
            request = json.loads(response.request.post_data or "{}")
            answers.append((request.get("output", ""), int(response.headers.get("content-length", 0)), request.get("changedPropIds", [])))

    page.on("response", answered)
    page.goto(url)
    wait_for_map(page, 300_000)
    quiet(page)
    low, high = page.evaluate(BOUNDS)
    results = []
    for window in random_windows(low, high, moves + 1):
        answers.clear()
        page.evaluate(SLIDER, list(window))
        page.wait_for_timeout(100)
        quiet(page)
        results.append((sum(n for _, n, _ in answers), sum(n for o, n, _ in answers if o.startswith("records-table."))))
        if largest is not None and len(results) > 1:
            for output, size, changed in answers:
                if size > largest.get(output, (0,))[0]:
                    largest[output] = (size, changed)
    page.close()
    return results[1:]  # the first move warms the caches up


def kb(values) -> str:
    return f"{statistics.median(values) / 1024:,.1f} KB | {percentile(values, 0.95) / 1024:,.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--flights", type=int, default=100_000, help="SYNTHETIC flights (0: shipped data only)")
    parser.add_argument("--app-dir", type=Path, default=PROJECT)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from benchmarks.synthetic import generate

    print(f"app: {args.app_dir}; {args.moves} slider moves per dataset (random windows of 7-120 days)\n")
    print("| dataset | all answers: median | p95 | records table: median | p95 |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        notes: list[str] = []
        datasets = [("shipped data", None)] + ([(f"{args.flights:,} SYNTHETIC flights", args.flights)] if args.flights else [])
        for name, flights in datasets:
            data = Path(tmp) / name.split()[0].replace(",", "") / "data"
            if flights:
                generate(data, flights)
            else:
                shutil.copytree(DEFAULT_DATA, data)
            process, url = serve(args.app_dir, data, Path(tmp) / f"{data.parent.name}.log")
            largest: dict[str, int] = {}
            try:
                results = measure(browser, url, args.moves, largest)
            finally:
                process.terminate()
                process.wait(timeout=20)
            print(f"| {name} | {kb([a for a, _ in results])} | {kb([t for _, t in results])} |", flush=True)
            notes.append(f"{name}, largest answers: " + ", ".join(f"{o[:60]} {n / 1024:,.1f} KB (inputs changed: {', '.join(c) or 'none'})" for o, (n, c) in sorted(largest.items(), key=lambda x: -x[1][0])[:4]))
        browser.close()
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
