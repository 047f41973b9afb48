"""Pure figure builders: located tables and plain values in, a new `go.Figure` out."""
from __future__ import annotations

import html
import math
import re
import textwrap
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from flightmap.arcs import aggregate_routes, busiest, chevrons, dashes, route_label, route_line, width_for
from flightmap.evidence import format_dates
from flightmap.routes import airport_totals
from flightmap.tracks import split_at_gaps

# Okabe-Ito hues, distinguishable with the common colour-vision deficiencies, darkened where
# needed so that every mark reaches 3:1 against the land colour (WCAG non-text contrast):
# orange #E69F00 was 1.9:1, sky blue 2.0:1, reddish purple 2.6:1, bluish green 2.9:1.
DATED_COLOUR = "#0072B2"  # 4.4:1 on LAND
PATTERN_COLOUR = "#B36B00"  # 3.6:1
DISPUTED_COLOUR = "#D55E00"  # 3.3:1
AIRPORT_COLOUR = "#222222"
EVENT_COLOURS = {
    "sighting": "#00805C",  # 4.2:1
    "incident": "#D55E00",  # 3.3:1
    "military": "#B0588F",  # 3.8:1
    "political": "#2C7FB8",  # 3.7:1
    "context": "#6B6B6B",  # 4.5:1
}
LAND, WATER, BORDER, LABEL = "#efece6", "#c9dbe6", "#a7a29a", "#6b665e"
# Rows shown from an upload for one session: outside the palette on purpose, never mistaken for the dataset.
SESSION_COLOUR = "#8E24AA"
CHECK_COLOUR = "#C2185B"  # places drawn by a guess (close spelling, ambiguous name): to be confirmed
SESSION_NAME = "your upload (this session only, not saved)"
# A flown track: a thin line of its own colour with dots at the points, never mistaken for a
# great-circle leg (thicker, bent, one colour per kind). 4.2:1 on LAND.
TRACK_COLOUR = "#00727A"
TRACK_WIDTH = 2
TRACK_NAME = "flown track"
TRACK_MAX_GAP_S = 600  # more than 10 minutes without a point: a gap in coverage, drawn as a gap


def plotly_text(value) -> str:
    """Data text made safe for Plotly's hover and label markup: < > & escaped, so a value can
    never become a tag. Quotes are left as they are: Plotly does not decode &quot; and would show it."""
    return html.escape(str(value), quote=False)


def basemap_style(countries: str | dict, labels: str | dict) -> dict:
    """A MapLibre style that needs no network: Natural Earth countries and their names.

    `countries` and `labels` are GeoJSON objects or URLs the browser can fetch from the app.
    Labels come from a point source: labels drawn from polygons repeat at tile edges.
    """
    return {
        "version": 8,
        "sources": {
            "countries": {"type": "geojson", "data": countries},
            "country-labels": {"type": "geojson", "data": labels},
        },
        "layers": [
            {"id": "water", "type": "background", "paint": {"background-color": WATER}},
            {"id": "land", "type": "fill", "source": "countries", "paint": {"fill-color": LAND}},
            {"id": "borders", "type": "line", "source": "countries", "paint": {"line-color": BORDER, "line-width": 0.8}},
            {
                "id": "country-names",
                "type": "symbol",
                "source": "country-labels",
                "minzoom": 2,
                "layout": {"text-field": ["get", "name"], "text-size": 12, "text-transform": "uppercase", "text-letter-spacing": 0.1},
                "paint": {"text-color": LABEL, "text-halo-color": LAND, "text-halo-width": 1.2},
            },
        ],
    }


def _wrap(text: str, width: int = 64) -> str:
    return "<br>".join(textwrap.wrap(plotly_text(str(text)), width)) if text else ""


def cited_as(sources: pd.DataFrame) -> dict[str, str]:
    """'publisher (date)' of every source id: built once per figure, not once per hover text."""
    return {sid: f"{publisher} ({published or 'undated'})" for sid, publisher, published in zip(sources["id"], sources["publisher"], sources["published"])}


def citation(sources: pd.DataFrame | dict, source_ids) -> str:
    """'publisher (date)' for each source id, for a hover line (`sources` may be cited_as' dict)."""
    by_id = sources if isinstance(sources, dict) else cited_as(sources)
    return "; ".join(by_id.get(sid, sid) for sid in source_ids)


def flight_hover(row, sources: pd.DataFrame) -> str:
    kind = "reported pattern (no dated flights)" if row.kind == "pattern" else "dated flight"
    if row.kind == "dated" and not pd.isna(row.flights_count) and row.flights_count > 1:
        kind = f"{row.flights_count} dated flights"
    aircraft = " ".join(x for x in (row.registration, row.aircraft_type) if x) or "aircraft not identified"
    lines = [
        f"<b>{plotly_text(row.origin_name or 'origin not reported')} → {plotly_text(row.destination_name or 'destination not reported')}</b>",
        f"{format_dates(row.date_start, row.date_end, row.date_precision)} · {kind}",
        f"{plotly_text(aircraft)} · {plotly_text(row.operator or 'operator not reported')}",
        f"confidence: <b>{plotly_text(row.confidence)}</b>" + (f" · {row.distance_km:,.0f} km" if not pd.isna(row.distance_km) else ""),
        _wrap(row.summary),
    ]
    if row.conflict_note:
        lines.append("<i>conflict:</i> " + _wrap(row.conflict_note))
    lines.append("sources: " + _wrap(citation(sources, row.source_ids)))
    return "<br>".join(lines)


def event_hover(row, sources: pd.DataFrame) -> str:
    lines = [
        f"<b>{plotly_text(row.title)}</b>",
        f"{format_dates(row.date_start, row.date_end, row.date_precision)} · {plotly_text(row.category)} · {plotly_text(row.place_name or 'place unknown')}",
        f"confidence: <b>{plotly_text(row.confidence)}</b>" + (f" · aircraft: {plotly_text(row.aircraft)}" if row.aircraft else ""),
        _wrap(row.summary),
    ]
    if row.conflict_note:
        lines.append("<i>conflict:</i> " + _wrap(row.conflict_note))
    lines.append("sources: " + _wrap(citation(sources, row.source_ids)))
    return "<br>".join(lines)


STYLE_NAMES = {"dated": "dated flights", "pattern": "reported pattern (not dated flights)", "disputed": "disputed"}
STYLE_COLOURS = {"dated": DATED_COLOUR, "pattern": PATTERN_COLOUR, "disputed": DISPUTED_COLOUR}
# Scattermap sets one width per trace: routes share a few width steps so that the number of
# traces stays small whatever the number of routes.
WIDTH_STEPS = (2.5, 4.0, 6.0, 8.5, 12.0)
EVENT_GLYPHS = {"sighting": "★", "incident": "✖", "military": "▲", "political": "◆", "context": "●"}
HIGHLIGHT = "#111111"
# A window with more routes than this draws only the busiest, with coarser lines and short hover
# texts, and says so on the map: the figure's size then depends on this, not on the data's size.
MAX_DRAWN_ROUTES = 60
# Beyond this many routes the drawing turns compact: coarser lines rounded to ~10 m, one-line
# hover texts, and busy routes carry their name rather than their ids (see route_customdata).
COMPACT_ROUTES = 30
# ...or when the routes are long: their full drawing (a point every 30 km, each carrying the
# route's hover text) would pass this many points.
COMPACT_POINTS = 2000
COMPACT_INLINE_IDS = 5
# Beyond this many airports only the busiest carry a name label (MapLibre would drop most of the
# others as colliding anyway) and the hover text is one line shorter.
COMPACT_AIRPORTS = 100
LABELLED_AIRPORTS = 40
ROUTE_KEY_PREFIX = "route-of"  # customdata of a route that names itself instead of its ids


def route_traffic(routes: pd.DataFrame) -> pd.Series:
    """What a route's width shows: its flights, or for patterns (no flight count) its records."""
    return routes["flights"].where(routes["flights"] > 0, routes["records"]).clip(lower=1)


# Airport markers: diameter 8 + 3·√records on a small dataset; on a big window the busiest
# airport is MAX_MARKER px across and the others scale by area (√ of their share), never
# below MIN_MARKER, so a hub of 100,000 records does not cover its region.
MIN_MARKER, MAX_MARKER = 6.0, 34.0
# Airport names longer than this are shown by their code (what the analyst wrote) or shortened.
SHORT_LABEL = 20
_AIRPORT_WORDS = re.compile(r"\b(international|intl\.?|regional|municipal|airport|airfield|air base|aéroport|aeropuerto|aeroporto|field)\b", re.IGNORECASE)


def airport_sizes(records) -> np.ndarray:
    records = np.maximum(np.asarray(records, dtype="float64"), 1)
    if not len(records):
        return records
    plain = 8 + 3 * np.sqrt(records)
    scaled = MAX_MARKER * np.sqrt(records / records.max())
    return np.maximum(np.minimum(plain, scaled), MIN_MARKER).round(1)


def short_label(name: str, code: str | None = None) -> str:
    """A map label for a place: its name when short, else its code, else the name without the
    words every airport has ("International Airport"), cut at a word. The hover keeps the name."""
    name = str(name)
    if len(name) <= SHORT_LABEL:
        return name
    if code:
        return code
    words = " ".join(_AIRPORT_WORDS.sub(" ", name).replace(" de ", " ").split()) or name
    if len(words) <= SHORT_LABEL:
        return words
    return words[:SHORT_LABEL].rsplit(" ", 1)[0] + "…"


def _width_step(width: float) -> float:
    return min(WIDTH_STEPS, key=lambda step: abs(step - width))


def route_hover(route, flights: pd.DataFrame, sources: pd.DataFrame) -> str:
    # route.ids may hold only the first ids of a busy route; route.records counts them all.
    records = flights[flights["id"].isin(route.ids)]
    if route.records == 1:
        return flight_hover(next(records.itertuples()), sources)
    head = f"<b>{plotly_text(route.origin_name)} → {plotly_text(route.destination_name)}</b> · {route_label(route)} · {route.records} records"
    lines = [head]
    for row in records.head(6).itertuples():
        lines.append(f"{format_dates(row.date_start, row.date_end, row.date_precision)} · {plotly_text(row.confidence)} · " + _wrap(row.summary, 70).split("<br>")[0])
    if route.records > 6:
        lines.append(f"… and {route.records - 6} more: click for all")
    return "<br>".join(lines)


def route_customdata(route, max_ids: int | None = None) -> str:
    """'route|id,id' (the records behind it), or for a route whose ids were not all kept or are
    more than `max_ids` (a busy route of a big dataset) 'route-of|origin|destination|style'."""
    if len(route.ids) == route.records and (max_ids is None or route.records <= max_ids):
        return "route|" + ",".join(route.ids)
    return f"{ROUTE_KEY_PREFIX}|{route.origin_name}|{route.destination_name}|{route.style}"


def _coordinates(values) -> np.ndarray:
    return np.array(values, dtype="float64").astype("float32")


@lru_cache(maxsize=16_384)
def _route_geometry(lat1: float, lon1: float, lat2: float, lon2: float, style: str, compact: bool, distance_km: float) -> tuple:
    """A route's line, its drawn (dashed or plain) points and its chevrons, as tuples. The same
    routes are drawn again at every window: each is computed once per process."""
    if compact:  # coarser lines, rounded to ~10 m: the drawing stays small
        lats, lons = route_line(lat1, lon1, lat2, lon2, step_km=max(30.0, distance_km / 5))
        lats, lons = lats.round(4), lons.round(4)
    else:
        lats, lons = route_line(lat1, lon1, lat2, lon2)
    # Stop one step short of each airport, under its marker, so that pointing at an airport
    # picks the airport rather than the end of a route.
    inner_lat, inner_lon = (lats[1:-1], lons[1:-1]) if len(lats) > 4 else (lats, lons)
    if style == "pattern":
        drawn_lat, drawn_lon = dashes(inner_lat, inner_lon)
    elif style == "disputed":
        drawn_lat, drawn_lon = dashes(inner_lat, inner_lon, on=1, off=1)
    else:
        drawn_lat, drawn_lon = [*inner_lat, None], [*inner_lon, None]
    chevron_lat, chevron_lon = chevrons(lats, lons, count=1 if compact else None)
    if compact:
        chevron_lat, chevron_lon = [None if v is None else round(v, 4) for v in chevron_lat], [None if v is None else round(v, 4) for v in chevron_lon]
    return tuple(lats.tolist()), tuple(lons.tolist()), tuple(drawn_lat), tuple(drawn_lon), tuple(chevron_lat), tuple(chevron_lon)


def route_traces(flights: pd.DataFrame, sources: pd.DataFrame, selected: set[str] = frozenset(), routes: pd.DataFrame | None = None) -> list[go.Scattermap]:
    """Routes aggregated per direction and style: bent great circles with direction chevrons,
    width by traffic, dashed for reported patterns, dotted for disputed records.

    `routes` is aggregate_routes' table when the caller has it already (then `flights` need only
    hold the records its hover texts name); beyond MAX_DRAWN_ROUTES only the busiest are drawn.
    """
    routes = aggregate_routes(flights) if routes is None else routes
    sources = cited_as(sources) if not isinstance(sources, dict) else sources
    crowded = len(routes) > COMPACT_ROUTES or float(routes["distance_km"].fillna(0).sum()) / 30.0 > COMPACT_POINTS
    routes = busiest(routes, MAX_DRAWN_ROUTES)
    widest = route_traffic(routes).max() if len(routes) else 1
    lines: dict[tuple, dict] = {}
    marks: dict[str, dict] = {}
    outline = {"lat": [], "lon": []}
    label = {"lat": [], "lon": [], "text": []}
    for route in routes.itertuples():
        lats, lons, drawn_lat, drawn_lon, chevron_lat, chevron_lon = _route_geometry(
            route.origin_lat, route.origin_lon, route.destination_lat, route.destination_lon, route.style, crowded,
            float(route.distance_km) if crowded and not pd.isna(route.distance_km) else 0.0,
        )
        key = (route.style, _width_step(width_for(route.flights, route.records, widest)))
        group = lines.setdefault(key, {"lat": [], "lon": [], "text": [], "custom": []})
        if crowded:
            hover = f"<b>{plotly_text(route.origin_name)} → {plotly_text(route.destination_name)}</b> · {route_label(route)} · {route.records} records"
        else:
            hover = route_hover(route, flights, sources)
        custom = route_customdata(route, COMPACT_INLINE_IDS if crowded else None)
        group["lat"] += drawn_lat
        group["lon"] += drawn_lon
        group["text"] += [hover] * len(drawn_lat)
        group["custom"] += [custom] * len(drawn_lat)
        mark = marks.setdefault(route.style, {"lat": [], "lon": []})
        mark["lat"] += chevron_lat
        mark["lon"] += chevron_lon
        if route.records > 1 or route.flights > 1:  # a count worth reading; one record needs no label
            middle = len(lats) // 2
            label["lat"].append(lats[middle])
            label["lon"].append(lons[middle])
            label["text"].append(route_label(route))
        if selected & {f"flight:{i}" for i in route.ids}:
            outline["lat"] += [*lats, None]
            outline["lon"] += [*lons, None]
    if crowded:  # typed arrays: a third of the size in JSON and no per-point copying; NaN breaks a line as None does
        for part in (*lines.values(), *marks.values(), outline, label):
            part["lat"], part["lon"] = _coordinates(part["lat"]), _coordinates(part["lon"])
    traces = []
    if len(outline["lat"]):
        traces.append(go.Scattermap(_validate=False, name="selected", mode="lines", lat=outline["lat"], lon=outline["lon"], hoverinfo="skip", line={"color": HIGHLIGHT, "width": 14}, opacity=0.35, showlegend=False))
    shown = set()
    for (style, width), group in sorted(lines.items(), key=lambda item: (list(STYLE_NAMES).index(item[0][0]), -item[0][1])):
        traces.append(
            go.Scattermap(
                _validate=False, name=STYLE_NAMES[style], legendgroup=style, showlegend=style not in shown, mode="lines",
                lat=group["lat"], lon=group["lon"], hovertext=group["text"], customdata=group["custom"], hoverinfo="text",
                line={"color": STYLE_COLOURS[style], "width": width},
            )
        )
        shown.add(style)
    for style, mark in marks.items():
        traces.append(go.Scattermap(_validate=False, name=f"{STYLE_NAMES[style]} direction", legendgroup=style, showlegend=False, mode="lines", lat=mark["lat"], lon=mark["lon"], hoverinfo="skip", line={"color": STYLE_COLOURS[style], "width": 2.5}))
    if len(label["lat"]):
        traces.append(go.Scattermap(_validate=False, name="route labels", mode="text", lat=label["lat"], lon=label["lon"], text=label["text"], hoverinfo="skip", showlegend=False, textfont={"size": 11, "color": "#333333"}))
    return traces


def fit_view(lats, lons, width_px: int = 900, height_px: int = 600, padding: dict | None = None, max_zoom: float = 9,
             min_span_deg: float = 0.5) -> dict:
    """Centre and zoom that show every given point inside the map's box less `padding` (pixels
    per side, {"t", "r", "b", "l"}: room kept for whatever is drawn over the map), web-Mercator
    maths. The points' box is centred in the free area, not in the whole map."""
    lats = [v for v in lats if v is not None and not pd.isna(v)]
    lons = [v for v in lons if v is not None and not pd.isna(v)]
    if not lats:
        return {"center": {"lat": 15.0, "lon": 0.0}, "zoom": 2}
    pad = {"t": 0, "r": 0, "b": 0, "l": 0, **(padding or {})}

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85), -85)) / 2))

    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    lon_span = max(east - west, min_span_deg) * 1.12
    lat_span = max(merc(north) - merc(south), math.radians(min_span_deg)) * 1.12
    free_w = max(width_px - pad["l"] - pad["r"], 80)
    free_h = max(height_px - pad["t"] - pad["b"], 80)
    # MapLibre draws the world 512 px wide at zoom 0.
    zoom = min(math.log2(free_w * 360 / (512 * lon_span)), math.log2(free_h * 2 * math.pi / (512 * lat_span)), max_zoom)
    world_px = 512 * 2**zoom
    # The free area's centre is (l - r) / 2 px right of and (t - b) / 2 px below the map's: move
    # the map's centre the other way so that the points sit in the middle of the free area.
    centre_lon = (west + east) / 2 - (pad["l"] - pad["r"]) / 2 * 360 / world_px
    centre_merc = (merc(north) + merc(south)) / 2 + (pad["t"] - pad["b"]) / 2 * 2 * math.pi / world_px
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_merc)) - math.pi / 2)
    return {"center": {"lat": round(centre_lat, 4), "lon": round(centre_lon, 4)}, "zoom": round(zoom, 2)}


def text_scale(width_px: float | None, height_px: float | None = None) -> float:
    """How much larger map and strip text should be on this screen than on a ~1400 px desktop:
    small screens keep readable 11-12 px type, projectors get larger type."""
    if not width_px:
        return 1.0
    short = min(width_px, (height_px or width_px) * 1.6)
    return round(min(max(short / 1400, 0.92), 1.7), 2)


def airport_trace(flights: pd.DataFrame, totals: pd.DataFrame | None = None, codes: dict | None = None) -> go.Scattermap:
    """Leg ends sized by the records that touch them in the window (by area, capped: see
    airport_sizes), labelled with short names (`codes`: name -> the code the data wrote for it),
    with the full name and totals on hover. `totals` is airport_totals' table when the caller has
    it already."""
    totals = airport_totals(flights) if totals is None else totals
    codes = codes or {}
    names = [short_label(n, codes.get(n)) for n in totals["name"]]
    sizes = airport_sizes(totals["records"])
    if len(totals) > COMPACT_AIRPORTS:
        busy = (totals["records"].rank(method="first", ascending=False) <= LABELLED_AIRPORTS).to_numpy()
        labels = [n if b else "" for n, b in zip(names, busy)]
        lat, lon, sizes = _coordinates(totals["lat"]), _coordinates(totals["lon"]), _coordinates(sizes)
        hover = [
            f"<b>{plotly_text(r.name)}</b><br>{r.dated_flights:,} dated flight(s) · {r.pattern_legs:,} pattern leg(s) · {r.records:,} record(s)"
            for r in totals.itertuples()
        ]
    else:
        labels, lat, lon = names, totals["lat"], totals["lon"]
        hover = [
            f"<b>{plotly_text(r.name)}</b><br>{r.dated_flights} dated flight(s) · {r.pattern_legs} reported-pattern leg(s)<br>{r.records} record(s) in the window — click for all"
            for r in totals.itertuples()
        ]
    return go.Scattermap(
        _validate=False, name="airports", mode="markers+text", lat=lat, lon=lon, text=labels,
        customdata=["airport|" + n for n in totals["name"]], hovertext=hover, hoverinfo="text", textposition="bottom right",
        textfont={"size": 13, "color": AIRPORT_COLOUR}, marker={"size": sizes, "color": AIRPORT_COLOUR},
        showlegend=False,
    )


def size_key(routes: pd.DataFrame, airports: pd.DataFrame | None) -> str | None:
    """The scale of a busy window's widths and sizes, said on the map; None while the plain
    rule (one flight 2.5 px, one record 11 px) still applies."""
    parts = []
    if airports is not None and len(airports) and airports["records"].max() > 87:  # where 8 + 3·√records passes MAX_MARKER
        parts.append(f"largest airport disc: {int(airports['records'].max()):,} records")
    if len(routes):
        widest = int(route_traffic(routes).max())
        if widest > 23:  # where 2.5·√flights passes 12 px
            parts.append(f"widest line: {widest:,} flights")
    return "Sized by area · " + " · ".join(parts) if parts else None


def guessed_places(flights: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Places drawn by a guess a person should confirm: name, lat, lon and the names as written."""
    parts = []
    for prefix, frame, written in (("origin", flights, "origin"), ("destination", flights, "destination"), ("place", events, "place")):
        if f"{prefix}_status" in frame and len(frame):
            rows = frame[frame[f"{prefix}_status"] == "check"]
            parts.append(pd.DataFrame({"name": rows[f"{prefix}_name"], "lat": rows[f"{prefix}_lat" if prefix != "place" else "lat"],
                                       "lon": rows[f"{prefix}_lon" if prefix != "place" else "lon"], "written": rows[written]}))
    if not parts:
        return pd.DataFrame(columns=["name", "lat", "lon", "written"])
    guesses = pd.concat(parts).dropna(subset=["lat", "lon"])
    return guesses.groupby(["name", "lat", "lon"], as_index=False).agg(written=("written", lambda w: tuple(sorted(set(w)))))


def check_trace(guesses: pd.DataFrame, shown: pd.DataFrame) -> go.Scattermap | None:
    """A wide translucent disc under each place drawn by a guess, labelled 'place to check', at
    the places `shown` (lat, lon) on the map now."""
    if guesses is None or not len(guesses) or not len(shown):
        return None
    here = set(zip(shown["lat"].round(4), shown["lon"].round(4)))
    guesses = guesses[[(round(a, 4), round(o, 4)) in here for a, o in zip(guesses["lat"], guesses["lon"])]]
    if not len(guesses):
        return None
    hover = [f"<b>{plotly_text(r.name)}: place to check</b><br>placed here by a guess for {plotly_text(', '.join(repr(w) for w in r.written))}"
             "<br>confirm it (an alias in places.csv) or correct it" for r in guesses.itertuples()]
    return go.Scattermap(
        _validate=False, name="places to check", mode="markers+text", lat=guesses["lat"].tolist(), lon=guesses["lon"].tolist(),
        text=["? place to check"] * len(guesses), textposition="top left", textfont={"size": 12, "color": CHECK_COLOUR},
        marker={"size": 30, "color": CHECK_COLOUR, "opacity": 0.35}, hovertext=hover, hoverinfo="text",
        customdata=["airport|" + n for n in guesses["name"]], showlegend=True,
    )


# Which event keeps its callout when several share a spot (after the selected ones and the story
# step's records): what happened to aircraft first, context last; then the newest.
EVENT_RANK = {"incident": 0, "military": 1, "sighting": 2, "political": 3, "context": 4}
NEAR_PX = 25.0  # events closer than this at the frame's zoom are one group (fanned out, one count)
RING_PX = 22.0  # how far from its group's centre an event is drawn (~39 km at the case's zoom)
DISC_PX = 15.0  # a disc and a little air: the spacing of a fanned-out group's ring


def _world_px(lats: np.ndarray, lons: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixels at `zoom` for MapLibre's 512-px tiles."""
    size = 512.0 * 2.0 ** zoom
    lat = np.radians(np.clip(lats, -85.0, 85.0))
    return (lons + 180.0) / 360.0 * size, (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0 * size


def _lat_lon(x: np.ndarray, y: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    size = 512.0 * 2.0 ** zoom
    return np.degrees(np.arctan(np.sinh(math.pi * (1.0 - 2.0 * y / size)))), x / size * 360.0 - 180.0


def event_layout(events: pd.DataFrame, zoom: float | None = None, keep=frozenset(), near_px: float = NEAR_PX) -> pd.DataFrame:
    """Where each located event is drawn and which keep their callout, at the frame's zoom.

    Events within `near_px` of each other are one group: fanned out on a ring round the group's
    centre (spaced so that discs do not overlap) and counted. The events in `keep` (the selection:
    the selected event, a story step's records) always keep their callout; each other group
    labels only its best-ranked event (EVENT_RANK, then the newest), which says how many more
    are there. Returns, indexed like the located events: draw_lat, draw_lon, group, count,
    rank (0 = placed first), labelled, more (the group's events without a callout of their own).
    """
    placed = events.dropna(subset=["lat", "lon"])
    columns = ["draw_lat", "draw_lon", "group", "count", "rank", "labelled", "more"]
    if placed.empty:
        return pd.DataFrame(columns=columns, index=placed.index)
    zoom = 5.5 if zoom is None else float(zoom)
    lats, lons = placed["lat"].to_numpy(dtype="float64"), placed["lon"].to_numpy(dtype="float64")
    x, y = _world_px(lats, lons, zoom)
    kept = ("event:" + placed["id"].astype(str)).isin(set(keep or ())).to_numpy()
    category = placed["category"].map(EVENT_RANK).fillna(len(EVENT_RANK)).to_numpy()
    newest = -pd.to_datetime(placed["date_start"]).to_numpy().astype("datetime64[D]").astype("int64")
    order = np.lexsort((newest, category, ~kept))  # kept first, then category, then the newest
    rank = np.empty(len(placed), dtype=int)
    rank[order] = np.arange(len(placed))
    # Greedy grouping in rank order on a grid of near_px cells: each event joins the group whose
    # first (best-ranked) event is within near_px, else it starts one.
    group = np.full(len(placed), -1)
    anchors: list[tuple[float, float]] = []
    cells: dict[tuple[int, int], list[int]] = {}
    for i in order:
        cx, cy = int(x[i] // near_px), int(y[i] // near_px)
        found = next((g for dx in (-1, 0, 1) for dy in (-1, 0, 1) for g in cells.get((cx + dx, cy + dy), ())
                      if math.hypot(anchors[g][0] - x[i], anchors[g][1] - y[i]) <= near_px), None)
        if found is None:
            found = len(anchors)
            anchors.append((x[i], y[i]))
            cells.setdefault((cx, cy), []).append(found)
        group[i] = found
    count = np.bincount(group)[group]
    draw_x, draw_y = np.empty(len(placed)), np.empty(len(placed))
    labelled = kept.copy()
    more = np.zeros(len(placed), dtype=int)
    for g in range(len(anchors)):
        members = [i for i in order if group[i] == g]  # in rank order
        centre_x, centre_y = x[members].mean(), y[members].mean()
        n = len(members)
        radius = max(RING_PX, n * DISC_PX / (2 * math.pi))
        angle = np.radians(45.0 + np.arange(n) * 360.0 / max(n, 6))
        draw_x[members] = centre_x + radius * np.sin(angle)
        draw_y[members] = centre_y - radius * np.cos(angle)
        if not kept[members].any():
            labelled[members[0]] = True
        first = next(i for i in members if labelled[i])
        more[first] = n - int(labelled[members].sum())
    draw_lat, draw_lon = _lat_lon(draw_x, draw_y, zoom)
    return pd.DataFrame(
        {"draw_lat": draw_lat, "draw_lon": draw_lon, "group": group, "count": count, "rank": rank, "labelled": labelled, "more": more},
        index=placed.index,
    )


def _callout(row, more: int = 0, width: int | None = 38) -> str:
    title = row.title if width is None or len(row.title) <= width else row.title[:width].rstrip() + "…"
    extra = f"  (+{more} more here)" if more else ""
    # Map labels are MapLibre text, shown as written: not escaped (that is for hover markup).
    return f"{EVENT_GLYPHS.get(row.category, '●')} {row.date_start:%d %b %Y} · {title}{extra}"


def selected_event_labels(events: pd.DataFrame, selected: set[str], zoom: float | None = None) -> list[go.Scattermap]:
    """The selected events' callouts once more, in a trace drawn last: MapLibre places the last
    layer's labels first, so the selected event (a story step's subject) is always labelled."""
    placed = events.dropna(subset=["lat", "lon"])
    if placed.empty or not selected:
        return []
    chosen = ("event:" + placed["id"]).isin(selected).to_numpy()
    if not chosen.any():
        return []
    layout = event_layout(placed, zoom, selected)
    rows = list(placed[chosen].itertuples())
    # No <b>: a bold face would be another font stack, which MapLibre cannot load offline.
    text = [_callout(r, more, width=None) for r, more in zip(rows, layout["more"].to_numpy()[chosen])]
    return [go.Scattermap(
        # An invisible marker as big as the event's: Plotly offsets a right-hand label by its
        # marker (a text-only trace gets a NaN offset, and MapLibre refuses the layer).
        _validate=False, name="selected event label", mode="markers+text", lat=layout["draw_lat"].to_numpy()[chosen],
        lon=layout["draw_lon"].to_numpy()[chosen], text=text, textposition="top right",
        hoverinfo="skip", showlegend=False, textfont={"size": 14, "color": "#111111"}, marker={"size": 13, "opacity": 0},
    )]


CALLOUT_PX = 190  # a callout's width (16 ems of 11 px, wrapped) and its offset from the disc
LEFT_CALLOUTS = "event callouts, left"


def near_right_edge(lats, lons, view: dict | None, width_px: float | None) -> np.ndarray:
    """Which points lie so near the frame's right edge that a callout to their right would be cut
    (a phone's narrow map): their callouts are written to the left (assets/flightmap.js)."""
    lats, lons = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    if not view or not width_px or view.get("zoom") is None or not view.get("center"):
        return np.zeros(len(lats), dtype=bool)
    x, _ = _world_px(lats, lons, view["zoom"])
    centre_x, _ = _world_px(np.array([view["center"]["lat"]]), np.array([view["center"]["lon"]]), view["zoom"])
    return x - centre_x[0] + width_px / 2 > width_px - CALLOUT_PX


def event_traces(events: pd.DataFrame, sources: pd.DataFrame, selected: set[str] = frozenset(), zoom: float | None = None,
                 view: dict | None = None, width_px: float | None = None) -> list[go.Scattermap]:
    """Events as discs in their category's colour with a callout: the category's glyph, the date
    and the title. Glyph and callout are one label so that they never hide each other (MapLibre
    drops colliding labels); Scattermap's own marker symbols would need a sprite from the internet.
    Co-located events are fanned out and only the best-ranked of each group is labelled, with a
    count of the others (event_layout); the selected ones are labelled by selected_event_labels.
    Given the frame (`view`, `width_px`), callouts that would be cut at its right edge are drawn
    by one trace of their own, written to the left of their disc."""
    placed = events.dropna(subset=["lat", "lon"])
    if placed.empty:
        return []
    layout = event_layout(placed, zoom, selected)
    sources = cited_as(sources) if not isinstance(sources, dict) else sources
    placed = placed.assign(**layout[["draw_lat", "draw_lon", "labelled", "more", "rank"]]).sort_values("rank")
    traces = []
    chosen = placed[("event:" + placed["id"]).isin(selected)]
    if not chosen.empty:
        # A ring, not a grey halo: a near-black circle (15:1 on the land) round a white gap.
        traces.append(go.Scattermap(_validate=False, name="selected event", mode="markers", lat=chosen["draw_lat"], lon=chosen["draw_lon"], hoverinfo="skip", marker={"size": 27, "color": HIGHLIGHT, "opacity": 1}, showlegend=False))
        traces.append(go.Scattermap(_validate=False, name="selected event gap", mode="markers", lat=chosen["draw_lat"], lon=chosen["draw_lon"], hoverinfo="skip", marker={"size": 20, "color": "#ffffff", "opacity": 1}, showlegend=False))
    every = list(placed.itertuples())  # once: itertuples costs per column, whatever the rows
    categories = placed["category"].to_numpy()
    draw_lat, draw_lon = placed["draw_lat"].to_numpy(), placed["draw_lon"].to_numpy()
    labelled, more = placed["labelled"].to_numpy(), placed["more"].to_numpy()
    is_selected = ("event:" + placed["id"]).isin(selected).to_numpy()
    leftward = near_right_edge(draw_lat, draw_lon, view, width_px) & labelled & ~is_selected
    # Later layers' labels are placed first: the best-ranked category last.
    for category in sorted(EVENT_COLOURS, key=lambda c: -EVENT_RANK.get(c, len(EVENT_RANK))):
        colour = EVENT_COLOURS[category]
        where = np.flatnonzero(categories == category)
        if len(where) == 0:
            continue
        glyph = EVENT_GLYPHS[category]
        rows = [every[i] for i in where]
        # The selected ones' callouts are drawn by selected_event_labels, on top of everything.
        # Callouts sit above right of their disc: clear of the place name (airports write theirs
        # below right) and of the group's other discs (the labelled one is first on the ring, up right).
        callouts = [_callout(r, more[i]) if labelled[i] and not is_selected[i] and not leftward[i] else "" for r, i in zip(rows, where)]
        traces.append(
            go.Scattermap(
                _validate=False, name=f"{glyph} {category}", legendgroup="events", mode="markers+text",
                lat=draw_lat[where], lon=draw_lon[where], text=callouts, textposition="top right",
                customdata=["event|" + r.id for r in rows], hovertext=[event_hover(r, sources) for r in rows],
                hoverinfo="text", textfont={"size": 11, "color": "#262626"}, marker={"size": 13, "color": colour},
            )
        )
    if leftward.any():
        where = np.flatnonzero(leftward)
        traces.append(go.Scattermap(
            # An invisible marker as big as the disc (Plotly offsets a label by its marker).
            _validate=False, name=LEFT_CALLOUTS, legendgroup="events", mode="markers+text", lat=draw_lat[where], lon=draw_lon[where],
            text=[_callout(every[i], more[i]) for i in where], textposition="top left", hoverinfo="skip", showlegend=False,
            textfont={"size": 11, "color": "#262626"}, marker={"size": 13, "opacity": 0},
        ))
    # The category's glyph on each disc as well: the category reads by shape, not by colour
    # alone, even where MapLibre drops a colliding callout.
    traces.append(go.Scattermap(
        _validate=False, name="event glyphs", mode="text", lat=draw_lat, lon=draw_lon, text=[EVENT_GLYPHS.get(c, "●") for c in categories],
        hoverinfo="skip", showlegend=False, textfont={"size": 9, "color": "#ffffff"},
    ))
    return traces


def in_track_window(points: pd.DataFrame, window_start=None, window_end=None) -> pd.DataFrame:
    """The points whose time lies in [window_start, window_end) (UTC); a track without times is
    kept whole (it cannot be cut), a bound of None does not cut."""
    if points.empty or (window_start is None and window_end is None):
        return points
    times = points["time"]
    inside = pd.Series(True, index=points.index)
    if window_start is not None:
        inside &= times >= _utc(window_start)
    if window_end is not None:
        inside &= times < _utc(window_end)
    return points[(times.isna() | inside.fillna(False)).to_numpy()]


def _utc(moment) -> pd.Timestamp:
    moment = pd.Timestamp(moment)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def _measure_texts(values: pd.Series, unit: str, missing: str) -> pd.Series:
    known = values.notna()
    texts = pd.Series(missing, index=values.index, dtype=object)
    if known.any():
        texts[known] = values[known].round().astype("int64").map("{:,}".format) + f" {unit}"
    return texts


def track_hover_texts(track, points: pd.DataFrame, cited: str) -> list[str]:
    """Hover text of every point of one track: who, time, altitude, speed, source. Built column by
    column (a 20,000-point trace in tens of milliseconds, not seconds)."""
    who = " · ".join(plotly_text(v) for v in (track.registration, track.hex, track.callsign) if v) or "aircraft not named"
    head = f"<b>Flown track {plotly_text(track.id)}</b> ({who})<br>"
    tail = f"<br>confidence: {plotly_text(track.confidence)} · source: {_wrap(cited)}"
    when = points["time"].dt.strftime("%Y-%m-%d %H:%M:%S UTC").fillna("no time")
    ground = pd.Series(np.where(points["on_ground"].fillna(False).to_numpy(bool), " · on the ground", ""), index=points.index)
    lines = (head + when + "<br>" + _measure_texts(points["altitude_ft"], "ft", "altitude not reported") + " · "
             + _measure_texts(points["speed_kt"], "kt", "speed not reported") + ground + tail)
    return lines.tolist()


def track_traces(tracks: pd.DataFrame, points: pd.DataFrame, sources: pd.DataFrame, window_start=None, window_end=None) -> list[go.Scattermap]:
    """Each track's points in the window as a thin line with a dot per point (hover: time,
    altitude, speed), broken where coverage stops (split_at_gaps: None between segments, never a
    straight line across a gap), small chevrons along each segment for the direction flown, and
    a larger dot at each track's last timed point in the window: where the aircraft is "now", so
    it moves along the track as playback slides the window (a track without times has none)."""
    traces = []
    now: dict[str, list] = {"lat": [], "lon": [], "text": [], "customdata": [], "ids": []}
    if tracks.empty or points.empty:
        return traces
    shown = in_track_window(points, window_start, window_end)
    by_track = dict(tuple(shown.groupby("track_id", sort=False)))
    by_id = cited_as(sources)
    arrow_lat: list = []
    arrow_lon: list = []
    for track in tracks.itertuples():
        own = by_track.get(track.id)
        if own is None or own.empty:
            continue
        breaks = (np.flatnonzero(np.diff(own["segment"].to_numpy())) + 1).tolist()
        segments = split_at_gaps(own.reset_index(drop=True), max_gap_s=TRACK_MAX_GAP_S, breaks=breaks)
        cited = citation(by_id, track.source_ids)
        all_texts = track_hover_texts(track, own, cited)
        lats: list = []
        lons: list = []
        texts: list = []
        done = 0
        for segment in segments:
            if lats:
                lats.append(None), lons.append(None), texts.append(None)
            lats += segment["lat"].round(6).tolist()
            lons += segment["lon"].round(6).tolist()
            texts += all_texts[done:done + len(segment)]
            done += len(segment)
            if len(segment) > 1:
                la, lo = chevrons(segment["lat"], segment["lon"], size=0.12)
                arrow_lat += la
                arrow_lon += lo
        timed = np.flatnonzero(own["time"].notna().to_numpy())
        if len(timed):
            last = int(timed[np.argmax(own["time"].iloc[timed].to_numpy())])
            now["lat"].append(round(float(own["lat"].iloc[last]), 6))
            now["lon"].append(round(float(own["lon"].iloc[last]), 6))
            now["text"].append(all_texts[last] + "<br><i>last position in the window</i>")
            now["customdata"].append(f"route|{','.join(track.flight_ids)}" if track.flight_ids else "")
            now["ids"].append(track.id)
        traces.append(go.Scattermap(
            _validate=False, name=f"{TRACK_NAME} {track.id}", legendgroup="tracks", showlegend=not traces, mode="lines+markers", lat=lats, lon=lons,
            hovertext=texts, hoverinfo="text", line={"color": TRACK_COLOUR, "width": TRACK_WIDTH}, marker={"size": 5, "color": TRACK_COLOUR},
            meta={"track": track.id, "points": len(own), "segments": len(segments)}, # a click selects the legs the track backs (the evidence panel then lists the track with them)
            customdata=[f"route|{','.join(track.flight_ids)}" if track.flight_ids else ""] * len(lats),
        ))
    if arrow_lat:
        traces.append(go.Scattermap(_validate=False, name="flown track direction", legendgroup="tracks", showlegend=False, mode="lines", lat=arrow_lat, lon=arrow_lon,
                                    hoverinfo="skip", line={"color": TRACK_COLOUR, "width": TRACK_WIDTH}, meta={"track-direction": True}))
    if now["ids"]:
        traces.append(go.Scattermap(_validate=False, name="aircraft position", legendgroup="tracks", showlegend=False, mode="markers",
                                    lat=now["lat"], lon=now["lon"], hovertext=now["text"], hoverinfo="text", customdata=now["customdata"],
                                    marker={"size": 13, "color": TRACK_COLOUR}, meta={"track-now": now["ids"]}))
    return traces


def map_figure(
    flights: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame, style: dict, selected=(), view: dict | None = None,
    empty_message: str = "No records in this window", routes: pd.DataFrame | None = None, airports: pd.DataFrame | None = None,
    flight_count: int | None = None, scale: float = 1.0, hidden=(), guesses: pd.DataFrame | None = None, codes: dict | None = None,
    tracks: pd.DataFrame | None = None, track_points: pd.DataFrame | None = None, window: tuple | None = None,
    width_px: float | None = None,
) -> go.Figure:
    """The route map of the records given (already cut to the window), on the offline basemap.

    `hidden` names layers the reader switched off (LAYERS: route styles, "airports", "tracks", "event-"
    plus a category); `scale` enlarges the text for big screens (see text_scale); `codes` gives
    long place names their short label (place_codes).
    `tracks` and `track_points` (Dataset.tracks, .track_points) are cut to `window`, (start, end)
    Timestamps with the end excluded, by each point's time.

    `width_px`, the map's width, lets callouts near the right edge be written to the left.
    `view` (centre and zoom) is usually fitted to the whole dataset by the caller, so the map
    does not jump while the window moves. A caller that has pre-aggregated the window passes
    `routes` (aggregate_routes), `airports` (airport_totals) and `flight_count` (flights in the
    window); `flights` then only needs the records the route hover texts name.
    """
    selected = set(selected or ())
    hidden = set(hidden or ())
    # Later traces win MapLibre's label placement: airport names over event symbols over callouts.
    routes = aggregate_routes(flights) if routes is None else routes
    shown_routes = routes[~routes["style"].isin(hidden)] if hidden and len(routes) else routes
    shown_events = events[~("event-" + events["category"]).isin(hidden)] if hidden and len(events) else events
    if view is None:
        view = fit_view([*flights["origin_lat"], *flights["destination_lat"]], [*flights["origin_lon"], *flights["destination_lon"]])
    zoom = view.get("zoom")
    traces = route_traces(flights, sources, selected, shown_routes)
    if tracks is not None and track_points is not None and "tracks" not in hidden:
        traces += track_traces(tracks, track_points, sources, *(window or (None, None)))
    traces += event_traces(shown_events, sources, selected, zoom, view, width_px)
    guesses = guessed_places(flights, events) if guesses is None else guesses
    if len(guesses):  # under the airport markers: a halo that says "not confirmed"
        totals = airport_totals(flights) if airports is None else airports
        ring = check_trace(guesses, pd.concat([totals[["lat", "lon"]], shown_events[["lat", "lon"]]]).dropna())
        if ring is not None:
            traces.append(ring)
            airports = totals
    if "airports" not in hidden:
        airports = airport_totals(flights) if airports is None else airports
        traces.append(airport_trace(flights, airports, codes))
    traces += selected_event_labels(shown_events, selected, zoom)
    if scale != 1.0:
        for trace in traces:
            if trace.textfont is not None and trace.textfont.size:
                trace.textfont.size = round(trace.textfont.size * scale, 1)
    # The traces are built from checked values: Plotly's per-item validation would cost more than
    # building them (a figure of a big window holds ~20k values).
    layout = dict(
        map={"style": style, **view},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        # The page's legend is HTML under the map (keyboard toggles, dashes drawn as dashes);
        # exports turn this one on.
        showlegend=False,
        legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.88)", "font": {"size": 12}, "itemclick": False, "itemdoubleclick": False},
        hoverlabel={"align": "left", "bgcolor": "white", "font": {"size": round(13 * scale)}},
        uirevision="map",  # keep the reader's pan and zoom across updates
        paper_bgcolor=WATER,
        clickmode="event",
    )
    figure = go.Figure(traces, layout, _validate=False)
    if len(routes) > MAX_DRAWN_ROUTES:
        figure.add_annotation(
            text=f"The {MAX_DRAWN_ROUTES} busiest of {len(routes):,} routes in this window are drawn: narrow the window or filter to see the others",
            showarrow=False, x=0.5, y=0.01, xref="paper", yref="paper", yanchor="bottom", font={"size": 12, "color": "#444"},
            bgcolor="rgba(255,255,255,0.9)", name="routes-not-drawn",
        )
    key = size_key(busiest(shown_routes, MAX_DRAWN_ROUTES), None if "airports" in hidden else airports)
    if key:
        figure.add_annotation(
            text=key, showarrow=False, x=0.01, y=0.99, xref="paper", yref="paper", xanchor="left", yanchor="top", font={"size": round(12 * scale), "color": "#333"},
            bgcolor="rgba(255,255,255,0.9)", name="size-key",
        )
    if (flights.empty if flight_count is None else flight_count == 0) and events.empty:
        figure.add_annotation(text=empty_message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 18, "color": "#444"}, bgcolor="rgba(255,255,255,0.9)")
    return figure


def session_traces(flights: pd.DataFrame, events: pd.DataFrame) -> list[go.Scattermap]:
    """An upload viewed for one session: its legs as plain great circles and its events as
    rings, in one colour of their own and one legend entry, with the row on hover."""
    from flightmap.routes import great_circle

    traces = []
    legs = flights.dropna(subset=["origin_lat", "destination_lat"])
    lats, lons, texts = [], [], []
    for leg in legs.itertuples():
        lat, lon = great_circle(leg.origin_lat, leg.origin_lon, leg.destination_lat, leg.destination_lon)
        text = plotly_text(f"Upload {leg.id}: {leg.origin} → {leg.destination}, {format_dates(leg.date_start, leg.date_end, leg.date_precision)}")
        lats += [*lat, None]
        lons += [*lon, None]
        texts += [text] * len(lat) + [None]
    if lats:
        traces.append(go.Scattermap(name=SESSION_NAME, legendgroup="session", mode="lines", lat=lats, lon=lons, hovertext=texts, hoverinfo="text", line={"color": SESSION_COLOUR, "width": 3}))
    placed = events.dropna(subset=["lat", "lon"])
    if not placed.empty:
        traces.append(go.Scattermap(
            name=SESSION_NAME, legendgroup="session", showlegend=not lats, mode="markers", lat=placed["lat"], lon=placed["lon"],
            hovertext=[plotly_text(f"Upload {r.id}: {r.title}, {format_dates(r.date_start, r.date_end, r.date_precision)}") for r in placed.itertuples()], hoverinfo="text",
            marker={"size": 15, "color": SESSION_COLOUR, "opacity": 0.8},
        ))
    return traces
