"""Time from a timeline change to the repainted map, on the default data.

    .venv/bin/python benchmarks/repaint.py [--samples 40]

Prints two tables: the server-side work for one window (cut the window, build the figure,
serialise it) measured in-process, and in headless Chromium the time from setting the slider's
value (what a released slider handle does) to Plotly's `plotly_afterplot` on the map.
Medians and 95th percentiles: these machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import percentile, random_windows  # noqa: E402
from flightmap import timeline  # noqa: E402
from flightmap.figures import basemap_style, map_figure  # noqa: E402
from flightmap.loader import load_dataset  # noqa: E402
from flightmap.routes import locate  # noqa: E402
from tests.browser.conftest import page_on_default_data, wait_for_map  # noqa: E402
from tests.conftest import DEFAULT_DATA  # noqa: E402

REPAINT = """async ([start, end]) => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  return await new Promise((resolve) => {
    const t0 = performance.now();
    const done = () => { gd.removeListener('plotly_afterplot', done); resolve(performance.now() - t0); };
    gd.on('plotly_afterplot', done);
    window.dash_clientside.set_props('timeline-slider', {value: [start, end]});
  });
}"""


def row(name, values, unit="ms"):
    return f"| {name} | {len(values)} | {statistics.median(values):.1f} {unit} | {percentile(values, 0.95):.1f} {unit} |"


def server_side(windows) -> list[float]:
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    style = basemap_style("/assets/geo/countries.geojson", "/assets/geo/country-labels.geojson")
    timings = []
    for start, end in windows:
        t0 = time.perf_counter()
        flights, events = timeline.in_window(located.flights, located.events, timeline.from_day(start), timeline.from_day(end))
        map_figure(flights, events, dataset.sources, style).to_json()
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def browser_side(windows) -> list[float]:
    with page_on_default_data() as (server, page):
        page.goto(server.url)
        wait_for_map(page)
        page.evaluate(REPAINT, list(windows[0]))  # warm-up
        return [page.evaluate(REPAINT, [start, end]) for start, end in windows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    dataset = load_dataset(DEFAULT_DATA)
    located = locate(dataset)
    low, high = (timeline.to_day(d) for d in timeline.data_span(located.flights, located.events))
    windows = random_windows(low, high, args.samples)
    print(f"default data: {len(dataset.flights)} flight records, {len(dataset.events)} events; {args.samples} random windows of 7-120 days\n")
    print("| step | samples | median | p95 |\n|---|---|---|---|")
    print(row("server: cut window + build figure + JSON", server_side(windows)))
    print(row("browser: slider value set -> plotly_afterplot", browser_side(windows)))


if __name__ == "__main__":
    main()
