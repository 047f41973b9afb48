"""Exports for briefings and reports: the map as PNG, SVG or PDF, a self-contained HTML page, a
PowerPoint deck of a story, and an animated GIF of playback.

Every export draws the same map as the dashboard (`figures.map_figure`) on the offline basemap,
with the GeoJSON inline: nothing is fetched from the network, neither while exporting nor when
the exported file is opened. Static images are rendered by kaleido in Chromium (Debian's
`chromium`, or the browser named by BROWSER_PATH). Nothing here imports dash.

    view = view_from_state(state, located.flights, located.events)
    figure = export_figure(dataset, located, view)
    write_image(figure, "map.png", "png")
"""
from __future__ import annotations

import asyncio
import html
import io
import json
import logging
import math
import os
import re
import shutil
import textwrap
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from flightmap import filters as record_filters
from flightmap import timeline
from flightmap.config import PROJECT_DIR
from flightmap.evidence import sources_of
from flightmap.figures import PATTERN_COLOUR, basemap_style, fit_view, map_figure, plotly_text
from flightmap.viewstate import ViewState, selection_from_param

GEO_DIR = PROJECT_DIR / "assets" / "geo"
STATIC_FORMATS = ("png", "svg", "pdf")
FORMATS = (*STATIC_FORMATS, "html", "pptx", "gif")
DEFAULT_SIZE = {"gif": (1000, 560)}  # every other format: 1600 x 900
PUBLISHERS_SHOWN = 8
UNNAMED_PUBLISHER = "publisher not recorded"
TITLE_COLOUR, SUBTITLE_COLOUR, CREDIT_COLOUR = "#1a1a1a", "#4a4a4a", "#555555"
# Paper margins around the map, in pixels: the title block above, the source line below.
TOP_MARGIN, LINE_HEIGHT, BOTTOM_PAD = 74, 15, 12


class ExportError(Exception):
    """An export could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class ExportView:
    """What to draw: a date window, filters (as in flightmap.filters) and a selection."""

    start: date
    end: date
    filters: dict = field(default_factory=dict)
    select: str | None = None  # "kind|key", as in links
    title: str = "Flight-route map"
    subtitle: str = ""  # e.g. a story step's title
    map_view: dict | None = None  # {"lat", "lon", "zoom"}; None = framed on every located flight

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def view_from_state(state: ViewState, flights: pd.DataFrame, events: pd.DataFrame, title: str = "Flight-route map", subtitle: str = "") -> ExportView:
    """The export view of a dashboard view (a link, a story step). A missing start or end is
    the default window's."""
    default_start, default_end = timeline.default_window(flights, events)
    start = state.start if state.start is not None else _as_date(default_start)
    end = state.end if state.end is not None else _as_date(default_end)
    map_view = None
    if state.lat is not None and state.lon is not None and state.zoom is not None:
        map_view = {"lat": float(state.lat), "lon": float(state.lon), "zoom": float(state.zoom)}
    return ExportView(start=start, end=end, filters=record_filters.clean(state.filters), select=state.select,
                      title=title, subtitle=subtitle, map_view=map_view)


# ----------------------------------------------------------------------------- the basemap

def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    if geometry["type"] == "Point":
        return [[geometry["coordinates"]]]
    return []


def _bbox(feature: dict) -> tuple[float, float, float, float]:
    points = [point for ring in _rings(feature["geometry"]) for point in ring]
    if not points:
        return (math.inf, math.inf, -math.inf, -math.inf)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return (min(lons), min(lats), max(lons), max(lats))


@lru_cache(maxsize=1)
def _basemap_data() -> tuple[dict, dict, tuple, tuple]:
    """The two GeoJSON files, parsed once per process, with each feature's bounding box.
    Shared: never change them."""
    try:
        countries = json.loads((GEO_DIR / "countries.geojson").read_text(encoding="utf-8"))
        labels = json.loads((GEO_DIR / "country-labels.geojson").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"The offline basemap could not be read from {GEO_DIR}: {exc}") from exc
    return countries, labels, tuple(_bbox(f) for f in countries["features"]), tuple(_bbox(f) for f in labels["features"])


def _within(collection: dict, boxes: tuple, bounds: tuple[float, float, float, float]) -> dict:
    west, south, east, north = bounds
    kept = [f for f, (w, s, e, n) in zip(collection["features"], boxes) if w <= east and e >= west and s <= north and n >= south]
    return {"type": "FeatureCollection", "features": kept}


def offline_basemap_style(bounds: tuple[float, float, float, float] | None = None) -> dict:
    """`figures.basemap_style` with both GeoJSON files inline, so that kaleido and an exported
    HTML file need no server and no network.

    `bounds` (west, south, east, north) keeps only the countries and labels that reach into
    that box. Tiling and drawing the 1.7 MB of country shapes in Chromium's software WebGL is a
    good part of a render; a map of the Sahel needs a tenth of them (about 1 s, a quarter, less
    per image on a 2-CPU machine).
    The GeoJSON objects are parsed once and shared by every style: treat them as read-only.
    """
    countries, labels, country_boxes, label_boxes = _basemap_data()
    if bounds is not None:
        countries, labels = _within(countries, country_boxes, bounds), _within(labels, label_boxes, bounds)
    return basemap_style(countries, labels)


def visible_bounds(map_view: dict, width_px: int, height_px: int, margin: float = 0.5) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) that a map of this size shows at this centre and zoom, grown
    by `margin` of its size on every side; None when that reaches the antimeridian or a pole
    (then keep the whole world)."""
    zoom = float(map_view["zoom"])
    lat, lon = float(map_view["center"]["lat"]), float(map_view["center"]["lon"])
    world_px = 512 * 2 ** zoom  # MapLibre: the world is 512 px wide at zoom 0
    half_lon = width_px / 2 / world_px * 360 * (1 + 2 * margin)

    def merc(value):
        return math.log(math.tan(math.pi / 4 + math.radians(value) / 2))

    def unmerc(y):
        return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)

    half_y = height_px / 2 / world_px * 2 * math.pi * (1 + 2 * margin)
    centre_y = merc(max(min(lat, 85), -85))
    west, east = lon - half_lon, lon + half_lon
    south, north = unmerc(centre_y - half_y), unmerc(centre_y + half_y)
    if west < -180 or east > 180 or south < -84 or north > 84:
        return None
    return (west, south, east, north)


# ----------------------------------------------------------------------------- the figure

def format_window(start: date, end: date) -> str:
    """'20 Aug 2023 – 22 Mar 2024'; one date when the window is one day."""
    first = f"{start.day} {start:%b %Y}"
    return first if start == end else f"{first} – {end.day} {end:%b %Y}"


def records_in_view(located, view: ExportView) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flights and events an export of `view` shows: filters, then the window (as the map)."""
    flights, events = record_filters.apply(located.flights, located.events, view.filters)
    return timeline.in_window(flights, events, view.start, view.end)


def cited_sources(dataset, flights: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The sources the given records cite, in the order first cited."""
    return sources_of([flights, events], dataset.sources)


def publisher_names(dataset, flights: pd.DataFrame, events: pd.DataFrame) -> list[str]:
    """Publishers of the records' sources, deduplicated, the most cited first (ties: first cited);
    sources with no publisher recorded count as one name, listed last."""
    counts: Counter = Counter()
    order: dict[str, int] = {}
    by_id = dataset.sources.set_index("id")["publisher"]
    for frame in (flights, events):
        for ids in frame["source_ids"]:
            for name in {_publisher(by_id.get(i, "")) for i in ids if i in by_id.index}:
                counts[name] += 1
                order.setdefault(name, len(order))
    return sorted(counts, key=lambda name: (name == UNNAMED_PUBLISHER, -counts[name], order[name]))


def _publisher(value) -> str:
    text = str(value or "").strip()
    return UNNAMED_PUBLISHER if not text or text.lower() == "not recorded" else text


def source_line(publishers: list[str], dataset_name: str, limit: int = PUBLISHERS_SHOWN) -> str:
    """'Sources: a, b and 3 more · Data: data · Basemap: Natural Earth'."""
    if not publishers:
        shown = "none in this view"
    elif len(publishers) <= limit:
        shown = ", ".join(publishers)
    else:
        shown = ", ".join(publishers[:limit]) + f" and {len(publishers) - limit} more"
    return f"Sources: {shown} · Data: {dataset_name} · Basemap: Natural Earth"


def dataset_name(dataset) -> str:
    folder = Path(dataset.folder)
    return folder.resolve().name or str(folder)


def _wrap_lines(text: str, width_px: int, font_px: float) -> list[str]:
    per_line = max(20, int(width_px / (font_px * 0.56)))  # an average glyph is ~0.56 em wide
    return textwrap.wrap(text, per_line) or [""]


def export_figure(dataset, located, view: ExportView, width: int = 1600, height: int = 900, world: bool = False) -> go.Figure:
    """The map of `view` ready to export: title, subtitle with the date window, legend, and a
    source line naming the publishers of the records shown. A pure function.

    The map is framed on every located flight (as the dashboard), so that frames and slides of
    one dataset line up. `world=False` keeps only the basemap countries near the frame (faster
    to render); an HTML export, where the reader pans, needs `world=True` (see write_html).
    """
    width, height = int(width), int(height)
    flights, events = records_in_view(located, view)
    credit_font = 11 if width < 1200 else 12
    credit = _wrap_lines(source_line(publisher_names(dataset, flights, events), dataset_name(dataset)), width - 24, credit_font)
    bottom = BOTTOM_PAD + LINE_HEIGHT * len(credit) + 6
    map_width, map_height = width, max(height - TOP_MARGIN - bottom, 50)

    if view.map_view:
        frame = {"center": {"lat": view.map_view["lat"], "lon": view.map_view["lon"]}, "zoom": view.map_view["zoom"]}
    else:
        whole = located.flights
        frame = fit_view([*whole["origin_lat"], *whole["destination_lat"]], [*whole["origin_lon"], *whole["destination_lon"]], map_width, map_height)
    bounds = None if world else visible_bounds(frame, map_width, map_height)
    selection = selection_from_param(view.select, located.flights) if view.select else None
    empty = "No records match the filters in this window" if record_filters.is_active(view.filters) else "No records in this window"
    # Flown tracks as on the page: each point of the window's days, from the first day's midnight UTC to the end of the last.
    window = (pd.Timestamp(view.start), pd.Timestamp(view.end) + pd.Timedelta(days=1))
    figure = map_figure(flights, events, dataset.sources, offline_basemap_style(bounds), selected=(selection or {}).get("ids"), view=frame, empty_message=empty,
                        tracks=getattr(dataset, "tracks", None), track_points=getattr(dataset, "track_points", None), window=window)

    subtitle = " · ".join(part for part in (view.subtitle.strip(), format_window(view.start, view.end)) if part)
    figure.update_layout(
        width=width, height=height, autosize=False,
        margin={"l": 0, "r": 0, "t": TOP_MARGIN, "b": bottom, "pad": 0},
        paper_bgcolor="white",
        font={"family": "DejaVu Sans, Arial, sans-serif"},
        showlegend=True,
        title={
            "text": f"<b>{plotly_text(view.title)}</b>", "x": 12 / width, "xanchor": "left", "xref": "paper",
            "y": 1 - 10 / height, "yanchor": "top", "yref": "container", "font": {"size": min(22, max(14, width // 45)), "color": TITLE_COLOUR},
            "subtitle": {"text": plotly_text(subtitle), "font": {"size": min(15, max(11, width // 65)), "color": SUBTITLE_COLOUR}},
        },
    )
    figure.add_annotation(
        text="<br>".join(plotly_text(line) for line in credit), showarrow=False, align="left",
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", xshift=12, yshift=-6,
        font={"size": credit_font, "color": CREDIT_COLOUR},
    )
    return figure


# ----------------------------------------------------------------------------- rendering

def find_chromium() -> str:
    """The Chromium kaleido will use: BROWSER_PATH when set, else the one kaleido finds."""
    named = os.environ.get("BROWSER_PATH")
    if named:
        if Path(named).is_file():
            return named
        raise ExportError(f"BROWSER_PATH is set to {named!r}, which is not a file: point it at a Chromium or Chrome executable.")
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # a different kaleido/choreographer: look on the PATH ourselves
        found = None
    found = found or next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if not found or not Path(found).is_file():
        raise ExportError(
            "Static exports (PNG, SVG, PDF, PPTX, GIF) need Chromium and none was found: install Debian's "
            "`chromium` package (sudo apt-get install chromium), or set BROWSER_PATH to a Chromium or Chrome executable."
        )
    return found


def _quiet_browser_logs() -> None:
    """kaleido and choreographer log every tab and temp folder at INFO; keep WARNING and up,
    unless someone set their levels on purpose."""
    for name in ("kaleido", "choreographer", "logistro"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def _run_in_thread(coroutine_function, *args):
    """Run an async function to completion on a fresh event loop in its own thread, so that
    callers with a running loop (Jupyter, async servers) can call the sync API too."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = asyncio.run(coroutine_function(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="flightmap-export")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _render_batch(specs: list[tuple[dict, dict]], tabs: int, browser: str) -> list[bytes]:
    import kaleido

    # mathjax=False: kaleido's default page would fetch MathJax from a CDN.
    async with kaleido.Kaleido(n=tabs, mathjax=False, timeout=180, path=browser) as renderer:
        results: list[bytes | None] = [None] * len(specs)
        queue = list(enumerate(specs))

        async def worker():
            while queue:
                index, (figure, opts) = queue.pop(0)
                results[index] = await renderer.calc_fig(figure, opts=opts)

        await asyncio.gather(*(worker() for _ in range(min(tabs, len(specs)))))
        return results


_SERVER_LOCK = threading.Lock()


@contextmanager
def renderer():
    """Keep ONE Chromium open for every render inside the block: kaleido's sync server,
    started here (without MathJax, which kaleido would fetch from a CDN) and stopped on the
    way out unless it was already running. Without it each export starts its own Chromium."""
    import kaleido

    server = getattr(kaleido, "_global_server", None)
    if server is not None and server.is_running():
        yield
        return
    browser = find_chromium()
    _quiet_browser_logs()
    kaleido.start_sync_server(mathjax=False, path=browser, silence_warnings=True)
    try:
        _warm_up(kaleido)
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def _warm_up(kaleido, seconds: float = 120) -> None:
    """One tiny render: kaleido's sync server waits forever on a browser that failed to start,
    so find out now, with a time limit."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = kaleido.calc_fig_sync({"data": [], "layout": {}}, opts={"format": "png", "width": 10, "height": 10})
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="flightmap-export-warm-up", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive() or "error" in outcome:
        raise ExportError(f"Chromium did not start for kaleido ({outcome.get('error') or f'no answer in {seconds:.0f} s'})")


def render_images(figures, fmt: str = "png", width: int | None = None, height: int | None = None, tabs: int | None = None) -> list[bytes]:
    """Render many figures with ONE Chromium (kaleido): the browser starts once (~2-3 s), then
    each map takes 1.5-2.5 s of software WebGL; `tabs` renders run side by side (default: up to
    4, one per CPU). Sizes default to each figure's layout width/height. When kaleido's global
    sync server is already running (kaleido.start_sync_server), it is used instead."""
    if fmt not in STATIC_FORMATS:
        raise ExportError(f"unknown image format {fmt!r}: use one of {', '.join(STATIC_FORMATS)}")
    figures = list(figures)
    if not figures:
        return []
    browser = find_chromium()
    _quiet_browser_logs()
    import kaleido

    specs = []
    for figure in figures:
        data = figure.to_dict() if hasattr(figure, "to_dict") else figure
        layout = data.get("layout", {})
        opts = {"format": fmt, "scale": 1, "width": int(width or layout.get("width") or 1600), "height": int(height or layout.get("height") or 900)}
        specs.append((data, opts))
    try:
        server = getattr(kaleido, "_global_server", None)
        if server is not None and server.is_running():
            with _SERVER_LOCK:  # kaleido's sync server hands results back in one shared queue
                return [kaleido.calc_fig_sync(data, opts=opts) for data, opts in specs]
        tabs = max(1, min(len(specs), tabs or min(4, os.cpu_count() or 1)))
        return _run_in_thread(_render_batch, specs, tabs, browser)
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"Chromium could not render the map ({type(exc).__name__}: {exc})") from exc


def write_image(figure, path, fmt: str | None = None) -> Path:
    """Write the figure as png, svg or pdf (from the file name when fmt is None)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in STATIC_FORMATS:
        raise ExportError(f"unknown image format {fmt!r}: use one of {', '.join(STATIC_FORMATS)}")
    (image,) = render_images([figure], fmt)
    path.write_bytes(image)
    return path


# ----------------------------------------------------------------------------- HTML

# MapLibre (inside plotly.js) runs its worker from a blob: URL. A page opened from a file:// URL
# has an opaque origin in Chromium, and a module worker from that blob never loads: the map
# stays empty. Under file: only, hand such scripts to the worker as data: URLs instead.
FILE_WORKER_SHIM = """<script>
(function () {
  if (location.protocol !== "file:" || !window.Blob || !window.URL) return;
  var NativeBlob = window.Blob, scripts = new WeakMap();
  function isScript(options) { return options && /javascript/i.test(String(options.type || "")); }
  var PatchedBlob = function Blob(parts, options) {
    var blob = new NativeBlob(parts, options);
    if (isScript(options) && Array.isArray(parts) && parts.every(function (p) { return typeof p === "string"; })) {
      scripts.set(blob, parts.join(""));
    }
    return blob;
  };
  PatchedBlob.prototype = NativeBlob.prototype;
  window.Blob = PatchedBlob;
  var create = URL.createObjectURL.bind(URL), revoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = function (object) {
    return scripts.has(object) ? "data:text/javascript;charset=utf-8," + encodeURIComponent(scripts.get(object)) : create(object);
  };
  URL.revokeObjectURL = function (url) { if (String(url).slice(0, 5) !== "data:") revoke(url); };
})();
</script>"""

HTML_CONFIG = {
    "displaylogo": False,
    "scrollZoom": True,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "filename": "flight-routes", "scale": 2},
}


def _world_basemap(figure: go.Figure) -> go.Figure:
    """A copy of the figure whose basemap (if it is ours) covers the whole world."""
    copy = go.Figure(figure)
    style = copy.layout.map.style
    if isinstance(style, dict) and "countries" in style.get("sources", {}):
        copy.update_layout(map_style=offline_basemap_style())
    return copy


def html_page(figure: go.Figure, title: str) -> str:
    """One self-contained HTML page: plotly.js and the basemap inline, nothing fetched."""
    page_figure = _world_basemap(figure)
    page_figure.update_layout(width=None, height=None, autosize=True)
    page = page_figure.to_html(
        full_html=True, include_plotlyjs=True, include_mathjax=False, config=HTML_CONFIG,
        default_width="100%", default_height="100vh", div_id="flight-map", validate=False,
    )
    head = (
        '<head>\n<meta charset="utf-8" />\n<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>html, body { margin: 0; padding: 0; height: 100%; background: #fff; }</style>\n"
        f"{FILE_WORKER_SHIM}\n</head>"
    )
    page, count = re.subn(r"<head>.*?</head>", lambda _: head, page, count=1, flags=re.DOTALL)
    if not count:
        raise ExportError("plotly's HTML page has no <head>: cannot add the title")
    return page


def write_html(figure: go.Figure, path, title: str) -> Path:
    """Write ONE self-contained HTML file (~6.5 MB): it opens offline, from a file:// URL too."""
    path = Path(path)
    path.write_text(html_page(figure, title), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- stories

def step_view(dataset, located, story, number: int) -> ExportView:
    """The export view of a story's step (numbered from 1)."""
    step = story.step(number)
    if step is None:
        raise ExportError(f"story '{story.name}' has {len(story.steps)} steps: there is no step {number}")
    state = step.view_state(story.name, number)
    return view_from_state(state, located.flights, located.events, title=story.title, subtitle=f"{number}. {step.title}")


def story_frames(dataset, located, story, width: int = 1500, height: int = 900) -> list[tuple]:
    """(step, figure) for every step of the story, in order."""
    return [(step, export_figure(dataset, located, step_view(dataset, located, story, n), width, height)) for n, step in enumerate(story.steps, start=1)]


_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])", re.DOTALL)


def plain_caption(markdown: str) -> str:
    """A Markdown caption as plain text: emphasis markers (** * __ _) dropped, the lines of a
    paragraph joined, paragraphs kept apart."""
    text = _STRONG.sub(r"\2", markdown or "")
    text = _EMPHASIS.sub(r"\2", text)
    paragraphs = [" ".join(line.strip() for line in block.splitlines() if line.strip()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _published(value) -> str:
    return str(value).strip() or "undated"


def source_citation(row) -> str:
    """'title — publisher, date, URL or shipped file' for the sources slide."""
    where = str(row["url"] or "").strip() or (f"file {row['file']}" if str(row["file"] or "").strip() else "no link recorded")
    return f"{row['title']} — {_publisher(row['publisher'])}, {_published(row['published'])}, {where}"


def _step_sources(dataset, located, view: ExportView) -> pd.DataFrame:
    flights, events = records_in_view(located, view)
    return cited_sources(dataset, flights, events)


def write_pptx(dataset, located, story, path, images: list[bytes] | None = None) -> Path:
    """A 16:9 deck of the story: a title slide; one slide per step with its title, the map, the
    caption as plain text, its sources in small type and the step's notes as speaker notes;
    and a last slide listing every source the story cites. `images`: PNGs of the steps' maps
    in order (rendered here when None)."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.util import Emu, Inches, Pt

    from PIL import Image

    views = [step_view(dataset, located, story, n) for n in range(1, len(story.steps) + 1)]
    if images is None:
        images = render_images([figure for _, figure in story_frames(dataset, located, story)], "png")
    if len(images) != len(story.steps):
        raise ExportError(f"{len(images)} images for {len(story.steps)} steps")

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    deck.core_properties.title = story.title
    deck.core_properties.subject = story.subtitle
    width, height = deck.slide_width, deck.slide_height
    margin = Inches(0.45)
    grey, dark = RGBColor(0x55, 0x55, 0x55), RGBColor(0x1A, 0x1A, 0x1A)
    name = dataset_name(dataset)

    def place(shape, left, top, w, h):
        shape.left, shape.top, shape.width, shape.height = Emu(int(left)), Emu(int(top)), Emu(int(w)), Emu(int(h))

    def text_box(slide, left, top, w, h, paragraphs, size, colour=dark, bold=False):
        box = slide.shapes.add_textbox(Emu(int(left)), Emu(int(top)), Emu(int(w)), Emu(int(h)))
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # shrink rather than spill off the slide
        for i, text in enumerate(paragraphs):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            run = paragraph.add_run()
            run.text = text
            run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, colour
            paragraph.space_after = Pt(size * 0.5)
        return box

    # Slide 1: the title.
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    place(title, margin, Inches(1.9), width - 2 * margin, Inches(1.6))
    place(subtitle, margin, Inches(3.6), width - 2 * margin, Inches(2.2))
    title.text = story.title
    today = date.today()
    lines = [line for line in (story.subtitle, f"Dataset: {name} · {len(story.steps)} steps", f"Generated {today.day} {today:%B %Y}") if line]
    subtitle.text_frame.text = lines[0]
    for line in lines[1:]:
        paragraph = subtitle.text_frame.add_paragraph()
        paragraph.text = line
    for paragraph in subtitle.text_frame.paragraphs[1:]:
        for run in paragraph.runs:
            run.font.size, run.font.color.rgb = Pt(16), grey

    # One slide per step.
    picture_width = int(width * 0.6)
    body_top = Inches(1.15)
    cited: list[str] = []
    for number, (step, view, image) in enumerate(zip(story.steps, views, images), start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        heading = slide.shapes.title
        place(heading, margin, Inches(0.3), width - 2 * margin, Inches(0.8))
        heading.text = f"{number}. {step.title}"
        heading.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        for run in heading.text_frame.paragraphs[0].runs:
            run.font.size, run.font.bold = Pt(30), True
        pixels_wide, pixels_high = Image.open(io.BytesIO(image)).size
        picture_height = min(int(picture_width * pixels_high / pixels_wide), int(Inches(5.0)))
        slide.shapes.add_picture(io.BytesIO(image), Emu(int(margin)), Emu(int(body_top)), Emu(int(picture_height * pixels_wide / pixels_high)), Emu(picture_height))
        caption_left = margin + picture_width + Inches(0.3)
        caption = text_box(slide, caption_left, body_top, width - caption_left - margin, picture_height,
                           [format_window(view.start, view.end)] + plain_caption(step.caption).split("\n\n"), 15)
        caption.text_frame.vertical_anchor = MSO_ANCHOR.TOP
        first = caption.text_frame.paragraphs[0].runs[0]
        first.font.size, first.font.color.rgb, first.font.bold = Pt(13), grey, True

        sources = _step_sources(dataset, located, view)
        cited += [i for i in sources["id"] if i not in cited]
        entries = [f"{_publisher(r['publisher'])} ({_published(r['published'])})" for _, r in sources.iterrows()]
        # A publisher cited for several reports is named once per date.
        entries = list(dict.fromkeys(entries))
        shown = "; ".join(entries[:14]) + (f"; and {len(entries) - 14} more (see the last slide)" if len(entries) > 14 else "")
        footer_top = body_top + picture_height + Inches(0.15)
        text_box(slide, margin, footer_top, width - 2 * margin, height - footer_top - Inches(0.2),
                 [f"Sources: {shown or 'none in this window'} · Data: {name} · Basemap: Natural Earth"], 9, grey)
        slide.notes_slide.notes_text_frame.text = step.notes or ""

    # Last slide: every source the story cites.
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    heading = slide.shapes.title
    place(heading, margin, Inches(0.3), width - 2 * margin, Inches(0.8))
    heading.text = "Sources"
    heading.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    for run in heading.text_frame.paragraphs[0].runs:
        run.font.size, run.font.bold = Pt(30), True
    by_id = dataset.sources.set_index("id", drop=False)
    citations = [source_citation(by_id.loc[i]) for i in cited]
    columns = 1 if len(citations) <= 12 else 2
    size = 12 if len(citations) <= 12 else 9 if len(citations) <= 32 else 7
    per_column = math.ceil(len(citations) / columns) if citations else 0
    column_width = (width - 2 * margin - Inches(0.3) * (columns - 1)) / columns
    for c in range(columns):
        chunk = citations[c * per_column:(c + 1) * per_column] or (["No sources cited."] if c == 0 else [])
        if chunk:
            text_box(slide, margin + c * (column_width + Inches(0.3)), Inches(1.15), column_width, height - Inches(1.5), chunk, size)
    slide.notes_slide.notes_text_frame.text = f"Every source cited by the records shown in the story's {len(story.steps)} steps; dataset {name}."

    path = Path(path)
    deck.save(str(path))
    return path


# ----------------------------------------------------------------------------- playback GIF

def playback_windows(start: date, end: date, frames: int, days_per_frame: int | None = None, mode: str = "sliding",
                     window_days: int | None = None) -> list[tuple[date, date]]:
    """The windows of a playback over [start, end], one per frame.

    Frame i ends `days_per_frame` days after frame i-1 (default: the window cut into `frames`
    equal steps). "growing" starts every frame at `start`; "sliding" keeps a window of
    `window_days` days (default: one step, so frames show consecutive slices). Frames past
    `end` are dropped, so a short window gives fewer frames than asked.
    """
    if mode not in ("sliding", "growing"):
        raise ValueError(f"mode must be 'sliding' or 'growing', not {mode!r}")
    if frames < 1:
        raise ValueError("frames must be at least 1")
    total = (end - start).days + 1
    step = int(days_per_frame) if days_per_frame else max(1, math.ceil(total / frames))
    if step < 1:
        raise ValueError("days_per_frame must be at least 1")
    width = int(window_days) if window_days else step
    windows = []
    for i in range(frames):
        last = start + timedelta(days=(i + 1) * step - 1)
        if last > end:
            last = end
        first = start if mode == "growing" else max(start, last - timedelta(days=width - 1))
        if windows and windows[-1] == (first, last):
            break
        windows.append((first, last))
        if last == end:
            break
    return windows


def _progress_bar(figure: go.Figure, fraction: float) -> None:
    """A thin bar just above the map: how far through the whole window this frame is."""
    figure.add_shape(type="rect", xref="paper", yref="paper", ysizemode="pixel", yanchor=1.0, y0=1, y1=6,
                     x0=0, x1=max(min(fraction, 1.0), 0.0), line={"width": 0}, fillcolor=PATTERN_COLOUR)


def gif_frames(dataset, located, view: ExportView, frames: int = 24, days_per_frame: int | None = None, mode: str = "sliding",
               width: int = 1000, height: int = 560, window_days: int | None = None) -> list[go.Figure]:
    """The figures of a playback: one export figure per window, same frame and basemap."""
    total = (view.end - view.start).days + 1
    figures = []
    for first, last in playback_windows(view.start, view.end, frames, days_per_frame, mode, window_days):
        frame_view = replace(view, start=first, end=last)
        figure = export_figure(dataset, located, frame_view, width, height)
        _progress_bar(figure, ((last - view.start).days + 1) / total)
        figures.append(figure)
    return figures


def _gif_palette(frames: list) -> "Image.Image":
    """One palette for every frame: the map's own colours exactly (routes, events, land, water,
    text), the rest median-cut from all frames at half size (anti-aliased edges, labels)."""
    from PIL import Image

    from flightmap import figures

    exact = [figures.LAND, figures.WATER, figures.BORDER, figures.LABEL, figures.DATED_COLOUR, figures.PATTERN_COLOUR,
             figures.DISPUTED_COLOUR, figures.AIRPORT_COLOUR, figures.HIGHLIGHT, *figures.EVENT_COLOURS.values(),
             TITLE_COLOUR, SUBTITLE_COLOUR, CREDIT_COLOUR, "#ffffff", "#000000", "#2a3f5f"]  # 2a3f5f: plotly's legend text
    seeds = list(dict.fromkeys(tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in exact))
    halves = [f.resize((max(1, f.width // 2), max(1, f.height // 2))) for f in frames]
    sheet = Image.new("RGB", (max(h.width for h in halves), sum(h.height for h in halves)))
    y = 0
    for half in halves:
        sheet.paste(half, (0, y))
        y += half.height
    adaptive = sheet.quantize(colors=256 - len(seeds), method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * (256 - len(seeds))]
    flat = [v for rgb in seeds for v in rgb] + adaptive
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + [0] * (768 - len(flat)))
    return palette


def assemble_gif(images: list[bytes], path, duration_ms: int = 400) -> Path:
    """PNGs to one looping GIF with one shared palette and no dithering, so flat map colours
    stay flat and unchanged areas stay unchanged from frame to frame (small files)."""
    from PIL import Image

    frames = [Image.open(io.BytesIO(image)).convert("RGB") for image in images]
    if not frames:
        raise ExportError("no frames to write")
    palette = _gif_palette(frames)
    indexed = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    path = Path(path)
    indexed[0].save(path, format="GIF", save_all=True, append_images=indexed[1:], duration=int(duration_ms), loop=0, optimize=True)
    return path


def write_gif(dataset, located, view: ExportView, path, frames: int = 24, days_per_frame: int | None = None, mode: str = "sliding",
              width: int = 1000, height: int = 560, duration_ms: int = 400, window_days: int | None = None, progress=None) -> Path:
    """An animated GIF of playback over the view's window: frame i shows the i-th sliding (or
    growing) window. All frames are rendered by one Chromium, then assembled with Pillow."""
    say = progress or (lambda _text: None)
    figures = gif_frames(dataset, located, view, frames, days_per_frame, mode, width, height, window_days)
    say(f"Drawing {len(figures)} frames in Chromium")
    images = render_images(figures, "png")
    say(f"Assembling {len(images)} frames into a GIF")
    return assemble_gif(images, path, duration_ms)


# ----------------------------------------------------------------------------- one entry point

def page_title(view: ExportView) -> str:
    return " · ".join(part for part in (view.title, view.subtitle, format_window(view.start, view.end)) if part)


def view_for_link(dataset, located, search: str) -> tuple[ExportView, object]:
    """The export view of a link's query (`?start=...&story=default&step=3`), as the dashboard
    shows it, and the link's story (None when it names none)."""
    from flightmap.story import resolve_step
    from flightmap.viewstate import parse_query

    state, _ = parse_query(search or "")
    state, story, _ = resolve_step(state, dataset.folder)
    title, subtitle = "Flight-route map", ""
    step = story.step(state.step or 1) if story is not None else None
    if step is not None:
        title, subtitle = story.title, f"{state.step or 1}. {step.title}"
    return view_from_state(state, located.flights, located.events, title=title, subtitle=subtitle), story


def export_filename(fmt: str, view: ExportView, story=None) -> str:
    """A file name that says what is inside: `flight-routes_2023-08-20_2024-03-22.png`,
    `story-default.pptx`."""
    if fmt == "pptx":
        return f"story-{story.name if story is not None else 'default'}.pptx"
    return f"flight-routes_{view.start:%Y-%m-%d}_{view.end:%Y-%m-%d}.{fmt}"


def write_export(dataset, located, fmt: str, path, view: ExportView | None = None, story=None,
                 width: int | None = None, height: int | None = None, progress=None, **gif_options) -> Path:
    """Write one export: the dashboard's buttons and `python app.py export` both come here, so
    they make the same file. `view` for every format but pptx, `story` for pptx; gif_options
    as in write_gif; `progress(text)`, when given, hears what is being done."""
    say = progress or (lambda _text: None)
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "pptx":
        if story is None:
            raise ExportError("a PPTX deck tells a story: choose one")
        say(f"Drawing the {len(story.steps)} slides of the story in Chromium")
        return write_pptx(dataset, located, story, path)
    default_width, default_height = DEFAULT_SIZE.get(fmt, (1600, 900))
    width, height = width or default_width, height or default_height
    if fmt == "gif":
        return write_gif(dataset, located, view, path, width=width, height=height, progress=progress, **gif_options)
    if fmt == "html":
        return write_html(export_figure(dataset, located, view, width, height, world=True), path, page_title(view))
    say(f"Drawing the map in Chromium ({fmt.upper()})")
    return write_image(export_figure(dataset, located, view, width, height), path, fmt)
