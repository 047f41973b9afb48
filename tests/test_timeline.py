"""The time window: day numbers, the overlap rule, the strip under the map, stats and playback."""
from __future__ import annotations

import pandas as pd
import pytest

from flightmap.figures import PATTERN_COLOUR
from flightmap.loader import load_dataset
from flightmap.routes import locate
from flightmap.timeline import (
    data_span,
    days,
    default_window,
    from_day,
    in_window,
    month_marks,
    overlaps,
    shift_window,
    step_event,
    timeline_figure,
    to_day,
    weekly_counts,
    window_stats,
)
from tests.conftest import DEFAULT_DATA

T = pd.Timestamp
WINDOW = (T("2023-10-10"), T("2023-10-20"))


@pytest.fixture(scope="module")
def located():
    return locate(load_dataset(DEFAULT_DATA))


def trace(figure, name):
    return next(t for t in figure.data if t.name == name)


# --- day numbers -------------------------------------------------------------------------

def test_day_numbers_count_days_since_1970_and_round_trip():
    assert to_day("1970-01-01") == 0 and to_day(T("1970-01-02 23:59")) == 1
    assert to_day("1969-12-31") == -1
    day = to_day("2023-10-12")
    assert day == 19642 and from_day(day) == T("2023-10-12")
    assert all(to_day(from_day(d)) == d for d in (-400, 0, 19642, 20000))
    assert list(days(pd.Series([T("2023-10-12"), T("1970-01-01")]))) == [19642, 0]


# --- the overlap rule ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [
        ("2023-10-01", "2023-10-10", True),  # ends on the window's first day
        ("2023-10-20", "2023-10-25", True),  # starts on the window's last day
        ("2023-10-10", "2023-10-10", True),  # a single day on the first day
        ("2023-10-20", "2023-10-20", True),  # a single day on the last day
        ("2023-08-20", "2024-03-22", True),  # a range spanning the whole window
        ("2023-10-12", "2023-10-14", True),  # inside
        ("2023-10-01", "2023-10-09", False),  # entirely before
        ("2023-10-21", "2023-10-30", False),  # entirely after
    ],
)
def test_overlap_rule_uses_closed_intervals(start, end, inside):
    result = overlaps(pd.Series([T(start)]), pd.Series([T(end)]), *WINDOW)
    assert bool(result.iloc[0]) is inside


def test_overlap_keeps_the_index_and_refuses_a_reversed_window():
    starts = pd.Series([T("2023-10-12"), T("2023-11-01")], index=[7, 9])
    assert overlaps(starts, starts, *WINDOW).to_dict() == {7: True, 9: False}
    with pytest.raises(ValueError):
        overlaps(starts, starts, T("2023-10-20"), T("2023-10-10"))


def test_in_window_on_default_data(located):
    flights, events = in_window(located.flights, located.events, *WINDOW)
    ids = set(flights["id"])
    assert {"loop-1", "loop-2", "loop-3", "loop-4"} <= ids  # patterns span the window
    assert {"tessalit-airlift", "tessalit-under-fire", "minusma-c130-tessalit"} <= ids  # 12, 16, 19 Oct
    assert "gao-overrun" not in ids  # 23 Sep
    assert set(events["id"]) == {"kidal-offensive", "tessalit-fire-landing", "minusma-c130-hit"}
    assert len(located.flights) == 8  # the input is not cut in place


def test_spans(located):
    assert data_span(located.flights, located.events) == (T("2019-11-01"), T("2024-08-05"))
    assert default_window(located.flights, located.events) == (T("2023-08-20"), T("2024-03-22"))
    no_flights = located.flights.iloc[0:0]
    assert default_window(no_flights, located.events) == (T("2019-11-01"), T("2024-08-05"))
    with pytest.raises(ValueError):
        data_span(no_flights, located.events.iloc[0:0])


# --- slider marks -----------------------------------------------------------------------

def test_month_marks_label_first_days_of_months():
    marks = month_marks(to_day("2023-08-20"), to_day("2024-03-22"))
    assert [from_day(d) for d in marks] == list(pd.date_range("2023-09-01", "2024-03-01", freq="MS"))
    labels = [m["label"] for m in marks.values()]
    assert labels == ["Sep 2023", "Oct", "Nov", "Dec", "Jan 2024", "Feb", "Mar"]
    # A month starting on the first day counts.
    assert month_marks(to_day("2023-08-01"), to_day("2023-09-15"))[to_day("2023-08-01")] == {"label": "Aug 2023"}


def test_month_marks_thin_to_calendar_steps():
    # 2019-11 .. 2024-08 is 58 months: every 6 months (Jan, Jul) leaves 10 labels.
    marks = month_marks(to_day("2019-11-01"), to_day("2024-08-05"))
    labels = [m["label"] for m in marks.values()]
    assert labels == ["Jan 2020", "Jul", "Jan 2021", "Jul", "Jan 2022", "Jul", "Jan 2023", "Jul", "Jan 2024", "Jul"]
    assert {from_day(d).month for d in marks} == {1, 7}
    # 18 months with at most 12 labels: every 2 months.
    two = month_marks(to_day("2023-01-01"), to_day("2024-06-30"))
    assert len(two) == 9 and all(from_day(d).month % 2 == 1 for d in two)
    for limit in (1, 3, 5, 12):
        assert 1 <= len(month_marks(to_day("2000-01-01"), to_day("2030-12-31"), max_labels=limit)) <= limit


# --- weekly counts -----------------------------------------------------------------------

def test_weekly_counts_on_default_data(located):
    weeks = weekly_counts(located.flights).set_index("week_start")["dated_flights"]
    assert all(day.weekday() == 0 for day in weeks.index)
    # 2023-10-16 is a Monday: tessalit-airlift (2 flights, 12 Oct) is the week of 9 Oct; the
    # 16 Oct and 19 Oct flights (1 each) are the week of 16 Oct.
    assert weeks[T("2023-10-09")] == 2
    assert weeks[T("2023-10-16")] == 2
    assert weeks[T("2023-09-18")] == 1  # gao-overrun, 23 Sep
    assert weeks.sum() == 5  # the four loop patterns are spans, not bars


def test_weekly_counts_unknown_count_is_one_and_spans_are_not_bars(located):
    flights = located.flights.copy()
    flights.loc[flights["id"] == "tessalit-airlift", "flights_count"] = pd.NA
    flights.loc[flights["id"] == "minusma-c130-tessalit", "date_precision"] = "month"
    weeks = weekly_counts(flights).set_index("week_start")["dated_flights"]
    assert weeks[T("2023-10-09")] == 1 and weeks[T("2023-10-16")] == 1


# --- the strip ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strip(located):
    span = data_span(located.flights, located.events)
    return timeline_figure(located.flights, located.events, WINDOW, span, selected_event="gao-crash")


def test_strip_bars_total_the_dated_flights(located, strip):
    bars = trace(strip, "dated flights per week")
    assert sum(bars.customdata) == window_stats(located.flights, located.events)["dated_flights"] == 5
    assert max(bars.y) <= 1 and "week of 09 Oct 2023: 2 dated flights" in bars.hovertext
    assert bars.width[0] == 7 * 86_400_000


def test_strip_events_are_clickable_and_the_selection_stands_out(strip):
    events = trace(strip, "events")
    ids = list(events.customdata)
    assert "gao-crash" in ids and len(ids) == 22
    crash = ids.index("gao-crash")
    assert events.marker.size[crash] > max(s for i, s in enumerate(events.marker.size) if i != crash)
    assert events.marker.line.color[crash] == "black"
    assert events.marker.symbol[ids.index("bamako-sighting")] == "star"


def test_strip_spans_show_patterns_with_their_dates(strip):
    spans = trace(strip, "reported pattern")
    assert "Bamako → Gao · reported pattern · 20 Aug 2023 – 22 Mar 2024" in spans.hovertext
    ends = {pd.Timestamp(x) for x in spans.x if x is not None}
    assert max(ends) == T("2024-03-23")  # the last day is drawn whole
    assert spans.line.color == PATTERN_COLOUR and None in spans.x


def test_strip_axes_and_window(located, strip):
    span = data_span(located.flights, located.events)
    assert [T(v) for v in strip.layout.xaxis.range] == list(span)
    assert strip.layout.xaxis.type == "date" and strip.layout.height == 170
    (window,) = strip.layout.shapes
    assert (T(window.x0), T(window.x1)) == (T("2023-10-10"), T("2023-10-21"))
    assert window.fillcolor == "rgba(0,114,178,0.08)" and window.yref == "paper"
    assert strip.layout.dragmode is False and strip.layout.showlegend is False
    assert strip.layout.yaxis.showticklabels is False


def test_strip_escapes_text_from_data(located):
    events = located.events.copy()
    events.loc[events["id"] == "gao-crash", "title"] = "<b>x</b>"
    flights = located.flights.copy()
    flights.loc[flights["id"] == "loop-1", "origin_name"] = "<script>"
    span = data_span(flights, events)
    figure = timeline_figure(flights, events, WINDOW, span)
    hover = trace(figure, "events").hovertext[list(trace(figure, "events").customdata).index("gao-crash")]
    assert "&lt;b&gt;x&lt;/b&gt;" in hover and "<b>x</b>" not in hover
    assert not any("<script>" in h for h in trace(figure, "reported pattern").hovertext)
    assert located.events.set_index("id").at["gao-crash", "title"] != "<b>x</b>"  # input untouched


def test_strip_draws_with_no_events(located):
    span = default_window(located.flights, located.events)
    figure = timeline_figure(located.flights, located.events.iloc[0:0], span, span)
    assert list(trace(figure, "events").customdata or []) == []
    figure.to_json()


# --- stats -------------------------------------------------------------------------------

def test_window_stats_over_the_full_span(located):
    stats = window_stats(located.flights, located.events)
    assert stats["dated_flights"] == 5 and stats["dated_records"] == 4
    assert stats["pattern_legs"] == 4
    assert stats["distance_km"] == 0  # no dated flight has a reported origin
    assert stats["pattern_loop_km"] == pytest.approx(950 + 454 + 760 + 1104, abs=30)
    assert stats["airports"] == 4  # Bamako, Gao, Tessalit, Niamey
    assert stats["events"] == 22 and stats["events_unplaced"] == 3
    assert stats["disputed"] == 2 + 3  # gao-overrun, tessalit-under-fire; three events


def test_window_stats_in_a_window(located):
    stats = window_stats(*in_window(located.flights, located.events, *WINDOW))
    assert stats["dated_flights"] == 4 and stats["dated_records"] == 3
    assert stats["events"] == 3 and stats["events_unplaced"] == 1  # the Kidal offensive has no place
    assert stats["disputed"] == 2


def test_window_stats_multiplies_known_distances_by_flights(located):
    flights = located.flights.copy()
    row = flights["id"] == "tessalit-airlift"  # 2 flights
    flights.loc[row, ["origin_name", "origin_lat", "origin_lon"]] = ["Gao", 16.2484, -0.0054]
    flights.loc[row, "distance_km"] = 454.0
    assert window_stats(flights, located.events)["distance_km"] == 908
    assert window_stats(flights, located.events)["airports"] == 4


# --- playback ----------------------------------------------------------------------------

def test_step_event_forward_backward_and_at_the_ends(located):
    events = located.events
    oct12 = to_day("2023-10-12")
    assert step_event(events, oct12, +1) == to_day("2023-10-16")
    assert step_event(events, oct12, -1) == to_day("2023-10-07")
    assert step_event(events, to_day("2023-10-16"), +1) == to_day("2023-10-19")  # strictly after
    assert step_event(events, to_day("2024-08-05"), +1) is None
    assert step_event(events, to_day("2019-11-01"), -1) is None
    assert step_event(events, to_day("2019-01-01"), +1) == to_day("2019-11-01")


def test_shift_window_sliding_growing_and_clamping():
    span = (0, 100)
    assert shift_window(10, 20, 7, "sliding", span) == (17, 27, False)
    assert shift_window(10, 20, 7, "growing", span) == (10, 27, False)
    assert shift_window(80, 95, 7, "sliding", span) == (85, 100, True)  # width kept at the end
    assert shift_window(10, 95, 7, "growing", span) == (10, 100, True)
    assert shift_window(3, 13, -7, "sliding", span) == (0, 10, False)  # back, clamped at the start
    assert shift_window(90, 100, 7, "sliding", span)[2] is True
    with pytest.raises(ValueError):
        shift_window(0, 10, 7, "bouncing", span)
