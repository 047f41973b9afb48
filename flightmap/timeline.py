"""Time: integer day numbers for the slider, the window overlap rule, the timeline strip and
playback steps. Pure functions over the located tables; nothing here imports dash.

A record is in a window when its closed date interval [date_start, date_end] overlaps the
closed window [window start, window end]: every function below that cuts by time uses
`overlaps`, so the map, the strip and the stats always agree on what is shown.
"""
from __future__ import annotations

import heapq

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from flightmap.figures import DATED_COLOUR, DISPUTED_COLOUR, EVENT_COLOURS, PATTERN_COLOUR, plotly_text

EPOCH = pd.Timestamp("1970-01-01")
ONE_DAY = pd.Timedelta(days=1)
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS

EVENT_SYMBOLS = {
    "sighting": "star",
    "incident": "x",
    "military": "triangle-up",
    "political": "diamond",
    "context": "circle",
}
WINDOW_FILL = "rgba(0,114,178,0.08)"
HEIGHT_PX = 170
MARGIN = {"l": 20, "r": 20, "t": 8, "b": 24}

# Lanes in units of the (hidden) numeric y axis, bottom to top; fixed so they never overlap.
BAR_TOP = 0.9  # lane 1: weekly bars from 0 up to this height (tallest week)
SPAN_BAND = (1.15, 1.85)  # lane 2: span rows spread over this band
EVENT_Y = 2.5  # lane 3: events, same-period events stacked around this line
EVENT_OFFSETS = np.array([0.0, 0.28, -0.28])
Y_RANGE = [-0.05, 3.0]
EVENT_SIZE, SELECTED_SIZE = 11, 17
DIMMED = 0.35  # opacity of bars and event markers outside the window

_DATED_UNCERTAIN_COLOUR = DATED_COLOUR


# ----------------------------------------------------------------------------- day numbers

def _timestamp(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError(f"not a date: {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def to_day(value) -> int:
    """Days since 1970-01-01 of a date (anything pd.Timestamp accepts); a time of day is dropped."""
    return int((_timestamp(value).normalize() - EPOCH) // ONE_DAY)


def from_day(day: int) -> pd.Timestamp:
    """The midnight Timestamp of a day number."""
    return EPOCH + pd.Timedelta(days=int(day))


def days(series) -> np.ndarray:
    """Vectorised `to_day` for a Series / array of dates (int64). Dates must not be missing."""
    values = pd.to_datetime(pd.Series(series, copy=False) if not isinstance(series, pd.Series) else series)
    if values.isna().any():
        raise ValueError("days() needs every date; found a missing one")
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


# ----------------------------------------------------------------------------- the window

def overlaps(starts, ends, window_start, window_end) -> pd.Series:
    """THE overlap rule: closed [start, end] overlaps closed [window_start, window_end].

    Compared by calendar day: a record on the window's first or last day is in it.
    """
    first, last = _timestamp(window_start).normalize(), _timestamp(window_end).normalize()
    if last < first:
        raise ValueError(f"window ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d})")
    starts = starts if isinstance(starts, pd.Series) else pd.Series(starts)
    ends = ends if isinstance(ends, pd.Series) else pd.Series(ends, index=starts.index)
    starts, ends = pd.to_datetime(starts), pd.to_datetime(ends)
    return ((starts <= last) & (ends >= first)).astype(bool)


def window_mask(start_days: np.ndarray, end_days: np.ndarray, first_day: int, last_day: int) -> np.ndarray:
    """`overlaps` on day numbers (from `days`): a bool array, for tables cut many times.

    Two comparisons over int32 arrays cost about a millisecond per million records, less than
    binary search plus putting the rows back in table order.
    """
    if last_day < first_day:
        raise ValueError(f"window ends ({from_day(last_day):%Y-%m-%d}) before it starts ({from_day(first_day):%Y-%m-%d})")
    return (start_days <= last_day) & (end_days >= first_day)


def in_window(flights: pd.DataFrame, events: pd.DataFrame, window_start, window_end) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records of both tables that overlap the window (new frames, original index kept)."""
    keep_flights = overlaps(flights["date_start"], flights["date_end"], window_start, window_end)
    keep_events = overlaps(events["date_start"], events["date_end"], window_start, window_end)
    return flights[keep_flights.to_numpy()], events[keep_events.to_numpy()]


def data_span(flights: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Earliest start and latest end over both tables."""
    starts = pd.concat([flights["date_start"], events["date_start"]]).dropna()
    ends = pd.concat([flights["date_end"], events["date_end"]]).dropna()
    if starts.empty or ends.empty:
        raise ValueError("no dated records: both the flights and the events tables are empty")
    return pd.Timestamp(starts.min()), pd.Timestamp(ends.max())


def default_window(flights: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span of the flights table; the span of both tables when there are no flights."""
    starts, ends = flights["date_start"].dropna(), flights["date_end"].dropna()
    if starts.empty or ends.empty:
        return data_span(flights, events)
    return pd.Timestamp(starts.min()), pd.Timestamp(ends.max())


def zoom_span(window: list[int], low: int, high: int, margin: float = 0.05, least_days: int = 14) -> list[int]:
    """The detail span the slider and strip show round a window: the window and a margin each
    side (at least a week), inside [low, high]."""
    start, end = int(window[0]), int(window[1])
    pad = max(7, round((end - start + 1) * margin))
    lo, hi = max(low, start - pad), min(high, end + pad)
    if hi - lo < least_days:
        lo, hi = max(low, min(lo, hi - least_days)), min(high, max(hi, lo + least_days))
    return [lo, hi]


# ----------------------------------------------------------------------------- slider marks

def month_marks(day0: int, day1: int, max_labels: int = 12) -> dict[int, dict]:
    """Dash slider marks on the first day of each month inside [day0, day1], thinned.

    The step is the smallest of every 1, 2, 3, 6 or 12 months (then whole multiples of 12)
    that leaves at most `max_labels` marks; thinned marks stay on calendar boundaries
    (every 3 months = Jan, Apr, Jul, Oct). January and the first mark carry the year
    ("Aug 2023"), the others only the month ("Sep"). Only labelled months get a mark.
    When no month starts inside the range, both ends are marked with their full date.
    """
    if max_labels < 1:
        raise ValueError("max_labels must be at least 1")
    day0, day1 = int(day0), int(day1)
    if day1 < day0:
        raise ValueError("day1 is before day0")
    first, last = from_day(day0), from_day(day1)
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    months = months[months >= first]
    if len(months) == 0:
        ends = {day0: first, day1: last}
        return {day: {"label": stamp.strftime("%d %b %Y")} for day, stamp in ends.items()}
    index = months.year * 12 + months.month - 1  # months since year 0, calendar-aligned
    step = next((s for s in (1, 2, 3, 6, 12) if int((index % s == 0).sum()) <= max_labels), None)
    if step is None:
        years = int(np.ceil(len(months) / 12 / max_labels))
        step = 12 * years
        while int((index % step == 0).sum()) > max_labels:
            step += 12
    chosen = months[index % step == 0]
    if len(chosen) == 0:  # a short range between thinned months: mark its first month
        chosen = months[:1]
    labels = np.where(chosen.month == 1, chosen.strftime("%b %Y"), chosen.strftime("%b")).astype(object)
    labels[0] = chosen[0].strftime("%b %Y")
    return {int(day): {"label": str(label)} for day, label in zip(days(pd.Series(chosen)), labels)}


# ----------------------------------------------------------------------------- counts

def _count_or_one(flights: pd.DataFrame) -> pd.Series:
    return flights["flights_count"].astype("Float64").fillna(1).astype("int64")


def weekly_counts(flights: pd.DataFrame) -> pd.DataFrame:
    """Dated, day-precision flights per ISO week (Monday start); an unknown count counts as 1.

    Month- or range-precision records and patterns are spans, not bars: they are left out.
    """
    dated = flights[(flights["kind"] == "dated") & (flights["date_precision"] == "day")]
    if dated.empty:
        return pd.DataFrame({"week_start": pd.Series(dtype="datetime64[ns]"), "dated_flights": pd.Series(dtype="int64")})
    start = pd.to_datetime(dated["date_start"]).dt.normalize()
    week = start - pd.to_timedelta(start.dt.day_of_week, unit="D")
    counts = _count_or_one(dated).groupby(week.to_numpy()).sum()
    return pd.DataFrame({"week_start": pd.to_datetime(counts.index), "dated_flights": counts.to_numpy(dtype="int64")})


def window_stats(flights: pd.DataFrame, events: pd.DataFrame) -> dict:
    """Totals for records already cut to a window; plain ints (JSON-ready).

    distance_km counts every dated flight with both ends known (distance × flights, unknown
    count = 1); pattern_loop_km is one circuit of the pattern legs, since how many times a
    pattern was flown is not known.
    """
    dated = flights["kind"] == "dated"
    pattern = flights["kind"] == "pattern"
    counts = _count_or_one(flights)
    known = dated & flights["distance_km"].notna()
    ends = pd.concat([
        flights.loc[flights["origin_lat"].notna() & flights["origin_lon"].notna(), "origin_name"],
        flights.loc[flights["destination_lat"].notna() & flights["destination_lon"].notna(), "destination_name"],
    ])
    return {
        "dated_flights": int(counts[dated].sum()),
        "dated_records": int(dated.sum()),
        "dated_flights_measured": int(counts[known].sum()),  # the dated flights distance_km covers
        "pattern_legs": int(pattern.sum()),
        "distance_km": int(round(float((flights.loc[known, "distance_km"] * counts[known]).sum()))),
        "pattern_loop_km": int(round(float(flights.loc[pattern, "distance_km"].sum(skipna=True)))),
        "airports": int(ends[ends != ""].nunique()),
        "events": int(len(events)),
        "events_unplaced": int(events["lat"].isna().sum()),
        "disputed": int((flights["confidence"] == "disputed").sum() + (events["confidence"] == "disputed").sum()),
    }


# ----------------------------------------------------------------------------- playback

def step_event(events: pd.DataFrame, current_day: int, direction: int) -> int | None:
    """Start day of the next event strictly after (direction +1) or before (-1) current_day."""
    if direction not in (1, -1):
        raise ValueError("direction must be +1 or -1")
    starts = days(events["date_start"].dropna()) if len(events) else np.array([], dtype="int64")
    candidates = starts[starts > current_day] if direction > 0 else starts[starts < current_day]
    if candidates.size == 0:
        return None
    return int(candidates.min() if direction > 0 else candidates.max())


def shift_window(start_day: int, end_day: int, step_days: int, mode: str, span_days: tuple[int, int]) -> tuple[int, int, bool]:
    """One playback step: (start, end, finished).

    "sliding" moves both ends by step_days, keeping the width; "growing" moves only the end.
    Both stay inside span_days = (first, last); a negative step goes back. finished is True
    when the end has reached the span's last day (also when it was already there).
    """
    low, high = int(span_days[0]), int(span_days[1])
    if high < low:
        raise ValueError("span_days ends before it starts")
    start = min(max(int(start_day), low), high)
    end = min(max(int(end_day), start), high)
    step = int(step_days)
    if mode == "sliding":
        shift = min(max(step, low - start), high - end)
        start, end = start + shift, end + shift
    elif mode == "growing":
        end = min(max(end + step, start), high)
    else:
        raise ValueError(f"mode must be 'sliding' or 'growing', not {mode!r}")
    return start, end, end >= high


# ----------------------------------------------------------------------------- the strip

def _escape(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).map(plotly_text)


def _date_text(start: pd.Series, end: pd.Series, precision: pd.Series) -> pd.Series:
    """'20 Aug 2023', 'October 2023' (month precision) or '20 Aug 2023 – 22 Mar 2024'."""
    first = start.dt.strftime("%d %b %Y")
    text = np.where(
        precision.to_numpy() == "month",
        start.dt.strftime("%B %Y").to_numpy(),
        np.where((start == end).to_numpy(), first.to_numpy(), (first + " – " + end.dt.strftime("%d %b %Y")).to_numpy()),
    )
    return pd.Series(text, index=start.index, dtype=object)


def _ms(series: pd.Series) -> np.ndarray:
    return days(series).astype("float64") * DAY_MS


def _segments(start_ms: np.ndarray, end_ms: np.ndarray, y: np.ndarray, hover: np.ndarray, points: int = 9) -> dict:
    """x/y/hover arrays for horizontal segments separated by None. Intermediate points let hover
    fire along a long span, not only at its ends."""
    n = len(start_ms)
    if n == 0:
        return {"x": [], "y": [], "hovertext": []}
    fractions = np.linspace(0.0, 1.0, points)
    xs = start_ms[:, None] + fractions[None, :] * (end_ms - start_ms)[:, None]
    x = pd.to_datetime(xs.ravel(), unit="ms").to_numpy().reshape(n, points).astype(object)
    x = np.hstack([x, np.full((n, 1), None, dtype=object)]).ravel()
    ys = np.hstack([np.repeat(y[:, None].astype(object), points, axis=1), np.full((n, 1), None, dtype=object)]).ravel()
    hovers = np.repeat(np.asarray(hover, dtype=object), points + 1)
    return {"x": list(x), "y": list(ys), "hovertext": list(hovers)}


def _pack_rows(start_day: np.ndarray, end_day: np.ndarray, max_rows: int = 8) -> np.ndarray:
    """Rows so that overlapping spans sit on different rows (a free row is reused), at most
    `max_rows` of them: beyond that, rows are shared again."""
    rows = np.zeros(len(start_day), dtype="int64")
    free: list[tuple[int, int]] = []  # (last day drawn, row), smallest first
    count = 0
    for i in np.argsort(start_day, kind="stable"):
        if free and free[0][0] < start_day[i]:
            _, row = heapq.heappop(free)
        else:
            row, count = count, count + 1
        rows[i] = row
        heapq.heappush(free, (int(end_day[i]), row))
    return rows % max_rows


def _flight_label(flights: pd.DataFrame) -> pd.Series:
    count = flights["flights_count"]
    known = count.astype("Float64").fillna(0).astype("int64").to_numpy()
    plural = np.where(count.isna().to_numpy(), "dated flight(s), count unknown",
                      np.where(known > 1, np.char.add(known.astype(str), " dated flights"), "dated flight"))
    label = np.where((flights["kind"] == "pattern").to_numpy(), "reported pattern", plural)
    disputed = np.where((flights["confidence"] == "disputed").to_numpy(), " (disputed)", "")
    return pd.Series(np.char.add(label.astype(str), disputed.astype(str)), index=flights.index)


def _span_traces(flights: pd.DataFrame) -> list[go.Scatter]:
    """Lane 2: patterns, and dated records known only to a month or a range, as date spans."""
    uncertain = (flights["kind"] == "dated") & flights["date_precision"].isin(["month", "range"])
    spans = flights[(flights["kind"] == "pattern") | uncertain]
    if spans.empty:
        return []
    start_day, end_day = days(spans["date_start"]), days(spans["date_end"])
    rows = _pack_rows(start_day, end_day)
    n_rows = int(rows.max()) + 1
    low, high = SPAN_BAND
    y = np.full(len(spans), (low + high) / 2) if n_rows == 1 else low + (high - low) * rows / (n_rows - 1)
    hover = (
        _escape(spans["origin_name"]).replace("", "origin not reported") + " → "
        + _escape(spans["destination_name"]).replace("", "destination not reported") + " · "
        + _flight_label(spans) + " · " + _date_text(spans["date_start"], spans["date_end"], spans["date_precision"])
    ).to_numpy()
    style = np.where((spans["confidence"] == "disputed").to_numpy(), "disputed",
                     np.where((spans["kind"] == "pattern").to_numpy(), "reported pattern", "dated, date uncertain"))
    colours = {"reported pattern": PATTERN_COLOUR, "dated, date uncertain": _DATED_UNCERTAIN_COLOUR, "disputed": DISPUTED_COLOUR}
    start_ms, end_ms = start_day.astype("float64") * DAY_MS, (end_day + 1).astype("float64") * DAY_MS
    traces = []
    for name, colour in colours.items():
        part = style == name
        if not part.any():
            continue
        traces.append(go.Scatter(
            name=name, mode="lines", **_segments(start_ms[part], end_ms[part], y[part], hover[part]),
            hoverinfo="text", line={"color": colour, "width": 6}, connectgaps=False,
        ))
    return traces


def _event_traces(events: pd.DataFrame, window: tuple, span: tuple, selected_event: str | None) -> list[go.Scatter]:
    """Lane 3: one marker trace for every event (customdata = event id), plus thin lines for
    events with a date range, in the category's colour."""
    events = events.sort_values("date_start", kind="stable")
    start_day, end_day = days(events["date_start"]), days(events["date_end"])
    # Stack events that would overlap on screen: ~1/80 of the span is one marker's width.
    bucket = max(1, (to_day(span[1]) - to_day(span[0])) // 80)
    stack = pd.Series(start_day // bucket).groupby(start_day // bucket).cumcount().to_numpy(dtype="int64")
    y = EVENT_Y + EVENT_OFFSETS[stack % len(EVENT_OFFSETS)]
    category = events["category"].to_numpy()
    hover = (
        "<b>" + _escape(events["title"]) + "</b><br>"
        + _date_text(events["date_start"], events["date_end"], events["date_precision"]) + " · "
        + _escape(events["category"]) + " · " + _escape(events["place_name"]).replace("", "place unknown")
    ).to_numpy(dtype=object)
    ids = events["id"].astype(str).to_numpy()
    colour = np.array([EVENT_COLOURS.get(c, "#7F7F7F") for c in category], dtype=object)
    selected = ids == selected_event if selected_event is not None else np.zeros(len(events), dtype=bool)
    inside = overlaps(events["date_start"], events["date_end"], *window).to_numpy(dtype=bool)

    traces = []
    ranged = end_day > start_day
    for name, line_colour in EVENT_COLOURS.items():
        part = ranged & (category == name)
        if not part.any():
            continue
        seg = _segments(start_day[part] * float(DAY_MS), (end_day[part] + 1) * float(DAY_MS), y[part], hover[part], points=5)
        traces.append(go.Scatter(
            name=f"event span: {name}", mode="lines", **seg, hoverinfo="text",
            customdata=list(np.repeat(ids[part], 6)), line={"color": line_colour, "width": 2},
        ))
    traces.append(go.Scatter(
        name="events", mode="markers", x=list(pd.to_datetime(events["date_start"])), y=list(y),
        customdata=list(ids), hovertext=list(hover), hoverinfo="text",
        marker={
            "color": list(colour),
            "symbol": [EVENT_SYMBOLS.get(c, "circle") for c in category],
            "size": list(np.where(selected, SELECTED_SIZE, EVENT_SIZE)),
            "opacity": list(np.where(inside | selected, 1.0, DIMMED)),
            "line": {
                "color": list(np.where(selected, "black", colour).astype(object)),
                "width": list(np.where(selected, 2.5, 0.5)),
            },
        },
    ))
    return traces


def _bar_trace(flights: pd.DataFrame, window: tuple) -> go.Bar:
    """Lane 1: dated flights per week, heights scaled to the lane; customdata = true counts."""
    weeks = weekly_counts(flights)
    counts = weeks["dated_flights"].to_numpy(dtype="int64")
    tallest = counts.max() if len(counts) else 1
    hover = ("week of " + weeks["week_start"].dt.strftime("%d %b %Y") + ": " + weeks["dated_flights"].astype(str)
             + np.where(counts == 1, " dated flight", " dated flights")).tolist() if len(weeks) else []
    inside = overlaps(weeks["week_start"], weeks["week_start"] + pd.Timedelta(days=6), *window).to_numpy(dtype=bool)
    return go.Bar(
        name="dated flights per week", x=list(weeks["week_start"]), y=list(counts / tallest * BAR_TOP),
        customdata=[int(c) for c in counts], hovertext=hover, hoverinfo="text",
        width=[WEEK_MS] * len(weeks), offset=0,  # a bar covers its week, Monday to Sunday
        marker={"color": DATED_COLOUR, "opacity": list(np.where(inside, 1.0, DIMMED)), "line": {"width": 0}},
    )


def window_changes(flights: pd.DataFrame, events: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp],
                   selected_event: str | None = None) -> dict:
    """What moving the window changes in timeline_figure's drawing of the same records, so that a
    slider move can patch the strip instead of sending it again (at 100k flights the strip is
    megabytes): the band's ends, the bars' opacities, and the event markers' opacities with the
    index of their trace (the last one).
    """
    first, last = _timestamp(window[0]).normalize(), _timestamp(window[1]).normalize()
    weeks = weekly_counts(flights)
    bars = overlaps(weeks["week_start"], weeks["week_start"] + pd.Timedelta(days=6), first, last).to_numpy(dtype=bool)
    ordered = events.sort_values("date_start", kind="stable")
    inside = overlaps(ordered["date_start"], ordered["date_end"], first, last).to_numpy(dtype=bool)
    chosen = ordered["id"].astype(str).to_numpy() == selected_event if selected_event is not None else np.zeros(len(ordered), dtype=bool)
    # Trace order in timeline_figure: bars, one per span style present, one per category with a
    # ranged event, then the event markers.
    uncertain = (flights["kind"] == "dated") & flights["date_precision"].isin(["month", "range"])
    spans = flights[(flights["kind"] == "pattern") | uncertain]
    styles = set(np.where((spans["confidence"] == "disputed").to_numpy(), "disputed",
                          np.where((spans["kind"] == "pattern").to_numpy(), "pattern", "uncertain")).tolist())
    ranged = ordered.loc[days(ordered["date_end"]) > days(ordered["date_start"]), "category"] if len(ordered) else ordered["category"]
    span_categories = set(ranged) & set(EVENT_COLOURS)
    return {
        "band": [first.strftime("%Y-%m-%d"), (last + ONE_DAY).strftime("%Y-%m-%d")],
        "bar_opacity": np.where(bars, 1.0, DIMMED).tolist(),
        "event_trace": 1 + len(styles) + len(span_categories),
        "event_opacity": np.where(inside | chosen, 1.0, DIMMED).tolist(),
    }


def timeline_figure(flights: pd.DataFrame, events: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp],
                    span: tuple[pd.Timestamp, pd.Timestamp], selected_event: str | None = None) -> go.Figure:
    """A 170 px strip under the map, x range exactly `span` so it lines up with the slider.

    Bottom lane: dated flights per week; middle: date spans (patterns, uncertain dates);
    top: events (click one: its id is the point's customdata). The window is a light band.
    """
    span0, span1 = _timestamp(span[0]).normalize(), _timestamp(span[1]).normalize()
    first, last = _timestamp(window[0]).normalize(), _timestamp(window[1]).normalize()
    figure = go.Figure([
        _bar_trace(flights, (first, last)),
        *_span_traces(flights),
        *_event_traces(events, (first, last), (span0, span1), selected_event),
    ])
    figure.update_layout(
        height=HEIGHT_PX,
        margin=MARGIN,
        showlegend=False,
        dragmode=False,
        hovermode="closest",
        bargap=0,
        uirevision="timeline",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(255,255,255,0.6)",
        hoverlabel={"align": "left", "bgcolor": "white", "font": {"size": 12}},
        xaxis={
            "type": "date", "range": [span0.strftime("%Y-%m-%d"), span1.strftime("%Y-%m-%d")], "autorange": False,
            "fixedrange": True, "showgrid": True, "gridcolor": "rgba(0,0,0,0.06)", "tickfont": {"size": 10},
            "ticks": "outside", "ticklen": 3,
        },
        yaxis={"range": Y_RANGE, "autorange": False, "fixedrange": True, "showticklabels": False, "ticks": "",
               "showgrid": False, "zeroline": False},
        shapes=[{
            "type": "rect", "xref": "x", "yref": "paper", "layer": "below",
            "x0": first.strftime("%Y-%m-%d"), "x1": (last + ONE_DAY).strftime("%Y-%m-%d"), "y0": 0, "y1": 1,
            "fillcolor": WINDOW_FILL, "line": {"width": 0},
        }],
    )
    return figure
