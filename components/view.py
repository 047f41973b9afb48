"""The records a view shows: the newest good data, cut to the window and the filters.

Every part of the page (map, strip, table, stats, off-map list) asks here, so they always agree.
The cut is done on arrays prepared once per dataset (day numbers, route and airport codes) and
filter masks kept for the last few filters, so moving the window costs what is drawn, not what
the dataset holds. The cache is the same for every user (it depends on the data only).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from components.state import store
from flightmap import arcs, evidence
from flightmap import filters as record_filters
from flightmap import timeline
from flightmap.figures import MAX_DRAWN_ROUTES, fit_view
from flightmap.routes import Located

HOVER_IDS = 30  # ids kept per route in the window: beyond that a route names itself (see figures)
FILTER_MASKS = 16


@dataclass(eq=False)
class Prepared:
    """Arrays of one located dataset, built on first use."""

    located: Located
    flight_start: np.ndarray
    flight_end: np.ndarray
    event_start: np.ndarray
    event_end: np.ndarray
    routes: arcs.RouteIndex
    masks: OrderedDict = field(default_factory=OrderedDict)
    view: dict | None = None
    table_order: np.ndarray | None = None  # the records table's default order (see table)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def filter_masks(self, filter_values: dict | None) -> tuple[np.ndarray, np.ndarray]:
        """(flights kept, events kept) by the filters, as bool arrays; the last few are kept."""
        cleaned = record_filters.clean(filter_values)
        key = json.dumps(cleaned, sort_keys=True)
        with self.lock:
            if key in self.masks:
                self.masks.move_to_end(key)
                return self.masks[key]
        flights, events = self.located.flights, self.located.events
        masks = (
            record_filters.flight_mask(flights, cleaned).to_numpy(dtype=bool) if cleaned else np.ones(len(flights), dtype=bool),
            record_filters.event_mask(events, cleaned).to_numpy(dtype=bool) if cleaned else np.ones(len(events), dtype=bool),
        )
        with self.lock:
            self.masks[key] = masks
            while len(self.masks) > FILTER_MASKS:
                self.masks.popitem(last=False)
        return masks

    def rows(self, window, filter_values: dict | None) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the flights and events that pass the filters and overlap the window."""
        keep_flights, keep_events = self.filter_masks(filter_values)
        first, last = int(window[0]), int(window[1])
        return (
            np.flatnonzero(keep_flights & timeline.window_mask(self.flight_start, self.flight_end, first, last)),
            np.flatnonzero(keep_events & timeline.window_mask(self.event_start, self.event_end, first, last)),
        )


def prepare(located: Located) -> Prepared:
    flights, events = located.flights, located.events
    return Prepared(
        located=located,
        flight_start=timeline.days(flights["date_start"]).astype("int32"),
        flight_end=timeline.days(flights["date_end"]).astype("int32"),
        event_start=timeline.days(events["date_start"]).astype("int32"),
        event_end=timeline.days(events["date_end"]).astype("int32"),
        routes=arcs.route_index(flights),
    )


_cache: list[Prepared] = []
_cache_lock = threading.Lock()


def prepared() -> Prepared | None:
    """The prepared arrays of the store's current data (rebuilt when the data changes)."""
    located = store().current().located
    if located is None:
        return None
    with _cache_lock:
        if _cache and _cache[0].located is located:
            return _cache[0]
        ready = prepare(located)
        _cache[:] = [ready]
        return ready


def filtered(filter_values: dict | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """All records that pass the filters, whatever their dates; None before any good data."""
    ready = prepared()
    if ready is None:
        return None
    keep_flights, keep_events = ready.filter_masks(filter_values)
    return ready.located.flights[keep_flights], ready.located.events[keep_events]


def visible(window, filter_values: dict | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Records that pass the filters and overlap the window [start day, end day]."""
    ready = prepared()
    if ready is None:
        return None
    flight_rows, event_rows = ready.rows(window, filter_values)
    return ready.located.flights.iloc[flight_rows], ready.located.events.iloc[event_rows]


def table(window, filter_values: dict | None, ready: Prepared) -> np.ndarray:
    """Positions of the records table's rows in the window and filters, in the table's default
    order (evidence.TABLE_ORDER). A position counts flights then events: flight i is i, event j
    is the number of flights + j. Only the order is kept per dataset (ints), never the text."""
    flights, events = ready.located.flights, ready.located.events
    if ready.table_order is None:
        ready.table_order = evidence.table_order(flights, events)
    order = ready.table_order
    if not window:
        return np.zeros(0, dtype=order.dtype)
    flight_rows, event_rows = ready.rows(window, filter_values)
    inside = np.zeros(len(flights) + len(events), dtype=bool)
    inside[flight_rows] = True
    inside[len(flights) + event_rows] = True
    return order[inside[order]]


def table_rows_at(ready: Prepared, positions) -> pd.DataFrame:
    """The records table's rows at these positions (see table), in the order given."""
    flights, events = ready.located.flights, ready.located.events
    positions = np.asarray(positions, dtype="int64")
    is_flight = positions < len(flights)
    rows = evidence.table_frame(flights.iloc[positions[is_flight]], events.iloc[positions[~is_flight] - len(flights)])
    # table_frame puts the flights first, then the events: back to the order asked for.
    where = np.empty(len(positions), dtype="int64")
    where[is_flight] = np.arange(int(is_flight.sum()))
    where[~is_flight] = int(is_flight.sum()) + np.arange(int((~is_flight).sum()))
    return rows.iloc[where].reset_index(drop=True)


@dataclass(frozen=True)
class MapRecords:
    """What the map draws for a view, pre-aggregated: see figures.map_figure."""

    flights: pd.DataFrame  # only the records that route hover texts name
    events: pd.DataFrame
    routes: pd.DataFrame
    airports: pd.DataFrame
    flight_count: int


def map_records(window, filter_values: dict | None, ready: Prepared | None = None) -> MapRecords | None:
    ready = ready or prepared()
    if ready is None:
        return None
    flight_rows, event_rows = ready.rows(window, filter_values)
    # Ids only for the routes the map will draw (figures draws the busiest MAX_DRAWN_ROUTES).
    routes = arcs.window_routes(ready.routes, flight_rows, max_ids=HOVER_IDS, with_rows=True, ids_for_busiest=MAX_DRAWN_ROUTES)
    flights = ready.located.flights
    # The route hover texts name the first six records of each route: only those rows are taken.
    named = np.unique(np.concatenate([r[:6] for r in routes["rows"]])) if len(routes) else np.zeros(0, dtype="int64")
    hover_rows = flights.iloc[named]
    return MapRecords(
        flights=hover_rows, events=ready.located.events.iloc[event_rows], routes=routes,
        airports=arcs.window_airports(ready.routes, flight_rows), flight_count=len(flight_rows),
    )


def dataset_view() -> dict | None:
    """Centre and zoom framing every placed leg end of the dataset (computed once per dataset)."""
    ready = prepared()
    if ready is None:
        return None
    if ready.view is None:
        # Every placed leg end once: the same frame as fitting every leg, at a fraction of the cost.
        ready.view = fit_view(ready.routes.airports["lat"], ready.routes.airports["lon"])
    return ready.view
