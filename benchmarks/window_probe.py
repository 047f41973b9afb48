"""Where a slider move's time goes, in headless Chromium, on the shipped data or a SYNTHETIC set.

    .venv/bin/python benchmarks/window_probe.py [--data FOLDER] [--samples 20] [--drag-seconds 4] [--play-seconds 6]

Runs the app on the folder (default: a copy of the shipped data) and measures, medians of
`--samples` random windows of 7-120 days:

- drag path (a handle held and moved by the mouse, a few days at a time): from the pointer move
  to the window drawn on the overlay canvas (the slider redraws its thumb, the page follows the
  thumb: assets/window_map.js followThumbs) and to the page's next painted frame ("repainted
  map"); no request is made. The window model's counting and the canvas's drawing are split.
- release path (the slider's value set): the request for the map (send -> response end, which
  on localhost is the server's time), its bytes, Plotly.react + MapLibre until plotly_afterplot,
  and whether MapLibre reloaded its style (map.setStyle calls: Plotly calls it only when the
  style dict differs, JSON-compared).
- redraws per second while a handle is dragged by the mouse, and frames per second of playback.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import percentile, random_windows  # noqa: E402

INSTRUMENT = """() => {
  if (window.__probe) return;
  const probe = window.__probe = {requests: [], styles: 0, renders: 0};
  const fetch = window.fetch;
  window.fetch = function (url, init) {
    const body = (init && init.body) || "";
    if (!String(url).includes("_dash-update-component") || !String(body).includes('"output":"route-map.figure"')) return fetch.apply(this, arguments);
    const entry = {sent: performance.now()};
    probe.requests.push(entry);
    return fetch.apply(this, arguments).then((response) => {
      entry.headers = performance.now();
      response.clone().arrayBuffer().then((b) => { entry.bytes = b.byteLength; entry.received = performance.now(); });
      return response;
    });
  };
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const setStyle = map.setStyle;
  map.setStyle = function () { probe.styles += 1; return setStyle.apply(this, arguments); };
  map.on('render', () => { probe.renders += 1; });
}"""

# One release: the slider's value set, until Plotly has drawn the server's figure of that window.
RELEASE = """async ([a, b]) => {
  const gd = document.querySelector('#route-map .js-plotly-plot');
  const probe = window.__probe;
  const styles = probe.styles;
  const before = probe.requests.length;
  return await new Promise((resolve) => {
    const t0 = performance.now();
    const done = () => {
      const w = gd.layout.meta && gd.layout.meta.window;
      if (!w || w[0] !== a || w[1] !== b) return;
      gd.removeListener('plotly_afterplot', done);
      const t = performance.now();
      const r = probe.requests.slice(before).pop() || {};
      setTimeout(() => resolve({total: t - t0, toRequest: (r.sent || t) - t0, request: (r.headers || t) - (r.sent || t), bytes: r.bytes || 0,
        plotly: t - (r.received || r.headers || t), styleReloads: probe.styles - styles, requests: probe.requests.length - before}), 0);
    };
    gd.on('plotly_afterplot', done);
    window.dash_clientside.set_props('timeline-slider', {value: [a, b]});
  });
}"""


def med(values):
    return statistics.median(values) if values else float("nan")


def table(title: str, rows: list[dict], keys: list[tuple[str, str]]) -> str:
    out = [f"\n{title} ({len(rows)} samples)\n", "| step | median | p95 |", "|---|---|---|"]
    for key, label in keys:
        values = [r[key] for r in rows if r.get(key) is not None]
        unit = " B" if key == "bytes" else " ms" if key not in ("routes", "styleReloads", "requests") else ""
        out.append(f"| {label} | {med(values):.1f}{unit} | {percentile(values, 0.95):.1f}{unit} |")
    return "\n".join(out)


# Every drawn window, with the last pointer move before it and the frame that painted it.
WATCH_POINTER = """() => {
  const probe = window.__probe;
  if (probe.pointer) return;
  probe.pointer = [];
  const gd = document.querySelector('#route-map .js-plotly-plot');
  document.addEventListener('pointermove', () => { probe.lastMove = performance.now(); }, true);
  gd.addEventListener('flightmap-window-drawn', () => {
    const entry = {moveAt: probe.lastMove, drawnAt: performance.now()};
    probe.pointer.push(entry);
    requestAnimationFrame(() => requestAnimationFrame(() => { entry.painted = performance.now(); }));
  });
}"""


def pointer_steps(page, steps: int) -> list[dict]:
    """The end handle held and moved by whole days, one step at a time: pointer move -> the map
    painted with the new window."""
    page.evaluate(WATCH_POINTER)
    handle = page.locator("#timeline-slider [role=slider]").nth(1)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.wait_for_timeout(300)
    track = page.locator("#timeline-slider .dash-slider-track").bounding_box()
    start = page.locator("#timeline-slider [role=slider]").nth(0).bounding_box()
    room_right, room_left = track["x"] + track["width"] - x, x - (start["x"] + start["width"])
    first = 9 if room_right >= room_left else -9  # back and forth on the side with room, ~6 days a step
    rows, offset = [], 0
    for i in range(steps):
        offset += first if (i // 10) % 2 == 0 else -first
        before = page.evaluate("() => window.__probe.pointer.length")
        page.mouse.move(x + offset, y)
        try:
            page.wait_for_function("(n) => { const p = window.__probe.pointer; return p.length > n && p[p.length - 1].painted; }", arg=before, timeout=3_000)
        except Exception:  # noqa: BLE001 - a move that did not change the day
            continue
        entry = page.evaluate("() => window.__probe.pointer[window.__probe.pointer.length - 1]")
        stats = page.evaluate("() => window.dash_clientside.flightmap.windowState().stats")
        rows.append({"total": entry["painted"] - entry["moveAt"], "toDraw": entry["drawnAt"] - entry["moveAt"], "toScreen": entry["painted"] - entry["drawnAt"],
                     "compute": stats["computeMs"], "paint": stats["paintMs"]})
        page.wait_for_timeout(150)  # let Dash's later dispatch of the same step pass
    page.mouse.up()
    page.wait_for_timeout(2000)
    return rows


def drag_rate(page, seconds: float) -> dict:
    """Hold the end handle and move the mouse for `seconds`: overlay drawings and MapLibre frames per second."""
    handle = page.locator("#timeline-slider [role=slider]").nth(1)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    before = page.evaluate("() => [window.dash_clientside.flightmap.windowState().stats.draws, window.__probe.renders, window.__probe.requests.length]")
    t0 = time.perf_counter()
    step, direction, moves = 0, 1, 0
    while time.perf_counter() - t0 < seconds:
        step += direction
        if abs(step) > 60:
            direction = -direction
        page.mouse.move(x + 4 * step, y)
        moves += 1
    elapsed = time.perf_counter() - t0
    after = page.evaluate("() => [window.dash_clientside.flightmap.windowState().stats.draws, window.__probe.renders, window.__probe.requests.length]")
    page.mouse.up()
    return {"draws_per_s": (after[0] - before[0]) / elapsed, "frames_per_s": (after[1] - before[1]) / elapsed,
            "mouse_moves_per_s": moves / elapsed, "map_requests_during_drag": after[2] - before[2]}


def playback_rate(page, seconds: float, speed: int, start: list[int]) -> dict:
    """Playback from `start` (the span's first days: it must not reach the end while measured)."""
    page.evaluate("(w) => window.dash_clientside.set_props('timeline-slider', {value: w})", start)
    page.evaluate(f"() => window.dash_clientside.set_props('play-speed', {{value: {speed}}})")
    page.wait_for_timeout(3000)
    before = page.evaluate("() => [window.dash_clientside.flightmap.windowState().stats.draws, window.__probe.renders, window.__probe.requests.length]")
    page.locator("#play-button").click()
    t0 = time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    after = page.evaluate("() => [window.dash_clientside.flightmap.windowState().stats.draws, window.__probe.renders, window.__probe.requests.length]")
    elapsed = time.perf_counter() - t0
    if "Pause" in page.locator("#play-button").text_content():
        page.locator("#play-button").click()
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=120_000)
    return {"speed_days_per_s": speed, "drawn_windows_per_s": (after[0] - before[0]) / elapsed, "maplibre_frames_per_s": (after[1] - before[1]) / elapsed,
            "map_requests_per_s": (after[2] - before[2]) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a dataset folder (default: a copy of the shipped data)")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--release-samples", type=int, help="releases measured (default: --samples); each waits for the server's figure")
    parser.add_argument("--drag-seconds", type=float, default=4.0)
    parser.add_argument("--play-seconds", type=float, default=6.0)
    parser.add_argument("--screenshot", type=Path, help="a PNG of the map mid-drag")
    parser.add_argument("--app-dir", type=Path, help="run the app from another checkout (a before/after comparison)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from flightmap import timeline
    from flightmap.loader import load_dataset
    from tests.browser import conftest
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, wait_for_map
    from tests.conftest import DEFAULT_DATA

    tmp = tempfile.TemporaryDirectory()
    folder = args.data
    if folder is None:
        folder = Path(tmp.name) / "data"
        shutil.copytree(DEFAULT_DATA, folder)
    dataset = load_dataset(folder)
    low, high = (timeline.to_day(d) for d in timeline.data_span(dataset.flights, dataset.events))
    windows = random_windows(low, high, args.samples + 1, seed=11)
    load = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=args.app_dir or Path(__file__).parent).stdout.strip()
    print(f"{folder}: {len(dataset.flights):,} flight records, {len(dataset.events):,} events; commit {commit}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.app_dir:
        conftest.PROJECT = args.app_dir.resolve()
    server = Server(folder)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 850})
                page.set_default_timeout(600_000)
                errors = []
                page.on("pageerror", lambda e: errors.append(e.message))
                t0 = time.perf_counter()
                page.goto(server.url, timeout=600_000)
                wait_for_map(page, timeout_ms=600_000)
                page.wait_for_function("() => window.dash_clientside.flightmap.computeWindow(0, 1) !== null", timeout=600_000)
                print(f"page ready (map drawn, window model in the page) in {time.perf_counter() - t0:.1f} s")
                page.evaluate(INSTRUMENT)
                page.evaluate(RELEASE, list(windows[0]))  # warm-up: the settled window the drags start from
                if args.screenshot:  # the overlay of a window, as a drag draws it
                    page.evaluate("(w) => window.dash_clientside.flightmap.followDrag(w, null)", list(windows[1]))
                    page.wait_for_timeout(600)
                    page.screenshot(path=str(args.screenshot))
                    page.evaluate(RELEASE, list(windows[1]))
                releases = [page.evaluate(RELEASE, list(w)) for w in windows[1:][:args.release_samples or args.samples]]
                print(table("release path: slider value set -> server figure drawn (plotly_afterplot)", releases, [
                    ("total", "total: value -> plotly_afterplot"), ("toRequest", "renderer: value -> request sent"),
                    ("request", "request + server (to response headers)"), ("plotly", "Plotly.react + MapLibre (response -> afterplot)"),
                    ("bytes", "response bytes"), ("styleReloads", "MapLibre style reloads (setStyle)"), ("requests", "map requests")]))
                steps = pointer_steps(page, args.samples)
                print(table("pointer drag, one step at a time: pointer move -> the frame showing the window", steps, [
                    ("total", "total: pointer move -> repainted map"), ("toDraw", "pointer move -> window drawn on the canvas"),
                    ("compute", "… of which the window model: count + rules (JS)"), ("paint", "… and drawing on the canvas (project + stroke)"),
                    ("toScreen", "drawn -> painted frame")]))
                rate = drag_rate(page, args.drag_seconds)
                print("\nwhile dragging by mouse:", json.dumps({k: round(v, 1) for k, v in rate.items()}))
                page.wait_for_timeout(2000)
                for speed in (7, 30):
                    play = playback_rate(page, args.play_seconds, speed, [low, low + 30])
                    print("playback:", json.dumps({k: round(v, 1) for k, v in play.items()}))
                    page.evaluate("(w) => window.dash_clientside.set_props('timeline-slider', {value: w})", list(windows[0]))
                    page.wait_for_timeout(2000)
                if errors:
                    print("page errors:", errors[:5])
            finally:
                browser.close()
    finally:
        server.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
