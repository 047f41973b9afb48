"""Ours against the naive first attempt, in the browser: a window moved -> the map repainted.

    .venv/bin/python benchmarks/naive_browser.py [--flights 10000] [--samples 20] [--naive-samples 5]

Writes a SYNTHETIC dataset of `--flights` flights (benchmarks/synthetic.py) into a temporary
folder and serves it twice, side by side, to one headless Chromium:

- ours: the app itself (`app.py --data`);
- naive: the usual first attempt, a Dash page of one `dcc.Graph` whose callback cuts the window
  and draws one Scattermap trace per flight (benchmarks/scale.py's `naive_figure`, the baseline
  the server-side ratio has used since issue 7), on a plain white map.

For the same random windows, taken in turn (naive, ours, naive, ours...: the machine's noise
falls on both), it times the window set -> Plotly's `plotly_afterplot` of that window's figure:
request, server, transfer and Plotly/MapLibre drawing included. The naive page is timed on the
first `--naive-samples` windows only: each of its traces is a MapLibre layer, and its drawing
time grows faster than the traces (at 10k: 101 traces 2.3 s, 459 traces 20 s, 884 traces 111 s),
so a 120-day window takes minutes. For ours it also times the path
a person dragging a handle sees: the pointer moved -> the frame painted with the window
(benchmarks/window_probe.py's pointer steps; no request). Prints medians, p95s and the ratios.
"""
from __future__ import annotations

import argparse
import os
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

# The naive page's window is a store the benchmark sets; the figure carries its window in meta
# so that the timing stops at the drawing of that window and not of an earlier one.
NAIVE_DRAWN = """async ([a, b]) => {
  const gd = document.querySelector('#naive-map .js-plotly-plot');
  return await new Promise((resolve) => {
    const t0 = performance.now();
    const done = () => {
      const w = gd.layout.meta && gd.layout.meta.window;
      if (!w || w[0] !== a || w[1] !== b) return;
      gd.removeListener('plotly_afterplot', done);
      resolve({total: performance.now() - t0, traces: gd.data.length});
    };
    gd.on('plotly_afterplot', done);
    window.dash_clientside.set_props('naive-window', {data: [a, b]});
  });
}"""


def serve_naive(folder: Path, port: int) -> None:
    """The naive app: a window store, a graph, one callback (run in its own process)."""
    from dash import Dash, Input, Output, dcc, html

    from benchmarks.scale import naive_figure
    from flightmap import filters as record_filters
    from flightmap import timeline
    from flightmap.loader import load_dataset
    from flightmap.routes import locate

    located = locate(load_dataset(folder))
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div([dcc.Store(id="naive-window"), dcc.Graph(id="naive-map", style={"height": "700px"})])

    @app.callback(Output("naive-map", "figure"), Input("naive-window", "data"))
    def draw(window):
        if not window:
            window = [0, 0]
        flights, events = record_filters.apply(located.flights, located.events, {})
        flights, events = timeline.in_window(flights, events, timeline.from_day(window[0]), timeline.from_day(window[1]))
        figure = naive_figure(flights, events)
        figure.update_layout(meta={"window": window}, margin={"l": 0, "r": 0, "t": 0, "b": 0})
        return figure

    app.run(host="127.0.0.1", port=port, debug=False)


def start_naive(folder: Path) -> tuple[subprocess.Popen, str]:
    from tests.browser.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen([sys.executable, __file__, "--serve-naive", str(folder), "--port", str(port)], cwd=PROJECT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the naive app did not start")


def stats(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms | {percentile(values, 0.95):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flights", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--naive-samples", type=int, default=5)
    parser.add_argument("--serve-naive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_naive:
        serve_naive(args.serve_naive, args.port)
        return

    from playwright.sync_api import sync_playwright

    from benchmarks import synthetic
    from benchmarks.window_probe import INSTRUMENT, RELEASE, pointer_steps
    from flightmap import timeline
    from flightmap.loader import load_dataset
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, wait_for_map

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        synthetic.generate(folder, args.flights)
        dataset = load_dataset(folder)
        low, high = (timeline.to_day(d) for d in timeline.data_span(dataset.flights, dataset.events))
        windows = random_windows(low, high, args.samples + 1, seed=11)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT).stdout.strip()
        load = os.getloadavg()
        print(f"SYNTHETIC {len(dataset.flights):,} flights; {args.samples} windows of 7-120 days; commit {commit}; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        ours_server = Server(folder)
        naive_process, naive_url = start_naive(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    errors: list[str] = []
                    naive = browser.new_page(viewport={"width": 1400, "height": 850})
                    ours = browser.new_page(viewport={"width": 1400, "height": 850})
                    for page in (naive, ours):
                        page.set_default_timeout(600_000)
                        page.on("pageerror", lambda e: errors.append(e.message))
                    naive.goto(naive_url)
                    naive.wait_for_function("() => window.dash_clientside && document.querySelector('#naive-map .js-plotly-plot')")
                    ours.goto(ours_server.url)
                    wait_for_map(ours, timeout_ms=600_000)
                    ours.wait_for_function("() => window.dash_clientside.flightmap.computeWindow(0, 1) !== null")
                    ours.evaluate(INSTRUMENT)
                    print("pages ready", file=sys.stderr, flush=True)
                    # A page in a background tab gets no animation frames (MapLibre would never draw):
                    # each is brought to the front before it is timed.
                    naive.bring_to_front()
                    naive.evaluate(NAIVE_DRAWN, list(windows[0]))  # warm-up: imports, first drawing
                    ours.bring_to_front()
                    ours.evaluate(RELEASE, list(windows[0]))
                    naive_ms, ours_ms, traces = [], [], []
                    for i, window in enumerate(windows[1:]):
                        if i < args.naive_samples:
                            naive.bring_to_front()
                            drawn = naive.evaluate(NAIVE_DRAWN, list(window))
                            naive_ms.append(drawn["total"])
                            traces.append(drawn["traces"])
                        ours.bring_to_front()
                        ours_ms.append(ours.evaluate(RELEASE, list(window))["total"])
                        print(f"window {window}: naive {naive_ms[-1] if i < args.naive_samples else float('nan'):.0f} ms, ours {ours_ms[-1]:.0f} ms",
                              file=sys.stderr, flush=True)
                    steps = [s["total"] for s in pointer_steps(ours, args.samples)]  # ours is in front
                finally:
                    browser.close()
        finally:
            ours_server.stop()
            naive_process.terminate()
            naive_process.wait(timeout=10)
    if errors:
        print("page errors:", errors[:5])
    print(f"\n| window moved -> map repainted | median | p95 |\n|---|---|---|")
    shared = len(naive_ms)
    per_window = [n / o for n, o in zip(naive_ms, ours_ms)]
    print(f"| naive: one trace per flight, window set -> plotly_afterplot ({shared} windows, {min(traces)}-{max(traces)} traces) | {stats(naive_ms)} |")
    print(f"| ours, the same {shared} windows: slider value set -> plotly_afterplot (the server's figure) | {stats(ours_ms[:shared])} |")
    print(f"| ours, all {len(ours_ms)} windows: slider value set -> plotly_afterplot | {stats(ours_ms)} |")
    print(f"| ours: handle dragged, pointer move -> painted frame ({len(steps)} steps) | {stats(steps)} |")
    print(f"\nnaive / ours on the same windows: median of the per-window ratios {statistics.median(per_window):.0f}x "
          f"(from {min(per_window):.0f}x to {max(per_window):.0f}x); naive median / ours dragging median {statistics.median(naive_ms) / statistics.median(steps):.0f}x")


if __name__ == "__main__":
    main()
