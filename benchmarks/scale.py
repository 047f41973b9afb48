"""Performance at scale (issue 7): SYNTHETIC datasets of 1k to 1M flights, our path against a naive one.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,100000,1000000] [--windows 50]
        [--browser-sizes 10000,100000] [--browser-samples 20] [--naive-max 10000]

For each size it writes a synthetic dataset (benchmarks/synthetic.py: marked SYNTHETIC in every
file and source row) into a temporary folder, never into data/, and measures in a fresh
subprocess (so that peak memory is that size's alone):

- load + validate: the real `load_dataset`;
- geocoding: `locate` cold (first call in the process, builds the airport index) and warm;
- prepare: the per-dataset arrays the page builds once (day numbers, route and airport codes);
- interaction, server side: random windows of 7-120 days, each one what the map callback does
  (filters + window cut + pre-aggregated routes and airports + figure + JSON), with the filter
  masks already cached (moving the slider) and with a new filter each time (changing a filter);
- figure JSON size (median and largest over the windows), peak memory (ru_maxrss);
- the naive baseline on the same windows: one Scattermap trace per flight in the window, the
  usual first attempt, with the ratio naive / ours (capped at --naive-max flights: beyond that it
  takes minutes per window);
- in headless Chromium (--browser-sizes): the time from setting the slider's value to Plotly's
  `plotly_afterplot` on the map, with every callback the window triggers, as benchmarks/repaint.py.

Medians and 95th percentiles: these machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.common import percentile, random_windows  # noqa: E402

FILTERS = [
    {"confidence": ["confirmed", "probable", "reported"]},
    {"aircraft": "N12"},
    {"type": ["C-130H", "Il-76"]},
    {"operator": ["SYNTHETIC Operator 07"]},
    {"category": ["military"]},
    {"source": ["synthetic-source-03"]},
]


# ----------------------------------------------------------------------------- one size, in a subprocess

def naive_figure(flights, events):
    """The usual first attempt: one Scattermap trace per flight, straight from the rows."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for row in flights.itertuples():
        figure.add_trace(go.Scattermap(
            lat=[row.origin_lat, row.destination_lat], lon=[row.origin_lon, row.destination_lon], mode="lines",
            name=row.id, hovertext=f"{row.origin_name} → {row.destination_name}<br>{row.date_start:%Y-%m-%d} · {row.confidence}<br>{row.summary}",
            hoverinfo="text", showlegend=False,
        ))
    figure.add_trace(go.Scattermap(lat=events["lat"], lon=events["lon"], mode="markers", text=events["title"]))
    figure.update_layout(map={"style": "white-bg"})
    return figure


def measure(folder: Path, windows_count: int, naive_max: int) -> dict:
    from components.view import map_records, prepare
    from flightmap import filters as record_filters
    from flightmap import timeline
    from flightmap.figures import basemap_style, fit_view, map_figure
    from flightmap.loader import load_dataset
    from flightmap.routes import locate

    out: dict = {}
    t0 = time.perf_counter()
    dataset = load_dataset(folder)
    out["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    located = locate(dataset)
    out["locate_cold_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    located = locate(dataset)
    out["locate_warm_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ready = prepare(located)
    airports = ready.routes.airports
    view = fit_view(airports["lat"], airports["lon"])
    out["prepare_s"] = time.perf_counter() - t0
    out["flights"], out["events"], out["routes"] = len(dataset.flights), len(dataset.events), len(ready.routes.routes)

    style = basemap_style("/assets/geo/countries.geojson", "/assets/geo/country-labels.geojson")
    low, high = (timeline.to_day(d) for d in timeline.data_span(located.flights, located.events))
    windows = random_windows(low, high, windows_count)

    def ours(window, filters):
        records = map_records(window, filters, ready)
        figure = map_figure(records.flights, records.events, dataset.sources, style, view=view, routes=records.routes,
                            airports=records.airports, flight_count=records.flight_count)
        return figure.to_json(), records

    ours(windows[0], {})  # warm-up: the first call imports and caches
    moves, sizes, drawn = [], [], []
    for window in windows:
        t0 = time.perf_counter()
        text, records = ours(window, {})
        moves.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(text.encode()))
        drawn.append((records.flight_count, len(records.routes)))
    changes = []
    for i, window in enumerate(windows[:24]):
        filters = FILTERS[i % len(FILTERS)]
        ready.masks.clear()  # no kept mask: every sample computes its filter anew
        t0 = time.perf_counter()
        ours(window, filters)
        changes.append((time.perf_counter() - t0) * 1000)
    out["move_ms"], out["change_ms"], out["json_bytes"] = moves, changes, sizes
    out["window_flights_median"] = statistics.median(d[0] for d in drawn)
    out["window_routes_median"] = statistics.median(d[1] for d in drawn)

    if len(dataset.flights) <= naive_max:
        naive = []
        naive_sizes = []
        for window in windows:
            t0 = time.perf_counter()
            flights, events = record_filters.apply(located.flights, located.events, {})
            flights, events = timeline.in_window(flights, events, timeline.from_day(window[0]), timeline.from_day(window[1]))
            text = naive_figure(flights, events).to_json()
            naive.append((time.perf_counter() - t0) * 1000)
            naive_sizes.append(len(text.encode()))
        out["naive_ms"], out["naive_bytes"] = naive, naive_sizes
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# ----------------------------------------------------------------------------- browser

def browser_repaint(folder: Path, samples: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    from benchmarks.repaint import REPAINT
    from flightmap import timeline
    from flightmap.loader import load_dataset
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, wait_for_map

    dataset = load_dataset(folder)
    low, high = (timeline.to_day(d) for d in timeline.data_span(dataset.flights, dataset.events))
    windows = random_windows(low, high, samples + 1, seed=11)
    server = Server(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 850})
                page.set_default_timeout(600_000)
                page.goto(server.url, timeout=600_000)
                wait_for_map(page, timeout_ms=600_000)
                page.evaluate(REPAINT, list(windows[0]))  # warm-up
                return [page.evaluate(REPAINT, list(w)) for w in windows[1:]]
            finally:
                browser.close()
    finally:
        server.stop()


# ----------------------------------------------------------------------------- report

def fmt_ms(values) -> str:
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--browser-sizes", default="10000,100000")
    parser.add_argument("--browser-samples", type=int, default=20)
    parser.add_argument("--naive-max", type=int, default=10_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one size, JSON out
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.windows, args.naive_max)))
        return

    from benchmarks.synthetic import generate

    sizes = [int(s) for s in args.sizes.split(",") if s]
    browser_sizes = {int(s) for s in args.browser_sizes.split(",") if s}
    results = {}
    with tempfile.TemporaryDirectory(prefix="flightmap-synthetic-") as tmp:
        for n in sizes:
            folder = Path(tmp) / f"synthetic-{n}" / "data"
            t0 = time.perf_counter()
            info = generate(folder, n)
            print(f"generated SYNTHETIC {n:,} flights ({info['routes']} routes, {info['airports']} airports, {info['events']} events) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            run = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder), "--windows", str(args.windows), "--naive-max", str(args.naive_max)],
                cwd=PROJECT, capture_output=True, text=True, check=True,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1])
            if n in browser_sizes:
                result["browser_ms"] = browser_repaint(folder, args.browser_samples)
            results[n] = result
            print(f"measured {n:,}", file=sys.stderr)
            for path in folder.glob("*"):
                path.unlink()

    print(f"SYNTHETIC data (benchmarks/synthetic.py), {args.windows} random windows of 7-120 days; times median / p95\n")
    header = "| | " + " | ".join(f"{n:,} flights" for n in sizes) + " |"
    print(header)
    print("|---" * (len(sizes) + 1) + "|")

    def line(label, fn):
        cells = []
        for n in sizes:
            try:
                cells.append(fn(results[n]))
            except (KeyError, ValueError, statistics.StatisticsError):
                cells.append("—")
        print(f"| {label} | " + " | ".join(cells) + " |")

    line("routes in the data / in a median window", lambda r: f"{r['routes']:,} / {r['window_routes_median']:.0f}")
    line("flights in a median window", lambda r: f"{r['window_flights_median']:,.0f}")
    line("load + validate (s)", lambda r: f"{r['load_s']:.2f}")
    line("geocoding cold / warm (s)", lambda r: f"{r['locate_cold_s']:.2f} / {r['locate_warm_s']:.2f}")
    line("prepare once per dataset (s)", lambda r: f"{r['prepare_s']:.2f}")
    line("slider move: server (ms)", lambda r: fmt_ms(r["move_ms"]))
    line("filter change: server (ms)", lambda r: fmt_ms(r["change_ms"]))
    line("figure JSON median / max (KB)", lambda r: f"{statistics.median(r['json_bytes']) / 1024:.0f} / {max(r['json_bytes']) / 1024:.0f}")
    line("naive: server (ms)", lambda r: fmt_ms(r["naive_ms"]))
    line("naive: figure JSON median (KB)", lambda r: f"{statistics.median(r['naive_bytes']) / 1024:.0f}")
    line("naive / ours (medians)", lambda r: f"{statistics.median(r['naive_ms']) / statistics.median(r['move_ms']):.0f}×")
    line("peak memory (MB)", lambda r: f"{r['peak_mb']:.0f}")
    line("browser: slider → plotly_afterplot (ms)", lambda r: fmt_ms(r["browser_ms"]))


if __name__ == "__main__":
    main()
