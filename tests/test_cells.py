"""Cells as analysts write them (flightmap.cells): dates and times, words, aircraft, coordinates."""
from __future__ import annotations

import pandas as pd
import pytest

from flightmap.cells import (
    CONFIDENCE_WORDS, DAY_FIRST, MONTH_FIRST, read_coordinate, read_dates, read_time, read_word, split_aircraft,
)


@pytest.mark.parametrize("cell", ["27 Oct 2023", "27 oct. 2023", "27 octobre 2023", "Oct 27, 2023", "vendredi 27 octobre 2023", "2023-10-27"])
def test_one_day_written_many_ways(cell):
    reading = read_dates(pd.Series([cell]))
    assert reading.dates.tolist() == ["2023-10-27"] and reading.ambiguous == 0


def test_numeric_dates_read_the_only_way_the_column_allows():
    assert read_dates(pd.Series(["23/09/2023", "01/10/2023"])).dates.tolist() == ["2023-09-23", "2023-10-01"]  # a day over 12
    assert read_dates(pd.Series(["09/23/2023", "10/01/2023"])).dates.tolist() == ["2023-09-23", "2023-10-01"]  # a month-second over 12


def test_a_column_that_reads_two_ways_waits_for_a_choice():
    cells = pd.Series(["03/04/2023", "05/06/2023"])
    waiting = read_dates(cells)
    assert (waiting.ambiguous, waiting.example) == (2, "03/04/2023") and waiting.dates.tolist() == cells.tolist()
    assert read_dates(cells, order=DAY_FIRST).dates.tolist() == ["2023-04-03", "2023-06-05"]
    assert read_dates(cells, order=MONTH_FIRST).dates.tolist() == ["2023-03-04", "2023-05-06"]


def test_date_times_are_kept_in_utc():
    reading = read_dates(pd.Series(["2023-10-25T08:00:00Z", "2023-10-25T08:00:00+01:00", "2023-10-25T23:30:00-02:00", "2023-10-25 08:15:00"]))
    assert reading.dates.tolist() == ["2023-10-25", "2023-10-25", "2023-10-26", "2023-10-25"]
    assert reading.times.tolist() == ["08:00", "07:00", "01:30", "08:15"]


def test_epoch_seconds_only_when_the_header_says_so():
    assert read_dates(pd.Series(["1698220800"]), header="timestamp (epoch)").dates.tolist() == ["2023-10-25"]
    assert read_dates(pd.Series(["1698220800"]), header="Date").dates.tolist() == ["1698220800"]  # left for the loader to refuse


def test_what_is_not_a_date_is_left_as_written():
    assert read_dates(pd.Series(["the day after", "Oct 2023"])).dates.tolist() == ["the day after", "Oct 2023"]  # no day: not a date


@pytest.mark.parametrize(("cell", "time"), [("10:32", "10:32"), ("10h32", "10:32"), ("10:32Z", "10:32"), ("Landed 10:32", "10:32"), ("", ""), ("25:99", "")])
def test_times(cell, time):
    assert read_time(cell) == time


@pytest.mark.parametrize(("cell", "ours"), [("Confirmé", "confirmed"), ("signalé", "reported"), ("rapporté", "reported"), ("contesté", "disputed"),
                                            ("probable", "probable"), ("sure", "sure")])
def test_confidence_words_in_french_and_english(cell, ours):
    assert read_word(cell, CONFIDENCE_WORDS) == ours


@pytest.mark.parametrize(("cell", "pair"), [
    ("C130 (5U-MBH)", ("C130", "5U-MBH")), ("5U-MBH (C-130H)", ("C-130H", "5U-MBH")), ("C-130H 5U-MBH", ("C-130H", "5U-MBH")),
    ("Il-76 TZ-TST", ("Il-76", "TZ-TST")), ("C-130H", ("C-130H", "")), ("An-26", ("An-26", "")), ("5U-MBH", ("", "5U-MBH")),
])
def test_aircraft_split_into_type_and_registration(cell, pair):
    assert split_aircraft(cell) == pair


@pytest.mark.parametrize(("cell", "axis", "value"), [
    ("16,2484", "lat", "16.2484"), ("16°14′54″N", "lat", "16.248333"), ("0°00′20″W", "lon", "-0.005556"), ("16 14 54 N", "lat", "16.248333"),
    ("-0.005", "lon", "-0.005"), ("16°14′54″E", "lat", "16°14′54″E"), ("north", "lat", "north"),
])
def test_coordinates(cell, axis, value):
    assert read_coordinate(cell, axis) == value
