"""The four tables of a dataset: their columns, allowed values and the hint shown when a cell is wrong.

`data/README.md` documents the same schema for people; keep the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PRECISIONS = ("day", "month", "range")
FLIGHT_KINDS = ("dated", "pattern")
CONFIDENCES = ("confirmed", "probable", "reported", "disputed")
EVENT_CATEGORIES = ("sighting", "incident", "military", "political", "context")
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | date | partial-date | time | enum | int | lat | lon | url | ids | list
    required: bool = False
    allowed: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: str = "id"
    # (start column, end column) pairs where end must not precede start.
    date_order: tuple[tuple[str, str], ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


_ID = Column("id", required=True, hint="give every row a unique short id, e.g. loop-1")
_SOURCE_IDS = Column(
    "source_ids", "ids", required=True,
    hint="list one or more ids from sources.csv, separated by ';'",
)
_CONFIDENCE = Column(
    "confidence", "enum", required=True, allowed=CONFIDENCES,
    hint="use one of: " + ", ".join(CONFIDENCES),
)
_PRECISION = Column(
    "date_precision", "enum", required=True, allowed=PRECISIONS,
    hint="use 'day' for a dated record, 'month' when only the month is known, 'range' for a span",
)
_DATE_START = Column("date_start", "date", required=True, hint="write the date as YYYY-MM-DD, e.g. 2023-10-27")
_DATE_END = Column(
    "date_end", "date", required=True,
    hint="write the date as YYYY-MM-DD; for a single day repeat date_start",
)

SOURCES = Table(
    "sources",
    (
        _ID,
        Column("title", required=True, hint="give the headline or a short description of the document"),
        Column("publisher", required=True, hint="name the outlet or author; write 'not recorded' if unknown"),
        Column("url", "url", hint="an http(s) address, or leave empty"),
        Column("file", hint="a path inside the dataset folder, e.g. sources/report.txt, or leave empty"),
        Column("published", "partial-date", hint="write YYYY, YYYY-MM or YYYY-MM-DD, or leave empty if undated"),
        Column("notes"),
    ),
)

FLIGHTS = Table(
    "flights",
    (
        _ID,
        _DATE_START,
        _DATE_END,
        _PRECISION,
        Column("origin", hint="name the place as the source does (town, airport or ICAO/IATA code), or leave empty if not reported"),
        Column("destination", hint="name the place as the source does, or leave empty if not reported"),
        Column("registration", hint="write the registration, e.g. 5U-MBH, or leave empty if not identified"),
        Column("aircraft_type"),
        Column("operator"),
        Column(
            "kind", "enum", required=True, allowed=FLIGHT_KINDS,
            hint="use 'dated' for a flight on known dates, 'pattern' for a reported pattern over a date range",
        ),
        Column("flights_count", "int", hint="a whole number of flights of at least 1, or leave empty if unknown"),
        _CONFIDENCE,
        _SOURCE_IDS,
        Column("summary", required=True, hint="write one line in your own words"),
        Column("conflict_note", hint="say where sources disagree, or leave empty"),
        # Optional, after the original columns so that older files load unchanged.
        Column("departure_time", "time", hint="the time of departure in UTC as HH:MM, e.g. 08:15, or leave empty"),
        Column("arrival_time", "time", hint="the time of arrival in UTC as HH:MM, or leave empty"),
        Column("callsign", hint="the callsign or flight number flown, e.g. NAF130, or leave empty"),
        Column("origin_lat", "lat", hint="the origin's latitude in decimal degrees when no place name gives it, or leave empty"),
        Column("origin_lon", "lon", hint="the origin's longitude in decimal degrees, or leave empty"),
        Column("destination_lat", "lat", hint="the destination's latitude in decimal degrees, or leave empty"),
        Column("destination_lon", "lon", hint="the destination's longitude in decimal degrees, or leave empty"),
    ),
    date_order=(("date_start", "date_end"),),
)

EVENTS = Table(
    "events",
    (
        _ID,
        _DATE_START,
        _DATE_END,
        _PRECISION,
        Column("place", hint="name the place, or leave empty and give lat/lon, or leave all empty if unknown"),
        Column("lat", "lat", hint="a latitude between -90 and 90 in decimal degrees, or leave empty"),
        Column("lon", "lon", hint="a longitude between -180 and 180 in decimal degrees, or leave empty"),
        Column(
            "category", "enum", required=True, allowed=EVENT_CATEGORIES,
            hint="use one of: " + ", ".join(EVENT_CATEGORIES),
        ),
        Column("title", required=True, hint="give a short title"),
        Column("summary", required=True, hint="write one or two lines in your own words"),
        Column("aircraft", hint="registration or type of the aircraft involved, or leave empty"),
        _CONFIDENCE,
        _SOURCE_IDS,
        Column("conflict_note", hint="say where sources disagree, or leave empty"),
    ),
    date_order=(("date_start", "date_end"),),
)

PLACES = Table(
    "places",
    (
        Column("name", required=True, hint="give the canonical name shown on the map"),
        Column("aliases", "list", hint="other spellings separated by ';'"),
        Column("icao", hint="a 4-letter ICAO code from the airport database, or leave empty and give lat/lon"),
        Column("lat", "lat", hint="a latitude between -90 and 90, or leave empty when icao is given"),
        Column("lon", "lon", hint="a longitude between -180 and 180, or leave empty when icao is given"),
        Column("country", hint="ISO 3166 two-letter code, e.g. ML"),
        Column("source_ids", "ids", hint="ids from sources.csv behind the coordinates, or leave empty"),
        Column("notes"),
    ),
    key="name",
)

TABLES: tuple[Table, ...] = (SOURCES, PLACES, FLIGHTS, EVENTS)

# The index of flown tracks (optional: a dataset without tracks.csv has none). Each row's points
# are in tracks/<id>.csv (flightmap.trackstore reads and checks them).
TRACKS = Table(
    "tracks",
    (
        Column("id", "slug", required=True,
               hint="a short id of letters, digits, '-', '_' or '.', e.g. 0a1b2c-2023-03-14; the points are in tracks/<id>.csv"),
        Column("registration", hint="write the registration, e.g. 5U-MBH, or leave empty if not identified"),
        Column("hex", "hex", hint="the ICAO 24-bit address as six lower-case hex digits, e.g. 0a1b2c, or leave empty"),
        Column("callsign", hint="the callsign flown, e.g. NAF130, or leave empty"),
        Column("first_time", "datetime", hint="the first point's time in UTC as YYYY-MM-DDTHH:MM:SSZ, or leave empty for a track without times"),
        Column("last_time", "datetime", hint="the last point's time in UTC as YYYY-MM-DDTHH:MM:SSZ, or leave empty for a track without times"),
        Column("points", "int", required=True, hint="the number of points (rows) in tracks/<id>.csv"),
        _SOURCE_IDS,
        _CONFIDENCE,
        Column("flight_ids", "ids", hint="ids from flights.csv that this track backs, separated by ';', or leave empty"),
        Column("notes"),
    ),
)
OPTIONAL_TABLES: tuple[Table, ...] = (TRACKS,)
