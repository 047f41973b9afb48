"""The records a view shows: the newest good data, cut to the window and the filters.

Every part of the page (map, strip, table, stats, off-map list) asks here, so they always agree.
"""
from __future__ import annotations

import pandas as pd

from components.state import store
from flightmap import filters as record_filters
from flightmap import timeline


def filtered(filter_values: dict | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """All records that pass the filters, whatever their dates; None before any good data."""
    located = store().current().located
    if located is None:
        return None
    return record_filters.apply(located.flights, located.events, record_filters.clean(filter_values))


def visible(window, filter_values: dict | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Records that pass the filters and overlap the window [start day, end day]."""
    records = filtered(filter_values)
    if records is None:
        return None
    return timeline.in_window(*records, timeline.from_day(window[0]), timeline.from_day(window[1]))
