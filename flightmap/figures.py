"""Pure figure builders: located tables and plain values in, a new `go.Figure` out."""
from __future__ import annotations

import html
import math
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from flightmap.routes import airport_totals, great_circle

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
DATED_COLOUR = "#0072B2"
PATTERN_COLOUR = "#E69F00"
DISPUTED_COLOUR = "#D55E00"
AIRPORT_COLOUR = "#222222"
EVENT_COLOURS = {
    "sighting": "#009E73",
    "incident": "#D55E00",
    "military": "#CC79A7",
    "political": "#56B4E9",
    "context": "#7F7F7F",
}
LAND, WATER, BORDER, LABEL = "#efece6", "#c9dbe6", "#a7a29a", "#6b665e"


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
    return "<br>".join(textwrap.wrap(html.escape(str(text)), width)) if text else ""


def citation(sources: pd.DataFrame, source_ids) -> str:
    """'publisher (date)' for each source id, for a hover line."""
    by_id = sources.set_index("id")
    parts = []
    for sid in source_ids:
        if sid in by_id.index:
            row = by_id.loc[sid]
            parts.append(f"{row['publisher']} ({row['published'] or 'undated'})")
        else:
            parts.append(sid)
    return "; ".join(parts)


def _dates(start: pd.Timestamp, end: pd.Timestamp, precision: str) -> str:
    if precision == "month":
        return start.strftime("%B %Y")
    if start == end:
        return start.strftime("%d %b %Y")
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def flight_hover(row, sources: pd.DataFrame) -> str:
    kind = "reported pattern (no dated flights)" if row.kind == "pattern" else "dated flight"
    if row.kind == "dated" and not pd.isna(row.flights_count) and row.flights_count > 1:
        kind = f"{row.flights_count} dated flights"
    aircraft = " ".join(x for x in (row.registration, row.aircraft_type) if x) or "aircraft not identified"
    lines = [
        f"<b>{html.escape(row.origin_name or 'origin not reported')} → {html.escape(row.destination_name or 'destination not reported')}</b>",
        f"{_dates(row.date_start, row.date_end, row.date_precision)} · {kind}",
        f"{html.escape(aircraft)} · {html.escape(row.operator or 'operator not reported')}",
        f"confidence: <b>{html.escape(row.confidence)}</b>" + (f" · {row.distance_km:,.0f} km" if not pd.isna(row.distance_km) else ""),
        _wrap(row.summary),
    ]
    if row.conflict_note:
        lines.append("<i>conflict:</i> " + _wrap(row.conflict_note))
    lines.append("sources: " + _wrap(citation(sources, row.source_ids)))
    return "<br>".join(lines)


def event_hover(row, sources: pd.DataFrame) -> str:
    lines = [
        f"<b>{html.escape(row.title)}</b>",
        f"{_dates(row.date_start, row.date_end, row.date_precision)} · {html.escape(row.category)} · {html.escape(row.place_name or 'place unknown')}",
        f"confidence: <b>{html.escape(row.confidence)}</b>" + (f" · aircraft: {html.escape(row.aircraft)}" if row.aircraft else ""),
        _wrap(row.summary),
    ]
    if row.conflict_note:
        lines.append("<i>conflict:</i> " + _wrap(row.conflict_note))
    lines.append("sources: " + _wrap(citation(sources, row.source_ids)))
    return "<br>".join(lines)


def _leg_style(row) -> tuple[str, str]:
    if row.confidence == "disputed":
        return "disputed", DISPUTED_COLOUR
    return ("reported pattern", PATTERN_COLOUR) if row.kind == "pattern" else ("dated flight", DATED_COLOUR)


def _dashed(lats: np.ndarray, lons: np.ndarray, on: int = 3, off: int = 2) -> tuple[list, list]:
    """Break a polyline into dashes: Scattermap lines have no dash style of their own."""
    out_lat, out_lon = [], []
    for start in range(0, len(lats) - 1, on + off):
        stop = min(start + on, len(lats) - 1) + 1
        out_lat += [*lats[start:stop], None]
        out_lon += [*lons[start:stop], None]
    return out_lat, out_lon


def leg_traces(flights: pd.DataFrame, sources: pd.DataFrame) -> list[go.Scattermap]:
    """One line trace per style, each leg drawn as a great circle; patterns dashed."""
    groups: dict[str, dict] = {}
    for row in flights.dropna(subset=["origin_lat", "destination_lat"]).itertuples():
        name, colour = _leg_style(row)
        lats, lons = great_circle(row.origin_lat, row.origin_lon, row.destination_lat, row.destination_lon, step_km=30)
        if row.kind == "pattern":
            lats, lons = _dashed(lats, lons)
        else:
            lats, lons = [*lats, None], [*lons, None]
        group = groups.setdefault(name, {"colour": colour, "lat": [], "lon": [], "text": [], "ids": []})
        hover = flight_hover(row, sources)
        group["lat"] += lats
        group["lon"] += lons
        group["text"] += [hover] * len(lats)
        group["ids"] += [row.id] * len(lats)
    return [
        go.Scattermap(
            name=name, mode="lines", lat=g["lat"], lon=g["lon"], hovertext=g["text"], customdata=g["ids"],
            hoverinfo="text", line={"color": g["colour"], "width": 3}, legendgroup="legs",
        )
        for name, g in groups.items()
    ]


def airport_trace(flights: pd.DataFrame) -> go.Scattermap:
    totals = airport_totals(flights)
    hover = [
        f"<b>{html.escape(r.name)}</b><br>{r.dated_flights} dated flight(s) · {r.pattern_legs} reported-pattern leg(s)<br>{r.records} record(s)"
        for r in totals.itertuples()
    ]
    return go.Scattermap(
        name="airports", mode="markers+text", lat=totals["lat"], lon=totals["lon"], text=totals["name"],
        customdata=totals["name"], hovertext=hover, hoverinfo="text", textposition="top right",
        textfont={"size": 13, "color": AIRPORT_COLOUR},
        marker={"size": 10 + 2 * np.sqrt(totals["records"]), "color": AIRPORT_COLOUR},
    )


def event_traces(events: pd.DataFrame, sources: pd.DataFrame) -> list[go.Scattermap]:
    placed = events.dropna(subset=["lat", "lon"])
    traces = []
    for category, colour in EVENT_COLOURS.items():
        part = placed[placed["category"] == category]
        if part.empty:
            continue
        traces.append(
            go.Scattermap(
                name=f"event: {category}", mode="markers", lat=part["lat"], lon=part["lon"], customdata=part["id"],
                hovertext=[event_hover(r, sources) for r in part.itertuples()], hoverinfo="text",
                marker={"size": 13, "color": colour, "opacity": 0.85}, legendgroup="events",
            )
        )
    return traces


def fit_view(lats, lons, width_px: int = 900, height_px: int = 600) -> dict:
    """Centre and zoom that show every given point with a margin (web-Mercator maths)."""
    lats = [v for v in lats if v is not None and not pd.isna(v)]
    lons = [v for v in lons if v is not None and not pd.isna(v)]
    if not lats:
        return {"center": {"lat": 15.0, "lon": 0.0}, "zoom": 2}

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85), -85)) / 2))

    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    lon_span = max(east - west, 0.5) * 1.35
    lat_span = max(merc(north) - merc(south), math.radians(0.5)) * 1.35
    # MapLibre draws the world 512 px wide at zoom 0.
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)), math.log2(height_px * 2 * math.pi / (512 * lat_span)), 9)
    centre_lat = math.degrees(2 * math.atan(math.exp((merc(north) + merc(south)) / 2)) - math.pi / 2)
    return {"center": {"lat": round(centre_lat, 4), "lon": round((west + east) / 2, 4)}, "zoom": round(zoom, 2)}


def map_figure(flights: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame, style: dict) -> go.Figure:
    """The route map: legs, airports and events on the offline basemap."""
    figure = go.Figure([*leg_traces(flights, sources), airport_trace(flights), *event_traces(events, sources)])
    view = fit_view(
        [*flights["origin_lat"], *flights["destination_lat"]], [*flights["origin_lon"], *flights["destination_lon"]]
    )
    figure.update_layout(
        map={"style": style, **view},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12}},
        hoverlabel={"align": "left", "bgcolor": "white", "font": {"size": 13}},
        uirevision="map",  # keep the reader's pan and zoom across updates
        paper_bgcolor=WATER,
    )
    return figure
